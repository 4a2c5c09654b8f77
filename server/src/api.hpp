// The routes of caseworkd: /v1 (api_cases.cpp, api_admin.cpp), Open311 GeoReport v2 (open311.cpp), health.
//
// api::handle() turns one parsed request into one response and never throws. It authenticates, checks the
// role and the agency scope, bounds and parses the input, calls the engine and shapes the answer; every
// decision about a case is the engine's.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
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

class api {
 public:
  api(const server_options& options, engine& eng, rocksdb_store& store, token_table tokens, server_log& log,
      webhook_sender* webhooks);
  ~api();

  response handle(const request& req);
  void set_draining() { draining_ = true; }

 private:
  response route(const request& req, const target& t);
  // The bearer token's principal (or, for Open311, the api_key parameter's). nullopt: answer 401.
  std::optional<principal> authenticate(const request& req, const std::string* api_key) const;

  // api_cases.cpp
  response create_case(const request& req, const principal& p);
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
  response open311(const request& req, const target& t);
  response open311_services(const request& req);
  response open311_service(const request& req, const std::string& code);
  response open311_create(const request& req);
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
