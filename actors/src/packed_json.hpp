// Private: a JSON object packed into one compact allocation, for what an idle case actor keeps of its case:
// its fields, and the rest of its state as the packed object's head (pack_case_head).
//
// Not JSON text: Boost.JSON 1.81 parses numbers with a fast algorithm that is not correctly rounded
// (121.54619719720041 comes back as 121.5461971972004), so a text round trip per request would drift a
// coordinate a little with each one. The bytes are the engine's (casework/case_bytes.hpp, as in the store's
// snapshots): every value bit for bit (doubles, int64 and uint64 as they were), the keys in their order, and no
// parser: a tag byte per value, lengths as varints.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/case.hpp"
#include "casework/case_bytes.hpp"

namespace casework::detail {

class packed_json {
 public:
  packed_json() = default;
  // Packs `head`, bytes the caller encodes itself, then `o`. An empty object without a head packs to nothing
  // (empty()).
  static packed_json pack(const boost::json::object& o, std::string_view head = {});
  // Packs a whole case but its id: its fields, and the other members as the head (pack_case_head). One
  // allocation, the bytes' own (they are written in a buffer of the thread's first).
  static packed_json pack(const case_state& s);
  // The object as it was packed (an empty one when empty()).
  boost::json::object unpack() const;
  // The head as it was packed, without reading the object (valid as long as this packed_json).
  std::string_view head() const noexcept;
  bool empty() const noexcept { return !bytes_; }
  std::size_t size() const noexcept;   // bytes held

  using bytes = std::unique_ptr<unsigned char[]>;

 private:
  bytes bytes_;   // a 4-byte length, a 4-byte length of the head, the head, the object
};

// An idle case's state but its id and fields, as bytes: the head of its packed fields (no JSON value, no
// allocation per member). Texts as a varint length and their bytes, numbers as varints, instants as their distance
// from the creation, each map as its size and entries in order (case_bytes::append_case_head). unpack_case_head
// sets every member of `out` but `id` and `fields` from what pack_case_head wrote; a truncated or malformed head
// throws case_bytes::malformed (the bytes are the process's own: that is a bug, not bad input).
// Without `deadlines`, unpack_case_head leaves out.deadlines empty (reading past them): a batch's state before,
// as the supervisors read it (messages.hpp, recorded_batch).
std::string pack_case_head(const case_state& s);
void unpack_case_head(std::string_view in, case_state& out, bool deadlines = true);

}  // namespace casework::detail
