// parse_json (json_text.hpp): Boost.JSON's parse, except that doubles are read exactly. A report's coordinates
// (R6.12 compares places by them) must come back from the store as the very doubles that were recorded.
#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <random>

#include <boost/json.hpp>

#include "casework/json_text.hpp"

namespace casework {
namespace {

double read(const char* text) {
  boost::json::error_code ec;
  auto v = parse_json(text, ec);
  EXPECT_FALSE(ec) << text << ": " << ec.message();
  return v.is_double() ? v.get_double() : -1;
}

double nearest(const char* text) {
  double d = 0;
  std::from_chars(text, text + std::strlen(text), d);
  return d;
}

TEST(JsonText, R6_12_ADoubleIsTheOneNearestItsTextWhereBoostJson181IsOneUnitOff) {
  const char* text = "121.54619719720041";
  EXPECT_EQ(read(text), nearest(text));
  EXPECT_NE(boost::json::parse(text).as_double(), nearest(text))
      << "Boost.JSON reads this one exactly now: parse_json may no longer be needed (json_text.hpp)";
  EXPECT_EQ(read("-1.2154619719720041E2"), -nearest("121.54619719720041"));
  EXPECT_EQ(read("25.046254"), nearest("25.046254"));
  EXPECT_EQ(read("1e-300"), 1e-300);
  EXPECT_EQ(read("0.0"), 0.0);
}

// What casework writes (Boost.JSON's serializer: the shortest text, in exponent form) reads back as the same
// double, for every one of many random coordinates; Boost.JSON's own parse misses about one in eight.
TEST(JsonText, R6_12_EverySerializedCoordinateReadsBackAsTheSameDouble) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> longitude(-180, 180);
  int boost_missed = 0;
  for (int i = 0; i < 20000; ++i) {
    const double d = longitude(random);
    const auto text = boost::json::serialize(boost::json::object{{"lon", d}});
    boost::json::error_code ec;
    auto v = parse_json(text, ec);
    ASSERT_FALSE(ec) << text;
    ASSERT_EQ(v.at("lon").as_double(), d) << text;
    boost_missed += boost::json::parse(text).at("lon").as_double() != d;
  }
  EXPECT_GT(boost_missed, 0) << "the reason parse_json exists";
}

TEST(JsonText, EverythingElseIsWhatBoostJsonParses) {
  const char* doc = R"( {"a": [1, -2, 18446744073709551615, 2.5, true, false, null, "x\u00e9\"y"],
                        "b": {"c": {}, "d": []}, "e": "臺北"} )";
  boost::json::error_code ec;
  auto v = parse_json(doc, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(v, boost::json::parse(doc));
  EXPECT_TRUE(v.at("a").at(2).is_uint64());
  EXPECT_TRUE(v.at("a").at(1).is_int64());
}

TEST(JsonText, ErrorsAreBoostJsonsAndTheResultIsNull) {
  for (std::string_view text : {"{} x", "[1,", "{\"a\" 1}", "", "01", "[1.]", "\"\\q\""}) {
    boost::json::error_code ours, theirs;
    auto v = parse_json(text, ours);
    boost::json::parse(text, theirs);
    EXPECT_TRUE(ours) << text;
    EXPECT_EQ(ours, theirs) << text;
    EXPECT_TRUE(v.is_null()) << text;
  }
}

TEST(JsonText, LimitsAndTheBytesReadAreReported) {
  boost::json::parse_options shallow;
  shallow.max_depth = 2;
  boost::json::error_code ec;
  parse_json("[[[1]]]", ec, shallow);
  EXPECT_EQ(ec, boost::json::error::too_deep);
  std::size_t consumed = 0;
  parse_json("[1, 2,, 3]", ec, {}, {}, &consumed);
  EXPECT_TRUE(ec);
  EXPECT_EQ(consumed, 6u) << "stopped at the second comma";
}

}  // namespace
}  // namespace casework
