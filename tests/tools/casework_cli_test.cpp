// The auditors' command line (tools/casework): the real binary against a real store that another
// rocksdb_store instance keeps open for writing throughout, as caseworkd would.
#include "store_surgery.hpp"

#include "cli_support.hpp"

namespace casework::cli_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string* line_with(const std::vector<std::string>& all, const std::string& needle) {
  for (const auto& l : all)
    if (l.find(needle) != std::string::npos) return &l;
  return nullptr;
}

TEST_F(CaseworkCli, R6_3_HistoryShowsTheSignReminderInLocalTimeWithItsRule) {
  noise_case();
  auto r = cli_rules({"history", data(), "2026030200001"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto all = lines(r.out);
  auto reminder = line_with(all, "notify sign-reminder");
  ASSERT_NE(reminder, nullptr) << r.out;
  EXPECT_THAT(*reminder, HasSubstr("2026-03-02T09:10:00+08:00"));
  EXPECT_THAT(*reminder, HasSubstr("timer:sign-renotify"));
  EXPECT_THAT(*reminder, HasSubstr("via sms, emessage, email to duty_officer"));
  EXPECT_THAT(*reminder, HasSubstr("[R6.3]"));
  EXPECT_THAT(r.out, HasSubstr("state created -> signed"));
  EXPECT_THAT(r.out, HasSubstr("deadline sign -> 2026-03-02T09:10:00+08:00"));
}

TEST_F(CaseworkCli, R9_2_HistoryRedactsTheReportersNamePhoneAndAddress) {
  noise_case();
  auto r = cli_rules({"history", data(), "2026030200001"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_name)));
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_phone)));
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_address)));
  EXPECT_THAT(r.out, HasSubstr("reporter.name=[redacted], reporter.phone=[redacted]"));
  EXPECT_THAT(r.out, HasSubstr("district=大安區")) << "non-personal input is shown";
}

TEST_F(CaseworkCli, ReplayAtAnEarlierInstantShowsTheStateThen) {
  noise_case();
  auto then = cli_rules({"replay", data(), "2026030200001", "--at", "2026-03-02T09:15:00+08:00"});
  ASSERT_EQ(then.code, 0) << then.err;
  auto v = boost::json::parse(then.out).as_object();
  EXPECT_EQ(v.at("state").at("state"), "created");
  EXPECT_EQ(v.at("state").at("fields").at("reporter").at("name"), "[redacted]");
  EXPECT_EQ(v.at("as_of"), "2026-03-02T01:15:00Z");

  auto now = cli_rules({"replay", data(), "2026030200001"});
  ASSERT_EQ(now.code, 0) << now.err;
  auto w = boost::json::parse(now.out).as_object();
  EXPECT_EQ(w.at("state").at("state"), "closed");
  EXPECT_EQ(w.at("events_applied"), w.at("events_total"));
  EXPECT_THAT(now.out, Not(HasSubstr(reporter_phone)));
  // The stored snapshot is compared with the history folded to its event, whatever --at says.
  const boost::json::value matches = boost::json::object{{"seq", w.at("events_total")}, {"matches", true}};
  EXPECT_EQ(v.at("snapshot"), matches);
  EXPECT_EQ(w.at("snapshot"), matches);
}

TEST_F(CaseworkCli, ReplaySaysSoWhenACaseHasNoStoredSnapshot) {
  cases_->derived = false;
  noise_case();
  auto r = cli_rules({"replay", data(), "2026030200001"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("snapshot"), "no stored snapshot to compare");
}

// A stored snapshot that is not what its history folds to: the fields that differ are named (never their
// values) and the exit code is 1.
TEST_F(CaseworkCli, ReplayNamesTheFieldsWhereTheStoredSnapshotDiffersAndExitsOne) {
  auto s = noise_case();
  event note;
  note.seq = s.seq + 1;
  note.type = event_type::fields_set;
  note.at = s.updated_at + std::chrono::minutes(1);
  note.actor = "system";
  note.data = {{"fields", {{"note", "checked"}}}};
  testing::harness::fold_into(s, {note});
  case_state forged = s;
  forged.state = "stage-one";
  forged.fields["reporter"].as_object()["phone"] = "0900-000-000";
  auto d = std::make_shared<case_derived>(derive(s, {}));
  d->snapshot = boost::json::serialize(to_snapshot(forged));
  ASSERT_TRUE(primary_->append_group({case_events{s.id, {note}, d}}).ok());

  auto r = cli_rules({"replay", data(), s.id});
  EXPECT_EQ(r.code, 1) << r.err;
  auto snapshot = boost::json::parse(r.out).at("snapshot").as_object();
  EXPECT_EQ(snapshot.at("seq"), s.seq);
  EXPECT_EQ(snapshot.at("matches"), false);
  EXPECT_EQ(snapshot.at("differences"), (boost::json::array{"fields.reporter.phone", "state"}));
  EXPECT_THAT(r.out, Not(HasSubstr("0900-000-000")));
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_phone)));
  auto verify = cli({"verify", data()});
  EXPECT_EQ(verify.code, 1);
  const std::string seq = std::to_string(s.seq);
  EXPECT_THAT(verify.out, HasSubstr("broken: case 2026030200001 seq " + seq +
                                    ": snapshot differs from the history folded to event " + seq +
                                    " in fields.reporter.phone, state"));
  auto chain = cli({"verify", data(), "--depth", "chain"});
  EXPECT_EQ(chain.code, 0) << "the forged snapshot's bytes are what was written: only a fold finds it";
  EXPECT_THAT(chain.out, HasSubstr("every hash chain and snapshot intact (chain depth: payloads not decoded)"));
}

TEST_F(CaseworkCli, VerifyPassesIntactChainsAndNamesTheCaseAndSeqOfAFlippedByte) {
  noise_case("2026030200001");
  noise_case("2026030200002");
  auto ok = cli({"verify", data()});
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("ok: 2 cases, "));
  EXPECT_THAT(ok.out, HasSubstr(" 2 snapshots, every hash chain and snapshot intact"));
  EXPECT_EQ(ok.err, "") << "no progress when stderr is not a terminal";

  primary_.reset();
  cases_.reset();
  ASSERT_TRUE(testing::flip_stored_byte(data(), "2026030200002", 3));
  open_primary();
  auto broken = cli({"verify", data()});
  EXPECT_EQ(broken.code, 1) << broken.err;
  EXPECT_THAT(broken.out,
              HasSubstr("broken: case 2026030200002 seq 3: hash does not match the stored event"));
  EXPECT_THAT(broken.out, Not(HasSubstr("case 2026030200001")));
  auto chain = cli({"verify", data(), "--depth", "chain"});
  EXPECT_EQ(chain.code, 1) << chain.err;
  EXPECT_EQ(chain.out, broken.out) << "a changed byte is found at either depth";
}

TEST_F(CaseworkCli, VerifyNamesTheCaseAndSeqOfAFlippedByteInASnapshot) {
  noise_case("2026030200001");
  auto s = noise_case("2026030200002");
  primary_.reset();
  cases_.reset();
  ASSERT_TRUE(testing::flip_snapshot_byte(data(), "2026030200002"));
  open_primary();
  auto broken = cli({"verify", data()});
  EXPECT_EQ(broken.code, 1) << broken.err;
  EXPECT_THAT(broken.out, HasSubstr("broken: case 2026030200002 seq " + std::to_string(s.seq) +
                                    ": snapshot payload does not match its hash"));
  EXPECT_THAT(broken.out, Not(HasSubstr("case 2026030200001")));
  EXPECT_EQ(cli({"verify", data(), "--depth", "chain"}).out, broken.out);
  auto replay = cli_rules({"replay", data(), "2026030200002"});
  EXPECT_EQ(replay.code, 1) << replay.err;
  EXPECT_EQ(boost::json::parse(replay.out).at("snapshot").at("problem"),
            "snapshot payload does not match its hash");
}

TEST_F(CaseworkCli, R9_2_ExportJsonlRedactsPersonalFields) {
  auto s = noise_case();
  auto r = cli_rules({"export", data()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto all = lines(r.out);
  ASSERT_EQ(all.size(), s.seq);
  for (const auto& l : all) {
    auto v = boost::json::parse(l).as_object();
    EXPECT_EQ(v.at("case"), "2026030200001");
    EXPECT_TRUE(v.contains("seq") && v.contains("type") && v.contains("at") && v.contains("data"));
  }
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_name)));
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_phone)));
  EXPECT_THAT(r.out, Not(HasSubstr(reporter_address)));
  EXPECT_THAT(r.out, HasSubstr(R"("name":"[redacted]")"));
  EXPECT_FALSE(fs::exists(data() + "/personal-data-access.jsonl")) << "a redacted export is not an access";
}

TEST_F(CaseworkCli, R9_2_ExportWithPersonalDataRecordsTheAccessFirst) {
  noise_case();
  auto refused = cli({"export", data(), "--include-personal-data", "--by", "auditor-7"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("--reason: required with --include-personal-data"));
  EXPECT_EQ(refused.out, "");

  auto r = cli({"export", data(), "--include-personal-data", "--reason", "complaint 2026-17", "--by",
                "auditor-7", "--to", "2026-04-01T00:00:00+08:00"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(reporter_name));
  auto log = lines(slurp(data() + "/personal-data-access.jsonl"));
  ASSERT_EQ(log.size(), 1u);
  auto rec = boost::json::parse(log[0]).as_object();
  EXPECT_EQ(rec.at("by"), "auditor-7");
  EXPECT_EQ(rec.at("reason"), "complaint 2026-17");
  EXPECT_EQ(rec.at("format"), "jsonl");
  EXPECT_TRUE(rec.at("from").is_null());
  EXPECT_EQ(rec.at("to"), "2026-03-31T16:00:00Z");
  EXPECT_EQ(rec.at("cases"), boost::json::array{"2026030200001"});
  EXPECT_TRUE(parse_instant(rec.at("at").as_string()));
}

TEST_F(CaseworkCli, R9_2_ExportWritesNoPersonalDataWhenTheAccessCannotBeRecorded) {
  noise_case();
  fs::create_directories(data() +
                         "/personal-data-access.jsonl");  // a directory: the record cannot be written
  auto r = cli({"export", data(), "--include-personal-data", "--reason", "r", "--by", "b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("personal-data-access.jsonl"));
  EXPECT_THAT(r.err, HasSubstr("nothing exported"));
}

TEST_F(CaseworkCli, ExportCsvHasTheHeaderAndOnlyEventsInTheHalfOpenRange) {
  noise_case();
  auto r = cli_rules({"export", data(), "--format", "csv", "--from", "2026-03-02T09:10:00+08:00", "--to",
                      "2026-03-02T09:20:00+08:00"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto all = lines(r.out);
  ASSERT_EQ(all.size(), 3u) << r.out;  // the header, the sign-renotify timer and its reminder; 09:20 excluded
  EXPECT_EQ(all[0], "case,seq,at,type,actor,rule,data");
  EXPECT_THAT(all[1], HasSubstr(",2026-03-02T01:10:00Z,timer_fired,timer:sign-renotify,R6.3,"));
  EXPECT_THAT(all[2], HasSubstr(",notification,timer:sign-renotify,R6.3,\"{\"\"key\"\":"));
}

TEST_F(CaseworkCli, UsageAndLookupErrorsNameTheCulpritAndExitTwo) {
  noise_case();
  auto unknown_case = cli_rules({"history", data(), "2026030299999"});
  EXPECT_EQ(unknown_case.code, 2);
  EXPECT_THAT(unknown_case.err, HasSubstr("2026030299999"));
  auto bad_option = cli({"export", data(), "--frmo", "x"});
  EXPECT_EQ(bad_option.code, 2);
  EXPECT_THAT(bad_option.err, HasSubstr("--frmo: unknown option"));
  auto bad_instant = cli_rules({"replay", data(), "2026030200001", "--at", "yesterday"});
  EXPECT_EQ(bad_instant.code, 2);
  EXPECT_THAT(bad_instant.err, HasSubstr("--at: 'yesterday' is not an RFC 3339 instant"));
  auto bad_depth = cli({"verify", data(), "--depth", "deep"});
  EXPECT_EQ(bad_depth.code, 2);
  EXPECT_THAT(bad_depth.err, HasSubstr("--depth: 'deep' is not full or chain"));
  auto no_store = cli({"verify", dir_.str("missing")});
  EXPECT_EQ(no_store.code, 2);
  EXPECT_THAT(no_store.err, HasSubstr("missing: no such directory"));
  auto help = cli({"sample", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("dispatch command \"audit\""));   // R6.14 results are recorded by the engine
}

TEST_F(CaseworkCli, EachRunSeesWhatTheRunningPrimaryWroteBeforeIt) {
  noise_case("2026030200001");
  ASSERT_EQ(cli({"verify", data()}).out.find("ok: 1 cases"), 0u);
  noise_case("2026030200002");  // written through the primary, which stays open
  auto r = cli_rules({"history", data(), "2026030200002"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(cli({"verify", data()}).out, HasSubstr("ok: 2 cases"));
}

// The store is followed as a secondary instance whose files live in a fresh temporary directory: it is gone
// when the command ends, whether it succeeded or failed.
TEST_F(CaseworkCli, TheSecondaryInstancesFilesAreRemovedOnExit) {
  noise_case();
  const std::string tmp = dir_.str("tmp");
  fs::create_directories(tmp);
  auto ok = run_cli({"verify", data()}, dir_.str(), {"TMPDIR=" + tmp});
  EXPECT_EQ(ok.code, 0) << ok.err;
  auto failed = run_cli({"history", data(), "2026030299999", "--definitions", CASEWORK_WORKFLOWS_DIR},
                        dir_.str(), {"TMPDIR=" + tmp});
  EXPECT_EQ(failed.code, 2);
  EXPECT_TRUE(fs::is_empty(tmp)) << fs::directory_iterator(tmp)->path();
}

}  // namespace
}  // namespace casework::cli_testing
