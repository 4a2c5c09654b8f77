// The personal-data access record behind caseworkd's answers (R9.2): each answer that shows personal fields
// goes out only once its record is on disk; when the record cannot be written the answer is a 503 showing
// nothing personal; records written together are each on their own line; a rotated file is reopened.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace {

std::vector<boost::json::object> access_lines(const running_server& s) {
  std::vector<boost::json::object> out;
  std::ifstream in(s.dir().str("store/personal-data-access.jsonl"));
  std::string line;
  while (std::getline(in, line)) out.push_back(boost::json::parse(line).as_object());
  return out;
}

std::size_t count_via(const std::vector<boost::json::object>& lines, const std::string& via) {
  std::size_t n = 0;
  for (const auto& l : lines)
    if (l.at("via") == via.c_str()) ++n;
  return n;
}

void expect_nothing_personal(const http_answer& a) {
  for (const char* personal : {"0912345678", "Chen Mei-Ling", "Xinyi"})
    EXPECT_EQ(a.body.find(personal), std::string::npos) << personal << " in " << a.body;
}

}  // namespace

// Creates, case reads and commands answer through engine callbacks; their records are written by the access
// record's own thread. While the file cannot be opened (a directory stands at its path) each of them is a 503
// that shows nothing personal; once it can, the same requests answer with the personal fields and are recorded.
// A create that opens a new case needs no record: it shows only what its request carried.
TEST(ServerPersonalRecord, R9_2_AnAnswerWhoseReadCannotBeRecordedIs503AndShowsNothingPersonal) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  ASSERT_EQ(s.call("POST", at + "/sign", "duty-officer@pwd-parks-lights").status, 200u);   // sees no personal data
  const std::string file = s.dir().str("store/personal-data-access.jsonl");
  ASSERT_FALSE(std::filesystem::exists(file));   // nothing personal has been shown yet
  std::filesystem::create_directory(file);

  // A new case shows only what its call taker sent; its `created` event records who sent it: answered.
  auto fresh = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report("No. 7 Songren Rd"));
  ASSERT_EQ(fresh.status, 201u) << fresh.body;
  EXPECT_EQ(fresh.json().at("fields").at("reporter").at("phone"), "0912345678");
  // A repeat report joins the open case (R6.12) and would show its reporters: withheld, the report kept.
  const std::string id = at.substr(10);
  const auto before_merge = s.srv().core().get_case(id).get()->state->seq;
  auto create = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  EXPECT_EQ(create.status, 503u) << create.body;
  expect_nothing_personal(create);
  EXPECT_EQ(create.json().at("code"), "storage") << create.body;
  EXPECT_GT(s.srv().core().get_case(id).get()->state->seq, before_merge);
  auto read = s.call("GET", at, "handler@pwd-parks-lights");
  EXPECT_EQ(read.status, 503u) << read.body;
  expect_nothing_personal(read);
  auto assign = s.call_json("POST", at + "/assign", "duty-officer@pwd-parks-lights",
                            {{"handler", "pwd-parks-lights-h-1"}});
  ASSERT_EQ(assign.status, 200u) << assign.body;   // a duty officer's answer shows nothing personal: no record
  const auto before = s.srv().core().get_case(id).get()->state->seq;
  auto report = s.call_json("POST", at + "/report", "handler@pwd-parks-lights", {{"result", "lamp replaced"}, {"finding", "fixed"}});
  EXPECT_EQ(report.status, 503u) << report.body;
  expect_nothing_personal(report);
  // The command itself was recorded: only its answer, which shows the reporter, was withheld.
  EXPECT_GT(s.srv().core().get_case(id).get()->state->seq, before);

  auto history = s.call("GET", at + "/history", "handler@pwd-parks-lights");
  EXPECT_EQ(history.status, 503u) << history.body;
  expect_nothing_personal(history);
  // Open311 answers a call taker's key with the address, and its errors in the spec's own format.
  auto o311 = s.call("GET", "/open311/v2/requests/" + id + ".json", "call-taker@call-centre");
  EXPECT_EQ(o311.status, 503u) << o311.body;
  expect_nothing_personal(o311);
  EXPECT_EQ(o311.json().at(0).at("code"), 503) << o311.body;

  std::filesystem::remove(file);
  read = s.call("GET", at, "handler@pwd-parks-lights");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json().at("fields").at("reporter").at("phone"), "0912345678");
  history = s.call("GET", at + "/history", "handler@pwd-parks-lights");
  ASSERT_EQ(history.status, 200u) << history.body;
  EXPECT_NE(history.body.find("0912345678"), std::string::npos);
  o311 = s.call("GET", "/open311/v2/requests/" + id + ".json", "call-taker@call-centre");
  ASSERT_EQ(o311.status, 200u) << o311.body;
  EXPECT_EQ(o311.json().at(0).at("address"), "No. 100 Xinyi Rd Sec 3") << o311.body;
  auto lines = access_lines(s);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("who"), "handler.pwd-parks-lights");
  EXPECT_EQ(lines[0].at("via"), "GET /v1/cases/{id}");
  EXPECT_EQ(lines[0].at("case"), id.c_str());
  EXPECT_EQ(lines[1].at("via"), "GET /v1/cases/{id}/history");
  EXPECT_EQ(lines[2].at("who"), "call-taker.call-centre");
  EXPECT_EQ(lines[2].at("via"), "GET /open311/v2/requests");
}

// An Open311 search asks the engine for every case it lists at once (by callback); each address it shows is
// recorded, once.
TEST(ServerPersonalRecord, R9_2_AnOpen311SearchRecordsEveryAddressItShows) {
  running_server s;
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) {
    auto c = s.call_json("POST", "/v1/cases", "call-taker@call-centre",
                         streetlight_report("No. " + std::to_string(i) + " Search Rd"));
    ASSERT_EQ(c.status, 201u) << c.body;
    ids.emplace_back(c.json().at("id").as_string());
  }
  const std::size_t before = access_lines(s).size();
  auto all = s.call("GET", "/open311/v2/requests.json", "call-taker@call-centre");
  ASSERT_EQ(all.status, 200u) << all.body;
  const auto& arr = all.json().as_array();
  ASSERT_EQ(arr.size(), ids.size()) << all.body;
  std::vector<std::string> listed;
  for (const auto& r : arr) {
    listed.emplace_back(r.at("service_request_id").as_string());
    EXPECT_TRUE(r.as_object().contains("address")) << boost::json::serialize(r);
  }
  auto lines = access_lines(s);
  EXPECT_EQ(lines.size() - before, ids.size());
  std::vector<std::string> recorded;
  for (std::size_t i = before; i < lines.size(); ++i) recorded.emplace_back(lines[i].at("case").as_string());
  std::sort(listed.begin(), listed.end());
  std::sort(recorded.begin(), recorded.end());
  EXPECT_EQ(listed, recorded);
  // Open311 clients see no address, so nothing is recorded for them.
  auto client = s.call("GET", "/open311/v2/requests.json", "open311-client@pwd-parks-lights");
  ASSERT_EQ(client.status, 200u) << client.body;
  EXPECT_EQ(client.json().as_array().size(), ids.size());
  EXPECT_EQ(access_lines(s).size(), lines.size());
}

// Reads that arrive together are written in one group: every one has its own whole line, none is lost.
TEST(ServerPersonalRecord, R9_2_ConcurrentReadsAreEachRecordedOnTheirOwnLine) {
  running_server s([](server_options& o) { o.io_threads = 4; });
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  constexpr int readers = 8, each = 10;
  std::vector<std::thread> threads;
  std::vector<int> ok(readers, 0);
  for (int r = 0; r < readers; ++r)
    threads.emplace_back([&, r] {
      for (int i = 0; i < each; ++i) {
        auto a = s.call("GET", at, r % 2 ? "handler@pwd-parks-lights" : "call-taker@call-centre");
        if (a.status == 200u && a.json().at("fields").at("reporter").at("phone") == "0912345678") ++ok[r];
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < readers; ++r) EXPECT_EQ(ok[r], each) << "reader " << r;
  auto lines = access_lines(s);   // each parsed as one JSON object
  EXPECT_EQ(count_via(lines, "GET /v1/cases/{id}"), std::size_t{readers * each});
  EXPECT_EQ(count_via(lines, "POST /v1/cases"), 0u);   // a new case's create shows only what it sent
  for (const auto& l : lines) EXPECT_TRUE(l.contains("at")) << boost::json::serialize(l);
}

// A create that opens a new case answers with what its call taker sent, and its `created` event names who
// sent it: no record. A repeat report joins the open case (R6.12) and shows its first reporter: recorded.
TEST(ServerPersonalRecord, R9_2_ARepeatReportIsRecordedANewCaseIsNot) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.json().at("fields").at("reporter").at("phone"), "0912345678");
  EXPECT_TRUE(access_lines(s).empty());
  const std::string id(created.json().at("id").as_string());
  auto history = s.srv().core().history(id);
  ASSERT_TRUE(history) << history.error().message();
  ASSERT_GE(history->size(), 2u);
  EXPECT_EQ((*history)[0].type, "created");
  EXPECT_EQ((*history)[0].actor.rfind("call_taker:", 0), 0u) << (*history)[0].actor;   // who sent the fields

  auto again = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json().at("merged"), true);
  auto lines = access_lines(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("via"), "POST /v1/cases");
  EXPECT_EQ(lines[0].at("case"), id.c_str());
  EXPECT_EQ(lines[0].at("who"), "call-taker.call-centre");
}

// An operator moves the file away (log rotation): the next record starts a new file at the path.
TEST(ServerPersonalRecord, R9_2_ARotatedFileIsReopenedAtItsPath) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(created.json().at("id").as_string());
  ASSERT_EQ(s.call("GET", "/v1/cases/" + id, "call-taker@call-centre").status, 200u);
  const std::string file = s.dir().str("store/personal-data-access.jsonl");
  std::filesystem::rename(file, file + ".1");
  ASSERT_EQ(s.call("GET", "/v1/cases/" + id, "handler@pwd-parks-lights").status, 200u);
  auto lines = access_lines(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("via"), "GET /v1/cases/{id}");
  std::ifstream old(file + ".1");
  std::string line;
  std::size_t old_lines = 0;
  while (std::getline(old, line)) ++old_lines;
  EXPECT_EQ(old_lines, 1u);   // the first read's record stayed where it was written
}

}  // namespace casework::testing
