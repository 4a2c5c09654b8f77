// casework history DATA CASE: a case's timeline in local time, with personal data redacted.
#include <iomanip>
#include <iostream>

#include <boost/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "casework/redaction.hpp"

namespace casework::cli {
namespace json = boost::json;

namespace {

constexpr const char* help = R"(usage: casework history DATA CASE [--definitions DIR] [--hashes]

Prints the history of case CASE in the store DATA, one event a line:
  local instant (the deployment calendar's zone, e.g. Asia/Taipei), sequence number, event type, actor,
  what changed (state from -> to, deadline -> instant, notification kind, channels and recipient roles,
  command name and input fields), and the rule the event enforces.
Personal fields (those marked "personal" in the workflow definitions) are shown as [redacted].

  --definitions DIR   the workflows folder (holding definitions/, taipei/, calendars/) or its definitions/
                      folder; default: the installed workflows
  --hashes            also print each event's hash (the first 16 hex digits of its SHA-256 chain hash)

The store is opened as a secondary instance: caseworkd may keep running.
exit codes: 0 ok, 2 usage or I/O error (unknown case, unreadable store or definitions)
)";

// "a=1, b.c=x" from a (redacted) object, flattening nested objects into dotted paths.
void flatten(const json::object& o, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& kv : o) {
    std::string path = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
    if (kv.value().is_object() && !kv.value().get_object().empty())
      flatten(kv.value().get_object(), path, out);
    else
      out.push_back(path + "=" + plain(kv.value()));
  }
}

std::string join(const std::vector<std::string>& parts, const char* sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string fields_text(const json::value* v) {
  if (!v || !v->is_object()) return {};
  std::vector<std::string> parts;
  flatten(v->get_object(), "", parts);
  return join(parts);
}

std::string str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v ? plain(*v) : std::string();
}

std::string local(const business_calendar& cal, const json::object& o, const char* key) {
  auto t = parse_instant(str(o, key));
  return t ? cal.format_local(*t) : str(o, key);
}

std::string notification_text(const business_calendar& cal, const event& e) {
  const auto& d = e.data;
  std::vector<std::string> channels, roles;
  if (auto* c = d.if_contains("channels"); c && c->is_array())
    for (const auto& x : c->get_array()) channels.push_back(plain(x));
  if (auto* r = d.if_contains("recipients"); r && r->is_array())
    for (const auto& x : r->get_array()) {
      if (!x.is_object()) continue;
      std::string role = str(x.get_object(), "role");
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
    }
  std::string text = "notify " + str(d, "kind") + " via " + join(channels) + " to " + join(roles);
  auto due = parse_instant(str(d, "due"));
  if (due && *due != e.at) text += " (due " + cal.format_local(*due) + ")";
  return text;
}

// What an (already redacted) event changed, in a few words.
std::string what_changed(const business_calendar& cal, const event& e) {
  const auto& d = e.data;
  if (e.type == event_type::created)
    return "created " + str(d, "workflow") + " v" + str(d, "version") + " case for agency " +
           str(d, "agency") + (d.contains("item") ? ", item " + str(d, "item") : "");
  if (e.type == event_type::command) {
    std::string text = "command " + str(d, "name");
    std::string input = fields_text(d.if_contains("input"));
    return input.empty() ? text : text + ": " + input;
  }
  if (e.type == event_type::state_changed)
    return "state " + (str(d, "from").empty() ? std::string("(none)") : str(d, "from")) + " -> " +
           str(d, "to") + " (stage " + str(d, "stage") + ", " + str(d, "cause") + ")";
  if (e.type == event_type::deadline_set)
    return "deadline " + str(d, "name") + " -> " + local(cal, d, "at") +
           (d.contains("previous") ? " (was " + local(cal, d, "previous") + "; " + str(d, "reason") + ")"
                                   : "") +
           " [" + str(d, "basis") + "]";
  if (e.type == event_type::notification) return notification_text(cal, e);
  if (e.type == event_type::fields_set) return "set " + fields_text(d.if_contains("fields"));
  if (e.type == event_type::timer_fired)
    return "timer " + str(d, "timer") + " fired (due " + local(cal, d, "due") + ", " + str(d, "late_ms") +
           " ms late)";
  if (e.type == event_type::agency_changed) return "agency " + str(d, "from") + " -> " + str(d, "to");
  if (e.type == event_type::link_requested)
    return "open linked " + str(d, "workflow") + " case (" + str(d, "relation") + ") for agency " +
           str(d, "agency") + ": " + fields_text(d.if_contains("fields"));
  if (e.type == event_type::linked) return "linked " + str(d, "relation") + " case " + str(d, "case");
  return json::serialize(d);
}

}  // namespace

int run_history(int argc, char** argv) {
  const spec s{"history", {"DATA", "CASE"}, {"--definitions"}, {"--hashes"}, help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  auto rules = load_rules(*a);
  if (!rules) return fail(s.command, rules.error().to_string());
  const redactor redact((*rules)->definitions);
  const auto& cal = (*rules)->calendar;
  auto opened = opened_store::open(a->positional.at("DATA"));
  if (!opened) return fail(s.command, opened.error().to_string());
  const std::string& id = a->positional.at("CASE");
  auto chain = (*opened)->store().read_chain(id);
  if (!chain) return fail(s.command, chain.error().to_string());

  std::cout << "case " << id << " (times in " << cal.options().zone << ")\n";
  for (const auto& stored : *chain) {
    event e = redact.redact(stored.e);
    std::cout << cal.format_local(e.at) << "  #" << std::left << std::setw(4) << e.seq << " " << std::setw(14)
              << e.type << " " << std::setw(26) << e.actor << " " << what_changed(cal, e);
    if (!e.rule.empty()) std::cout << "  [" << e.rule << "]";
    if (a->flag("--hashes")) std::cout << "  hash " << stored.hash.substr(0, 16);
    std::cout << "\n";
  }
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return exit_ok;
}

}  // namespace casework::cli
