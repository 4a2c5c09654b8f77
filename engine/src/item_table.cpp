// item_table.cpp: parsing and validation of the dispatch item table (R6.1).
//
// Document:
//   {"name": "taipei", "version": 1, "example": true, "note": "...",
//    "items": [{"code": "streetlight-out", "name_zh": "路燈不亮或損壞", "name_en": "Streetlight out or damaged",
//               "agency": "pwd-parks-lights", "workflow": "dispatch",
//               "stage_one": "PT24H", "stage_two": {"working_days": 5}}]}
// "name", "version" (>= 1) and a non-empty "items" are required; "example" (default false) and "note" are
// optional. In an item "workflow" (default "dispatch") and "stage_two" are optional. Codes are kebab-case.
// Rejected: unknown keys, duplicate codes, zero or negative limits, and a stage_two that is not longer than
// stage_one when both are wall durations or both are working days (mixed kinds cannot be compared).
#include "casework/item_table.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>

#include "json_reader.hpp"

namespace casework {
namespace {

using detail::json_reader;
using detail::parse_failure;
using detail::is_kebab;
namespace json = boost::json;

constexpr int max_working_days = 365;

error bad(std::string_view where, std::string message) {
  return error(errc::invalid_definition, std::move(message), std::string(where));
}

duration total(const iso_duration& d) { return std::chrono::hours(24) * d.days + d.clock; }

// Whether `two` is longer than `one`; a wall limit and a working-day limit cannot be compared and pass.
bool longer(const limit& two, const limit& one) {
  if (two.wall && one.wall) return total(*two.wall) > total(*one.wall);
  if (two.is_working_days() && one.is_working_days()) return two.working_days > one.working_days;
  return true;
}

expected<limit> parse_wall_limit(std::string_view text, std::string_view where) {
  auto d = parse_iso_duration(text);
  if (!d) return bad(where, d.error().message());
  if (d->negative || total(*d) == duration::zero()) {
    return bad(where, "\"" + std::string(text) + "\": must be a positive duration");
  }
  limit l;
  l.wall = *d;
  return l;
}

expected<limit> parse_working_days(const json::object& o, std::string_view where) {
  const std::string path(where);
  try {
    const json_reader r("");
    r.only(o, path, {"working_days"});
    const std::int64_t n = r.integer(r.required(o, path, "working_days"), path + ".working_days");
    if (n < 1 || n > max_working_days) {
      r.fail(path + ".working_days", "must be from 1 to " + std::to_string(max_working_days));
    }
    limit l;
    l.working_days = static_cast<int>(n);
    return l;
  } catch (const parse_failure& f) {
    return f.err;
  }
}

class table_parser {
 public:
  explicit table_parser(std::string_view source) : r_(std::string(source)) {}

  std::vector<item> items(const json::value& v) {
    const auto& a = r_.array(v, "items");
    if (a.empty()) r_.fail("items", "must not be empty");
    std::vector<item> out;
    std::map<std::string, std::size_t, std::less<>> first;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string path = json_reader::index("items", i);
      out.push_back(parse_item(a[i], path));
      auto [pos, fresh] = first.emplace(out.back().code, i);
      if (!fresh) {
        r_.fail(path + ".code", "duplicate code \"" + pos->first + "\" (also " +
                                    json_reader::index("items", pos->second) + ")");
      }
    }
    return out;
  }

  const json_reader& reader() const { return r_; }

 private:
  std::string text(const json::object& o, const std::string& path, std::string_view key) {
    const std::string p = json_reader::join(path, key);
    std::string s = r_.string(r_.required(o, path, key), p);
    if (s.empty()) r_.fail(p, "must not be empty");
    return s;
  }

  limit stage(const json::value& v, const std::string& path) {
    auto l = parse_limit(v, r_.source().empty() ? path : r_.source() + ": " + path);
    if (!l) throw parse_failure{std::move(l).error()};
    return *l;
  }

  item parse_item(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"code", "name_zh", "name_en", "agency", "workflow", "stage_one", "stage_two"});
    item it;
    it.code = text(o, path, "code");
    if (!is_kebab(it.code)) r_.fail(path + ".code", "must be kebab-case (a-z, 0-9, single '-')");
    it.name_zh = text(o, path, "name_zh");
    it.name_en = text(o, path, "name_en");
    it.agency = text(o, path, "agency");
    if (o.contains("workflow")) it.workflow = text(o, path, "workflow");
    it.stage_one = stage(r_.required(o, path, "stage_one"), path + ".stage_one");
    if (const json::value* two = o.if_contains("stage_two")) {
      it.stage_two = stage(*two, path + ".stage_two");
      if (!longer(*it.stage_two, it.stage_one)) {
        r_.fail(path + ".stage_two", "must be longer than stage_one (" + to_string(it.stage_one) + ")");
      }
    }
    return it;
  }

  json_reader r_;
};

}  // namespace

expected<limit> parse_limit(const boost::json::value& v, std::string_view where) {
  if (const json::string* s = v.if_string()) return parse_wall_limit(*s, where);
  if (const json::object* o = v.if_object()) return parse_working_days(*o, where);
  return bad(where, "must be an ISO 8601 duration such as \"PT24H\" or {\"working_days\": n}");
}

std::string to_string(const limit& l) {
  if (l.wall) return to_string(*l.wall);
  return std::to_string(l.working_days) + (l.working_days == 1 ? " working day" : " working days");
}

expected<item_table> item_table::from_json(const boost::json::value& doc, std::string_view source) {
  try {
    table_parser p(source);
    const json_reader& r = p.reader();
    const auto& o = r.object(doc, "(document)");
    r.only(o, "", {"name", "version", "example", "note", "items"});
    item_table t;
    t.name_ = r.string(r.required(o, "", "name"), "name");
    if (t.name_.empty()) r.fail("name", "must not be empty");
    const std::int64_t version = r.integer(r.required(o, "", "version"), "version");
    if (version < 1 || version > INT32_MAX) r.fail("version", "must be 1 or more");
    t.version_ = static_cast<int>(version);
    if (const json::value* e = o.if_contains("example")) t.example_ = r.boolean(*e, "example");
    if (const json::value* n = o.if_contains("note")) r.string(*n, "note");
    t.items_ = p.items(r.required(o, "", "items"));
    return t;
  } catch (const parse_failure& f) {
    return f.err;
  }
}

const item* item_table::find(std::string_view code) const {
  auto it = std::find_if(items_.begin(), items_.end(), [&](const item& i) { return i.code == code; });
  return it == items_.end() ? nullptr : &*it;
}

}  // namespace casework
