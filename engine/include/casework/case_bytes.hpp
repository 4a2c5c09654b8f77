// casework/case_bytes.hpp: a case's state as compact bytes instead of JSON text. Every value comes back bit for
// bit (doubles, int64 and uint64 as they were; Boost.JSON 1.81's parser would move about one double in eight),
// keys in their order, and reading needs no parser: a tag byte per JSON value, lengths and numbers as varints,
// instants as their distance from the case's creation (docs/storage-format.md, "Snapshot payload, encoding 2").
//
//   map
//   snapshot_bytes         a whole case: what derive() writes as a batch's snapshot, and what verify compares a
//                          stored snapshot with
//   from_snapshot_bytes    reads either encoding of a snapshot: these bytes (2) or snapshot_text's JSON (1)
//   case_bytes::           the parts, for what an idle case actor keeps packed (actors/): a case's head (all but
//                          its id and fields) and a JSON object; and the primitives (varints, texts, a reader)
//                          the store's directory values are written with. Readers throw case_bytes::malformed
//                          on bytes they did not write
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/case.hpp"
#include "casework/error.hpp"

namespace casework {

// The first byte of snapshot_bytes' output. A snapshot in JSON text (encoding 1) starts with '{'.
inline constexpr char snapshot_bytes_tag = 0x02;

// from_snapshot_bytes(snapshot_bytes(s)) == s, and the same state always gives the same bytes.
std::string snapshot_bytes(const case_state& s);
// A snapshot in either encoding, told apart by its first byte. Errors name the part that does not read
// ("invalid_argument: snapshot.fields: truncated"), or the JSON field as from_snapshot does.
expected<case_state> from_snapshot_bytes(std::string_view payload);
inline bool is_snapshot_bytes(std::string_view payload) {
  return !payload.empty() && payload.front() == snapshot_bytes_tag;
}

namespace case_bytes {

// Bytes the readers below did not write: truncated, an unknown tag, a value nested deeper than 64, trailing
// bytes. The message says which.
struct malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The primitives, for other records written in the same style (the store's directory values): the writers
// append; a reader reads from the front of its bytes and throws malformed rather than read past their end.
void append_varint(std::string& out, std::uint64_t n);   // LEB128
void append_text(std::string& out, std::string_view s);  // varint length, bytes
void append_int64(std::string& out, std::int64_t n);     // 8 bytes, little-endian
void append_double(std::string& out, double x);          // its 8 IEEE 754 bytes, little-endian
inline std::uint64_t zigzag(std::int64_t n) {
  return (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
}
inline std::int64_t unzigzag(std::uint64_t n) {
  return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1);
}

class reader {
 public:
  explicit reader(std::string_view in)
      : p_(reinterpret_cast<const unsigned char*>(in.data())), end_(p_ + in.size()) {}
  std::uint64_t varint();
  std::string_view text();
  std::int64_t int64();
  double float64();
  unsigned char byte();
  // A count of elements at least one byte long each: refused when it is more than the bytes left (it must not
  // size a reservation).
  std::uint64_t count();
  std::string_view rest() const {
    return {reinterpret_cast<const char*>(p_), static_cast<std::size_t>(end_ - p_)};
  }
  bool done() const { return p_ == end_; }

 private:
  void need(std::uint64_t n) const;
  const unsigned char* p_;
  const unsigned char* end_;
};

// A JSON object: its size, then each key and value in order.
void append_object(std::string& out, const boost::json::object& o);
// Reads what append_object wrote at the front of `in`, and moves `in` past it.
boost::json::object read_object(std::string_view& in);

// A case but its id and fields: its other members, compact (a report's are about 270 bytes).
void append_case_head(std::string& out, const case_state& s);
// Sets every member of `out` but id and fields from what append_case_head wrote at the front of `in`, and moves
// `in` past it. Without `deadlines`, out.deadlines is left empty (read past).
void read_case_head(std::string_view& in, case_state& out, bool deadlines = true);

}  // namespace case_bytes
}  // namespace casework
