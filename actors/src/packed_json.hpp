// Private: a JSON object packed into one compact allocation, for what an idle case actor keeps of its fields.
//
// Not JSON text: Boost.JSON 1.81 parses numbers with a fast algorithm that is not correctly rounded
// (121.54619719720041 comes back as 121.5461971972004), so a text round trip per request would drift a
// coordinate a little with each one. This keeps every value bit for bit (doubles, int64 and uint64 as they
// were), the keys in their order, and needs no parser: a tag byte per value, lengths as varints.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/case.hpp"

namespace casework::detail {

class packed_json {
 public:
  packed_json() = default;
  // Packs `o`, then `tail`: bytes the caller encodes itself (an idle case's deadlines). An empty object without
  // a tail packs to nothing (empty()).
  static packed_json pack(const boost::json::object& o, std::string_view tail = {});
  // The object as it was packed (an empty one when empty()); `tail`, when given, is set to the packed tail
  // (valid as long as this packed_json).
  boost::json::object unpack(std::string_view* tail = nullptr) const;
  bool empty() const noexcept { return !bytes_; }
  std::size_t size() const noexcept;   // bytes held

 private:
  std::unique_ptr<unsigned char[]> bytes_;   // a 4-byte length, then the object
};

// An idle case's deadlines as bytes, the tail of its packed fields (no JSON value per deadline): per deadline
// its name, at (the instant's count), calendar_version, basis and rule; strings as a 4-byte length and their
// bytes. unpack_deadlines adds what pack_deadlines wrote to `out`.
std::string pack_deadlines(const flat_map<std::string, deadline>& all);
void unpack_deadlines(std::string_view in, flat_map<std::string, deadline>& out);

}  // namespace casework::detail
