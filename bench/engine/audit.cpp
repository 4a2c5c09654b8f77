// Audit: rocksdb_store::verify (what `casework verify` runs) over a large store, against a raw scan that reads
// every record and hashes it the way verification must.
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
  double verify_s = 0;
  verify_report vr;
  {
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    stopwatch watch;
    auto v = (*store)->verify();
    verify_s = watch.seconds();
    if (!v) throw std::runtime_error("verify: " + v.error().to_string());
    vr = *v;
  }
  auto hashed = scan_events(path, true);
  auto plain = scan_events(path, false);
  auto& r = rep.add("audit.verify", "events/s", static_cast<double>(vr.events) / verify_s,
                    "raw RocksDB scan + SHA-256 of each record", static_cast<double>(hashed.records) / hashed.seconds);
  r.target = "> 1,000,000 events/s";
  r.met = static_cast<double>(vr.events) / verify_s > 1e6;
  r.detail["events"] = vr.events;
  r.detail["cases"] = vr.cases;
  r.detail["breaks"] = vr.breaks.size();
  r.detail["seconds"] = verify_s;
  r.detail["raw_scan_records_per_s"] = static_cast<double>(plain.records) / plain.seconds;
  r.detail["bytes"] = plain.bytes;
  rep.print_one(std::cout, r);
  std::cout << "  " << vr.events << " events of " << vr.cases << " cases verified in " << verify_s << " s ("
            << vr.breaks.size() << " breaks); raw scan without hashing: "
            << static_cast<double>(plain.records) / plain.seconds << " records/s\n";
}

}  // namespace casework::bench
