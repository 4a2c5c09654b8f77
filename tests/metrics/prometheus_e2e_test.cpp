// End to end with a real Prometheus server (Debian's prometheus 2.42): it scrapes the exporter of a live
// engine every second and loads the shipped alert rules, while the virtual clock drives Public Works dispatch
// cases overdue (live_engine.hpp). Its HTTP API must then answer the agency's overdue and compliance figures
// as they move, and run every query of the shipped Grafana dashboard.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "casework/metrics_exporter.hpp"
#include "live_engine.hpp"
#include "metrics_support.hpp"
#include "temp_dir.hpp"

namespace casework {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A Prometheus server on 127.0.0.1 with its own configuration and storage in `dir`, scraping `target` as job
// caseworkd every second. Its port is one that was free a moment before (Prometheus cannot report the port it
// bound), so the test retries on another when the server cannot start.
class prometheus_server {
 public:
  prometheus_server(const testing::temp_dir& dir, int target_port, int attempt)
      : port_(testing::free_port()) {
    const std::string tsdb = dir.str("tsdb-" + std::to_string(attempt));
    testing::write_file(dir.str("prometheus.yml"),
                        "global:\n"
                        "  scrape_interval: 1s\n"
                        "  scrape_timeout: 900ms\n"
                        "  evaluation_interval: 1s\n"
                        "rule_files:\n"
                        "  - " CASEWORK_DEPLOY_DIR
                        "/alerts.yml\n"
                        "scrape_configs:\n"
                        "  - job_name: caseworkd\n"
                        "    static_configs:\n"
                        "      - targets: ['127.0.0.1:" +
                            std::to_string(target_port) + "']\n");
    proc_ = std::make_unique<testing::child_process>(
        CASEWORK_PROMETHEUS,
        std::vector<std::string>{"--config.file=" + dir.str("prometheus.yml"), "--storage.tsdb.path=" + tsdb,
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        dir.str("prometheus.out"), dir.str("prometheus-" + std::to_string(attempt) + ".err"));
  }

  // Ready to answer queries within 20 s; false (with the server's log in `why`) otherwise.
  bool wait_ready(std::string& why) {
    bool ok = testing::poll_until(
        20s, [&] { return !proc_->running() || testing::http_get(port_, "/-/ready").status == 200; });
    if (ok && proc_->running()) return true;
    why = "prometheus is not ready on 127.0.0.1:" + std::to_string(port_) +
          " (running: " + (proc_->running() ? "yes" : "no") + ")\n" + proc_->err();
    return false;
  }

  // GET /api/v1/<what>; the parsed "data" of a success, or null.
  json::value api(const std::string& what) {
    auto r = testing::http_get(port_, "/api/v1/" + what);
    if (r.status != 200) return nullptr;
    json::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object() || v.at("status") != "success") return nullptr;
    return v.at("data");
  }

  // The value of an instant query that yields one sample; nullopt for none, several or an error.
  std::optional<double> scalar(const std::string& promql) {
    auto data = api("query?query=" + testing::url_encode(promql));
    if (!data.is_object()) return std::nullopt;
    const auto& result = data.at("result");
    if (data.at("resultType") == "scalar") return std::stod(std::string(result.at(1).as_string()));
    if (!result.is_array() || result.as_array().size() != 1) return std::nullopt;
    return std::stod(std::string(result.at(0).at("value").at(1).as_string()));
  }

  // Polls `promql` until it answers `expected` (15 s at most: 15 scrapes); the last answer otherwise.
  std::optional<double> await(const std::string& promql, double expected) {
    std::optional<double> last;
    testing::poll_until(15s, [&] {
      last = scalar(promql);
      return last && *last == expected;
    });
    return last;
  }

  std::string log() const { return proc_->err(); }

 private:
  int port_;
  std::unique_ptr<testing::child_process> proc_;
};

const std::string kOverdue = R"(sum(casework_overdue_cases{agency="pwd"}) or vector(0))";
const std::string kStageOneMet =
    R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="met"}) or vector(0))";
const std::string kStageOneMissed =
    R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="missed"}) or vector(0))";

TEST(PrometheusEndToEnd, ARealPrometheusSeesThePwdCasesGoOverdueAndTheirCompliance) {
  ASSERT_TRUE(std::string(CASEWORK_PROMETHEUS).size()) << "prometheus not found: run scripts/install-deps";
  testing::temp_dir dir;
  testing::live_engine live;
  ASSERT_TRUE(live.eng);
  metrics_options o;
  o.sources = live.sources();
  o.address = "127.0.0.1:0";
  auto ex = metrics_exporter::open(o);
  ASSERT_TRUE(ex) << ex.error().to_string();

  std::unique_ptr<prometheus_server> server;
  std::string why;
  for (int attempt = 0; attempt < 3 && !server; ++attempt) {
    server = std::make_unique<prometheus_server>(dir, (*ex)->port(), attempt);
    if (!server->wait_ready(why)) server.reset();
  }
  ASSERT_TRUE(server) << why;
  auto& prom = *server;
  ASSERT_EQ(prom.await(R"(up{job="caseworkd"})", 1), 1) << "the exporter is not scraped\n" << prom.log();

  // 09:00-10:00: four cases, c1 closed in time, nothing overdue yet.
  live.establish();
  live.morning();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ASSERT_TRUE(live.wait_for_pwd([](const agency_figures& f) { return f.closed_total.count("dispatch"); }));
  EXPECT_EQ(prom.await(R"(casework_cases_opened_total{agency="pwd",workflow="dispatch"})", 4), 4);
  EXPECT_EQ(prom.await(R"(casework_cases_closed_total{agency="pwd",workflow="dispatch"})", 1), 1);
  EXPECT_EQ(prom.await(kOverdue, 0), 0);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);

  // To 15:00: c2 and c3 overdue at 13:00 (R6.4).
  live.afternoon(false);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(prom.await(kOverdue, 2), 2);
  EXPECT_EQ(prom.await(R"(casework_overdue_cases{agency="pwd",stage="1"})", 2), 2);
  EXPECT_EQ(prom.await(R"(casework_open_cases{agency="pwd",workflow="dispatch",state="overdue"})", 2), 2);

  // c2 reported late: closed with stage one missed; one case left overdue.
  live.ok(live.ids[1], "report", "handler", {{"result", "oil cleaned up late"}, {"finding", "fixed"}});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(prom.await(kOverdue, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMissed, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);
  EXPECT_EQ(
      prom.await(R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="met"})
                          / sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one"}))",
                 0.5),
      0.5);
  EXPECT_EQ(prom.await(R"(casework_oldest_open_case_age_seconds{agency="pwd"})", 6 * 3600), 6 * 3600);
  // R6.3: c3 and c4 were re-notified (once each, by SMS among others).
  EXPECT_EQ(prom.await(R"(casework_notifications_total{agency="pwd",kind="sign-reminder",channel="sms"})", 2),
            2);

  // The shipped alert rules are loaded and evaluate without error.
  auto rules = prom.api("rules");
  ASSERT_TRUE(rules.is_object()) << prom.log();
  std::size_t loaded = 0;
  for (const auto& g : rules.at("groups").as_array())
    for (const auto& r : g.at("rules").as_array()) {
      ++loaded;
      EXPECT_NE(r.at("health"), "err") << r.at("name") << ": " << json::serialize(r);
    }
  EXPECT_EQ(loaded, 8u);

  // Every query of the Grafana dashboard runs (its variables set as Grafana would).
  auto dash = json::parse(testing::slurp(CASEWORK_DEPLOY_DIR "/grafana-dashboard.json"));
  std::size_t queries = 0;
  for (const auto& p : dash.at("panels").as_array()) {
    auto* targets = p.as_object().if_contains("targets");
    if (!targets) continue;
    for (const auto& t : targets->as_array()) {
      std::string q(t.at("expr").as_string());
      for (auto [var, value] : {std::pair<std::string, std::string>{"$agency", "pwd|dot"},
                                {"$workflow", ".*"},
                                {"$__rate_interval", "1m"},
                                {"$__interval", "1m"}})
        for (std::size_t at; (at = q.find(var)) != std::string::npos;) q.replace(at, var.size(), value);
      EXPECT_TRUE(prom.api("query?query=" + testing::url_encode(q)).is_object())
          << p.at("title") << ": " << q;
      ++queries;
    }
  }
  EXPECT_GT(queries, 30u);
}

}  // namespace
}  // namespace casework
