// The JSON form of calendar closures, for storage (see calendar.hpp).
#include <boost/json.hpp>

#include "casework/calendar.hpp"

namespace casework {

boost::json::array closures_to_json(const std::vector<closure>& closures) {
  boost::json::array out;
  for (const auto& c : closures)
    out.push_back(boost::json::object{{"day", format_day(c.day)},
                                      {"scope", c.scope == closure_scope::city_wide ? "city_wide" : "partial"},
                                      {"reason", c.reason},
                                      {"areas", c.areas},
                                      {"announced_at", format_utc(c.announced_at)}});
  return out;
}

expected<std::vector<closure>> closures_from_json(const boost::json::value& v) {
  if (!v.is_array()) return error(errc::invalid_argument, "must be an array", "closures");
  std::vector<closure> out;
  const auto& a = v.get_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string where = "closures[" + std::to_string(i) + "]";
    if (!a[i].is_object()) return error(errc::invalid_argument, "must be an object", where);
    const auto& o = a[i].get_object();
    auto text = [&](const char* key) {
      auto* x = o.if_contains(key);
      return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    closure c;
    auto day = parse_day(text("day"));
    if (!day) return error(errc::invalid_argument, "must be a date", where + ".day");
    c.day = *day;
    auto scope = text("scope");
    if (scope != "city_wide" && scope != "partial")
      return error(errc::invalid_argument, "must be city_wide or partial", where + ".scope");
    c.scope = scope == "city_wide" ? closure_scope::city_wide : closure_scope::partial;
    c.reason = text("reason");
    c.areas = text("areas");
    auto at = parse_instant(text("announced_at"));
    if (!at) return error(errc::invalid_argument, "must be an RFC 3339 instant", where + ".announced_at");
    c.announced_at = *at;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace casework
