// Open311 GeoReport v2 over the dispatch workflow: every answer validates against the GeoReport v2 JSON
// schemas (tests/server/open311-schema, checked with ajv through validate.js); errors use the spec's format.
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace json = boost::json;

namespace {
// Exit status of validate.js for `doc` against `schema` (0: valid).
int validate(const std::string& schema, const std::string& doc) {
  temp_dir d;
  std::ofstream(d.str("doc.json")) << doc;
  const std::string cmd = "NODE_PATH='" CASEWORK_NPM_TOOLS "/node_modules' node '" CASEWORK_SERVER_TEST_DIR
                          "/validate.js' '" CASEWORK_SERVER_TEST_DIR "/open311-schema' '" +
                          schema + "' '" + d.str("doc.json") + "' 1>&2";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

http_answer submit(const running_server& s, const std::string& key, const std::string& form) {
  return http_call(s.port(), "POST", "/open311/v2/requests.json", form + "&api_key=" + key, {},
                   "application/x-www-form-urlencoded");
}

const char* report_form =
    "service_code=streetlight-out&attribute%5Bdistrict%5D=daan&address_string=No.+7+Open+Rd&lat=25.03&long="
    "121.56"
    "&first_name=Lin&last_name=Ya-Ting&phone=0922333444&description=lamp+dark";
}  // namespace

TEST(ServerOpen311, TheValidatorRejectsADocumentThatBreaksTheSchema) {
  // Without this, a validator that accepts everything would make the tests below pass.
  EXPECT_EQ(validate("requests.json", R"([{"service_request_id": "1", "status": "pending"}])"), 1);
  EXPECT_EQ(validate("services.json", R"([{"service_code": "x"}])"), 1);
  EXPECT_EQ(validate("requests.json", R"([{"service_request_id": "1", "status": "open", "service_code": "x",
                                           "requested_datetime": "2026-03-02T01:00:00Z"}])"),
            0);
}

TEST(ServerOpen311, ServicesAreTheDispatchItemsAndValidate) {
  running_server s;
  auto services = s.call("GET", "/open311/v2/services.json", "");
  ASSERT_EQ(services.status, 200u);
  EXPECT_EQ(validate("services.json", services.body), 0) << services.body;
  bool streetlight = false;
  for (const auto& sv : services.json().as_array())
    streetlight = streetlight || sv.at("service_code") == "streetlight-out";
  EXPECT_TRUE(streetlight);
  auto def = s.call("GET", "/open311/v2/services/streetlight-out.json", "");
  ASSERT_EQ(def.status, 200u);
  EXPECT_EQ(validate("service-definition.json", def.body), 0) << def.body;
  auto missing = s.call("GET", "/open311/v2/services/no-such-item.json", "");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.json().at(0).at("code"), 404);
}

TEST(ServerOpen311, ARequestIsADispatchCaseAndEveryAnswerValidates) {
  running_server s;
  const std::string key = s.token("open311-client@call-centre");
  auto created = submit(s, key, report_form);
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(validate("request-response.json", created.body), 0) << created.body;
  const std::string id(created.json().at(0).at("service_request_id").as_string());
  // The same case through /v1: a dispatch case of the item's agency, the reporter from first and last name.
  auto c = s.call("GET", "/v1/cases/" + id, "call-taker@call-centre");
  EXPECT_EQ(c.json().at("agency"), "pwd-parks-lights");
  EXPECT_EQ(c.json().at("fields").at("reporter").at("name"), "Lin Ya-Ting");
  EXPECT_EQ(c.json().at("fields").at("reply"), "sms");

  auto again = submit(s, key, report_form);  // the same place: joins the open case (R6.12)
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(validate("request-response.json", again.body), 0);
  EXPECT_EQ(again.json().at(0).at("service_request_id").as_string(), id);
  EXPECT_NE(again.body.find("R6.12"), std::string::npos);

  auto one = s.call("GET", "/open311/v2/requests/" + id + ".json?api_key=" + key, "");
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(validate("requests.json", one.body), 0) << one.body;
  EXPECT_EQ(one.json().at(0).at("status"), "open");
  EXPECT_EQ(one.json().at(0).as_object().count("address"), 0u) << "an Open311 client sees no personal data";
  auto list =
      s.call("GET", "/open311/v2/requests.json?status=open&service_code=streetlight-out&api_key=" + key, "");
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(validate("requests.json", list.body), 0) << list.body;
  EXPECT_EQ(list.json().as_array().size(), 1u);
  auto closed = s.call("GET", "/open311/v2/requests.json?status=closed&api_key=" + key, "");
  EXPECT_EQ(closed.json().as_array().size(), 0u);
}

TEST(ServerOpen311, ErrorsUseTheSpecsFormatAndNameTheField) {
  running_server s;
  const std::string key = s.token("open311-client@call-centre");
  struct bad {
    const char* name;
    std::string form;
    unsigned status;
    const char* says;
  };
  const std::vector<bad> cases = {
      {"unknown field", std::string(report_form) + "&colour=red", 400, "colour: unknown field"},
      {"no name (R6.2)", "service_code=streetlight-out&attribute%5Bdistrict%5D=daan&phone=1", 400,
       "first_name"},
      {"no contact (R6.2)", "service_code=streetlight-out&attribute%5Bdistrict%5D=daan&first_name=A", 400,
       "R6.2"},
      {"bad lat", std::string(report_form) + "&lat=north", 400, "lat: must be a number"},
      {"no such service", "service_code=moon-landing&first_name=A&phone=1", 400, "service_code"},
  };
  for (const auto& c : cases) {
    auto a = submit(s, key, c.form);
    EXPECT_EQ(a.status, c.status) << c.name << ": " << a.body;
    ASSERT_TRUE(a.json().is_array()) << c.name;
    EXPECT_EQ(a.json().at(0).at("code").to_number<unsigned>(), c.status) << c.name;
    EXPECT_NE(std::string(a.json().at(0).at("description").as_string()).find(c.says), std::string::npos)
        << c.name << ": " << a.body;
  }
  auto nokey = http_call(s.port(), "POST", "/open311/v2/requests.json", report_form, {},
                         "application/x-www-form-urlencoded");
  EXPECT_EQ(nokey.status, 401u);
  EXPECT_EQ(s.call("GET", "/v1/cases", "admin").json().at("cases").as_array().size(),
            0u);  // nothing recorded
}

}  // namespace casework::testing
