// Test support: runs the shipped workflow definitions against a case held in the test, with the time given
// explicitly (local Taipei wall time in, exact UTC instants out), so each test reads like the rule it proves.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "casework/bundle.hpp"
#include "casework/interpreter.hpp"

namespace casework::testing {

inline std::shared_ptr<bundle> taipei_bundle() {
  static std::shared_ptr<bundle> b = [] {
    auto loaded = load_bundle(bundle_paths::taipei(CASEWORK_WORKFLOWS_DIR));
    if (!loaded) {
      ADD_FAILURE() << loaded.error().to_string();
      return std::shared_ptr<bundle>{};
    }
    return *loaded;
  }();
  return b;
}

class harness {
 public:
  explicit harness(std::shared_ptr<bundle> b = taipei_bundle()) : b_(std::move(b)) {}

  context ctx() const { return context{b_->calendar, b_->items, b_->people}; }
  const bundle& rules() const { return *b_; }
  const definition& def(const std::string& workflow) const { return *b_->definitions.latest(workflow); }

  // "2026-03-02 09:00" local time in the deployment's zone.
  instant local(const std::string& text) const {
    auto day = parse_day(text.substr(0, 10));
    auto tod = parse_time_of_day(text.substr(11));
    EXPECT_TRUE(day && tod) << text;
    return b_->calendar.at(*day, *tod);
  }

  // Creates a case; the test fails when the interpreter refuses.
  case_state create(const std::string& workflow, const std::string& input_json, instant now,
                    const std::string& item = {}, const std::string& role = "call_taker") {
    auto r = try_create(workflow, input_json, now, item, role);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    case_state s;
    if (r) fold_into(s, *r);
    return s;
  }

  expected<std::vector<event>> try_create(const std::string& workflow, const std::string& input_json, instant now,
                                          const std::string& item = {}, const std::string& role = "call_taker") {
    create_request req;
    req.id = next_id(workflow);
    req.item = item;
    req.cmd = command{"create", role, "t1", boost::json::parse(input_json).as_object()};
    return decide_create(def(workflow), ctx(), req, now);
  }

  // Runs a command; on success its events are folded into `s`.
  expected<std::vector<event>> exec(case_state& s, const std::string& name, const std::string& role,
                                    const std::string& input_json, instant now) {
    command c{name, role, "t1", boost::json::parse(input_json).as_object()};
    auto r = decide(def(s.workflow), ctx(), s, c, now);
    if (r) fold_into(s, *r);
    return r;
  }

  // Runs a command that must succeed.
  std::vector<event> ok(case_state& s, const std::string& name, const std::string& role,
                        const std::string& input_json, instant now) {
    auto r = exec(s, name, role, input_json, now);
    EXPECT_TRUE(r.has_value()) << name << ": " << (r ? "" : r.error().to_string());
    return r ? *r : std::vector<event>{};
  }

  // Fires every timer due up to `until` (virtual time) and folds the events into `s`.
  std::vector<event> advance(case_state& s, instant until) {
    auto r = fire_due_timers(def(s.workflow), ctx(), s, until);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    if (!r) return {};
    fold_into(s, *r);
    return *r;
  }

  std::vector<pending_timer> timers(const case_state& s) const { return pending_timers(def(s.workflow), ctx(), s); }

  static void fold_into(case_state& s, const std::vector<event>& events) {
    for (const auto& e : events) {
      auto st = apply(s, e);
      EXPECT_TRUE(st.ok());
    }
  }

 private:
  std::string next_id(const std::string& workflow) {
    auto n = std::to_string(++seq_);
    return def(workflow).id_prefix + "20260101" + std::string(5 - n.size(), '0') + n;
  }

  std::shared_ptr<bundle> b_;
  int seq_ = 0;
};

// The notifications among `events`, as "kind@UTC" strings, in order.
inline std::vector<std::string> notifications(const std::vector<event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.type == event_type::notification)
      out.push_back(std::string(e.data.at("kind").as_string()) + "@" + std::string(e.data.at("due").as_string()));
  return out;
}

inline const event* find_event(const std::vector<event>& events, const std::string& type) {
  for (const auto& e : events)
    if (e.type == type) return &e;
  return nullptr;
}

inline std::string deadline_utc(const case_state& s, const std::string& name) {
  auto it = s.deadlines.find(name);
  return it == s.deadlines.end() ? std::string("(none)") : format_utc(it->second.at);
}

inline std::string str(const boost::json::value& v) { return boost::json::serialize(v); }

}  // namespace casework::testing
