// Fuzz-style bad input: truncated JSON, deep nesting, huge strings and bodies, wrong types, unknown fields,
// bad ids, bad query parameters. Every one is a 4xx problem document naming the field, and none changes
// state.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace json = boost::json;

namespace {
struct bad_case {
  const char* name;
  std::string method, target, body;
  unsigned status;
  std::string field;  // expected "field" of the problem ("" = not checked)
};

// The observable state: every case's history length, and the outbox size.
std::string state_of(const running_server& s) {
  auto list = s.call("GET", "/v1/cases", "admin");
  std::string out = list.body;
  for (const auto& c : list.json().at("cases").as_array()) {
    auto h = s.call("GET", "/v1/cases/" + std::string(c.at("id").as_string()) + "/history", "admin");
    out += "|" + std::to_string(h.json().at("events").as_array().size());
  }
  return out + "|" + s.call("GET", "/v1/notifications", "admin").body;
}

std::string nested(int depth) {
  std::string s =
      R"({"item":"streetlight-out","district":"daan","reporter":{"name":"A","phone":"1"},"description":)";
  for (int i = 0; i < depth; ++i) s += "[";
  for (int i = 0; i < depth; ++i) s += "]";
  return s + "}";
}
}  // namespace

TEST(ServerBadInput, EveryMalformedRequestIsA4xxProblemAndChangesNothing) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u);
  const std::string id(created.json().at("id").as_string());
  ASSERT_EQ(s.call("POST", "/v1/cases/" + id + "/sign", "duty-officer@pwd-parks-lights").status, 200u);
  const std::string good = json::serialize(streetlight_report("No. 5 Other Rd"));
  const std::vector<bad_case> cases = {
      {"truncated JSON", "POST", "/v1/cases", good.substr(0, good.size() / 2), 400, "body"},
      {"empty body", "POST", "/v1/cases", "", 415, "Content-Type"},
      {"not an object", "POST", "/v1/cases", "[1,2,3]", 400, "body"},
      {"deep nesting", "POST", "/v1/cases", nested(40), 400, "body"},
      {"huge string", "POST", "/v1/cases",
       R"({"item":"streetlight-out","district":"daan","description":")" + std::string(5000, 'x') +
           R"(","reporter":{"name":"A","phone":"1"}})",
       400, "description"},
      {"huge body", "POST", "/v1/cases", std::string(70 * 1024, ' '), 413, "body"},
      {"wrong type", "POST", "/v1/cases",
       R"({"item":"streetlight-out","district":42,"reporter":{"name":"A","phone":"1"}})", 400, "district"},
      {"unknown field", "POST", "/v1/cases",
       R"({"item":"streetlight-out","district":"daan","colour":"red","reporter":{"name":"A","phone":"1"}})",
       400, "colour"},
      {"unknown nested field", "POST", "/v1/cases",
       R"({"item":"streetlight-out","district":"daan","reporter":{"name":"A","phone":"1","age":3}})", 400,
       "reporter.age"},
      {"missing reporter (R6.2)", "POST", "/v1/cases", R"({"item":"streetlight-out","district":"daan"})", 400,
       "reporter.name"},
      {"unknown workflow", "POST", "/v1/cases", R"({"workflow":"parking","item":"x"})", 400, "workflow"},
      {"lat out of range", "POST", "/v1/cases",
       R"({"item":"streetlight-out","district":"daan","location":{"lat":91},"reporter":{"name":"A","phone":"1"}})",
       400, "location.lat"},
      {"bad id", "GET", "/v1/cases/..%2F..%2Fetc", "", 400, "id"},
      {"id with spaces", "GET", "/v1/cases/a%20b", "", 400, "id"},
      {"unknown id", "GET", "/v1/cases/2099010100001", "", 404, "id"},
      {"unknown command", "POST", "/v1/cases/" + id + "/explode", "{}", 404, "command"},
      {"command input wrong type", "POST", "/v1/cases/" + id + "/assign", R"({"handler": 7})", 400,
       "handler"},
      {"command unknown field", "POST", "/v1/cases/" + id + "/assign", R"({"handler": "h", "when": "now"})",
       400, "when"},
      {"command truncated JSON", "POST", "/v1/cases/" + id + "/sign", R"({"a":)", 400, "body"},
      {"bad query parameter", "GET", "/v1/cases?colour=red", "", 400, "colour"},
      {"bad limit", "GET", "/v1/cases?limit=100000", "", 400, "limit"},
      {"bad overdue", "GET", "/v1/cases?overdue=maybe", "", 400, "overdue"},
      {"bad since", "GET", "/v1/notifications?since=-1", "", 400, "since"},
      {"bad percent-encoding", "GET", "/v1/cases?state=%zz", "", 400, "state"},
      {"advance: unknown field", "POST", "/v1/clock/advance", R"({"by":"PT1H","why":"x"})", 400, "why"},
      {"advance: both", "POST", "/v1/clock/advance", R"({"by":"PT1H","to":"2026-03-03T00:00:00Z"})", 400,
       "by"},
      {"advance: bad duration", "POST", "/v1/clock/advance", R"({"by":"1 hour"})", 400, "by"},
      {"advance: backwards", "POST", "/v1/clock/advance", R"({"by":"-PT1H"})", 400, "by"},
      {"closure: bad day", "POST", "/v1/calendar/closures", R"({"day":"2026-02-30","reason":"x"})", 400,
       "day"},
      {"closure: no reason", "POST", "/v1/calendar/closures", R"({"day":"2026-03-04"})", 400, "reason"},
      {"wrong method", "DELETE", "/v1/cases/" + id, "", 405, "method"},
      {"no such route", "GET", "/v1/everything", "", 404, "path"},
  };
  const std::string before = state_of(s);
  for (const auto& c : cases) {
    const std::string who =
        c.target.rfind("/v1/c", 0) == 0 && c.target.find("clock") == std::string::npos &&
                c.target.find("calendar") == std::string::npos
            ? (c.method == "POST" && c.target != "/v1/cases" ? "duty-officer@pwd-parks-lights"
                                                             : "call-taker@call-centre")
            : "admin";
    auto a = s.call(c.method, c.target, who, c.body);
    EXPECT_EQ(a.status, c.status) << c.name << ": " << a.body;
    EXPECT_EQ(a.header("content-type"), "application/problem+json") << c.name;
    auto doc = a.json();
    ASSERT_TRUE(doc.is_object()) << c.name << ": " << a.body;
    EXPECT_EQ(doc.at("status").to_number<unsigned>(), c.status) << c.name;
    if (!c.field.empty()) {
      ASSERT_TRUE(doc.as_object().contains("field")) << c.name << ": " << a.body;
      EXPECT_EQ(doc.at("field").as_string(), c.field) << c.name << ": " << a.body;
    }
  }
  EXPECT_EQ(state_of(s), before);
}

TEST(ServerBadInput, OversizedHeadersAndTargetsAreRefusedBeforeParsing) {
  running_server s;
  auto big = http_call(s.port(), "GET", "/v1/cases", "", s.token("admin"), "application/json",
                       {{"X-Padding", std::string(9000, 'p')}});
  EXPECT_EQ(big.status, 431u);
  EXPECT_EQ(big.header("content-type"), "application/problem+json");
  auto target = s.call("GET", "/v1/cases?state=" + std::string(3000, 'a'), "admin");
  EXPECT_EQ(target.status, 414u);
  EXPECT_EQ(target.json().at("field"), "target");
}

TEST(ServerBadInput, MissingOrWrongTokenIs401WithoutDetail) {
  running_server s;
  auto none = http_call(s.port(), "GET", "/v1/cases");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"casework\"");
  auto wrong = http_call(s.port(), "GET", "/v1/cases", "", "not-a-token");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.json().at("field"), "Authorization");
}

TEST(ServerBadInput, CreateWithTheWrongContentTypeIs415) {
  running_server s;
  auto a = http_call(s.port(), "POST", "/v1/cases", json::serialize(streetlight_report()),
                     s.token("call-taker@call-centre"), "text/plain");
  EXPECT_EQ(a.status, 415u);
  EXPECT_EQ(a.json().at("field"), "Content-Type");
}

}  // namespace casework::testing
