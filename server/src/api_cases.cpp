// /v1/cases: create, read, command, list, history (see api.hpp).
#include <boost/json.hpp>

#include "api.hpp"
#include "casework/time.hpp"
#include "json_input.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
response forbidden(const request& req, const std::string& detail, const std::string& field = {}) {
  return problem(req, http::status::forbidden, "permission_denied", detail, field);
}

bool is_json(const request& req) {
  auto ct = req[http::field::content_type];
  std::string_view v(ct.data(), ct.size());
  return v.substr(0, 16) == "application/json";
}

// The first engine role of the principal that the command accepts; else the first one (the engine refuses).
std::string pick_role(const std::vector<std::string>& mine, const command_def* c) {
  if (c)
    for (const auto& r : mine)
      for (const auto& allowed : c->roles)
        if (r == allowed) return r;
  return mine.empty() ? std::string() : mine.front();
}

json::array event_list(const std::vector<event>& events, const redactor* r) {
  json::array out;
  for (const auto& e : events) {
    auto o = to_json(e);
    if (r)
      if (auto* d = o.if_contains("data"); d && d->is_object()) r->redact_event_data(d->get_object());
    out.push_back(std::move(o));
  }
  return out;
}

std::size_t count_personal(const redactor& r, json::object copy) {
  return r.redact_fields(copy);
}
}  // namespace

namespace {
json::object personal_read(const principal& p, const std::string& case_id, const char* endpoint) {
  return json::object{{"who", p.id},
                      {"role", to_string(p.r)},
                      {"agency", p.agency},
                      {"case", case_id},
                      {"via", endpoint},
                      {"what", "personal fields shown by caseworkd"}};
}
}  // namespace

std::optional<response> api::send_recorded(std::shared_ptr<const request> head, const reply_later& later,
                                           const principal& p, const std::string& case_id, const char* endpoint,
                                           response res) {
  return send_recorded(std::move(head), later, p, std::vector<std::string>{case_id}, endpoint, std::move(res));
}

std::optional<response> api::send_recorded(std::shared_ptr<const request> head, const reply_later& later,
                                           const principal& p, const std::vector<std::string>& case_ids,
                                           const char* endpoint, response res, failure_answer failed) {
  if (case_ids.empty()) return res;
  struct pending {   // the answer, sent when the last record is written (the first failure instead, if any)
    std::mutex mu;
    std::size_t left;
    status first_failure;
    response answer;
  };
  auto all = std::make_shared<pending>();
  all->left = case_ids.size();
  all->answer = std::move(res);
  for (const auto& id : case_ids)
    access_.append_then(personal_read(p, id, endpoint), [head, later, all, failed](status recorded) {
      {
        std::lock_guard<std::mutex> lock(all->mu);
        if (!recorded.ok() && all->first_failure.ok()) all->first_failure = std::move(recorded);
        if (--all->left > 0) return;
      }
      later.post([head, later, all, failed] {
        later.send(all->first_failure.ok() ? std::move(all->answer) : failed(*head, all->first_failure.error()));
      });
    });
  return std::nullopt;
}

expected<case_view> api::visible(const principal& p, expected<case_view> v) const {
  if (!v) {
    if (v.error().code() == errc::not_found) return error(errc::not_found, "no such case", "id");
    return std::move(v).error();
  }
  if (!policy_.sees_agency(p, v->state->agency)) return error(errc::not_found, "no such case", "id");
  return v;
}

json::object api::case_json(const principal& p, const case_view& v, bool& shown) {
  const case_state& s = *v.state;
  json::object o;
  o["id"] = s.id;
  o["workflow"] = s.workflow;
  o["definition_version"] = s.definition_version;
  o["state"] = s.state;
  o["stage"] = s.stage;
  o["agency"] = s.agency;
  o["item"] = s.item;
  o["terminal"] = s.terminal;
  o["created_at"] = format_utc(s.created_at);
  o["updated_at"] = format_utc(s.updated_at);
  json::object deadlines;
  for (const auto& [name, d] : s.deadlines) deadlines[name] = format_utc(d.at);
  o["deadlines"] = std::move(deadlines);
  json::array timers;
  for (const auto& t : v.timers)
    timers.push_back(json::object{{"id", t.name}, {"due_at", format_utc(t.due)}, {"rule", t.rule}});
  o["pending_timers"] = std::move(timers);
  json::array allowed;
  if (auto def = opt_.rules->definitions.find(s.workflow, s.definition_version))
    for (const auto& role : access_policy::engine_roles(p))
      for (const auto& c : allowed_commands(*def, s, role))
        if (std::find(allowed.begin(), allowed.end(), json::value(c)) == allowed.end())
          allowed.push_back(json::value(c));
  o["allowed_commands"] = std::move(allowed);
  json::array links;
  for (const auto& [relation, other] : s.links)
    links.push_back(json::object{{"relation", relation}, {"case", other}});
  o["links"] = std::move(links);
  json::object fields = s.fields;
  shown = false;
  if (access_policy::sees_personal_data(p)) {
    shown = count_personal(redactor_, fields) > 0;
  } else {
    redactor_.redact_fields(fields);
  }
  o["fields"] = std::move(fields);
  return o;
}

std::optional<response> api::create_case(const request& req, const principal& p, const reply_later& later) {
  if (p.r != role::call_taker && p.r != role::supervisor)
    return forbidden(req, std::string("role ") + to_string(p.r) + " does not create cases");
  if (!is_json(req))
    return problem(req, http::status::unsupported_media_type, "invalid_argument",
                   "the body must be application/json", "Content-Type");
  auto body = parse_object(req.body(), opt_.limits);
  if (!body) return problem(req, body.error());
  std::string workflow = "dispatch";
  if (auto* w = body->if_contains("workflow")) {
    if (!w->is_string()) return problem(req, error(errc::invalid_argument, "must be a string", "workflow"));
    workflow = std::string(w->get_string());
    body->erase("workflow");
  }
  auto def = opt_.rules->definitions.latest(workflow);
  if (!def) return problem(req, error(errc::invalid_argument, "no such workflow", "workflow"));
  // Scope: the agency the case will belong to (the request's, else the item's) must be the token's.
  std::string agency;
  if (auto* a = body->if_contains("agency"); a && a->is_string()) agency = std::string(a->get_string());
  if (auto* i = body->if_contains("item"); agency.empty() && i && i->is_string())
    if (const auto* it = opt_.rules->items.find(std::string(i->get_string()))) agency = it->agency;
  if (!agency.empty() && !policy_.sees_agency(p, agency))
    return forbidden(req, "this token creates cases for its own agency only", "agency");
  const auto roles = access_policy::engine_roles(p);
  command cmd{"create", pick_role(roles, def->find_command("create")), p.actor_id(), std::move(*body)};
  auto head = header_of(req);
  eng_.create_case(workflow, std::move(cmd),
                   on_strand(head, later, [this, head, later, p, workflow](expected<case_view> created) {
                     return case_created(head, later, p, workflow, std::move(created));
                   }));
  return std::nullopt;
}

// The answer to POST /v1/cases, once the engine has answered.
std::optional<response> api::case_created(std::shared_ptr<const request> head, const reply_later& later,
                                          const principal& p, const std::string& workflow,
                                          expected<case_view> created) {
  const request& req = *head;
  if (!created) return problem(req, created.error());
  const char* endpoint = "POST /v1/cases";
  bool shown = false;
  auto o = case_json(p, *created, shown);
  o["merged"] = created->merged;
  log_.write(
      "info", "case created",
      {{"case", created->state->id}, {"workflow", workflow}, {"merged", created->merged}, {"token", p.id}});
  auto res = json_answer(req, created->merged ? http::status::ok : http::status::created, o);
  res.set(http::field::location, "/v1/cases/" + created->state->id);
  // A new case shows only the fields its request carried, and its `created` event (durable before this
  // answer, hash-chained, naming the token's actor) already records who sent them and when: no second record.
  // A repeat report joins an open case (R6.12) and shows that case's reporters: a read, recorded first (R9.2).
  if (shown && created->merged)
    return send_recorded(head, later, p, created->state->id, endpoint, std::move(res));
  return res;
}

std::optional<response> api::get_case(const request& req, const principal& p, const std::string& id,
                                      const reply_later& later) {
  if (!access_policy::reads_cases(p)) return forbidden(req, "this role reads cases through Open311 only");
  auto head = header_of(req);
  eng_.get_case(id, on_strand(head, later, [this, head, later, p](expected<case_view> answer) -> std::optional<response> {
    auto v = visible(p, std::move(answer));
    if (!v) return problem(*head, v.error());
    const char* endpoint = "GET /v1/cases/{id}";
    bool shown = false;
    auto res = json_answer(*head, http::status::ok, case_json(p, *v, shown));
    if (shown) return send_recorded(head, later, p, v->state->id, endpoint, std::move(res));
    return res;
  }));
  return std::nullopt;
}

// Two round trips to the engine, each answered by callback: the case (is it visible, has its workflow the
// command?), then the command.
std::optional<response> api::case_command(const request& req, const principal& p, const std::string& id,
                                          const std::string& name, const reply_later& later) {
  if (!access_policy::issues_commands(p))
    return forbidden(req, std::string("role ") + to_string(p.r) + " issues no case commands");
  if (name == "create") return problem(req, error(errc::invalid_argument, "use POST /v1/cases", "command"));
  json::object input;
  if (!req.body().empty()) {
    if (!is_json(req))
      return problem(req, http::status::unsupported_media_type, "invalid_argument",
                     "the body must be application/json", "Content-Type");
    auto body = parse_object(req.body(), opt_.limits);
    if (!body) return problem(req, body.error());
    input = std::move(*body);
  }
  auto head = header_of(req);
  auto in = std::make_shared<json::object>(std::move(input));
  eng_.get_case(id, on_strand(head, later, [this, head, later, p, id, name, in](expected<case_view> answer)
                                               -> std::optional<response> {
    auto v = visible(p, std::move(answer));
    if (!v) return problem(*head, v.error());
    auto def = opt_.rules->definitions.find(v->state->workflow, v->state->definition_version);
    const command_def* c = def ? def->find_command(name) : nullptr;
    if (!c)
      return problem(*head,
                     error(errc::not_found, "no such command in workflow " + v->state->workflow, "command"));
    command cmd{name, pick_role(access_policy::engine_roles(p), c), p.actor_id(), std::move(*in)};
    eng_.issue(id, std::move(cmd), on_strand(head, later, [this, head, later, p, id, name](expected<case_view> done) {
      return command_answered(head, later, p, id, name, std::move(done));
    }));
    return std::nullopt;
  }));
  return std::nullopt;
}

// The answer to a command, once the engine has answered.
std::optional<response> api::command_answered(std::shared_ptr<const request> head, const reply_later& later,
                                              const principal& p, const std::string& id, const std::string& name,
                                              expected<case_view> done) {
  const request& req = *head;
  if (!done) {
    log_.write("info", "command refused",
               {{"case", id},
                {"command", name},
                {"code", to_string(done.error().code())},
                {"field", done.error().field()},
                {"rule", done.error().rule()},
                {"token", p.id}});
    return problem(req, done.error());
  }
  const char* endpoint = "POST /v1/cases/{id}/{command}";
  bool shown = false;
  auto o = case_json(p, *done, shown);
  o["recorded"] = event_list(done->recorded, access_policy::sees_personal_data(p) ? nullptr : &redactor_);
  log_.write("info", "command recorded",
             {{"case", id},
              {"command", name},
              {"events", done->recorded.size()},
              {"state", done->state->state},
              {"token", p.id}});
  auto res = json_answer(req, http::status::ok, o);
  if (shown) return send_recorded(head, later, p, id, endpoint, std::move(res));
  return res;
}

response api::list_cases(const request& req, const principal& p, const target& t) {
  if (!access_policy::reads_cases(p)) return forbidden(req, "this role reads cases through Open311 only");
  if (auto u = t.unknown_param({"agency", "state", "item", "workflow", "overdue", "cursor", "limit"}))
    return problem(req, error(errc::invalid_argument, "unknown query parameter", *u));
  case_query q;
  auto param = [&](const char* k) {
    auto it = t.query.find(k);
    return it == t.query.end() ? std::string() : it->second;
  };
  q.agency = param("agency");
  q.state = param("state");
  q.item = param("item");
  q.workflow = param("workflow");
  q.after = param("cursor");
  if (!q.after.empty() && !plain_segment(q.after))
    return problem(req, error(errc::invalid_argument, "not a cursor from a previous page", "cursor"));
  auto overdue = param("overdue");
  if (overdue != "" && overdue != "true" && overdue != "false")
    return problem(req, error(errc::invalid_argument, "must be true or false", "overdue"));
  q.overdue_only = overdue == "true";
  q.limit = 100;
  if (auto l = param("limit"); !l.empty()) {
    std::size_t n = 0;
    bool ok = l.size() <= 4;
    for (char ch : l) ok = ok && std::isdigit(static_cast<unsigned char>(ch));
    if (ok) n = std::stoul(l);
    if (!ok || n < 1 || n > opt_.limits.page_max)
      return problem(req, error(errc::invalid_argument,
                                "must be 1 to " + std::to_string(opt_.limits.page_max), "limit"));
    q.limit = n;
  }
  if (!policy_.sees_every_agency(p)) {
    if (!q.agency.empty() && q.agency != p.agency)
      return json_answer(req, http::status::ok,
                         json::object{{"cases", json::array{}}, {"next_cursor", nullptr}});
    q.agency = p.agency;
  }
  const std::size_t want = q.limit;
  auto rows = eng_.list_cases(q).get();
  if (!rows) return problem(req, rows.error());
  json::array out;
  for (const auto& r : *rows)
    out.push_back(json::object{{"id", r.id},
                               {"workflow", r.workflow},
                               {"agency", r.agency},
                               {"item", r.item},
                               {"state", r.state},
                               {"stage", r.stage},
                               {"terminal", r.terminal},
                               {"created_at", format_utc(r.created_at)}});
  json::value next = nullptr;
  if (rows->size() == want && !rows->empty()) next = json::value(rows->back().id);
  return json_answer(req, http::status::ok, json::object{{"cases", std::move(out)}, {"next_cursor", next}});
}

std::optional<response> api::case_history(const request& req, const principal& p, const std::string& id,
                                          const reply_later& later) {
  if (!access_policy::reads_cases(p)) return forbidden(req, "this role reads cases through Open311 only");
  auto head = header_of(req);
  eng_.get_case(id, on_strand(head, later, [this, head, later, p, id](expected<case_view> answer)
                                               -> std::optional<response> {
    auto v = visible(p, std::move(answer));
    if (!v) return problem(*head, v.error());
    auto chain = store_.read_chain(id);
    if (!chain) return problem(*head, chain.error());
    const bool personal = access_policy::sees_personal_data(p);
    json::array events;
    for (const auto& se : *chain) {
      auto o = to_json(se.e);
      if (!personal)
        if (auto* d = o.if_contains("data"); d && d->is_object()) redactor_.redact_event_data(d->get_object());
      o["hash"] = se.hash;
      o["previous_hash"] = se.previous_hash;
      events.push_back(std::move(o));
    }
    auto res = json_answer(*head, http::status::ok, json::object{{"case", id}, {"events", std::move(events)}});
    if (personal) return send_recorded(head, later, p, id, "GET /v1/cases/{id}/history", std::move(res));
    return res;
  }));
  return std::nullopt;
}

}  // namespace casework::server_detail
