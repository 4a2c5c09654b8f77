// The exporter on a live embedded engine (virtual clock, real CAF threads): Public Works dispatch cases go
// past their limits (live_engine.hpp), /metrics is scraped over a real socket on 127.0.0.1, checked by
// `promtool check metrics`, compared with the supervisors' figures, and searched for personal data (R9.2).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "casework/metrics_exporter.hpp"
#include "live_engine.hpp"
#include "metrics_expectations.hpp"
#include "metrics_support.hpp"
#include "rules_vocabulary.hpp"
#include "temp_dir.hpp"

namespace casework {
namespace {

using testing::parse_exposition;
using testing::value_of;

class ExporterOnLiveEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(live.eng);
    live.establish();
    ASSERT_FALSE(HasFatalFailure());
    live.morning();
    ASSERT_FALSE(HasFatalFailure());
    live.afternoon();
    ASSERT_FALSE(HasFatalFailure());
    // The supervisors publish after the answers: wait for both closings and the overdue case.
    ASSERT_TRUE(live.wait_for_pwd([](const agency_figures& f) {
      auto closed = f.closed_total.find("dispatch");
      auto overdue = f.overdue_by_stage.find(1);
      return closed != f.closed_total.end() && closed->second == 2 && overdue != f.overdue_by_stage.end() &&
             overdue->second == 1;
    })) << "pwd's figures: "
        << (live.eng->figures("pwd") ? to_string(*live.eng->figures("pwd")) : "none");

    metrics_options o;
    o.sources = live.sources();
    o.address = "127.0.0.1:0";
    auto ex = metrics_exporter::open(o);
    ASSERT_TRUE(ex) << ex.error().to_string();
    exporter = std::move(*ex);
    ASSERT_GT(exporter->port(), 0);
  }

  testing::live_engine live;
  std::unique_ptr<metrics_exporter> exporter;
  testing::temp_dir dir;
};

TEST_F(ExporterOnLiveEngine, ScrapeOverHttpPassesPromtoolCheckMetrics) {
  auto r = testing::http_get(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  // prometheus-cpp 1.0 answers "text/plain; charset=utf-8", which Prometheus reads as the text format 0.0.4.
  EXPECT_NE(r.headers.find("Content-Type: text/plain"), std::string::npos) << r.headers;
  ASSERT_NE(r.body.find("casework_overdue_cases{"), std::string::npos) << r.body;

  testing::write_file(dir.str("scrape.txt"), r.body);
  auto check =
      testing::run_program(CASEWORK_PROMTOOL, {"check", "metrics"}, dir.str(), dir.str("scrape.txt"));
  EXPECT_EQ(check.code, 0) << "promtool check metrics:\n" << check.out << check.err;
  // promtool lints what it finds on stdout/stderr; casework's families must draw no remark at all. (The
  // exposer_* families are prometheus-cpp's own, see docs/metrics.md.)
  for (const auto& line : {check.out, check.err})
    EXPECT_EQ(line.find("casework_"), std::string::npos) << line;
  EXPECT_EQ(testing::histogram_problems(parse_exposition(r.body)), std::vector<std::string>{});
}

TEST_F(ExporterOnLiveEngine, PromtoolCheckMetricsFailsOnABrokenExposition) {
  // The check above can fail: a counter without _total and a malformed line make promtool exit non-zero.
  testing::write_file(dir.str("broken.txt"),
                      "# TYPE casework_things counter\ncasework_things 1\nnot a metric line\n");
  auto check =
      testing::run_program(CASEWORK_PROMTOOL, {"check", "metrics"}, dir.str(), dir.str("broken.txt"));
  EXPECT_NE(check.code, 0) << check.out << check.err;
}

TEST_F(ExporterOnLiveEngine, ScrapedValuesAreThePwdSupervisorsFigures) {
  auto r = testing::http_get(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  auto s = parse_exposition(r.body);
  auto f = live.eng->figures("pwd");
  ASSERT_TRUE(f);

  // What the day must show (live_engine.hpp): one case overdue in stage one (c3), two closed, stage one met
  // by c1 and missed by c2, both signatures of those in time, two re-notifications (c3, c4; R6.3).
  EXPECT_EQ(value_of(s, "casework_overdue_cases", {{"agency", "pwd"}, {"stage", "1"}}), 1);
  EXPECT_EQ(
      value_of(s, "casework_open_cases", {{"agency", "pwd"}, {"workflow", "dispatch"}, {"state", "overdue"}}),
      1);
  EXPECT_EQ(
      value_of(s, "casework_open_cases", {{"agency", "pwd"}, {"workflow", "dispatch"}, {"state", "signed"}}),
      1);
  EXPECT_EQ(value_of(s, "casework_cases_closed_total", {{"agency", "pwd"}, {"workflow", "dispatch"}}), 2);
  EXPECT_EQ(value_of(s, "casework_cases_opened_total", {{"agency", "pwd"}, {"workflow", "dispatch"}}), 4);
  std::map<std::string, std::string> c{
      {"agency", "pwd"}, {"workflow", "dispatch"}, {"item", "road-debris-oil"}, {"deadline", "stage-one"}};
  c["outcome"] = "met";
  EXPECT_EQ(value_of(s, "casework_deadline_compliance_total", c), 1);
  c["outcome"] = "missed";
  EXPECT_EQ(value_of(s, "casework_deadline_compliance_total", c), 1);
  c["deadline"] = "sign";
  EXPECT_EQ(value_of(s, "casework_deadline_compliance_total", c), 0);
  c["outcome"] = "met";
  EXPECT_EQ(value_of(s, "casework_deadline_compliance_total", c), 2);
  EXPECT_EQ(value_of(s, "casework_notifications_total",
                     {{"agency", "pwd"}, {"kind", "sign-reminder"}, {"channel", "sms"}}),
            2);
  // c1 signed after 5 minutes, c2 after 5, c4 after 20: two under 10 minutes (R6.3).
  auto sig = testing::buckets(s, "casework_signature_latency_seconds", {{"agency", "pwd"}});
  EXPECT_EQ(sig.at(300), 2);
  EXPECT_EQ(sig.at(600), 2);
  EXPECT_EQ(sig.at(1800), 3);
  // The oldest open case (c3, 09:00) is 6 hours old by the engine clock at 15:00.
  EXPECT_EQ(value_of(s, "casework_oldest_open_case_age_seconds", {{"agency", "pwd"}}), 6 * 3600.0);

  // And every key of the snapshot is exported with its value.
  for (const auto& [key, n] : f->open_by_state)
    EXPECT_EQ(value_of(s, "casework_open_cases",
                       {{"agency", "pwd"}, {"workflow", key.first}, {"state", key.second}}),
              static_cast<double>(n))
        << key.first << "/" << key.second;
  for (const auto& [key, n] : f->transitions_total)
    EXPECT_EQ(value_of(s, "casework_case_transitions_total",
                       {{"agency", "pwd"},
                        {"workflow", std::get<0>(key)},
                        {"from_state", std::get<1>(key)},
                        {"to_state", std::get<2>(key)}}),
              static_cast<double>(n));
  for (const auto& [key, n] : f->notifications_total)
    EXPECT_EQ(value_of(s, "casework_notifications_total",
                       {{"agency", "pwd"}, {"kind", key.first}, {"channel", key.second}}),
              static_cast<double>(n))
        << key.first << "/" << key.second;
}

TEST_F(ExporterOnLiveEngine, NoCaseIdOrReporterDataReachesTheMetrics) {
  auto r = testing::http_get(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  ASSERT_EQ(live.ids.size(), 4u);
  // Nowhere in the scrape: not in a label, not in a help text.
  for (const auto& id : live.ids) EXPECT_EQ(r.body.find(id), std::string::npos) << "case id " << id;
  for (const auto& rep : testing::kReporters)
    for (const char* data : {rep.name, rep.phone, rep.address})
      EXPECT_EQ(r.body.find(data), std::string::npos) << data;
  // And every label value is a name from the rules (or a bucket bound, the version), so nothing else can
  // leak.
  auto vocabulary = testing::rules_vocabulary(*testing::taipei_bundle());
  std::size_t checked = 0;
  for (const auto& smp : parse_exposition(r.body)) {
    if (smp.name.rfind("casework_", 0) != 0) continue;
    for (const auto& [label, value] : smp.labels) {
      if (label == "le" || label == "version") continue;
      ASSERT_TRUE(vocabulary.count(label)) << smp.name << ": label " << label;
      EXPECT_TRUE(vocabulary.at(label).count(value)) << smp.name << ": " << label << "=\"" << value << "\"";
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

TEST_F(ExporterOnLiveEngine, TextWithoutHttpMatchesTheScrape) {
  auto r = testing::http_get(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  // The HTTP body adds prometheus-cpp's exposer_* families; the casework families are the same text.
  auto casework_lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find("casework_") != std::string::npos) out.push_back(line);
    return out;
  };
  EXPECT_EQ(casework_lines(exporter->text()), casework_lines(r.body));
  auto missing = testing::http_get(exporter->port(), "/nothing-here");
  EXPECT_EQ(missing.status, 404);
}

}  // namespace
}  // namespace casework

namespace casework {
namespace {

// Prometheus scrapes while cases move: every scrape is answered at once from the published snapshots, never
// waiting for the actors, and is well-formed whatever the supervisors are publishing at that moment.
TEST(ExporterWhileCasesMove, ScrapesDuringTheDayAreAnsweredPromptlyAndWellFormed) {
  testing::live_engine live;
  ASSERT_TRUE(live.eng);
  metrics_options o;
  o.sources = live.sources();
  o.address = "127.0.0.1:0";
  auto ex = metrics_exporter::open(o);
  ASSERT_TRUE(ex) << ex.error().to_string();
  const int port = (*ex)->port();

  std::atomic<bool> stop{false};
  std::vector<std::string> problems;
  std::atomic<std::size_t> scrapes{0};
  std::chrono::steady_clock::duration slowest{};
  std::thread scraper([&] {
    while (!stop) {
      auto t = std::chrono::steady_clock::now();
      auto r = testing::http_get(port, "/metrics");
      slowest = std::max(slowest, std::chrono::steady_clock::now() - t);
      ++scrapes;
      if (r.status != 200) problems.push_back("status " + std::to_string(r.status) + ": " + r.error);
      for (auto& p : testing::histogram_problems(parse_exposition(r.body))) problems.push_back(p);
    }
  });
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~joiner() {
      stop = true;
      t.join();
    }
  };
  {
    joiner j{stop, scraper};
    live.establish();
    live.morning();
    live.afternoon();
    EXPECT_TRUE(live.wait_for_pwd([](const agency_figures& f) { return f.overdue_by_stage.count(1); }));
    EXPECT_TRUE(testing::poll_until(std::chrono::seconds(10), [&] { return scrapes >= 20; }))
        << scrapes << " scrapes";
  }
  EXPECT_EQ(problems, std::vector<std::string>{});
  EXPECT_LT(slowest, std::chrono::seconds(1));
}

}  // namespace
}  // namespace casework
