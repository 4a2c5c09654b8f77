#include "builder.hpp"

#include <boost/json.hpp>

namespace casework::detail {
namespace json = boost::json;

void builder::emit(std::string type, json::object data, const std::string& rule) {
  event e;
  e.seq = s_.seq + 1;
  e.type = std::move(type);
  e.at = now_;
  e.actor = actor_;
  e.rule = rule;
  e.data = std::move(data);
  (void)apply(s_, e);  // cannot fail: seq is s_.seq + 1 by construction
  events_.push_back(std::move(e));
}

void builder::set_deadlines(const std::string& trigger) {
  for (const auto& d : def_.deadlines) {
    if (d.set_on != trigger || !eval_condition(d.when, environment())) continue;
    std::string basis;
    auto at = eval_time(d.at, environment(), &basis);
    if (!at) continue;  // e.g. an item without a stage two
    emit(event_type::deadline_set,
         json::object{{"name", d.name}, {"at", format_utc(*at)}, {"calendar_version", ctx_.calendar.version()},
                      {"basis", basis}},
         d.rule);
  }
}

status builder::enter(const std::string& to, const std::string& cause, const std::string& rule) {
  const state_def* st = def_.find_state(to);
  if (!st) return error(errc::internal, "state '" + to + "' is not defined", def_.source);
  int stage = st->stage < 0 ? s_.stage : st->stage;
  json::object data{{"from", s_.state}, {"to", to}, {"stage", stage}, {"cause", cause}};
  if (st->terminal) data["terminal"] = true;
  emit(event_type::state_changed, std::move(data), rule);
  set_deadlines("enter:" + to);
  return run(st->on_enter, now_, "enter:" + to);
}

status builder::run(const std::vector<action>& actions, instant due, const std::string& cause) {
  for (const auto& a : actions) {
    if (!eval_condition(a.when, environment())) continue;
    status st;
    switch (a.k) {
      case action::kind::notify: st = notify(a, due, cause); break;
      case action::kind::transition:
        if (a.to_state != s_.state && !s_.terminal) st = enter(a.to_state, cause, a.rule);
        break;
      case action::kind::set: st = set_fields(a); break;
      case action::kind::open_case: st = open_case(a); break;
      case action::kind::set_agency: st = set_agency(a); break;
    }
    if (!st) return st;
  }
  return {};
}

status builder::notify(const action& a, instant due, const std::string& cause) {
  const auto& n = a.notify;
  std::string agency = n.agency.empty() ? s_.agency : n.agency;
  json::array recipients;
  recipients.reserve(n.roles.size());
  for (const auto& role : n.roles) {
    if (role == "citizen") {
      recipients.push_back(json::object{{"role", role}});
      continue;
    }
    if (role == "assigned_handler") {  // the person named by the case's "handler" field
      auto* h = find_path(s_.fields, "handler");
      if (h && h->is_string()) {
        recipients.push_back(json::object{{"role", role}, {"agency", agency}, {"person", h->get_string()}});
        continue;
      }
    }
    auto people = ctx_.people.resolve(agency, role);
    if (people.empty()) recipients.push_back(json::object{{"role", role}, {"agency", agency}, {"unresolved", true}});
    for (const person* p : people)
      recipients.push_back(json::object{{"role", role}, {"agency", agency}, {"person", p->id}});
  }
  json::array channels;
  channels.reserve(n.channels.size());
  for (const auto& c : n.channels) channels.emplace_back(c);
  // The key makes a notification idempotent: a timer's reminder is keyed by its due instant (a timer fires
  // at most once per due instant, so a replay or restart produces the same key); one caused by a command or a
  // state entry also carries its event's sequence number, since two commands may share an instant.
  const std::string due_text = format_utc(due);
  std::string key;
  key.reserve(s_.id.size() + n.kind.size() + due_text.size() + 24);
  key.append(s_.id).append(1, ':').append(n.kind).append(1, ':').append(due_text);
  if (cause.rfind("timer:", 0) != 0) key.append(1, ':').append(std::to_string(s_.seq + 1));
  emit(event_type::notification,
       json::object{{"key", key}, {"kind", n.kind}, {"channels", std::move(channels)},
                    {"recipients", std::move(recipients)}, {"due", due_text}},
       a.rule);
  return {};
}

namespace {
json::value substitute(const json::value& v, const case_state& s, instant now, const std::string& actor) {
  if (!v.is_string()) return v;
  std::string_view t = v.get_string();
  if (t == "$actor") return json::string(actor);
  if (t == "$now") return json::string(format_utc(now));
  if (t.rfind("$field:", 0) == 0) {
    auto* f = find_path(s.fields, t.substr(7));
    return f ? *f : json::value(nullptr);
  }
  return v;
}
}  // namespace

status builder::set_fields(const action& a) {
  json::object fields;
  for (const auto& kv : a.set) set_path(fields, kv.key(), substitute(kv.value(), s_, now_, actor_));
  emit(event_type::fields_set, json::object{{"fields", std::move(fields)}}, a.rule);
  return {};
}

status builder::open_case(const action& a) {
  const auto& oc = a.open_case;
  std::string agency = s_.agency;
  if (!oc.agency_field.empty()) {
    auto* v = find_path(s_.fields, oc.agency_field);
    if (!v || !v->is_string() || !ctx_.people.find(v->get_string()))
      return error(errc::invalid_argument, "must name an agency of the directory", oc.agency_field, a.rule);
    agency = std::string(v->get_string());
  }
  json::object fields;
  for (const auto& path : oc.copy)
    if (auto* v = find_path(s_.fields, path)) set_path(fields, path, *v);
  deep_merge(fields, oc.fields);
  emit(event_type::link_requested,
       json::object{{"relation", oc.relation}, {"workflow", oc.workflow}, {"agency", agency},
                    {"item", s_.item}, {"fields", std::move(fields)}},
       a.rule);
  return {};
}

status builder::set_agency(const action& a) {
  auto* v = find_path(s_.fields, a.agency_field);
  if (!v || !v->is_string() || !ctx_.people.find(v->get_string()))
    return error(errc::invalid_argument, "must name an agency of the directory", a.agency_field, a.rule);
  if (v->get_string() == s_.agency)
    return error(errc::invalid_argument, "names the case's current agency", a.agency_field, a.rule);
  emit(event_type::agency_changed, json::object{{"from", s_.agency}, {"to", v->get_string()}}, a.rule);
  return {};
}

}  // namespace casework::detail
