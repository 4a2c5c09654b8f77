// casework/calendar_loader.hpp: reads a published office calendar directory into a business_calendar.
//
// The directory holds one file per year, YEAR.json (Taipei City open data format: an array of
// {"date": "YYYYMMDD", "holiday": bool, "name", "holidayCategory", ...}, weekends included), and optionally
// overrides.json (corrections to the published data). The format and the reading rules are described in
// workflows/calendars/tw/README.md; the shipped Taipei calendar is workflows/calendars/tw/.
#pragma once

#include <string>

#include "casework/calendar.hpp"

namespace casework {

// Reads every YEAR.json in `dir` (coverage = the smallest to the largest year found; a missing year in
// between is an error), then applies overrides.json if present, and builds the calendar with `options`.
// Errors: not_found when `dir` does not exist or holds no YEAR.json; invalid_definition naming the file and
// the entry ("2026.json: [12].date: ..."); errors of business_calendar::make (e.g. an unknown zone).
[[nodiscard]] expected<business_calendar> load_calendar(const std::string& dir,
                                                        calendar_options options = {});

}  // namespace casework
