// memory_event_log: the in-memory event log keeps what the durable store keeps (snapshots, directory entries,
// pending timers in due order, findings, the outbox) with the same semantics, so the runtime behaves the same on
// either.
#include <gtest/gtest.h>

#include "casework/event_log.hpp"

namespace casework {
namespace {

instant at(const char* text) { return *parse_instant(text); }

event make(std::uint64_t seq, const char* type, boost::json::object data, const char* when = "2026-03-02T01:00:00Z") {
  event e;
  e.seq = seq;
  e.type = type;
  e.at = at(when);
  e.actor = "system";
  e.data = std::move(data);
  return e;
}

std::vector<event> created(const std::string& id, const char* agency = "pwd") {
  return {make(1, event_type::created, {{"id", id}, {"workflow", "dispatch"}, {"version", 1}, {"agency", agency},
                                        {"item", "road-pothole"}}),
          make(2, event_type::state_changed, {{"from", ""}, {"to", "created"}, {"stage", 1}, {"cause", "create"}})};
}

std::shared_ptr<const case_derived> derived_of(const std::vector<event>& history, std::vector<pending_timer> timers) {
  auto s = fold(history);
  EXPECT_TRUE(s) << s.error().to_string();
  return std::make_shared<const case_derived>(derive(*s, std::move(timers)));
}

TEST(MemoryEventLog, LoadsFromTheSnapshotPlusTheEventsAfterIt) {
  memory_event_log log;
  auto h = created("20260302000001");
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", h, derived_of(h, {})}}).ok());
  auto more = make(3, event_type::fields_set, {{"fields", boost::json::object{{"note", "x"}}}});
  ASSERT_TRUE(log.append("20260302000001", {more}).ok());   // no derived: the snapshot stays at seq 2
  auto s = log.load("20260302000001");
  ASSERT_TRUE(s) << s.error().to_string();
  h.push_back(more);
  EXPECT_EQ(*s, *fold(h));
  EXPECT_EQ(log.load("nope").error().code(), errc::not_found);
  EXPECT_TRUE(log.contains("20260302000001"));
  EXPECT_FALSE(log.contains("nope"));
}

// read_batches gives the batches as appended, sharing their events with the log (no copy), and folds to what
// read() folds to.
TEST(MemoryEventLog, ReadsBatchesSharedWithTheLogThatFoldLikeTheHistory) {
  memory_event_log log;
  auto h = created("20260302000001");
  event_batch first(h);
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", first, nullptr}}).ok());
  auto more = make(3, event_type::fields_set, {{"fields", boost::json::object{{"note", "x"}}}});
  ASSERT_TRUE(log.append("20260302000001", {more}).ok());
  auto batches = log.read_batches("20260302000001");
  ASSERT_TRUE(batches) << batches.error().to_string();
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ(&(*batches)[0].events(), &first.events()) << "shared, not copied";
  EXPECT_EQ((*batches)[1].events(), std::vector<event>{more});
  auto whole = log.read("20260302000001");
  ASSERT_TRUE(whole);
  EXPECT_EQ(*fold(*batches), *fold(*whole));
  EXPECT_EQ(log.read_batches("nope").error().code(), errc::not_found);
}

// The runtime leaves the snapshot out for the memory log (keeps_snapshots() is false): load folds the events.
TEST(MemoryEventLog, LoadsByFoldingTheEventsWhenBatchesCarryNoSnapshot) {
  memory_event_log log;
  EXPECT_FALSE(log.keeps_snapshots());
  auto h = created("20260302000001");
  auto s0 = fold(h);
  ASSERT_TRUE(s0);
  auto bare = std::make_shared<const case_derived>(derive(*s0, {}, false));
  EXPECT_TRUE(bare->snapshot.empty());
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", h, bare}}).ok());
  auto more = make(3, event_type::fields_set, {{"fields", boost::json::object{{"note", "x"}}}});
  h.push_back(more);
  auto s1 = fold(h);
  ASSERT_TRUE(s1);
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", {more}, std::make_shared<const case_derived>(
                                                                          derive(*s1, {}, false))}}).ok());
  auto s = log.load("20260302000001");
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(*s, *s1);
  EXPECT_EQ(log.entry("20260302000001")->state, "created");
}

TEST(MemoryEventLog, TimersComeBackInDueOrderAndReplaceTheCasesPreviousOnes) {
  memory_event_log log;
  auto a = created("20260302000001");
  auto b = created("20260302000002");
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", a,
                                            derived_of(a, {{"sign-renotify", at("2026-03-02T01:10:00Z"), "R6.3"},
                                                           {"stage-one-overdue", at("2026-03-03T01:00:00Z"), "R6.4"}})},
                                case_events{"20260302000002", b,
                                            derived_of(b, {{"sign-renotify", at("2026-03-02T01:05:00Z"), "R6.3"}})}})
                  .ok());
  auto all = log.timers(10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].case_id, "20260302000002");
  EXPECT_EQ(all[1].timer.name, "sign-renotify");
  EXPECT_EQ(all[2].timer.name, "stage-one-overdue");
  auto page = log.timers(1, all[0]);   // paging after a timer
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].case_id, "20260302000001");
  // The next batch of case 1 replaces its timers.
  auto signed_ = make(3, event_type::state_changed, {{"from", "created"}, {"to", "signed"}, {"stage", 1}, {"cause", "sign"}});
  a.push_back(signed_);
  ASSERT_TRUE(log.append_group({case_events{"20260302000001", {signed_},
                                            derived_of(a, {{"stage-one-overdue", at("2026-03-03T01:00:00Z"), "R6.4"}})}})
                  .ok());
  all = log.timers(10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].case_id, "20260302000001");
  EXPECT_EQ(all[1].timer.name, "stage-one-overdue");
}

// The order is taken again when a case's timers change between two pages; ties on the due instant go by case
// id, then timer name.
TEST(MemoryEventLog, TimersPagedWhileCasesChangeFollowTheChangesInDueCaseAndNameOrder) {
  memory_event_log log;
  auto a = created("20260302000001");
  auto b = created("20260302000002");
  auto c = created("20260302000003");
  const auto ten = at("2026-03-02T01:10:00Z");
  ASSERT_TRUE(log.append_group({case_events{"20260302000002", b,
                                            derived_of(b, {{"sign-renotify", ten, "R6.3"},
                                                           {"established-check", ten, "R6.3"}})},
                                case_events{"20260302000001", a, derived_of(a, {{"sign-renotify", ten, "R6.3"}})},
                                case_events{"20260302000003", c,
                                            derived_of(c, {{"stage-one-overdue", at("2026-03-03T01:00:00Z"), "R6.4"}})}})
                  .ok());
  auto first = log.timers(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].case_id + " " + first[0].timer.name, "20260302000001 sign-renotify");
  EXPECT_EQ(first[1].case_id + " " + first[1].timer.name, "20260302000002 established-check");
  // Case 3 is signed meanwhile: its overdue timer moves before the rest of the pages.
  auto signed_ = make(3, event_type::state_changed, {{"from", "created"}, {"to", "signed"}, {"stage", 1}, {"cause", "sign"}});
  c.push_back(signed_);
  ASSERT_TRUE(log.append_group({case_events{"20260302000003", {signed_},
                                            derived_of(c, {{"stage-one-overdue", at("2026-03-02T02:00:00Z"), "R6.4"}})}})
                  .ok());
  auto rest = log.timers(10, first.back());
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].case_id + " " + rest[0].timer.name, "20260302000002 sign-renotify");
  EXPECT_EQ(rest[1].case_id + " " + format_utc(rest[1].timer.due), "20260302000003 2026-03-02T02:00:00Z");
  EXPECT_EQ(rest[1].timer.rule, "R6.4");
  EXPECT_EQ(log.timers(10).size(), 4u);
}

TEST(MemoryEventLog, OutboxRecordsEachNotificationKeyOnceInOrder) {
  memory_event_log log;
  auto h = created("20260302000001");
  auto note = make(3, event_type::notification,
                   {{"key", "20260302000001:sign-reminder:2026-03-02T01:10:00Z"}, {"kind", "sign-reminder"},
                    {"channels", boost::json::array{"sms"}}, {"recipients", boost::json::array{"role:duty_officer"}},
                    {"due", "2026-03-02T01:10:00Z"}});
  note.rule = "R6.3";
  h.push_back(note);
  ASSERT_TRUE(log.append("20260302000001", h).ok());
  auto again = note;
  again.seq = 4;
  ASSERT_TRUE(log.append("20260302000001", {again}).ok());
  EXPECT_EQ(log.notification_count(), 1u) << "a key is recorded once (R6.3 reminder never twice)";
  EXPECT_EQ(log.duplicate_notifications(), 1u);
  auto records = log.notifications(0, 10);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].position, 0u);
  EXPECT_EQ(records[0].rule, "R6.3");
  EXPECT_FALSE(records[0].sent_at);
  // The outbox reads its records out of the events it shares with the history: what notifications_of reads.
  EXPECT_EQ(to_json(records[0]), to_json(notifications_of("20260302000001", {note})[0]));
  ASSERT_TRUE(log.mark_sent(records[0].key, at("2026-03-02T01:10:01Z")).ok());
  EXPECT_TRUE(log.notifications(0, 10)[0].sent_at);
  EXPECT_EQ(log.mark_sent("no-such-key", at("2026-03-02T01:10:01Z")).error().code(), errc::not_found);
  // Another key is another record, marked on its own (the index holds keys' hashes; the keys are the events').
  auto other = note;
  other.seq = 5;
  other.data["key"] = "20260302000001:sign-reminder:2026-03-02T01:20:00Z";
  ASSERT_TRUE(log.append("20260302000001", {other}).ok());
  ASSERT_EQ(log.notification_count(), 2u);
  EXPECT_FALSE(log.notifications(1, 1)[0].sent_at);
  ASSERT_TRUE(log.mark_sent("20260302000001:sign-reminder:2026-03-02T01:20:00Z", at("2026-03-02T01:20:01Z")).ok());
  EXPECT_EQ(log.notifications(1, 1)[0].sent_at, at("2026-03-02T01:20:01Z"));
  EXPECT_EQ(log.notifications(0, 1)[0].sent_at, at("2026-03-02T01:10:01Z"));
  // The JSON form round-trips.
  auto back = notification_from_json(to_json(log.notifications(0, 1)[0]));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->key, records[0].key);
  EXPECT_EQ(back->sent_at, log.notifications(0, 1)[0].sent_at);
}

// The outbox's stored value (R6.3's reminders and every other notification) is written as text directly: the
// same bytes as the object serialized, for every member present or absent, escapes and non-ASCII text.
TEST(NotificationText, IsTheSerializedRecordByteForByte) {
  notification_record r;
  r.position = 9007199254740993u;  // beyond a double's integers
  r.key = "2026030200001:sign-reminder:2026-03-02T03:00:00Z";
  r.case_id = "2026030200001";
  r.kind = "sign-reminder";
  r.channels = {"sms", "email"};
  r.recipients =
      boost::json::array{boost::json::object{{"role", "duty_officer"}, {"agency", "pwd"}},
                         boost::json::object{{"person", "pwd-do-1"}, {"weight", 1.5}, {"on", true}}};
  r.due = *parse_instant("2026-03-02T03:00:00Z");
  r.recorded_at = *parse_instant("2026-03-02T03:00:01.250Z");
  std::vector<notification_record> shapes{r};
  r.sent_at = *parse_instant("2026-03-02T03:00:02Z");
  r.rule = "R6.3";
  shapes.push_back(r);
  r.position = 0;
  r.kind = "quote \" back\\slash \n\t\x01 \x1f 台北 é";
  r.key = std::string("nul \0 inside", 13);
  r.channels.clear();
  r.recipients.clear();
  r.sent_at.reset();
  shapes.push_back(r);
  for (const auto& n : shapes) {
    const auto text = notification_text(n);
    EXPECT_EQ(text, boost::json::serialize(to_json(n)));
    auto back = notification_from_json(boost::json::parse(text));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(notification_text(*back), text);
  }
}

TEST(MemoryEventLog, DirectoryListsByAgencyAndPagesInIdOrder) {
  memory_event_log log;
  for (int i = 1; i <= 5; ++i) {
    std::string id = "2026030200000" + std::to_string(i);
    auto h = created(id, i % 2 ? "pwd" : "dot");
    ASSERT_TRUE(log.append_group({case_events{id, h, derived_of(h, {})}}).ok());
  }
  entry_query q;
  q.agency = "pwd";
  q.limit = 2;
  auto page = log.list(q);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, "20260302000001");
  EXPECT_EQ(page[1].id, "20260302000003");
  q.after = page[1].id;
  page = log.list(q);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, "20260302000005");
  EXPECT_EQ(log.last_case_id("20260302"), "20260302000005");
  EXPECT_EQ(log.last_case_id("20260303"), "");
  auto e = log.entry("20260302000002");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->agency, "dot");
  auto back = entry_from_json(to_json(*e));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(to_json(*back), to_json(*e));
}

TEST(MemoryEventLog, EntriesAtPlacesAndFindingsFollowTheCaseR6_12_R6_13) {
  case_state s;
  s.id = "20260302000001";
  s.workflow = "dispatch";
  s.state = "stage-one";
  s.stage = 1;
  s.deadlines["stage-one"] = deadline{at("2026-03-03T01:00:00Z"), 1, "", "R6.4"};
  set_path(s.fields, "location.address", "Songren Rd 100");
  EXPECT_TRUE(entry_of(s).at_place()) << "an open case with a place and a limit (R6.12)";
  s.state = "released";
  EXPECT_FALSE(entry_of(s).at_place()) << "a released case takes no repeats";
  s.state = "closed";
  s.terminal = true;
  set_path(s.fields, "finding", "no_violation");
  EXPECT_TRUE(entry_of(s).has_finding()) << "a closed case's finding counts for R6.13";
  EXPECT_FALSE(entry_of(s).at_place());
  EXPECT_EQ(entry_from_json(boost::json::object{{"id", 1}}).error().code(), errc::internal);
}

}  // namespace
}  // namespace casework
