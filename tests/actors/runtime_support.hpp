// Test support: an engine on CAF's test coordinator, so that every timer rule is observed through the actor
// runtime at its exact instant, with no sleeps.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "casework/engine.hpp"
#include "rules_harness.hpp"

namespace casework::testing {

class runtime_test : public ::testing::Test {
 protected:
  void start(const char* local_start = "2026-03-02 09:00", duration passivate_after = std::chrono::hours(24 * 365)) {
    engine_options o;
    o.rules = taipei_bundle();
    o.mode = clock_mode::deterministic;
    o.start = h.local(local_start);
    o.passivate_after = passivate_after;
    o.pack_idle_cases = pack_idle_cases;
    o.pack_sweep = pack_sweep;
    o.log = log;
    auto e = engine::open(o);
    ASSERT_TRUE(e) << e.error().to_string();
    eng = std::move(*e);
  }
  void SetUp() override { start(); }

  template <class T>
  T wait(std::future<T> f) {
    eng->run_pending();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    return f.get();
  }

  case_view create(const std::string& workflow, const std::string& input, const std::string& role = "call_taker") {
    auto r = wait(eng->create_case(workflow, command{"create", role, "t1", boost::json::parse(input).as_object()}));
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    return r ? *r : case_view{};
  }

  expected<case_view> issue(const std::string& id, const std::string& name, const std::string& role,
                            const std::string& input = "{}") {
    return wait(eng->issue(id, command{name, role, "t1", boost::json::parse(input).as_object()}));
  }

  case_view ok(const std::string& id, const std::string& name, const std::string& role, const std::string& input = "{}") {
    auto r = issue(id, name, role, input);
    EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().to_string());
    return r ? *r : case_view{};
  }

  case_state state(const std::string& id) {
    auto r = wait(eng->get_case(id));
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    return r ? *r->state : case_state{};
  }

  // Advances the test clock to a local time, firing each timer at its own instant.
  void advance_to(const char* local) { eng->advance_time(h.local(local) - eng->now()); }

  // Notifications recorded so far as "kind@due recorded@recorded_at".
  std::vector<std::string> notes(const std::string& kind_prefix = "") {
    std::vector<std::string> out;
    for (const auto& n : eng->notifications(0, 100000))
      if (n.kind.rfind(kind_prefix, 0) == 0)
        out.push_back(n.kind + "@" + format_utc(n.due) + " recorded@" + format_utc(n.recorded_at));
    return out;
  }

  bool pack_idle_cases = true;   // read by start()
  duration pack_sweep = engine_options().pack_sweep;   // read by start()
  harness h;
  std::shared_ptr<memory_event_log> log = std::make_shared<memory_event_log>();
  std::unique_ptr<engine> eng;
};

inline constexpr const char* kStreetlight = R"({"item": "streetlight-out", "district": "daan",
  "location": {"address": "No. 1, Section 4, Roosevelt Rd", "lat": 25.0173, "lng": 121.5397},
  "description": "lamp out", "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})";

}  // namespace casework::testing
