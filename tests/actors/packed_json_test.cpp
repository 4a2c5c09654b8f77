// What an idle case actor keeps of its fields (packed_json.hpp) unpacks to the very object it packed: every
// number bit for bit (a text round trip through Boost.JSON 1.81 moves some doubles), the kinds and the key order.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "packed_json.hpp"

namespace casework::detail {
namespace {

namespace json = boost::json;

TEST(PackedJson, UnpacksToTheSameObjectWithEveryDoubleBitForBit) {
  json::object o{{"item", "road-debris-oil"},
                 {"location", json::object{{"address", "No. 8371, Fuxing S Rd, Songshan"},
                                           {"lat", 25.08176664933545},
                                           {"lng", 121.54619719720041}}},
                 {"count", std::int64_t(-3)},
                 {"big", std::uint64_t(18446744073709551615ull)},
                 {"small_unsigned", std::uint64_t(5)},
                 {"flags", json::array{true, false, nullptr, 0.1, json::array{}, json::object{}}},
                 {"reporters", json::array{json::object{{"name", "Citizen 8371"}, {"phone", "0910008371"}}}},
                 {"note", std::string(300, 'x')},
                 {"", ""}};
  auto back = packed_json::pack(o).unpack();
  EXPECT_EQ(back, o);
  EXPECT_EQ(json::serialize(back), json::serialize(o));   // the key order too
  EXPECT_EQ(back.at("location").at("lng").get_double(), 121.54619719720041);
  EXPECT_TRUE(back.at("small_unsigned").is_uint64());
  EXPECT_TRUE(back.at("count").is_int64());
}

TEST(PackedJson, TheTextRoundTripItReplacesWouldMoveThisDouble) {
  // Why not JSON text: if this starts passing, Boost.JSON parses numbers precisely and text would do.
  json::object o{{"lng", 121.54619719720041}};
  auto text = json::parse(json::serialize(o)).as_object();
  EXPECT_NE(text.at("lng").get_double(), 121.54619719720041);
}

TEST(PackedJson, AnEmptyObjectHoldsNothing) {
  auto p = packed_json::pack(json::object{});
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.size(), 0u);
  EXPECT_TRUE(p.unpack().empty());
  EXPECT_FALSE(packed_json::pack(json::object{{"a", 1}}).empty());
}

// An idle case's deadlines travel as the tail: raw bytes after the object, given back as they were.
TEST(PackedJson, KeepsATailOfRawBytesAfterTheObject) {
  const std::string tail = std::string("\x00\x01", 2) + "deadline" + "\xff";
  json::object o{{"item", "streetlight-out"}};
  std::string_view back_tail;
  auto p = packed_json::pack(o, tail);
  EXPECT_EQ(p.unpack(&back_tail), o);
  EXPECT_EQ(back_tail, tail);
  auto only = packed_json::pack(json::object{}, tail);   // no fields, deadlines only
  EXPECT_FALSE(only.empty());
  EXPECT_TRUE(only.unpack(&back_tail).empty());
  EXPECT_EQ(back_tail, tail);
  packed_json::pack(o).unpack(&back_tail);
  EXPECT_TRUE(back_tail.empty());
}

// The deadlines an idle case keeps packed come back as they were (R6.3's and R6.4's instants, the calendar
// version that computed them, their basis and rule), and a truncated tail is refused, not read past its end.
TEST(PackedJson, DeadlinesComeBackAsTheyWereAndATruncatedTailIsRefused) {
  flat_map<std::string, deadline> all;
  all["sign"] = deadline{*parse_instant("2026-03-02T01:10:00Z"), 0, "PT10M after creation", "R6.3"};
  all["stage-one"] = deadline{*parse_instant("2026-03-03T01:00:00.125Z"), 7, "", "R6.4"};
  const auto packed = pack_deadlines(all);
  flat_map<std::string, deadline> back;
  unpack_deadlines(packed, back);
  ASSERT_EQ(back.size(), all.size());
  for (const auto& [name, d] : all) {
    ASSERT_TRUE(back.count(name)) << name;
    const auto& b = back.at(name);
    EXPECT_EQ(b.at, d.at) << name;
    EXPECT_EQ(b.calendar_version, d.calendar_version) << name;
    EXPECT_EQ(b.basis, d.basis) << name;
    EXPECT_EQ(b.rule, d.rule) << name;
  }
  flat_map<std::string, deadline> cut;
  EXPECT_THROW(unpack_deadlines(std::string_view(packed).substr(0, packed.size() - 1), cut), std::logic_error);
}

}  // namespace
}  // namespace casework::detail
