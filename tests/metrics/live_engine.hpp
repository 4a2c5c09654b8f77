// Test support: an embedded engine on the virtual clock (real CAF threads, the Taipei rules) whose Public
// Works dispatch cases go past their limits, and the providers an embedder wires into the metrics exporter.
//
// The day (Monday 2026-03-02, Taipei), four pwd dispatch cases established at 09:00:
//   c1 road-debris-oil (stage one 4 h)  signed 09:05, assigned, reported 10:00: closed, every deadline met
//   c2 road-debris-oil                  signed 09:05, assigned; overdue at 13:00 (R6.4); reported 15:00:
//                                       closed with stage one missed
//   c3 road-debris-oil                  never signed: re-notified 09:10 (R6.3), overdue 13:00, escalated
//   14:00
//                                       (R6.5), still overdue
//   c4 road-pothole (stage one 24 h)    signed late at 09:20 (after its 09:10 re-notification); open
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "casework/engine.hpp"
#include "casework/metrics_collector.hpp"
#include "metrics_support.hpp"
#include "rules_harness.hpp"

namespace casework::testing {

// The reporters' personal data: it goes into the cases and must never reach a metric (R9.2).
struct reporter {
  const char* name;
  const char* phone;
  const char* address;  // also the place of the case
};
inline const reporter kReporters[] = {
    {"Lin Shu-fen", "0912-111-222", "No. 11, Lane 5, Xinyi Road"},
    {"Wang Chih-ming", "0912-333-444", "No. 22, Alley 8, Zhongxiao East Road"},
    {"Huang Ya-ting", "0912-555-666", "No. 33, Section 2, Minsheng Road"},
    {"Chang Wei-jie", "0912-777-888", "No. 44, Keelung Road"},
};

class live_engine {
 public:
  live_engine() {
    engine_options o;
    o.rules = taipei_bundle();
    o.mode = clock_mode::virtual_time;
    o.start = h_.local("2026-03-02 09:00");
    o.worker_threads = 2;
    auto e = engine::open(o);
    EXPECT_TRUE(e) << (e ? "" : e.error().to_string());
    if (e) eng = std::move(*e);
  }

  // What an embedder wires into metrics_options::sources until engine::health() exists: the figures
  // snapshots, the engine clock, and the health figures the engine API already offers (actors, restarts,
  // recovery).
  metrics_sources sources() const {
    engine* e = eng.get();
    metrics_sources s;
    s.figures = [e] {
      std::vector<std::shared_ptr<const agency_figures>> out;
      for (const auto& a : e->agencies())
        if (auto f = e->figures(a)) out.push_back(std::move(f));
      return out;
    };
    s.now = [e] { return e->now(); };
    s.health = [e] {
      engine_health hl;
      hl.active_case_actors = e->active_case_actors();
      hl.restarts_total = e->restarts();
      hl.recovery_failures_total = e->recovery_failures();
      return hl;
    };
    return s;
  }

  // 09:00: the four cases are established.
  void establish() {
    ids.clear();
    const char* items[] = {"road-debris-oil", "road-debris-oil", "road-debris-oil", "road-pothole"};
    for (int i = 0; i < 4; ++i) {
      boost::json::object in{
          {"item", items[i]}, {"district", "daan"}, {"description", "on the road"}, {"reply", "sms"}};
      in["location"] =
          boost::json::object{{"address", kReporters[i].address}, {"lat", 25.02 + 0.01 * i}, {"lng", 121.53}};
      in["reporter"] = boost::json::object{{"name", kReporters[i].name}, {"phone", kReporters[i].phone}};
      auto r = get(eng->create_case("dispatch", {"create", "call_taker", "cc-ct-1", in}), "create");
      ASSERT_TRUE(r) << r.error().to_string();
      ASSERT_FALSE(r->merged);
      ids.push_back(r->state->id);
    }
  }

  // 09:05 c1 and c2 signed and assigned; 09:20 c4 signed; 10:00 c1 reported.
  void morning() {
    advance("2026-03-02 09:05");
    for (int i : {0, 1}) {
      ok(ids[i], "sign", "duty_officer", {});
      ok(ids[i], "assign", "duty_officer", {{"handler", "pwd-h-1"}});
    }
    advance("2026-03-02 09:20");
    ok(ids[3], "sign", "duty_officer", {});
    advance("2026-03-02 10:00");
    ok(ids[0], "report", "handler", {{"result", "debris removed"}, {"finding", "fixed"}});
  }

  // To 15:00 (c2 and c3 overdue at 13:00, c3 escalated at 14:00); then, with `report_c2`, c2 reported.
  void afternoon(bool report_c2 = true) {
    advance("2026-03-02 15:00");
    if (report_c2) ok(ids[1], "report", "handler", {{"result", "oil cleaned up late"}, {"finding", "fixed"}});
  }

  // Waits (10 s at most) until the pwd supervisor has published figures for which `done` holds.
  bool wait_for_pwd(const std::function<bool(const agency_figures&)>& done) const {
    return poll_until(std::chrono::seconds(10), [&] {
      auto f = eng->figures("pwd");
      return f && done(*f);
    });
  }

  void advance(const char* local) {
    auto st = get(eng->advance_to(h_.local(local)), std::string("advance_to ") + local);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
  }

  template <class T>
  static T get(std::future<T> f, const std::string& what) {
    if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 20 s: " << what;
      std::abort();  // the future would block forever in get(); the engine is stuck
    }
    return f.get();
  }

  void ok(const std::string& id, const char* name, const char* role, boost::json::object input) {
    const char* person = std::string(role) == "handler" ? "pwd-h-1" : "pwd-do-1";
    auto r = get(eng->issue(id, {name, role, person, std::move(input)}), std::string(name) + " " + id);
    ASSERT_TRUE(r) << name << " " << id << ": " << r.error().to_string();
  }

  harness h_;
  std::unique_ptr<engine> eng;
  std::vector<std::string> ids;
};

}  // namespace casework::testing
