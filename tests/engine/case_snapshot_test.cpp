// Snapshots of a case's state: versioned, and a bad one is refused naming the field. (Round trips of real
// states are checked after every step of the property test, tests/workflows/property_test.cpp.)
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "casework/case.hpp"
#include "case_examples.hpp"

namespace casework {
namespace {

TEST(CaseSnapshot, RefusesAnotherVersionAndNamesMissingFields) {
  case_state s;
  s.id = "2026030200001";
  s.workflow = "dispatch";
  s.state = "created";
  s.fired.emplace("sign-renotify", *parse_instant("2026-03-02T01:10:00Z"));
  auto snap = to_snapshot(s);
  auto back = from_snapshot(snap);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, s);

  auto other = snap;
  other["snapshot_version"] = 2;
  EXPECT_EQ(from_snapshot(other).error().to_string(),
            "failed_precondition: snapshot.snapshot_version: snapshot version is not 1");
  auto missing = snap;
  missing.erase("seq");
  EXPECT_EQ(from_snapshot(missing).error().to_string(), "invalid_argument: snapshot.seq: required");
  auto bad = snap;
  bad["entered"] = boost::json::object{{"created", "yesterday"}};
  EXPECT_EQ(from_snapshot(bad).error().to_string(),
            "invalid_argument: snapshot.entered.created: must be an RFC 3339 instant");
}

// The store's verify compares serialize(to_snapshot(fold(history))) with the stored snapshot byte for byte
// (docs/storage-format.md), so the snapshot of a state must serialize to the same text whatever order its
// deadlines, entries and fired timers were added in: keys in order, as the std::map it once was wrote them.
TEST(CaseSnapshot, SerializesEntriesInKeyOrderWhateverTheOrderTheyWereAddedIn) {
  auto at = [](const char* t) { return *parse_instant(t); };
  case_state s;
  s.id = "2026030200001";
  s.workflow = "dispatch";
  s.definition_version = 1;
  s.state = "overdue";
  s.stage = 1;
  s.agency = "pwd-parks-lights";
  s.created_at = at("2026-03-02T01:00:00Z");
  s.updated_at = at("2026-03-03T01:00:00Z");
  s.seq = 9;
  s.deadlines["stage-two"] = deadline{at("2026-03-09T01:00:00Z"), 0, "P7D", "R6.4"};
  s.deadlines["sign"] = deadline{at("2026-03-02T01:10:00Z"), 0, "PT10M", "R6.3"};
  s.deadlines["stage-one"] = deadline{at("2026-03-03T01:00:00Z"), 1, "PT24H", "R6.4"};
  s.entered["overdue"] = at("2026-03-03T01:00:00Z");
  s.entered["created"] = at("2026-03-02T01:00:00Z");
  s.first_entered.emplace("overdue", at("2026-03-03T01:00:00Z"));
  s.first_entered.emplace("created", at("2026-03-02T01:00:00Z"));
  s.first_entered.emplace("overdue", at("2026-03-04T01:00:00Z"));   // the first stays
  s.fired.emplace("sign-renotify", at("2026-03-02T01:20:00Z"));
  s.fired.emplace("overdue", at("2026-03-03T01:00:00Z"));
  s.fired.emplace("sign-renotify", at("2026-03-02T01:10:00Z"));
  s.last_fired["sign-renotify"] = at("2026-03-02T01:20:00Z");
  s.last_fired["overdue"] = at("2026-03-03T01:00:00Z");
  const std::string expected =
      R"({"snapshot_version":1,"id":"2026030200001","workflow":"dispatch","definition_version":1,)"
      R"("state":"overdue","stage":1,"agency":"pwd-parks-lights","item":"","created_at":"2026-03-02T01:00:00Z",)"
      R"("updated_at":"2026-03-03T01:00:00Z","seq":9,"fields":{},"deadlines":{)"
      R"("sign":{"at":"2026-03-02T01:10:00Z","calendar_version":0,"basis":"PT10M","rule":"R6.3"},)"
      R"("stage-one":{"at":"2026-03-03T01:00:00Z","calendar_version":1,"basis":"PT24H","rule":"R6.4"},)"
      R"("stage-two":{"at":"2026-03-09T01:00:00Z","calendar_version":0,"basis":"P7D","rule":"R6.4"}},)"
      R"("entered":{"created":"2026-03-02T01:00:00Z","overdue":"2026-03-03T01:00:00Z"},)"
      R"("first_entered":{"created":"2026-03-02T01:00:00Z","overdue":"2026-03-03T01:00:00Z"},)"
      R"("fired":[["overdue","2026-03-03T01:00:00Z"],["sign-renotify","2026-03-02T01:10:00Z"],)"
      R"(["sign-renotify","2026-03-02T01:20:00Z"]],)"
      R"("last_fired":{"overdue":"2026-03-03T01:00:00Z","sign-renotify":"2026-03-02T01:20:00Z"},)"
      R"("links":[],"terminal":false,"closed_at":"1970-01-01T00:00:00Z"})";
  EXPECT_EQ(boost::json::serialize(to_snapshot(s)), expected);
  EXPECT_EQ(snapshot_text(s), expected);
  auto back = from_snapshot(boost::json::parse(expected));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(boost::json::serialize(to_snapshot(*back)), expected);
}

// snapshot_text writes what serialize(to_snapshot) writes without building the object; both are in use (the
// store writes the text, verify parses a differing snapshot into the object), so they must agree byte for byte,
// escapes included: every control character, quotes, backslashes and UTF-8 in every kind of text member.
// The store hashes and writes each event as event_text writes it; a verify or a replay reads it back through
// the JSON parser and to_json. The two must agree to the byte (the hash chain covers the payload).
TEST(CaseSnapshot, AnEventsTextIsItsSerializedJsonByteForByte) {
  event e = testing::odd_event();
  EXPECT_EQ(event_text(e), boost::json::serialize(to_json(e)));
  e.rule.clear();   // no "rule" member then
  EXPECT_EQ(event_text(e), boost::json::serialize(to_json(e)));
  EXPECT_EQ(event_text(event{}), boost::json::serialize(to_json(event{})));
  auto back = event_from_json(boost::json::parse(event_text(e)));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == e);
}

TEST(CaseSnapshot, TheTextIsTheSerializedSnapshotByteForByte) {
  std::string odd = "\"quoted\" back\\slash / 臺北市 \x7f";
  for (char c = 0; c < 0x20; ++c) odd.push_back(c);
  case_state s;
  s.id = "2026030200001";
  s.workflow = odd;
  s.definition_version = -3;
  s.state = "closed";
  s.stage = 2;
  s.agency = odd;
  s.item = "路燈故障";
  s.created_at = *parse_instant("2026-03-02T01:00:00.123Z");
  s.updated_at = *parse_instant("1969-12-31T23:59:59Z");
  s.seq = 9007199254740993;   // 2^53 + 1: not a double
  s.fields = boost::json::object{{"reporter", {{"name", odd}, {"phone", "0912"}}},
                                 {"lat", 25.046254}, {"n", -7}, {"ok", true}, {"none", nullptr},
                                 {"list", boost::json::array{1, "two", 3.5}}};
  s.deadlines[odd] = deadline{*parse_instant("2026-03-09T01:00:00Z"), 4294967297, odd, ""};
  s.deadlines["sign"] = deadline{*parse_instant("2026-03-02T01:10:00Z"), 0, "PT10M", "R6.3"};
  s.entered[odd] = *parse_instant("2026-03-03T01:00:00Z");
  s.first_entered["created"] = *parse_instant("2026-03-02T01:00:00Z");
  s.fired.emplace(odd, *parse_instant("2026-03-02T01:20:00Z"));
  s.fired.emplace("overdue", *parse_instant("2026-03-03T01:00:00Z"));
  s.last_fired[odd] = *parse_instant("2026-03-02T01:20:00Z");
  s.links = {{"repeat-of", "2026030100007"}, {odd, odd}};
  s.terminal = true;
  s.closed_at = *parse_instant("2026-03-10T01:00:00Z");
  EXPECT_EQ(snapshot_text(s), boost::json::serialize(to_snapshot(s)));
  EXPECT_EQ(snapshot_text(case_state{}), boost::json::serialize(to_snapshot(case_state{})));
  auto back = from_snapshot(boost::json::parse(snapshot_text(s)));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, s);
}

}  // namespace
}  // namespace casework
