// caseworkd --metrics: the real binary on ephemeral ports, a few API requests, then GET /metrics over a socket.
// The scrape passes `promtool check metrics`, carries the engine's families and the server's own
// (docs/metrics.md, "Emitted by the server") with route templates as labels, and no case id anywhere.
#include <cmath>  // INFINITY, used by metrics_support.hpp
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "../metrics/metrics_support.hpp"
#include "server_fixture.hpp"
#include "temp_dir.hpp"

namespace casework::testing {
namespace {

// promtool from PATH (Debian's prometheus package, scripts/install-deps); empty when there is none.
std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t i = 0; i <= dirs.size();) {
    auto j = dirs.find(':', i);
    if (j == std::string::npos) j = dirs.size();
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(i, j - i)) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    i = j + 1;
  }
  return {};
}

}  // namespace

TEST(CaseworkdMetrics, ScrapePassesPromtoolWithRouteTemplatesAndNoCaseIds) {
  temp_dir d;
  const std::string tokens = d.str("tokens.json");
  auto ct = add_token(tokens, {"ct", "call-taker", "call-centre", "cc-ct-1"}, taipei_rules()->people);
  ASSERT_TRUE(ct);
  child_process daemon(CASEWORKD,
                       {"--data", d.str("store"), "--block-cache-mb", "48", "--tokens", tokens, "--listen",
                        "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--clock", "virtual", "--start",
                        "2026-03-02T09:00:00+08:00", "--definitions", CASEWORK_WORKFLOWS_DIR},
                       d.str("out"), d.str("err"));
  ASSERT_TRUE(daemon.started());
  int port = 0, metrics_port = 0;
  ASSERT_TRUE(caseworkd_ports(daemon, port, metrics_port)) << daemon.err();
  ASSERT_NE(port, 0);
  ASSERT_NE(metrics_port, 0);
  const auto p = static_cast<std::uint16_t>(port);

  // Ready once the figures are recounted (503 while engine::health().recovering).
  EXPECT_TRUE(poll_until(std::chrono::seconds(20), [&] { return http_call(p, "GET", "/readyz").status == 200; }));
  auto created = http_call(p, "POST", "/v1/cases", boost::json::serialize(streetlight_report()), *ct);
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(created.json().at("id").as_string());
  EXPECT_EQ(http_call(p, "GET", "/v1/cases/" + id, {}, *ct).status, 200u);
  EXPECT_EQ(http_call(p, "GET", "/v1/cases/" + id + "/history", {}, *ct).status, 200u);
  EXPECT_GE(http_call(p, "POST", "/v1/cases/" + id + "/no-such-command", "{}", *ct).status, 400u);
  EXPECT_EQ(http_call(p, "GET", "/v1/cases/" + id + "/a/b/c", {}, *ct).status, 404u);

  // The notifications feed numbers records by their outbox positions: consecutive, `next` one past the last.
  auto feed = http_call(p, "GET", "/v1/notifications?since=0&limit=500", {}, *ct);
  ASSERT_EQ(feed.status, 200u) << feed.body;
  std::int64_t expected_position = 0;
  for (const auto& n : feed.json().at("notifications").as_array())
    EXPECT_EQ(n.at("position").to_number<std::int64_t>(), expected_position++);
  EXPECT_EQ(feed.json().at("next").to_number<std::int64_t>(), expected_position);

  auto scrape = http_get(metrics_port, "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.error;
  write_file(d.str("scrape.txt"), scrape.body);

  const std::string promtool = find_promtool();
  ASSERT_FALSE(promtool.empty()) << "promtool not found in PATH: run scripts/install-deps";
  auto check = run_program(promtool, {"check", "metrics"}, d.str(), d.str("scrape.txt"));
  EXPECT_EQ(check.code, 0) << "promtool check metrics:\n" << check.out << check.err << "\n" << scrape.body;

  // No case id in the scrape (labels are bounded names), and none in any label value.
  EXPECT_EQ(scrape.body.find(id), std::string::npos) << scrape.body;

  const auto types = declared_types(scrape.body);
  EXPECT_EQ(types.count("casework_build_info"), 1u);
  EXPECT_EQ(types.count("casework_recovering"), 1u);  // engine::health()
  EXPECT_EQ(types.count("casework_http_requests_total"), 1u);
  EXPECT_EQ(types.count("casework_http_request_duration_seconds"), 1u);
  // (casework_webhook_* are registered too, but prometheus-cpp writes no family without samples: no webhook
  // is configured here; webhook_test.cpp covers deliveries.)

  const auto samples = parse_exposition(scrape.body);
  const std::set<std::string> templates{"/healthz", "/readyz", "/v1/cases", "/v1/cases/{id}",
                                        "/v1/cases/{id}/history", "/v1/cases/{id}/{command}",
                                        "/v1/notifications", "unmatched"};
  std::size_t requests = 0;
  for (const auto& s : samples) {
    if (s.name != "casework_http_requests_total") continue;
    ++requests;
    ASSERT_EQ(s.labels.size(), 3u) << s.name;
    EXPECT_EQ(templates.count(s.labels.at("route")), 1u) << s.labels.at("route");
    EXPECT_TRUE(s.labels.count("method") && s.labels.count("code"));
  }
  EXPECT_GE(requests, 5u);
  EXPECT_EQ(value_of(samples, "casework_http_requests_total",
                     {{"route", "/v1/cases"}, {"method", "POST"}, {"code", "201"}}),
            1.0);
  EXPECT_EQ(value_of(samples, "casework_http_requests_total",
                     {{"route", "/v1/cases/{id}"}, {"method", "GET"}, {"code", "200"}}),
            1.0);
  EXPECT_EQ(value_of(samples, "casework_http_requests_total",
                     {{"route", "/v1/cases/{id}/history"}, {"method", "GET"}, {"code", "200"}}),
            1.0);
  EXPECT_EQ(value_of(samples, "casework_http_requests_total",
                     {{"route", "unmatched"}, {"method", "GET"}, {"code", "404"}}),
            1.0);
  EXPECT_EQ(value_of(samples, "casework_http_request_duration_seconds_count",
                     {{"route", "/v1/cases/{id}/history"}, {"method", "GET"}}),
            1.0);
  // The store's memory (engine::health().storage), with the block cache caseworkd was given.
  EXPECT_EQ(value_of(samples, "casework_store_block_cache_capacity_bytes", {}), 48.0 * 1024 * 1024);
  EXPECT_GT(value_of(samples, "casework_store_memory_bytes", {{"part", "memtables"}}), 0.0);

  EXPECT_EQ(daemon.stop(), 0) << daemon.err();
}

TEST(CaseworkdMetrics, MetricsOffServesNoExporterAndABadAddressIsRefused) {
  temp_dir d;
  {
    child_process daemon(CASEWORKD,
                         {"--data", d.str("store"), "--listen", "127.0.0.1:0", "--metrics", "off",
                          "--definitions", CASEWORK_WORKFLOWS_DIR},
                         d.str("out"), d.str("err"));
    ASSERT_TRUE(poll_until(std::chrono::seconds(20),
                           [&] { return daemon.err().find("\"msg\":\"listening\"") != std::string::npos; }))
        << daemon.err();
    EXPECT_NE(daemon.err().find("\"metrics_port\":0"), std::string::npos) << daemon.err();
    EXPECT_EQ(daemon.stop(), 0) << daemon.err();
  }
  auto bad = run_program(CASEWORKD,
                         {"--data", d.str("store2"), "--listen", "127.0.0.1:0", "--metrics", "not-an-address",
                          "--definitions", CASEWORK_WORKFLOWS_DIR},
                         d.str());
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("metrics"), std::string::npos) << bad.err;
}

}  // namespace casework::testing
