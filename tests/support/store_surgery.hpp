// Test support: damages a stored event or snapshot on purpose, with RocksDB directly (the store must be
// closed), so that tests can show that verification finds it. Link the test with RocksDB.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

namespace casework::testing {

// The store at `path` opened raw, with every column family it has (RocksDB's default options for each), or
// not open (`db` null). Closes it when it goes.
struct raw_store {
  raw_store(const std::string& path, const rocksdb::DBOptions& options = rocksdb::DBOptions()) {
    if (!rocksdb::DB::ListColumnFamilies(rocksdb::Options(), path, &names).ok()) return;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    if (!rocksdb::DB::Open(options, path, cfs, &handles, &db).ok()) db = nullptr;
  }
  ~raw_store() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  raw_store(const raw_store&) = delete;
  raw_store& operator=(const raw_store&) = delete;

  std::vector<std::string> names;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;   // in the order of `names`
  rocksdb::DB* db = nullptr;
};

// Opens the store at `path` with every column family it has and calls `change` with the handle of `cf`.
// Returns false when the store or the column family cannot be opened, or when `change` returns false.
inline bool with_column_family(
    const std::string& path, const std::string& cf,
    const std::function<bool(rocksdb::DB&, rocksdb::ColumnFamilyHandle*)>& change) {
  raw_store store(path);
  if (!store.db) return false;
  for (std::size_t i = 0; i < store.names.size(); ++i)
    if (store.names[i] == cf) return change(*store.db, store.handles[i]);
  return false;
}

// Flips one bit of the stored value under `key`, `from_end` bytes before its end.
inline bool flip_value_byte(const std::string& path, const std::string& cf, const std::string& key,
                            std::size_t from_end = 3) {
  return with_column_family(path, cf, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    std::string value;
    if (!db.Get(rocksdb::ReadOptions(), h, key, &value).ok() || value.size() <= from_end) return false;
    value[value.size() - from_end] ^= 0x01;
    return db.Put(rocksdb::WriteOptions(), h, key, value).ok();
  });
}

// The events key `case id · 0x00 · seq` (docs/storage-format.md): the key of the record whose first event is
// `seq`.
inline std::string event_record_key(const std::string& case_id, std::uint64_t seq) {
  std::string key = case_id;
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((seq >> shift) & 0xFF));
  return key;
}

// A LEB128 varint at `p` in `bytes`, moving `p` past it (stops at the end of the bytes).
inline std::uint64_t read_varint(const std::string& bytes, std::size_t& p) {
  std::uint64_t out = 0;
  for (int shift = 0; p < bytes.size() && shift <= 63; shift += 7) {
    auto b = static_cast<unsigned char>(bytes[p++]);
    out |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) break;
  }
  return out;
}

// Where event `seq` lies in a stored record whose key names `first` (docs/storage-format.md, "Event record",
// read here on its own rather than with the store's code): its payload's offset and size. False when the
// record does not hold it.
inline bool locate_payload(const std::string& record, std::uint64_t first, std::uint64_t seq,
                           std::size_t& offset, std::size_t& size) {
  if (record.empty()) return false;
  if (record[0] == 1) {  // version 1: one event
    offset = 65;
    size = record.size() - 65;
    return seq == first && record.size() >= 65;
  }
  if (record[0] != 2) return false;
  std::size_t p = 1;  // version 2: count of events, previous hash, then per event its hash, length, payload
  read_varint(record, p);
  p += 32;
  for (std::uint64_t at = first; p < record.size(); ++at) {
    p += 32;
    const std::uint64_t length = read_varint(record, p);
    if (at == seq) {
      offset = p;
      size = static_cast<std::size_t>(length);
      return p + length <= record.size();
    }
    p += length;
  }
  return false;
}

// Flips one bit inside the JSON payload of event `seq` of `case_id` (three bytes before its end), in the
// record that holds it. Returns false when the event is absent.
inline bool flip_stored_byte(const std::string& path, const std::string& case_id, std::uint64_t seq) {
  return with_column_family(path, "events", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), h));
    it->SeekForPrev(event_record_key(case_id, seq));
    if (!it->Valid() || !it->key().starts_with(case_id + std::string(1, '\0'))) return false;
    const std::string key = it->key().ToString();
    std::string value = it->value().ToString();
    std::uint64_t first = 0;
    for (std::size_t i = key.size() - 8; i < key.size(); ++i)
      first = first << 8 | static_cast<unsigned char>(key[i]);
    std::size_t offset = 0, size = 0;
    if (!locate_payload(value, first, seq, offset, size) || size < 3) return false;
    value[offset + size - 3] ^= 0x01;
    it.reset();
    return db.Put(rocksdb::WriteOptions(), h, key, value).ok();
  });
}

// Flips one bit inside the payload of the stored snapshot of `case_id`. False when it has none.
inline bool flip_snapshot_byte(const std::string& path, const std::string& case_id) {
  return flip_value_byte(path, "snapshots", case_id);
}

// Where a snapshot record's payload starts, by its version (docs/storage-format.md, "Snapshot record"): after
// 73 bytes in version 1; in version 2 after 81 bytes and the directory value (a varint length and its bytes).
inline std::size_t snapshot_payload_offset(const std::string& value) {
  if (!value.empty() && value[0] == 1) return 73;
  std::size_t p = 81;
  const std::uint64_t length = read_varint(value, p);
  return p + static_cast<std::size_t>(length);
}

// A snapshot record of version 2 as format 2 wrote it (version 1: without the record's seq and the directory
// value, which format 2 kept under the case's `c` key).
inline std::string as_version1_snapshot(const std::string& value) {
  return std::string(1, '\x01') + value.substr(1, 8) + value.substr(17, 64) +
         value.substr(snapshot_payload_offset(value));
}

// The payload of the stored snapshot of `case_id`; empty when it has none.
inline std::string stored_snapshot_payload(const std::string& path, const std::string& case_id) {
  std::string value;
  with_column_family(path, "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    return db.Get(rocksdb::ReadOptions(), h, case_id, &value).ok();
  });
  return value.size() > snapshot_payload_offset(value) ? value.substr(snapshot_payload_offset(value))
                                                       : std::string();
}

// A key a write put or deleted: its column family's name, "put" or "delete", and the key.
struct written_key {
  std::string cf;
  std::string op;
  std::string key;
};

// Every WriteBatch still in the store's WAL (the store must be closed; it flushes no memtable when it closes,
// and this opens it without flushing what it recovers), in order, each as the keys it wrote. Empty when the
// store cannot be opened or its WAL cannot be read.
inline std::vector<std::vector<written_key>> wal_batches(const std::string& path) {
  std::vector<std::vector<written_key>> out;
  rocksdb::DBOptions options;
  options.avoid_flush_during_recovery = true;   // the recovered WAL stays the live one
  raw_store store(path, options);
  if (!store.db) return out;
  std::map<std::uint32_t, std::string> by_id;
  for (auto* h : store.handles) by_id[h->GetID()] = h->GetName();
  struct collect : rocksdb::WriteBatch::Handler {
    const std::map<std::uint32_t, std::string>* names = nullptr;
    std::vector<written_key> keys;
    rocksdb::Status PutCF(std::uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
      keys.push_back({names->at(cf), "put", key.ToString()});
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(std::uint32_t cf, const rocksdb::Slice& key) override {
      keys.push_back({names->at(cf), "delete", key.ToString()});
      return rocksdb::Status::OK();
    }
  };
  std::unique_ptr<rocksdb::TransactionLogIterator> it;
  if (!store.db->GetUpdatesSince(0, &it).ok()) return out;
  for (; it->Valid(); it->Next()) {
    auto b = it->GetBatch();
    collect c;
    c.names = &by_id;
    if (b.writeBatchPtr->Iterate(&c).ok()) out.push_back(std::move(c.keys));
  }
  return out;
}

}  // namespace casework::testing
