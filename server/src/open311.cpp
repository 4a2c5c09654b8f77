// Open311 GeoReport v2 over the dispatch workflow: a service is an item of the item table, a request is a
// dispatch case (see api.hpp and docs/server.md#open311). Errors use the spec's format:
// [{"code": <HTTP status>, "description": "..."}].
#include <boost/json.hpp>

#include "api.hpp"
#include "casework/time.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
constexpr const char* prefix = "/open311/v2/";

response o311_error(const request& req, http::status s, const std::string& description) {
  json::array a{json::object{{"code", static_cast<unsigned>(s)}, {"description", description}}};
  return json_answer(req, s, a);
}

response o311_error(const request& req, const error& e) {
  std::string d = e.field().empty() ? e.message() : e.field() + ": " + e.message();
  if (!e.rule().empty()) d += " (" + e.rule() + ")";
  return o311_error(req, status_of(e.code()), d);
}

// "services/streetlight-out.json" -> "streetlight-out"
bool strip_json(const std::string& s, std::string& out) {
  if (s.size() < 6 || s.compare(s.size() - 5, 5, ".json") != 0) return false;
  out = s.substr(0, s.size() - 5);
  return true;
}

// Open311 form parameter -> engine input path. Anything else is refused (unknown fields are rejected).
const std::pair<const char*, const char*> form_fields[] = {{"service_code", "item"},
                                                           {"attribute[district]", "district"},
                                                           {"address_string", "location.address"},
                                                           {"lat", "location.lat"},
                                                           {"long", "location.lng"},
                                                           {"description", "description"},
                                                           {"email", "reporter.email"},
                                                           {"phone", "reporter.phone"},
                                                           {"first_name", ""},
                                                           {"last_name", ""},
                                                           {"api_key", ""},
                                                           {"jurisdiction_id", ""},
                                                           {"device_id", ""},
                                                           {"account_id", ""}};
}  // namespace

std::optional<response> api::open311(const request& req, const target& t, const reply_later& later) {
  const std::size_t plen = std::string_view(prefix).size();
  const std::string rest = t.path.size() < plen ? std::string() : t.path.substr(plen);
  const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
  std::string code;
  if (rest == "services.json")
    return get ? open311_services(req) : o311_error(req, http::status::method_not_allowed, "GET only");
  if (rest.rfind("services/", 0) == 0 && strip_json(rest.substr(9), code)) {
    if (!get) return o311_error(req, http::status::method_not_allowed, "GET only");
    return open311_service(req, code);
  }
  if (rest == "requests.json") {
    if (post) return open311_create(req, later);
    if (get) return open311_requests(req, t, nullptr, later);
    return o311_error(req, http::status::method_not_allowed, "GET or POST");
  }
  if (rest.rfind("requests/", 0) == 0 && strip_json(rest.substr(9), code)) {
    if (!get) return o311_error(req, http::status::method_not_allowed, "GET only");
    if (!plain_segment(code))
      return o311_error(req, http::status::bad_request, "service_request_id: not an id");
    return open311_requests(req, t, &code, later);
  }
  return o311_error(req, http::status::not_found, "no such resource");
}

response api::open311_services(const request& req) {
  json::array out;
  for (const auto& it : opt_.rules->items.items()) {
    if (it.workflow != "dispatch") continue;
    out.push_back(json::object{{"service_code", it.code},
                               {"service_name", it.name_en.empty() ? it.name_zh : it.name_en},
                               {"description", it.name_zh},
                               {"metadata", true},
                               {"type", "realtime"},
                               {"keywords", it.name_zh},
                               {"group", it.agency}});
  }
  return json_answer(req, http::status::ok, out);
}

response api::open311_service(const request& req, const std::string& code) {
  const auto* it = opt_.rules->items.find(code);
  if (!it || it->workflow != "dispatch")
    return o311_error(req, http::status::not_found, "service_code: no such service");
  json::array attrs{json::object{{"variable", true},
                                 {"code", "district"},
                                 {"datatype", "string"},
                                 {"required", true},
                                 {"datatype_description", "the district of the place, e.g. daan"},
                                 {"order", 1},
                                 {"description", "District"}}};
  return json_answer(req, http::status::ok,
                     json::object{{"service_code", code}, {"attributes", std::move(attrs)}});
}

std::optional<response> api::open311_create(const request& req, const reply_later& later) {
  auto ct = req[http::field::content_type];
  if (std::string_view(ct.data(), ct.size()).substr(0, 33) != "application/x-www-form-urlencoded")
    return o311_error(req, http::status::unsupported_media_type,
                      "the body must be application/x-www-form-urlencoded");
  auto form = parse_form(req.body());
  if (!form) return o311_error(req, form.error());
  for (const auto& kv : *form)
    if (kv.second.size() > opt_.limits.string_bytes)
      return o311_error(req, http::status::bad_request, kv.first + ": too long");
  const std::string* key = nullptr;
  if (auto it = form->find("api_key"); it != form->end()) key = &it->second;
  auto p = authenticate(req, key);
  if (!p) return o311_error(req, http::status::unauthorized, "api_key: required and valid");
  if (p->r != role::open311_client && p->r != role::call_taker)
    return o311_error(req, http::status::forbidden, "api_key: this key does not submit requests");
  json::object input;
  for (const auto& kv : *form) {
    const char* path = nullptr;
    for (const auto& [name, to] : form_fields)
      if (kv.first == name) path = to;
    if (!path) return o311_error(req, http::status::bad_request, kv.first + ": unknown field");
    if (!*path) continue;
    std::string_view target(path);
    if (target == "location.lat" || target == "location.lng") {
      char* end = nullptr;
      double d = std::strtod(kv.second.c_str(), &end);
      if (kv.second.empty() || *end)
        return o311_error(req, http::status::bad_request, kv.first + ": must be a number");
      set_path(input, target, d);
    } else {
      set_path(input, target, json::value(kv.second));
    }
  }
  std::string name;
  for (const char* part : {"first_name", "last_name"})
    if (auto it = form->find(part); it != form->end() && !it->second.empty())
      name += (name.empty() ? "" : " ") + it->second;
  if (!name.empty()) set_path(input, "reporter.name", json::value(name));
  set_path(input, "reply", json::value(find_path(input, "reporter.phone") ? "sms" : "none"));
  const json::value* item = input.if_contains("item");
  const auto* it =
      item && item->is_string() ? opt_.rules->items.find(std::string(item->get_string())) : nullptr;
  if (!it) return o311_error(req, http::status::bad_request, "service_code: no such service");
  if (!policy_.sees_agency(*p, it->agency))
    return o311_error(req, http::status::forbidden, "service_code: not a service of this key's agency");
  command cmd{"create", "call_taker", p->actor_id(), std::move(input)};
  auto head = header_of(req);
  eng_.create_case("dispatch", std::move(cmd),
                   on_strand(head, later, [this, head, who = *p](expected<case_view> created) -> std::optional<response> {
                     return open311_created(*head, who, std::move(created));
                   }));
  return std::nullopt;
}

// The answer to an Open311 POST requests.json, once the engine has answered.
response api::open311_created(const request& req, const principal& p, expected<case_view> created) {
  if (!created) {
    // Open311 names first_name/last_name for the reporter's name.
    auto e = created.error();
    if (e.field() == "reporter.name") e = error(e.code(), e.message(), "first_name", e.rule());
    return o311_error(req, e);
  }
  json::object r{{"service_request_id", created->state->id}};
  if (created->merged) r["service_notice"] = "merged into an open request at the same place (R6.12)";
  log_.write("info", "open311 request",
             {{"case", created->state->id}, {"merged", created->merged}, {"token", p.id}});
  return json_answer(req, created->merged ? http::status::ok : http::status::created, json::array{r});
}

json::object api::open311_request_json(const principal& p, const case_view& v, std::vector<std::string>& shown) {
  const case_state& s = *v.state;
  const auto* it = opt_.rules->items.find(s.item);
  json::object r{{"service_request_id", s.id},
                 {"status", s.terminal ? "closed" : "open"},
                 {"status_notes", s.state},
                 {"service_name", it ? json::value(it->name_en) : json::value(nullptr)},
                 {"service_code", s.item},
                 {"agency_responsible", s.agency},
                 {"requested_datetime", format_utc(s.created_at)},
                 {"updated_datetime", format_utc(s.updated_at)}};
  auto d = s.fields.if_contains("description");
  r["description"] = d && d->is_string() ? *d : json::value(nullptr);
  if (auto dl = s.deadlines.find("stage-one"); dl != s.deadlines.end())
    r["expected_datetime"] = format_utc(dl->second.at);
  if (auto* lat = find_path(s.fields, "location.lat"); lat && lat->is_number())
    r["lat"] = lat->to_number<double>();
  if (auto* lng = find_path(s.fields, "location.lng"); lng && lng->is_number())
    r["long"] = lng->to_number<double>();
  auto* addr = find_path(s.fields, "location.address");
  if (addr && addr->is_string() && access_policy::sees_personal_data(p)) {
    shown.push_back(s.id);
    r["address"] = *addr;
  }
  return r;
}

std::optional<response> api::open311_requests(const request& req, const target& t, const std::string* only_id,
                                              const reply_later& later) {
  const std::string* key = nullptr;
  if (auto it = t.query.find("api_key"); it != t.query.end()) key = &it->second;
  auto p = authenticate(req, key);
  if (!p) return o311_error(req, http::status::unauthorized, "api_key: required and valid");
  if (auto u = t.unknown_param({"api_key", "jurisdiction_id", "service_request_id", "service_code", "status",
                                "start_date", "end_date"}))
    return o311_error(req, http::status::bad_request, *u + ": unknown parameter");
  auto param = [&](const char* k) {
    auto it = t.query.find(k);
    return it == t.query.end() ? std::string() : it->second;
  };
  std::vector<std::string> ids;
  if (only_id) ids.push_back(*only_id);
  for (std::string list = param("service_request_id"); !list.empty();) {
    auto comma = list.find(',');
    ids.push_back(list.substr(0, comma));
    list = comma == std::string::npos ? "" : list.substr(comma + 1);
    if (!plain_segment(ids.back()))
      return o311_error(req, http::status::bad_request, "service_request_id: not an id");
    if (ids.size() > opt_.limits.page_max)
      return o311_error(req, http::status::bad_request, "service_request_id: too many");
  }
  const std::string status_filter = param("status");
  if (!status_filter.empty() && status_filter != "open" && status_filter != "closed")
    return o311_error(req, http::status::bad_request, "status: must be open or closed");
  std::optional<instant> from, to;
  for (auto [name, slot] : {std::pair{"start_date", &from}, std::pair{"end_date", &to}})
    if (auto v = param(name); !v.empty()) {
      auto i = parse_instant(v);
      if (!i)
        return o311_error(req, http::status::bad_request, std::string(name) + ": " + i.error().message());
      *slot = *i;
    }
  if (ids.empty()) {  // a search: the dispatch cases the key may see, newest limited to one page
    case_query q;
    q.workflow = "dispatch";
    q.item = param("service_code");
    if (!policy_.sees_every_agency(*p)) q.agency = p->agency;
    q.limit = opt_.limits.page_max;
    auto rows = eng_.list_cases(q).get();
    if (!rows) return o311_error(req, rows.error());
    for (const auto& r : *rows) {
      if (from && r.created_at < *from) continue;
      if (to && r.created_at > *to) continue;
      if (!status_filter.empty() && (status_filter == "closed") != r.terminal) continue;
      ids.push_back(r.id);
    }
  }
  if (ids.empty()) return json_answer(req, http::status::ok, json::array{});
  // Every case asked of the engine at once, by callback; the answer is built where the session runs once the
  // last one is in, in the order of `ids`.
  struct gathered {
    std::mutex mu;
    std::vector<expected<case_view>> answers;
    std::size_t left;
  };
  auto all = std::make_shared<gathered>();
  all->answers.assign(ids.size(), error(errc::unavailable, "not answered", "service_request_id"));
  all->left = ids.size();
  auto head = header_of(req);
  const bool single = only_id != nullptr;
  auto build = [this, head, later, p = *p, all, single]() -> std::optional<response> {
    json::array out;
    std::vector<std::string> shown;
    for (auto& answer : all->answers) {
      auto v = visible(p, std::move(answer));
      if (!v || v->state->workflow != "dispatch") {
        if (single) return o311_error(*head, http::status::not_found, "service_request_id: no such request");
        continue;
      }
      out.push_back(open311_request_json(p, *v, shown));
    }
    return send_recorded(head, later, p, shown, "GET /open311/v2/requests",
                         json_answer(*head, http::status::ok, out), &o311_error);
  };
  for (std::size_t i = 0; i < ids.size(); ++i)
    eng_.get_case(ids[i], [log = &log_, head, later, all, build, i](expected<case_view> answer) {
      {
        std::lock_guard<std::mutex> lock(all->mu);
        all->answers[i] = std::move(answer);
        if (--all->left > 0) return;
      }
      run_on_strand(*log, head, later, build);
    });
  return std::nullopt;
}

}  // namespace casework::server_detail
