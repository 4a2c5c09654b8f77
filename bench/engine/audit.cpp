// Audit: rocksdb_store::verify (what `casework verify` runs) over a large store, against a raw scan that reads
// every record and hashes it the way verification must.
#include <algorithm>
#include <iostream>

#include "casework/rocksdb_store.hpp"
#include "latency.hpp"
#include "process.hpp"
#include "raw_rocksdb.hpp"
#include "scenarios.hpp"
#include "stored_fixture.hpp"

namespace casework::bench {

void run_audit(const run_options& o, bench_report& rep) {
  auto& fixture = stored_fixture::get(o);
  scratch_dir dir(o.scratch);
  auto path = fixture.clone_into(dir.path());
  note(o, "audit: verify over " + std::to_string(fixture.filled().events) + " events");
  store_options so;
  so.path = path;
  so.read_only = false;   // our scratch copy; RocksDB 7.8 read-only opens assert on a non-empty WAL (raw_rocksdb.cpp)
  // Both depths over the same store, chain first, each on a fresh open (RocksDB's block cache empty; the
  // operating system's page cache as the fill and the previous pass left it, as for the raw scans after them).
  // The process's CPU time is kept beside the wall time: this machine's neighbours steal time, not CPU time.
  auto run_verify = [&](verify_depth depth, double& seconds, double& cpu, verify_report& out) {
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    verify_options vo;
    vo.depth = depth;
    const double cpu0 = process_cpu_seconds();
    stopwatch watch;
    auto v = (*store)->verify(vo);
    seconds = watch.seconds();
    cpu = process_cpu_seconds() - cpu0;
    if (!v) throw std::runtime_error("verify: " + v.error().to_string());
    out = *v;
  };
  double chain_s = 0, verify_s = 0, chain_cpu = 0, verify_cpu = 0;
  verify_report chain_r, vr;
  run_verify(verify_depth::chain, chain_s, chain_cpu, chain_r);
  run_verify(verify_depth::full, verify_s, verify_cpu, vr);
  auto hashed = scan_events(path, true);
  auto plain = scan_events(path, false);
  const double baseline = static_cast<double>(hashed.records) / hashed.seconds;
  auto add = [&](const char* name, const char* depth, const verify_report& v, double seconds, double cpu) {
    auto& r = rep.add(name, "events/s", static_cast<double>(v.events) / seconds,
                      "raw RocksDB scan + SHA-256 of each record", baseline);
    r.target = "> 1,000,000 events/s";
    r.met = static_cast<double>(v.events) / seconds > 1e6;
    r.detail["depth"] = depth;
    r.detail["events"] = v.events;
    r.detail["cases"] = v.cases;
    r.detail["snapshots"] = v.snapshots;
    r.detail["breaks"] = v.breaks.size();
    r.detail["seconds"] = seconds;
    r.detail["cpu_us_per_event"] = cpu * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, v.events));
    r.detail["raw_scan_records_per_s"] = static_cast<double>(plain.records) / plain.seconds;
    r.detail["bytes"] = plain.bytes;
    rep.print_one(std::cout, r);
    std::cout << "  " << v.events << " events of " << v.cases << " cases and " << v.snapshots
              << " snapshots verified in " << seconds << " s (" << v.breaks.size() << " breaks); "
              << cpu * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, v.events))
              << " us of CPU per event (the whole process)\n";
  };
  add("audit.verify", "full", vr, verify_s, verify_cpu);
  add("audit.verify-chain", "chain", chain_r, chain_s, chain_cpu);
  std::cout << "  raw scan without hashing: " << static_cast<double>(plain.records) / plain.seconds
            << " records/s\n";
}

}  // namespace casework::bench
