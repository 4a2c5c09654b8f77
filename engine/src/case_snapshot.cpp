// The complete JSON form of a case's state, for snapshots (case.hpp). Unlike to_json(case_state), which is
// for people, it keeps everything fold produces: entries, fired timers, deadline bases.
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/json.hpp>

#include "casework/case.hpp"
#include "json_write.hpp"

namespace casework {
namespace json = boost::json;

namespace {

constexpr int snapshot_version = 1;

json::object instants(const flat_map<std::string, instant>& m) {
  json::object o;
  for (const auto& [k, t] : m) o[k] = format_utc(t);
  return o;
}

struct reader {
  const json::object& o;
  std::optional<error> err;

  const json::value* get(const char* key) {
    auto* v = o.if_contains(key);
    if (!v && !err) err = error(errc::invalid_argument, "required", std::string("snapshot.") + key);
    return v;
  }
  std::string text(const char* key) {
    auto* v = get(key);
    if (v && v->is_string()) return std::string(v->get_string());
    if (v && !err) err = error(errc::invalid_argument, "must be a string", std::string("snapshot.") + key);
    return {};
  }
  std::int64_t number(const char* key) {
    auto* v = get(key);
    if (v && (v->is_int64() || v->is_uint64())) return v->to_number<std::int64_t>();
    if (v && !err) err = error(errc::invalid_argument, "must be an integer", std::string("snapshot.") + key);
    return 0;
  }
  instant when(std::string_view text, const std::string& field) {
    auto t = parse_instant(text);
    if (!t && !err) err = error(errc::invalid_argument, "must be an RFC 3339 instant", "snapshot." + field);
    return t ? *t : instant{};
  }
  flat_map<std::string, instant> instants_of(const char* key) {
    flat_map<std::string, instant> out;
    auto* v = get(key);
    if (!v || !v->is_object()) return out;
    out.reserve(v->get_object().size());   // what an active case keeps: no spare capacity
    for (const auto& kv : v->get_object())
      out[std::string(kv.key())] = when(kv.value().is_string() ? kv.value().get_string() : "", std::string(key) + "." + std::string(kv.key()));
    return out;
  }
};

}  // namespace

json::object to_snapshot(const case_state& s) {
  json::object o;
  o["snapshot_version"] = snapshot_version;
  o["id"] = s.id;
  o["workflow"] = s.workflow;
  o["definition_version"] = s.definition_version;
  o["state"] = s.state;
  o["stage"] = s.stage;
  o["agency"] = s.agency;
  o["item"] = s.item;
  o["created_at"] = format_utc(s.created_at);
  o["updated_at"] = format_utc(s.updated_at);
  o["seq"] = s.seq;
  o["fields"] = s.fields;
  json::object dl;
  for (const auto& [name, d] : s.deadlines)
    dl[name] = json::object{{"at", format_utc(d.at)}, {"calendar_version", d.calendar_version}, {"basis", d.basis},
                            {"rule", d.rule}};
  o["deadlines"] = std::move(dl);
  o["entered"] = instants(s.entered);
  o["first_entered"] = instants(s.first_entered);
  json::array fired;
  for (const auto& [timer, due] : s.fired) fired.push_back(json::array{json::string(timer), json::string(format_utc(due))});
  o["fired"] = std::move(fired);
  o["last_fired"] = instants(s.last_fired);
  json::array links;
  for (const auto& [rel, id] : s.links) links.push_back(json::array{json::string(rel), json::string(id)});
  o["links"] = std::move(links);
  o["terminal"] = s.terminal;
  o["closed_at"] = format_utc(s.closed_at);
  return o;
}

namespace detail {

// JSON text written directly, escaped as Boost.JSON's serializer escapes (its `esc` table): '"', '\\' and the
// control characters, the common ones short (\b \t \n \f \r), the others as \u00xx; UTF-8 as it is.
void put_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      default:
        out.append("u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

// `"key":` after a comma unless it is the object's first member.
void put_key(std::string& out, std::string_view key, bool first) {
  if (!first) out.push_back(',');
  put_string(out, key);
  out.push_back(':');
}

}  // namespace detail

namespace {

using detail::put_key;
using detail::put_string;

void put_instants(std::string& out, const flat_map<std::string, instant>& m) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, t] : m) {
    put_key(out, k, std::exchange(first, false));
    put_string(out, format_utc(t));
  }
  out.push_back('}');
}

// [["a", text(b)], ...] for the (a, b) pairs of `pairs`.
template <class Pairs, class Text>
void put_pairs(std::string& out, const Pairs& pairs, Text text) {
  out.push_back('[');
  bool first = true;
  for (const auto& [a, b] : pairs) {
    if (!std::exchange(first, false)) out.push_back(',');
    out.push_back('[');
    put_string(out, a);
    out.push_back(',');
    put_string(out, text(b));
    out.push_back(']');
  }
  out.push_back(']');
}

}  // namespace

// Member for member what serialize(to_json(e)) writes, without building the object first (which copies the
// event's data): the store writes every event's payload this way, on its writer's one thread. A test holds the
// two to the same bytes (CaseSnapshot.AnEventsTextIsItsSerializedJsonByteForByte), and so does the property test.
std::string event_text(const event& e) {
  std::string out;
  out.reserve(256);
  out.append("{\"seq\":").append(std::to_string(e.seq));
  put_key(out, "type");
  put_string(out, e.type);
  put_key(out, "at");
  put_string(out, format_utc(e.at));
  put_key(out, "actor");
  put_string(out, e.actor);
  if (!e.rule.empty()) {
    put_key(out, "rule");
    put_string(out, e.rule);
  }
  put_key(out, "data");
  out.append(json::serialize(e.data));
  out.push_back('}');
  return out;
}

std::optional<std::string_view> event_type_of_text(std::string_view text) {
  constexpr std::string_view head = "{\"seq\":", type_key = ",\"type\":\"";
  if (text.substr(0, head.size()) != head) return std::nullopt;
  std::size_t i = head.size();
  const std::size_t digits = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits || text.substr(i, type_key.size()) != type_key) return std::nullopt;
  i += type_key.size();
  const auto end = text.find_first_of("\"\\", i);
  if (end == std::string_view::npos || text[end] != '"') return std::nullopt;
  return text.substr(i, end - i);
}

// Member for member what serialize(to_snapshot(s)) writes, without building the object first: every command's
// snapshot is written this way (derive), and verify compares each stored snapshot with it. A test holds the
// two to the same bytes (CaseSnapshot.TheTextIsTheSerializedSnapshotByteForByte).
std::string snapshot_text(const case_state& s) {
  std::string out;
  out.reserve(1024);
  out.append("{\"snapshot_version\":").append(std::to_string(snapshot_version));
  put_key(out, "id");
  put_string(out, s.id);
  put_key(out, "workflow");
  put_string(out, s.workflow);
  put_key(out, "definition_version");
  out.append(std::to_string(s.definition_version));
  put_key(out, "state");
  put_string(out, s.state);
  put_key(out, "stage");
  out.append(std::to_string(s.stage));
  put_key(out, "agency");
  put_string(out, s.agency);
  put_key(out, "item");
  put_string(out, s.item);
  put_key(out, "created_at");
  put_string(out, format_utc(s.created_at));
  put_key(out, "updated_at");
  put_string(out, format_utc(s.updated_at));
  put_key(out, "seq");
  out.append(std::to_string(s.seq));
  put_key(out, "fields");
  out.append(json::serialize(s.fields));
  put_key(out, "deadlines");
  out.push_back('{');
  bool first = true;
  for (const auto& [name, d] : s.deadlines) {
    put_key(out, name, std::exchange(first, false));
    out.append("{\"at\":");
    put_string(out, format_utc(d.at));
    out.append(",\"calendar_version\":").append(std::to_string(d.calendar_version));
    out.append(",\"basis\":");
    put_string(out, d.basis);
    out.append(",\"rule\":");
    put_string(out, d.rule);
    out.push_back('}');
  }
  out.push_back('}');
  put_key(out, "entered");
  put_instants(out, s.entered);
  put_key(out, "first_entered");
  put_instants(out, s.first_entered);
  put_key(out, "fired");
  put_pairs(out, s.fired, [](instant due) { return format_utc(due); });
  put_key(out, "last_fired");
  put_instants(out, s.last_fired);
  put_key(out, "links");
  put_pairs(out, s.links, [](const std::string& id) -> const std::string& { return id; });
  put_key(out, "terminal");
  out.append(s.terminal ? "true" : "false");
  put_key(out, "closed_at");
  put_string(out, format_utc(s.closed_at));
  out.push_back('}');
  return out;
}

namespace {

// V is const json::value (fields copied) or json::value (fields moved out).
template <class V>
expected<case_state> snapshot_from(V& v) {
  if (!v.is_object()) return error(errc::invalid_argument, "must be an object", "snapshot");
  reader r{v.get_object(), std::nullopt};
  if (r.number("snapshot_version") != snapshot_version && !r.err)
    return error(errc::failed_precondition, "snapshot version is not " + std::to_string(snapshot_version),
                 "snapshot.snapshot_version");
  case_state s;
  s.id = r.text("id");
  s.workflow = r.text("workflow");
  s.definition_version = static_cast<int>(r.number("definition_version"));
  s.state = r.text("state");
  s.stage = static_cast<int>(r.number("stage"));
  s.agency = r.text("agency");
  s.item = r.text("item");
  s.created_at = r.when(r.text("created_at"), "created_at");
  s.updated_at = r.when(r.text("updated_at"), "updated_at");
  s.seq = static_cast<std::uint64_t>(r.number("seq"));
  if (auto* f = r.get("fields"); f && f->is_object()) {
    if constexpr (std::is_const_v<V>)
      s.fields = f->get_object();
    else
      s.fields = std::move(const_cast<json::object&>(f->get_object()));   // v is ours: not const
  }
  if (auto* dl = r.get("deadlines"); dl && dl->is_object()) {
    s.deadlines.reserve(dl->get_object().size());
    for (const auto& kv : dl->get_object()) {
      if (!kv.value().is_object())
        return error(errc::invalid_argument, "must be an object", "snapshot.deadlines." + std::string(kv.key()));
      reader d{kv.value().get_object(), std::nullopt};
      deadline x;
      x.at = d.when(d.text("at"), "deadlines." + std::string(kv.key()) + ".at");
      x.calendar_version = static_cast<std::uint64_t>(d.number("calendar_version"));
      x.basis = d.text("basis");
      x.rule = d.text("rule");
      if (d.err) return *d.err;
      s.deadlines[std::string(kv.key())] = std::move(x);
    }
  }
  s.entered = r.instants_of("entered");
  s.first_entered = r.instants_of("first_entered");
  s.last_fired = r.instants_of("last_fired");
  if (auto* fired = r.get("fired"); fired && fired->is_array()) {
    s.fired.reserve(fired->get_array().size());
    for (const auto& p : fired->get_array())
      if (p.is_array() && p.get_array().size() == 2 && p.get_array()[0].is_string() && p.get_array()[1].is_string())
        s.fired.emplace(std::string(p.get_array()[0].get_string()), r.when(p.get_array()[1].get_string(), "fired"));
  }
  if (auto* links = r.get("links"); links && links->is_array())
    for (const auto& p : links->get_array())
      if (p.is_array() && p.get_array().size() == 2 && p.get_array()[0].is_string() && p.get_array()[1].is_string())
        s.links.emplace_back(std::string(p.get_array()[0].get_string()), std::string(p.get_array()[1].get_string()));
  if (auto* t = r.get("terminal"); t && t->is_bool()) s.terminal = t->get_bool();
  s.closed_at = r.when(r.text("closed_at"), "closed_at");
  if (r.err) return *r.err;
  return s;
}

}  // namespace

expected<case_state> from_snapshot(const json::value& v) { return snapshot_from(v); }
expected<case_state> from_snapshot(json::value&& v) { return snapshot_from(v); }

}  // namespace casework
