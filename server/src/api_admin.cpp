// /v1/notifications, /v1/clock, /v1/calendar/closures, /v1/webhooks/dead-letters (see api.hpp).
#include <boost/json.hpp>

#include "api.hpp"
#include "casework/time.hpp"
#include "json_input.hpp"
#include "webhooks.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
response admin_only(const request& req) {
  return problem(req, http::status::forbidden, "permission_denied", "admin only");
}

expected<std::size_t> number_param(const target& t, const char* name, std::size_t dflt, std::size_t max) {
  auto it = t.query.find(name);
  if (it == t.query.end()) return dflt;
  const auto& s = it->second;
  bool ok = !s.empty() && s.size() <= 18;
  for (char c : s) ok = ok && std::isdigit(static_cast<unsigned char>(c));
  if (!ok) return error(errc::invalid_argument, "must be a non-negative integer", name);
  auto n = static_cast<std::size_t>(std::stoull(s));
  if (n > max) return error(errc::invalid_argument, "at most " + std::to_string(max), name);
  return n;
}
}  // namespace

std::string api::agency_of(const std::string& case_id) {
  {
    std::lock_guard<std::mutex> lock(agencies_mu_);
    if (auto it = case_agency_.find(case_id); it != case_agency_.end()) return it->second;
  }
  auto v = eng_.get_case(case_id).get();
  if (!v) return {};
  std::lock_guard<std::mutex> lock(agencies_mu_);
  return case_agency_.emplace(case_id, v->state->agency).first->second;
}

response api::notifications(const request& req, const principal& p, const target& t) {
  if (!access_policy::reads_cases(p))
    return problem(req, http::status::forbidden, "permission_denied", "this role reads through Open311 only");
  if (auto u = t.unknown_param({"case", "since", "limit"}))
    return problem(req, error(errc::invalid_argument, "unknown query parameter", *u));
  auto since = number_param(t, "since", 0, std::size_t(1) << 50);
  if (!since) return problem(req, since.error());
  auto limit = number_param(t, "limit", 100, opt_.limits.page_max);
  if (!limit) return problem(req, limit.error());
  if (*limit == 0) return problem(req, error(errc::invalid_argument, "at least 1", "limit"));
  std::string only_case;
  if (auto it = t.query.find("case"); it != t.query.end()) {
    if (!plain_segment(it->second))
      return problem(req, error(errc::invalid_argument, "not a case id", "case"));
    only_case = it->second;
  }
  // Scan forward from `since` until `limit` visible records are found (or the outbox ends).
  json::array items;
  std::size_t pos = *since;
  const std::size_t chunk = 500;
  while (items.size() < *limit) {
    auto batch = eng_.notifications(pos, chunk);
    if (batch.empty()) break;
    std::size_t used = 0;
    std::size_t next = pos;
    for (const auto& n : batch) {
      if (items.size() >= *limit) break;
      ++used;
      next = static_cast<std::size_t>(n.position) + 1;
      if (!only_case.empty() && n.case_id != only_case) continue;
      if (!policy_.sees_every_agency(p) && !policy_.sees_agency(p, agency_of(n.case_id))) continue;
      json::object o{{"position", n.position},
                     {"key", n.key},
                     {"case", n.case_id},
                     {"kind", n.kind},
                     {"rule", n.rule},
                     {"due", format_utc(n.due)},
                     {"recorded_at", format_utc(n.recorded_at)}};
      json::array ch;
      for (const auto& c : n.channels) ch.push_back(json::value(c));
      o["channels"] = std::move(ch);
      o["recipients"] = n.recipients;
      o["sent_at"] = n.sent_at ? json::value(format_utc(*n.sent_at)) : json::value(nullptr);
      items.push_back(std::move(o));
    }
    if (next <= pos) break;  // no progress (cannot happen: positions increase)
    pos = next;
    if (batch.size() < chunk && used == batch.size()) break;
  }
  return json_answer(req, http::status::ok, json::object{{"notifications", std::move(items)}, {"next", pos}});
}

response api::clock(const request& req, const principal& p) {
  auto cal = eng_.calendar();
  json::object o{{"now", format_utc(eng_.now())},
                 {"local", cal->format_local(eng_.now())},
                 {"mode", opt_.clock == clock_mode::virtual_time ? "virtual" : "real"},
                 {"zone", cal->options().zone},
                 {"calendar_version", cal->version()}};
  return json_answer(req, http::status::ok, o);
}

response api::advance_clock(const request& req, const principal& p) {
  if (p.r != role::admin) return admin_only(req);
  auto body = parse_object(req.body(), opt_.limits);
  if (!body) return problem(req, body.error());
  if (auto st = only_fields(*body, {"by", "to"}); !st) return problem(req, st.error());
  auto by = string_field(*body, "by");
  if (!by) return problem(req, by.error());
  auto to = string_field(*body, "to");
  if (!to) return problem(req, to.error());
  if (by->has_value() == to->has_value())
    return problem(req, error(errc::invalid_argument, "give exactly one of \"by\" and \"to\"", "by"));
  instant target;
  if (by->has_value()) {
    auto d = parse_iso_duration(**by);
    if (!d) return problem(req, error(errc::invalid_argument, d.error().message(), "by"));
    if (d->negative) return problem(req, error(errc::invalid_argument, "the clock only moves forward", "by"));
    target = eng_.calendar()->add(eng_.now(), *d);
  } else {
    auto t = parse_instant(**to);
    if (!t) return problem(req, error(errc::invalid_argument, t.error().message(), "to"));
    target = *t;
  }
  if (opt_.clock != clock_mode::virtual_time)
    return problem(req,
                   error(errc::failed_precondition, "the clock moves only under --clock virtual", "clock"));
  auto st = eng_.advance_to(target).get();
  if (!st) return problem(req, st.error());
  log_.write("info", "clock advanced", {{"to", format_utc(target)}, {"token", p.id}});
  return clock(req, p);
}

response api::add_closure(const request& req, const principal& p) {
  if (p.r != role::admin) return admin_only(req);
  auto body = parse_object(req.body(), opt_.limits);
  if (!body) return problem(req, body.error());
  if (auto st = only_fields(*body, {"day", "scope", "reason", "areas"}); !st) return problem(req, st.error());
  auto day = string_field(*body, "day");
  if (!day) return problem(req, day.error());
  if (!day->has_value()) return problem(req, error(errc::invalid_argument, "required (YYYY-MM-DD)", "day"));
  auto d = parse_day(**day);
  if (!d) return problem(req, error(errc::invalid_argument, d.error().message(), "day"));
  closure c;
  c.day = *d;
  auto scope = string_field(*body, "scope");
  if (!scope) return problem(req, scope.error());
  if (scope->has_value() && **scope != "city_wide" && **scope != "partial")
    return problem(req, error(errc::invalid_argument, "must be city_wide or partial", "scope"));
  c.scope = scope->value_or("city_wide") == "partial" ? closure_scope::partial : closure_scope::city_wide;
  auto reason = string_field(*body, "reason");
  if (!reason) return problem(req, reason.error());
  if (!reason->has_value() || (*reason)->empty() || (*reason)->size() > 200)
    return problem(req, error(errc::invalid_argument, "required: 1 to 200 bytes", "reason"));
  c.reason = **reason;
  auto areas = string_field(*body, "areas");
  if (!areas) return problem(req, areas.error());
  if (areas->has_value() && (*areas)->size() > 200)
    return problem(req, error(errc::invalid_argument, "at most 200 bytes", "areas"));
  c.areas = areas->value_or("");
  c.announced_at = eng_.now();
  auto st = eng_.add_closure(c).get();
  if (!st) return problem(req, st.error());
  log_.write("info", "closure added", {{"day", format_day(c.day)}, {"token", p.id}});
  return json_answer(req, http::status::created,
                     json::object{{"day", format_day(c.day)},
                                  {"scope", c.scope == closure_scope::partial ? "partial" : "city_wide"},
                                  {"calendar_version", eng_.calendar()->version()}});
}

response api::dead_letters(const request& req, const principal& p) {
  if (p.r != role::admin) return admin_only(req);
  json::array items;
  if (webhooks_) {
    auto list = webhooks_->dead_letters();
    if (!list) return problem(req, list.error());
    items = std::move(*list);
  }
  return json_answer(req, http::status::ok, json::object{{"dead_letters", std::move(items)}});
}

}  // namespace casework::server_detail
