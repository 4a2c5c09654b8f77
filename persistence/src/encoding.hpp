// Private: key encodings and stored records of every column family (docs/storage-format.md).
//
// events column family
//   key:   case id (ASCII) | 0x00 | seq (uint64, big-endian): a case's events are contiguous, in order
//   value: version (1 byte, = 1) | previous hash (32) | hash (32) | payload
//          payload = the event's canonical JSON (casework::to_json(event), serialized once at write time)
//          hash    = SHA-256(previous hash | payload); previous hash of seq 1 is 32 zero bytes
// snapshots column family
//   key:   case id
//   value: version (1 byte, = 1) | seq (uint64 BE) | event hash (32) | payload hash (32) | payload
//          seq = the last event the snapshot folds, event hash = that event's chain hash,
//          payload hash = SHA-256(payload), payload = case_derived::snapshot (snapshot_bytes; JSON text before)
// timers column family
//   key:   due (ms since the epoch, int64 with its sign bit flipped, BE) | case id | 0x00 | timer name
//   value: the timer's rule id
// outbox column family
//   key:   position (uint64 BE, from 0)       value: to_json(notification_record)
// index column family, one leading byte per family
//   'c' | case id                            -> directory value: encode_directory(entry, timers)
//   'a' | agency | 0x00 | case id            -> empty (the cases of an agency)
//   'p' | case id                            -> encode_entry(entry): open cases at places (R6.12)
//   'f' | closed at (int64 BE) | case id     -> encode_entry(entry): closed cases with a finding (R6.13)
//   'k' | notification key                   -> position (uint64 BE) of its outbox record
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "casework/event_log.hpp"

namespace casework::detail {

using digest = std::array<unsigned char, 32>;

// ---- Numbers in keys ----

void append_be64(std::string& out, std::uint64_t v);
std::uint64_t read_be64(std::string_view eight);  // REQUIRES: eight.size() >= 8
std::string be64(std::uint64_t v);
// An instant as 8 bytes that sort like the instant (negative instants before positive ones).
void append_instant(std::string& out, instant t);
instant read_instant_key(std::string_view eight);  // REQUIRES: eight.size() >= 8
// The first key after every key that starts with `prefix` ("" when there is none).
std::string prefix_end(std::string_view prefix);

// ---- events ----

// A record holds the events of one batch of a case under the key of the first of them
// (docs/storage-format.md, "Event record"). Version 2 is written; version 1 (one event: format 2) is read.
inline constexpr unsigned char record_version_one = 1;
inline constexpr unsigned char record_version = 2;
inline constexpr std::size_t record_header_one = 1 + 32 + 32;

std::string event_key(std::string_view case_id, std::uint64_t seq);
std::string case_prefix(std::string_view case_id);  // case id | 0x00
std::string case_end(std::string_view case_id);     // case id | 0x01 (first key after the case)
// Splits an events key; nullopt when malformed.
std::optional<std::pair<std::string, std::uint64_t>> split_event_key(std::string_view key);

digest chain_hash(const digest& previous, std::string_view payload);  // SHA-256(previous | payload)
digest sha256(std::string_view payload);

// Writes a record of version 2: its count of events, the hash before its first event, then each event's hash
// and payload. REQUIRES: add() is called `count` times.
class record_writer {
 public:
  record_writer(const digest& previous, std::size_t count);
  void add(const digest& hash, std::string_view payload);
  const std::string& bytes() const { return v_; }

 private:
  std::string v_;
};

// One event of a record: its place in the chain and its payload (a view into the record's bytes).
struct record_view {
  digest previous{};
  digest hash{};
  std::string_view payload;
};

// The events of one stored record, in order; `first` is the seq its key names. A record of an unknown
// version, one shorter or longer than its count of events says, and one of version 2 without events are
// malformed: next() returns false and malformed() true (bytes after the last event are found when next() is
// asked for one more).
class record_events {
 public:
  record_events(std::uint64_t first, std::string_view value);
  bool next(std::uint64_t& seq, record_view& out);
  bool malformed() const { return malformed_; }

 private:
  std::string_view v_;
  std::size_t pos_ = 0;
  std::uint64_t seq_;
  digest previous_{};
  std::uint64_t left_ = 0;   // events not yet read
  bool one_ = false;
  bool malformed_ = false;
  bool any_ = false;
};

// The last event of a record (seq and record view); nullopt when it is malformed.
std::optional<std::pair<std::uint64_t, record_view>> last_in_record(std::uint64_t first,
                                                                    std::string_view value);
// Event `seq` of a record whose key names `first`; nullopt when the record is malformed or does not hold it.
// `last` is set to whether it is the record's last event.
std::optional<record_view> event_in_record(std::uint64_t first, std::string_view value, std::uint64_t seq,
                                           bool& last);

std::string hex(const digest& d);

// ---- snapshots ----

// Version 2 is written; version 1 (format 2 stores: without `record` and `directory`) is read.
inline constexpr unsigned char snapshot_version_one = 1;
inline constexpr unsigned char snapshot_version = 2;
inline constexpr std::size_t snapshot_header_one = 1 + 8 + 32 + 32;
inline constexpr std::size_t snapshot_header = 1 + 8 + 8 + 32 + 32;   // then the directory, then the payload

// `record`: the seq the key of the event record holding event `seq` names (the first event of its batch);
// `directory`: the case's directory value (encode_directory), which format 2 kept under its own key.
std::string encode_snapshot(std::uint64_t seq, std::uint64_t record, const digest& event_hash,
                            std::string_view directory, std::string_view payload);

struct snapshot_view {
  std::uint64_t seq = 0;
  std::uint64_t record = 0;   // version 1: seq (every event had its own record)
  digest event_hash{};
  digest payload_hash{};
  std::optional<std::string_view> directory;   // version 1: none (the case's `c` key holds it)
  std::string_view payload;
};
std::optional<snapshot_view> decode_snapshot(std::string_view value);

// ---- timers ----

std::string timer_key(instant due, std::string_view case_id, std::string_view name);
// Splits a timers key into (case id, timer without rule); nullopt when malformed.
std::optional<stored_timer> split_timer_key(std::string_view key);

// ---- index ----

namespace index_family {
inline constexpr char directory = 'c';
inline constexpr char agency = 'a';
inline constexpr char place = 'p';
inline constexpr char finding = 'f';
inline constexpr char notification = 'k';
}  // namespace index_family

std::string directory_key(std::string_view case_id);
std::string agency_prefix(std::string_view agency);  // 'a' | agency | 0x00
std::string agency_key(std::string_view agency, std::string_view case_id);
std::string place_key(std::string_view case_id);
std::string finding_key(instant closed_at, std::string_view case_id);
std::string notification_key(std::string_view key);

// A case's directory value: its entry and the timers it has in the timers column family (so that the next
// batch knows which timer keys to delete). Held by its snapshot record; format 2 held it under a `c` key.
struct directory_value {
  case_entry entry;
  std::vector<pending_timer> timers;
  bool under_key = false;   // read from the case's `c` key (format 2), which its next batch deletes
};
// Both in encoding 2 (encoding.cpp); the decoders read encoding 1 (JSON text) too, as stores written before
// 2026-12-07 hold it.
std::string encode_directory(const case_entry& entry, const std::vector<pending_timer>& timers);
std::string encode_entry(const case_entry& entry);   // the value of a place or finding key
// Errors name the field of the stored value.
expected<directory_value> decode_directory(std::string_view value);
expected<case_entry> decode_entry(std::string_view value);

}  // namespace casework::detail
