// The issue's claim: "A virtual-clock run of 10,000 cases through a simulated month (using the NYC 311 sample or
// the Taipei monthly volumes as the arrival stream) completes in a test, and the supervisors' figures equal a
// recount from the cases' histories."
//
// One engine on the virtual clock (real CAF threads, 2 workers) lives through March 2026 in Taipei: 10,000
// dispatch reports in the proportions of the city's published monthly item volumes (arrivals.hpp), repeats at
// the same place among them (R6.12), plus petitions (R5) and transfer callbacks (R4). The test plays the duty
// officers, dispatch windows, handlers, intake clerks and liaisons: most cases are signed within minutes, some
// late (R6.3 reminders), one agency is slow so that cases go overdue (R6.4-R6.7), a few are released inside the
// window (R6.10) and disposed of (R6.11, which opens linked petitions and obligations). At the end every
// agency supervisor's figures must equal casework::recount() over every case's history read back from the log.
#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "arrivals.hpp"
#include "casework/engine.hpp"
#include "casework/figures.hpp"
#include "casework/simulation/tally.hpp"
#include "rules_harness.hpp"

namespace casework {
namespace {

namespace json = boost::json;
using testing::arrival;
using testing::sim_rng;
using namespace std::chrono_literals;

// Transportation is the slow agency of this month: its handlers often report after the stage limits.
constexpr const char* kSlowAgency = "dot";

// Waits for an engine answer; an answer that never comes fails the test instead of hanging it.
template <class T>
T await(std::future<T>& f, const std::string& what) {
  if (f.wait_for(60s) != std::future_status::ready) throw std::runtime_error("no answer within 60 s: " + what);
  return f.get();
}

enum class act {
  look,                                          // get_case, to re-plan after a refusal
  sign, assign, release, dispose, report,        // dispatch (R6.3, R6.4, R6.10, R6.11)
  p_assign, p_reassign, p_grade_b, p_reply,      // petition (R5.2, R5.3, R5.9, R5.6)
  cb_check_line, cb_assign, cb_call_back,        // callback (R4.3, R4.2, R4.1)
};

const char* name_of(act a) {
  switch (a) {
    case act::look: return "look";
    case act::sign: return "sign";
    case act::assign: return "assign";
    case act::release: return "release";
    case act::dispose: return "dispose";
    case act::report: return "report";
    case act::p_assign: return "petition assign";
    case act::p_reassign: return "petition reassign";
    case act::p_grade_b: return "petition grade-b";
    case act::p_reply: return "petition reply";
    case act::cb_check_line: return "callback check-line";
    case act::cb_assign: return "callback assign";
    case act::cb_call_back: return "callback call-back";
  }
  return "?";
}

// What the test knows of a case it works on. The plan's random choices are drawn from the case's own seed, so
// they do not depend on the order in which answers come back.
struct tracked_case {
  std::string id;
  case_state last;   // the state in the engine's latest answer
  sim_rng rng{0};
  // dispatch
  duration sign_delay{};
  bool release_in_stage_one = false, release_in_stage_two = false, release_late = false, release_tried = false;
  bool abandon = false;
  double f1 = 0.5, f2 = 0.5;   // fraction of the stage's limit after which the handler reports
  // petition
  bool reassign = false, reassigned = false, grade_b = false, late_assign = false;
  double reply_fraction = 0.5;
  // callback
  bool check_line = false, line_checked = false, late_call = false;
  int refusals = 0;
};

bool has_field(const case_state& s, const char* path) { return find_path(s.fields, path) != nullptr; }

std::string text_field(const case_state& s, const char* path) {
  auto* v = find_path(s.fields, path);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

instant entered(const case_state& s, const char* state) {
  auto it = s.entered.find(state);
  return it == s.entered.end() ? s.updated_at : it->second;
}

class simulation {
 public:
  simulation(std::shared_ptr<const bundle> rules, engine& eng) : rules_(std::move(rules)), eng_(eng) {
    for (const auto& a : rules_->people.agencies()) {
      agencies_.push_back(a.id);
      if (a.dispatch) dispatch_agencies_.push_back(a.id);
    }
  }

  // Decides a new case's plan from its first answer.
  void adopt(const case_state& s, std::uint64_t seed) {
    tracked_case c;
    c.id = s.id;
    c.last = s;
    c.rng = sim_rng(seed);
    auto& r = c.rng;
    if (s.workflow == "dispatch") {
      double u = r.uniform();   // R6.3: most within minutes, some after the 10-minute reminder, a few very late
      c.sign_delay = u < 0.85 ? r.between(1min, 9min) : u < 0.96 ? r.between(11min, 45min) : r.between(2h, 20h);
      c.release_in_stage_one = r.chance(0.025);
      c.release_in_stage_two = r.chance(0.01);
      c.release_late = r.chance(0.25);   // the window asks after R6.10 allows it, and is refused
      bool slow = s.agency == kSlowAgency;
      c.abandon = r.chance(slow ? 0.04 : 0.01);   // never reported this month: overdue every day (R6.7)
      auto fraction = [&] { return slow ? r.uniform(0.4, 1.6) : r.chance(0.04) ? r.uniform(1.02, 1.5) : r.uniform(0.1, 0.9); };
      c.f1 = fraction();
      c.f2 = fraction();
    } else if (s.workflow == "petition") {
      c.reassign = r.chance(0.05);
      c.grade_b = r.chance(0.05);
      c.late_assign = r.chance(0.08);
      c.reply_fraction = r.chance(0.12) ? r.uniform(1.05, 1.6) : r.uniform(0.2, 0.9);
    } else if (s.workflow == "callback") {
      c.check_line = text_field(s, "route") == "busy";
      c.late_call = r.chance(0.15);
    }
    auto id = c.id;
    cases_[id] = std::move(c);
    plan(cases_[id]);
  }

  // Schedules the next thing someone does to the case, as the state in its last answer suggests.
  void plan(tracked_case& c) {
    const auto& s = c.last;
    if (s.terminal) return;
    auto& r = c.rng;
    auto deadline_of = [&](const char* name) {
      auto it = s.deadlines.find(name);
      return it == s.deadlines.end() ? std::optional<instant>() : std::optional<instant>(it->second.at);
    };
    auto at_fraction = [](instant from, std::optional<instant> limit, double f, duration fallback) {
      if (!limit || *limit <= from) return from + fallback;
      return from + duration(static_cast<duration::rep>(f * static_cast<double>((*limit - from).count())));
    };
    std::optional<std::pair<instant, act>> next;
    auto then = [&](instant at, act a) { next = std::make_pair(at, a); };
    if (s.workflow == "dispatch") {
      if (s.state == "released") {
        then(now_ + r.between(10min, 8h), act::dispose);
      } else if (!has_field(s, "signed_by")) {
        then(s.created_at + c.sign_delay, act::sign);
      } else if (s.state == "signed" && c.release_in_stage_one && !c.release_tried) {
        auto limit = deadline_of("stage-one").value_or(now_);
        then(c.release_late ? limit + r.between(1min, 3h) : now_ + r.between(5min, 90min), act::release);
      } else if (!has_field(s, "handler")) {
        then(now_ + r.between(1min, 20min), act::assign);
      } else if (c.abandon) {
        return;
      } else if (s.state == "stage-two" && c.release_in_stage_two && !c.release_tried) {
        // R6.10: within 2 days after entering stage two (or, late, after them)
        then(entered(s, "stage-two") + (c.release_late ? r.between(49h, 60h) : r.between(1h, 40h)), act::release);
      } else if (s.stage == 1) {
        then(at_fraction(s.created_at, deadline_of("stage-one"), c.f1, 1h), act::report);
      } else {
        then(at_fraction(entered(s, "stage-two"), deadline_of("stage-two"), c.f2, 1h), act::report);
      }
    } else if (s.workflow == "petition") {
      if (s.state == "registered") {
        auto intake = deadline_of("intake").value_or(now_);
        then(intake + (c.late_assign ? r.between(70min, 3h) : r.between(10min, 50min)), act::p_assign);
      } else if (s.state == "delivered") {
        auto from = entered(s, "delivered");
        if (c.reassign && !c.reassigned) then(from + r.between(20min, 3h), act::p_reassign);
        else then(from + (c.late_assign ? r.between(70min, 3h) : r.between(10min, 50min)), act::p_assign);
      } else if (s.state == "assigned") {
        auto from = entered(s, "assigned");
        auto reply = deadline_of("reply");
        if (c.grade_b && reply && *reply - from > 26h)
          then(std::min(from + r.between(2h, 2 * 24h), *reply - 1h), act::p_grade_b);
        else
          then(at_fraction(from, reply, c.reply_fraction, 24h), act::p_reply);
      } else if (s.state == "graded-b") {
        auto days = find_path(s.fields, "schedule_days");
        auto span = days && days->is_int64() ? std::chrono::hours(24 * (days->get_int64() + 4)) : 72h;
        then(entered(s, "graded-b") + r.between(24h, span), act::p_reply);
      } else if (s.state == "overdue") {
        then(now_ + r.between(1h, 72h), act::p_reply);
      }
    } else if (s.workflow == "callback") {
      if (s.state == "registered") {
        if (c.check_line && !c.line_checked) then(now_ + r.between(5min, 30min), act::cb_check_line);
        else then(s.created_at + r.between(5min, 60min), act::cb_assign);
      } else if (s.state == "assigned") {
        then(s.created_at + (c.late_call ? r.between(4h + 10min, 10h) : r.between(20min, 3h + 30min)),
             act::cb_call_back);
      } else if (s.state == "overdue") {
        then(now_ + r.between(10min, 2h), act::cb_call_back);
      }
    }
    if (!next) return;
    schedule(c.id, std::max(next->first, now_ + 1min), next->second);
  }

  void schedule(const std::string& id, instant at, act a) {
    agenda_.emplace(at, std::make_pair(id, a));
    if (a == act::sign) sign_dues_.insert(at);
  }

  // A person of `agency` with `role` (the directory's people; the call centre has no handlers of its own).
  std::string person(sim_rng& r, const std::string& agency, const char* role) {
    auto people = rules_->people.resolve(agency, role);
    if (people.empty()) people = rules_->people.resolve(agency, "call_taker");
    if (people.empty()) return agency + "-staff";
    return people[r.below(people.size())]->id;
  }

  std::string other_agency(sim_rng& r, const std::string& than) {
    std::vector<std::string> others;
    for (const auto& a : dispatch_agencies_)
      if (a != than) others.push_back(a);
    return others[r.below(others.size())];
  }

  command make_command(tracked_case& c, act a) {
    const auto& s = c.last;
    auto& r = c.rng;
    const std::string& ag = s.agency;
    auto handler = [&] {
      auto h = text_field(s, "handler");
      return h.empty() ? person(r, ag, "handler") : h;
    };
    switch (a) {
      case act::look: return {};
      case act::sign: return {"sign", "duty_officer", person(r, ag, "duty_officer"), {}};
      case act::assign:
        return {"assign", "duty_officer", person(r, ag, "duty_officer"), {{"handler", person(r, ag, "handler")}}};
      case act::release: {
        static const std::vector<std::string> reasons = {"not_agency_business", "outside_jurisdiction",
                                                         "no_usable_place", "not_listed_item"};
        c.release_tried = true;
        return {"release", "dispatch_operator", person(r, ag, "dispatch_operator"),
                {{"reason", r.pick(reasons)}, {"note", "released by the dispatch window"}}};
      }
      case act::dispose: {
        json::object in;
        double u = r.uniform();
        if (u < 0.4) {   // R6.11: another city agency: the call centre re-records it as a petition
          in = {{"disposition", "other_agency"}, {"target_agency", other_agency(r, ag)}};
        } else if (u < 0.7) {   // R6.11: no city agency: forwarded to the outside authority within 2 working days
          in = {{"disposition", "outside_authority"}, {"authority", "Directorate General of Highways"}};
        } else {
          in = {{"disposition", "private_dispute"}, {"note", "a dispute between neighbours"}};
        }
        return {"dispose", "dispatch_manager", person(r, ag, "dispatch_manager"), std::move(in)};
      }
      case act::report: {
        double u = r.uniform();
        const char* finding = u < 0.8 ? "fixed" : u < 0.9 ? "no_violation" : u < 0.95 ? "referred" : "other";
        return {"report", "handler", handler(), {{"result", "stage done"}, {"finding", finding}}};
      }
      case act::p_assign:
        return {"assign", "intake_clerk", person(r, ag, "intake_clerk"), {{"handler", person(r, ag, "handler")}}};
      case act::p_reassign:
        c.reassigned = true;
        return {"reassign", "intake_clerk", person(r, ag, "intake_clerk"),
                {{"to_agency", other_agency(r, ag)}, {"approved_by", person(r, ag, "supervisor")},
                 {"reason", "not this agency's business"}}};
      case act::p_grade_b:
        c.grade_b = false;
        return {"grade-b", "handler", handler(),
                {{"schedule_days", static_cast<std::int64_t>(5 + r.below(20))}, {"findings", "site visited"},
                 {"plan", "repair scheduled"}}};
      case act::p_reply:
        return {"reply", "handler", handler(),
                {{"document_number", "TPE-" + s.id}, {"reply_date", format_day(rules_->calendar.day_of(now_))},
                 {"grade", "A"}, {"text", "the matter was handled"}, {"approved_by", person(r, ag, "supervisor")}}};
      case act::cb_check_line:
        c.line_checked = true;
        return {"check-line", "supervisor", person(r, ag, "supervisor"), {{"line_status", "normal"}}};
      case act::cb_assign:
        return {"assign", "liaison", person(r, ag, "liaison"), {{"handler", person(r, ag, "handler")}}};
      case act::cb_call_back:
        return {"call-back", "handler", handler(), {{"outcome", r.chance(0.9) ? "reached" : "unreachable"}}};
    }
    return {};
  }

  struct in_flight {
    std::string case_id;        // empty for a create
    const arrival* report = nullptr;   // a create
    act what = act::look;
    std::future<expected<case_view>> answer;
  };

  // One step: the clock moves to `t` (firing every timer due on the way), then the reports arriving at `t` are
  // taken and the actions due by `t` are done, all concurrently; the step ends when every answer is in.
  void step(instant t, const std::vector<arrival>& arrivals, std::size_t& next_arrival) {
    auto advanced = eng_.advance_to(t);
    auto st = await(advanced, "advance_to " + format_utc(t));
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    now_ = t;
    ++steps_;
    std::vector<in_flight> flights;
    for (; next_arrival < arrivals.size() && arrivals[next_arrival].at <= t; ++next_arrival) {
      const auto& a = arrivals[next_arrival];
      in_flight f;
      f.report = &a;
      f.answer = eng_.create_case(a.workflow, command{"create", "call_taker", "cc-ct-1", a.input()});
      flights.push_back(std::move(f));
      ++reports_[a.workflow];
    }
    while (!agenda_.empty() && agenda_.begin()->first <= t) {
      auto [id, a] = agenda_.begin()->second;
      if (a == act::sign) sign_dues_.erase(sign_dues_.find(agenda_.begin()->first));
      agenda_.erase(agenda_.begin());
      auto& c = cases_.at(id);
      in_flight f;
      f.case_id = id;
      f.what = a;
      if (a == act::look) {
        f.answer = eng_.get_case(id);
      } else {
        f.answer = eng_.issue(id, make_command(c, a));
        ++commands_;
      }
      flights.push_back(std::move(f));
    }
    for (auto& f : flights) {
      auto r = await(f.answer, f.report ? "create" : f.case_id + " " + name_of(f.what));
      if (f.report) {
        took(*f.report, std::move(r));
      } else {
        answered(f.case_id, f.what, std::move(r));
      }
    }
  }

  void took(const arrival& a, expected<case_view> r) {
    if (!r) {   // every report is taken: a repeat whose case closed meanwhile opens a case of its own (R6.12)
      ADD_FAILURE() << "create " << a.workflow << " at " << format_utc(a.at) << ": " << r.error().to_string();
      return;
    }
    const auto& s = r->state;
    if (r->merged) {   // R6.12: the report joined the open case at its place
      ++merged_;
      if (!cases_.count(s->id)) ADD_FAILURE() << "merged into a case the test never opened: " << s->id;
      return;
    }
    if (s->workflow != a.workflow) {
      ADD_FAILURE() << "a " << a.workflow << " report became a " << s->workflow << " case " << s->id;
      return;
    }
    ++opened_[a.workflow];
    if (a.repeat) ++repeats_opened_;
    adopt(*s, 0x5eed0000ULL + cases_.size());
  }

  void answered(const std::string& id, act a, expected<case_view> r) {
    auto& c = cases_.at(id);
    if (!r) {
      auto code = r.error().code();
      // The case moved on (a timer made it overdue, the release window closed, R6.10): a refusal is an
      // answer, not a failure. The handler looks at the case again and does what it now allows.
      if (code == errc::failed_precondition || code == errc::rule_violation) {
        ++refused_[std::string(name_of(a)) + ": " + r.error().message()];
        if (++c.refusals <= 5) schedule(id, now_ + 1min, act::look);
        return;
      }
      ADD_FAILURE() << id << " " << name_of(a) << " in state " << c.last.state << ": " << r.error().to_string();
      return;
    }
    c.last = *r->state;
    if (a == act::dispose) {
      auto d = text_field(c.last, "disposition");
      if (d == "other_agency") ++linked_petitions_;
      if (d == "outside_authority") ++linked_obligations_;
    }
    plan(c);
  }

  std::shared_ptr<const bundle> rules_;
  engine& eng_;
  std::vector<std::string> agencies_, dispatch_agencies_;
  std::map<std::string, tracked_case> cases_;
  std::multimap<instant, std::pair<std::string, act>> agenda_;
  std::multiset<instant> sign_dues_;                   // when signatures are due: steps stop there (R6.3)
  instant now_{};
  // Counts.
  std::size_t steps_ = 0, commands_ = 0, merged_ = 0, repeats_opened_ = 0, linked_petitions_ = 0,
              linked_obligations_ = 0;
  std::map<std::string, std::size_t> reports_, opened_, refused_;
};

// The totals that every event adds to exactly once across all agencies (figures.hpp: an event counts for the
// agency holding the case when it is recorded): cases opened, transitions, notifications (one per channel).
struct event_totals {
  std::uint64_t opened = 0, transitions = 0, notifications = 0;
  bool operator==(const event_totals& o) const {
    return opened == o.opened && transitions == o.transitions && notifications == o.notifications;
  }
};

std::ostream& operator<<(std::ostream& out, const event_totals& t) {
  return out << "opened " << t.opened << ", transitions " << t.transitions << ", notifications " << t.notifications;
}

event_totals totals_of(const std::vector<std::vector<event>>& histories) {
  event_totals t;
  for (const auto& h : histories)
    for (const auto& e : h) {
      if (e.type == event_type::created) ++t.opened;
      if (e.type == event_type::state_changed) ++t.transitions;
      if (e.type == event_type::notification) t.notifications += e.data.at("channels").as_array().size();
    }
  return t;
}

event_totals totals_of(const engine& eng, const std::vector<std::string>& agencies) {
  event_totals t;
  for (const auto& a : agencies) {
    auto f = eng.figures(a);
    if (!f) continue;
    for (const auto& kv : f->opened_total) t.opened += kv.second;
    for (const auto& kv : f->transitions_total) t.transitions += kv.second;
    for (const auto& kv : f->notifications_total) t.notifications += kv.second;
  }
  return t;
}

TEST(SimulatedMonth, VirtualClockRunOf10000CasesCompletesAndSupervisorsFiguresEqualARecountFromHistories) {
  auto wall_start = std::chrono::steady_clock::now();
  std::shared_ptr<const bundle> rules = testing::taipei_bundle();
  ASSERT_TRUE(rules);
  const auto& cal = rules->calendar;

  // The arrival stream: Taipei's monthly item volumes scaled to 10,000 dispatch reports (R6.1 items).
  auto volumes = testing::read_item_volumes(CASEWORK_SIMULATION_DATA_DIR "/taipei-dispatch-items.md", rules->items);
  ASSERT_TRUE(volumes) << volumes.error().to_string();
  testing::month_plan plan;
  auto arrivals = testing::month_arrivals(*rules, *volumes, plan);
  ASSERT_EQ(std::count_if(arrivals.begin(), arrivals.end(), [](const arrival& a) { return a.workflow == "dispatch"; }),
            10000);
  const instant month_start = cal.at(*parse_day(plan.first_day), time_of_day(0));
  const instant month_end = month_start + std::chrono::hours(24 * plan.days);
  const instant last_arrival = arrivals.back().at;

  auto log = std::make_shared<memory_event_log>();
  engine_options opt;
  opt.rules = rules;
  opt.mode = clock_mode::virtual_time;
  opt.start = month_start;
  opt.worker_threads = 2;
  opt.log = log;
  auto opened = engine::open(opt);
  ASSERT_TRUE(opened) << opened.error().to_string();
  auto& eng = **opened;

  // The month, step by step: to the next arrival, the next signature due, or 10 minutes on, whichever is
  // sooner. At each step the people do what has fallen due since the last one: a signature at its minute (the
  // 10-minute rule R6.3 is that tight), anything else at the first step at or after its time (at most 10 minutes
  // late, and timers due by then fire first). Every step costs two round trips through the actors, so steps are
  // what the run's wall time is made of. Handlers stop acting at the end of the month (open cases stay open).
  simulation sim(rules, eng);
  sim.now_ = month_start;
  std::size_t next_arrival = 0;
  const instant sim_end = std::max(month_end, last_arrival);
  while (sim.now_ < sim_end && !::testing::Test::HasFatalFailure()) {
    instant t = sim.now_ + 10min;
    if (next_arrival < arrivals.size()) t = std::min(t, arrivals[next_arrival].at);
    if (!sim.sign_dues_.empty()) t = std::min(t, std::max(*sim.sign_dues_.begin(), sim.now_ + 1ms));
    t = std::min(t, sim_end);
    sim.step(t, arrivals, next_arrival);
  }
  ASSERT_EQ(next_arrival, arrivals.size());

  // A few days on: the timers of the cases left open keep firing (R6.7 every day at 18:00, R5.5, R4.1).
  const instant final_time = sim_end + std::chrono::hours(24 * 3);
  auto last = eng.advance_to(final_time);
  auto last_status = await(last, "final advance_to");
  ASSERT_TRUE(last_status.ok()) << last_status.error().to_string();
  EXPECT_EQ(eng.now(), final_time);

  // Every case: the log's ids (linked petitions and obligations included) and the registry's listing agree.
  auto ids = log->case_ids();
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> listed;
  for (std::string after;;) {
    case_query q;
    q.after = after;
    q.limit = 1000;
    auto page_f = eng.list_cases(q);
    auto page = await(page_f, "list_cases");
    ASSERT_TRUE(page) << page.error().to_string();
    if (page->empty()) break;
    for (const auto& l : *page) listed.push_back(l.id);
    after = page->back().id;
  }
  EXPECT_EQ(listed, ids) << "the registry's directory lists every recorded case";
  // The test's own bookkeeping: the cases it opened, plus one linked case per disposition that opens one (R6.11).
  EXPECT_EQ(ids.size(), sim.cases_.size() + sim.linked_petitions_ + sim.linked_obligations_);
  for (const auto& [id, c] : sim.cases_) EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), id)) << id;

  // The final round: each case's state as its actor holds it. Every command, timer and link of the run was
  // answered before this (advance_to answers once every timer it fired was answered), so nothing records from
  // here on; checked below by the log's size.
  std::map<std::string, case_state> states;
  for (std::size_t i = 0; i < ids.size(); i += 500) {
    std::vector<std::future<expected<case_view>>> round;
    for (std::size_t k = i; k < std::min(ids.size(), i + 500); ++k) round.push_back(eng.get_case(ids[k]));
    for (std::size_t k = 0; k < round.size(); ++k) {
      auto v = await(round[k], "get_case " + ids[i + k]);
      ASSERT_TRUE(v) << ids[i + k] << ": " << v.error().to_string();
      states[ids[i + k]] = *v->state;
    }
  }
  const std::size_t events_recorded = log->size();

  // Every history folds to the state its case actor holds.
  std::vector<std::vector<event>> histories;
  histories.reserve(ids.size());
  std::size_t unfolded = 0;
  for (const auto& id : ids) {
    auto h = eng.history(id);
    ASSERT_TRUE(h) << id << ": " << h.error().to_string();
    auto folded = fold(*h);
    if (!folded) {
      ADD_FAILURE() << id << ": " << folded.error().to_string();
      continue;
    }
    if (!(*folded == states.at(id)) && ++unfolded <= 5)
      ADD_FAILURE() << id << ": the history folds to state '" << folded->state << "' (seq " << folded->seq
                    << "), the actor holds '" << states.at(id).state << "' (seq " << states.at(id).seq << ")";
    histories.push_back(std::move(*h));
  }
  EXPECT_EQ(unfolded, 0u) << "cases whose history does not fold to the actor's state";

  // `casework simulate`'s report (tools/simulation, tally.hpp) counts every case and every event, and the same
  // whether one thread reads the histories or three, each a share of the cases.
  const auto one = casework::simulation::tally_cases(eng, *rules, ids, final_time, 1);
  const auto three = casework::simulation::tally_cases(eng, *rules, ids, final_time, 3);
  EXPECT_EQ(one.total.cases, ids.size());
  EXPECT_EQ(one.total.events, events_recorded);
  EXPECT_EQ(one.unreadable, 0u);
  EXPECT_EQ(boost::json::serialize(casework::simulation::to_json(three)), boost::json::serialize(casework::simulation::to_json(one)));

  // The supervisors publish their figures after each batch, asynchronously: a case actor sends its batch to its
  // supervisor(s) once the events are recorded, and the supervisor may still be working through its mailbox
  // when the last answer has come back. How we wait, and why it is sound: every event of the three kinds below
  // adds exactly 1 (a notification: 1 per channel) to exactly one agency's counter (figures.hpp attribution) and
  // counters never go down, so the sums over all supervisors' published figures reach the log's sums exactly
  // when every batch carrying such an event has been observed. Every batch that moves any figure carries one
  // (gauges, closings, compliance and histograms move only with a state change; a petition changes agency only
  // by re-entering "delivered"). The log no longer grows (checked after the wait), so the wait ends; it is
  // bounded (10 s) so that a lost batch fails the test instead of hanging it. Only then are the figures
  // compared, field by field, with the recount.
  const std::vector<std::string> all_agencies = sim.agencies_;
  const event_totals in_log = totals_of(histories);
  const auto wait_start = std::chrono::steady_clock::now();
  while (!(totals_of(eng, all_agencies) == in_log) && std::chrono::steady_clock::now() < wait_start + 10s)
    std::this_thread::sleep_for(1ms);
  const auto settled_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - wait_start).count();
  ASSERT_EQ(totals_of(eng, all_agencies), in_log) << "the supervisors did not observe every batch within 10 s";
  ASSERT_EQ(log->size(), events_recorded) << "nothing was recorded after the final round";

  // The claim: for EVERY agency of the directory, the supervisor's figures equal the recount from histories.
  auto board = eng.agencies();
  EXPECT_EQ(std::set<std::string>(board.begin(), board.end()),
            std::set<std::string>(all_agencies.begin(), all_agencies.end()));
  for (const auto& agency : all_agencies) {
    auto f = eng.figures(agency);
    ASSERT_TRUE(f) << agency;
    auto expected_figures = recount(agency, rules->definitions, histories);
    EXPECT_TRUE(*f == expected_figures) << agency << "\n--- supervisor ---\n"
                                        << to_string(*f) << "--- recount ---\n"
                                        << to_string(expected_figures);
  }

  // Cases opened, as the figures count them and as the test saw them.
  std::map<std::string, std::uint64_t> opened_in_figures;
  std::map<std::string, std::uint64_t> overdue_entries, dispatch_opened_by_agency;
  for (const auto& agency : all_agencies) {
    auto f = eng.figures(agency);
    for (const auto& [workflow, n] : f->opened_total) opened_in_figures[workflow] += n;
    dispatch_opened_by_agency[agency] = f->opened_total.count("dispatch") ? f->opened_total.at("dispatch") : 0;
    for (const auto& [key, n] : f->transitions_total)
      if (std::get<0>(key) == "dispatch" && std::get<2>(key) == "overdue") overdue_entries[agency] += n;
  }
  // R6.12: every dispatch report opened a case except the repeats merged into an open case at their place.
  EXPECT_EQ(sim.reports_["dispatch"], 10000u);
  EXPECT_EQ(opened_in_figures["dispatch"], sim.reports_["dispatch"] - sim.merged_);
  EXPECT_EQ(opened_in_figures["dispatch"], sim.opened_["dispatch"]);
  EXPECT_GT(sim.merged_, 0u) << "repeat reports at the same place joined open cases (R6.12)";
  // R6.11: each disposition to another city agency opened a petition, each to an outside authority an obligation.
  EXPECT_EQ(opened_in_figures["petition"], sim.reports_["petition"] + sim.linked_petitions_);
  EXPECT_EQ(opened_in_figures["callback"], sim.reports_["callback"]);
  EXPECT_EQ(opened_in_figures["obligation"], sim.linked_obligations_);
  EXPECT_GT(sim.linked_petitions_, 0u);
  EXPECT_GT(sim.linked_obligations_, 0u);

  // The slow agency's cases go overdue far more often than the others' (R6.4).
  double slow_rate = static_cast<double>(overdue_entries[kSlowAgency]) / dispatch_opened_by_agency[kSlowAgency];
  double dep_rate = static_cast<double>(overdue_entries["dep"]) / dispatch_opened_by_agency["dep"];
  EXPECT_GT(slow_rate, 2 * dep_rate) << "overdue entries per dispatch case: dot " << slow_rate << ", dep " << dep_rate;

  // Notifications: recorded once per key (the outbox de-duplicates, and no history holds a key twice), the
  // outbox holds exactly the keys of the histories, and the timer rules fired.
  std::vector<notification_record> notes;
  for (std::size_t from = 0;;) {
    auto page = eng.notifications(from, 1000);
    if (page.empty()) break;
    from += page.size();
    notes.insert(notes.end(), page.begin(), page.end());
  }
  std::set<std::string> outbox_keys;
  std::map<std::string, std::size_t> by_kind;
  for (const auto& n : notes) {
    EXPECT_TRUE(outbox_keys.insert(n.key).second) << "key recorded twice: " << n.key;
    ++by_kind[n.kind];
  }
  std::set<std::string> history_keys;
  std::size_t history_notes = 0;
  for (const auto& h : histories)
    for (const auto& e : h)
      if (e.type == event_type::notification) {
        ++history_notes;
        EXPECT_TRUE(history_keys.insert(std::string(e.data.at("key").as_string())).second)
            << "a history records key " << e.data.at("key").as_string() << " twice";
      }
  EXPECT_EQ(outbox_keys, history_keys);
  EXPECT_EQ(notes.size(), history_notes);
  EXPECT_GT(by_kind["established"], 9000u);           // R6.3
  EXPECT_GT(by_kind["sign-reminder"], 0u);            // R6.3: not signed within 10 minutes
  EXPECT_GT(by_kind["stage-one-escalation"], 0u);     // R6.5
  EXPECT_GT(by_kind["stage-two-day-3"], 0u);          // R6.6
  EXPECT_GT(by_kind["stage-two-eve"], 0u);            // R6.6
  EXPECT_GT(by_kind["overdue-daily"], 0u);            // R6.7
  EXPECT_GT(by_kind["petition-delivered"], 0u);       // R5.2
  EXPECT_GT(by_kind["petition-overdue"], 0u);         // R5.11
  EXPECT_GT(by_kind["callback-overdue"], 0u);         // R4.1

  // Every state of the dispatch card was used, releases included (R6.10).
  std::map<std::string, std::size_t> dispatch_states_entered;
  for (const auto& h : histories) {
    if (h.empty() || h.front().data.at("workflow").as_string() != "dispatch") continue;
    for (const auto& e : h)
      if (e.type == event_type::state_changed) ++dispatch_states_entered[std::string(e.data.at("to").as_string())];
  }
  for (const char* s : {"created", "signed", "stage-one", "stage-two", "overdue", "released", "closed"})
    EXPECT_GT(dispatch_states_entered[s], 0u) << s;

  std::size_t refusals = 0;
  for (const auto& kv : sim.refused_) refusals += kv.second;
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::cout << "simulated month: wall " << wall << " s, cases " << ids.size() << ", events " << log->size()
            << ", notifications " << notes.size() << " (steps " << sim.steps_ << ", commands " << sim.commands_
            << ", merged repeats " << sim.merged_ << ", refused " << refusals << ", figures settled after "
            << settled_ms << " ms)" << std::endl;
}

}  // namespace
}  // namespace casework
