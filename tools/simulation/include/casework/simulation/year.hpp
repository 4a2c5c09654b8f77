// casework/simulation/year.hpp: arrival streams longer than a month: a synthetic Taipei year built month by
// month from the published monthly item volumes (arrivals.hpp), and the NYC 311 sample replayed on the NYC
// items (nyc311.cpp).
#pragma once

#include <string>
#include <vector>

#include "casework/simulation/arrivals.hpp"

namespace casework::simulation {

struct year_plan {
  int first_year = 2026;
  int first_month = 1;             // 1..12
  int months = 12;
  std::size_t dispatch_per_month = 14000;   // the source month had 13,833 cases
  double repeat_share = 0.02;      // of dispatch reports, repeats at an earlier report's place (R6.12)
  double petition_share = 0.03;    // petitions per dispatch report (R5)
  double callback_share = 0.02;    // transfer callbacks per dispatch report (R4)
  std::uint64_t seed = 1999;
};

// The months of the plan, each from month_arrivals with its own seed, concatenated in time order.
std::vector<arrival> year_arrivals(const bundle& rules, const std::vector<item_volume>& volumes, const year_plan& p);

struct nyc_replay {
  std::vector<arrival> arrivals;   // mapped rows, in time order; `resolved` set from Closed Date when present
  std::size_t rows = 0;            // rows read
  std::size_t unmapped = 0;        // rows whose complaint type is no item of the table
};

// Reads the NYC 311 CSV sample: each row whose Complaint Type is an item's English name becomes a dispatch
// report at its Created Date (local New York time), at its address and coordinates.
expected<nyc_replay> read_nyc311(const std::string& csv_path, const bundle& rules);

}  // namespace casework::simulation
