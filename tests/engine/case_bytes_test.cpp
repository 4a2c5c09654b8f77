// Snapshots in encoding 2 (casework/case_bytes.hpp): a case comes back member for member and value for value,
// a snapshot in JSON text (encoding 1, stores written before) still reads, and bytes that were not written by
// snapshot_bytes are refused naming the part, never read past their end. (Round trips of real states are also
// checked after every step of the property test, tests/workflows/property_test.cpp.)
#include <set>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "casework/case_bytes.hpp"
#include "case_examples.hpp"

namespace casework {
namespace {

namespace json = boost::json;

using testing::every_member_set;

// R6.3, R6.4: a stored case's deadlines, their bases and rules, the timers it has fired and every field come back
// from its snapshot as they were; doubles bit for bit, int64 and uint64 as their kinds.
TEST(CaseBytes, R6_4_ASnapshotComesBackMemberForMemberAndValueForValue) {
  const auto s = every_member_set();
  const auto bytes = snapshot_bytes(s);
  ASSERT_TRUE(is_snapshot_bytes(bytes));
  auto back = from_snapshot_bytes(bytes);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == s);
  EXPECT_EQ(snapshot_text(*back), snapshot_text(s));
  const auto& lng = back->fields.at("location").at("lng");
  ASSERT_TRUE(lng.is_double());
  EXPECT_EQ(lng.get_double(), 121.54619719720041);
  EXPECT_TRUE(back->fields.at("count").is_int64());
  EXPECT_TRUE(back->fields.at("big").is_uint64());
  // Keys in the order they were recorded, as the JSON text keeps them.
  EXPECT_EQ(json::serialize(back->fields), json::serialize(s.fields));
  // The same state, the same bytes: verify compares them.
  EXPECT_EQ(snapshot_bytes(*back), bytes);
  // Smaller than the JSON text.
  EXPECT_LT(bytes.size(), snapshot_text(s).size());

  const case_state fresh;   // a default state round-trips too (no entries, epoch instants)
  auto fresh_back = from_snapshot_bytes(snapshot_bytes(fresh));
  ASSERT_TRUE(fresh_back) << fresh_back.error().to_string();
  EXPECT_TRUE(*fresh_back == fresh);
}

// A store written before encoding 2 holds JSON snapshots: they read as they always did, errors and all.
TEST(CaseBytes, ASnapshotInJsonTextStillReads) {
  auto s = every_member_set();
  s.fields.erase("location");   // a double Boost.JSON would not print back exactly is not the point here
  auto back = from_snapshot_bytes(snapshot_text(s));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == s);
  EXPECT_EQ(from_snapshot_bytes("{\"snapshot_version\":1}").error().to_string(),
            "invalid_argument: snapshot.id: required");
  EXPECT_EQ(from_snapshot_bytes("").error().to_string(),
            "invalid_argument: snapshot: neither encoding 2 nor JSON: incomplete JSON");
  EXPECT_EQ(from_snapshot_bytes("{\"snapshot_version\":").error().to_string(),
            "invalid_argument: snapshot: neither encoding 2 nor JSON: incomplete JSON");
}

// Every cut of a snapshot is refused naming the part it cuts into, and nothing reads past the end (run under
// the sanitizers, an overread would fail this test).
TEST(CaseBytes, EveryTruncationIsRefusedNamingThePart) {
  const auto bytes = snapshot_bytes(every_member_set());
  std::set<std::string> parts;
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    const std::string cut = bytes.substr(0, n);   // its own allocation: an overread leaves it
    auto r = from_snapshot_bytes(cut);
    ASSERT_FALSE(r) << "a snapshot cut to " << n << " of " << bytes.size() << " bytes was read";
    EXPECT_EQ(r.error().code(), errc::invalid_argument);
    parts.insert(r.error().field());
  }
  EXPECT_EQ(parts, (std::set<std::string>{"snapshot.id", "snapshot.head", "snapshot.fields"}));
  EXPECT_EQ(from_snapshot_bytes(bytes + "x").error().to_string(),
            "invalid_argument: snapshot: 1 bytes after the fields");
}

TEST(CaseBytes, UnknownTagsHugeCountsAndDeepNestingAreRefused) {
  case_state s;
  s.id = "2026030200001";
  s.fields = json::object{{"a", nullptr}};
  auto bytes = snapshot_bytes(s);
  // The fields are the last bytes: count 1, key "a", then the null's tag.
  ASSERT_EQ(bytes.substr(bytes.size() - 4), std::string("\x01\x01" "a\x00", 4));
  auto unknown = bytes;
  unknown.back() = 9;
  EXPECT_EQ(from_snapshot_bytes(unknown).error().to_string(), "invalid_argument: snapshot.fields: unknown tag 9");

  // A count far beyond the bytes left is refused before anything is reserved for it.
  auto huge = bytes.substr(0, bytes.size() - 4) + std::string("\xff\xff\xff\xff\x0f", 5);
  EXPECT_EQ(from_snapshot_bytes(huge).error().to_string(), "invalid_argument: snapshot.fields: truncated");
  auto overlong = bytes.substr(0, bytes.size() - 4) + std::string(10, '\xff') + "\x01";
  EXPECT_EQ(from_snapshot_bytes(overlong).error().to_string(),
            "invalid_argument: snapshot.fields: a varint longer than 64 bits");

  // Arrays nested 100 deep: refused, not followed down the stack.
  std::string deep = bytes.substr(0, bytes.size() - 1);
  for (int i = 0; i < 100; ++i) deep += std::string("\x07\x01", 2);
  deep.push_back('\0');
  EXPECT_EQ(from_snapshot_bytes(deep).error().to_string(), "invalid_argument: snapshot.fields: nested deeper than 64");

  // Not the encoding's tag and not JSON.
  EXPECT_EQ(from_snapshot_bytes(std::string("\x03", 1)).error().to_string(),
            "invalid_argument: snapshot: neither encoding 2 nor JSON: syntax error");
}

}  // namespace
}  // namespace casework
