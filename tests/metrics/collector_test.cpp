// The collector on figures and health values built by hand: every figure of agency_figures and engine_health
// reaches a metric, histograms become cumulative `le` buckets, and the label set stays bounded.
#include <cmath>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "casework/metrics_collector.hpp"
#include "casework/metrics_exporter.hpp"
#include "metrics_expectations.hpp"
#include "metrics_support.hpp"

namespace casework {
namespace {

using testing::parse_exposition;
using testing::value_of;

const instant t0 = instant(std::chrono::seconds(1772413200));  // 2026-03-02T01:00:00Z, 09:00 in Taipei

std::shared_ptr<const agency_figures> pwd_figures() {
  auto f = std::make_shared<agency_figures>();
  f->agency = "pwd";
  f->open_by_state[{"dispatch", "overdue"}] = 2;
  f->open_by_state[{"dispatch", "created"}] = 0;  // fell back to 0: still exported, as 0
  f->open_by_item[{"dispatch", "road-pothole"}] = 2;
  f->open_by_item[{"petition", ""}] = 1;
  f->overdue_by_stage[1] = 2;
  f->oldest_open = t0;
  f->opened_total["dispatch"] = 5;
  f->closed_total["dispatch"] = 3;
  f->transitions_total[{"dispatch", "", "created"}] = 5;
  f->transitions_total[{"dispatch", "created", "signed"}] = 4;
  f->notifications_total[{"sign-reminder", "sms"}] = 7;
  f->compliance_at_close[{"dispatch", "road-pothole", "stage-one"}] = {2, 1};
  f->signature_latency.observe(30);
  f->signature_latency.observe(400);
  f->signature_latency.observe(1e7);  // above the last bound (30 days): +Inf only
  f->stage_duration[1].observe(3600);
  f->stage_duration[2].observe(86400 * 2);
  return f;
}

std::shared_ptr<const agency_figures> dot_figures() {
  auto f = std::make_shared<agency_figures>();
  f->agency = "dot";
  f->open_by_state[{"dispatch", "stage-one"}] = 1;
  f->oldest_open = t0;
  return f;
}

engine_health some_health() {
  engine_health h;
  h.command_seconds.observe(0.0003);
  h.command_seconds.observe(0.02);
  h.store_write_seconds.observe(0.004);
  h.group_commit_batches.observe(3);
  h.group_commit_batches.observe(600);  // above the last bound (512)
  h.timer_lateness_seconds.observe(0.002);
  h.commands_total = 11;
  h.command_errors_total = 2;
  h.store_errors_total = 1;
  h.timers_fired_total = 9;
  h.pending_timers = 4;
  h.active_case_actors = 3;
  h.restarts_total = 5;
  h.recovery_failures_total = 6;
  h.recovering = true;
  h.storage.background_errors_total = {{"flush", 2}, {"write", 1}};
  h.storage.resumes_total = 1;
  h.storage.write_delays_total = 7;
  h.storage.write_stops_total = 1;
  h.storage.write_stall = storage_health::stall::delayed;
  h.storage.block_cache_bytes = 3000;
  h.storage.block_cache_capacity_bytes = 4096;
  h.storage.memtable_bytes = 2000;
  h.storage.table_reader_bytes = 1000;
  return h;
}

metrics_sources full_sources() {
  metrics_sources s;
  s.figures = [] {
    return std::vector<std::shared_ptr<const agency_figures>>{pwd_figures(), nullptr, dot_figures()};
  };
  s.health = [] { return some_health(); };
  s.now = [] { return t0 + std::chrono::hours(5); };
  return s;
}

std::string scrape(metrics_sources s) {
  return text_exposition(metrics_collector(std::move(s)));
}

TEST(MetricsCollector, ExportsEveryFamilyOfFiguresAndHealthWithItsType) {
  auto types = testing::declared_types(scrape(full_sources()));
  EXPECT_EQ(types, testing::expected_families());
}

TEST(MetricsCollector, AgencyGaugesAndCountersCarryEveryKeyOfTheFigures) {
  auto s = parse_exposition(scrape(full_sources()));
  auto v = [&](const char* name, std::map<std::string, std::string> labels) {
    return value_of(s, name, labels);
  };
  EXPECT_EQ(v("casework_open_cases", {{"agency", "pwd"}, {"workflow", "dispatch"}, {"state", "overdue"}}), 2);
  EXPECT_EQ(v("casework_open_cases", {{"agency", "pwd"}, {"workflow", "dispatch"}, {"state", "created"}}), 0);
  EXPECT_EQ(v("casework_open_cases", {{"agency", "dot"}, {"workflow", "dispatch"}, {"state", "stage-one"}}),
            1);
  EXPECT_EQ(v("casework_open_cases_by_item",
              {{"agency", "pwd"}, {"workflow", "dispatch"}, {"item", "road-pothole"}}),
            2);
  EXPECT_EQ(v("casework_open_cases_by_item", {{"agency", "pwd"}, {"workflow", "petition"}, {"item", ""}}), 1);
  EXPECT_EQ(v("casework_overdue_cases", {{"agency", "pwd"}, {"stage", "1"}}), 2);
  EXPECT_EQ(v("casework_cases_opened_total", {{"agency", "pwd"}, {"workflow", "dispatch"}}), 5);
  EXPECT_EQ(v("casework_cases_closed_total", {{"agency", "pwd"}, {"workflow", "dispatch"}}), 3);
  EXPECT_EQ(v("casework_case_transitions_total",
              {{"agency", "pwd"}, {"workflow", "dispatch"}, {"from_state", ""}, {"to_state", "created"}}),
            5);
  EXPECT_EQ(
      v("casework_case_transitions_total",
        {{"agency", "pwd"}, {"workflow", "dispatch"}, {"from_state", "created"}, {"to_state", "signed"}}),
      4);
  EXPECT_EQ(
      v("casework_notifications_total", {{"agency", "pwd"}, {"kind", "sign-reminder"}, {"channel", "sms"}}),
      7);
  std::map<std::string, std::string> c{
      {"agency", "pwd"}, {"workflow", "dispatch"}, {"item", "road-pothole"}, {"deadline", "stage-one"}};
  c["outcome"] = "met";
  EXPECT_EQ(v("casework_deadline_compliance_total", c), 2);
  c["outcome"] = "missed";
  EXPECT_EQ(v("casework_deadline_compliance_total", c), 1);
}

TEST(MetricsCollector, OldestOpenCaseIsATimestampAndAnAgeByTheEngineClock) {
  auto s = parse_exposition(scrape(full_sources()));
  EXPECT_EQ(value_of(s, "casework_oldest_open_case_created_timestamp_seconds", {{"agency", "pwd"}}),
            1772413200.0);
  EXPECT_EQ(value_of(s, "casework_oldest_open_case_age_seconds", {{"agency", "pwd"}}), 5 * 3600.0);
  EXPECT_EQ(value_of(s, "casework_oldest_open_case_age_seconds", {{"agency", "dot"}}), 5 * 3600.0);

  // Without a clock there is no age, only the timestamp.
  auto src = full_sources();
  src.now = nullptr;
  auto text = scrape(src);
  EXPECT_EQ(testing::declared_types(text).count("casework_oldest_open_case_age_seconds"), 0u);
  EXPECT_EQ(value_of(parse_exposition(text), "casework_oldest_open_case_created_timestamp_seconds",
                     {{"agency", "dot"}}),
            1772413200.0);
}

TEST(MetricsCollector, NonCumulativeBucketsBecomeCumulativeLeBucketsEndingInInfEqualToCount) {
  auto s = parse_exposition(scrape(full_sources()));
  auto b = testing::buckets(s, "casework_signature_latency_seconds", {{"agency", "pwd"}});
  // Observations 30 s, 400 s and 10^7 s against the bounds 1m, 5m, 10m, ... 30d.
  ASSERT_EQ(b.size(), histogram::minutes_to_weeks().size() + 1);
  EXPECT_EQ(b.at(60), 1);
  EXPECT_EQ(b.at(300), 1);
  EXPECT_EQ(b.at(600), 2);
  EXPECT_EQ(b.at(30 * 86400), 2);
  EXPECT_EQ(b.at(INFINITY), 3);
  EXPECT_EQ(value_of(s, "casework_signature_latency_seconds_count", {{"agency", "pwd"}}), 3);
  EXPECT_NEAR(*value_of(s, "casework_signature_latency_seconds_sum", {{"agency", "pwd"}}), 1e7 + 430, 1e-3);

  auto stage2 = testing::buckets(s, "casework_stage_duration_seconds", {{"agency", "pwd"}, {"stage", "2"}});
  EXPECT_EQ(stage2.at(86400), 0);
  EXPECT_EQ(stage2.at(2 * 86400), 1);
  EXPECT_EQ(stage2.at(INFINITY), 1);

  auto groups = testing::buckets(s, "casework_store_group_commit_batches", {});
  EXPECT_EQ(groups.at(2), 0);
  EXPECT_EQ(groups.at(4), 1);
  EXPECT_EQ(groups.at(512), 1);
  EXPECT_EQ(groups.at(INFINITY), 2);

  EXPECT_EQ(testing::histogram_problems(s), std::vector<std::string>{});
}

TEST(MetricsCollector, EngineHealthCountersAndGauges) {
  auto s = parse_exposition(scrape(full_sources()));
  const std::map<std::string, double> expected{{"casework_commands_total", 11},
                                               {"casework_command_errors_total", 2},
                                               {"casework_store_errors_total", 1},
                                               {"casework_timers_fired_total", 9},
                                               {"casework_pending_timers", 4},
                                               {"casework_active_case_actors", 3},
                                               {"casework_case_actor_restarts_total", 5},
                                               {"casework_recovery_failures_total", 6},
                                               {"casework_recovering", 1},
                                               {"casework_command_duration_seconds_count", 2},
                                               {"casework_store_write_duration_seconds_count", 1},
                                               {"casework_timer_lateness_seconds_count", 1}};
  for (const auto& [name, value] : expected) EXPECT_EQ(value_of(s, name, {}), value) << name;
  EXPECT_EQ(testing::buckets(s, "casework_command_duration_seconds", {}).at(0.0005), 1);
  EXPECT_EQ(testing::buckets(s, "casework_timer_lateness_seconds", {}).at(0.005), 1);
}

// The store's own health (R8): every reason and condition is exported, at zero until it happens.
TEST(MetricsCollector, StoreBackgroundErrorsAndWriteStallsByReasonAndCondition) {
  auto s = parse_exposition(scrape(full_sources()));
  for (const auto& [reason, n] : std::map<std::string, double>{
           {"flush", 2}, {"compaction", 0}, {"write", 1}, {"memtable", 0}, {"manifest", 0}})
    EXPECT_EQ(value_of(s, "casework_store_background_errors_total", {{"reason", reason}}), n) << reason;
  EXPECT_EQ(value_of(s, "casework_store_resumes_total", {}), 1);
  EXPECT_EQ(value_of(s, "casework_store_write_stalls_total", {{"condition", "delayed"}}), 7);
  EXPECT_EQ(value_of(s, "casework_store_write_stalls_total", {{"condition", "stopped"}}), 1);
  EXPECT_EQ(value_of(s, "casework_store_write_stall", {{"condition", "delayed"}}), 1);
  EXPECT_EQ(value_of(s, "casework_store_write_stall", {{"condition", "stopped"}}), 0);
}

TEST(MetricsCollector, StoreMemoryByPartAndTheBlockCachesCapacity) {
  auto s = parse_exposition(scrape(full_sources()));
  EXPECT_EQ(value_of(s, "casework_store_memory_bytes", {{"part", "block_cache"}}), 3000);
  EXPECT_EQ(value_of(s, "casework_store_memory_bytes", {{"part", "memtables"}}), 2000);
  EXPECT_EQ(value_of(s, "casework_store_memory_bytes", {{"part", "table_readers"}}), 1000);
  EXPECT_EQ(value_of(s, "casework_store_block_cache_capacity_bytes", {}), 4096);
}

TEST(MetricsCollector, BuildInfoNamesTheVersion) {
  auto s = parse_exposition(scrape(full_sources()));
  EXPECT_EQ(value_of(s, "casework_build_info", {{"version", casework_version()}}), 1);
  EXPECT_FALSE(std::string(casework_version()).empty());
  auto custom = parse_exposition(text_exposition(metrics_collector({}, "9.9.9-test")));
  EXPECT_EQ(value_of(custom, "casework_build_info", {{"version", "9.9.9-test"}}), 1);
}

TEST(MetricsCollector, EveryLabelNameIsOneOfTheBoundedNames) {
  for (const auto& smp : parse_exposition(scrape(full_sources())))
    for (const auto& [name, value] : smp.labels)
      EXPECT_TRUE(testing::bounded_label_names().count(name)) << smp.name << " has label " << name;
}

TEST(MetricsCollector, AProviderThatThrowsLeavesItsMetricsOutAndIsCounted) {
  metrics_sources src = full_sources();
  src.figures = []() -> std::vector<std::shared_ptr<const agency_figures>> {
    throw std::runtime_error("board gone");
  };
  metrics_collector c(src);
  (void)c.Collect();
  auto text = text_exposition(c);
  auto s = parse_exposition(text);
  EXPECT_EQ(value_of(s, "casework_metrics_provider_errors_total", {{"provider", "figures"}}), 2);
  EXPECT_EQ(value_of(s, "casework_metrics_provider_errors_total", {{"provider", "health"}}), 0);
  for (const auto& smp : s) EXPECT_EQ(smp.labels.count("agency"), 0u) << smp.name;
  EXPECT_EQ(value_of(s, "casework_commands_total", {}), 11) << "the health provider still answers";
  EXPECT_EQ(testing::declared_types(text), testing::expected_families()) << "families stay declared";
}

TEST(MetricsCollector, WithoutSourcesOnlyBuildInfoAndProviderErrorsHaveSamples) {
  std::set<std::string> names;
  for (const auto& smp : parse_exposition(text_exposition(metrics_collector({})))) names.insert(smp.name);
  EXPECT_EQ(names, (std::set<std::string>{"casework_build_info", "casework_metrics_provider_errors_total"}));
}

TEST(MetricsExporter, TextWithoutHttpIncludesTheEmbeddersRegistry) {
  metrics_options o;
  o.sources = full_sources();
  auto ex = metrics_exporter::open(o);
  ASSERT_TRUE(ex) << ex.error().to_string();
  EXPECT_EQ((*ex)->port(), 0);
  auto& requests = prometheus::BuildCounter()
                       .Name("casework_http_requests_total")
                       .Help("HTTP requests by route template, method and code.")
                       .Register(*(*ex)->registry());
  requests.Add({{"route", "/cases/{id}"}, {"method", "GET"}, {"code", "200"}}).Increment(3);
  auto s = parse_exposition((*ex)->text());
  EXPECT_EQ(value_of(s, "casework_http_requests_total",
                     {{"route", "/cases/{id}"}, {"method", "GET"}, {"code", "200"}}),
            3);
  EXPECT_EQ(value_of(s, "casework_overdue_cases", {{"agency", "pwd"}, {"stage", "1"}}), 2);
}

TEST(MetricsExporter, RefusesAMalformedAddressOrPathAndReportsABusyPort) {
  for (const char* bad : {"localhost:9464", "127.0.0.1", "127.0.0.1:99999", ":9464", "127.0.0.1:9464 "}) {
    metrics_options o;
    o.address = bad;
    auto ex = metrics_exporter::open(o);
    ASSERT_FALSE(ex) << bad;
    EXPECT_EQ(ex.error().code(), errc::invalid_argument) << bad;
    EXPECT_EQ(ex.error().field(), "metrics.address");
  }
  metrics_options p;
  p.path = "metrics";
  auto no_path = metrics_exporter::open(p);
  ASSERT_FALSE(no_path);
  EXPECT_EQ(no_path.error().field(), "metrics.path");

  metrics_options first;
  first.address = "127.0.0.1:0";
  auto a = metrics_exporter::open(first);
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_GT((*a)->port(), 0);
  metrics_options second;
  second.address = "127.0.0.1:" + std::to_string((*a)->port());
  auto b = metrics_exporter::open(second);
  ASSERT_FALSE(b) << "two exporters on one port";
  EXPECT_EQ(b.error().code(), errc::unavailable) << b.error().to_string();
}

}  // namespace
}  // namespace casework
