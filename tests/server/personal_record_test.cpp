// The personal-data access record behind caseworkd's answers (R9.2): each answer that shows personal fields
// goes out only once its record is on disk; when the record cannot be written the answer is a 503 showing
// nothing personal; records written together are each on their own line; a rotated file is reopened.
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
TEST(ServerPersonalRecord, R9_2_AnAnswerWhoseReadCannotBeRecordedIs503AndShowsNothingPersonal) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  ASSERT_EQ(s.call("POST", at + "/sign", "duty-officer@pwd-parks-lights").status, 200u);   // sees no personal data
  const std::string file = s.dir().str("store/personal-data-access.jsonl");
  std::filesystem::rename(file, file + ".1");
  std::filesystem::create_directory(file);

  auto create = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report("No. 7 Songren Rd"));
  EXPECT_EQ(create.status, 503u) << create.body;
  expect_nothing_personal(create);
  EXPECT_EQ(create.json().at("code"), "storage") << create.body;
  auto read = s.call("GET", at, "handler@pwd-parks-lights");
  EXPECT_EQ(read.status, 503u) << read.body;
  expect_nothing_personal(read);
  auto assign = s.call_json("POST", at + "/assign", "duty-officer@pwd-parks-lights",
                            {{"handler", "pwd-parks-lights-h-1"}});
  ASSERT_EQ(assign.status, 200u) << assign.body;   // a duty officer's answer shows nothing personal: no record
  const std::string id = at.substr(10);
  const auto before = s.srv().core().get_case(id).get()->state->seq;
  auto report = s.call_json("POST", at + "/report", "handler@pwd-parks-lights", {{"result", "lamp replaced"}, {"finding", "fixed"}});
  EXPECT_EQ(report.status, 503u) << report.body;
  expect_nothing_personal(report);
  // The command itself was recorded: only its answer, which shows the reporter, was withheld.
  EXPECT_GT(s.srv().core().get_case(id).get()->state->seq, before);

  std::filesystem::remove(file);
  read = s.call("GET", at, "handler@pwd-parks-lights");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json().at("fields").at("reporter").at("phone"), "0912345678");
  auto lines = access_lines(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("who"), "handler.pwd-parks-lights");
  EXPECT_EQ(lines[0].at("via"), "GET /v1/cases/{id}");
  EXPECT_EQ(lines[0].at("case"), id.c_str());
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
  EXPECT_EQ(count_via(lines, "POST /v1/cases"), 1u);
  for (const auto& l : lines) EXPECT_TRUE(l.contains("at")) << boost::json::serialize(l);
}

// An operator moves the file away (log rotation): the next record starts a new file at the path.
TEST(ServerPersonalRecord, R9_2_ARotatedFileIsReopenedAtItsPath) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(created.json().at("id").as_string());
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
  EXPECT_EQ(old_lines, 1u);   // the create's record stayed where it was written
}

}  // namespace casework::testing
