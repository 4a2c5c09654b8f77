// Includes RocksDB directly: the raw baselines are what the benchmarks compare casework with (raw_rocksdb.hpp).
#include "raw_rocksdb.hpp"

#include <openssl/evp.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "encoding.hpp"   // persistence/src: the store's record format (record_events)
#include "latency.hpp"
#include "process.hpp"

namespace casework::bench {

namespace {

void check(const rocksdb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

struct opened {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  ~opened() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
};

// Opens the store's files as a primary (they are the benchmark's own scratch copy): RocksDB 7.8's read-only open
// asserts (db_impl_open.cc:624, recovery_ctx) on a store whose WAL still holds writes.
std::unique_ptr<opened> open_store(const std::string& path) {
  std::vector<std::string> names;
  check(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names), "list column families of " + path);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  auto o = std::make_unique<opened>();
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &o->handles, &db), "open " + path);
  o->db.reset(db);
  for (auto* h : o->handles)
    if (h->GetName() == "events") o->events = h;
  if (!o->events) throw std::runtime_error(path + " has no events column family");
  return o;
}

}  // namespace

// One record per event, as a store of format 2 held them (key: case id, 0x00, seq; value: version 1, previous
// hash, hash, payload): a store of format 3 holds a batch's events under one key, and the baselines stay what
// they were, the events written one key each.
raw_records read_event_records(const std::string& path) {
  auto o = open_store(path);
  raw_records out;
  std::unique_ptr<rocksdb::Iterator> it(o->db->NewIterator(rocksdb::ReadOptions(), o->events));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto key = it->key().ToStringView();
    if (key.size() < 9) throw std::runtime_error("malformed event key in " + path);
    const std::string prefix(key.substr(0, key.size() - 8));
    detail::record_events events(detail::read_be64(key.substr(key.size() - 8)), it->value().ToStringView());
    std::uint64_t seq = 0;
    detail::record_view e;
    while (events.next(seq, e)) {
      std::string k = prefix, v(1, '\x01');
      detail::append_be64(k, seq);
      v.append(reinterpret_cast<const char*>(e.previous.data()), e.previous.size());
      v.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
      v.append(e.payload);
      out.key_bytes += k.size();
      out.value_bytes += v.size();
      out.kv.emplace_back(std::move(k), std::move(v));
    }
    if (events.malformed()) throw std::runtime_error("undecodable event record in " + path);
  }
  check(it->status(), "scan " + path);
  return out;
}

double write_synced_batches(const std::string& path, const raw_records& records, std::size_t per_write) {
  rocksdb::Options opt;
  opt.create_if_missing = true;
  opt.max_background_jobs = 2;   // as the store (docs/storage-format.md)
  rocksdb::DB* raw = nullptr;
  check(rocksdb::DB::Open(opt, path, &raw), "open " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions w;
  w.sync = true;
  if (per_write == 0) per_write = 1;
  stopwatch watch;
  for (std::size_t i = 0; i < records.kv.size(); i += per_write) {
    rocksdb::WriteBatch batch;
    for (std::size_t k = i; k < std::min(records.kv.size(), i + per_write); ++k)
      batch.Put(records.kv[k].first, records.kv[k].second);
    check(db->Write(w, &batch), "write " + path);
  }
  return watch.seconds();
}

raw_passes best_synced_batches(const std::string& path, const raw_records& records, std::size_t per_write,
                               int passes) {
  raw_passes out;
  for (int i = 1; i <= passes; ++i) {
    out.seconds.push_back(write_synced_batches(path + "-" + std::to_string(i), records, per_write));
    out.best = i == 1 ? out.seconds.back() : std::min(out.best, out.seconds.back());
  }
  return out;
}

scan_result scan_events(const std::string& path, bool hash) {
  auto o = open_store(path);
  scan_result out;
  stopwatch watch;
  rocksdb::ReadOptions ro;   // read as verify reads (persistence/src/store_verify.cpp): no cache fill, 2 MiB read-ahead
  ro.fill_cache = false;
  ro.readahead_size = std::size_t{2} << 20;
  std::unique_ptr<rocksdb::Iterator> it(o->db->NewIterator(ro, o->events));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  unsigned char sink = 0;
  // The store's own way of hashing (persistence/src/encoding.cpp): SHA-256 fetched once, one context reused.
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto v = it->value();
    out.bytes += it->key().size() + v.size();
    detail::record_events events(1, v.ToStringView());
    std::uint64_t seq = 0;
    detail::record_view e;
    while (events.next(seq, e)) {   // each event: SHA-256(previous hash || payload)
      ++out.records;
      if (!hash) continue;
      EVP_DigestInit_ex(ctx, sha256, nullptr);
      EVP_DigestUpdate(ctx, e.previous.data(), e.previous.size());
      EVP_DigestUpdate(ctx, e.payload.data(), e.payload.size());
      EVP_DigestFinal_ex(ctx, digest, &len);
      sink ^= digest[0];
    }
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(sha256);
  check(it->status(), "scan " + path);
  out.seconds = watch.seconds();
  if (sink == 0xff) std::cerr << "";   // keep the hashing from being optimised away
  return out;
}

double open_seconds(const std::string& path) {
  stopwatch watch;
  { auto o = open_store(path); }
  return watch.seconds();
}

std::uint64_t open_resident_bytes(const std::string& path) {
  auto before = resident_bytes_trimmed();
  auto o = open_store(path);
  auto after = resident_bytes_trimmed();
  return after > before ? after - before : 0;
}

}  // namespace casework::bench
