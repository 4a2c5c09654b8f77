// bench support: the benchmark workloads on the shipped Taipei rules.
//
// The lifecycle of a dispatch case (create, sign, assign, report stage one, report stage two: closed) with the
// people of the directory, and a store filled with open cases straight through the pure engine (decide_create
// and rocksdb_store::append_group, no actors), for the benchmarks that need many stored cases quickly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "casework/bundle.hpp"
#include "casework/case.hpp"
#include "casework/rocksdb_store.hpp"

namespace casework::bench {

// Loads the shipped Taipei rules from the source tree (CASEWORK_SOURCE_WORKFLOWS_DIR); exits on error.
std::shared_ptr<const bundle> taipei_rules();

// A streetlight-out dispatch case (two stages, 24 h and 7 days, R6.1) from creation to closing.
class lifecycle {
 public:
  explicit lifecycle(std::shared_ptr<const bundle> rules);
  static constexpr std::size_t commands_per_case = 5;
  // The create command of the i-th case: a unique place (no R6.12 repeat merges) and reporter.
  command create(std::size_t i) const;
  // The four commands after create, in order: sign, assign, report (stage one), report (stage two: closed).
  std::vector<command> after_create(std::size_t i) const;
  const std::string& item() const { return item_; }

 private:
  std::shared_ptr<const bundle> rules_;
  std::string item_ = "streetlight-out";
  std::vector<std::string> duty_officers_, handlers_;
};

struct fill_plan {
  std::size_t cases = 100000;       // dispatch cases
  instant first{};                   // the first case's creation instant; the others follow 1 ms apart
  std::size_t group = 1000;          // cases per append_group
  // Every open_every-th case (the first included) is left open, created and unsigned; the others go through
  // the whole lifecycle (sign, assign, two reports: closed) a minute apart each. 1: all open.
  std::size_t open_every = 1;
};

struct fill_result {
  std::size_t cases = 0;
  std::size_t open = 0;
  std::uint64_t events = 0;
  instant last{};                    // the last case's creation instant
  double seconds = 0;
};

// Creates `plan.cases` dispatch cases with the pure engine and appends them to `store`. Case numbers follow
// R5.1's format, but a day has 99,999 numbers and the cases are created minutes apart, so the numbers run
// over consecutive days from the creation day: the number is not what these benchmarks measure. An open case is
// left in `created`, waiting for its signature: its sign-renotify timer (R6.3) is due 10 minutes after it.
// Each batch carries what the engine derives (snapshot, directory entry, pending timers).
expected<fill_result> fill_store(event_log& store, const bundle& rules, const fill_plan& plan,
                                 const std::function<void(std::size_t)>& progress = {});

}  // namespace casework::bench
