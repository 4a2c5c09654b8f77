// Reading JSON bodies under the server's limits (see json_input.hpp).
#include "json_input.hpp"

#include <boost/json.hpp>

#include "casework/json_text.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
status check_strings(const json::value& v, const std::string& path, std::size_t max) {
  if (v.is_string()) {
    if (v.get_string().size() > max)
      return error(errc::invalid_argument, "longer than " + std::to_string(max) + " bytes", path);
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      std::string p = path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
      if (kv.key().size() > max) return error(errc::invalid_argument, "member name too long", path);
      if (auto s = check_strings(kv.value(), p, max); !s) return s;
    }
  } else if (v.is_array()) {
    std::size_t i = 0;
    for (const auto& x : v.get_array())
      if (auto s = check_strings(x, path + "[" + std::to_string(i++) + "]", max); !s) return s;
  }
  return {};
}
}  // namespace

expected<json::object> parse_object(std::string_view body, const server_limits& limits) {
  json::parse_options opt;
  opt.max_depth = limits.json_depth;
  boost::system::error_code ec;
  json::value v = parse_json(body, ec, opt);
  if (ec) {
    std::string what = ec == json::error::too_deep
                           ? "JSON nested deeper than " + std::to_string(limits.json_depth) + " levels"
                           : "malformed JSON (" + ec.message() + ")";
    return error(errc::invalid_argument, what, "body");
  }
  if (!v.is_object()) return error(errc::invalid_argument, "must be a JSON object", "body");
  if (auto s = check_strings(v, "", limits.string_bytes); !s) return s.error();
  return std::move(v.get_object());
}

status only_fields(const json::object& o, std::initializer_list<std::string_view> allowed,
                   const std::string& prefix) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.key() == a;
    if (!ok) return error(errc::invalid_argument, "unknown field", prefix + std::string(kv.key()));
  }
  return {};
}

expected<std::optional<std::string>> string_field(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  if (!v) return std::optional<std::string>{};
  if (!v->is_string()) return error(errc::invalid_argument, "must be a string", name);
  return std::optional<std::string>(std::string(v->get_string()));
}

}  // namespace casework::server_detail
