// What an idle case actor keeps of its case (packed_json.hpp) unpacks to the very object it packed: every
// number bit for bit (a text round trip through Boost.JSON 1.81 moves some doubles), the kinds and the key order;
// and the case's other members, every one of them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "case_examples.hpp"
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

// An idle case's other members travel as the head: raw bytes before the object, given back as they were
// without reading the object.
TEST(PackedJson, KeepsAHeadOfRawBytesBeforeTheObject) {
  const std::string head = std::string("\x00\x01", 2) + "deadline" + "\xff";
  json::object o{{"item", "streetlight-out"}};
  auto p = packed_json::pack(o, head);
  EXPECT_EQ(p.head(), head);
  EXPECT_EQ(p.unpack(), o);
  EXPECT_EQ(p.size(), 8 + head.size() + 1 + 1 + 4 + 1 + 1 + 15);   // lengths, head, object: 1 key, its text
  auto only = packed_json::pack(json::object{}, head);   // no fields, the head only
  EXPECT_FALSE(only.empty());
  EXPECT_TRUE(only.unpack().empty());
  EXPECT_EQ(only.head(), head);
  EXPECT_TRUE(packed_json::pack(o).head().empty());
  EXPECT_EQ(packed_json::pack(o).unpack(), o);
}

// A case with every member set: what an idle case actor packs must come back equal, member for member.
using testing::every_member_set;

// R6.3, R6.4: the deadlines an idle case keeps packed come back as they were (their instants, the calendar
// version that computed them, their basis and rule), and with them every other member of the case.
TEST(PackedJson, ACasesHeadComesBackMemberForMember) {
  const auto s = every_member_set();
  const auto head = pack_case_head(s);
  case_state back;
  back.id = s.id;
  back.fields = s.fields;
  back.deadlines["stale"] = deadline{};   // unpacking replaces what was there
  back.links = {{"stale", "x"}};
  unpack_case_head(head, back);
  EXPECT_TRUE(back == s);
  EXPECT_EQ(back.deadlines.at("sign").basis, s.deadlines.at("sign").basis);
  EXPECT_EQ(back.deadlines.at("stage-one").calendar_version, 7u);
  EXPECT_EQ(back.links, s.links);
  EXPECT_EQ(back.fired, s.fired);

  // A batch's state before, as the supervisors read it: everything but the deadlines.
  case_state without;
  without.id = s.id;
  without.fields = s.fields;
  without.deadlines["stale"] = deadline{};
  unpack_case_head(head, without, /*deadlines=*/false);
  case_state expected = s;
  expected.deadlines.clear();
  EXPECT_TRUE(without == expected);

  // The whole case packed at once: the same bytes as its head and fields packed apart, twice in a row (the
  // buffer it writes in is reused).
  for (int i = 0; i < 2; ++i) {
    auto whole = packed_json::pack(s);
    auto apart = packed_json::pack(s.fields, head);
    ASSERT_EQ(whole.size(), apart.size());
    EXPECT_EQ(whole.head(), head);
    EXPECT_EQ(whole.unpack(), s.fields);
  }

  case_state fresh;   // a default state round-trips too (no entries, epoch instants)
  case_state fresh_back;
  unpack_case_head(pack_case_head(fresh), fresh_back);
  EXPECT_TRUE(fresh_back == fresh);
}

// R6.3, R6.4: a report's three deadlines, whose bases share their start, and instants before the creation,
// long after it and at the epoch (an open case's closed_at) all come back exactly; the head stays compact.
TEST(PackedJson, BasesSharingTheirStartAndInstantsFarFromTheCreationComeBackExactly) {
  case_state s = every_member_set();
  s.deadlines.clear();
  const std::string start = "created 2026-03-02T09:00:02.499+08:00 + P";
  s.deadlines["sign"] = deadline{*parse_instant("2026-03-02T01:10:02.499Z"), 0, start.substr(0, start.size() - 1) + "PT10M", "R6.3"};
  s.deadlines["stage-one"] = deadline{*parse_instant("2026-03-03T01:00:02.499Z"), 0, start + "T24H (item streetlight-out stage_one)", "R6.4"};
  s.deadlines["stage-two"] = deadline{*parse_instant("2026-03-09T01:00:02.499Z"), 0, start + "7D (item streetlight-out stage_two)", "R6.4"};
  s.deadlines["zz-longer-than-before"] = deadline{*parse_instant("2199-12-31T23:59:59.999Z"), 3, start + "7D (item streetlight-out stage_two) and more", "R6.4"};
  s.deadlines["zz-shorter"] = deadline{*parse_instant("1969-12-31T00:00:00Z"), 18446744073709551615ull, "c", ""};
  s.closed_at = instant{};
  s.entered["before-creation"] = s.created_at - std::chrono::hours(24 * 365);
  const auto head = pack_case_head(s);
  case_state back;
  back.id = s.id;
  back.fields = s.fields;
  unpack_case_head(head, back);
  EXPECT_TRUE(back == s);
  for (const auto& [name, d] : s.deadlines) {
    EXPECT_EQ(back.deadlines.at(name).basis, d.basis) << name;
    EXPECT_EQ(back.deadlines.at(name).at, d.at) << name;
    EXPECT_EQ(back.deadlines.at(name).calendar_version, d.calendar_version) << name;
  }
  EXPECT_EQ(back.entered.at("before-creation"), s.entered.at("before-creation"));
  EXPECT_EQ(back.closed_at, instant{});

  // A report's head: the second and third bases keep only what follows the start they share with the one
  // before; bases that share nothing (a distinct first letter) take that much more.
  case_state report = every_member_set();
  report.deadlines.clear();
  for (auto& [name, d] : s.deadlines)
    if (name.rfind("zz", 0) != 0) report.deadlines[name] = d;
  case_state unshared = report;
  char first = 'a';
  for (auto& [name, d] : unshared.deadlines) d.basis[0] = first++;
  EXPECT_GE(pack_case_head(unshared).size(), pack_case_head(report).size() + 2 * (start.size() - 2));
}

// A case with a large field (a long description) packs and unpacks whole, and the next, small case packs as
// small as ever (the thread's buffer is given back or reused, never carried into the packed bytes).
TEST(PackedJson, ALargeCaseThenASmallOnePackWhole) {
  case_state large = every_member_set();
  large.fields["description"] = std::string(100000, 'd');
  auto p = packed_json::pack(large);
  EXPECT_GT(p.size(), 100000u);
  EXPECT_EQ(p.unpack(), large.fields);
  const case_state small = every_member_set();
  auto q = packed_json::pack(small);
  EXPECT_EQ(q.size(), packed_json::pack(small.fields, pack_case_head(small)).size());
  EXPECT_LT(q.size(), 1000u);
  EXPECT_EQ(q.unpack(), small.fields);
  EXPECT_EQ(q.head(), pack_case_head(small));
}

TEST(PackedJson, ATruncatedOrOverlongHeadIsRefused) {
  const auto head = pack_case_head(every_member_set());
  case_state cut;
  EXPECT_THROW(unpack_case_head(std::string_view(head).substr(0, head.size() - 1), cut), case_bytes::malformed);
  case_state longer;
  EXPECT_THROW(unpack_case_head(head + "x", longer), case_bytes::malformed);
}

}  // namespace
}  // namespace casework::detail
