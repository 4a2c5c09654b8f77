// casework simulate, run as the real binary on small workloads: a Taipei month of 300 dispatch reports and the
// NYC 311 sample. The report's rows add up to its totals, every deadline of every case is counted once, and
// the timers sent reminders. No timing is asserted (the wall time is printed, not checked).
#include <boost/json.hpp>

#include "cli_support.hpp"

namespace casework::cli_testing {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

class CliSimulate : public ::testing::Test {
 protected:
  temp_dir dir_;
  std::string path(const std::string& name) const { return dir_.str() + "/" + name; }

  json::object report(const std::string& file) {
    auto v = json::parse(slurp(file));
    return v.as_object();
  }
};

std::uint64_t num(const json::value& v) { return static_cast<std::uint64_t>(v.to_number<std::int64_t>()); }

// Rows add up to the totals, and each row's every deadline counts each of its cases at most once.
void expect_consistent(const json::object& r) {
  std::map<std::string, std::uint64_t> sums;
  for (const auto& row : r.at("rows").as_array()) {
    const auto& o = row.as_object();
    for (const char* k : {"cases", "closed", "overdue", "reminders", "events"}) sums[k] += num(o.at(k));
    EXPECT_LE(num(o.at("closed")), num(o.at("cases")));
    EXPECT_LE(num(o.at("overdue")), num(o.at("cases")));
    for (const auto& d : o.at("deadlines").as_object()) {
      const auto& c = d.value().as_object();
      EXPECT_LE(num(c.at("met")) + num(c.at("missed")) + num(c.at("pending")), num(o.at("cases")))
          << o.at("agency").as_string() << " " << o.at("item").as_string() << " " << d.key();
    }
  }
  const auto& total = r.at("total").as_object();
  for (const auto& [k, n] : sums) EXPECT_EQ(num(total.at(k)), n) << k;
  EXPECT_EQ(num(r.at("unreadable")), 0u);
  EXPECT_EQ(num(r.at("failed")), 0u);
}

TEST_F(CliSimulate, TaipeiMonthReportsEveryAgencyAndItemAndTheRowsAddUpToTheTotals) {
  auto r = run_cli({"simulate", "--months", "1", "--from", "2026-03", "--per-month", "300", "--slow", "dot",
                    "--tail", "P3D", "--json", path("month.json"), "--definitions", CASEWORK_WORKFLOWS_DIR},
                   dir_.str());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.err, "") << "no progress when stderr is not a terminal";
  EXPECT_THAT(r.out, HasSubstr("taipei-year: 1 months from 2026-03, 300 dispatch reports a month"));
  EXPECT_THAT(r.out, HasSubstr("slow agencies: dot\n"));
  EXPECT_THAT(r.out, HasSubstr("simulated days/s"));
  auto j = report(path("month.json"));
  expect_consistent(j);
  const auto& total = j.at("total").as_object();
  // 300 dispatch reports (some joining open cases, R6.12), 9 petitions and 6 callbacks.
  EXPECT_EQ(num(j.at("reports")), 315u);
  EXPECT_EQ(num(total.at("cases")) + num(j.at("merged")), 315u);
  EXPECT_GT(num(total.at("reminders")), 0u) << "the timers fired (R6.3, R6.5-R6.7, R5, R4)";
  EXPECT_GT(num(total.at("closed")), num(total.at("cases")) / 2);
  std::set<std::string> workflows, dispatch_deadlines;
  for (const auto& row : j.at("rows").as_array()) {
    const auto& o = row.as_object();
    workflows.insert(std::string(o.at("workflow").as_string()));
    if (o.at("workflow").as_string() == "dispatch") {
      EXPECT_NE(o.at("item").as_string(), "");
      for (const auto& d : o.at("deadlines").as_object()) dispatch_deadlines.insert(std::string(d.key()));
    }
  }
  EXPECT_EQ(workflows, (std::set<std::string>{"callback", "dispatch", "petition"}));
  EXPECT_TRUE(dispatch_deadlines.count("sign") && dispatch_deadlines.count("stage-one"));
}

// The same month with case actors passivated 10 minutes after their last request: almost every reminder then
// falls due on a case without an actor and fires in bulk on its stored state (docs/design.md, "One timer"),
// where without passivation each fires on its actor. The runs are deterministic, so the reports must be the
// same to the count: every reminder (R6.3, R6.5-R6.7), deadline and closing alike.
TEST_F(CliSimulate, AMonthWhoseRemindersFireOnPassivatedCasesReportsWhatActiveCasesDo) {
  const std::vector<std::string> month{"simulate", "--months", "1", "--from", "2026-03", "--per-month", "300",
                                       "--slow", "dot", "--tail", "P3D", "--definitions", CASEWORK_WORKFLOWS_DIR};
  auto with = [&](std::vector<std::string> extra) {
    auto args = month;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args, dir_.str());
  };
  auto active = with({"--json", path("active.json")});
  ASSERT_EQ(active.code, 0) << active.err << active.out;
  auto passivated = with({"--passivate-after", "PT10M", "--json", path("passivated.json")});
  ASSERT_EQ(passivated.code, 0) << passivated.err << passivated.out;
  auto a = report(path("active.json"));
  auto p = report(path("passivated.json"));
  expect_consistent(p);
  for (const char* k : {"reports", "merged", "total", "rows"}) EXPECT_EQ(a.at(k), p.at(k)) << k;
  EXPECT_GT(num(p.at("total").as_object().at("reminders")), 0u);
}

// The same month on the virtual clock: the engine's scheduler threads run the actors and answer the
// simulator's requests by callback on those threads, the simulator waiting for each step's last answer. The run
// is not replayable to the event (same-instant requests race), but every report is taken, nothing fails, and
// the rows add up.
TEST_F(CliSimulate, AMonthOnTheVirtualClockTakesEveryReportAndAddsUp) {
  auto r = run_cli({"simulate", "--months", "1", "--from", "2026-03", "--per-month", "200", "--clock", "virtual",
                    "--tail", "P3D", "--json", path("virtual.json"), "--definitions", CASEWORK_WORKFLOWS_DIR},
                   dir_.str());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("clock: virtual"));
  auto j = report(path("virtual.json"));
  expect_consistent(j);
  const auto& total = j.at("total").as_object();
  EXPECT_EQ(num(j.at("reports")), 210u) << "200 dispatch reports, 6 petitions and 4 callbacks (R6.12 merges count)";
  EXPECT_EQ(num(total.at("cases")) + num(j.at("merged")), num(j.at("reports")));
  EXPECT_GT(num(j.at("commands")), num(total.at("cases")));
  EXPECT_GT(num(total.at("reminders")), 0u) << "the timers fired on the virtual clock (R6.3)";
}

TEST_F(CliSimulate, Nyc311ReplaysTheRowsWhoseComplaintTypeIsAnItem) {
  auto r = run_cli({"simulate", "--workload", "nyc311", "--resolution", "PT10M", "--tail", "P1D", "--json",
                    path("nyc.json"), "--definitions", CASEWORK_WORKFLOWS_DIR},
                   dir_.str());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("of 2000 rows mapped onto items"));
  auto j = report(path("nyc.json"));
  expect_consistent(j);
  std::set<std::string> agencies;
  for (const auto& row : j.at("rows").as_array()) agencies.insert(std::string(row.as_object().at("agency").as_string()));
  EXPECT_EQ(agencies, (std::set<std::string>{"dot", "dpr", "nypd"}));
  EXPECT_GT(num(j.at("total").as_object().at("cases")), 500u);
}

// The report names the allocator it ran on, so runs compared across commits say what they ran on. On jemalloc,
// the program asks for transparent huge pages (docs/performance.md 46.), and MALLOC_CONF still overrides it.
TEST_F(CliSimulate, TheReportNamesTheAllocatorAndItsHugePageMode) {
  const std::vector<std::string> args{"simulate", "--months", "1", "--from", "2026-03", "--per-month", "100",
                                      "--tail", "P1D", "--json", path("small.json"), "--definitions",
                                      CASEWORK_WORKFLOWS_DIR};
  auto r = run_cli(args, dir_.str());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto a = report(path("small.json")).at("allocator").as_object();
  EXPECT_EQ(a.at("name").as_string(), CASEWORK_CLI_ALLOCATOR);
  if (std::string(CASEWORK_CLI_ALLOCATOR) != "jemalloc") {
    EXPECT_THAT(r.out, HasSubstr("\nallocator: system\n"));
    return;
  }
  EXPECT_NE(a.at("version").as_string(), "");
  EXPECT_EQ(a.at("thp").as_string(), "always");
  EXPECT_THAT(r.out, HasSubstr("\nallocator: jemalloc (transparent huge pages: always)\n"));
  auto off = run_cli(args, dir_.str(), {"MALLOC_CONF=thp:default"});
  ASSERT_EQ(off.code, 0) << off.err << off.out;
  EXPECT_EQ(report(path("small.json")).at("allocator").as_object().at("thp").as_string(), "default");
}

TEST_F(CliSimulate, AnUnknownWorkloadIsAUsageError) {
  auto r = run_cli({"simulate", "--workload", "chicago"}, dir_.str());
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--workload: 'chicago' is neither taipei-year nor nyc311"));
}

}  // namespace
}  // namespace casework::cli_testing
