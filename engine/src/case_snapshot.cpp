// The complete JSON form of a case's state, for snapshots (case.hpp). Unlike to_json(case_state), which is
// for people, it keeps everything fold produces: entries, fired timers, deadline bases.
#include <boost/json.hpp>

#include "casework/case.hpp"

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

expected<case_state> from_snapshot(const json::value& v) {
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
  if (auto* f = r.get("fields"); f && f->is_object()) s.fields = f->get_object();
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

}  // namespace casework
