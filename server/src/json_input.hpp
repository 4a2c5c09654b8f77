// Reading JSON bodies under the server's limits: depth, string sizes, unknown fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/error.hpp"
#include "casework/server.hpp"

namespace casework::server_detail {

// Parses a request body that must be one JSON object. Errors (invalid_argument): malformed or truncated JSON
// (naming the byte offset), nesting deeper than limits.json_depth, a string longer than limits.string_bytes
// (naming its path), a body that is not an object.
expected<boost::json::object> parse_object(std::string_view body, const server_limits& limits);

// invalid_argument naming the first member of `o` not in `allowed` ("<prefix><name>: unknown field").
status only_fields(const boost::json::object& o, std::initializer_list<std::string_view> allowed,
                   const std::string& prefix = {});

// A string member, or nullopt when absent; invalid_argument naming it when present but not a string.
expected<std::optional<std::string>> string_field(const boost::json::object& o, const char* name);

}  // namespace casework::server_detail
