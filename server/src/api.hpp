// The routes of caseworkd: /v1 (api_cases.cpp, api_admin.cpp), Open311 GeoReport v2 (open311.cpp), health.
//
// api::handle() turns one parsed request into one response and never throws. It authenticates, checks the
// role and the agency scope, bounds and parses the input, calls the engine and shapes the answer; every
// decision about a case is the engine's. The creates (POST /v1/cases, Open311's POST requests) ask the engine
// with a callback and answer later through `reply_later`: no HTTP thread waits for the engine's answer.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <functional>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "access.hpp"
#include "casework/engine.hpp"
#include "casework/rocksdb_store.hpp"
#include "casework/server.hpp"
#include "http.hpp"
#include "casework/redaction.hpp"
#include "server_log.hpp"

namespace casework::server_detail {

class webhook_sender;

// How a route answers after the engine does: `post` runs a job where the session runs (its strand), and
// `send`, called there, writes the response. Both may be called from any thread; each at most once per
// request.
struct reply_later {
  std::function<void(std::function<void()>)> post;
  std::function<void(response)> send;
};

class api {
 public:
  api(const server_options& options, engine& eng, rocksdb_store& store, token_table tokens, server_log& log,
      webhook_sender* webhooks);
  ~api();

  // The response, or nullopt when the route answers through `later` (the creates).
  std::optional<response> handle(const request& req, const reply_later& later);
  void set_draining() { draining_ = true; }

 private:
  std::optional<response> route(const request& req, const target& t, const reply_later& later);
  // Asks the engine to create a case and answers through `later` with finish(head, answer), run where the
  // session runs (it may write to the store: a personal read's record). `head`: the request without its body.
  void create_then(const request& req, const std::string& workflow, command cmd, const reply_later& later,
                   std::function<response(const request& head, expected<case_view> created)> finish);
  // The bearer token's principal (or, for Open311, the api_key parameter's). nullopt: answer 401.
  std::optional<principal> authenticate(const request& req, const std::string* api_key) const;

  // api_cases.cpp
  std::optional<response> create_case(const request& req, const principal& p, const reply_later& later);
  response case_created(const request& req, const principal& p, const std::string& workflow,
                        expected<case_view> created);
  response get_case(const request& req, const principal& p, const std::string& id);
  response case_command(const request& req, const principal& p, const std::string& id,
                        const std::string& cmd);
  response list_cases(const request& req, const principal& p, const target& t);
  response case_history(const request& req, const principal& p, const std::string& id);
  // The case if the principal may see it; not_found (as for a case that does not exist) otherwise.
  expected<case_view> visible_case(const principal& p, const std::string& id);
  // The case as the API shows it: personal fields redacted unless the role needs them, and then the read is
  // recorded first (a failed record is a storage error: nothing personal is shown unrecorded).
  expected<boost::json::object> case_json(const principal& p, const case_view& v, const char* endpoint);
  status record_personal_read(const principal& p, const std::string& case_id, const char* endpoint);

  // api_admin.cpp
  response notifications(const request& req, const principal& p, const target& t);
  response clock(const request& req, const principal& p);
  response advance_clock(const request& req, const principal& p);
  response add_closure(const request& req, const principal& p);
  response dead_letters(const request& req, const principal& p);
  response readyz(const request& req);
  std::string agency_of(const std::string& case_id);  // the case's agency (cached), empty when unknown

  // open311.cpp
  std::optional<response> open311(const request& req, const target& t, const reply_later& later);
  response open311_services(const request& req);
  response open311_service(const request& req, const std::string& code);
  std::optional<response> open311_create(const request& req, const reply_later& later);
  response open311_created(const request& req, const principal& p, expected<case_view> created);
  response open311_requests(const request& req, const target& t, const std::string* only_id);
  expected<boost::json::object> open311_request_json(const principal& p, const case_view& v);

  const server_options& opt_;
  engine& eng_;
  rocksdb_store& store_;
  token_table tokens_;
  access_policy policy_;
  redactor redactor_;
  access_record access_;
  server_log& log_;
  webhook_sender* webhooks_;
  std::atomic<bool> draining_{false};
  std::uint64_t subscription_ = 0;
  std::mutex agencies_mu_;
  std::map<std::string, std::string> case_agency_;  // case id -> agency, kept by a subscription
};

// A path segment that can be a case id or a command name: 1..64 of [A-Za-z0-9_-].
bool plain_segment(const std::string& s);

}  // namespace casework::server_detail
