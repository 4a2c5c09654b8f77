// The mapping from engine errors to problem documents (server/src/http.hpp): a storage error is "in doubt"
// and answered 503 with Retry-After, never as a refusal.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http.hpp"

namespace casework::server_detail {

namespace {
request get(const char* target) {
  request r{http::verb::post, target, 11};
  return r;
}
}  // namespace

TEST(ServerProblems, AStorageErrorIsInDoubt503WithRetryAfter) {
  auto res = problem(get("/v1/cases/2026030200001/sign"),
                     error(errc::storage, "write failed: No space left on device"));
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
  auto doc = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(doc.at("code"), "storage");
  EXPECT_EQ(doc.at("instance"), "/v1/cases/2026030200001/sign");
  EXPECT_EQ(std::string(doc.at("detail").as_string()).rfind("in doubt: ", 0), 0u);
}

TEST(ServerProblems, EachEngineCodeHasOneStatus) {
  EXPECT_EQ(status_of(errc::invalid_argument), http::status::bad_request);
  EXPECT_EQ(status_of(errc::not_found), http::status::not_found);
  EXPECT_EQ(status_of(errc::failed_precondition), http::status::conflict);
  EXPECT_EQ(status_of(errc::rule_violation), http::status::conflict);
  EXPECT_EQ(status_of(errc::already_exists), http::status::conflict);
  EXPECT_EQ(status_of(errc::permission_denied), http::status::forbidden);
  EXPECT_EQ(status_of(errc::unavailable), http::status::service_unavailable);
  EXPECT_EQ(status_of(errc::internal), http::status::internal_server_error);
}

TEST(ServerProblems, FieldAndRuleAreCarriedAsExtensions) {
  auto res = problem(get("/v1/cases"), error(errc::invalid_argument, "required", "reporter.name", "R6.2"));
  auto doc = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(doc.at("status"), 400);
  EXPECT_EQ(doc.at("field"), "reporter.name");
  EXPECT_EQ(doc.at("rule"), "R6.2");
  EXPECT_EQ(doc.at("type"), "urn:casework:problem:invalid_argument");
}

}  // namespace casework::server_detail
