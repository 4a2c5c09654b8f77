// A case's state as compact bytes (case_bytes.hpp): the store's snapshots (encoding 2) and the actors' packed
// cases. The layout is in docs/storage-format.md ("Snapshot payload, encoding 2").
#include "casework/case_bytes.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include "casework/json_text.hpp"

// Numbers of fixed width (a double, an int64, the creation's instant) are their bytes as this machine holds
// them: the format says little-endian, which is what every platform casework is built for holds.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "case_bytes writes fixed-width numbers little-endian");

namespace casework {
namespace json = boost::json;

namespace {

enum tag : unsigned char { null_, false_, true_, int64_, uint64_, double_, string_, array_, object_ };

// Deeper than any JSON casework accepts (Boost.JSON's parser stops at 32): bytes nested deeper were not written
// by append_object, and reading them must not exhaust the stack.
constexpr int max_depth = 64;

using case_bytes::append_text;
using case_bytes::append_varint;
using case_bytes::malformed;
using case_bytes::reader;
using case_bytes::unzigzag;
using case_bytes::zigzag;

void put_raw(std::string& out, const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }

void put(std::string& out, const json::value& v);

void put_object(std::string& out, const json::object& o) {
  append_varint(out, o.size());
  for (const auto& kv : o) {
    append_text(out, kv.key());
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
    case json::kind::string: out.push_back(string_); append_text(out, v.get_string()); break;
    case json::kind::array:
      out.push_back(array_);
      append_varint(out, v.get_array().size());
      for (const auto& x : v.get_array()) put(out, x);
      break;
    case json::kind::object: out.push_back(object_); put_object(out, v.get_object()); break;
  }
}

}  // namespace

namespace case_bytes {

void append_varint(std::string& out, std::uint64_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

void append_text(std::string& out, std::string_view s) {
  append_varint(out, s.size());
  out.append(s.data(), s.size());
}

void append_int64(std::string& out, std::int64_t n) { put_raw(out, &n, sizeof n); }
void append_double(std::string& out, double x) { put_raw(out, &x, sizeof x); }

void reader::need(std::uint64_t n) const {
  if (static_cast<std::uint64_t>(end_ - p_) < n) throw malformed("truncated");
}

std::uint64_t reader::varint() {
  std::uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    need(1);
    auto b = *p_++;
    if (shift == 63 && b > 1) throw malformed("a varint longer than 64 bits");
    n |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return n;
  }
}

std::string_view reader::text() {
  auto n = varint();
  need(n);
  std::string_view s(reinterpret_cast<const char*>(p_), n);
  p_ += n;
  return s;
}

std::int64_t reader::int64() {
  need(8);
  std::int64_t x;
  std::memcpy(&x, p_, sizeof x);
  p_ += sizeof x;
  return x;
}

double reader::float64() {
  need(8);
  double x;
  std::memcpy(&x, p_, sizeof x);
  p_ += sizeof x;
  return x;
}

unsigned char reader::byte() {
  need(1);
  return *p_++;
}

std::uint64_t reader::count() {
  auto n = varint();
  need(n);
  return n;
}

// JSON values onto a value_stack, which builds each object and array at once from its elements, as Boost's
// parser does, instead of inserting them one by one (each insertion looks for its key first).
struct json_reading {
  static void object_onto(reader& r, json::value_stack& st, int depth) {
    if (depth > max_depth) throw malformed("nested deeper than 64");
    auto n = r.count();
    for (std::uint64_t i = 0; i < n; ++i) {
      st.push_key(r.text());
      value_onto(r, st, depth);
    }
    st.push_object(n);
  }
  static void value_onto(reader& r, json::value_stack& st, int depth) {
    switch (const auto t = r.byte()) {
      case null_: st.push_null(); return;
      case false_: st.push_bool(false); return;
      case true_: st.push_bool(true); return;
      case int64_: st.push_int64(r.int64()); return;
      case uint64_: st.push_uint64(static_cast<std::uint64_t>(r.int64())); return;
      case double_: st.push_double(r.float64()); return;
      case string_: st.push_string(r.text()); return;
      case array_: {
        if (depth + 1 > max_depth) throw malformed("nested deeper than 64");
        auto n = r.count();
        for (std::uint64_t i = 0; i < n; ++i) value_onto(r, st, depth + 1);
        st.push_array(n);
        return;
      }
      case object_: object_onto(r, st, depth + 1); return;
      default: throw malformed("unknown tag " + std::to_string(t));
    }
  }
};

}  // namespace case_bytes

namespace {

// ---- a case's other members ----
//
// Compact where the bytes are (a report's head went from 412 to 270 bytes, which puts the whole packed case of a
// report under jemalloc's 512-byte class): every instant but the creation's as the zigzag varint of its distance
// from the creation in milliseconds (a deadline 10 minutes on is 3 bytes, a state entered at creation 1); numbers
// as varints; and each deadline's basis as the length of the prefix it shares with the previous one and the rest
// ("created 2026-03-02T09:00:02.499+08:00 + P" is the start of every basis of a report).

struct head_writer {
  std::string& out;
  instant base;

  void instant_at(instant t) { append_varint(out, zigzag((t - base).count())); }
  template <class Map>
  void instants(const Map& m) {
    append_varint(out, m.size());
    for (const auto& [k, t] : m) {
      append_text(out, k);
      instant_at(t);
    }
  }
};

struct head_reader {
  reader& r;
  instant base{};

  instant instant_at() { return base + duration(unzigzag(r.varint())); }
  template <class Map>
  void instants(Map& m) {
    auto n = r.count();
    m.clear();
    m.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string k(r.text());
      m.emplace(std::move(k), instant_at());
    }
  }
};

void read_head(reader& r, case_state& out, bool deadlines) {
  head_reader h{r};
  out.created_at = instant(duration(r.int64()));
  h.base = out.created_at;
  out.workflow = r.text();
  out.definition_version = static_cast<int>(unzigzag(r.varint()));
  out.stage = static_cast<int>(unzigzag(r.varint()));
  out.state = r.text();
  out.agency = r.text();
  out.item = r.text();
  out.updated_at = h.instant_at();
  out.seq = r.varint();
  out.terminal = r.byte() != 0;
  out.closed_at = h.instant_at();
  auto n = r.count();
  out.deadlines.clear();
  if (!deadlines) {
    for (std::uint64_t i = 0; i < n; ++i) {
      r.text();
      r.varint();
      r.varint();
      r.varint();
      r.text();
      r.text();
    }
    n = 0;
  }
  out.deadlines.reserve(n);
  std::string previous;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string name(r.text());
    deadline d;
    d.at = h.instant_at();
    d.calendar_version = r.varint();
    auto shared = r.varint();
    if (shared > previous.size()) throw malformed("a deadline's basis shares more than the previous one has");
    auto rest = r.text();
    d.basis.reserve(shared + rest.size());
    d.basis.append(previous, 0, shared).append(rest);
    previous = d.basis;
    d.rule = r.text();
    out.deadlines.emplace(std::move(name), std::move(d));
  }
  h.instants(out.entered);
  h.instants(out.first_entered);
  n = r.count();
  out.fired.clear();
  out.fired.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string timer(r.text());
    out.fired.emplace(std::move(timer), h.instant_at());
  }
  h.instants(out.last_fired);
  n = r.count();
  out.links.clear();
  out.links.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string relation(r.text());
    out.links.emplace_back(std::move(relation), std::string(r.text()));
  }
}

json::object read_object_at(reader& r) {
  unsigned char scratch[2048];   // the stack's first values, without an allocation
  json::value_stack st({}, scratch, sizeof scratch);
  st.reset();
  case_bytes::json_reading::object_onto(r, st, 1);
  json::value v = st.release();
  return std::move(v.get_object());
}

}  // namespace

namespace case_bytes {

void append_object(std::string& out, const json::object& o) { put_object(out, o); }

json::object read_object(std::string_view& in) {
  reader r(in);
  auto o = read_object_at(r);
  in = r.rest();
  return o;
}

void append_case_head(std::string& out, const case_state& s) {
  append_int64(out, s.created_at.time_since_epoch().count());
  head_writer w{out, s.created_at};
  append_text(out, s.workflow);
  append_varint(out, zigzag(s.definition_version));
  append_varint(out, zigzag(s.stage));
  append_text(out, s.state);
  append_text(out, s.agency);
  append_text(out, s.item);
  w.instant_at(s.updated_at);
  append_varint(out, s.seq);
  out.push_back(s.terminal ? 1 : 0);
  w.instant_at(s.closed_at);
  append_varint(out, s.deadlines.size());
  std::string_view previous;
  for (const auto& [name, d] : s.deadlines) {
    append_text(out, name);
    w.instant_at(d.at);
    append_varint(out, d.calendar_version);
    std::string_view basis = d.basis;
    std::size_t shared = 0;
    while (shared < previous.size() && shared < basis.size() && previous[shared] == basis[shared]) ++shared;
    append_varint(out, shared);
    append_text(out, basis.substr(shared));
    previous = basis;
    append_text(out, d.rule);
  }
  w.instants(s.entered);
  w.instants(s.first_entered);
  append_varint(out, s.fired.size());
  for (const auto& [timer, due] : s.fired) {
    append_text(out, timer);
    w.instant_at(due);
  }
  w.instants(s.last_fired);
  append_varint(out, s.links.size());
  for (const auto& [relation, id] : s.links) {
    append_text(out, relation);
    append_text(out, id);
  }
}

void read_case_head(std::string_view& in, case_state& out, bool deadlines) {
  reader r(in);
  read_head(r, out, deadlines);
  in = r.rest();
}

}  // namespace case_bytes

// Encoding 2: the tag, the id, the head, the fields. A report's is about half its JSON text.
std::string snapshot_bytes(const case_state& s) {
  std::string out;
  out.reserve(512);
  out.push_back(snapshot_bytes_tag);
  append_text(out, s.id);
  case_bytes::append_case_head(out, s);
  put_object(out, s.fields);
  return out;
}

expected<case_state> from_snapshot_bytes(std::string_view payload) {
  if (!is_snapshot_bytes(payload)) {   // encoding 1: snapshot_text's JSON
    json::error_code ec;
    auto v = parse_json(payload, ec);
    if (ec) return error(errc::invalid_argument, "neither encoding 2 nor JSON: " + ec.message(), "snapshot");
    return from_snapshot(std::move(v));
  }
  reader r(payload.substr(1));
  const char* part = "snapshot.id";
  try {
    case_state s;
    s.id = r.text();
    part = "snapshot.head";
    read_head(r, s, true);
    part = "snapshot.fields";
    s.fields = read_object_at(r);
    part = "snapshot";
    if (!r.done()) throw malformed(std::to_string(r.rest().size()) + " bytes after the fields");
    return s;
  } catch (const malformed& m) {
    return error(errc::invalid_argument, m.what(), part);
  }
}

}  // namespace casework
