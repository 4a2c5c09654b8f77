// Validation of a command's input against its field specs. Every error names the field path and, where a
// rule requires the field, the rule id. Values are never echoed back (they may be personal data).
#include <cmath>

#include <boost/json.hpp>

#include "evaluation.hpp"

namespace casework::detail {
namespace json = boost::json;

namespace {

error bad(const std::string& path, const std::string& message, const std::string& rule = {}) {
  return error(errc::invalid_argument, message, path, rule);
}

const field_spec* spec_for(const command_def& c, std::string_view path) {
  for (const auto& f : c.fields)
    if (f.path == path) return &f;
  return nullptr;
}

bool is_prefix_of_spec(const command_def& c, const std::string& path) {
  for (const auto& f : c.fields)
    if (f.path.size() > path.size() && f.path.compare(0, path.size(), path) == 0 && f.path[path.size()] == '.')
      return true;
  return false;
}

bool is_case_id(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && i < 2 && s[i] >= 'A' && s[i] <= 'Z') ++i;
  if (s.size() - i != 13) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

status check_string(const field_spec& f, const json::value& v) {
  if (!v.is_string()) return bad(f.path, "must be a string", f.rule);
  std::string_view s = v.get_string();
  if (s.size() > f.max_length)
    return bad(f.path, "longer than " + std::to_string(f.max_length) + " bytes", f.rule);
  if (!f.allowed.empty() && std::find(f.allowed.begin(), f.allowed.end(), s) == f.allowed.end())
    return bad(f.path, "must be one of: " + list(f.allowed), f.rule);
  if (f.t == field_spec::type::date && !parse_day(s)) return bad(f.path, "must be a date (YYYY-MM-DD)", f.rule);
  if (f.t == field_spec::type::instant && !parse_instant(s)) return bad(f.path, "must be an RFC 3339 instant", f.rule);
  if (f.t == field_spec::type::case_id && !is_case_id(s)) return bad(f.path, "must be a case id", f.rule);
  return {};
}

status check_number(const field_spec& f, const json::value& v) {
  double x = 0;
  if (f.t == field_spec::type::integer) {
    if (!v.is_int64() && !v.is_uint64()) return bad(f.path, "must be an integer", f.rule);
    x = v.is_int64() ? static_cast<double>(v.get_int64()) : static_cast<double>(v.get_uint64());
  } else {
    if (!v.is_number()) return bad(f.path, "must be a number", f.rule);
    x = v.to_number<double>();
    if (!std::isfinite(x)) return bad(f.path, "must be a finite number", f.rule);
  }
  auto show = [](double d) {
    auto s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  if (f.min && x < *f.min) return bad(f.path, "must be at least " + show(*f.min), f.rule);
  if (f.max && x > *f.max) return bad(f.path, "must be at most " + show(*f.max), f.rule);
  return {};
}

status check_value(const field_spec& f, const json::value& v) {
  using t = field_spec::type;
  switch (f.t) {
    case t::integer:
    case t::number:
      return check_number(f, v);
    case t::boolean:
      return v.is_bool() ? status{} : bad(f.path, "must be true or false", f.rule);
    case t::object_list:
      if (!v.is_array()) return bad(f.path, "must be an array", f.rule);
      if (v.get_array().size() > 100) return bad(f.path, "has more than 100 entries", f.rule);
      for (const auto& x : v.get_array())
        if (!x.is_object()) return bad(f.path, "entries must be objects", f.rule);
      return {};
    default:
      return check_string(f, v);
  }
}

status walk(const command_def& c, const json::object& o, const std::string& prefix, int depth) {
  if (depth > 4) return bad(prefix, "nested too deeply");
  for (const auto& kv : o) {
    std::string path = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
    if (const auto* f = spec_for(c, path)) {
      if (kv.value().is_null()) continue;
      if (auto st = check_value(*f, kv.value()); !st) return st;
    } else if (kv.value().is_object() && is_prefix_of_spec(c, path)) {
      if (auto st = walk(c, kv.value().get_object(), path, depth + 1); !st) return st;
    } else {
      return bad(path, "unknown field for command '" + c.name + "'");
    }
  }
  return {};
}

bool present(const json::object& input, const std::string& path) {
  auto* v = find_path(input, path);
  if (!v) return false;
  if (v->is_string()) {
    auto s = v->get_string();
    return s.find_first_not_of(" \t\r\n") != json::string::npos;
  }
  return true;
}

}  // namespace

status validate_input(const command_def& c, const json::object& input) {
  if (auto st = walk(c, input, "", 0); !st) return st;
  for (const auto& f : c.fields)
    if (f.required && !present(input, f.path)) return bad(f.path, "required", f.rule);
  for (const auto& g : c.one_of) {
    bool any = false;
    for (const auto& p : g.fields) any = any || present(input, p);
    if (!any) return bad(g.fields.front(), "one of " + list(g.fields) + " is required", g.rule);
  }
  return {};
}

}  // namespace casework::detail
