// Workflow definitions are validated when they are loaded: each test breaks one thing in the shipped
// dispatch.json and checks the exact error, which names the file, the field path and what is wrong.
// Then: several versions of a definition live side by side (a case keeps the version it was created under),
// and a bundle with a broken definition file names that file.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rules_harness.hpp"

namespace casework {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

json::value shipped_dispatch() {
  auto doc = read_json_file(CASEWORK_WORKFLOWS_DIR "/definitions/dispatch.json");
  EXPECT_TRUE(doc) << doc.error().to_string();
  return doc ? *doc : json::value{};
}

// The error from_json reports for `doc`, or "(loaded)".
std::string load_error(const json::value& doc) {
  auto d = definition::from_json(doc, "dispatch.json");
  return d ? std::string("(loaded)") : d.error().to_string();
}

// The object at JSON pointer `ptr` of `doc` ("/timers/2/at").
json::object& at(json::value& doc, std::string_view ptr) { return doc.at_pointer(ptr).as_object(); }

TEST(DefinitionErrors, TheShippedDispatchDefinitionLoads) {
  auto doc = shipped_dispatch();
  EXPECT_EQ(load_error(doc), "(loaded)");
}

TEST(DefinitionErrors, R6_5_TimerAnchorNamingNoDeadline) {
  auto doc = shipped_dispatch();
  at(doc, "/timers/2/at")["from"] = "deadline:stage-3";
  EXPECT_EQ(load_error(doc),
            "invalid_definition: dispatch.json: timers[2].at.from: 'deadline:stage-3' names no deadline");
}

TEST(DefinitionErrors, R6_3_UnknownStateInACommandsFrom) {
  auto doc = shipped_dispatch();
  at(doc, "/commands/sign")["from"] = json::array{"created", "limbo"};
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: commands.sign.from: 'limbo' names no state");
}

TEST(DefinitionErrors, UnknownKeyCatchesATypo) {
  auto doc = shipped_dispatch();
  auto& timer = at(doc, "/timers/0");
  timer["whiel"] = timer["while"];
  timer.erase("while");
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: timers[0].whiel: unknown key");
}

TEST(DefinitionErrors, R6_3_BadIsoDuration) {
  auto doc = shipped_dispatch();
  at(doc, "/deadlines/0/at")["plus"] = "PT10X";
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: deadlines[0].at.plus: \"PT10X\": "
                             "not an ISO 8601 duration (expected e.g. PT4H, P30D, P1DT2H, P2W, -P1D)");
}

TEST(DefinitionErrors, R6_4_MonthsAreRejectedInDurations) {
  auto doc = shipped_dispatch();
  at(doc, "/timers/3/at")["plus"] = "P1M";
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: timers[3].at.plus: \"P1M\": years and months are "
                             "not allowed in a duration (their length varies; use weeks or days)");
}

TEST(DefinitionErrors, R6_4_TransitionToAnUnknownState) {
  auto doc = shipped_dispatch();
  at(doc, "/timers/1/actions/0")["transition"] = "late";
  EXPECT_EQ(load_error(doc),
            "invalid_definition: dispatch.json: timers[1].actions[0].transition: 'late' names no state");
}

TEST(DefinitionErrors, R6_3_UnknownRole) {
  auto doc = shipped_dispatch();
  at(doc, "/commands/sign")["roles"] = json::array{"duty_officer", "janitor"};
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: commands.sign.roles: 'janitor' is not a role");
}

TEST(DefinitionErrors, R6_3_UnknownChannel) {
  auto doc = shipped_dispatch();
  at(doc, "/timers/0/actions/0/notify")["channels"].as_array().push_back("pager");
  EXPECT_EQ(load_error(doc),
            "invalid_definition: dispatch.json: timers[0].actions[0].notify.channels: 'pager' is not a channel");
}

TEST(DefinitionErrors, MissingCreateCommand) {
  auto doc = shipped_dispatch();
  at(doc, "/commands").erase("create");
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: commands: a definition needs a \"create\" command");
}

TEST(DefinitionErrors, DuplicateDeadlineNames) {
  auto doc = shipped_dispatch();
  at(doc, "/deadlines/2")["name"] = "stage-one";
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: deadlines[2].name: duplicate deadline 'stage-one'");
}

TEST(DefinitionErrors, R6_7_TimerWithBothAtAndEvery) {
  auto doc = shipped_dispatch();
  at(doc, "/timers/6")["at"] = json::object{{"from", "entered:overdue"}};
  EXPECT_EQ(load_error(doc),
            "invalid_definition: dispatch.json: timers[6]: a timer needs exactly one of \"at\" and \"every\"");
}

TEST(DefinitionErrors, UnknownFieldType) {
  auto doc = shipped_dispatch();
  at(doc, "/commands/assign/fields/handler")["type"] = "person";
  EXPECT_EQ(load_error(doc),
            "invalid_definition: dispatch.json: commands.assign.fields.handler.type: 'person' is not a field type");
}

TEST(DefinitionErrors, R6_2_OneOfNamingAnUndeclaredField) {
  auto doc = shipped_dispatch();
  at(doc, "/commands/create/one_of/0")["fields"].as_array().push_back("reporter.fax");
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: commands.create.one_of[0]: 'reporter.fax' is not a "
                             "field of the command");
}

TEST(DefinitionErrors, VersionZero) {
  auto doc = shipped_dispatch();
  at(doc, "")["version"] = 0;
  EXPECT_EQ(load_error(doc), "invalid_definition: dispatch.json: version: must be 1 or more");
}

// --- Versions side by side -----------------------------------------------------------------------------

std::vector<std::string> timers_of(const definition& def, const context& ctx, const case_state& s) {
  std::vector<std::string> out;
  for (const auto& t : pending_timers(def, ctx, s)) out.push_back(t.name + "@" + format_utc(t.due));
  return out;
}

case_state create_dispatch(const definition& def, const testing::harness& h, const std::string& id, instant now) {
  create_request req;
  req.id = id;
  req.item = "streetlight-out";
  req.cmd = command{"create", "call_taker", "t1", json::parse(R"({"item": "streetlight-out", "district": "daan",
      "reporter": {"name": "Citizen A", "phone": "0912000000"}})").as_object()};
  auto r = decide_create(def, h.ctx(), req, now);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  case_state s;
  if (r) testing::harness::fold_into(s, *r);
  return s;
}

// Version 2 renotifies after 20 minutes and escalates 2 hours after the stage-one limit. A case created
// under version 1 keeps version 1's timers when the caller looks its definition up by the pinned version.
TEST(DefinitionErrors, R6_3_DeployingVersion2LeavesVersion1CasesOnVersion1) {
  testing::harness h;
  auto doc = shipped_dispatch();
  auto v1 = definition::from_json(doc, "dispatch.json");
  at(doc, "")["version"] = 2;
  at(doc, "/deadlines/0/at")["plus"] = "PT20M";
  at(doc, "/timers/2/at")["plus"] = "PT2H";
  auto v2 = definition::from_json(doc, "dispatch-v2.json");
  ASSERT_TRUE(v1 && v2);

  definition_set set;
  ASSERT_TRUE(set.add(std::make_shared<const definition>(*v1)).ok());
  auto s = create_dispatch(*set.latest("dispatch"), h, "202601010000001", h.local("2026-03-02 09:00"));
  EXPECT_EQ(s.definition_version, 1);
  const std::vector<std::string> v1_timers = {"sign-renotify@2026-03-02T01:10:00Z",
                                              "stage-one-overdue@2026-03-03T01:00:00Z",
                                              "stage-one-escalation@2026-03-03T02:00:00Z"};
  EXPECT_EQ(timers_of(*set.find(s.workflow, s.definition_version), h.ctx(), s), v1_timers);

  ASSERT_TRUE(set.add(std::make_shared<const definition>(*v2)).ok());
  auto again = set.add(std::make_shared<const definition>(*v1));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().to_string(), "already_exists: dispatch.json: version: version 1 is already loaded");
  ASSERT_NE(set.find("dispatch", 1), nullptr);
  EXPECT_EQ(set.find("dispatch", 1)->version, 1);
  EXPECT_EQ(set.latest("dispatch")->version, 2);
  EXPECT_NE(set.find("dispatch", 1), set.latest("dispatch"));
  EXPECT_EQ(set.find("dispatch", 3), nullptr);

  const auto& pinned = *set.find(s.workflow, s.definition_version);
  EXPECT_EQ(timers_of(pinned, h.ctx(), s), v1_timers) << "deploying v2 moved a v1 case's timers";
  // What the pin prevents: under v2's rules the same case would escalate an hour later.
  EXPECT_EQ(timers_of(*set.latest("dispatch"), h.ctx(), s).back(), "stage-one-escalation@2026-03-03T03:00:00Z");
  // The v1 case is still renotified at 09:10 ...
  auto fired = fire_due_timers(pinned, h.ctx(), s, h.local("2026-03-02 09:10"));
  ASSERT_TRUE(fired);
  EXPECT_EQ(testing::notifications(*fired), std::vector<std::string>{"sign-reminder@2026-03-02T01:10:00Z"});
  // ... while a case created now gets version 2's 20 minutes.
  auto s2 = create_dispatch(*set.latest("dispatch"), h, "202601010000002", h.local("2026-03-02 09:00"));
  EXPECT_EQ(s2.definition_version, 2);
  EXPECT_EQ(testing::deadline_utc(s2, "sign"), "2026-03-02T01:20:00Z");
}

// --- Bundles -----------------------------------------------------------------------------------------

// A definitions folder in the temp dir holding the shipped definitions plus the file `name`.
class temp_definitions {
 public:
  temp_definitions(const std::string& name, const std::string& text)
      : dir_(fs::temp_directory_path() /
             ("casework-defs-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(CASEWORK_WORKFLOWS_DIR "/definitions"))
      if (e.path().extension() == ".json") fs::copy_file(e.path(), dir_ / e.path().filename());
    std::ofstream(dir_ / name) << text;
  }
  ~temp_definitions() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  expected<std::shared_ptr<bundle>> load() const {
    auto paths = bundle_paths::taipei(CASEWORK_WORKFLOWS_DIR);
    paths.definitions_dir = dir_.string();
    return load_bundle(paths);
  }

 private:
  fs::path dir_;
};

TEST(DefinitionErrors, BundleWithASyntaxErrorNamesTheFile) {
  temp_definitions defs("zz-broken.json", "{\"name\": \"broken\", \"version\": 1,, }");
  auto b = defs.load();
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().field(), "zz-broken.json");
  // Byte 32 is the second comma.
  EXPECT_EQ(b.error().to_string(), "invalid_definition: zz-broken.json: not valid JSON at byte 32: syntax error");
}

TEST(DefinitionErrors, BundleWithAnInvalidDefinitionNamesTheFileAndField) {
  std::string text = json::serialize(shipped_dispatch());
  text.replace(text.find("\"version\":1"), 11, "\"version\":2");
  text.replace(text.find("\"to\":\"released\""), 15, "\"to\":\"limbo\"");
  temp_definitions defs("dispatch-v2.json", text);
  auto b = defs.load();
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().to_string(),
            "invalid_definition: dispatch-v2.json: commands.release.to[0].to: 'limbo' names no state");
}

TEST(DefinitionErrors, BundleWithTwoFilesOfTheSameVersionIsRefused) {
  temp_definitions defs("zz-dispatch-copy.json", json::serialize(shipped_dispatch()));
  auto b = defs.load();
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().to_string(), "already_exists: zz-dispatch-copy.json: version: version 1 is already loaded");
}

TEST(DefinitionErrors, BundleLoadsVersion2NextToVersion1) {
  std::string text = json::serialize(shipped_dispatch());
  text.replace(text.find("\"version\":1"), 11, "\"version\":2");
  temp_definitions defs("dispatch-v2.json", text);
  auto b = defs.load();
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ((*b)->definitions.latest("dispatch")->version, 2);
  EXPECT_EQ((*b)->definitions.find("dispatch", 1)->source, "dispatch.json");
  EXPECT_EQ((*b)->definitions.find("dispatch", 2)->source, "dispatch-v2.json");
}

}  // namespace
}  // namespace casework
