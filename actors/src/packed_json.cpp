#include "packed_json.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "casework/case_bytes.hpp"

namespace casework::detail {

namespace json = boost::json;

namespace {

// Writes into a buffer of the thread's, reused (no allocation once it has grown), then copies out. A buffer grown
// past 64 KiB by an unusually large case is given back rather than kept by the thread.
template <class WriteHead>
packed_json::bytes packed(const json::object& o, WriteHead write_head) {
  thread_local std::string body;
  body.clear();
  std::uint32_t n = 0, h = 0;
  body.append(reinterpret_cast<const char*>(&n), sizeof n);   // both lengths, set below
  body.append(reinterpret_cast<const char*>(&h), sizeof h);
  write_head(body);
  h = static_cast<std::uint32_t>(body.size() - 2 * sizeof n);
  case_bytes::append_object(body, o);
  n = static_cast<std::uint32_t>(body.size() - sizeof n);
  std::memcpy(body.data(), &n, sizeof n);
  std::memcpy(body.data() + sizeof n, &h, sizeof h);
  packed_json::bytes out(new unsigned char[body.size()]);
  std::memcpy(out.get(), body.data(), body.size());
  if (body.capacity() > (std::size_t{1} << 16)) std::string().swap(body);
  return out;
}

}  // namespace

packed_json packed_json::pack(const json::object& o, std::string_view head) {
  packed_json out;
  if (o.empty() && head.empty()) return out;
  out.bytes_ = packed(o, [&](std::string& body) { body.append(head.data(), head.size()); });
  return out;
}

packed_json packed_json::pack(const case_state& s) {
  packed_json out;
  out.bytes_ = packed(s.fields, [&](std::string& body) { case_bytes::append_case_head(body, s); });
  return out;
}

std::size_t packed_json::size() const noexcept {
  if (!bytes_) return 0;
  std::uint32_t n;
  std::memcpy(&n, bytes_.get(), sizeof n);
  return sizeof n + n;
}

std::string_view packed_json::head() const noexcept {
  if (!bytes_) return {};
  std::uint32_t h;
  std::memcpy(&h, bytes_.get() + sizeof(std::uint32_t), sizeof h);
  return {reinterpret_cast<const char*>(bytes_.get()) + 2 * sizeof(std::uint32_t), h};
}

json::object packed_json::unpack() const {
  if (!bytes_) return {};
  auto h = head();
  const auto* end = reinterpret_cast<const char*>(bytes_.get()) + size();
  std::string_view in(h.data() + h.size(), static_cast<std::size_t>(end - (h.data() + h.size())));
  return case_bytes::read_object(in);
}

std::string pack_case_head(const case_state& s) {
  std::string out;
  case_bytes::append_case_head(out, s);
  return out;
}

void unpack_case_head(std::string_view in, case_state& out, bool deadlines) {
  case_bytes::read_case_head(in, out, deadlines);
  if (!in.empty()) throw case_bytes::malformed("trailing bytes after a case's head");
}

}  // namespace casework::detail
