#include "encoding.hpp"

#include <cstring>

#include <openssl/evp.h>

namespace casework::detail {

std::string event_key(std::string_view case_id, std::uint64_t seq) {
  std::string k = case_prefix(case_id);
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((seq >> shift) & 0xFF));
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
  std::uint64_t seq = 0;
  for (std::size_t i = key.size() - 8; i < key.size(); ++i) seq = (seq << 8) | static_cast<unsigned char>(key[i]);
  return std::make_pair(std::string(key.substr(0, key.size() - 9)), seq);
}

digest chain_hash(const digest& previous, std::string_view payload) {
  digest out{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, previous.data(), previous.size());
  EVP_DigestUpdate(ctx, payload.data(), payload.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::string encode_record(const digest& previous, const digest& hash, std::string_view payload) {
  std::string v;
  v.reserve(record_header + payload.size());
  v.push_back(static_cast<char>(record_version));
  v.append(reinterpret_cast<const char*>(previous.data()), previous.size());
  v.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  v.append(payload);
  return v;
}

std::optional<record_view> decode_record(std::string_view value) {
  if (value.size() < record_header || static_cast<unsigned char>(value[0]) != record_version) return std::nullopt;
  record_view r;
  std::memcpy(r.previous.data(), value.data() + 1, 32);
  std::memcpy(r.hash.data(), value.data() + 33, 32);
  r.payload = value.substr(record_header);
  return r;
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

}  // namespace casework::detail
