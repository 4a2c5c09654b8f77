// casework-micro: Google Benchmark micro-benchmarks of the pure engine (no actors, no store), the parts every
// command pays for: decide_create, decide, fold, pending_timers, the JSON form of an event, and a snapshot in each
// encoding, written and read.
//
//   build/bin/casework-micro --benchmark_out=micro.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "casework/case_bytes.hpp"
#include "casework/interpreter.hpp"
#include "workload.hpp"

namespace casework::bench {
namespace {

struct fixture {
  std::shared_ptr<const bundle> rules = taipei_rules();
  lifecycle work{rules};
  const definition& def = *rules->definitions.latest("dispatch");
  context ctx{rules->calendar, rules->items, rules->people};
  instant t0 = rules->calendar.at(*parse_day("2026-03-02"), *parse_time_of_day("09:00"));

  std::vector<event> create(std::size_t i) const {
    return *decide_create(def, ctx, create_request{"2026030200001", "", work.item(), work.create(i)}, t0);
  }
};

const fixture& fx() {
  static fixture f;
  return f;
}

void DecideCreate(benchmark::State& state) {
  const auto& f = fx();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.create(i++));
}
BENCHMARK(DecideCreate);

void DecideSign(benchmark::State& state) {
  const auto& f = fx();
  auto s = *fold(f.create(1));
  auto sign = f.work.after_create(1).front();
  for (auto _ : state) benchmark::DoNotOptimize(decide(f.def, f.ctx, s, sign, f.t0 + std::chrono::minutes(5)));
}
BENCHMARK(DecideSign);

// Folding a whole closed case: what activating a passivated case or recovering one costs.
void FoldClosedCase(benchmark::State& state) {
  const auto& f = fx();
  auto history = f.create(1);
  auto s = *fold(history);
  instant t = f.t0;
  for (const auto& cmd : f.work.after_create(1)) {
    t += std::chrono::minutes(5);
    auto events = *decide(f.def, f.ctx, s, cmd, t);
    for (auto& e : events) (void)apply(s, e);
    history.insert(history.end(), events.begin(), events.end());
  }
  state.counters["events"] = static_cast<double>(history.size());
  for (auto _ : state) benchmark::DoNotOptimize(fold(history));
}
BENCHMARK(FoldClosedCase);

void PendingTimers(benchmark::State& state) {
  const auto& f = fx();
  auto s = *fold(f.create(1));
  for (auto _ : state) benchmark::DoNotOptimize(pending_timers(f.def, f.ctx, s));
}
BENCHMARK(PendingTimers);

void EventToJson(benchmark::State& state) {
  const auto& f = fx();
  auto events = f.create(1);
  for (auto _ : state)
    for (const auto& e : events) benchmark::DoNotOptimize(boost::json::serialize(to_json(e)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK(EventToJson);

// A created case's snapshot text, as every batch's derive writes it and verify compares it: written directly
// (snapshot_text), against building the JSON object and serializing it (what derive did before).
void SnapshotText(benchmark::State& state) {
  const auto s = *fold(fx().create(1));
  for (auto _ : state) benchmark::DoNotOptimize(snapshot_text(s));
}
BENCHMARK(SnapshotText);

void SnapshotSerialized(benchmark::State& state) {
  const auto s = *fold(fx().create(1));
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::serialize(to_snapshot(s)));
}
BENCHMARK(SnapshotSerialized);

// The same case's snapshot in encoding 2 (case_bytes.hpp), what derive writes since 2026-12-07, and reading
// each encoding back: a stored case's load (a timer firing on a passivated case, a restart) reads one.
void SnapshotBytes(benchmark::State& state) {
  const auto s = *fold(fx().create(1));
  for (auto _ : state) benchmark::DoNotOptimize(snapshot_bytes(s));
}
BENCHMARK(SnapshotBytes);

void SnapshotFromText(benchmark::State& state) {
  const auto text = snapshot_text(*fold(fx().create(1)));
  state.counters["bytes"] = static_cast<double>(text.size());
  for (auto _ : state) benchmark::DoNotOptimize(from_snapshot_bytes(text));
}
BENCHMARK(SnapshotFromText);

void SnapshotFromBytes(benchmark::State& state) {
  const auto bytes = snapshot_bytes(*fold(fx().create(1)));
  state.counters["bytes"] = static_cast<double>(bytes.size());
  for (auto _ : state) benchmark::DoNotOptimize(from_snapshot_bytes(bytes));
}
BENCHMARK(SnapshotFromBytes);

}  // namespace
}  // namespace casework::bench

BENCHMARK_MAIN();
