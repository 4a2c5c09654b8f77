// What metrics/deploy/ ships for operations agrees with what the exporter exports: the Grafana dashboard and
// the alert rules use only metrics that exist (casework's, or the server's documented ones), docs/metrics.md
// documents every one, every alert carries severity, summary and description, and alerts_test.yml makes every
// alert both fire and stay silent. (promtool itself runs the rule tests: ctest metrics.alerts.*.)
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "metrics_expectations.hpp"
#include "metrics_support.hpp"

namespace casework {
namespace {

namespace json = boost::json;

const std::string deploy = CASEWORK_DEPLOY_DIR;

// The metric families a text refers to: every casework_* name, with a histogram's _bucket/_count/_sum
// suffix taken off when the rest is a histogram family.
std::set<std::string> families_named_in(const std::string& text) {
  auto families = testing::expected_families();
  std::set<std::string> out;
  static const std::regex name(R"(casework_[a-z0-9_]*[a-z0-9])");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* sfx : {"_bucket", "_count", "_sum"}) {
      std::string s = sfx;
      if (n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0) {
        std::string base = n.substr(0, n.size() - s.size());
        auto f = families.find(base);
        if ((f != families.end() && f->second == "histogram") ||
            base == "casework_http_request_duration_seconds")
          n = base;
      }
    }
    out.insert(n);
  }
  return out;
}

bool known(const std::string& family) {
  return testing::expected_families().count(family) || testing::server_families().count(family);
}

std::vector<std::string> dashboard_exprs(const json::value& dash) {
  std::vector<std::string> out;
  for (const auto& p : dash.at("panels").as_array())
    if (auto* targets = p.as_object().if_contains("targets"))
      for (const auto& t : targets->as_array()) out.push_back(std::string(t.at("expr").as_string()));
  return out;
}

TEST(Deploy, DashboardAndAlertsUseOnlyExportedOrDocumentedServerMetrics) {
  for (const char* file : {"alerts.yml", "alerts_test.yml", "grafana-dashboard.json"})
    for (const auto& f : families_named_in(testing::slurp(deploy + "/" + file)))
      EXPECT_TRUE(known(f)) << file << " uses " << f << ", which nothing exports";
}

TEST(Deploy, MetricsDocDocumentsEveryMetricAndNoOther) {
  auto doc = testing::slurp(CASEWORK_METRICS_DOC);
  ASSERT_FALSE(doc.empty()) << CASEWORK_METRICS_DOC;
  for (const auto& [name, type] : testing::expected_families()) {
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name << " is not in docs/metrics.md";
    EXPECT_NE(doc.find("| `" + name + "` | " + type + " |"), std::string::npos)
        << name << " has no table row with its type";
  }
  for (const auto& name : testing::server_families())
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name << " is not in docs/metrics.md";
  for (const auto& f : families_named_in(doc)) EXPECT_TRUE(known(f)) << "docs/metrics.md names " << f;
}

TEST(Deploy, DashboardHasAnAgencySelectorAndFiltersEveryAgencyPanelByIt) {
  auto dash = json::parse(testing::slurp(deploy + "/grafana-dashboard.json"));
  bool has_agency = false;
  for (const auto& v : dash.at("templating").at("list").as_array())
    if (v.at("name").as_string() == "agency") has_agency = true;
  EXPECT_TRUE(has_agency);

  // A family with an agency label, per the collector: those of agency_figures.
  const std::set<std::string> per_agency{"casework_open_cases",
                                         "casework_open_cases_by_item",
                                         "casework_overdue_cases",
                                         "casework_oldest_open_case_age_seconds",
                                         "casework_cases_opened_total",
                                         "casework_cases_closed_total",
                                         "casework_case_transitions_total",
                                         "casework_notifications_total",
                                         "casework_deadline_compliance_total",
                                         "casework_signature_latency_seconds",
                                         "casework_stage_duration_seconds"};
  std::set<std::string> used;
  for (const auto& expr : dashboard_exprs(dash)) {
    auto named = families_named_in(expr);
    used.insert(named.begin(), named.end());
    for (const auto& f : named) {
      if (!per_agency.count(f)) continue;
      EXPECT_NE(expr.find(R"(agency=~"$agency")"), std::string::npos) << expr;
    }
  }
  // Every exported family has a panel, except the raw timestamp (the age is shown) and the provider errors.
  for (const auto& [name, type] : testing::expected_families()) {
    if (name == "casework_oldest_open_case_created_timestamp_seconds" ||
        name == "casework_metrics_provider_errors_total")
      continue;
    EXPECT_TRUE(used.count(name)) << "no dashboard panel shows " << name;
  }
}

// The alert rules of alerts.yml: name -> the rule's text.
std::map<std::string, std::string> alert_blocks() {
  std::map<std::string, std::string> out;
  std::istringstream in(testing::slurp(deploy + "/alerts.yml"));
  std::string current;
  static const std::regex alert(R"(^\s*- alert:\s*(\S+)\s*$)"), other(R"(^\s*- (name|record):)");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, alert))
      current = m[1];
    else if (std::regex_search(line, other))
      current.clear();
    else if (!current.empty())
      out[current] += line + "\n";
  }
  return out;
}

TEST(Deploy, EveryAlertHasSeveritySummaryAndDescription) {
  auto alerts = alert_blocks();
  EXPECT_EQ(alerts.size(), 8u);
  for (const auto& [name, text] : alerts) {
    EXPECT_TRUE(std::regex_search(text, std::regex(R"(severity: (warning|critical))"))) << name;
    EXPECT_NE(text.find("summary:"), std::string::npos) << name;
    EXPECT_NE(text.find("description:"), std::string::npos) << name;
  }
}

TEST(Deploy, EveryAlertIsTestedFiringAndSilent) {
  std::map<std::string, std::pair<int, int>> cases;  // alert -> (firing, silent)
  std::istringstream in(testing::slurp(deploy + "/alerts_test.yml"));
  static const std::regex name(R"(^\s*alertname:\s*(\S+)\s*$)"), exp(R"(^\s*exp_alerts:\s*(\[\])?\s*$)");
  std::smatch m;
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, name)) {
      current = m[1];
    } else if (std::regex_match(line, m, exp) && !current.empty()) {
      (m[1].matched ? cases[current].second : cases[current].first)++;
      current.clear();
    }
  }
  for (const auto& [alert, text] : alert_blocks()) {
    EXPECT_GE(cases[alert].first, 1) << alert << " is never tested firing";
    EXPECT_GE(cases[alert].second, 1) << alert << " is never tested silent";
  }
}

}  // namespace
}  // namespace casework
