// casework sample (R6.14): the monthly audit sample of closed dispatch cases, per (district, item).
#include "cli_support.hpp"

namespace casework::cli_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string id(int n) {
  auto s = std::to_string(n);
  return "20260303" + std::string(5 - s.size(), '0') + s;
}

class CaseworkSample : public CaseworkCli {
 protected:
  // 大安區: 12 cases closed in March. 信義區: 4, the last closed at 23:30 local on 31 March (15:30 UTC).
  // Not candidates: one closed at 00:30 local on 1 April (still March in UTC), one still open.
  void SetUp() override {
    CaseworkCli::SetUp();
    for (int n = 1; n <= 12; ++n) closed(id(n), "大安區", "2026-03-03 09:00", "2026-03-03 10:00");
    for (int n = 13; n <= 15; ++n) closed(id(n), "信義區", "2026-03-05 09:00", "2026-03-05 10:00");
    closed(id(16), "信義區", "2026-03-31 21:00", "2026-03-31 23:30");
    closed(id(17), "信義區", "2026-03-31 22:00", "2026-04-01 00:30");
    cases_->create(id(18), "信義區", "2026-03-04 09:00");
  }

  void closed(const std::string& case_id, const std::string& district, const std::string& created,
              const std::string& at) {
    auto s = cases_->create(case_id, district, created);
    cases_->close(s, created.substr(0, 14) + "05", at);  // signed 5 minutes after creation
  }

  // The sample's rows for one district.
  static std::vector<std::string> rows(const std::string& out, const std::string& district) {
    std::vector<std::string> r;
    for (const auto& l : lines(out))
      if (l.rfind(district + ",", 0) == 0) r.push_back(l);
    return r;
  }

  run_result sample(const std::string& seed) {
    return cli_rules({"sample", data(), "--month", "2026-03", "--seed", seed});
  }
};

TEST_F(CaseworkSample, R6_14_PicksFivePerDistrictAndItemReproduciblyWithTheSeed) {
  auto a = sample("7");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(lines(a.out).front(), "district,item,case,closed_at");
  EXPECT_EQ(rows(a.out, "大安區").size(), 5u);
  EXPECT_EQ(sample("7").out, a.out) << "the same seed gives the same sample";
  auto b = sample("8");
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(rows(b.out, "大安區").size(), 5u);
  EXPECT_NE(rows(b.out, "大安區"), rows(a.out, "大安區")) << "another seed draws another 5 of the 12";
}

TEST_F(CaseworkSample, R6_14_TakesAllWhenFewerAndCountsTheLocalMonthOfClosing) {
  auto r = sample("7");
  ASSERT_EQ(r.code, 0) << r.err;
  auto xinyi = rows(r.out, "信義區");
  ASSERT_EQ(xinyi.size(), 4u) << r.out;
  for (int n = 13; n <= 16; ++n) EXPECT_THAT(r.out, HasSubstr("信義區,premises-noise," + id(n) + ","));
  EXPECT_THAT(r.out, HasSubstr(id(16) + ",2026-03-31T23:30:00+08:00"));
  EXPECT_THAT(r.out, Not(HasSubstr(id(17)))) << "closed on 1 April local time";
  EXPECT_THAT(r.out, Not(HasSubstr(id(18)))) << "still open";
  auto april = cli_rules({"sample", data(), "--month", "2026-04", "--format", "jsonl"});
  ASSERT_EQ(april.code, 0) << april.err;
  ASSERT_EQ(lines(april.out).size(), 1u);
  auto v = boost::json::parse(lines(april.out)[0]).as_object();
  EXPECT_EQ(v.at("case").as_string(), id(17));
  EXPECT_EQ(v.at("district"), "信義區");
  EXPECT_EQ(v.at("item"), "premises-noise");
}

TEST_F(CaseworkSample, R6_14_RefusesAMalformedMonth) {
  auto r = cli_rules({"sample", data(), "--month", "2026-13"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--month: '2026-13' is not YYYY-MM"));
}

}  // namespace
}  // namespace casework::cli_testing
