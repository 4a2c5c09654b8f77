#include "casework/simulation/year.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace casework::simulation {

std::vector<arrival> year_arrivals(const bundle& rules, const std::vector<item_volume>& volumes, const year_plan& p) {
  std::vector<arrival> out;
  int y = p.first_year, m = p.first_month;
  for (int k = 0; k < p.months; ++k) {
    auto last = date::year_month_day_last{date::year(y), date::month_day_last{date::month(static_cast<unsigned>(m))}};
    month_plan mp;
    char day[16];
    std::snprintf(day, sizeof day, "%04d-%02d-01", y, m);
    mp.first_day = day;
    mp.days = static_cast<int>(static_cast<unsigned>(last.day()));
    mp.dispatch = p.dispatch_per_month;
    mp.repeats = static_cast<std::size_t>(p.repeat_share * static_cast<double>(p.dispatch_per_month));
    mp.petitions = static_cast<std::size_t>(p.petition_share * static_cast<double>(p.dispatch_per_month));
    mp.callbacks = static_cast<std::size_t>(p.callback_share * static_cast<double>(p.dispatch_per_month));
    mp.seed = p.seed * 100 + static_cast<std::uint64_t>(k);
    auto month = month_arrivals(rules, volumes, mp);
    // Serials restart each month: keep reporters and places distinct across the year.
    for (auto& a : month) {
      a.reporter += " m" + std::to_string(k);
      a.address += " (" + std::to_string(k) + ")";
    }
    out.insert(out.end(), std::make_move_iterator(month.begin()), std::make_move_iterator(month.end()));
    if (++m == 13) m = 1, ++y;
  }
  std::stable_sort(out.begin(), out.end(), [](const arrival& a, const arrival& b) { return a.at < b.at; });
  return out;
}

namespace {

// One CSV record (RFC 4180: quoted fields may hold commas and doubled quotes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// "03/01/2011 02:27:57 PM" local time in the calendar's zone.
std::optional<instant> nyc_time(const std::string& text, const business_calendar& cal) {
  int mo, d, y, h, mi, s;
  char ampm[3] = {};
  if (std::sscanf(text.c_str(), "%d/%d/%d %d:%d:%d %2s", &mo, &d, &y, &h, &mi, &s, ampm) != 7) return std::nullopt;
  if (h == 12) h = 0;
  if (ampm[0] == 'P') h += 12;
  auto day = date::local_days{date::year(y) / mo / d};
  return cal.at(day, time_of_day(h * 60 + mi)) + std::chrono::seconds(s);
}

}  // namespace

expected<nyc_replay> read_nyc311(const std::string& csv_path, const bundle& rules) {
  std::ifstream in(csv_path);
  if (!in) return error(errc::not_found, "cannot be read", csv_path);
  std::string line;
  if (!std::getline(in, line)) return error(errc::invalid_argument, "empty", csv_path);
  auto header = csv_fields(line);
  auto col = [&](const char* name) -> std::size_t {
    auto it = std::find(header.begin(), header.end(), name);
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t key = col("Unique Key"), created = col("Created Date"), closed = col("Closed Date"),
                    type = col("Complaint Type"), address = col("Incident Address"), street = col("Street Name"),
                    cross = col("Intersection Street 1"), cross2 = col("Intersection Street 2"),
                    borough = col("Borough"), lat = col("Latitude"), lng = col("Longitude");
  if (type >= header.size() || created >= header.size())
    return error(errc::invalid_argument, "no Created Date or Complaint Type column", csv_path);
  nyc_replay out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto f = csv_fields(line);
    if (f.size() < header.size()) continue;
    ++out.rows;
    const item* it = nullptr;
    for (const auto& i : rules.items.items())
      if (i.name_en == f[type]) it = &i;
    auto at = nyc_time(f[created], rules.calendar);
    if (!it || !at) {
      ++out.unmapped;
      continue;
    }
    arrival a;
    a.at = *at;
    a.workflow = "dispatch";
    a.item = it->code;
    a.district = f[borough].empty() ? "Unspecified" : f[borough];
    a.address = !f[address].empty() ? f[address]
                : !f[cross].empty() ? f[cross] + " and " + f[cross2]
                                     : f[street] + " #" + f[key];
    a.address += ", " + a.district;
    if (!f[lat].empty() && !f[lng].empty()) {
      a.lat = std::stod(f[lat]);
      a.lng = std::stod(f[lng]);
    }
    a.reporter = "Resident " + f[key];
    a.phone = "+1-212-555-" + f[key].substr(f[key].size() > 4 ? f[key].size() - 4 : 0);
    a.reply = "none";
    if (auto c = closed < f.size() ? nyc_time(f[closed], rules.calendar) : std::nullopt; c && *c > *at) a.resolved = c;
    out.arrivals.push_back(std::move(a));
  }
  std::stable_sort(out.arrivals.begin(), out.arrivals.end(), [](const arrival& a, const arrival& b) { return a.at < b.at; });
  return out;
}

}  // namespace casework::simulation
