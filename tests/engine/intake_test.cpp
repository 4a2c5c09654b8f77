// Intake: case numbers (R5.1), place normalisation, repeat reports at the same place (R6.12) and restricted
// places (R6.13).
#include "casework/intake.hpp"

#include <random>

#include <gtest/gtest.h>

namespace casework {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const local_day nov2{date::year(2025) / 11 / 2};
const instant t0 = date::sys_days{date::year(2025) / 11 / 2} + hours(1);
constexpr double metres_per_degree = 6371008.8 * 3.14159265358979323846 / 180.0;

geo_point taipei_city_hall() { return {25.0375, 121.5637}; }
geo_point north_of(geo_point p, double metres) { return {p.lat + metres / metres_per_degree, p.lng}; }

// ---- Case numbers ----

TEST(Intake, CaseIdsAreDateAndFiveDigitSequence) {
  EXPECT_EQ("2025110210370", format_case_id("", nov2, 10370));
  EXPECT_EQ("UN2025110210370", format_case_id(petition_prefix, nov2, 10370));
  EXPECT_EQ("2025110200001", format_case_id("", nov2, 1));
  const local_day mar9 = local_day(date::year(2026) / 3 / 9);
  EXPECT_EQ("ABCDEFGH2026030999999", format_case_id("ABCDEFGH", mar9, 99999));
  EXPECT_EQ("UN1999010100010", format_case_id(petition_prefix, local_day(date::year(1999) / 1 / 1), 10));
}

TEST(Intake, CaseIdsParseBack) {
  auto p = parse_case_id("UN2025110210370");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ((case_id_parts{"UN", nov2, 10370}), *p);
  auto d = parse_case_id("2025110210370");
  ASSERT_TRUE(d);
  EXPECT_EQ("", d->prefix);
  EXPECT_EQ(format_case_id(d->prefix, d->day, d->seq), "2025110210370");
}

TEST(Intake, MalformedCaseIdsAreRejected) {
  for (const char* bad : {"202511021037", "20251102103700", "un2025110210370", "UN20251102A0370",
                          "ABCDEFGHI2025110210370"}) {
    auto p = parse_case_id(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(errc::invalid_argument, p.error().code()) << bad;
    EXPECT_EQ("case_id", p.error().field()) << bad;
  }
  EXPECT_EQ("invalid_argument: case_id: \"2025130210370\": no such date",
            parse_case_id("2025130210370").error().to_string());
  EXPECT_EQ("invalid_argument: case_id: \"2025110200000\": sequence 00000 is never handed out",
            parse_case_id("2025110200000").error().to_string());
}

TEST(Intake, R5_1_SequenceCountsPerPrefixAndDay) {
  case_id_sequence seq;
  EXPECT_EQ("2025110200001", *seq.next("", nov2));
  EXPECT_EQ("2025110200002", *seq.next("", nov2));
  EXPECT_EQ("UN2025110200001", *seq.next("UN", nov2));
  EXPECT_EQ("2025110300001", *seq.next("", nov2 + date::days(1)));
  EXPECT_EQ(2, seq.last("", nov2));
  EXPECT_EQ(0, seq.last("UN", nov2 + date::days(1)));
  EXPECT_EQ(errc::invalid_argument, seq.next("un", nov2).error().code());
}

TEST(Intake, SequenceResumesAfterObservedIds) {
  case_id_sequence seq;
  ASSERT_TRUE(seq.observe("2025110210370"));
  ASSERT_TRUE(seq.observe("2025110200007"));   // an older id does not move it back
  EXPECT_EQ("2025110210371", *seq.next("", nov2));
  EXPECT_EQ(errc::invalid_argument, seq.observe("2025-11-02").error().code());
}

TEST(Intake, SequenceIsUnavailablePast99999) {
  case_id_sequence seq;
  ASSERT_TRUE(seq.observe("UN2025110299998"));
  EXPECT_EQ("UN2025110299999", *seq.next("UN", nov2));
  auto past = seq.next("UN", nov2);
  ASSERT_FALSE(past);
  EXPECT_EQ("unavailable: case_id: all 99999 case numbers of 2025-11-02 are used", past.error().to_string());
  EXPECT_TRUE(seq.next("", nov2));   // other prefixes and days are unaffected
}

// ---- Places ----

TEST(Intake, AddressesNormalise) {
  EXPECT_EQ("台北市信義區市府路1號", normalize_address("臺北市信義區市府路１號"));
  EXPECT_EQ("台北市 信義區 市府路 1 號", normalize_address("  臺北市\u3000信義區 \t 市府路　１　號 \n"));
  EXPECT_EQ("no. 1, city hall rd., xinyi", normalize_address("Ｎｏ． 1,\u00a0City  Hall Rd., XINYI"));
  EXPECT_EQ("", normalize_address(" \u3000\t"));
  const std::string invalid = "a\xff  b";   // invalid UTF-8 is kept byte for byte
  EXPECT_EQ("a\xff b", normalize_address(invalid));
  for (const char* s : {"臺北市　信義區", "ＡＢＣ  Road", "a\xe5\x8f  臺"}) {
    EXPECT_EQ(normalize_address(s), normalize_address(normalize_address(s))) << s;
  }
}

TEST(Intake, GreatCircleDistance) {
  EXPECT_NEAR(111195.08, distance_m({0, 0}, {1, 0}), 0.01);
  EXPECT_NEAR(111195.08, distance_m({0, 0}, {0, 1}), 0.01);
  EXPECT_DOUBLE_EQ(0, distance_m(taipei_city_hall(), taipei_city_hall()));
  const geo_point station{25.0478, 121.5170};
  EXPECT_DOUBLE_EQ(distance_m(station, taipei_city_hall()), distance_m(taipei_city_hall(), station));
  EXPECT_NEAR(4842.05, distance_m(station, taipei_city_hall()), 0.1);
  EXPECT_NEAR(20015114, distance_m({0, 0}, {0, 180}), 1);
}

TEST(Intake, R6_12_RepeatAtSamePlaceInsideLimitJoinsCase) {
  place_index idx;
  ASSERT_TRUE(idx.add("2025110200001", "streetlight-out", "臺北市信義區市府路1號", std::nullopt, t0 + hours(24)));
  EXPECT_EQ("2025110200001", idx.find_duplicate("streetlight-out", " 台北市信義區市府路１號", std::nullopt,
                                                t0 + hours(3), 50));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "臺北市信義區市府路1號", std::nullopt, t0, 50));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("streetlight-out", "臺北市信義區市府路2號", std::nullopt, t0, 50));
}

TEST(Intake, R6_12_RepeatAfterLimitOpensNewCase) {
  place_index idx;
  ASSERT_TRUE(idx.add("2025110200001", "streetlight-out", "市府路1號", std::nullopt, t0 + hours(24)));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("streetlight-out", "市府路1號", std::nullopt, t0 + hours(24), 0));
  ASSERT_TRUE(idx.update_limit("2025110200001", t0 + hours(24 * 7)));   // stage two moved the limit
  EXPECT_EQ("2025110200001",
            idx.find_duplicate("streetlight-out", "市府路1號", std::nullopt, t0 + hours(24), 0));
  EXPECT_EQ(errc::not_found, idx.update_limit("2025110200002", t0).error().code());
  const geo_point here = taipei_city_hall();
  ASSERT_TRUE(idx.add("2025110200003", "road-pothole", "", here, t0 + hours(4)));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "", here, t0 + hours(5), 10));
  ASSERT_TRUE(idx.update_limit("2025110200003", t0 + hours(48)));
  EXPECT_EQ("2025110200003", idx.find_duplicate("road-pothole", "", here, t0 + hours(5), 10));
}

// put: what the registry does after every batch of a case at a place. It adds a case, then moves only its limit
// (by address and by coordinates alike); the place a case was added with stays.
TEST(Intake, R6_12_PutAddsACaseThenMovesItsLimitOnly) {
  place_index idx;
  const geo_point here = taipei_city_hall();
  ASSERT_TRUE(idx.put("2025110200001", "road-pothole", "市府路1號", here, t0 + hours(4)));
  ASSERT_TRUE(idx.put("2025110200001", "road-pothole", "市府路1號", here, t0 + hours(4)));   // unchanged
  EXPECT_EQ(1u, idx.size());
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "市府路1號", std::nullopt, t0 + hours(5), -1));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "", here, t0 + hours(5), 10));
  ASSERT_TRUE(idx.put("2025110200001", "road-pothole", "市府路2號", north_of(here, 500), t0 + hours(48)));
  EXPECT_EQ("2025110200001", idx.find_duplicate("road-pothole", "市府路1號", std::nullopt, t0 + hours(5), -1));
  EXPECT_EQ("2025110200001", idx.find_duplicate("road-pothole", "", here, t0 + hours(5), 10));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "市府路2號", std::nullopt, t0 + hours(5), -1));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "", north_of(here, 500), t0 + hours(5), 10));
  auto bad = idx.put("2025110200002", "road-pothole", "b", geo_point{91, 0}, t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ("where", bad.error().field());
  EXPECT_EQ(1u, idx.size());
}

TEST(Intake, R6_12_RepeatWithinRadiusJoinsCase) {
  place_index idx;
  const geo_point here = taipei_city_hall();
  ASSERT_TRUE(idx.add("2025110200001", "road-pothole", "市府路1號", here, t0 + hours(24)));
  EXPECT_EQ("2025110200001", idx.find_duplicate("road-pothole", "市府路前", north_of(here, 30), t0, 50));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "市府路前", north_of(here, 80), t0, 50));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "", north_of(here, 30), t0, -1));
  EXPECT_EQ(std::nullopt, idx.find_duplicate("streetlight-out", "", here, t0, 50));
}

TEST(Intake, R6_12_SeveralOpenCasesPickEarliestLimitThenId) {
  place_index idx;
  const geo_point here = taipei_city_hall();
  ASSERT_TRUE(idx.add("2025110200009", "road-pothole", "市府路1號", std::nullopt, t0 + hours(5)));
  ASSERT_TRUE(idx.add("2025110200003", "road-pothole", "", north_of(here, 10), t0 + hours(5)));
  ASSERT_TRUE(idx.add("2025110200001", "road-pothole", "市府路1號", here, t0 + hours(9)));
  ASSERT_TRUE(idx.add("2025110200002", "road-pothole", "市府路1號", std::nullopt, t0 + hours(1)));
  EXPECT_EQ("2025110200003", idx.find_duplicate("road-pothole", "市府路1號", here, t0 + hours(2), 50));
  EXPECT_EQ("2025110200009", idx.find_duplicate("road-pothole", "市府路1號", std::nullopt, t0 + hours(2), 50));
  EXPECT_EQ("2025110200001", idx.find_duplicate("road-pothole", "市府路1號", here, t0 + hours(6), 50));
}

TEST(Intake, R6_12_RemovedCasesAreNotJoined) {
  place_index idx;
  ASSERT_TRUE(idx.add("2025110200001", "road-pothole", "市府路1號", taipei_city_hall(), t0 + hours(5)));
  EXPECT_TRUE(idx.contains("2025110200001"));
  EXPECT_TRUE(idx.remove("2025110200001"));
  EXPECT_FALSE(idx.remove("2025110200001"));
  EXPECT_EQ(0u, idx.size());
  EXPECT_EQ(std::nullopt, idx.find_duplicate("road-pothole", "市府路1號", taipei_city_hall(), t0, 50));
}

TEST(Intake, PlaceIndexRejectsDuplicateIdsAndBadCoordinates) {
  place_index idx;
  ASSERT_TRUE(idx.add("2025110200001", "road-pothole", "a", std::nullopt, t0));
  auto again = idx.add("2025110200001", "road-pothole", "b", std::nullopt, t0);
  ASSERT_FALSE(again);
  EXPECT_EQ(errc::already_exists, again.error().code());
  auto bad = idx.add("2025110200002", "road-pothole", "b", geo_point{91, 0}, t0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(errc::invalid_argument, bad.error().code());
  EXPECT_EQ("where", bad.error().field());
  EXPECT_EQ(1u, idx.size());
  auto both = idx.add("2025110200001", "road-pothole", "b", geo_point{0, 181}, t0);   // the coordinates first
  ASSERT_FALSE(both);
  EXPECT_EQ(errc::invalid_argument, both.error().code());
}

TEST(Intake, R6_12_RadiusSearchCrossesTheAntimeridianAndPoles) {
  place_index idx;
  ASSERT_TRUE(idx.add("east", "x", "", geo_point{0, 179.9999}, t0 + hours(1)));
  ASSERT_TRUE(idx.add("pole", "x", "", geo_point{89.9999, 10}, t0 + hours(2)));
  EXPECT_EQ("east", idx.find_duplicate("x", "", geo_point{0, -179.9999}, t0, 30));
  EXPECT_EQ("pole", idx.find_duplicate("x", "", geo_point{89.9999, -170}, t0, 30));
}

// The grid must find exactly what a scan of every case finds, for small and very large radii.
TEST(Intake, R6_12_RadiusSearchMatchesBruteForce) {
  std::mt19937 rng(1999);
  std::uniform_real_distribution<double> lat(24.96, 25.20), lng(121.45, 121.67), hrs(0, 48);
  struct open { std::string id; geo_point p; instant limit; };
  std::vector<open> all;
  place_index idx(50);
  for (int i = 0; i < 10000; ++i) {
    all.push_back({format_case_id("", nov2, i + 1), {lat(rng), lng(rng)},
                   t0 + minutes(static_cast<int>(hrs(rng) * 60))});
    ASSERT_TRUE(idx.add(all.back().id, "road-pothole", "", all.back().p, all.back().limit));
  }
  const instant now = t0 + hours(24);
  for (double radius : {0.0, 20.0, 75.0, 400.0, 3000.0, 2e6}) {
    for (int q = 0; q < 40; ++q) {
      const geo_point p{lat(rng), lng(rng)};
      const open* best = nullptr;
      for (const open& c : all) {
        if (now < c.limit && distance_m(p, c.p) <= radius &&
            (!best || c.limit < best->limit || (c.limit == best->limit && c.id < best->id))) {
          best = &c;
        }
      }
      const auto want = best ? std::optional<std::string>(best->id) : std::nullopt;
      EXPECT_EQ(want, idx.find_duplicate("road-pothole", "", p, now, radius)) << "radius " << radius;
    }
  }
}

// ---- Restrictions (R6.13) ----

TEST(Intake, R6_13_ThreeConsecutiveNoViolationAllowRestriction) {
  place_restrictions r;
  for (int i = 0; i < 2; ++i) r.record_finding("市府路1號", "premises-noise", finding_no_violation);
  EXPECT_FALSE(r.can_restrict("市府路1號", "premises-noise"));
  r.record_finding("市府路１號", "premises-noise", "no_violation");
  EXPECT_EQ(3, r.consecutive_no_violation("市府路1號", "premises-noise"));
  EXPECT_TRUE(r.can_restrict("市府路1號", "premises-noise"));
  EXPECT_FALSE(r.is_restricted("市府路1號", "premises-noise"));
  ASSERT_TRUE(r.restrict("市府路1號", "premises-noise"));
  EXPECT_TRUE(r.is_restricted("市府路1號", "premises-noise"));
  EXPECT_FALSE(r.is_restricted("市府路1號", "pollution-report"));
  EXPECT_FALSE(r.is_restricted("市府路2號", "premises-noise"));
}

TEST(Intake, R6_13_OtherFindingResetsCount) {
  place_restrictions r;
  r.record_finding("市府路1號", "premises-noise", finding_no_violation);
  r.record_finding("市府路1號", "premises-noise", finding_no_violation);
  r.record_finding("市府路1號", "premises-noise", "fined");
  EXPECT_EQ(0, r.consecutive_no_violation("市府路1號", "premises-noise"));
  r.record_finding("市府路1號", "premises-noise", finding_no_violation);
  r.record_finding("市府路1號", "premises-noise", finding_no_violation);
  EXPECT_FALSE(r.can_restrict("市府路1號", "premises-noise"));
}

TEST(Intake, R6_13_RestrictingTooEarlyIsARuleViolation) {
  place_restrictions r;
  r.record_finding("信義區市府路1號", "premises-noise", finding_no_violation);
  auto s = r.restrict("信義區市府路1號", "premises-noise");
  ASSERT_FALSE(s);
  EXPECT_EQ(errc::rule_violation, s.error().code());
  EXPECT_EQ("R6.13", s.error().rule());
  EXPECT_EQ("rule_violation: place: needs 3 consecutive no_violation findings for item premises-noise at "
            "this place, has 1 (R6.13)",
            s.error().to_string());
  EXPECT_FALSE(r.is_restricted("信義區市府路1號", "premises-noise"));
}

TEST(Intake, R6_13_RestrictionStaysUntilLifted) {
  place_restrictions r;
  for (int i = 0; i < 3; ++i) r.record_finding("臺北市市府路1號", "premises-noise", finding_no_violation);
  ASSERT_TRUE(r.restrict("台北市市府路1號", "premises-noise"));
  r.record_finding("臺北市市府路1號", "premises-noise", "fined");   // counted, but lifting is a decision
  EXPECT_TRUE(r.is_restricted("臺北市市府路1號", "premises-noise"));
  ASSERT_TRUE(r.lift("臺北市市府路1號", "premises-noise"));
  EXPECT_FALSE(r.is_restricted("臺北市市府路1號", "premises-noise"));
  EXPECT_EQ(errc::not_found, r.lift("臺北市市府路1號", "premises-noise").error().code());
}

}  // namespace
}  // namespace casework
