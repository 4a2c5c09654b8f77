#include "casework/simulation/tally.hpp"

#include <algorithm>
#include <exception>
#include <iomanip>
#include <sstream>
#include <system_error>
#include <thread>

namespace casework::simulation {

namespace {

void add(case_tally& into, const case_tally& one) {
  into.cases += one.cases;
  into.closed += one.closed;
  into.overdue += one.overdue;
  into.reminders += one.reminders;
  into.events += one.events;
  for (const auto& [name, c] : one.deadlines) {
    auto& d = into.deadlines[name];
    d.met += c.met;
    d.missed += c.missed;
    d.pending += c.pending;
  }
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(part) / static_cast<double>(whole) << "%";
  return s.str();
}

boost::json::object tally_json(const case_tally& t) {
  boost::json::object d;
  for (const auto& [name, c] : t.deadlines) d[name] = {{"met", c.met}, {"missed", c.missed}, {"pending", c.pending}};
  return {{"cases", t.cases}, {"closed", t.closed}, {"overdue", t.overdue}, {"reminders", t.reminders},
          {"events", t.events}, {"deadlines", std::move(d)}};
}

}  // namespace

namespace {

void tally_range(const engine& eng, const bundle& rules, const std::string* first, const std::string* last, instant at,
                 run_tally& out) {
  for (const auto* it = first; it != last; ++it) {
    const auto& id = *it;
    auto h = eng.history_batches(id);   // shared with the memory log, not copied
    auto s = h ? fold(*h) : expected<case_state>(h.error());
    if (!s) {
      ++out.unreadable;
      continue;
    }
    case_tally one;
    one.cases = 1;
    one.closed = s->terminal ? 1 : 0;
    one.overdue = s->first_entered.count("overdue") ? 1 : 0;
    for (const auto& b : *h) {
      one.events += b.size();
      for (const auto& e : b)
        if (e.is(event_type::notification) && e.actor.rfind("timer:", 0) == 0) ++one.reminders;
    }
    if (auto def = rules.definitions.find(s->workflow, s->definition_version))
      for (const auto& [name, verdict] : compliance(*def, *s, at)) {
        auto& d = one.deadlines[name];
        (verdict == "met" ? d.met : verdict == "missed" ? d.missed : d.pending) += 1;
      }
    add(out.rows[{s->agency, s->workflow, s->item}], one);
    add(out.total, one);
  }
}

void merge(run_tally& into, const run_tally& part) {
  for (const auto& [key, c] : part.rows) add(into.rows[key], c);
  add(into.total, part.total);
  into.unreadable += part.unreadable;
}

}  // namespace

run_tally tally_cases(const engine& eng, const bundle& rules, const std::vector<std::string>& ids, instant at,
                      unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(threads, ids.size()));
  const std::size_t share = (ids.size() + n - 1) / n;
  std::vector<run_tally> parts(n);
  std::vector<std::exception_ptr> failures(n);
  auto run = [&](std::size_t k) {
    try {
      const std::size_t from = std::min(ids.size(), k * share), to = std::min(ids.size(), from + share);
      tally_range(eng, rules, ids.data() + from, ids.data() + to, at, parts[k]);
    } catch (...) {
      failures[k] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < n; ++k) {
    try {
      pool.emplace_back(run, k);
    } catch (const std::system_error&) {   // no thread to be had: this one takes the share
      run(k);
    }
  }
  run(0);
  for (auto& t : pool) t.join();
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);
  run_tally out;
  for (const auto& p : parts) merge(out, p);
  return out;
}

void print(std::ostream& out, const run_tally& t) {
  out << std::left << std::setw(18) << "agency" << std::setw(10) << "workflow" << std::setw(26) << "item"
      << std::right << std::setw(7) << "cases" << std::setw(8) << "closed" << std::setw(8) << "overdue"
      << std::setw(10) << "reminders" << "  deadlines met/missed/pending (met %)\n";
  auto row = [&](const std::string& agency, const std::string& workflow, const std::string& item, const case_tally& c) {
    out << std::left << std::setw(18) << agency << std::setw(10) << workflow << std::setw(26) << item << std::right
        << std::setw(7) << c.cases << std::setw(8) << c.closed << std::setw(8) << c.overdue << std::setw(10)
        << c.reminders << " ";
    for (const auto& [name, d] : c.deadlines)
      out << " " << name << " " << d.met << "/" << d.missed << "/" << d.pending << " ("
          << percent(d.met, d.met + d.missed) << ")";
    out << "\n";
  };
  for (const auto& [key, c] : t.rows) row(std::get<0>(key), std::get<1>(key), std::get<2>(key), c);
  row("total", "", "", t.total);
  if (t.unreadable) out << t.unreadable << " histories could not be read\n";
}

boost::json::object to_json(const run_tally& t) {
  boost::json::array rows;
  for (const auto& [key, c] : t.rows) {
    auto o = tally_json(c);
    o["agency"] = std::get<0>(key);
    o["workflow"] = std::get<1>(key);
    o["item"] = std::get<2>(key);
    rows.push_back(std::move(o));
  }
  return {{"rows", std::move(rows)}, {"total", tally_json(t.total)}, {"unreadable", t.unreadable}};
}

}  // namespace casework::simulation
