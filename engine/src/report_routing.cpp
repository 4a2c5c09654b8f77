#include "casework/report_routing.hpp"

namespace casework {

routing route_report(const place_index& open_cases, const place_restrictions& restrictions,
                     std::string_view item, std::string_view address, std::optional<geo_point> where,
                     instant now, const routing_options& options) {
  if (!address.empty() && restrictions.is_restricted(address, item))
    return routing{report_route::petition, {}, "R6.13"};
  if (auto id = open_cases.find_duplicate(item, address, where, now, options.duplicate_radius_m))
    return routing{report_route::join_case, *id, "R6.12"};
  return routing{};
}

const char* to_string(report_route r) {
  switch (r) {
    case report_route::open_case: return "open_case";
    case report_route::join_case: return "join_case";
    case report_route::petition: return "petition";
  }
  return "open_case";
}

}  // namespace casework
