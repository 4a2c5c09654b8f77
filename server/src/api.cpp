// Routing and authentication (see api.hpp).
#include "api.hpp"

#include <vector>

#include <boost/json.hpp>

#include "webhooks.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 1;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

response not_allowed(const request& req, const char* allow) {
  auto res = problem(req, http::status::method_not_allowed, "method_not_allowed",
                     std::string("allowed: ") + allow, "method");
  res.set(http::field::allow, allow);
  return res;
}
}  // namespace

bool plain_segment(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

api::api(const server_options& options, engine& eng, rocksdb_store& store, token_table tokens,
         server_log& log, webhook_sender* webhooks)
    : opt_(options),
      eng_(eng),
      store_(store),
      tokens_(std::move(tokens)),
      policy_(options.hotline_agency),
      redactor_(options.rules->definitions),
      access_(options.data_dir),
      log_(log),
      webhooks_(webhooks) {
  subscription_ = eng_.subscribe([this](const std::string& case_id, const event& e) {
    if (e.type != event_type::created && e.type != event_type::agency_changed) return;
    const char* key = e.type == event_type::created ? "agency" : "to";
    if (auto* a = e.data.if_contains(key); a && a->is_string()) {
      std::lock_guard<std::mutex> lock(agencies_mu_);
      case_agency_[case_id] = std::string(a->get_string());
    }
  });
}

api::~api() {
  eng_.unsubscribe(subscription_);
}

std::optional<principal> api::authenticate(const request& req, const std::string* api_key) const {
  auto h = req.find(http::field::authorization);
  if (h != req.end()) {
    std::string_view v(h->value().data(), h->value().size());
    if (v.size() < 8 || v.substr(0, 7) != "Bearer ") return std::nullopt;
    return tokens_.authenticate(v.substr(7));
  }
  if (api_key) return tokens_.authenticate(*api_key);
  return std::nullopt;
}

std::optional<response> api::handle(const request& req, const reply_later& later) {
  try {
    if (req.target().size() > opt_.limits.target_bytes)
      return problem(
          req, http::status::uri_too_long, "invalid_argument",
          "the request target is longer than " + std::to_string(opt_.limits.target_bytes) + " bytes",
          "target");
    auto t = parse_target(std::string_view(req.target().data(), req.target().size()));
    if (!t) return problem(req, t.error());
    for (const auto& kv : t->query)
      if (kv.second.size() > opt_.limits.string_bytes || kv.first.size() > 64)
        return problem(req, http::status::bad_request, "invalid_argument", "query parameter too long",
                       kv.first);
    return route(req, *t, later);
  } catch (const std::exception& e) {
    log_.write("error", "unexpected exception", {{"what", e.what()}});
    return problem(req, http::status::internal_server_error, "internal", "unexpected error");
  }
}

engine::case_callback api::on_strand(std::shared_ptr<const request> head, const reply_later& later, then_fn then) {
  return [log = &log_, head, later, then](expected<case_view> answer) {
    auto shared = std::make_shared<expected<case_view>>(std::move(answer));
    run_on_strand(*log, head, later, [then, shared] { return then(std::move(*shared)); });
  };
}

void run_on_strand(server_log& log, std::shared_ptr<const request> head, const reply_later& later,
                   std::function<std::optional<response>()> fn) {
  later.post([log = &log, head, later, fn = std::move(fn)] {
    std::optional<response> res;
    try {
      res = fn();
    } catch (const std::exception& e) {
      log->write("error", "unexpected exception", {{"what", e.what()}});
      res = problem(*head, http::status::internal_server_error, "internal", "unexpected error");
    }
    if (res) later.send(std::move(*res));
  });
}

std::shared_ptr<const request> header_of(const request& req) {
  auto head = std::make_shared<request>();
  head->base() = req.base();   // version, keep-alive and target: what an answer reads of its request
  return head;
}

std::optional<response> api::route(const request& req, const target& t, const reply_later& later) {
  const auto parts = split_path(t.path);
  const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
  if (t.path == "/healthz") {
    if (!get) return not_allowed(req, "GET");
    return json_answer(req, http::status::ok, json::object{{"status", "ok"}});
  }
  if (t.path == "/readyz") return get ? readyz(req) : not_allowed(req, "GET");
  if (parts.size() >= 2 && parts[0] == "open311" && parts[1] == "v2") return open311(req, t, later);
  if (parts.empty() || parts[0] != "v1")
    return problem(req, http::status::not_found, "not_found", "no such resource", "path");

  auto p = authenticate(req, nullptr);
  if (!p) {
    auto res = problem(req, http::status::unauthorized, "unauthenticated",
                       "a valid bearer token is required (Authorization: Bearer <token>)", "Authorization");
    res.set(http::field::www_authenticate, "Bearer realm=\"casework\"");
    return res;
  }
  const auto n = parts.size();
  if (n == 2 && parts[1] == "cases") {
    if (post) return create_case(req, *p, later);
    if (get) return list_cases(req, *p, t);
    return not_allowed(req, "GET, POST");
  }
  if (n >= 3 && parts[1] == "cases") {
    if (!plain_segment(parts[2]))
      return problem(req, http::status::bad_request, "invalid_argument", "not a case id", "id");
    if (n == 3) return get ? get_case(req, *p, parts[2], later) : not_allowed(req, "GET");
    if (n == 4 && parts[3] == "history")
      return get ? case_history(req, *p, parts[2], later) : not_allowed(req, "GET");
    if (n == 4) {
      if (!plain_segment(parts[3]))
        return problem(req, http::status::bad_request, "invalid_argument", "not a command name", "command");
      return post ? case_command(req, *p, parts[2], parts[3], later) : not_allowed(req, "POST");
    }
  }
  if (n == 2 && parts[1] == "notifications") return get ? notifications(req, *p, t) : not_allowed(req, "GET");
  if (n == 2 && parts[1] == "clock") return get ? clock(req, *p) : not_allowed(req, "GET");
  if (n == 3 && parts[1] == "clock" && parts[2] == "advance")
    return post ? advance_clock(req, *p) : not_allowed(req, "POST");
  if (n == 3 && parts[1] == "calendar" && parts[2] == "closures")
    return post ? add_closure(req, *p) : not_allowed(req, "POST");
  if (n == 3 && parts[1] == "webhooks" && parts[2] == "dead-letters")
    return get ? dead_letters(req, *p) : not_allowed(req, "GET");
  return problem(req, http::status::not_found, "not_found", "no such resource", "path");
}

response api::readyz(const request& req) {
  if (draining_) return problem(req, http::status::service_unavailable, "unavailable", "shutting down");
  if (eng_.health().recovering)
    return problem(req, http::status::service_unavailable, "unavailable",
                   "recovering: the figures are being recounted after open");
  return json_answer(req, http::status::ok,
                     json::object{{"status", "ready"}, {"recovery_failures", eng_.recovery_failures()}});
}

}  // namespace casework::server_detail
