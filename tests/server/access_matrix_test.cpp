// The access-control matrix: every endpoint x every role x own/other agency, asserting the status code.
// The case under test belongs to pwd-parks-lights (a streetlight). "own" tokens are bound to that agency,
// "other" tokens to dep; call-centre is the hotline agency, whose tokens see every agency's cases.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace json = boost::json;

namespace {
const std::vector<std::string> principals = {"call-taker@pwd-parks-lights",
                                             "call-taker@dep",
                                             "duty-officer@pwd-parks-lights",
                                             "duty-officer@dep",
                                             "handler@pwd-parks-lights",
                                             "handler@dep",
                                             "supervisor@pwd-parks-lights",
                                             "supervisor@dep",
                                             "open311-client@pwd-parks-lights",
                                             "open311-client@dep",
                                             "call-taker@call-centre",
                                             "admin",
                                             "auditor",
                                             ""};  // "": no token

struct row {
  std::string endpoint;
  std::vector<unsigned> expected;  // one per principal, same order
};

int address_counter = 0;
}  // namespace

TEST(ServerAccessMatrix, EveryEndpointEveryRoleOwnAndOtherAgency) {
  running_server s;
  auto fresh_case = [&] {
    auto c = s.call_json("POST", "/v1/cases", "call-taker@call-centre",
                         streetlight_report("No. " + std::to_string(++address_counter) + " Matrix Rd"));
    EXPECT_EQ(c.status, 201u) << c.body;
    return std::string(c.json().at("id").as_string());
  };
  const std::string id = fresh_case();
  int closure_day = 2;  // a new working day for each closure that is accepted
  using request_for = std::function<http_answer(const std::string& who)>;
  auto tok = [&](const std::string& who) { return who.empty() ? std::string() : s.token(who); };
  auto form = [&](const std::string& who) {
    std::string body =
        "service_code=streetlight-out&attribute%5Bdistrict%5D=daan&first_name=Lin&phone=0911&"
        "address_string=No.+" +
        std::to_string(++address_counter) + "+Open311+Rd";
    return http_call(s.port(), "POST", "/open311/v2/requests.json", body, tok(who),
                     "application/x-www-form-urlencoded");
  };
  const std::vector<std::pair<row, request_for>> matrix = {
      //                                  ct ct  do  do  h   h   sup sup o311 o311 hot adm aud none
      {{"GET /v1/cases/{id}", {200, 404, 200, 404, 200, 404, 200, 404, 403, 403, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/v1/cases/" + id, w); }},
      {{"GET /v1/cases/{id}/history", {200, 404, 200, 404, 200, 404, 200, 404, 403, 403, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/v1/cases/" + id + "/history", w); }},
      {{"GET /v1/cases", {200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/v1/cases", w); }},
      {{"POST /v1/cases", {201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403, 403, 401}},
       [&](auto& w) {
         return s.call_json("POST", "/v1/cases", w,
                            streetlight_report("No. " + std::to_string(++address_counter) + " New Rd"));
       }},
      {{"POST /v1/cases/{id}/sign", {403, 404, 200, 404, 403, 404, 403, 404, 403, 403, 403, 403, 403, 401}},
       [&](auto& w) { return s.call("POST", "/v1/cases/" + fresh_case() + "/sign", w); }},
      {{"POST /v1/cases/{id}/release",
        {403, 404, 403, 404, 403, 404, 200, 404, 403, 403, 403, 403, 403, 401}},
       [&](auto& w) {
         return s.call_json("POST", "/v1/cases/" + fresh_case() + "/release", w,
                            {{"reason", "not_listed_item"}});
       }},
      {{"GET /v1/notifications", {200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/v1/notifications", w); }},
      {{"GET /v1/clock", {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/v1/clock", w); }},
      {{"POST /v1/clock/advance", {403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 401}},
       [&](auto& w) {
         return s.call_json("POST", "/v1/clock/advance", w, {{"by", "PT1M"}});
       }},
      {{"POST /v1/calendar/closures", {403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403, 401}},
       [&](auto& w) {
         return s.call_json("POST", "/v1/calendar/closures", w,
                            {{"day", "2026-04-0" + std::to_string(closure_day++ % 7 + 1)},
                             {"scope", "partial"},
                             {"reason", "matrix"}});
       }},
      {{"GET /v1/webhooks/dead-letters",
        {403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 401}},
       [&](auto& w) { return s.call("GET", "/v1/webhooks/dead-letters", w); }},
      {{"GET /open311/v2/services.json",
        {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
       [&](auto& w) { return s.call("GET", "/open311/v2/services.json", w); }},
      {{"GET /open311/v2/requests/{id}",
        {200, 404, 200, 404, 200, 404, 200, 404, 200, 404, 200, 200, 200, 401}},
       [&](auto& w) { return s.call("GET", "/open311/v2/requests/" + id + ".json", w); }},
      {{"POST /open311/v2/requests", {201, 403, 403, 403, 403, 403, 403, 403, 201, 403, 201, 403, 403, 401}},
       form},
  };
  for (const auto& [r, call] : matrix) {
    ASSERT_EQ(r.expected.size(), principals.size()) << r.endpoint;
    for (std::size_t i = 0; i < principals.size(); ++i) {
      auto a = call(principals[i]);
      EXPECT_EQ(a.status, r.expected[i])
          << r.endpoint << " as " << (principals[i].empty() ? "nobody" : principals[i]) << ": " << a.body;
    }
  }
}

TEST(ServerAccessMatrix, ListingsAndNotificationsShowOnlyTheTokensAgency) {
  running_server s;
  auto c = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(c.status, 201u);
  EXPECT_EQ(s.call("GET", "/v1/cases", "supervisor@pwd-parks-lights").json().at("cases").as_array().size(),
            1u);
  EXPECT_EQ(s.call("GET", "/v1/cases", "supervisor@dep").json().at("cases").as_array().size(), 0u);
  EXPECT_EQ(s.call("GET", "/v1/cases?agency=pwd-parks-lights", "supervisor@dep")
                .json()
                .at("cases")
                .as_array()
                .size(),
            0u);
  EXPECT_GE(s.call("GET", "/v1/notifications", "supervisor@pwd-parks-lights")
                .json()
                .at("notifications")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(s.call("GET", "/v1/notifications", "supervisor@dep").json().at("notifications").as_array().size(),
            0u);
  auto o311 =
      http_call(s.port(), "GET", "/open311/v2/requests.json?api_key=" + s.token("open311-client@dep"));
  EXPECT_EQ(o311.status, 200u);
  EXPECT_EQ(o311.json().as_array().size(), 0u);
}

TEST(ServerAccessMatrix, PersonalDataOnlyForRolesThatContactCitizens) {
  running_server s;
  auto c = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  const std::string at = "/v1/cases/" + std::string(c.json().at("id").as_string());
  for (const char* who :
       {"call-taker@call-centre", "handler@pwd-parks-lights", "supervisor@pwd-parks-lights"})
    EXPECT_NE(s.call("GET", at, who).body.find("0912345678"), std::string::npos) << who;
  for (const char* who : {"duty-officer@pwd-parks-lights", "auditor", "admin"}) {
    auto a = s.call("GET", at, who);
    EXPECT_EQ(a.status, 200u);
    EXPECT_EQ(a.body.find("0912345678"), std::string::npos) << who;
    EXPECT_EQ(a.body.find("Chen Mei-Ling"), std::string::npos) << who;
    EXPECT_EQ(a.json().at("fields").at("reporter").at("phone"), "[redacted]") << who;
  }
}

}  // namespace casework::testing
