#include "packed_json.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

namespace casework::detail {

namespace json = boost::json;

namespace {

enum tag : unsigned char { null_, false_, true_, int64_, uint64_, double_, string_, array_, object_ };

void put_varint(std::string& out, std::uint64_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

void put_raw(std::string& out, const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }

void put_text(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s.data(), s.size());
}

void put(std::string& out, const json::value& v);

void put_object(std::string& out, const json::object& o) {
  put_varint(out, o.size());
  for (const auto& kv : o) {
    put_text(out, kv.key());
    put(out, kv.value());
  }
}

void put(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out.push_back(null_); break;
    case json::kind::bool_: out.push_back(v.get_bool() ? true_ : false_); break;
    case json::kind::int64: {
      out.push_back(int64_);
      auto x = v.get_int64();
      put_raw(out, &x, sizeof x);
      break;
    }
    case json::kind::uint64: {
      out.push_back(uint64_);
      auto x = v.get_uint64();
      put_raw(out, &x, sizeof x);
      break;
    }
    case json::kind::double_: {
      out.push_back(double_);
      auto x = v.get_double();
      put_raw(out, &x, sizeof x);
      break;
    }
    case json::kind::string: out.push_back(string_); put_text(out, v.get_string()); break;
    case json::kind::array:
      out.push_back(array_);
      put_varint(out, v.get_array().size());
      for (const auto& x : v.get_array()) put(out, x);
      break;
    case json::kind::object: out.push_back(object_); put_object(out, v.get_object()); break;
  }
}

// Reads what put wrote; the bytes are ours (never read from outside the process), so a malformed input is a
// bug: it throws.
struct reader {
  const unsigned char* p;
  const unsigned char* end;

  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end - p) < n) throw std::logic_error("packed_json: truncated");
  }
  std::uint64_t varint() {
    std::uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      need(1);
      auto b = *p++;
      n |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return n;
    }
  }
  template <class T>
  T raw() {
    need(sizeof(T));
    T x;
    std::memcpy(&x, p, sizeof x);
    p += sizeof x;
    return x;
  }
  std::string_view text() {
    auto n = varint();
    need(n);
    std::string_view s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
  // Onto a value_stack, which builds each object and array at once from its elements, as Boost's parser does,
  // instead of inserting them one by one (each insertion looks for its key first).
  void object_onto(json::value_stack& st) {
    auto n = varint();
    for (std::uint64_t i = 0; i < n; ++i) {
      st.push_key(text());
      value_onto(st);
    }
    st.push_object(n);
  }
  void value_onto(json::value_stack& st) {
    need(1);
    switch (*p++) {
      case null_: st.push_null(); return;
      case false_: st.push_bool(false); return;
      case true_: st.push_bool(true); return;
      case int64_: st.push_int64(raw<std::int64_t>()); return;
      case uint64_: st.push_uint64(raw<std::uint64_t>()); return;
      case double_: st.push_double(raw<double>()); return;
      case string_: st.push_string(text()); return;
      case array_: {
        auto n = varint();
        for (std::uint64_t i = 0; i < n; ++i) value_onto(st);
        st.push_array(n);
        return;
      }
      case object_: object_onto(st); return;
      default: throw std::logic_error("packed_json: unknown tag");
    }
  }
};

}  // namespace

packed_json packed_json::pack(const json::object& o, std::string_view tail) {
  packed_json out;
  if (o.empty() && tail.empty()) return out;
  std::string body;
  body.reserve(256 + tail.size());
  put_object(body, o);
  body.append(tail.data(), tail.size());
  auto n = static_cast<std::uint32_t>(body.size());
  out.bytes_.reset(new unsigned char[sizeof n + body.size()]);
  std::memcpy(out.bytes_.get(), &n, sizeof n);
  std::memcpy(out.bytes_.get() + sizeof n, body.data(), body.size());
  return out;
}

std::size_t packed_json::size() const noexcept {
  if (!bytes_) return 0;
  std::uint32_t n;
  std::memcpy(&n, bytes_.get(), sizeof n);
  return sizeof n + n;
}

json::object packed_json::unpack(std::string_view* tail) const {
  if (tail) *tail = {};
  if (!bytes_) return {};
  reader r{bytes_.get() + sizeof(std::uint32_t), bytes_.get() + size()};
  unsigned char scratch[2048];   // the stack's first values, without an allocation
  json::value_stack st({}, scratch, sizeof scratch);
  st.reset();
  r.object_onto(st);
  json::value v = st.release();
  json::object o = std::move(v.get_object());
  if (tail) *tail = std::string_view(reinterpret_cast<const char*>(r.p), static_cast<std::size_t>(r.end - r.p));
  return o;
}

// ---- an idle case's deadlines ----

// With the fields' own writers and reader: texts length-prefixed, numbers as their bytes.
std::string pack_deadlines(const flat_map<std::string, deadline>& all) {
  std::string out;
  for (const auto& [name, d] : all) {
    put_text(out, name);
    const auto at = d.at.time_since_epoch().count();
    put_raw(out, &at, sizeof at);
    put_raw(out, &d.calendar_version, sizeof d.calendar_version);
    put_text(out, d.basis);
    put_text(out, d.rule);
  }
  return out;
}

void unpack_deadlines(std::string_view in, flat_map<std::string, deadline>& out) {
  const auto* begin = reinterpret_cast<const unsigned char*>(in.data());
  reader r{begin, begin + in.size()};
  while (r.p != r.end) {
    std::string name(r.text());
    deadline d;
    d.at = instant(duration(r.raw<duration::rep>()));
    d.calendar_version = r.raw<std::uint64_t>();
    d.basis = std::string(r.text());
    d.rule = std::string(r.text());
    out.emplace(std::move(name), std::move(d));
  }
}

}  // namespace casework::detail
