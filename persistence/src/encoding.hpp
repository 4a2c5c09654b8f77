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

inline constexpr unsigned char record_version = 1;
inline constexpr std::size_t record_header = 1 + 32 + 32;

std::string event_key(std::string_view case_id, std::uint64_t seq);
std::string case_prefix(std::string_view case_id);  // case id | 0x00
std::string case_end(std::string_view case_id);     // case id | 0x01 (first key after the case)
// Splits an events key; nullopt when malformed.
std::optional<std::pair<std::string, std::uint64_t>> split_event_key(std::string_view key);

digest chain_hash(const digest& previous, std::string_view payload);  // SHA-256(previous | payload)
digest sha256(std::string_view payload);
std::string encode_record(const digest& previous, const digest& hash, std::string_view payload);

struct record_view {
  digest previous{};
  digest hash{};
  std::string_view payload;
};
// nullopt when the record is too short or of an unknown version.
std::optional<record_view> decode_record(std::string_view value);

std::string hex(const digest& d);

// ---- snapshots ----

inline constexpr unsigned char snapshot_version = 1;
inline constexpr std::size_t snapshot_header = 1 + 8 + 32 + 32;

std::string encode_snapshot(std::uint64_t seq, const digest& event_hash, std::string_view payload);

struct snapshot_view {
  std::uint64_t seq = 0;
  digest event_hash{};
  digest payload_hash{};
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
// batch knows which timer keys to delete).
struct directory_value {
  case_entry entry;
  std::vector<pending_timer> timers;
};
// Both in encoding 2 (encoding.cpp); the decoders read encoding 1 (JSON text) too, as stores written before
// 2026-12-07 hold it.
std::string encode_directory(const case_entry& entry, const std::vector<pending_timer>& timers);
std::string encode_entry(const case_entry& entry);   // the value of a place or finding key
// Errors name the field of the stored value.
expected<directory_value> decode_directory(std::string_view value);
expected<case_entry> decode_entry(std::string_view value);

}  // namespace casework::detail
