// The HTTP types of the server (Beast), the parsed request target and the problem+json answers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>

#include "casework/error.hpp"

namespace casework::server_detail {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// A request target split into its path and its decoded query parameters (the last of repeated names wins).
struct target {
  std::string path;
  std::map<std::string, std::string> query;
  // nullopt when a parameter appears that is not in `allowed` (the caller answers 400 naming it).
  std::optional<std::string> unknown_param(std::initializer_list<std::string_view> allowed) const;
};
// Errors: invalid_argument for bad percent-encoding ("query").
expected<target> parse_target(std::string_view raw);
// Decodes application/x-www-form-urlencoded text ('+' is a space). Errors name the parameter.
expected<std::map<std::string, std::string>> parse_form(std::string_view body);

// The HTTP status of an engine error code: invalid_argument 400, not_found 404, failed_precondition,
// rule_violation and already_exists 409, permission_denied 403, storage and unavailable 503, else 500.
http::status status_of(errc code);

// An RFC 9457 problem document: type urn:casework:problem:<code>, title, status, detail, instance, and the
// extensions code, field and rule (when known). 503 answers carry Retry-After.
response problem(const request& req, http::status status, const std::string& code, const std::string& detail,
                 const std::string& field = {}, const std::string& rule = {});
response problem(const request& req, const error& e);
// A JSON answer (application/json unless given).
response json_answer(const request& req, http::status status, const boost::json::value& body,
                     const char* content_type = "application/json");

}  // namespace casework::server_detail
