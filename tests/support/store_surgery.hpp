// Test support: damages a stored event on purpose, with RocksDB directly (the store must be closed), so that
// tests can show that verification finds it. Link the test with RocksDB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <rocksdb/db.h>

namespace casework::testing {

// Flips one bit inside the JSON payload of event `seq` of `case_id`. Returns false when the event is absent.
inline bool flip_stored_byte(const std::string& path, const std::string& case_id, std::uint64_t seq) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{{rocksdb::kDefaultColumnFamilyName, {}}, {"events", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(rocksdb::Options(), path, cfs, &handles, &db).ok()) return false;
  std::string key = case_id;
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((seq >> shift) & 0xFF));
  std::string value;
  bool ok = db->Get(rocksdb::ReadOptions(), handles[1], key, &value).ok() && value.size() > 3;
  if (ok) {
    value[value.size() - 3] ^= 0x01;   // inside the event's JSON payload
    ok = db->Put(rocksdb::WriteOptions(), handles[1], key, value).ok();
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return ok;
}

}  // namespace casework::testing
