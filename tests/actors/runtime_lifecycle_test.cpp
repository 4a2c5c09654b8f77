// The runtime's lifecycle: restart after a failure, passivation and re-activation, linked cases, repeats and
// restrictions at intake, calendar closures, listings — all through the embedding API on CAF's test
// coordinator.
#include "runtime_support.hpp"

namespace casework {
namespace {

using testing::kStreetlight;

class RuntimeLifecycle : public testing::runtime_test {
 protected:
  std::string working_streetlight(const char* input = kStreetlight) {
    auto c = create("dispatch", input);
    ok(c.state->id, "sign", "duty_officer");
    ok(c.state->id, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})");
    return c.state->id;
  }
};

TEST_F(RuntimeLifecycle, FailedCaseActorIsRestartedFromItsHistoryWithTheSameTimersAndNoReminderTwice) {
  auto id = working_streetlight();
  advance_to("2026-03-03 09:30");   // overdue at 09:00 (R6.4); escalation due at 10:00 (R6.5)
  auto before = wait(eng->get_case(id));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->state->state, "overdue");
  auto notes_before = notes();
  eng->inject_failure(id);
  eng->run_pending();
  EXPECT_EQ(eng->restarts(), 1u);
  auto after = wait(eng->get_case(id));
  ASSERT_TRUE(after);
  EXPECT_EQ(*after->state, *before->state) << "rebuilt from the recorded history";
  EXPECT_EQ(after->timers, before->timers);
  EXPECT_EQ(notes(), notes_before) << "the restart sent nothing";
  advance_to("2026-03-03 18:30");
  EXPECT_EQ(notes("stage-one-escalation").size(), 1u);
  EXPECT_EQ(notes("overdue-daily"),
            std::vector<std::string>{"overdue-daily@2026-03-03T10:00:00Z recorded@2026-03-03T10:00:00Z"});
  auto history = eng->history(id);
  ASSERT_TRUE(history);
  auto folded = fold(*history);
  ASSERT_TRUE(folded);
  EXPECT_EQ(*folded, state(id));
}

TEST_F(RuntimeLifecycle, IdleCaseActorsPassivateAndComeBackForACommandOrATimer) {
  start("2026-03-02 09:00", std::chrono::minutes(30));
  auto id = working_streetlight();
  EXPECT_EQ(eng->active_case_actors(), 1u);
  eng->advance_time(std::chrono::minutes(31));
  EXPECT_EQ(eng->active_case_actors(), 0u) << "passivated after 30 idle minutes";
  advance_to("2026-03-03 09:00");   // the stage-one limit re-activates it through the timer service (R6.4)
  EXPECT_EQ(notes("stage-one-escalation"), std::vector<std::string>{}) << "due at 10:00, not yet";
  auto s = state(id);
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(format_utc(s.entered.at("overdue")), "2026-03-03T01:00:00Z");
  eng->advance_time(std::chrono::minutes(31));
  EXPECT_EQ(eng->active_case_actors(), 0u);
  ok(id, "report", "handler", R"({"result": "fixed late", "finding": "fixed"})");   // re-activated by a command
  EXPECT_EQ(state(id).state, "stage-two");
}

// A case actor that fails again after each restart is restarted five times, then left stopped (its supervisor
// counts the failures per case); its history is intact, and the next request activates it again.
TEST_F(RuntimeLifecycle, ACaseThatKeepsFailingIsRestartedFiveTimesThenLeftStopped) {
  auto id = working_streetlight();
  auto before = wait(eng->get_case(id));
  ASSERT_TRUE(before);
  for (int i = 1; i <= 6; ++i) {
    eng->inject_failure(id);
    eng->run_pending();
    EXPECT_EQ(eng->restarts(), static_cast<std::uint64_t>(std::min(i, 5))) << "failure " << i;
    EXPECT_EQ(eng->active_case_actors(), i <= 5 ? 1u : 0u) << "failure " << i;
  }
  auto after = wait(eng->get_case(id));
  ASSERT_TRUE(after);
  EXPECT_EQ(*after->state, *before->state);
  EXPECT_EQ(eng->active_case_actors(), 1u);
}

// Passivation counts from a case's last request, not its first: the idle check armed at its activation finds
// it busy since and waits out the rest of the span. A case restarted after a failure, with no request of its
// own, passivates passivate_after after its restart.
TEST_F(RuntimeLifecycle, IdleSpanCountsFromTheLastRequestAndARestartedCasePassivatesToo) {
  start("2026-03-02 09:00", std::chrono::minutes(30));
  auto id = working_streetlight();
  eng->advance_time(std::chrono::minutes(20));
  ASSERT_TRUE(wait(eng->get_case(id)));   // a read 20 minutes in
  eng->advance_time(std::chrono::minutes(15));
  EXPECT_EQ(eng->active_case_actors(), 1u) << "35 minutes after its creation, 15 after its last request";
  eng->advance_time(std::chrono::minutes(16));
  EXPECT_EQ(eng->active_case_actors(), 0u) << "31 minutes after its last request";

  ASSERT_TRUE(wait(eng->get_case(id)));
  eng->inject_failure(id);
  eng->run_pending();
  ASSERT_EQ(eng->restarts(), 1u);
  EXPECT_EQ(eng->active_case_actors(), 1u) << "restarted from its snapshot";
  eng->advance_time(std::chrono::minutes(29));
  EXPECT_EQ(eng->active_case_actors(), 1u);
  eng->advance_time(std::chrono::minutes(2));
  EXPECT_EQ(eng->active_case_actors(), 0u) << "the restarted case passivated too";
}

// A backlog of due reminders must not activate the cases it fires: a passivated case's timers (R6.4's limit,
// then R6.5's escalation) fire on its stored state without an actor, while a case re-activated by a read
// stays for passivate_after.
TEST_F(RuntimeLifecycle, ACasePassivatedFiresItsTimersWithoutBeingActivated) {
  start("2026-03-02 09:00", std::chrono::minutes(30));
  auto id = working_streetlight();
  auto other = working_streetlight(R"({"item": "streetlight-out", "district": "daan",
      "location": {"address": "No. 9, Section 4, Roosevelt Rd"}, "description": "lamp out",
      "reporter": {"name": "Citizen B", "phone": "0912000001"}, "reply": "sms"})");
  eng->advance_time(std::chrono::minutes(31));
  ASSERT_EQ(eng->active_case_actors(), 0u);
  advance_to("2026-03-03 09:00");   // both stage-one limits pass: both cases' timers fire (R6.4)
  EXPECT_EQ(eng->active_case_actors(), 0u) << "fired without activation";
  auto stored = log->load(id);   // read from the log, not through the engine, which would activate the case
  ASSERT_TRUE(stored) << stored.error().to_string();
  EXPECT_EQ(stored->state, "overdue") << "the fire is recorded";
  ASSERT_TRUE(wait(eng->get_case(other)));   // re-activated by a read
  eng->advance_time(std::chrono::seconds(2));
  EXPECT_EQ(eng->active_case_actors(), 1u) << "the case that was read stays for passivate_after";
  advance_to("2026-03-03 10:00");   // `other` passivated at 09:30; the R6.5 escalations wake both again
  EXPECT_EQ(eng->active_case_actors(), 0u);
  EXPECT_EQ(notes("stage-one-escalation").size(), 2u) << "each escalation once";
  EXPECT_EQ(state(id).state, "overdue");
}

// On CAF's test coordinator, requests issued before any is answered reach their case in the order they were
// issued: sign (R6.3), assign, then report (R6.4) all succeed. (With two gateways taken in turn the report reached
// the case before the assignment and was refused.)
TEST_F(RuntimeLifecycle, RequestsIssuedTogetherApplyInTheOrderIssuedR6_3R6_4) {
  auto c = create("dispatch", kStreetlight);
  const auto& id = c.state->id;
  auto sign = eng->issue(id, command{"sign", "duty_officer", "t1", {}});
  auto assign = eng->issue(id, command{"assign", "duty_officer", "t1", {{"handler", "pwd-parks-lights-h-1"}}});
  auto report = eng->issue(id, command{"report", "handler", "t1", {{"result", "done"}, {"finding", "fixed"}}});
  eng->run_pending();
  auto s = sign.get(), a = assign.get(), r = report.get();
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_LT(s->state->seq, a->state->seq);
  EXPECT_LT(a->state->seq, r->state->seq);
  EXPECT_EQ(r->state->state, "stage-two");
}

// Whether an active case keeps its fields and deadlines packed between requests (the default) or parsed
// (engine_options::pack_idle_cases false, as casework simulate runs) changes no answer and no record: the same
// commands, R6.4 overdue timer and R6.8 closing give the same state, snapshot byte for byte, and history.
TEST_F(RuntimeLifecycle, CasesKeptPackedOrParsedBetweenRequestsRecordTheSameR6_4R6_8) {
  std::vector<std::string> snapshots, histories;
  for (bool pack : {true, false}) {
    pack_idle_cases = pack;
    log = std::make_shared<memory_event_log>();
    start();
    auto id = working_streetlight();
    advance_to("2026-03-03 09:30");   // overdue in stage one (R6.4)
    ok(id, "report", "handler", R"({"result": "stage one done late", "finding": "fixed"})");
    auto done = ok(id, "report", "handler", R"({"result": "all done", "finding": "fixed"})");
    EXPECT_EQ(done.state->state, "closed");
    snapshots.push_back(snapshot_text(*done.state) + snapshot_text(state(id)));   // the answer and a read
    auto history = log->read(id);
    ASSERT_TRUE(history) << history.error().to_string();
    std::string text;
    for (const auto& e : *history) text += boost::json::serialize(to_json(e)) + "\n";
    histories.push_back(text);
  }
  EXPECT_EQ(snapshots[0], snapshots[1]);
  EXPECT_EQ(histories[0], histories[1]);
}

// An active case is packed by the registry's sweep (engine_options::pack_sweep), not after every request: the
// commands of a busy case (R6.3's sign, then the assignment and R6.4's stage-one report) leave it parsed, and the
// next sweep packs it, once. A read leaves a packed case packed, and its answer is the same as a parsed case's.
// Without a sweep every request packs the case.
TEST_F(RuntimeLifecycle, ABusyCaseIsPackedOnceByTheRegistrysSweepAndAReadLeavesItPackedR6_3R6_4) {
  auto id = working_streetlight();
  EXPECT_EQ(eng->active_case_actors(), 1u);
  EXPECT_EQ(eng->packed_case_actors(), 0u) << "packed before the sweep";
  auto parsed = snapshot_text(state(id));
  EXPECT_EQ(eng->packed_case_actors(), 0u);
  eng->advance_time(std::chrono::seconds(1));
  EXPECT_EQ(eng->packed_case_actors(), 1u) << "the sweep did not pack the case";
  EXPECT_EQ(snapshot_text(state(id)), parsed) << "a packed case reads otherwise";
  EXPECT_EQ(eng->packed_case_actors(), 1u) << "a read unpacked the case";
  auto reported = ok(id, "report", "handler", R"({"result": "stage one done", "finding": "fixed"})");
  EXPECT_EQ(reported.state->state, "stage-two");
  EXPECT_EQ(eng->packed_case_actors(), 0u);
  eng->advance_time(std::chrono::seconds(1));
  EXPECT_EQ(eng->packed_case_actors(), 1u);
  eng->advance_time(std::chrono::seconds(5));   // no request meanwhile: nothing left to sweep
  EXPECT_EQ(eng->packed_case_actors(), 1u);

  // A sweep over more cases than it sends park at once (registry.cpp, park_chunk) reaches them all, a chunk at a
  // time between the registry's other messages.
  for (int i = 0; i < 600; ++i) {   // each at a place of its own: no repeat report joins another (R6.12)
    std::string input = kStreetlight;
    input.replace(input.find("No. 1,"), 6, "No. " + std::to_string(i + 2) + ",");
    input.replace(input.find("25.0173"), 7, std::to_string(24.5 + 0.001 * i));
    create("dispatch", input);
  }
  EXPECT_EQ(eng->active_case_actors(), 601u);
  EXPECT_EQ(eng->packed_case_actors(), 1u) << "only the first case, untouched since its sweep";
  eng->advance_time(std::chrono::seconds(1));
  EXPECT_EQ(eng->packed_case_actors(), 601u) << "a sweep of more than one chunk left cases unpacked";

  pack_sweep = duration(0);
  log = std::make_shared<memory_event_log>();
  start();
  auto every = working_streetlight();
  EXPECT_EQ(eng->packed_case_actors(), 1u) << "without a sweep a request packs the case";
  EXPECT_EQ(snapshot_text(state(every)).size(), parsed.size());
}

// R6.10: a release more than 2 days into stage two is refused by its guard, after the interpreter folded the
// command and its input into its copy of the case. Packed between requests (the copy is unpacked for the
// decision; the case's own state stays packed until a record) or parsed (the interpreter copies it), the case
// stays as it was: the refused input reaches neither its state, nor its history, and its next command follows
// its last recorded event.
TEST_F(RuntimeLifecycle, R6_10_ARefusedReleaseLeavesTheCaseAsItWasPackedOrParsed) {
  for (bool pack : {true, false}) {
    SCOPED_TRACE(pack ? "packed" : "parsed");
    pack_idle_cases = pack;
    log = std::make_shared<memory_event_log>();
    start();
    auto id = working_streetlight();
    ok(id, "report", "handler", R"({"result": "stage one done", "finding": "fixed"})");
    advance_to("2026-03-05 10:00");   // 3 days into stage two, past the stage-one limit
    auto before = state(id);
    ASSERT_EQ(before.state, "stage-two");
    auto refused = issue(id, "release", "dispatch_operator", R"({"reason": "not_agency_business", "note": "late"})");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().rule(), "R6.10");
    auto after = state(id);
    EXPECT_EQ(snapshot_text(after), snapshot_text(before));
    EXPECT_EQ(find_path(after.fields, "reason"), nullptr);
    auto done = ok(id, "report", "handler", R"({"result": "all done", "finding": "fixed"})");
    EXPECT_EQ(done.state->state, "closed");
    auto history = log->read(id);
    ASSERT_TRUE(history) << history.error().to_string();
    ASSERT_GT(history->size(), before.seq);
    EXPECT_EQ((*history)[before.seq].type, event_type::command);
    EXPECT_EQ((*history)[before.seq].data.at("name"), "report") << "the refused release left no event";
  }
}

TEST_F(RuntimeLifecycle, R6_11_ReleaseToAnotherAgencyOpensAndLinksAPetition) {
  auto id = working_streetlight();
  ok(id, "release", "dispatch_operator", R"({"reason": "not_agency_business"})");
  ok(id, "dispose", "dispatch_manager", R"({"disposition": "other_agency", "target_agency": "dot"})");
  eng->run_pending();
  auto s = state(id);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].first, "released-to-petition");
  auto petition = state(s.links[0].second);
  EXPECT_EQ(petition.workflow, "petition");
  EXPECT_EQ(petition.agency, "dot");
  EXPECT_EQ(petition.state, "registered");
  EXPECT_EQ(petition.id.substr(0, 2), "UN");
}

TEST_F(RuntimeLifecycle, R6_12_RepeatReportAtTheSamePlaceJoinsTheOpenCase) {
  auto id = working_streetlight();
  auto again = wait(eng->create_case(
      "dispatch", command{"create", "call_taker", "t2",
                          boost::json::parse(R"({"item": "streetlight-out", "district": "daan",
                            "location": {"address": "No. 1,  Section 4, Roosevelt Rd"},
                            "reporter": {"name": "Citizen C", "email": "c@example.org"}})")
                              .as_object()}));
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->merged);
  EXPECT_EQ(again->state->id, id);
  EXPECT_EQ(again->state->fields.at("additional_reports").as_array().size(), 1u);
  auto listed = wait(eng->list_cases(case_query{"", "dispatch", "", "", false, "", 100}));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u) << "no second case was opened";
}

// The registry merges a repeat only within the open case's limit (R6.12), so it must learn a limit that a
// closure moved (R5.5) even though the case's state did not change: a repeat after the old limit and before the
// new one joins the case.
TEST_F(RuntimeLifecycle, R6_12_ARepeatWithinALimitAClosureMovedJoinsTheCase) {
  const char* report = R"({"item": "traffic-sign-damaged", "district": "daan",
      "location": {"address": "No. 5, Section 4, Roosevelt Rd"}, "description": "sign bent",
      "reporter": {"name": "Citizen D", "phone": "0912000002"}, "reply": "sms"})";
  auto c = create("dispatch", report);   // 2026-03-02 09:00: stage one is 3 working days (R6.4)
  const auto& id = c.state->id;
  auto old_limit = c.state->deadlines.at("stage-one").at;
  auto st = wait(eng->add_closure(closure{*parse_day("2026-03-04"), closure_scope::city_wide, "Typhoon Kong-rey", "", {}, 0}));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  eng->run_pending();
  auto moved = state(id);
  auto new_limit = moved.deadlines.at("stage-one").at;
  ASSERT_GT(new_limit, old_limit) << "the closure moves the stage-one limit (R5.5)";
  eng->advance_time(old_limit - eng->now() + std::chrono::hours(1));   // past the old limit, before the new
  ASSERT_EQ(state(id).state, moved.state) << "still within its (moved) limit";
  std::string repeat = report;
  repeat.replace(repeat.find("Citizen D"), 9, "Citizen E");
  auto again = wait(eng->create_case("dispatch", command{"create", "call_taker", "t2", boost::json::parse(repeat).as_object()}));
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->merged) << "the registry knows the moved limit";
  EXPECT_EQ(again->state->id, id);
}

TEST_F(RuntimeLifecycle, R6_12_RepeatRacingTheClosingOfItsCaseOpensANewCase) {
  auto id = working_streetlight();
  ok(id, "report", "handler", R"({"result": "one", "finding": "fixed"})");
  // The closing report and a repeat report at the same place are in flight together: the registry still
  // routes the repeat to the case, which is closed by the time it gets there.
  auto closing = eng->issue(id, command{"report", "handler", "t1",
                                        boost::json::parse(R"({"result": "two", "finding": "fixed"})").as_object()});
  auto repeat = eng->create_case("dispatch", command{"create", "call_taker", "t2",
                                                     boost::json::parse(kStreetlight).as_object()});
  eng->run_pending();
  auto closed = closing.get();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->state->state, "closed");
  auto r = repeat.get();
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->merged);
  EXPECT_NE(r->state->id, id);
  EXPECT_EQ(r->state->state, "created");
}

TEST_F(RuntimeLifecycle, R6_13_ReportsAtARestrictedPlaceBecomePetitions) {
  const char* noise = R"({"item": "premises-noise", "district": "xinyi", "location": {"address": "Songren Rd 100"},
                          "reporter": {"name": "Citizen N", "phone": "0911000000"}})";
  auto refused = wait(eng->restrict_place("Songren Rd 100", "premises-noise"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().rule(), "R6.13");
  for (int i = 0; i < 3; ++i) {
    auto c = create("dispatch", noise);
    ASSERT_FALSE(c.merged);
    ok(c.state->id, "sign", "duty_officer");
    ok(c.state->id, "assign", "duty_officer", R"({"handler": "dep-h-1"})");
    ok(c.state->id, "report", "handler", R"({"result": "quiet on arrival", "finding": "no_violation"})");
  }
  ASSERT_TRUE(wait(eng->restrict_place("Songren Rd 100", "premises-noise")).ok());
  auto p = create("dispatch", noise);
  EXPECT_EQ(p.state->workflow, "petition");
  EXPECT_EQ(p.state->agency, "dep");
}

TEST_F(RuntimeLifecycle, R6_13_RestrictionsSurviveARestart) {
  const char* noise = R"({"item": "premises-noise", "district": "xinyi", "location": {"address": "Songren Rd 100"},
                          "reporter": {"name": "Citizen N", "phone": "0911000000"}})";
  for (int i = 0; i < 3; ++i) {
    auto c = create("dispatch", noise);
    ok(c.state->id, "sign", "duty_officer");
    ok(c.state->id, "assign", "duty_officer", R"({"handler": "dep-h-1"})");
    ok(c.state->id, "report", "handler", R"({"result": "quiet", "finding": "no_violation"})");
  }
  ASSERT_TRUE(wait(eng->restrict_place("Songren Rd 100", "premises-noise")).ok());
  eng.reset();
  start("2026-03-02 12:00");
  EXPECT_EQ(create("dispatch", noise).state->workflow, "petition");
}

// Live figures on CAF's test coordinator: what figures() answers counts every batch recorded before it, without
// a restart, and equals a recount of the histories (R6.4's overdue cases among them). In deterministic mode the
// supervisors publish when the figures are read.
TEST_F(RuntimeLifecycle, LiveFiguresCountEveryBatchRecordedBeforeTheReadR6_4) {
  auto id = working_streetlight();
  auto f = eng->figures("pwd-parks-lights");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->opened_total.at("dispatch"), 1u);
  EXPECT_EQ(f->open_by_state.at({"dispatch", "stage-one"}), 1);
  advance_to("2026-03-03 09:30");   // the stage-one limit passes (R6.4)
  f = eng->figures("pwd-parks-lights");
  EXPECT_EQ(f->open_by_state.at({"dispatch", "overdue"}), 1);
  EXPECT_EQ(f->overdue_by_stage.at(1), 1);
  ok(id, "report", "handler", R"({"result": "done late", "finding": "fixed"})");
  std::vector<std::vector<event>> histories;
  for (const auto& c : log->case_ids()) histories.push_back(*log->read(c));
  EXPECT_EQ(*eng->figures("pwd-parks-lights"), recount("pwd-parks-lights", h.rules().definitions, histories));
}

TEST_F(RuntimeLifecycle, FiguresAfterARestartEqualARecountForEveryAgencyIncludingForwards) {
  start("2026-03-06 15:00");
  auto p = create("petition", R"({"agency": "pwd", "description": "broken pavement",
                                  "reporter": {"name": "Citizen P", "phone": "0922000000"}})");
  advance_to("2026-03-09 09:00");
  ok(p.state->id, "forward", "intake_clerk", R"({"to_agency": "pwd-parks-lights"})");
  working_streetlight();
  eng.reset();
  start("2026-03-09 10:00");
  eng->run_pending();
  std::vector<std::vector<event>> histories;
  for (const auto& id : log->case_ids()) histories.push_back(*log->read(id));
  for (const char* agency : {"pwd", "pwd-parks-lights", "dot"}) {
    auto f = eng->figures(agency);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(*f, recount(agency, h.rules().definitions, histories)) << agency;
  }
  EXPECT_EQ(eng->recovery_failures(), 0u);
}

TEST_F(RuntimeLifecycle, R5_5_CityWideClosureMovesOpenPetitionDeadlines) {
  start("2026-03-06 15:00");
  auto p = create("petition", R"({"agency": "pwd", "description": "broken pavement",
                                  "reporter": {"name": "Citizen P", "phone": "0922000000"}})");
  EXPECT_EQ(testing::deadline_utc(*p.state, "reply"), "2026-03-16T16:00:00Z");
  auto st = wait(eng->add_closure(closure{*parse_day("2026-03-11"), closure_scope::city_wide, "Typhoon Kong-rey", "", {}, 0}));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  eng->run_pending();
  auto s = state(p.state->id);
  EXPECT_EQ(testing::deadline_utc(s, "reply"), "2026-03-17T16:00:00Z");
  EXPECT_EQ(s.deadlines.at("reply").calendar_version, 1u);
  EXPECT_EQ(eng->calendar()->version(), 1u);
}

TEST_F(RuntimeLifecycle, R5_5_ClosuresAreRecordedAndSurviveARestart) {
  ASSERT_TRUE(wait(eng->add_closure(closure{*parse_day("2026-03-11"), closure_scope::city_wide, "Typhoon Kong-rey", "", {}, 0})).ok());
  eng.reset();
  start("2026-03-06 15:00");
  EXPECT_EQ(eng->calendar()->version(), 1u);
  ASSERT_NE(eng->calendar()->closure_on(*parse_day("2026-03-11")), nullptr);
  auto p = create("petition", R"({"agency": "pwd", "description": "broken pavement",
                                  "reporter": {"name": "Citizen P", "phone": "0922000000"}})");
  EXPECT_EQ(testing::deadline_utc(*p.state, "reply"), "2026-03-17T16:00:00Z") << "the closure still counts";
}

TEST_F(RuntimeLifecycle, BadCommandsAreRefusedWithTheRuleAndChangeNothing) {
  auto id = working_streetlight();
  advance_to("2026-03-03 08:59");
  ok(id, "report", "handler", R"({"result": "one", "finding": "fixed"})");   // stage two from 08:59
  advance_to("2026-03-05 08:59");   // 2 days after entering stage two: the release window has closed (R6.10)
  auto before = eng->history(id)->size();
  auto r = issue(id, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule(), "R6.10");
  EXPECT_EQ(eng->history(id)->size(), before) << "a refused command records nothing";
  EXPECT_EQ(state(id).state, "stage-two");
  auto missing = issue("2026030299999", "sign", "duty_officer");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), errc::not_found);
}

TEST_F(RuntimeLifecycle, ReopeningOnTheSameLogRestoresCasesAndTimers) {
  auto id = working_streetlight();
  eng.reset();
  start("2026-03-02 09:10");
  auto s = state(id);
  EXPECT_EQ(s.state, "stage-one");
  advance_to("2026-03-03 10:00");
  EXPECT_EQ(state(id).state, "overdue");
  EXPECT_EQ(notes("stage-one-escalation"),
            std::vector<std::string>{"stage-one-escalation@2026-03-03T02:00:00Z recorded@2026-03-03T02:00:00Z"});
  auto next = create("dispatch", R"({"item": "road-pothole", "district": "daan",
                                     "reporter": {"name": "Citizen D", "phone": "0912999999"}})");
  EXPECT_NE(next.state->id, id) << "case numbers continue after the recovered ones";
}

}  // namespace
// Answers share the case actor's state instead of copying it (case_view::state, docs/design.md). What an answer
// holds never changes: a command or a timer that changes the case while an answer still holds its state changes
// a copy; an answer let go costs no copy (the actor changes the very object it shared).
TEST_F(RuntimeLifecycle, AnAnswerHeldAcrossLaterCommandsAndTimersKeepsTheStateItWasGivenR6_3R6_4) {
  auto created = create("dispatch", kStreetlight);
  const std::string id = created.state->id;
  const std::string at_create = snapshot_text(*created.state);
  advance_to("2026-03-02 09:11");   // the sign reminder fires meanwhile (R6.3): a timer changes the case
  ASSERT_EQ(notes("sign-reminder").size(), 1u);
  EXPECT_EQ(snapshot_text(*created.state), at_create) << "a fire changed the state an answer holds";
  auto signed_ = ok(id, "sign", "duty_officer");
  EXPECT_EQ(snapshot_text(*created.state), at_create) << "a command changed the state an answer holds";
  EXPECT_EQ(created.state->state, "created");
  EXPECT_EQ(signed_.state->state, "signed");
  EXPECT_NE(signed_.state.get(), created.state.get());

  const std::string at_sign = snapshot_text(*signed_.state);
  const void* shared = signed_.state.get();
  auto assigned = ok(id, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})");
  EXPECT_EQ(snapshot_text(*signed_.state), at_sign);
  EXPECT_NE(assigned.state.get(), shared) << "held: the actor changed a copy";
  EXPECT_EQ(assigned.state->state, "stage-one");   // R6.4

  // Let go before the next command: the actor changes the object it shared, in place.
  shared = assigned.state.get();
  assigned = case_view{};
  signed_ = case_view{};
  created = case_view{};
  auto reported = ok(id, "report", "handler", R"({"result": "fixed", "finding": "fixed"})");
  EXPECT_EQ(reported.state.get(), shared) << "an answer let go was copied anyway";
  EXPECT_EQ(*reported.state, state(id));
}

// The callback calls answer as the future calls do, each callback exactly once, inside run_pending() in
// deterministic mode, in the order the answers come (not the order asked): a create, a sign (R6.3) and a look
// at the case; a command on no case is refused (not_found). An empty callback is refused at once.
TEST_F(RuntimeLifecycle, CallbackCallsAnswerLikeFuturesOnceEachInsideRunPendingR6_3) {
  std::map<std::string, std::vector<expected<case_view>>> got;
  auto keep = [&](const char* tag) { return [&got, tag](expected<case_view> r) { got[tag].push_back(std::move(r)); }; };
  eng->create_case("dispatch", command{"create", "call_taker", "t1", boost::json::parse(kStreetlight).as_object()},
                   keep("create"));
  EXPECT_TRUE(got.empty()) << "nothing runs before run_pending()";
  eng->run_pending();
  ASSERT_EQ(got["create"].size(), 1u);
  auto& created = got["create"][0];
  ASSERT_TRUE(created) << created.error().to_string();
  const std::string id = created->state->id;
  EXPECT_EQ(created->state->state, "created");
  EXPECT_FALSE(created->recorded.empty());
  eng->issue(id, command{"sign", "duty_officer", "t1", {}}, keep("sign"));
  eng->get_case(id, keep("look"));   // asked after the sign, of the same case: answered with the signed case
  eng->issue("2026030299999", command{"sign", "duty_officer", "t1", {}}, keep("missing"));
  eng->run_pending();
  for (const char* tag : {"sign", "look", "missing"}) ASSERT_EQ(got[tag].size(), 1u) << tag;
  auto& signed_ = got["sign"][0];
  ASSERT_TRUE(signed_) << signed_.error().to_string();
  EXPECT_EQ(signed_->state->state, "signed");
  EXPECT_EQ(signed_->recorded.size() + created->recorded.size(), eng->history(id)->size());
  auto& look = got["look"][0];
  ASSERT_TRUE(look) << look.error().to_string();
  EXPECT_EQ(*look->state, *signed_->state);
  EXPECT_EQ(*look->state, state(id));
  EXPECT_TRUE(look->recorded.empty()) << "a look records nothing";
  ASSERT_FALSE(got["missing"][0]);
  EXPECT_EQ(got["missing"][0].error().code(), errc::not_found);
  eng->run_pending();
  std::size_t calls = 0;
  for (const auto& [tag, answers] : got) calls += answers.size();
  EXPECT_EQ(calls, 4u) << "no callback twice";
  EXPECT_THROW(eng->get_case(id, engine::case_callback{}), std::invalid_argument);
}

}  // namespace casework
