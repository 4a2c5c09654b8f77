// Folding events into a case's state, and the JSON forms of events and states.
#include "casework/case.hpp"

#include <type_traits>

#include <boost/json.hpp>

#include "event_members.hpp"

namespace casework {
namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

instant when(const json::object& o, std::string_view key) {
  auto t = parse_instant(str(o, key));
  return t ? *t : instant{};
}

void apply_created(case_state& s, const event& e) {
  s.id = str(e.data, "id");
  s.workflow = str(e.data, "workflow");
  s.definition_version = static_cast<int>(num(e.data, "version"));
  s.agency = str(e.data, "agency");
  s.item = str(e.data, "item");
  s.created_at = e.at;
}

void apply_command(case_state& s, const event& e) {
  auto* input = e.data.if_contains("input");
  if (!input || !input->is_object()) return;
  auto append_to = str(e.data, "append_to");
  if (append_to.empty()) {
    deep_merge(s.fields, input->get_object());
    return;
  }
  auto* list = find_path(s.fields, append_to);
  json::array a = list && list->is_array() ? list->get_array() : json::array{};
  a.push_back(*input);
  set_path(s.fields, append_to, std::move(a));
}

void apply_state_changed(case_state& s, const event& e) {
  s.state = str(e.data, "to");
  s.stage = static_cast<int>(num(e.data, "stage"));
  s.entered[s.state] = e.at;
  s.first_entered.emplace(s.state, e.at);
  s.terminal = e.data.if_contains("terminal") && e.data.at("terminal").is_bool() && e.data.at("terminal").get_bool();
  if (s.terminal) s.closed_at = e.at;
}

void apply_deadline(case_state& s, const event& e) {
  deadline d;
  d.at = when(e.data, "at");
  d.calendar_version = static_cast<std::uint64_t>(num(e.data, "calendar_version"));
  d.basis = str(e.data, "basis");
  d.rule = e.rule;
  s.deadlines[str(e.data, "name")] = std::move(d);
}

// A one-shot timer's (timer, due) pair is remembered so that it does not fire twice for that instant; a
// recurring one's firing ("recurring": true; histories recorded before the flag lack it and keep their pairs)
// only moves its last firing, from which its next is counted.
void apply_timer_fired(case_state& s, const event& e) {
  auto name = str(e.data, "timer");
  auto due = when(e.data, "due");
  auto* recurring = e.data.if_contains("recurring");
  if (!(recurring && recurring->is_bool() && recurring->get_bool())) s.fired.emplace(name, due);
  auto& last = s.last_fired[name];
  if (due > last) last = due;
}

}  // namespace

status apply(case_state& s, const event& e) {
  if (e.seq != s.seq + 1)
    return error(errc::internal, "event " + std::to_string(e.seq) + " does not follow event " + std::to_string(s.seq),
                 s.id.empty() ? std::string("seq") : s.id + ".seq");
  if (e.is(event_type::created)) apply_created(s, e);
  else if (e.is(event_type::command)) apply_command(s, e);
  else if (e.is(event_type::fields_set)) {
    if (auto* f = e.data.if_contains("fields"); f && f->is_object()) deep_merge(s.fields, f->get_object());
  } else if (e.is(event_type::state_changed)) apply_state_changed(s, e);
  else if (e.is(event_type::agency_changed)) s.agency = str(e.data, "to");
  else if (e.is(event_type::deadline_set)) apply_deadline(s, e);
  else if (e.is(event_type::timer_fired)) apply_timer_fired(s, e);
  else if (e.is(event_type::linked)) s.links.emplace_back(str(e.data, "relation"), str(e.data, "case"));
  // notification and link_requested change nothing in the state: they are work for the notifier and the
  // runtime, recorded in the history.
  s.seq = e.seq;
  s.updated_at = e.at;
  return {};
}

event_batch::event_batch(std::vector<event> events) {
  // A batch lives as long as its case's history (the memory log holds every one) and is never appended to: a
  // builder's vector, grown by doubling, held a quarter to a half of its capacity unused (docs/performance.md
  // 47.). Moving an event moves its strings and its JSON's table, not their contents.
  if (events.capacity() > events.size()) events.shrink_to_fit();
  events_ = std::make_shared<const std::vector<event>>(std::move(events));
}

event_batch::event_batch(std::initializer_list<event> events) : event_batch(std::vector<event>(events)) {}

const std::vector<event>& event_batch::events() const {
  static const std::vector<event> none;
  return events_ ? *events_ : none;
}

expected<case_state> fold(const std::vector<event>& history) {
  case_state s;
  for (const auto& e : history)
    if (auto st = apply(s, e); !st) return st.error();
  return s;
}

expected<case_state> fold(const std::vector<event_batch>& history) {
  case_state s;
  for (const auto& b : history)
    for (const auto& e : b)
      if (auto st = apply(s, e); !st) return st.error();
  return s;
}

bool operator==(const case_state& a, const case_state& b) {
  return a.id == b.id && a.workflow == b.workflow && a.definition_version == b.definition_version &&
         a.state == b.state && a.stage == b.stage && a.agency == b.agency && a.item == b.item &&
         a.created_at == b.created_at && a.updated_at == b.updated_at && a.seq == b.seq && a.fields == b.fields &&
         a.entered == b.entered && a.first_entered == b.first_entered && a.fired == b.fired && a.last_fired == b.last_fired && a.links == b.links &&
         a.terminal == b.terminal && a.closed_at == b.closed_at && a.deadlines.size() == b.deadlines.size() &&
         std::equal(a.deadlines.begin(), a.deadlines.end(), b.deadlines.begin(), [](const auto& x, const auto& y) {
           return x.first == y.first && x.second.at == y.second.at &&
                  x.second.calendar_version == y.second.calendar_version && x.second.basis == y.second.basis &&
                  x.second.rule == y.second.rule;
         });
}

json::object to_json(const event& e) {
  json::object o;
  o["seq"] = e.seq;
  o["type"] = e.type;
  o["at"] = format_utc(e.at);
  o["actor"] = e.actor;
  if (!e.rule.empty()) o["rule"] = e.rule;
  o["data"] = e.data;
  return o;
}

namespace detail {
namespace {

template <class V>
expected<event> event_of_members(event_members m, V* data) {
  auto bad = [](const char* field, const char* msg) { return error(errc::invalid_argument, msg, field); };
  if (!m.seq_ok) return bad("seq", "must be a positive integer");
  if (m.type.empty()) return bad("type", "required");
  if (!m.at) return bad("at", "must be an RFC 3339 instant");
  if (data && !data->is_object()) return bad("data", "must be an object");
  // The data object is constructed from the parsed one, not assigned: a moved-from value's storage comes with
  // it (a text parsed into a caller's arena stays there), where an assignment across storages would copy it.
  auto object = [&]() -> json::object {
    if (!data) return json::object();
    if constexpr (std::is_const_v<V>)
      return json::object(data->get_object(), json::storage_ptr());   // a copy, in the default storage
    else
      return json::object(std::move(data->get_object()));
  };
  return event{m.seq, std::move(m.type), *m.at, std::move(m.actor), std::move(m.rule), object()};
}

}  // namespace

expected<event> event_of(event_members m, json::value* data) { return event_of_members(std::move(m), data); }
expected<event> event_of(event_members m, const json::value* data) {
  return event_of_members(std::move(m), data);
}

}  // namespace detail

namespace {
// V is const json::value (data copied) or json::value (data moved out).
template <class V>
expected<event> event_from(V& v) {
  if (!v.is_object()) return error(errc::invalid_argument, "must be an object", "event");
  auto& o = v.get_object();
  detail::event_members m;
  if (auto* seq = o.if_contains("seq")) {
    m.seq_ok = seq->is_uint64() || (seq->is_int64() && seq->get_int64() > 0);
    m.seq = seq->is_uint64() ? seq->get_uint64() : static_cast<std::uint64_t>(seq->get_int64());
  }
  m.type = str(o, "type");
  if (auto at = parse_instant(str(o, "at"))) m.at = *at;
  m.actor = str(o, "actor");
  m.rule = str(o, "rule");
  return detail::event_of(std::move(m), o.if_contains("data"));
}
}  // namespace

expected<event> event_from_json(const json::value& v) { return event_from(v); }
expected<event> event_from_json(json::value&& v) { return event_from(v); }

json::object to_json(const case_state& s) {
  json::object o;
  o["id"] = s.id;
  o["workflow"] = s.workflow;
  o["definition_version"] = s.definition_version;
  o["state"] = s.state;
  if (s.stage > 0) o["stage"] = s.stage;
  o["agency"] = s.agency;
  if (!s.item.empty()) o["item"] = s.item;
  o["created_at"] = format_utc(s.created_at);
  o["updated_at"] = format_utc(s.updated_at);
  o["seq"] = s.seq;
  o["fields"] = s.fields;
  json::object dl;
  for (const auto& [name, d] : s.deadlines) {
    json::object x{{"at", format_utc(d.at)}, {"calendar_version", d.calendar_version}, {"basis", d.basis}};
    if (!d.rule.empty()) x["rule"] = d.rule;
    dl[name] = std::move(x);
  }
  o["deadlines"] = std::move(dl);
  json::array links;
  for (const auto& [rel, id] : s.links) links.push_back(json::object{{"relation", rel}, {"case", id}});
  o["links"] = std::move(links);
  if (s.terminal) o["closed_at"] = format_utc(s.closed_at);
  return o;
}

const json::value* find_path(const json::object& o, std::string_view path) {
  const json::object* cur = &o;
  while (true) {
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    auto* v = cur->if_contains(key);
    if (!v || v->is_null()) return nullptr;
    if (dot == std::string_view::npos) return v;
    if (!v->is_object()) return nullptr;
    cur = &v->get_object();
    path.remove_prefix(dot + 1);
  }
}

void set_path(json::object& o, std::string_view path, json::value v) {
  json::object* cur = &o;
  while (true) {
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    if (dot == std::string_view::npos) {
      (*cur)[key] = std::move(v);
      return;
    }
    auto& next = (*cur)[key];
    if (!next.is_object()) next = json::object{};
    cur = &next.get_object();
    path.remove_prefix(dot + 1);
  }
}

void deep_merge(json::object& into, const json::object& from) {
  for (const auto& kv : from) {
    auto* existing = into.if_contains(kv.key());
    if (existing && existing->is_object() && kv.value().is_object()) {
      deep_merge(existing->get_object(), kv.value().get_object());
    } else if (existing) {
      *existing = kv.value();
    } else {
      into.emplace(kv.key(), kv.value());   // found missing already: no second lookup, as operator[] would make
    }
  }
}

}  // namespace casework
