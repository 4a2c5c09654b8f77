// directory.cpp: parsing and validation of the agency directory (R2, R4.4); docs/directory-format.md has
// the full format. In short:
//
//   {"name": "taipei", "version": 1, "example": true, "note": "...",
//    "agencies": [
//      {"id": "pwd", "name_zh": "臺北市政府工務局", "name_en": "Public Works Department",
//       "parent": "", "dispatch": true,
//       "units": [{"id": "pwd-liaison", "name": "Liaison window", "kind": "liaison_window"}],
//       "people": [{"id": "pwd-sup-1", "name": "Supervisor 1", "unit": "pwd-liaison",
//                   "roles": ["supervisor", "emergency_contact"],
//                   "channels": {"phone": "+886-2-0000-0001", "email": "sup-1@pwd.example.invalid"}}]}]}
//
// Required: "version" (>= 1) and a non-empty "agencies"; per agency "id", "name_zh", "name_en", a non-empty
// "units"; per unit "id", "name"; per person "id", "name", "unit" (a unit of the same agency), a non-empty
// "roles" and "channels". Optional: top-level "name", "example", "note"; agency "parent" (an agency id),
// "dispatch" (default false), "people"; unit "kind" (liaison_window, dispatch_window, intake, field; default
// none). Ids are kebab-case and unique across the whole directory: agencies, units and people share one
// namespace. Unknown keys, roles and channels are errors.
//
// Rules, named in the error's rule field: R2.1 exactly one liaison window, with at least one supervisor;
// R2.2 a dispatch agency has exactly one dispatch window, with exactly one dispatch_manager and at least one
// dispatch_operator (these roles belong in the dispatch window only, and only dispatch agencies have one);
// R4.4 at least 4 emergency_contact people, each with a phone. Errors name ids and paths, never a person's
// name or contact address.
#include "casework/directory.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "json_reader.hpp"

namespace casework {
namespace {

using detail::json_reader;
using detail::parse_failure;
using detail::is_kebab;
namespace json = boost::json;
using index_t = std::size_t;

constexpr std::string_view known_roles[] = {
    "supervisor",       "duty_officer",      "handler", "intake_clerk", "emergency_contact",
    "dispatch_manager", "dispatch_operator", "liaison", "call_taker"};
constexpr std::string_view known_channels[] = {"sms", "email", "emessage", "phone"};
constexpr std::string_view known_kinds[] = {"", "liaison_window", "dispatch_window", "intake", "field"};
constexpr int min_emergency_contacts = 4;

template <std::size_t N>
bool known(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

[[noreturn]] void fail_rule(const std::string& field, const std::string& message, const char* rule) {
  throw parse_failure{error(errc::invalid_definition, message, field, rule)};
}

// Phone and SMS numbers: digits with optional spaces, '-', '(', ')' and a leading '+'.
bool is_phone(std::string_view s) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0))) {
      return false;
    }
  }
  return digits > 0;
}

bool is_email(std::string_view s) {
  const auto a = s.find('@');
  const auto npos = std::string_view::npos;
  return a != npos && a > 0 && a + 1 < s.size() && s.find('@', a + 1) == npos;
}

class directory_parser {
 public:
  explicit directory_parser(std::string_view source) : r_(std::string(source)) {}

  const json_reader& reader() const { return r_; }

  std::vector<agency> agencies(const json::value& v) {
    const auto& a = r_.array(v, "agencies");
    if (a.empty()) r_.fail("agencies", "must not be empty");
    std::vector<agency> out;
    for (index_t i = 0; i < a.size(); ++i) {
      out.push_back(parse_agency(a[i], json_reader::index("agencies", i)));
    }
    return out;
  }

 private:
  std::string text(const json::object& o, const std::string& path, std::string_view key) {
    const std::string p = json_reader::join(path, key);
    std::string s = r_.string(r_.required(o, path, key), p);
    if (s.empty()) r_.fail(p, "must not be empty");
    return s;
  }

  // Ids are kebab-case and unique across agencies, units and people.
  std::string id(const json::object& o, const std::string& path) {
    std::string s = text(o, path, "id");
    if (!is_kebab(s)) r_.fail(path + ".id", "must be kebab-case (a-z, 0-9, single '-')");
    auto [pos, fresh] = first_.emplace(s, path + ".id");
    if (!fresh) r_.fail(path + ".id", "duplicate id \"" + s + "\" (also " + pos->second + ")");
    return s;
  }

  agency parse_agency(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"id", "name_zh", "name_en", "parent", "dispatch", "units", "people"});
    agency a;
    a.id = id(o, path);
    a.name_zh = text(o, path, "name_zh");
    a.name_en = text(o, path, "name_en");
    if (o.contains("parent")) a.parent = text(o, path, "parent");
    if (const json::value* d = o.if_contains("dispatch")) a.dispatch = r_.boolean(*d, path + ".dispatch");
    const auto& units = r_.array(r_.required(o, path, "units"), path + ".units");
    if (units.empty()) r_.fail(path + ".units", "must not be empty");
    for (index_t i = 0; i < units.size(); ++i) {
      a.units.push_back(parse_unit(units[i], json_reader::index(path + ".units", i)));
    }
    if (const json::value* people = o.if_contains("people")) {
      const auto& list = r_.array(*people, path + ".people");
      for (index_t i = 0; i < list.size(); ++i) {
        a.people.push_back(parse_person(list[i], json_reader::index(path + ".people", i), a.units));
      }
    }
    return a;
  }

  unit parse_unit(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"id", "name", "kind"});
    unit u;
    u.id = id(o, path);
    u.name = text(o, path, "name");
    if (const json::value* k = o.if_contains("kind")) u.kind = r_.string(*k, path + ".kind");
    if (!known(known_kinds, u.kind)) {
      r_.fail(path + ".kind", "must be one of liaison_window, dispatch_window, intake, field");
    }
    return u;
  }

  person parse_person(const json::value& v, const std::string& path, const std::vector<unit>& units) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"id", "name", "unit", "roles", "channels"});
    person p;
    p.id = id(o, path);
    p.name = text(o, path, "name");
    p.unit = text(o, path, "unit");
    if (std::none_of(units.begin(), units.end(), [&](const unit& u) { return u.id == p.unit; })) {
      r_.fail(path + ".unit", "unknown unit \"" + p.unit + "\" in this agency");
    }
    p.roles = roles(r_.required(o, path, "roles"), path + ".roles");
    p.channels = channels(r_.required(o, path, "channels"), path + ".channels");
    return p;
  }

  std::vector<std::string> roles(const json::value& v, const std::string& path) {
    const auto& a = r_.array(v, path);
    if (a.empty()) r_.fail(path, "must not be empty");
    std::vector<std::string> out;
    for (index_t i = 0; i < a.size(); ++i) {
      const std::string p = json_reader::index(path, i);
      std::string role = r_.string(a[i], p);
      if (!known(known_roles, role)) r_.fail(p, "unknown role \"" + role + "\"");
      if (std::count(out.begin(), out.end(), role)) r_.fail(p, "role \"" + role + "\" listed twice");
      out.push_back(std::move(role));
    }
    return out;
  }

  // Messages never repeat an address: it is personal data.
  std::map<std::string, std::string> channels(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    if (o.empty()) r_.fail(path, "at least one channel is required");
    std::map<std::string, std::string> out;
    for (const auto& kv : o) {
      const std::string p = json_reader::join(path, kv.key());
      if (!known(known_channels, kv.key())) r_.fail(p, "unknown channel");
      std::string address = r_.string(kv.value(), p);
      const bool phone_like = kv.key() == "sms" || kv.key() == "phone";
      if (address.empty()) r_.fail(p, "must not be empty");
      if (phone_like && !is_phone(address)) r_.fail(p, "must be a phone number");
      if (kv.key() == "email" && !is_email(address)) r_.fail(p, "must be an e-mail address");
      out.emplace(kv.key(), std::move(address));
    }
    return out;
  }

  json_reader r_;
  std::map<std::string, std::string, std::less<>> first_;   // id -> path that used it first
};

// The rule checks see one parsed agency; `base` is its field prefix ("directory.json: agencies[2]").
struct agency_view {
  const agency& a;
  std::string base;

  std::string field(const std::string& path) const { return base + "." + path; }
  std::string unit_field(index_t i) const { return field(json_reader::index("units", i)); }
  std::string person_field(index_t i) const { return field(json_reader::index("people", i)); }
  std::size_t count(std::string_view unit_id, std::string_view role) const {
    return std::count_if(a.people.begin(), a.people.end(),
                         [&](const person& p) { return p.unit == unit_id && p.has_role(role); });
  }
  // Index of the one unit of `kind`; fails under `rule` when there is none or more than one.
  index_t single_unit(std::string_view kind, const char* rule) const {
    std::optional<index_t> found;
    for (index_t i = 0; i < a.units.size(); ++i) {
      if (a.units[i].kind != kind) continue;
      if (found) fail_rule(unit_field(i), "a second " + std::string(kind) + " unit", rule);
      found = i;
    }
    if (!found) fail_rule(field("units"), "no unit of kind " + std::string(kind), rule);
    return *found;
  }
};

// R2.1: exactly one liaison window, with at least one supervisor in it.
void check_liaison(const agency_view& v) {
  const index_t i = v.single_unit("liaison_window", "R2.1");
  const unit& u = v.a.units[i];
  if (v.count(u.id, "supervisor") == 0) {
    fail_rule(v.unit_field(i), "liaison window \"" + u.id + "\" has no supervisor", "R2.1");
  }
}

// R2.2: a dispatch agency's dispatch window has exactly one dispatch_manager and at least one
// dispatch_operator; the two roles exist only there, and only a dispatch agency has a dispatch window.
void check_dispatch(const agency_view& v) {
  const auto& units = v.a.units;
  if (!v.a.dispatch) {
    for (index_t i = 0; i < units.size(); ++i) {
      if (units[i].kind == "dispatch_window") {
        fail_rule(v.unit_field(i) + ".kind", "dispatch_window in a non-dispatch agency", "R2.2");
      }
    }
    return;
  }
  const index_t w = v.single_unit("dispatch_window", "R2.2");
  const unit& u = units[w];
  for (index_t p = 0; p < v.a.people.size(); ++p) {
    for (const char* role : {"dispatch_manager", "dispatch_operator"}) {
      if (v.a.people[p].has_role(role) && v.a.people[p].unit != u.id) {
        fail_rule(v.person_field(p) + ".roles", std::string(role) + " outside the dispatch window", "R2.2");
      }
    }
  }
  if (const std::size_t managers = v.count(u.id, "dispatch_manager"); managers != 1) {
    fail_rule(v.unit_field(w), "dispatch window \"" + u.id + "\" needs exactly one dispatch_manager, found " +
                                   std::to_string(managers), "R2.2");
  }
  if (v.count(u.id, "dispatch_operator") == 0) {
    fail_rule(v.unit_field(w), "dispatch window \"" + u.id + "\" needs at least one dispatch_operator",
              "R2.2");
  }
}

// R4.4: at least 4 emergency contacts, each reachable by phone.
void check_emergency(const agency_view& v) {
  int contacts = 0;
  for (index_t p = 0; p < v.a.people.size(); ++p) {
    const person& who = v.a.people[p];
    if (!who.has_role("emergency_contact")) continue;
    if (!who.channels.count("phone")) {
      fail_rule(v.person_field(p) + ".channels", "an emergency_contact needs a phone channel", "R4.4");
    }
    ++contacts;
  }
  if (contacts < min_emergency_contacts) {
    fail_rule(v.field("people"), "needs at least " + std::to_string(min_emergency_contacts) +
                                     " emergency_contact people, found " + std::to_string(contacts), "R4.4");
  }
}

// Parents exist and every parent chain ends.
void check_parents(const std::vector<agency>& agencies, const json_reader& r) {
  for (index_t i = 0; i < agencies.size(); ++i) {
    const std::string path = json_reader::index("agencies", i) + ".parent";
    std::string id = agencies[i].parent;
    for (index_t hops = 0; !id.empty(); ++hops) {
      auto up = std::find_if(agencies.begin(), agencies.end(), [&](const agency& x) { return x.id == id; });
      if (up == agencies.end()) r.fail(path, "unknown agency \"" + id + "\"");
      if (up->id == agencies[i].id || hops > agencies.size()) r.fail(path, "the parent chain loops");
      id = up->parent;
    }
  }
}

void check_agencies(const std::vector<agency>& agencies, const json_reader& r) {
  for (index_t i = 0; i < agencies.size(); ++i) {
    const std::string path = json_reader::index("agencies", i);
    const agency_view v{agencies[i], r.source().empty() ? path : r.source() + ": " + path};
    check_liaison(v);
    check_dispatch(v);
    check_emergency(v);
  }
  check_parents(agencies, r);
}

}  // namespace

bool person::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

expected<directory> directory::from_json(const boost::json::value& doc, std::string_view source) {
  try {
    directory_parser p(source);
    const json_reader& r = p.reader();
    const auto& o = r.object(doc, "(document)");
    r.only(o, "", {"name", "version", "example", "note", "agencies"});
    for (const char* key : {"name", "note"}) {
      if (const json::value* t = o.if_contains(key)) r.string(*t, key);
    }
    if (const json::value* e = o.if_contains("example")) r.boolean(*e, "example");
    const std::int64_t version = r.integer(r.required(o, "", "version"), "version");
    if (version < 1 || version > INT32_MAX) r.fail("version", "must be 1 or more");
    directory d;
    d.version_ = static_cast<int>(version);
    d.agencies_ = p.agencies(r.required(o, "", "agencies"));
    check_agencies(d.agencies_, r);
    return d;
  } catch (const parse_failure& f) {
    return f.err;
  }
}

const agency* directory::find(std::string_view agency_id) const {
  for (const agency& a : agencies_) {
    if (a.id == agency_id) return &a;
  }
  return nullptr;
}

const person* directory::find_person(std::string_view person_id) const {
  for (const agency& a : agencies_) {
    for (const person& p : a.people) {
      if (p.id == person_id) return &p;
    }
  }
  return nullptr;
}

std::vector<const person*> directory::resolve(std::string_view agency_id, std::string_view role) const {
  std::vector<const person*> out;
  if (const agency* a = find(agency_id)) {
    for (const person& p : a->people) {
      if (p.has_role(role)) out.push_back(&p);
    }
  }
  return out;
}

}  // namespace casework
