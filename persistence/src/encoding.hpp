// Private: key encodings and the stored event record (docs/storage-format.md).
//
// events column family
//   key:   case id (ASCII) | 0x00 | seq (uint64, big-endian)       -> a case's events are contiguous, in order
//   value: version (1 byte, = 1) | previous hash (32) | hash (32) | payload
//          payload = the event's canonical JSON (casework::to_json(event), serialized once at write time)
//          hash    = SHA-256(previous hash | payload); previous hash of seq 1 is 32 zero bytes
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace casework::detail {

using digest = std::array<unsigned char, 32>;

inline constexpr unsigned char record_version = 1;
inline constexpr std::size_t record_header = 1 + 32 + 32;

std::string event_key(std::string_view case_id, std::uint64_t seq);
std::string case_prefix(std::string_view case_id);       // case id | 0x00
std::string case_end(std::string_view case_id);          // case id | 0x01 (first key after the case)
// Splits an events key; nullopt when malformed.
std::optional<std::pair<std::string, std::uint64_t>> split_event_key(std::string_view key);

digest chain_hash(const digest& previous, std::string_view payload);   // SHA-256(previous | payload)
std::string encode_record(const digest& previous, const digest& hash, std::string_view payload);

struct record_view {
  digest previous{};
  digest hash{};
  std::string_view payload;
};
// nullopt when the record is too short or of an unknown version.
std::optional<record_view> decode_record(std::string_view value);

std::string hex(const digest& d);

}  // namespace casework::detail
