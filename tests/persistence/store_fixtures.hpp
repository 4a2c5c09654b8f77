// Test support for the store tests: a real RocksDB store in a temporary directory, synthetic case histories
// whose batches carry what the runtime derives after each batch (derive(): snapshot, directory entry, pending
// timers), and real dispatch cases decided by the interpreter under the Taipei rules, appended the same way.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "casework/rocksdb_store.hpp"
#include "rules_harness.hpp"
#include "temp_dir.hpp"

namespace casework::testing {

inline instant t0() {
  return *parse_instant("2026-03-02T01:00:00Z");
}

inline expected<std::unique_ptr<rocksdb_store>> open_at(const std::string& path, rocksdb::Env* env = nullptr,
                                                        const std::string& secondary = {}) {
  store_options o;
  o.path = path;
  o.env = env;
  o.secondary_path = secondary;
  return rocksdb_store::open(o);
}

inline std::unique_ptr<rocksdb_store> must_open_at(const std::string& path, rocksdb::Env* env = nullptr) {
  auto s = open_at(path, env);
  EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
  return s ? std::move(*s) : nullptr;
}

// A test with a store of its own in a temporary directory: opened by SetUp, closed and opened again by
// reopen().
class store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store = must_open_at(d.str("db"));
    ASSERT_TRUE(store);
  }
  void reopen() {
    store.reset();
    store = must_open_at(d.str("db"));
  }
  temp_dir d;
  std::unique_ptr<rocksdb_store> store;
};

// A synthetic case: events that continue its history, and batches of them that fold into its state. Each
// event is one minute after the previous one, from t0().
class case_writer {
 public:
  case_writer(std::string id, std::string agency, std::string item = "streetlight-out")
      : id_(std::move(id)), agency_(std::move(agency)), item_(std::move(item)) {}

  const std::string& id() const { return id_; }
  const case_state& state() const { return state_; }

  event created() {
    return next(
        event_type::created,
        {{"id", id_}, {"workflow", "dispatch"}, {"version", 1}, {"agency", agency_}, {"item", item_}});
  }
  event moved_to(const std::string& to, int stage = 1, bool terminal = false) {
    return next(event_type::state_changed, {{"to", to}, {"stage", stage}, {"terminal", terminal}});
  }
  event agency_changed(const std::string& to) { return next(event_type::agency_changed, {{"to", to}}); }
  event fields(boost::json::object f) { return next(event_type::fields_set, {{"fields", std::move(f)}}); }
  // A notification whose idempotency key is "id:kind:due" (unless `key` is given).
  event notification(const std::string& kind, instant due, std::string key = {}) {
    if (key.empty()) key = id_ + ":" + kind + ":" + format_utc(due);
    auto e = next(event_type::notification,
                  {{"key", key},
                   {"kind", kind},
                   {"channels", boost::json::array{"sms"}},
                   {"recipients", boost::json::array{boost::json::object{{"role", "duty_officer"}}}},
                   {"due", format_utc(due)}});
    e.rule = "R6.3";
    return e;
  }

  // A batch of `events` with what derive() makes of the state after them; they are folded into state().
  case_events batch(std::vector<event> events, std::vector<pending_timer> timers = {}) {
    fold_in(events);
    auto d = std::make_shared<case_derived>(derive(state_, std::move(timers)));
    return case_events{id_, std::move(events), std::move(d)};
  }
  // A batch without derived values (snapshot, timers and entry stay as they were).
  case_events bare(std::vector<event> events) {
    fold_in(events);
    return case_events{id_, std::move(events), nullptr};
  }
  // Forgets the events issued since the last batch (after a refused or failed write, to issue them again).
  void rewind() { issued_ = state_.seq; }

 private:
  event next(const std::string& type, boost::json::object data) {
    event e;
    e.seq = ++issued_;
    e.type = type;
    e.at = t0() + std::chrono::minutes(e.seq);
    e.actor = "system";
    e.data = std::move(data);
    return e;
  }
  void fold_in(const std::vector<event>& events) {
    for (const auto& e : events) EXPECT_TRUE(apply(state_, e).ok()) << id_ << " event " << e.seq;
  }

  std::string id_, agency_, item_;
  case_state state_;
  std::uint64_t issued_ = 0;
};

// verify's reports at both depths, full then chain (what a changed byte breaks, each depth reports alike).
inline std::vector<verify_report> verify_both_depths(const rocksdb_store& store) {
  std::vector<verify_report> out;
  for (auto depth : {verify_depth::full, verify_depth::chain}) {
    verify_options o;
    o.depth = depth;
    auto report = store.verify(o);
    EXPECT_TRUE(report) << report.error().to_string();
    if (report) out.push_back(std::move(*report));
  }
  return out;
}

inline pending_timer timer(const std::string& name, instant due, const std::string& rule = "R6.3") {
  return pending_timer{name, due, rule};
}

// Appends a real case's batch (the harness has folded `events` into `s`) with what the runtime derives.
inline void record(event_log& log, const harness& h, const case_state& s, const std::vector<event>& events) {
  auto d = std::make_shared<case_derived>(derive(s, s.terminal ? std::vector<pending_timer>{} : h.timers(s)));
  auto st = log.append_group({case_events{s.id, events, std::move(d)}});
  EXPECT_TRUE(st.ok()) << st.error().to_string();
}

// A streetlight-out dispatch case at `address` (R6.12 places), created at local time `at` and recorded.
inline case_state streetlight(event_log& log, harness& h, const std::string& address, const std::string& at) {
  auto input = boost::json::object{{"item", "streetlight-out"},
                                   {"district", "daan"},
                                   {"location", {{"address", address}}},
                                   {"reporter", {{"name", "Citizen A"}, {"phone", "0912000000"}}}};
  auto created = h.try_create("dispatch", boost::json::serialize(input), h.local(at), "streetlight-out");
  EXPECT_TRUE(created) << (created ? "" : created.error().to_string());
  case_state s;
  if (!created) return s;
  harness::fold_into(s, *created);
  record(log, h, s, *created);
  return s;
}

// Runs a command on a real case and records its events.
inline void run(event_log& log, harness& h, case_state& s, const std::string& name, const std::string& role,
                const std::string& input, const std::string& at) {
  auto events = h.ok(s, name, role, input, h.local(at));
  if (!events.empty()) record(log, h, s, events);
}

// Signs, assigns and reports both stages of a streetlight case done with a finding (R6.4, R6.13).
inline void close_streetlight(event_log& log, harness& h, case_state& s, const std::string& day) {
  run(log, h, s, "sign", "duty_officer", "{}", day + " 09:05");
  run(log, h, s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", day + " 09:06");
  run(log, h, s, "report", "handler", R"({"result": "bulb replaced", "finding": "fixed"})", day + " 10:00");
  run(log, h, s, "report", "handler", R"({"result": "pole repaired", "finding": "fixed"})", day + " 11:00");
}

}  // namespace casework::testing
