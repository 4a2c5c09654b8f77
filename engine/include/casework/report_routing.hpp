// casework/report_routing.hpp: where a new dispatch report goes: a new case, the open case it repeats
// (R6.12), or the petition system because its place and item are restricted (R6.13).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "casework/intake.hpp"

namespace casework {

enum class report_route {
  open_case,   // establish a new dispatch case
  join_case,   // add the report to `case_id` as another reporter (add-report command, R6.12)
  petition,    // restricted place and item: record it as a petition instead (R6.13)
};

struct routing {
  report_route route = report_route::open_case;
  std::string case_id;   // join_case only
  std::string rule;      // "R6.12", "R6.13" or empty
};

struct routing_options {
  double duplicate_radius_m = 30.0;   // reports within this distance of an open case's place are repeats
};

// Restrictions win over joining: once agreed, reports at a restricted place are petitions (R6.13), even when
// an earlier case there is still open.
routing route_report(const place_index& open_cases, const place_restrictions& restrictions,
                     std::string_view item, std::string_view address, std::optional<geo_point> where,
                     instant now, const routing_options& options = {});

const char* to_string(report_route r);

}  // namespace casework
