// dispatch_deadlines: one streetlight-out dispatch case and one petition, run on a virtual clock.
//
//   dispatch_deadlines [WORKFLOWS_DIR] [--start "2026-03-02 09:00"]
//
// WORKFLOWS_DIR is the shipped workflows/ folder (definitions, Taipei items and directory, office calendar);
// without the argument it is $CASEWORK_WORKFLOWS_DIR, then the source tree's folder this was built from.
// --start is local time in the deployment's zone (default Monday 2026-03-02 09:00 Asia/Taipei), or an RFC
// 3339 instant. Nothing reads the system clock: each scenario has a casework::manual_clock moved by hand, and
// every timer fires at its own due instant through casework::fire_due_timers.
//
// The dispatch case shows R6.3 (established, re-notified unsigned after 10 minutes), R6.4 (stage limits from
// establishment, overdue at the limit), R6.5 (escalation 1 hour later) and R6.7 (18:00 daily reminders); the
// petition, registered on a Friday afternoon, shows the 09:00/14:00 working-day intake (R5.2) and the reply
// deadline at the end of the 6th working day (R5.5). The reporters are fictitious and their personal data is
// only handed to the engine, never printed (R9.2). Exits 1 if the engine refuses a step or a rule above did
// not show.
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/clock.hpp"
#include "casework/intake.hpp"
#include "casework/interpreter.hpp"

#ifndef CASEWORK_EXAMPLE_WORKFLOWS_DIR
#define CASEWORK_EXAMPLE_WORKFLOWS_DIR "workflows"
#endif

namespace {

using namespace casework;
using namespace std::chrono_literals;
namespace json = boost::json;

struct options {
  std::string workflows_dir;
  std::string start = "2026-03-02 09:00";
};

// "Mon 2026-03-02 09:10" in the calendar's zone. Local midnight is written as 24:00 of the day before, the
// way working-day deadlines read ("the end of the 6th working day", R5.5).
std::string local(const business_calendar& cal, instant t) {
  static const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  local_day d = cal.day_of(t);
  time_of_day tod = cal.time_of(t);
  if (tod == time_of_day{0}) d -= date::days{1}, tod = time_of_day{24 * 60};
  return std::string(names[date::weekday{d}.c_encoding()]) + " " + format_day(d) + " " +
         format_time_of_day(tod);
}

std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

std::string join(const json::value* v, const char* sep = ",") {
  std::string out;
  if (!v || !v->is_array()) return out;
  for (const auto& x : v->get_array()) out += (out.empty() ? "" : sep) + str(&x);
  return out;
}

// Who a notification goes to: role:person ids (directory ids, never names or addresses), or "citizen".
std::string recipients(const json::object& data) {
  std::string out;
  for (const auto& r : data.at("recipients").as_array()) {
    const auto& o = r.as_object();
    std::string who = str(o.if_contains("role"));
    if (o.contains("person")) who += ":" + str(o.if_contains("person"));
    if (o.contains("unresolved")) who += ":(nobody in the directory)";
    out += (out.empty() ? "" : " ") + who;
  }
  return out;
}

// One line per event. Command inputs and field values are not printed: they carry the reporter's data.
std::string describe(const business_calendar& cal, const event& e) {
  const auto& d = e.data;
  if (e.type == event_type::created)
    return str(d.if_contains("id")) + " " + str(d.if_contains("workflow")) + " v" +
           json::serialize(d.at("version")) + " agency " + str(d.if_contains("agency")) +
           (d.contains("item") ? " item " + str(d.if_contains("item")) : "");
  if (e.type == event_type::command) return str(d.if_contains("name")) + " by " + e.actor;
  if (e.type == event_type::state_changed)
    return (d.at("from").as_string().empty() ? "(new)" : str(d.if_contains("from"))) + " -> " +
           str(d.if_contains("to")) +
           (d.at("stage") == 0 ? "" : " (stage " + json::serialize(d.at("stage")) + ")");
  if (e.type == event_type::deadline_set)
    return str(d.if_contains("name")) + " due " + local(cal, *parse_instant(str(d.if_contains("at"))));
  if (e.type == event_type::timer_fired) return str(d.if_contains("timer"));
  if (e.type == event_type::notification)
    return str(d.if_contains("kind")) + " via " + join(d.if_contains("channels")) + " to " + recipients(d);
  if (e.type == event_type::fields_set) {
    std::string keys;
    for (const auto& kv : d.at("fields").as_object())
      keys += (keys.empty() ? "" : ",") + std::string(kv.key());
    return keys;
  }
  if (e.type == event_type::agency_changed)
    return str(d.if_contains("from")) + " -> " + str(d.if_contains("to"));
  return str(d.if_contains("relation"));
}

class scenario {
 public:
  scenario(const bundle& rules, const std::string& workflow, instant start)
      : rules_(rules), def_(*rules.definitions.latest(workflow)), clock_(start) {}

  const business_calendar& cal() const { return rules_.calendar; }
  context ctx() const { return context{rules_.calendar, rules_.items, rules_.people}; }
  const case_state& state() const { return s_; }
  const std::set<std::string>& seen() const { return seen_; }

  bool create(const std::string& id, const std::string& item, const std::string& actor, json::object input) {
    create_request req{id, {}, item, command{"create", "call_taker", actor, std::move(input)}};
    return record("a call taker records the report as case " + id,
                  decide_create(def_, ctx(), req, clock_.now()));
  }

  bool run(instant at, const std::string& name, const std::string& role, const std::string& actor,
           json::object input = {}) {
    if (!clock_.set(at).ok()) return false;
    command cmd{name, role, actor, std::move(input)};
    return record(role + " " + actor + ": " + name, decide(def_, ctx(), s_, cmd, clock_.now()));
  }

  // Moves the virtual clock to `until`, firing every timer that falls due on the way.
  bool advance(instant until) {
    bool ok = record("timers due up to " + local(cal(), until), fire_due_timers(def_, ctx(), s_, until));
    return ok && clock_.set(until).ok();
  }

  void print_deadlines() const {
    std::cout << "  deadlines:\n";
    for (const auto& [name, d] : s_.deadlines)
      std::cout << "    " << pad(name, 12) << local(cal(), d.at) << "  " << pad(d.rule, 6) << d.basis << "\n";
  }

  void print_timers() const {
    std::cout << "  pending timers:\n";
    for (const auto& t : pending_timers(def_, ctx(), s_))
      std::cout << "    " << pad(t.name, 22) << local(cal(), t.due) << "  " << t.rule << "\n";
  }

  void print_compliance() const {
    std::cout << "  compliance at " << local(cal(), clock_.now()) << ":";
    for (const auto& [name, verdict] : compliance(def_, s_, clock_.now()))
      std::cout << " " << name << "=" << verdict;
    std::cout << "\n";
  }

 private:
  static std::string pad(const std::string& s, std::size_t n) {
    return s.size() >= n ? s + " " : s + std::string(n - s.size(), ' ');
  }

  bool record(const std::string& what, expected<std::vector<event>> events) {
    std::cout << "\n-- " << what << "\n";
    if (!events) {
      std::cerr << "dispatch_deadlines: " << what << ": " << events.error().to_string() << "\n";
      return false;
    }
    for (const auto& e : *events) {
      if (!apply(s_, e).ok()) return false;
      std::cout << "  " << local(cal(), e.at) << "  " << pad(e.type, 14) << pad(describe(cal(), e), 64)
                << e.rule << "\n";
      if (e.type == event_type::notification) seen_.insert("notification " + str(e.data.if_contains("kind")));
      if (e.type == event_type::state_changed) seen_.insert("state " + str(e.data.if_contains("to")));
    }
    return true;
  }

  const bundle& rules_;
  const definition& def_;
  manual_clock clock_;
  case_state s_;
  std::set<std::string> seen_;
};

// Fictitious reporters. Their names and numbers go into the case, never to the output.
json::object streetlight_report() {
  return json::parse(R"({"item": "streetlight-out", "district": "daan",
    "location": {"address": "No. 1, Section 4, Roosevelt Rd", "lat": 25.0173, "lng": 121.5397},
    "description": "the lamp in front of the school is out",
    "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})")
      .as_object();
}

json::object petition_report() {
  return json::parse(R"({"agency": "pwd", "subject": "pavement", "district": "xinyi",
    "description": "the pavement along the park is broken in several places",
    "reporter": {"name": "Citizen B", "email": "b@example.invalid"}})")
      .as_object();
}

bool missing(const std::set<std::string>& seen, const std::vector<std::string>& expected) {
  bool any = false;
  for (const auto& x : expected) {
    if (seen.count(x)) continue;
    std::cerr << "dispatch_deadlines: expected a '" << x << "' event; none came\n";
    any = true;
  }
  return any;
}

// R6.3, R6.4, R6.5, R6.7: a case signed late, never reported, watched for a virtual week.
bool dispatch_week(const bundle& rules, case_id_sequence& ids, instant start) {
  scenario sc(rules, "dispatch", start);
  std::cout << "== Dispatch: streetlight out, established " << local(sc.cal(), start) << "\n";
  auto id = ids.next("", sc.cal().day_of(start));
  if (!id || !sc.create(*id, "streetlight-out", "cc-ct-1", streetlight_report())) return false;
  sc.print_deadlines();
  sc.print_timers();
  bool ok = sc.advance(start + 15min) &&  // nobody signed within 10 minutes (R6.3)
            sc.run(start + 16min, "sign", "duty_officer", "pwd-parks-lights-do-1") &&
            sc.run(start + 20min, "assign", "duty_officer", "pwd-parks-lights-do-1",
                   json::object{{"handler", "pwd-parks-lights-h-1"}});
  if (!ok) return false;
  sc.print_timers();
  if (!sc.advance(sc.cal().add(start, iso_duration{false, 7, {}}))) return false;  // stage one never reported
  std::cout << "\n  after a week: state " << sc.state().state << " (stage " << sc.state().stage << ")\n";
  sc.print_compliance();
  return !missing(sc.seen(), {"notification established", "notification sign-reminder", "state overdue",
                              "notification stage-one-escalation", "notification overdue-daily"});
}

// R5.2, R5.5: a petition registered on Friday afternoon is taken in at Monday's 09:00 intake.
bool friday_petition(const bundle& rules, case_id_sequence& ids, instant start) {
  const auto& cal = rules.calendar;
  local_day friday = cal.day_of(start);
  while (date::weekday{friday} != date::Friday) friday += date::days{1};
  instant registered = cal.at(friday, time_of_day{15 * 60 + 30});
  scenario sc(rules, "petition", registered);
  std::cout << "\n== Petition: registered " << local(cal, registered) << "\n";
  auto id = ids.next(petition_prefix, friday);
  if (!id || !sc.create(*id, "", "cc-ct-2", petition_report())) return false;
  sc.print_deadlines();
  sc.print_timers();
  auto it = sc.state().deadlines.find("intake");
  if (it == sc.state().deadlines.end()) {
    std::cerr << "dispatch_deadlines: the petition has no intake deadline (R5.2)\n";
    return false;
  }
  instant intake = it->second.at;
  bool ok = sc.advance(intake + 30min) && sc.run(intake + 40min, "assign", "intake_clerk", "pwd-ic-1",
                                                 json::object{{"handler", "pwd-h-1"}});
  if (!ok) return false;
  sc.print_deadlines();
  sc.print_timers();
  return !missing(sc.seen(), {"state delivered", "notification petition-delivered", "state assigned"});
}

expected<instant> parse_start(const business_calendar& cal, const std::string& text) {
  if (auto t = parse_instant(text)) return *t;
  auto bad = error(errc::invalid_argument,
                   "'" + text + "': expected \"YYYY-MM-DD HH:MM\" (local) or RFC 3339", "--start");
  if (text.size() != 16 || (text[10] != ' ' && text[10] != 'T')) return bad;
  auto day = parse_day(text.substr(0, 10));
  auto tod = parse_time_of_day(text.substr(11));
  if (!day || !tod) return bad;
  return cal.at(*day, *tod);
}

bool parse_args(int argc, char** argv, options& o) {
  const char* env = std::getenv("CASEWORK_WORKFLOWS_DIR");
  o.workflows_dir = env && *env ? env : CASEWORK_EXAMPLE_WORKFLOWS_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--start" && i + 1 < argc)
      o.start = argv[++i];
    else if (a.rfind("--start=", 0) == 0)
      o.start = a.substr(8);
    else if (!a.empty() && a[0] != '-')
      o.workflows_dir = a;
    else
      return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse_args(argc, argv, opt)) {
    std::cerr << "usage: dispatch_deadlines [WORKFLOWS_DIR] [--start \"YYYY-MM-DD HH:MM\"]\n";
    return 2;
  }
  auto rules = load_bundle(bundle_paths::taipei(opt.workflows_dir));
  if (!rules) {
    std::cerr << "dispatch_deadlines: " << opt.workflows_dir << ": " << rules.error().to_string() << "\n";
    return 1;
  }
  const bundle& b = **rules;
  for (const char* workflow : {"dispatch", "petition"}) {
    if (!b.definitions.latest(workflow)) {
      std::cerr << "dispatch_deadlines: " << opt.workflows_dir << ": no '" << workflow << "' definition\n";
      return 1;
    }
  }
  auto start = parse_start(b.calendar, opt.start);
  if (!start) {
    std::cerr << "dispatch_deadlines: " << start.error().to_string() << "\n";
    return 2;
  }
  std::cout << "casework dispatch_deadlines: rules from " << opt.workflows_dir << "\n"
            << "calendar " << b.calendar.options().name << " (" << b.calendar.options().zone << "), items "
            << b.items.name() << " v" << b.items.version()
            << (b.items.example() ? " (example table: the limits are illustrative)" : "") << "\n\n";
  case_id_sequence ids;
  if (!dispatch_week(b, ids, *start) || !friday_petition(b, ids, *start)) return 1;
  std::cout << "\ndispatch_deadlines: done\n";
  return 0;
}
