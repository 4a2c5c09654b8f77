// event_from_text (case.hpp): a stored event's JSON text parsed straight into the event. It must say exactly what
// event_from_json(parse_json(text)) says of every text, event for event and error for error: a replay, a case's
// load and `casework verify` read every history through it, and the hash chain binds the text, not our reading
// of it.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "casework/case.hpp"
#include "casework/json_text.hpp"
#include "case_examples.hpp"

namespace casework {
namespace {

using testing::odd_event;

// Both readings of `text`: the same event, or the same error (and JSON errors in the same cases).
void expect_same_reading(const std::string& text) {
  SCOPED_TRACE(text);
  boost::json::error_code ec_value, ec_text;
  auto v = parse_json(text, ec_value);
  auto direct = event_from_text(text, ec_text);
  ASSERT_EQ(static_cast<bool>(ec_value), static_cast<bool>(ec_text));
  if (ec_value) {
    ASSERT_FALSE(direct);
    EXPECT_EQ(direct.error().field(), "event");
    return;
  }
  auto via_value = event_from_json(std::move(v));
  ASSERT_EQ(static_cast<bool>(via_value), static_cast<bool>(direct))
      << (via_value ? direct.error().to_string() : via_value.error().to_string());
  if (!via_value) {
    EXPECT_EQ(direct.error().to_string(), via_value.error().to_string());
    return;
  }
  EXPECT_TRUE(*direct == *via_value);
}

TEST(EventParse, AnEventTextComesBackAsTheEventItWasWrittenFrom) {
  event e = odd_event();
  boost::json::error_code ec;
  auto back = event_from_text(event_text(e), ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == e);
  e.rule.clear();
  e.data = {};
  back = event_from_text(event_text(e), ec);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == e);
  expect_same_reading(event_text(odd_event()));
}

// Each named member in every JSON type, duplicated, escaped, missing; members the event does not name, nested;
// texts that are not objects or not JSON.
TEST(EventParse, EveryShapeOfTextReadsAsTheParsedValueReadsIt) {
  const std::string at = R"("at":"2026-03-02T01:00:00Z")";
  const std::vector<std::string> values = {R"("x")", "1", "-1", "0", "1.5", "18446744073709551615", "true",
                                           "null", "{}", R"({"a":[1,{"b":2}]})", "[]", R"([1,"two"])", R"("")"};
  const std::vector<std::string> members = {"seq", "type", "at", "actor", "rule", "data"};
  const std::string base = R"("seq":3,"type":"signed",)" + at + R"(,"actor":"duty_officer:d1","rule":"R6.3")";
  std::vector<std::string> texts = {
      "{" + base + "}",
      "{" + base + R"(,"data":{"note":"ok","n":[1,2.25,{"deep":null}]}})",
      " \n\t{" + base + "} \r\n",
      "{" + base + R"(,"extra":{"seq":9,"type":"nested"},"more":[{"at":1}]})",
      R"({"s\u0065q":3,"t\u0079pe":"sig\u006eed",)" + at + "}",   // escaped keys and values
      "{" + base + R"(,"seq":4})",                                   // the last duplicate wins
      "{" + base + R"(,"type":"first","type":"second"})",
      "{" + base + R"(,"data":{"a":1},"data":{"b":2}})",
      "{}",
      "[]",
      "5",
      R"("text")",
      "null",
      "",
      "   ",
      "{" + base,
      "{" + base + "}}",
      "{" + base + "} x",
      "{" + base + R"(,"data":{"a":[1,2}})",
  };
  for (const auto& m : members) {
    // the member missing
    std::string without = "{";
    for (const auto& other : members)
      if (other != m && other != "data") {
        if (without.size() > 1) without += ",";
        without += other == "seq" ? R"("seq":3)" : other == "at" ? at : "\"" + other + "\":\"v\"";
      }
    texts.push_back(without + "}");
    // in every type, alone after the base members and then again first
    for (const auto& v : values) {
      texts.push_back("{" + base + ",\"" + m + "\":" + v + "}");
      texts.push_back("{\"" + m + "\":" + v + "," + base + "}");
    }
  }
  // a long escaped string and a long escaped key, which the parser hands over in parts
  std::string long_text(10000, 'a');
  for (std::size_t i = 0; i < long_text.size(); i += 7) long_text[i] = '\t';
  std::string escaped = boost::json::serialize(boost::json::value(long_text));
  texts.push_back("{" + base + R"(,"actor":)" + escaped + "}");
  texts.push_back("{" + base + ",\"data\":{" + escaped + ":" + escaped + "}}");
  texts.push_back("{" + base + "," + escaped + ":1}");
  for (const auto& t : texts) expect_same_reading(t);
}

// Every prefix of a stored event's text, and texts with one byte changed: whatever each reading makes of them,
// the other makes the same.
TEST(EventParse, TruncatedAndAlteredTextsReadAlikeBothWays) {
  const std::string text = event_text(odd_event());
  for (std::size_t n = 0; n < text.size(); ++n) expect_same_reading(text.substr(0, n));
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,0123456789-.eE \\utfnrsqyp";
  for (int i = 0; i < 3000; ++i) {
    std::string t = text;
    t[rng() % t.size()] = alphabet[rng() % alphabet.size()];
    expect_same_reading(t);
  }
}

// The event's data stays in the storage it was parsed into, so a reader can parse into an arena it releases per
// event (verify does); the const overload of event_from_json copies into the default storage.
TEST(EventParse, TheDataIsAllocatedFromTheStorageGiven) {
  boost::json::monotonic_resource arena;
  boost::json::storage_ptr sp(&arena);
  const std::string text = event_text(odd_event());
  boost::json::error_code ec;
  auto direct = event_from_text(text, ec, sp);
  ASSERT_TRUE(direct) << direct.error().to_string();
  EXPECT_EQ(direct->data.storage().get(), sp.get());
  EXPECT_EQ(direct->data.at("input").as_object().storage().get(), sp.get());
  auto parsed = parse_json(text, ec, {}, sp);
  const boost::json::value& as_const = parsed;
  auto copied = event_from_json(as_const);
  ASSERT_TRUE(copied);
  EXPECT_EQ(copied->data.storage().get(), boost::json::storage_ptr().get());
  auto moved = event_from_json(std::move(parsed));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->data.storage().get(), sp.get());
  EXPECT_TRUE(*direct == *moved);
  EXPECT_TRUE(*copied == *moved);
  EXPECT_EQ(event_from_text(text, ec)->data.storage().get(), boost::json::storage_ptr().get());
}

}  // namespace
}  // namespace casework
