#include "encoding.hpp"

#include <cstring>

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <boost/json.hpp>

#include "casework/case_bytes.hpp"
#include "casework/json_text.hpp"

namespace casework::detail {

// ---- Numbers in keys ----

void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint64_t read_be64(std::string_view eight) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(eight[i]);
  return v;
}

std::string be64(std::uint64_t v) {
  std::string out;
  append_be64(out, v);
  return out;
}

namespace {
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;
}

// Flipping the sign bit of the two's complement makes unsigned byte order agree with signed order.
void append_instant(std::string& out, instant t) {
  append_be64(out, static_cast<std::uint64_t>(to_unix_ms(t)) ^ sign_bit);
}

instant read_instant_key(std::string_view eight) {
  return instant(duration(static_cast<std::int64_t>(read_be64(eight) ^ sign_bit)));
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

// ---- events ----

std::string event_key(std::string_view case_id, std::uint64_t seq) {
  std::string k = case_prefix(case_id);
  append_be64(k, seq);
  return k;
}

std::string case_prefix(std::string_view case_id) {
  std::string k(case_id);
  k.push_back('\0');
  return k;
}

std::string case_end(std::string_view case_id) {
  std::string k(case_id);
  k.push_back('\x01');
  return k;
}

std::optional<std::pair<std::string, std::uint64_t>> split_event_key(std::string_view key) {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return std::nullopt;
  return std::make_pair(std::string(key.substr(0, key.size() - 9)), read_be64(key.substr(key.size() - 8)));
}

namespace {
// SHA-256 fetched once, and one digest context per thread reused for every hash: OpenSSL 3 looks the digest
// up under a lock on each init with EVP_sha256() (an implicit fetch), and a context per hash allocates.
// Together they were a third of the hashing time of verify.
const EVP_MD* sha256_md() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md) return md;
#endif
  return EVP_sha256();
}

struct digest_context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~digest_context() { EVP_MD_CTX_free(ctx); }
};

digest sha256_of(std::string_view a, std::string_view b) {
  thread_local digest_context holder;
  digest out{};
  unsigned int len = 0;
  EVP_DigestInit_ex(holder.ctx, sha256_md(), nullptr);
  EVP_DigestUpdate(holder.ctx, a.data(), a.size());
  EVP_DigestUpdate(holder.ctx, b.data(), b.size());
  EVP_DigestFinal_ex(holder.ctx, out.data(), &len);
  return out;
}

std::string_view bytes(const digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

digest digest_at(std::string_view value, std::size_t offset) {
  digest d{};
  std::memcpy(d.data(), value.data() + offset, d.size());
  return d;
}
}  // namespace

digest chain_hash(const digest& previous, std::string_view payload) {
  return sha256_of(bytes(previous), payload);
}

digest sha256(std::string_view payload) {
  return sha256_of({}, payload);
}

record_writer::record_writer(const digest& previous, std::size_t count) {
  v_.push_back(static_cast<char>(record_version));
  case_bytes::append_varint(v_, count);
  v_.append(detail::bytes(previous));
}

void record_writer::add(const digest& hash, std::string_view payload) {
  v_.append(detail::bytes(hash));
  case_bytes::append_varint(v_, payload.size());
  v_.append(payload);
}

namespace {
// A LEB128 varint at `p` in `v`, moving `p` past it; false when it runs past the end or beyond 64 bits.
bool read_varint(std::string_view v, std::size_t& p, std::uint64_t& out) {
  out = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (p == v.size()) return false;
    const auto b = static_cast<unsigned char>(v[p++]);
    out |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}
constexpr std::size_t least_event_bytes = 32 + 1;   // a hash and an empty payload's length
}  // namespace

record_events::record_events(std::uint64_t first, std::string_view value) : v_(value), seq_(first) {
  const auto version = v_.empty() ? 0 : static_cast<unsigned char>(v_[0]);
  if (version == record_version_one && v_.size() >= record_header_one) {
    one_ = true;
    left_ = 1;
    return;
  }
  std::size_t p = 1;
  std::uint64_t count = 0;
  malformed_ = version != record_version || !read_varint(v_, p, count) || count == 0 || v_.size() - p < 32 ||
               count > (v_.size() - p - 32) / least_event_bytes;
  if (malformed_) return;
  previous_ = digest_at(v_, p);
  pos_ = p + 32;
  left_ = count;
}

bool record_events::next(std::uint64_t& seq, record_view& out) {
  if (malformed_) return false;
  if (left_ == 0) {   // every event read: nothing may follow them
    malformed_ = !one_ && pos_ != v_.size();
    return false;
  }
  if (one_) {
    left_ = 0;
    seq = seq_;
    out = record_view{digest_at(v_, 1), digest_at(v_, 33), v_.substr(record_header_one)};
    return true;
  }
  if (v_.size() - pos_ < least_event_bytes) return !(malformed_ = true);
  const digest hash = digest_at(v_, pos_);
  std::size_t p = pos_ + 32;
  std::uint64_t length = 0;
  if (!read_varint(v_, p, length) || length > v_.size() - p) return !(malformed_ = true);
  seq = any_ ? seq_ + 1 : seq_;
  seq_ = seq;
  out = record_view{previous_, hash, v_.substr(p, length)};
  previous_ = hash;
  pos_ = p + length;
  any_ = true;
  --left_;
  return true;
}

std::optional<std::pair<std::uint64_t, record_view>> last_in_record(std::uint64_t first,
                                                                    std::string_view value) {
  record_events r(first, value);
  std::uint64_t seq = 0;
  record_view v;
  std::optional<std::pair<std::uint64_t, record_view>> out;
  while (r.next(seq, v)) out.emplace(seq, v);
  if (r.malformed()) return std::nullopt;
  return out;
}

std::optional<record_view> event_in_record(std::uint64_t first, std::string_view value, std::uint64_t seq,
                                           bool& last) {
  record_events r(first, value);
  std::uint64_t at = 0;
  record_view v;
  std::optional<record_view> found;
  while (r.next(at, v)) {
    if (found) {
      last = false;
      return found;
    }
    if (at == seq) found = v;
  }
  if (r.malformed()) return std::nullopt;
  last = true;
  return found;
}

std::string hex(const digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// ---- snapshots ----

std::string encode_snapshot(std::uint64_t seq, std::uint64_t record, const digest& event_hash,
                            std::string_view directory, std::string_view payload) {
  std::string v;
  v.reserve(snapshot_header + 2 + directory.size() + payload.size());
  v.push_back(static_cast<char>(snapshot_version));
  append_be64(v, seq);
  append_be64(v, record);
  v.append(bytes(event_hash));
  v.append(bytes(sha256(payload)));
  case_bytes::append_text(v, directory);
  v.append(payload);
  return v;
}

std::optional<snapshot_view> decode_snapshot(std::string_view value) {
  if (value.empty()) return std::nullopt;
  const auto version = static_cast<unsigned char>(value[0]);
  if (version == snapshot_version_one && value.size() >= snapshot_header_one) {
    const std::uint64_t seq = read_be64(value.substr(1));
    return snapshot_view{seq, seq, digest_at(value, 9), digest_at(value, 41), std::nullopt,
                         value.substr(snapshot_header_one)};
  }
  if (version != snapshot_version || value.size() < snapshot_header) return std::nullopt;
  snapshot_view out{read_be64(value.substr(1)), read_be64(value.substr(9)), digest_at(value, 17),
                    digest_at(value, 49), std::nullopt, {}};
  try {
    case_bytes::reader r(value.substr(snapshot_header));
    out.directory = r.text();
    out.payload = r.rest();
  } catch (const case_bytes::malformed&) {
    return std::nullopt;
  }
  return out;
}

// ---- timers ----

std::string timer_key(instant due, std::string_view case_id, std::string_view name) {
  std::string k;
  k.reserve(8 + case_id.size() + 1 + name.size());
  append_instant(k, due);
  k.append(case_id);
  k.push_back('\0');
  k.append(name);
  return k;
}

std::optional<stored_timer> split_timer_key(std::string_view key) {
  if (key.size() < 9) return std::nullopt;
  auto nul = key.find('\0', 8);
  if (nul == std::string_view::npos) return std::nullopt;
  stored_timer t;
  t.case_id = std::string(key.substr(8, nul - 8));
  t.timer.name = std::string(key.substr(nul + 1));
  t.timer.due = read_instant_key(key);
  return t;
}

// ---- index ----

namespace {
std::string family_key(char family, std::string_view rest) {
  std::string k(1, family);
  k.append(rest);
  return k;
}
}  // namespace

std::string directory_key(std::string_view case_id) {
  return family_key(index_family::directory, case_id);
}

std::string agency_prefix(std::string_view agency) {
  std::string k = family_key(index_family::agency, agency);
  k.push_back('\0');
  return k;
}

std::string agency_key(std::string_view agency, std::string_view case_id) {
  return agency_prefix(agency).append(case_id);
}

std::string place_key(std::string_view case_id) {
  return family_key(index_family::place, case_id);
}

std::string finding_key(instant closed_at, std::string_view case_id) {
  std::string k(1, index_family::finding);
  append_instant(k, closed_at);
  k.append(case_id);
  return k;
}

std::string notification_key(std::string_view key) {
  return family_key(index_family::notification, key);
}

// ---- Directory values and index entries ----
//
// Encoding 2 (written since 2026-12-07): the tag byte, then the entry (and for a directory value its timers) in
// case_bytes' primitives; instants but the creation's as their distance from it. Encoding 1, JSON text (its
// first byte '{'), is what stores written before hold: both are read.

namespace {

constexpr char value_bytes_tag = 0x02;

void append_entry(std::string& out, const case_entry& e) {
  using namespace case_bytes;
  append_text(out, e.id);
  append_text(out, e.workflow);
  append_text(out, e.agency);
  append_text(out, e.item);
  append_text(out, e.state);
  append_varint(out, zigzag(e.stage));
  out.push_back(e.terminal ? 1 : 0);
  append_int64(out, to_unix_ms(e.created_at));
  append_varint(out, zigzag((e.closed_at - e.created_at).count()));
  out.push_back(e.limit ? 1 : 0);
  if (e.limit) append_varint(out, zigzag((*e.limit - e.created_at).count()));
  append_text(out, e.address);
  out.push_back(e.where ? 1 : 0);
  if (e.where) {
    append_double(out, e.where->lat);
    append_double(out, e.where->lng);
  }
  append_text(out, e.finding);
}

bool flag(case_bytes::reader& r, const char* what) {
  const auto b = r.byte();
  if (b > 1) throw case_bytes::malformed(std::string(what) + " is neither 0 nor 1");
  return b == 1;
}

case_entry read_entry(case_bytes::reader& r) {
  using case_bytes::unzigzag;
  case_entry e;
  e.id = r.text();
  e.workflow = r.text();
  e.agency = r.text();
  e.item = r.text();
  e.state = r.text();
  e.stage = static_cast<int>(unzigzag(r.varint()));
  e.terminal = flag(r, "terminal");
  e.created_at = from_unix_ms(r.int64());
  e.closed_at = e.created_at + duration(unzigzag(r.varint()));
  if (flag(r, "limit")) e.limit = e.created_at + duration(unzigzag(r.varint()));
  e.address = r.text();
  if (flag(r, "where")) {
    const double lat = r.float64();
    e.where = geo_point{lat, r.float64()};
  }
  e.finding = r.text();
  return e;
}

}  // namespace

std::string encode_entry(const case_entry& entry) {
  std::string out(1, value_bytes_tag);
  append_entry(out, entry);
  return out;
}

std::string encode_directory(const case_entry& entry, const std::vector<pending_timer>& timers) {
  using namespace case_bytes;
  std::string out = encode_entry(entry);
  append_varint(out, timers.size());
  for (const auto& t : timers) {
    append_text(out, t.name);
    append_varint(out, zigzag((t.due - entry.created_at).count()));
    append_text(out, t.rule);
  }
  return out;
}

namespace {
expected<boost::json::value> parse_json(std::string_view text, const char* what) {
  boost::json::error_code ec;
  auto v = casework::parse_json(text, ec);
  if (ec) return error(errc::storage, "is not JSON: " + ec.message(), what);
  return v;
}

expected<pending_timer> decode_timer(const boost::json::value& v, const std::string& field) {
  auto* o = v.if_object();
  auto* name = o ? o->if_contains("name") : nullptr;
  auto* due = o ? o->if_contains("due") : nullptr;
  auto* rule = o ? o->if_contains("rule") : nullptr;
  if (!name || !name->is_string()) return error(errc::storage, "must be a string", field + ".name");
  if (!due || !due->is_string()) return error(errc::storage, "must be a string", field + ".due");
  auto at = parse_instant(due->get_string());
  if (!at) return error(errc::storage, "must be an RFC 3339 instant", field + ".due");
  pending_timer t{std::string(name->get_string()), *at, {}};
  if (rule && rule->is_string()) t.rule = std::string(rule->get_string());
  return t;
}
}  // namespace

expected<directory_value> decode_directory(std::string_view value) {
  if (!value.empty() && value.front() == value_bytes_tag) {
    case_bytes::reader r(value.substr(1));
    try {
      directory_value out{read_entry(r), {}};
      const auto n = r.count();
      out.timers.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        pending_timer t;
        t.name = r.text();
        t.due = out.entry.created_at + duration(case_bytes::unzigzag(r.varint()));
        t.rule = r.text();
        out.timers.push_back(std::move(t));
      }
      if (!r.done()) throw case_bytes::malformed("bytes after the timers");
      return out;
    } catch (const case_bytes::malformed& m) {
      return error(errc::storage, m.what(), "directory");
    }
  }
  auto v = parse_json(value, "directory");
  if (!v) return std::move(v).error();
  auto* o = v->if_object();
  if (!o || !o->contains("entry")) return error(errc::storage, "is missing", "directory.entry");
  auto entry = entry_from_json(o->at("entry"));
  if (!entry) return error(errc::storage, entry.error().message(), "directory: " + entry.error().field());
  directory_value out{std::move(*entry), {}};
  auto* ts = o->if_contains("timers");
  if (!ts || !ts->is_array()) return error(errc::storage, "must be an array", "directory.timers");
  for (std::size_t i = 0; i < ts->get_array().size(); ++i) {
    auto t = decode_timer(ts->get_array()[i], "directory.timers[" + std::to_string(i) + "]");
    if (!t) return std::move(t).error();
    out.timers.push_back(std::move(*t));
  }
  return out;
}

expected<case_entry> decode_entry(std::string_view value) {
  if (!value.empty() && value.front() == value_bytes_tag) {
    case_bytes::reader r(value.substr(1));
    try {
      auto e = read_entry(r);
      if (!r.done()) throw case_bytes::malformed("bytes after the entry");
      return e;
    } catch (const case_bytes::malformed& m) {
      return error(errc::storage, m.what(), "entry");
    }
  }
  auto v = parse_json(value, "entry");
  if (!v) return std::move(v).error();
  auto entry = entry_from_json(*v);
  if (!entry) return error(errc::storage, entry.error().message(), entry.error().field());
  return entry;
}

}  // namespace casework::detail
