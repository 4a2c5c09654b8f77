// casework-bench: one store of many open cases, filled once per run and cloned (SST files hard-linked) for
// each scenario that needs it, so recovery, audit and memory read the same store without filling it thrice.
#pragma once

#include <memory>
#include <string>

#include "process.hpp"
#include "scenarios.hpp"
#include "workload.hpp"

namespace casework::bench {

class stored_fixture {
 public:
  // The run's fixture, filled on first use with o.stored cases.
  static stored_fixture& get(const run_options& o);
  // A copy of the store in `dir` (SST files hard-linked: RocksDB never changes one in place).
  std::string clone_into(const std::string& dir) const;
  const fill_result& filled() const { return filled_; }
  std::uint64_t disk_bytes() const { return dir_.disk_bytes(); }

 private:
  explicit stored_fixture(const run_options& o);
  scratch_dir dir_;
  fill_result filled_;
};

}  // namespace casework::bench
