// Hashes and random secrets for tokens (OpenSSL).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace casework::server_detail {

std::string sha256_raw(std::string_view data);                 // 32 raw bytes
std::string hex(std::string_view raw);                         // lower-case hex
std::optional<std::string> hex_decode(std::string_view text);  // nullopt on a non-hex digit or odd length
std::string random_base64url(std::size_t bytes);               // from OpenSSL's RAND_bytes

}  // namespace casework::server_detail
