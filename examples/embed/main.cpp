// embed: the embedding API (casework/engine.hpp) end to end. An engine runs the Taipei rules on a virtual
// clock; a streetlight-out dispatch case is created, signed and assigned, then nobody reports stage one for a
// week.
//
//   embed [WORKFLOWS_DIR] [--start "2026-03-02 09:00"]
//
// WORKFLOWS_DIR defaults to $CASEWORK_WORKFLOWS_DIR, then the source tree's workflows/. --start is local time
// (Asia/Taipei) or an RFC 3339 instant. Prints each event the case records (engine::subscribe) and each
// reminder the notifier delivers (engine::on_notification): the re-notification of an unsigned case (R6.3),
// overdue at the stage-one limit (R6.4), the escalation an hour later (R6.5), the 18:00 daily reminders
// (R6.7); then the case's deadlines and the agency's figures. Reporter data goes into the case only, never to
// the output (R9.2). Exits 1 if a call fails or the R6.5 or R6.7 reminder did not come.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/json.hpp>

#include "casework/engine.hpp"

#ifndef CASEWORK_EXAMPLE_WORKFLOWS_DIR
#define CASEWORK_EXAMPLE_WORKFLOWS_DIR "workflows"
#endif

using namespace casework;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::shared_ptr<const business_calendar> cal;  // the deployment's zone, for printing local times

std::string local(instant t) {  // "Tue 2026-03-03 18:00"
  static const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  local_day d = cal->day_of(t);
  return std::string(names[date::weekday{d}.c_encoding()]) + " " + format_day(d) + " " +
         format_time_of_day(cal->time_of(t));
}
std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

// Both callbacks run on actor threads (a subscriber on the case's actor, delivery on the notifier), so they
// only queue a line; main prints the queue after each step, in time order (events before reminders of one
// instant).
struct journal {
  std::mutex mu;
  std::vector<std::tuple<instant, int, std::string>> lines;
  std::set<std::string> delivered;  // notification kinds
  void add(instant at, int order, std::string line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(at, order, std::move(line));
  }
} out;

// One line per event. Command inputs and fields are never printed: they carry the reporter's data.
void on_event(const std::string& case_id, const event& e) {
  const auto& d = e.data;
  std::string what;
  if (e.type == event_type::command)
    what = str(d.if_contains("name")) + " by " + e.actor;
  else if (e.type == event_type::state_changed)
    what = (str(d.if_contains("from")).empty() ? "(new)" : str(d.if_contains("from"))) + " -> " +
           str(d.if_contains("to"));
  else if (e.type == event_type::deadline_set)
    what = str(d.if_contains("name")) + " due " + local(*parse_instant(str(d.if_contains("at"))));
  else if (e.type == event_type::timer_fired)
    what = str(d.if_contains("timer"));
  else
    return;  // notifications: see deliver(); created and fields_set: nothing to show
  out.add(e.at, 0, local(e.at) + "  " + case_id + "  " + e.type + "  " + what + "  " + e.rule);
}

// The delivery adapter: an SMS or e-mail gateway would go here. Recipients are roles and directory ids only.
void deliver(const notification_record& n) {
  std::string channels, to;
  for (const auto& c : n.channels) channels += (channels.empty() ? "" : ",") + c;
  for (const auto& r : n.recipients) {
    const auto& o = r.as_object();
    to += " " + str(o.if_contains("role")) + (o.contains("person") ? ":" + str(o.if_contains("person")) : "");
  }
  out.add(n.due, 1,
          local(n.due) + "  REMINDER " + n.kind + "  via " + channels + "  " + n.rule + "  to" + to);
  std::lock_guard<std::mutex> lock(out.mu);
  out.delivered.insert(n.kind);
}

// A future is ready once the events are recorded; delivery and the agency's figures follow asynchronously
// (notifier, supervisor). Wait until every reminder is delivered and counted, then print the queued lines.
void settle(engine& eng, const std::string& agency) {
  for (int i = 0; i < 10000; ++i, std::this_thread::sleep_for(1ms)) {
    auto records = eng.notifications(0, 100000);
    std::uint64_t channels = 0, counted = 0;
    bool sent = std::all_of(records.begin(), records.end(), [&](const auto& n) {
      channels += n.channels.size();
      return n.sent_at.has_value();
    });
    if (auto f = eng.figures(agency))
      for (const auto& kv : f->notifications_total) counted += kv.second;
    if (sent && counted == channels) break;
  }
  std::lock_guard<std::mutex> lock(out.mu);
  std::stable_sort(out.lines.begin(), out.lines.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  for (const auto& l : out.lines) std::cout << "  " << std::get<2>(l) << "\n";
  out.lines.clear();
}

expected<instant> parse_start(const std::string& text) {
  if (auto t = parse_instant(text)) return *t;
  auto day = parse_day(text.substr(0, 10));
  auto tod = parse_time_of_day(text.size() == 16 ? text.substr(11) : "");
  if (!day || !tod)
    return error(errc::invalid_argument, "expected \"YYYY-MM-DD HH:MM\" or RFC 3339", "--start");
  return cal->at(*day, *tod);
}

template <class T>  // expected<T> or status
bool ok(const char* what, const T& r) {
  if (!r) std::cerr << "embed: " << what << ": " << r.error().to_string() << "\n";
  return bool(r);
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("CASEWORK_WORKFLOWS_DIR");
  std::string dir = env && *env ? env : CASEWORK_EXAMPLE_WORKFLOWS_DIR, start_text = "2026-03-02 09:00";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--start" && i + 1 < argc)
      start_text = argv[++i];
    else if (!a.empty() && a[0] != '-')
      dir = a;
    else
      return std::cerr << "usage: embed [WORKFLOWS_DIR] [--start \"YYYY-MM-DD HH:MM\"]\n", 2;
  }
  auto rules = load_bundle(bundle_paths::taipei(dir));  // definitions, items, directory, office calendar
  if (!ok(dir.c_str(), rules)) return 1;
  cal = std::make_shared<const business_calendar>((*rules)->calendar);
  auto start = parse_start(start_text);
  if (!ok("--start", start)) return 2;

  engine_options opt;
  opt.rules = *rules;
  opt.mode = clock_mode::virtual_time;  // the clock moves only with advance_to()
  opt.start = *start;
  auto opened = engine::open(std::move(opt));
  if (!ok("open", opened)) return 1;
  engine& eng = **opened;
  eng.subscribe(on_event);
  eng.on_notification(deliver);
  std::cout << "casework embed: rules from " << dir << ", virtual time from " << local(eng.now()) << " ("
            << cal->options().zone << ")\n";

  // A fictitious reporter: name and phone go into the case, never to the output.
  auto report = json::parse(R"({"item": "streetlight-out", "district": "daan",
      "location": {"address": "No. 1, Section 4, Roosevelt Rd", "lat": 25.0173, "lng": 121.5397},
      "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})")
                    .as_object();
  std::cout << "\n-- a call taker records the report\n";
  auto created = eng.create_case("dispatch", {"create", "call_taker", "cc-ct-1", report}).get();
  if (!ok("create", created)) return 1;
  const std::string id = created->state->id, agency = created->state->agency;
  settle(eng, agency);

  // The duty officer's commands, each answered once recorded.
  auto issue = [&](const char* name, json::object input) {
    return ok(name, eng.issue(id, {name, "duty_officer", "pwd-parks-lights-do-1", std::move(input)}).get());
  };
  std::cout << "\n-- 15 minutes pass unsigned, then the duty officer signs and assigns a handler\n";
  if (!ok("advance", eng.advance_to(*start + 15min).get()) || !issue("sign", {}) ||
      !issue("assign", {{"handler", "pwd-parks-lights-h-1"}}))
    return 1;
  settle(eng, agency);

  for (int day = 1; day <= 7; ++day) {  // nobody reports stage one: a week, one day at a time
    std::cout << "\n-- advance to " << local(*start + day * 24h) << "\n";
    if (!ok("advance", eng.advance_to(*start + day * 24h).get())) return 1;
    settle(eng, agency);
  }

  auto now = eng.get_case(id).get();
  if (!ok("get", now)) return 1;  // the final state, its deadlines and what it waits for
  std::cout << "\ncase " << id << " at " << local(eng.now()) << ": " << now->state->state << " (stage "
            << now->state->stage << "), agency " << agency << "\n";
  for (const auto& [name, d] : now->state->deadlines)
    std::cout << "  deadline " << name << " " << local(d.at) << "  " << d.rule << "\n";
  for (const auto& t : now->timers)
    std::cout << "  next " << t.name << " " << local(t.due) << "  " << t.rule << "\n";

  auto f = eng.figures(agency);  // the agency supervisor's snapshot
  if (!f) return std::cerr << "embed: no figures for " << agency << "\n", 1;
  std::cout << "\nfigures of " << agency << ":\n";
  for (const auto& [key, n] : f->open_by_state)
    if (n != 0) std::cout << "  open " << key.first << "/" << key.second << " " << n << "\n";
  for (const auto& [stage, n] : f->overdue_by_stage)
    std::cout << "  overdue in stage " << stage << " " << n << "\n";
  std::map<std::string, std::string> by_kind;  // counted once per channel
  for (const auto& [key, n] : f->notifications_total)
    by_kind[key.first] += " " + key.second + "=" + std::to_string(n);
  for (const auto& [kind, counts] : by_kind) std::cout << "  notified " << kind << ":" << counts << "\n";

  int missing = 0;
  std::lock_guard<std::mutex> lock(out.mu);
  for (const char* kind : {"stage-one-escalation", "overdue-daily"})  // R6.5, R6.7
    if (!out.delivered.count(kind)) std::cerr << "embed: no '" << kind << "' reminder came\n", ++missing;
  return missing ? 1 : 0;
}
