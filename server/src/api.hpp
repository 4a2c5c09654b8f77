// The routes of caseworkd: /v1 (api_cases.cpp, api_admin.cpp), Open311 GeoReport v2 (open311.cpp), health.
//
// api::handle() turns one parsed request into one response and never throws. It authenticates, checks the
// role and the agency scope, bounds and parses the input, calls the engine and shapes the answer; every
// decision about a case is the engine's. Creates, commands and case reads (POST /v1/cases, Open311's POST
// requests, POST /v1/cases/{id}/{command}, GET /v1/cases/{id} and its history, Open311's GET requests) ask
// the engine with callbacks and answer later through `reply_later`: no HTTP thread waits for the engine's
// answer, nor for the disk when the answer shows personal data (its access record is written by
// access_record's own thread, and the answer sent once it is on disk). Listings read the store's directory on
// the HTTP thread; the clock, the closures (admin) and the notifications listing (for a case whose agency it
// has not cached yet) still wait for the engine on it.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

  // The response, or nullopt when the route answers through `later` (creates, commands, case reads, histories,
  // Open311 reads, and any answer that waits for its personal-data record).
  std::optional<response> handle(const request& req, const reply_later& later);
  void set_draining() { draining_ = true; }

 private:
  std::optional<response> route(const request& req, const target& t, const reply_later& later);
  // A callback for the engine that runs `then` with its answer where the session runs (it may write: a
  // personal read's record). What `then` returns is the response (an exception: a 500); nullopt when it has
  // asked the engine again with another such callback. `head`: the request without its body.
  using then_fn = std::function<std::optional<response>(expected<case_view>)>;
  engine::case_callback on_strand(std::shared_ptr<const request> head, const reply_later& later, then_fn then);
  // The bearer token's principal (or, for Open311, the api_key parameter's). nullopt: answer 401.
  std::optional<principal> authenticate(const request& req, const std::string* api_key) const;

  // api_cases.cpp
  std::optional<response> create_case(const request& req, const principal& p, const reply_later& later);
  std::optional<response> case_created(std::shared_ptr<const request> head, const reply_later& later,
                                       const principal& p, const std::string& workflow, expected<case_view> created);
  std::optional<response> get_case(const request& req, const principal& p, const std::string& id,
                                   const reply_later& later);
  std::optional<response> case_command(const request& req, const principal& p, const std::string& id,
                                       const std::string& cmd, const reply_later& later);
  std::optional<response> command_answered(std::shared_ptr<const request> head, const reply_later& later,
                                           const principal& p, const std::string& id, const std::string& cmd,
                                           expected<case_view> done);
  response list_cases(const request& req, const principal& p, const target& t);
  std::optional<response> case_history(const request& req, const principal& p, const std::string& id,
                                       const reply_later& later);
  // The engine's answer if the principal may see the case; not_found (as for a case that does not exist)
  // otherwise.
  expected<case_view> visible(const principal& p, expected<case_view> v) const;
  // The case as the API shows it: personal fields redacted unless the role needs them. `shown` says whether
  // they are shown: then the answer goes out only once the read is recorded (send_recorded).
  boost::json::object case_json(const principal& p, const case_view& v, bool& shown);
  // Sends `res`, which shows case_id's personal fields, once the read is recorded on disk; if the record fails
  // the answer is the storage error's 503 instead. No HTTP thread waits for the disk. Returns nullopt.
  std::optional<response> send_recorded(std::shared_ptr<const request> head, const reply_later& later,
                                        const principal& p, const std::string& case_id, const char* endpoint,
                                        response res);
  // The same for an answer that shows several cases' personal fields: a record each, sent once all are on disk;
  // `failed` makes the answer to a failed record (Open311 has its own error format).
  using failure_answer = response (*)(const request&, const error&);
  std::optional<response> send_recorded(std::shared_ptr<const request> head, const reply_later& later,
                                        const principal& p, const std::vector<std::string>& case_ids,
                                        const char* endpoint, response res, failure_answer failed = &problem);

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
  std::optional<response> open311_requests(const request& req, const target& t, const std::string* only_id,
                                           const reply_later& later);
  // A case whose address the principal sees is added to `shown` (its read is recorded before the answer).
  boost::json::object open311_request_json(const principal& p, const case_view& v, std::vector<std::string>& shown);

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

// The request without its body, kept for an answer made later (version, keep-alive, target).
std::shared_ptr<const request> header_of(const request& req);

// Runs `fn` where the session runs and sends what it returns (an exception: logged, and a 500; nullopt:
// nothing, `fn` answers later itself). Called from engine callbacks, which may come while the server stops:
// it touches no api, only the log (which outlives it) and the session's own `later`.
void run_on_strand(server_log& log, std::shared_ptr<const request> head, const reply_later& later,
                   std::function<std::optional<response>()> fn);

}  // namespace casework::server_detail
