// Request targets, forms and problem documents (see http.hpp).
#include "http.hpp"

#include <boost/json.hpp>

namespace casework::server_detail {
namespace json = boost::json;

namespace {
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto h = [](char x) -> int {
        if (x >= '0' && x <= '9') return x - '0';
        if (x >= 'a' && x <= 'f') return x - 'a' + 10;
        if (x >= 'A' && x <= 'F') return x - 'A' + 10;
        return -1;
      };
      int hi = h(s[i + 1]), lo = h(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

expected<std::map<std::string, std::string>> parse_pairs(std::string_view text, const char* what) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return error(errc::invalid_argument, "bad percent-encoding in a parameter name", what);
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!value) return error(errc::invalid_argument, "bad percent-encoding", *name);
    out[*name] = *value;
  }
  return out;
}

const char* title_of(http::status s) {
  switch (s) {
    case http::status::bad_request:
      return "Bad Request";
    case http::status::unauthorized:
      return "Unauthorized";
    case http::status::forbidden:
      return "Forbidden";
    case http::status::not_found:
      return "Not Found";
    case http::status::method_not_allowed:
      return "Method Not Allowed";
    case http::status::conflict:
      return "Conflict";
    case http::status::payload_too_large:
      return "Content Too Large";
    case http::status::unsupported_media_type:
      return "Unsupported Media Type";
    case http::status::request_header_fields_too_large:
      return "Request Header Fields Too Large";
    case http::status::uri_too_long:
      return "URI Too Long";
    case http::status::service_unavailable:
      return "Service Unavailable";
    default:
      return "Error";
  }
}
}  // namespace

std::optional<std::string> target::unknown_param(std::initializer_list<std::string_view> allowed) const {
  for (const auto& kv : query) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.first == a;
    if (!ok) return kv.first;
  }
  return std::nullopt;
}

expected<target> parse_target(std::string_view raw) {
  target t;
  auto q = raw.find('?');
  auto path = percent_decode(raw.substr(0, q), false);
  if (!path) return error(errc::invalid_argument, "bad percent-encoding in the path", "path");
  t.path = *path;
  if (q != std::string_view::npos) {
    auto params = parse_pairs(raw.substr(q + 1), "query");
    if (!params) return std::move(params).error();
    t.query = std::move(*params);
  }
  return t;
}

expected<std::map<std::string, std::string>> parse_form(std::string_view body) {
  return parse_pairs(body, "body");
}

http::status status_of(errc code) {
  switch (code) {
    case errc::invalid_argument:
      return http::status::bad_request;
    case errc::not_found:
      return http::status::not_found;
    case errc::already_exists:
    case errc::failed_precondition:
    case errc::rule_violation:
      return http::status::conflict;
    case errc::permission_denied:
      return http::status::forbidden;
    case errc::storage:
    case errc::unavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

response json_answer(const request& req, http::status status, const json::value& body,
                     const char* content_type) {
  response res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

response problem(const request& req, http::status status, const std::string& code, const std::string& detail,
                 const std::string& field, const std::string& rule) {
  json::object p;
  p["type"] = "urn:casework:problem:" + code;
  p["title"] = title_of(status);
  p["status"] = static_cast<unsigned>(status);
  p["detail"] = detail;
  auto path = std::string(req.target().substr(0, req.target().find('?')));
  p["instance"] = path.size() > 200 ? path.substr(0, 200) : path;
  p["code"] = code;
  if (!field.empty()) p["field"] = field;
  if (!rule.empty()) p["rule"] = rule;
  auto res = json_answer(req, status, p, "application/problem+json");
  if (status == http::status::service_unavailable) {
    res.set(http::field::retry_after, "1");
    res.prepare_payload();
  }
  return res;
}

response problem(const request& req, const error& e) {
  std::string detail = e.message();
  if (e.code() == errc::storage)
    detail = "in doubt: the change may or may not have been recorded; read the case before repeating it (" +
             e.message() + ")";
  return problem(req, status_of(e.code()), to_string(e.code()), detail, e.field(), e.rule());
}

}  // namespace casework::server_detail
