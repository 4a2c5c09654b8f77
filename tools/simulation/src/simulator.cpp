#include "casework/simulation/simulator.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>
#include <unordered_map>

namespace casework::simulation {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

enum class act { look, sign, assign, report, p_assign, p_reply, cb_check_line, cb_assign, cb_call_back };

struct tracked {
  std::string id;
  // What the next command reads of the case's last answer (its state is not kept: the case's actor would copy
  // the state it shares with a held answer before its next change; case_view::state).
  std::string agency, handler;
  sim_rng rng{0};
  bool slow = false;
  std::optional<instant> resolved;   // replay: report at this instant
  duration sign_delay{};
  bool abandon = false;
  double f1 = 0.5, f2 = 0.5;
  double reply_fraction = 0.5;
  bool late_assign = false, check_line = false, line_checked = false, late_call = false;
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

}  // namespace

struct simulator::impl {
  std::shared_ptr<const bundle> rules;
  engine& eng;
  simulator_options o;
  simulator_counts counts;
  // Looked up once per case (adopt): the agenda and the requests in flight hold pointers to its values, which a
  // node map keeps in place. Nothing iterates it but case_ids(), which sorts.
  std::unordered_map<std::string, tracked> cases;
  // What someone does next, earliest first; of two at one instant, the one planned first (a binary heap: the
  // year keeps ~100,000 entries in it, and a tree's node per entry cost more than the heap's moves).
  struct planned {
    instant at;
    std::uint64_t order;   // planning order, for ties
    tracked* c;
    act what;
    bool operator>(const planned& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  std::priority_queue<planned, std::vector<planned>, std::greater<planned>> agenda;
  std::uint64_t planned_count = 0;
  void schedule(instant at, tracked& c, act what) { agenda.push(planned{at, planned_count++, &c, what}); }
  instant now{};

  impl(std::shared_ptr<const bundle> r, engine& e, simulator_options opts)
      : rules(std::move(r)), eng(e), o(std::move(opts)) {}

  std::string person(sim_rng& r, const std::string& agency, const char* role) {
    auto people = rules->people.resolve(agency, role);
    if (people.empty()) people = rules->people.resolve(agency, "call_taker");
    if (people.empty()) return agency + "-staff";
    return people[r.below(people.size())]->id;
  }

  // `position`: the arrival's in the workload. The case's random choices are seeded by it, not by how many
  // cases came before: a report that joins an open case in one run and opens a new one in another (R6.12, a
  // same-instant race) changes that one case, not the choices of every case after it.
  void adopt(const case_state& s, const arrival& a, std::size_t position) {
    tracked c;
    c.id = s.id;
    c.rng = sim_rng(o.seed * 1000003 + position);
    c.slow = o.slow_agencies.count(s.agency) > 0;
    c.resolved = a.resolved;
    auto& r = c.rng;
    if (s.workflow == "dispatch") {
      double u = r.uniform();   // R6.3: most within minutes, some after the 10-minute reminder, a few very late
      c.sign_delay = u < 0.85 ? r.between(1min, 9min) : u < 0.96 ? r.between(11min, 45min) : r.between(2h, 20h);
      c.abandon = !a.resolved && r.chance(c.slow ? 0.04 : 0.01);   // never reported: overdue daily (R6.7)
      auto fraction = [&] {
        return c.slow ? r.uniform(0.4, 1.6) : r.chance(0.04) ? r.uniform(1.02, 1.5) : r.uniform(0.1, 0.9);
      };
      c.f1 = fraction();
      c.f2 = fraction();
    } else if (s.workflow == "petition") {
      c.late_assign = r.chance(c.slow ? 0.2 : 0.08);
      c.reply_fraction = r.chance(c.slow ? 0.3 : 0.12) ? r.uniform(1.05, 1.6) : r.uniform(0.2, 0.9);
    } else if (s.workflow == "callback") {
      c.check_line = text_field(s, "route") == "busy";
      c.late_call = r.chance(c.slow ? 0.3 : 0.15);
    }
    auto id = c.id;
    auto& kept = cases[id] = std::move(c);
    plan(kept, s);
  }

  // Schedules the next thing someone does to the case, as `s`, the state in its last answer, suggests.
  void plan(tracked& c, const case_state& s) {
    if (s.terminal) return;   // nobody acts on it again
    c.agency = s.agency;
    c.handler = text_field(s, "handler");
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
      if (!has_field(s, "signed_by")) then(s.created_at + c.sign_delay, act::sign);
      else if (!has_field(s, "handler")) then(now + r.between(1min, 20min), act::assign);
      else if (c.abandon || s.state == "released") return;
      else if (c.resolved) then(*c.resolved, act::report);
      else if (s.stage == 1) then(at_fraction(s.created_at, deadline_of("stage-one"), c.f1, 1h), act::report);
      else then(at_fraction(entered(s, "stage-two"), deadline_of("stage-two"), c.f2, 1h), act::report);
    } else if (s.workflow == "petition") {
      if (s.state == "registered") {
        auto intake = deadline_of("intake").value_or(now);
        then(intake + (c.late_assign ? r.between(70min, 3h) : r.between(10min, 50min)), act::p_assign);
      } else if (s.state == "delivered") {
        then(entered(s, "delivered") + (c.late_assign ? r.between(70min, 3h) : r.between(10min, 50min)),
             act::p_assign);
      } else if (s.state == "assigned") {
        then(at_fraction(entered(s, "assigned"), deadline_of("reply"), c.reply_fraction, 24h), act::p_reply);
      } else if (s.state == "overdue") {
        then(now + r.between(1h, 72h), act::p_reply);
      }
    } else if (s.workflow == "callback") {
      if (s.state == "registered") {
        if (c.check_line && !c.line_checked) then(now + r.between(5min, 30min), act::cb_check_line);
        else then(s.created_at + r.between(5min, 60min), act::cb_assign);
      } else if (s.state == "assigned") {
        then(s.created_at + (c.late_call ? r.between(4h + 10min, 10h) : r.between(20min, 3h + 30min)),
             act::cb_call_back);
      } else if (s.state == "overdue") {
        then(now + r.between(10min, 2h), act::cb_call_back);
      }
    }
    if (next) schedule(std::max(next->first, now + 1ms), c, next->second);
  }

  command make_command(tracked& c, act a) {
    auto& r = c.rng;
    const std::string& ag = c.agency;
    auto handler = [&] { return c.handler.empty() ? person(r, ag, "handler") : c.handler; };
    switch (a) {
      case act::look: return {};
      case act::sign: return {"sign", "duty_officer", person(r, ag, "duty_officer"), {}};
      case act::assign:
        return {"assign", "duty_officer", person(r, ag, "duty_officer"), {{"handler", person(r, ag, "handler")}}};
      case act::report: {
        double u = r.uniform();
        const char* finding = u < 0.8 ? "fixed" : u < 0.9 ? "no_violation" : u < 0.95 ? "referred" : "other";
        return {"report", "handler", handler(), {{"result", "stage done"}, {"finding", finding}}};
      }
      case act::p_assign:
        return {"assign", "intake_clerk", person(r, ag, "intake_clerk"), {{"handler", person(r, ag, "handler")}}};
      case act::p_reply:
        return {"reply", "handler", handler(),
                {{"document_number", "DOC-" + c.id}, {"reply_date", format_day(rules->calendar.day_of(now))},
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

  void fail(const std::string& what) {
    if (counts.failed++ == 0) counts.first_failure = what;
  }

  // A request of the step in flight; the engine's callback fills `answer`.
  struct flight {
    tracked* c = nullptr;              // a command or a look
    const arrival* report = nullptr;   // a create
    std::size_t position = 0;          // the report's in the workload
    act what = act::look;
    std::optional<expected<case_view>> answer;
  };

  // The step's requests and the count of their answers, shared with the callbacks: an answer that came after
  // the step gave up on it (the engine stopping) still finds them. In deterministic mode the callbacks run
  // inside run_pending() on this thread; otherwise on the engine's threads, and the step waits for the last.
  struct in_flight {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<flight> flights;   // stable addresses: the callbacks hold them
    std::size_t given = 0;
  };

  status step(instant t, const std::vector<arrival>& arrivals, std::size_t& next_arrival) {
    if (o.deterministic) {
      eng.advance_time(t - eng.now());
    } else {
      auto st = eng.advance_to(t).get();
      if (!st.ok()) return st;
    }
    now = t;
    ++counts.steps;
    auto batch = std::make_shared<in_flight>();
    auto& flights = batch->flights;
    auto callback = [&batch](flight& f) {
      return [batch, &f](expected<case_view> r) {
        std::lock_guard<std::mutex> lock(batch->mu);
        f.answer = std::move(r);
        ++batch->given;
        batch->cv.notify_one();
      };
    };
    for (; next_arrival < arrivals.size() && arrivals[next_arrival].at <= t; ++next_arrival) {
      const auto& a = arrivals[next_arrival];
      auto& f = flights.emplace_back();
      f.report = &a;
      f.position = next_arrival;
      eng.create_case(a.workflow, {"create", "call_taker", "cc-ct-1", a.input()}, callback(f));
    }
    while (!agenda.empty() && agenda.top().at <= t) {
      auto [at, order, c, a] = agenda.top();
      agenda.pop();
      auto& f = flights.emplace_back();
      f.c = c;
      f.what = a;
      if (a == act::look) {
        eng.get_case(c->id, callback(f));
      } else {
        eng.issue(c->id, make_command(*c, a), callback(f));
        ++counts.commands;
      }
    }
    if (o.deterministic) {
      eng.run_pending();   // the answers come as the actors run
      if (batch->given != flights.size())
        return error(errc::internal,
                     std::to_string(flights.size() - batch->given) + " requests left unanswered by the engine's run",
                     "simulate");
    } else {
      std::unique_lock<std::mutex> lock(batch->mu);
      batch->cv.wait(lock, [&] { return batch->given == flights.size(); });
    }
    for (auto& f : flights) {
      if (f.report) took(*f.report, f.position, std::move(*f.answer));
      else answered(*f.c, std::move(*f.answer));
    }
    return {};
  }

  void took(const arrival& a, std::size_t position, expected<case_view> r) {
    if (!r) return fail("create " + a.workflow + ": " + r.error().to_string());
    ++counts.creates;
    if (r->merged) {   // R6.12: the report joined the open case at its place
      ++counts.merged;
      return;
    }
    adopt(*r->state, a, position);
  }

  void answered(tracked& c, expected<case_view> r) {
    if (!r) {
      auto code = r.error().code();
      // The case moved on (a timer made it overdue): a refusal is an answer. Look again and re-plan.
      if (code == errc::failed_precondition || code == errc::rule_violation) {
        ++counts.refused;
        if (++c.refusals <= 5) schedule(now + 1min, c, act::look);
        return;
      }
      return fail(c.id + ": " + r.error().to_string());
    }
    plan(c, *r->state);   // then the answer goes: the case's actor changes its state in place next time
  }

  instant round_up(instant t) const {
    auto q = o.resolution.count();
    if (q <= 1) return t;
    auto ms = t.time_since_epoch().count();
    return instant(duration((ms + q - 1) / q * q));
  }
};

simulator::simulator(std::shared_ptr<const bundle> rules, engine& eng, simulator_options o)
    : impl_(std::make_unique<impl>(std::move(rules), eng, std::move(o))) {}
simulator::~simulator() = default;

const simulator_counts& simulator::counts() const { return impl_->counts; }

std::vector<std::string> simulator::case_ids() const {
  std::vector<std::string> out;
  for (const auto& kv : impl_->cases) out.push_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

status simulator::run(const std::vector<arrival>& arrivals, instant start, instant end) {
  auto& s = *impl_;
  s.now = start;
  std::size_t next_arrival = 0;
  while (s.now < end) {
    if (s.o.stop && s.o.stop()) break;
    instant t = s.now + s.o.max_step;
    if (next_arrival < arrivals.size()) t = std::min(t, arrivals[next_arrival].at);
    if (!s.agenda.empty()) t = std::min(t, s.agenda.top().at);
    t = std::min(std::max(s.round_up(t), s.now + std::chrono::milliseconds(1)), end);
    if (auto st = s.step(t, arrivals, next_arrival); !st.ok()) return st;
    if (s.o.progress && s.counts.steps % s.o.progress_every == 0) s.o.progress(s.now, next_arrival, arrivals.size());
  }
  if (s.o.progress) s.o.progress(s.now, next_arrival, arrivals.size());
  return {};
}

std::set<std::string> simulator::pick_slow(const bundle& rules, double share, std::uint64_t seed) {
  std::vector<std::string> dispatch;
  for (const auto& a : rules.people.agencies())
    if (a.dispatch) dispatch.push_back(a.id);
  sim_rng r(seed);
  for (std::size_t i = dispatch.size(); i > 1; --i) std::swap(dispatch[i - 1], dispatch[r.below(i)]);
  auto n = static_cast<std::size_t>(share * static_cast<double>(dispatch.size()) + 0.5);
  if (share > 0 && n == 0) n = 1;
  return std::set<std::string>(dispatch.begin(), dispatch.begin() + static_cast<std::ptrdiff_t>(std::min(n, dispatch.size())));
}

}  // namespace casework::simulation
