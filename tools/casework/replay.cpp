// casework replay DATA CASE [--at INSTANT]: folds a case's history, prints its state as JSON, and compares the
// stored snapshot with the history folded up to the snapshot's event.
#include <iostream>

#include <boost/json.hpp>

#include "casework/interpreter.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "casework/redaction.hpp"

namespace casework::cli {
namespace json = boost::json;

namespace {

constexpr const char* help = R"(usage: casework replay DATA CASE [--at INSTANT] [--definitions DIR]

Folds the history of case CASE in the store DATA, every event recorded at or before INSTANT (RFC 3339, e.g.
2026-03-02T09:05:00+08:00; default: the whole history), and prints the state it gives as JSON:
  {"case", "as_of", "events_applied", "events_total", "state": {state, stage, agency, item, fields,
   deadlines, ...}, "pending_timers": [...], "snapshot": ...}
Personal fields are shown as "[redacted]". pending_timers are those the case waited for at that point.

"snapshot" compares the case's stored snapshot with its history folded up to the event the snapshot folds
last (whatever INSTANT is):
  {"seq": N, "matches": true}
  {"seq": N, "matches": false, "problem": "...", "differences": ["state", "fields.reporter", ...]}
differences names the fields that differ, never their values. A case stored without a snapshot gives
"no stored snapshot to compare".

  --at INSTANT        fold up to this instant (inclusive)
  --definitions DIR   the workflows folder or its definitions/ folder; default: the installed workflows

The store is opened as a secondary instance: caseworkd may keep running.
exit codes: 0 ok, 1 the stored snapshot does not match the history, 2 usage or I/O error (unknown case, no
event at or before INSTANT, bad instant)
)";

json::array timers_json(const bundle& rules, const case_state& s) {
  json::array out;
  auto def = rules.definitions.find(s.workflow, s.definition_version);
  if (!def) return out;
  const context ctx{rules.calendar, rules.items, rules.people};
  for (const auto& t : pending_timers(*def, ctx, s)) {
    json::object o{{"name", t.name}, {"due", format_utc(t.due)}};
    if (!t.rule.empty()) o["rule"] = t.rule;
    out.push_back(std::move(o));
  }
  return out;
}

// The stored snapshot against the history (rocksdb_store::check_snapshot); false when it does not match.
expected<std::pair<json::value, bool>> snapshot_json(const rocksdb_store& store, const std::string& id) {
  auto check = store.check_snapshot(id);
  if (!check && check.error().code() == errc::not_found)
    return std::make_pair(json::value("no stored snapshot to compare"), true);
  if (!check) return std::move(check).error();
  json::object o{{"seq", check->seq}, {"matches", check->ok()}};
  if (!check->ok()) {
    o["problem"] = check->problem;
    json::array fields;
    for (const auto& f : check->differences) fields.emplace_back(f);
    o["differences"] = std::move(fields);
  }
  return std::make_pair(json::value(std::move(o)), check->ok());
}

}  // namespace

int run_replay(int argc, char** argv) {
  const spec s{"replay", {"DATA", "CASE"}, {"--at", "--definitions"}, {}, help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  std::optional<instant> at;
  if (a->option("--at")) {
    auto t = parse_instant_option(*a, "--at");
    if (!t) return fail(s.command, t.error().to_string());
    at = *t;
  }
  auto rules = load_rules(*a);
  if (!rules) return fail(s.command, rules.error().to_string());
  auto opened = opened_store::open(a->positional.at("DATA"));
  if (!opened) return fail(s.command, opened.error().to_string());
  const std::string& id = a->positional.at("CASE");
  auto history = (*opened)->store().read(id);
  if (!history) return fail(s.command, history.error().to_string());

  case_state state;
  std::size_t applied = 0;
  for (const auto& e : *history) {
    if (at && e.at > *at) break;
    if (auto st = apply(state, e); !st) return fail(s.command, id + ": " + st.error().to_string());
    ++applied;
  }
  if (applied == 0)
    return fail(s.command, id + ": no event at or before " + format_utc(*at) + " (created " +
                               format_utc(history->front().at) + ")");

  auto snapshot = snapshot_json((*opened)->store(), id);
  if (!snapshot) return fail(s.command, snapshot.error().to_string());

  const redactor redact((*rules)->definitions);
  json::object out{{"case", id},
                   {"as_of", at ? json::value(format_utc(*at)) : json::value(nullptr)},
                   {"events_applied", applied},
                   {"events_total", history->size()},
                   {"state", redact.redacted_json(state)},
                   {"pending_timers", timers_json(**rules, state)},
                   {"snapshot", snapshot->first}};
  pretty_print(std::cout, out);
  std::cout << "\n";
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return snapshot->second ? exit_ok : exit_finding;
}

}  // namespace casework::cli
