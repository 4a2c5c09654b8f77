// JSON text written directly, byte for byte as Boost.JSON's serializer writes it, for the texts the store
// writes on every batch (event_text, snapshot_text, notification_text) without building their objects first.
#pragma once

#include <string>
#include <string_view>

namespace casework::detail {

// `text` as a JSON string, escaped as Boost.JSON's serializer escapes it.
void put_string(std::string& out, std::string_view text);
// `"key":`, after a comma unless it is the object's first member.
void put_key(std::string& out, std::string_view key, bool first = false);

}  // namespace casework::detail
