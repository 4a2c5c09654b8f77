// casework/simulation/arrivals.hpp: a deterministic arrival stream for simulations on the virtual clock: one month of 1999 hotline
// reports, the dispatch items in the proportions of Taipei's published monthly volumes
// (tools/simulation/data/taipei-dispatch-items.md, a copy of shared/data's), spread over the days and hours of the month by a call-volume profile
// (busier in office hours, quieter at night and on days off), plus repeat reports at an earlier report's place
// (R6.12), petitions (R5) and transfer callbacks (R4). The same seed gives the same stream on every machine
// (no std:: distributions, whose results differ between standard libraries).
//
//   auto volumes = read_item_volumes(CASEWORK_SIMULATION_DATA_DIR "/taipei-dispatch-items.md", bundle.items);
//   month_plan plan;                                   // 10,000 dispatch reports in March 2026 by default
//   auto stream = month_arrivals(bundle, *volumes, plan);   // sorted by arrival instant
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/calendar.hpp"
#include "casework/item_table.hpp"

namespace casework::simulation {

// splitmix64: small, fast and the same everywhere.
class sim_rng {
 public:
  explicit sim_rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }   // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  std::size_t below(std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n))); }
  bool chance(double p) { return uniform() < p; }
  duration between(duration lo, duration hi) {   // uniform in [lo, hi), whole milliseconds
    return lo + duration(static_cast<duration::rep>(uniform() * static_cast<double>((hi - lo).count())));
  }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  std::uint64_t s_;
};

// One row of the published monthly volumes, matched to the item table by the item's Chinese name.
struct item_volume {
  std::string code;     // item code of the item table
  std::string agency;   // responsible agency (item table)
  int month_count = 0;  // cases in the published month; 0 when the source gives none
};

namespace arrivals_detail {

inline std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

inline std::vector<std::string> cells(const std::string& line) {   // "| a | b |" -> {"a", "b"}
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) out.push_back(trim(cell));
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

}  // namespace arrivals_detail

// Reads the volume table of taipei-dispatch-items.md. Every item of `items` is returned (in table order); an
// item the source does not list, or lists without a count, has month_count 0. A source row that names no item
// of the table is an error (the two files have drifted apart).
inline expected<std::vector<item_volume>> read_item_volumes(const std::string& path, const item_table& items) {
  std::ifstream in(path);
  if (!in) return error(errc::not_found, "cannot read", path);
  std::vector<item_volume> out;
  for (const auto& it : items.items()) out.push_back(item_volume{it.code, it.agency, 0});
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| item", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) break;   // the table ends at the first line that is not a row
    if (line.rfind("|---", 0) == 0) continue;
    auto c = arrivals_detail::cells(line);
    if (c.size() < 4) return error(errc::invalid_argument, "a row with fewer than 4 cells: " + line, path);
    auto match = std::find_if(items.items().begin(), items.items().end(),
                              [&](const item& it) { return c[0].rfind(it.name_zh, 0) == 0; });
    if (match == items.items().end())
      return error(errc::invalid_argument, "names no item of the item table: " + c[0], path);
    auto& v = out[static_cast<std::size_t>(match - items.items().begin())];
    v.month_count = c[3].empty() ? 0 : std::stoi(c[3]);
  }
  if (!in_table) return error(errc::invalid_argument, "no volume table", path);
  return out;
}

// Scales the volumes to `total` cases by largest remainder; an item without a published count weighs
// `absent_weight` cases of the source month, and every item gets at least one case.
inline std::vector<std::size_t> scale_volumes(const std::vector<item_volume>& volumes, std::size_t total,
                                              double absent_weight = 1.0) {
  std::vector<double> w;
  double sum = 0;
  for (const auto& v : volumes) {
    w.push_back(v.month_count > 0 ? v.month_count : absent_weight);
    sum += w.back();
  }
  std::vector<std::size_t> n(volumes.size());
  std::vector<std::pair<double, std::size_t>> rest;
  std::size_t given = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    double exact = w[i] / sum * static_cast<double>(total);
    n[i] = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(exact)));
    given += n[i];
    rest.emplace_back(exact - std::floor(exact), i);
  }
  std::sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (std::size_t k = 0; given < total && k < rest.size(); ++k, ++given) ++n[rest[k].second];
  // Minimums may overshoot: take the excess from the largest items.
  while (given > total) {
    auto big = std::max_element(n.begin(), n.end()) - n.begin();
    --n[static_cast<std::size_t>(big)];
    --given;
  }
  return n;
}

struct arrival {
  instant at{};
  std::string workflow;   // "dispatch", "petition" or "callback"
  std::string item;       // dispatch
  std::string agency;     // petition and callback
  std::string district;
  std::string address;    // the place of the problem (unique per place; a repeat shares its original's)
  double lat = 0, lng = 0;
  std::string reporter;   // "Citizen 123"
  std::string phone;
  std::string reply;      // dispatch: sms, callback or none (R6.8)
  std::string route;      // callback: direct, refused or busy (R4.1-R4.3)
  bool repeat = false;    // a repeat report at an earlier dispatch report's place (R6.12)
  std::optional<instant> resolved;   // a replayed stream's closing instant: the handler reports then

  // The create command's input for the arrival's workflow.
  boost::json::object input() const {
    namespace json = boost::json;
    json::object reporter_obj{{"name", reporter}, {"phone", phone}};
    if (workflow == "callback")
      return json::object{{"agency", agency}, {"subject", "transfer to " + agency + " not answered at once"},
                          {"route", route}, {"reporter", reporter_obj}};
    json::object location{{"address", address}, {"lat", lat}, {"lng", lng}};
    if (workflow == "petition")
      return json::object{{"agency", agency}, {"subject", "petition about " + district},
                          {"description", "a citizen's letter about conditions in " + district},
                          {"district", district}, {"location", location}, {"reporter", reporter_obj}};
    return json::object{{"item", item}, {"district", district}, {"location", location},
                        {"description", std::string(repeat ? "again: " : "") + item + " at " + address},
                        {"reporter", reporter_obj}, {"reply", reply}};
  }
};

struct month_plan {
  std::string first_day = "2026-03-01";
  int days = 31;
  std::size_t dispatch = 10000;   // dispatch reports, repeats included
  std::size_t repeats = 200;      // of which repeat reports at an earlier report's place (R6.12)
  std::size_t petitions = 300;
  std::size_t callbacks = 200;
  std::uint64_t seed = 1999;
  // Relative call volume by local hour; days off have `day_off_factor` of a working day's volume.
  std::vector<double> hourly = {2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 8, 9, 11, 11, 10, 9, 7, 6, 5, 4, 3, 2};
  double day_off_factor = 0.7;
};

// The month's arrivals, sorted by instant (ties in generation order).
inline std::vector<arrival> month_arrivals(const bundle& rules, const std::vector<item_volume>& volumes,
                                           const month_plan& p) {
  static const std::vector<std::string> districts = {"Songshan", "Xinyi", "Da'an", "Zhongshan", "Zhongzheng",
                                                     "Datong", "Wanhua", "Wenshan", "Nangang", "Neihu",
                                                     "Shilin", "Beitou"};
  static const std::vector<std::string> streets = {"Roosevelt Rd", "Heping E Rd", "Xinyi Rd", "Zhongxiao E Rd",
                                                   "Nanjing E Rd", "Minsheng E Rd", "Chengde Rd", "Keelung Rd",
                                                   "Fuxing S Rd", "Dunhua N Rd", "Zhongshan N Rd", "Wenlin Rd"};
  const auto& cal = rules.calendar;
  sim_rng rng(p.seed);
  auto first = *parse_day(p.first_day);

  // Hour buckets of the month with their weights, for sampling by inverse CDF.
  std::vector<double> cdf;
  double acc = 0;
  for (int d = 0; d < p.days; ++d) {
    double f = cal.is_working_day(first + date::days(d)) ? 1.0 : p.day_off_factor;
    for (int h = 0; h < 24; ++h) cdf.push_back(acc += f * p.hourly[static_cast<std::size_t>(h)]);
  }
  auto when = [&] {
    double x = rng.uniform() * acc;
    auto bucket = static_cast<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), x) - cdf.begin());
    bucket = std::min(bucket, cdf.size() - 1);
    auto day = first + date::days(static_cast<int>(bucket / 24));
    auto hour = cal.at(day, time_of_day(static_cast<int>(bucket % 24) * 60));
    return hour + rng.between(duration(0), std::chrono::hours(1));
  };
  std::size_t serial = 0;
  auto citizen = [&](arrival& a) {
    ++serial;
    a.reporter = "Citizen " + std::to_string(serial);
    a.phone = "09" + std::to_string(10000000 + serial);
  };
  auto place = [&](arrival& a) {
    a.district = rng.pick(districts);
    a.address = "No. " + std::to_string(serial) + ", " + rng.pick(streets) + ", " + a.district;
    a.lat = rng.uniform(25.00, 25.14);
    a.lng = rng.uniform(121.48, 121.62);
  };

  std::vector<arrival> out;
  auto per_item = scale_volumes(volumes, p.dispatch - p.repeats);
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    for (std::size_t k = 0; k < per_item[i]; ++k) {
      arrival a;
      a.workflow = "dispatch";
      a.item = volumes[i].code;
      a.at = when();
      citizen(a);
      place(a);
      double r = rng.uniform();
      a.reply = r < 0.6 ? "sms" : r < 0.85 ? "callback" : "none";
      out.push_back(std::move(a));
    }
  }
  // Repeats: another citizen reports the same thing at the same place some minutes to hours later (R6.12).
  std::size_t originals = out.size();
  for (std::size_t k = 0; k < p.repeats; ++k) {
    arrival a = out[rng.below(originals)];
    a.at += rng.between(std::chrono::minutes(10), std::chrono::hours(6));
    a.repeat = true;
    citizen(a);
    a.reply = rng.chance(0.5) ? "sms" : "none";
    out.push_back(std::move(a));
  }
  std::vector<std::string> petition_agencies, all_agencies;
  for (const auto& ag : rules.people.agencies()) {
    all_agencies.push_back(ag.id);
    if (!rules.people.resolve(ag.id, "intake_clerk").empty()) petition_agencies.push_back(ag.id);
  }
  for (std::size_t k = 0; k < p.petitions; ++k) {
    arrival a;
    a.workflow = "petition";
    a.agency = rng.pick(petition_agencies);
    a.at = when();
    citizen(a);
    place(a);
    out.push_back(std::move(a));
  }
  static const std::vector<std::string> routes = {"direct", "direct", "refused", "busy"};
  for (std::size_t k = 0; k < p.callbacks; ++k) {
    arrival a;
    a.workflow = "callback";
    a.agency = rng.pick(all_agencies);
    a.route = rng.pick(routes);
    a.at = when();
    citizen(a);
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const arrival& a, const arrival& b) { return a.at < b.at; });
  return out;
}

}  // namespace casework::simulation
