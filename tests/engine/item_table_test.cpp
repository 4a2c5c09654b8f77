// The dispatch item table (R6.1, R6.4): the shipped example tables load, and malformed tables are rejected
// with an error naming the file and field.
#include "casework/item_table.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace casework {
namespace {

namespace json = boost::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

expected<item_table> load_shipped(const std::string& city) {
  const std::string path = std::string(CASEWORK_WORKFLOWS_DIR) + "/" + city + "/items.json";
  return item_table::from_json(json::parse(read_text(path)), "items.json");
}

// A table with one valid item; `item_extra` is spliced into the item, `top_extra` into the document.
std::string table_with(const std::string& item_extra, const std::string& top_extra = "") {
  return R"({"name": "t", "version": 1, )" + top_extra + R"("items": [{"code": "streetlight-out",
    "name_zh": "路燈不亮或損壞", "name_en": "Streetlight out", "agency": "pwd", )" + item_extra + "}]}";
}

expected<item_table> parse(const std::string& text) {
  return item_table::from_json(json::parse(text), "items.json");
}

// Parses `text`, which must fail; returns the error's to_string().
std::string failure(const std::string& text) {
  auto t = parse(text);
  if (t) return "(parsed)";
  EXPECT_EQ(errc::invalid_definition, t.error().code());
  return t.error().to_string();
}

TEST(ItemTable, R6_1_ShippedTaipeiTableLoads) {
  auto t = load_shipped("taipei");
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ("taipei", t->name());
  EXPECT_EQ(1, t->version());
  EXPECT_TRUE(t->example());
  EXPECT_EQ(24u, t->items().size());
  const item* light = t->find("streetlight-out");
  ASSERT_NE(nullptr, light);
  EXPECT_EQ("路燈不亮或損壞", light->name_zh);
  EXPECT_EQ("pwd-parks-lights", light->agency);
  EXPECT_EQ("dispatch", light->workflow);
  EXPECT_EQ("PT24H", to_string(light->stage_one));
  ASSERT_TRUE(light->stage_two.has_value());
  EXPECT_EQ("P7D", to_string(*light->stage_two));
  EXPECT_EQ(nullptr, t->find("no-such-item"));
}

TEST(ItemTable, R6_1_ShippedTaipeiTableHasEveryListedItemByItsExactName) {
  const std::string md = read_text(std::string(CASEWORK_SHARED_DATA_DIR) + "/taipei-dispatch-items.md");
  if (md.empty()) GTEST_SKIP() << "shared/data/taipei-dispatch-items.md is not available";
  std::set<std::string> listed;
  std::istringstream lines(md);
  const std::regex row(R"(^\| ([^|]+?)(?: \(older: [^|]*\))? \| .*)");
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, row) && m[1] != "item (zh-TW)" && m[1].str().find("---") != 0) {
      listed.insert(m[1]);
    }
  }
  auto t = load_shipped("taipei");
  ASSERT_TRUE(t) << t.error().to_string();
  std::set<std::string> shipped;
  for (const item& i : t->items()) shipped.insert(i.name_zh);
  EXPECT_EQ(listed, shipped);
}

TEST(ItemTable, R6_1_ShippedNycTableLoadsTheSameWay) {
  auto t = load_shipped("nyc");
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ("nyc", t->name());
  EXPECT_TRUE(t->example());
  EXPECT_GE(t->items().size(), 5u);
  EXPECT_LE(t->items().size(), 8u);
  const item* noise = t->find("noise-residential");
  ASSERT_NE(nullptr, noise);
  EXPECT_EQ("nypd", noise->agency);
  EXPECT_EQ("PT8H", to_string(noise->stage_one));
}

TEST(ItemTable, R6_4_LimitsAreWallDurationsOrWorkingDays) {
  auto t = parse(table_with(R"("workflow": "petition", "stage_one": {"working_days": 1},
                               "stage_two": {"working_days": 6})"));
  ASSERT_TRUE(t) << t.error().to_string();
  const item& i = t->items().front();
  EXPECT_EQ("petition", i.workflow);
  EXPECT_TRUE(i.stage_one.is_working_days());
  EXPECT_EQ(1, i.stage_one.working_days);
  EXPECT_EQ("1 working day", to_string(i.stage_one));
  EXPECT_EQ("6 working days", to_string(*i.stage_two));
  EXPECT_FALSE(t->example());
}

TEST(ItemTable, R6_4_StageTwoIsOptional) {
  auto t = parse(table_with(R"("stage_one": "PT4H")"));
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_FALSE(t->items().front().stage_two.has_value());
  EXPECT_EQ("dispatch", t->items().front().workflow);
}

TEST(ItemTable, R6_4_StageTwoOfAnotherKindIsNotCompared) {
  auto t = parse(table_with(R"("stage_one": "P30D", "stage_two": {"working_days": 1})"));
  EXPECT_TRUE(t) << t.error().to_string();
}

TEST(ItemTable, R6_4_StageTwoMustBeLongerThanStageOne) {
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_two: must be longer than stage_one (P1D)",
            failure(table_with(R"("stage_one": "P1D", "stage_two": "PT24H")")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_two: must be longer than stage_one "
            "(3 working days)",
            failure(table_with(R"("stage_one": {"working_days": 3}, "stage_two": {"working_days": 2})")));
}

TEST(ItemTable, ZeroAndNegativeLimitsAreRejected) {
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one: \"-PT1H\": must be a positive duration",
            failure(table_with(R"("stage_one": "-PT1H")")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one: \"PT0S\": must be a positive duration",
            failure(table_with(R"("stage_one": "PT0S")")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one.working_days: must be from 1 to 365",
            failure(table_with(R"("stage_one": {"working_days": 0})")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_two.working_days: must be from 1 to 365",
            failure(table_with(R"("stage_one": "PT1H", "stage_two": {"working_days": 366})")));
}

TEST(ItemTable, MalformedLimitsNameTheField) {
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one.working_days: must be an integer",
            failure(table_with(R"("stage_one": {"working_days": "3"})")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one.hours: unknown key",
            failure(table_with(R"("stage_one": {"working_days": 3, "hours": 2})")));
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one: must be an ISO 8601 duration such as "
            "\"PT24H\" or {\"working_days\": n}",
            failure(table_with(R"("stage_one": 24)")));
  auto t = parse(table_with(R"("stage_one": "P1Y")"));
  ASSERT_FALSE(t);
  EXPECT_EQ(errc::invalid_definition, t.error().code());
  EXPECT_EQ("items.json: items[0].stage_one", t.error().field());
}

TEST(ItemTable, ParseLimitAlone) {
  auto wall = parse_limit(json::value("P1DT2H"), "x");
  ASSERT_TRUE(wall);
  EXPECT_FALSE(wall->is_working_days());
  EXPECT_EQ("P1DT2H", to_string(*wall));
  auto days = parse_limit(json::parse(R"({"working_days": 3})"), "x");
  ASSERT_TRUE(days);
  EXPECT_EQ(3, days->working_days);
  EXPECT_EQ("x.working_days", parse_limit(json::parse(R"({"working_days": -1})"), "x").error().field());
}

TEST(ItemTable, UnknownKeysAreRejected) {
  EXPECT_EQ("invalid_definition: items.json: items[0].colour: unknown key",
            failure(table_with(R"("stage_one": "PT4H", "colour": "red")")));
  EXPECT_EQ("invalid_definition: items.json: owner: unknown key",
            failure(table_with(R"("stage_one": "PT4H")", R"("owner": "x", )")));
}

TEST(ItemTable, DuplicateCodesAreRejected) {
  const std::string text = R"({"name": "t", "version": 1, "items": [
    {"code": "a", "name_zh": "甲", "name_en": "A", "agency": "x", "stage_one": "PT1H"},
    {"code": "b", "name_zh": "乙", "name_en": "B", "agency": "x", "stage_one": "PT1H"},
    {"code": "a", "name_zh": "丙", "name_en": "C", "agency": "x", "stage_one": "PT1H"}]})";
  EXPECT_EQ("invalid_definition: items.json: items[2].code: duplicate code \"a\" (also items[0])",
            failure(text));
}

TEST(ItemTable, RequiredFieldsAndShapes) {
  EXPECT_EQ("invalid_definition: items.json: items[0].stage_one: required",
            failure(table_with(R"("workflow": "x")")));
  EXPECT_EQ("invalid_definition: items.json: items[0].code: must be kebab-case (a-z, 0-9, single '-')",
            failure(R"({"name": "t", "version": 1, "items": [{"code": "Street_Light", "name_zh": "燈",
                        "name_en": "L", "agency": "x", "stage_one": "PT1H"}]})"));
  EXPECT_EQ("invalid_definition: items.json: items[0].name_en: must not be empty",
            failure(R"({"name": "t", "version": 1, "items": [{"code": "a", "name_zh": "燈",
                        "name_en": "", "agency": "x", "stage_one": "PT1H"}]})"));
  EXPECT_EQ("invalid_definition: items.json: items: must not be empty",
            failure(R"({"name": "t", "version": 1, "items": []})"));
  EXPECT_EQ("invalid_definition: items.json: version: required", failure(R"({"name": "t", "items": []})"));
  EXPECT_EQ("invalid_definition: items.json: version: must be 1 or more",
            failure(R"({"name": "t", "version": 0, "items": []})"));
  EXPECT_EQ("invalid_definition: items.json: example: must be true or false",
            failure(table_with(R"("stage_one": "PT4H")", R"("example": "yes", )")));
  EXPECT_EQ("invalid_definition: items.json: (document): must be an object", failure("[]"));
}

}  // namespace
}  // namespace casework
