// Routing of a new dispatch report: new case, repeat joining an open case (R6.12), petition at a restricted
// place (R6.13).
#include <gtest/gtest.h>

#include "casework/report_routing.hpp"

namespace casework {
namespace {

instant at(const char* utc) { return *parse_instant(utc); }

class ReportRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(open.add("2026030200001", "streetlight-out", "台北市大安區羅斯福路四段1號", geo_point{25.0173, 121.5397},
                         at("2026-03-03T01:00:00Z"))
                    .ok());
  }
  place_index open;
  place_restrictions restrictions;
};

TEST_F(ReportRouting, R6_12_RepeatAtTheSamePlaceInsideTheLimitJoinsTheCase) {
  auto r = route_report(open, restrictions, "streetlight-out", "臺北市大安區羅斯福路四段１號", std::nullopt,
                        at("2026-03-02T05:00:00Z"));
  EXPECT_EQ(r.route, report_route::join_case);
  EXPECT_EQ(r.case_id, "2026030200001");
  EXPECT_EQ(r.rule, "R6.12");
}

TEST_F(ReportRouting, R6_12_RepeatWithinTheRadiusJoinsAndFartherOpensANewCase) {
  // 0.0001 degrees of latitude is about 11 m; 0.001 is about 111 m.
  auto near = route_report(open, restrictions, "streetlight-out", "", geo_point{25.0174, 121.5397},
                           at("2026-03-02T05:00:00Z"));
  EXPECT_EQ(near.route, report_route::join_case);
  auto far = route_report(open, restrictions, "streetlight-out", "", geo_point{25.0183, 121.5397},
                          at("2026-03-02T05:00:00Z"));
  EXPECT_EQ(far.route, report_route::open_case);
}

TEST_F(ReportRouting, R6_12_AfterTheLimitOrForAnotherItemOpensANewCase) {
  EXPECT_EQ(route_report(open, restrictions, "streetlight-out", "台北市大安區羅斯福路四段1號", std::nullopt,
                         at("2026-03-03T01:00:00Z"))
                .route,
            report_route::open_case);
  EXPECT_EQ(route_report(open, restrictions, "road-pothole", "台北市大安區羅斯福路四段1號", std::nullopt,
                         at("2026-03-02T05:00:00Z"))
                .route,
            report_route::open_case);
}

TEST_F(ReportRouting, R6_13_RestrictedPlaceAndItemBecomePetitions) {
  const char* place = "台北市信義區松仁路100號";
  for (int i = 0; i < 3; ++i) restrictions.record_finding(place, "premises-noise", "no_violation");
  ASSERT_TRUE(restrictions.restrict(place, "premises-noise").ok());
  auto r = route_report(open, restrictions, "premises-noise", "臺北市信義區松仁路100號", std::nullopt,
                        at("2026-03-02T05:00:00Z"));
  EXPECT_EQ(r.route, report_route::petition);
  EXPECT_EQ(r.rule, "R6.13");
  EXPECT_EQ(route_report(open, restrictions, "streetlight-out", place, std::nullopt, at("2026-03-02T05:00:00Z")).route,
            report_route::open_case)
      << "another item at the same place is not restricted";
}

}  // namespace
}  // namespace casework
