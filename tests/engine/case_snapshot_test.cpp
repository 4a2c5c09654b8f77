// Snapshots of a case's state: versioned, and a bad one is refused naming the field. (Round trips of real
// states are checked after every step of the property test, tests/workflows/property_test.cpp.)
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "casework/case.hpp"

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

}  // namespace
}  // namespace casework
