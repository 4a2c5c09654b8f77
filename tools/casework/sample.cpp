// casework sample DATA --month YYYY-MM: the R6.14 monthly audit sample of closed dispatch cases.
#include <algorithm>
#include <iostream>
#include <map>
#include <random>

#include <boost/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace casework::cli {
namespace json = boost::json;

namespace {

constexpr const char* help =
    R"(usage: casework sample DATA --month YYYY-MM [--seed N] [--per 5] [--format csv|jsonl]
                       [--definitions DIR]

R6.14 monthly audit sampling: among the dispatch cases of the store DATA closed in month YYYY-MM (the local
month of their closing instant, in the deployment calendar's zone), picks for each (district, item) --per
cases (default 5), or all of them when there are fewer. The pick is reproducible: candidate ids are sorted
first, groups are taken in (district, item) order, and a std::mt19937_64 seeded with --seed (default 0)
draws them, so the same store, month and seed always give the same sample.

Prints a table with a header "district,item,case,closed_at" (csv, default) or one JSON object a line
(jsonl), groups in (district, item) order and cases in id order within a group.

The results are recorded back into the cases as events by the engine, with the dispatch command "audit"
(roles supervisor and auditor; fields sample, result compliant|deficient, note; R6.14), which a closed case
accepts and stays closed: through the embedding API (engine::issue) or caseworkd
(POST /v1/cases/{id}/audit). Use "YYYY-MM/seed-N" as the sample field to tie a result to this draw.

The store is opened as a secondary instance: caseworkd may keep running.
exit codes: 0 ok, 2 usage or I/O error
)";

struct candidate {
  std::string id;
  instant closed_at{};
};

using group_key = std::pair<std::string, std::string>;  // (district, item)

// A uniform draw in [0, n) without modulo bias, independent of the standard library's distributions (whose
// algorithms differ between implementations and would make the sample differ between builds).
std::uint64_t draw_below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  while (true) {
    std::uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

std::vector<candidate> pick(std::vector<candidate> all, std::size_t per, std::mt19937_64& rng) {
  std::sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) { return a.id < b.id; });
  if (all.size() > per) {
    for (std::size_t i = 0; i < per; ++i) std::swap(all[i], all[i + draw_below(rng, all.size() - i)]);
    all.resize(per);
    std::sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) { return a.id < b.id; });
  }
  return all;
}

expected<std::uint64_t> number_option(const args& a, const std::string& name, std::uint64_t fallback) {
  auto text = a.option(name);
  if (!text) return fallback;
  if (text->empty() || text->find_first_not_of("0123456789") != std::string::npos || text->size() > 19)
    return error(errc::invalid_argument, "'" + *text + "' is not a non-negative integer", name);
  return std::stoull(*text);
}

// The closed dispatch cases of the month, by (district, item).
expected<std::map<group_key, std::vector<candidate>>> candidates(const opened_store& s,
                                                                 const business_calendar& cal,
                                                                 date::year_month month) {
  std::map<group_key, std::vector<candidate>> out;
  progress shown("cases scanned");
  std::uint64_t n = 0;
  for (const auto& id : s.case_ids()) {
    if (interrupted()) return error(errc::unavailable, "interrupted", "sample");
    auto history = s.store().read(id);
    if (!history) return std::move(history).error();
    auto state = fold(*history);
    if (!state) return error(errc::storage, state.error().to_string(), id);
    if (++n % 1000 == 0) shown.update(n);
    if (state->workflow != "dispatch" || !state->terminal) continue;
    date::year_month_day closed{cal.day_of(state->closed_at)};
    if (closed.year() / closed.month() != month) continue;
    auto* district = find_path(state->fields, "district");
    std::string d = district && district->is_string() ? std::string(district->get_string()) : "(none)";
    out[{d, state->item}].push_back(candidate{id, state->closed_at});
  }
  return out;
}

}  // namespace

int run_sample(int argc, char** argv) {
  const spec s{"sample", {"DATA"}, {"--month", "--seed", "--per", "--format", "--definitions"}, {}, help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  auto month_text = a->option("--month");
  if (!month_text) return fail(s.command, "invalid_argument: --month: required (YYYY-MM)");
  auto first = month_text->size() == 7 ? parse_day(*month_text + "-01")
                                       : expected<local_day>(error(errc::invalid_argument, ""));
  if (!first) return fail(s.command, "invalid_argument: --month: '" + *month_text + "' is not YYYY-MM");
  date::year_month_day ymd{*first};
  auto seed = number_option(*a, "--seed", 0);
  auto per = number_option(*a, "--per", 5);
  if (!seed) return fail(s.command, seed.error().to_string());
  if (!per) return fail(s.command, per.error().to_string());
  if (*per == 0) return fail(s.command, "invalid_argument: --per: must be at least 1");
  std::string format = a->option("--format").value_or("csv");
  if (format != "csv" && format != "jsonl")
    return fail(s.command, "invalid_argument: --format: '" + format + "' is not csv or jsonl");

  auto rules = load_rules(*a);
  if (!rules) return fail(s.command, rules.error().to_string());
  const auto& cal = (*rules)->calendar;
  auto opened = opened_store::open(a->positional.at("DATA"));
  if (!opened) return fail(s.command, opened.error().to_string());
  auto groups = candidates(**opened, cal, ymd.year() / ymd.month());
  if (!groups) return fail(s.command, groups.error().to_string());

  std::mt19937_64 rng(*seed);
  if (format == "csv") std::cout << "district,item,case,closed_at\n";
  for (auto& [key, all] : *groups) {
    for (const auto& c : pick(std::move(all), static_cast<std::size_t>(*per), rng)) {
      if (format == "csv")
        std::cout << csv_cell(key.first) << "," << csv_cell(key.second) << "," << csv_cell(c.id) << ","
                  << cal.format_local(c.closed_at) << "\n";
      else
        std::cout << json::serialize(json::object{{"district", key.first},
                                                  {"item", key.second},
                                                  {"case", c.id},
                                                  {"closed_at", cal.format_local(c.closed_at)}})
                  << "\n";
    }
  }
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return exit_ok;
}

}  // namespace casework::cli
