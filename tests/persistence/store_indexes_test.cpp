// What the RocksDB store keeps beside the histories: the timer index in due order, the notification outbox,
// and the directory with its indexes (agency, places for R6.12, findings for R6.13).
#include <cstdio>
#include <map>

#include <gtest/gtest.h>

#include "store_fixtures.hpp"
#include "store_surgery.hpp"

namespace casework {
namespace {

using testing::case_writer;
using testing::timer;

std::vector<std::string> names(const std::vector<stored_timer>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.case_id + "/" + t.timer.name + "@" + format_utc(t.timer.due));
  return out;
}

std::vector<std::string> ids(const std::vector<case_entry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.id);
  return out;
}

class StoreIndexes : public testing::store_test {
 protected:
  instant at(int minutes) const { return testing::t0() + std::chrono::minutes(minutes); }
};

// ---- timers ----

TEST_F(StoreIndexes, TimersComeBackInDueCaseAndNameOrderAcrossCasesAndPageAfterACursor) {
  case_writer a("2026030200001", "pwd"), b("2026030200002", "dot");
  ASSERT_TRUE(
      store
          ->append_group({a.batch({a.created()}, {timer("sign-renotify", at(30)), timer("b", at(10))}),
                          b.batch({b.created()}, {timer("a", at(10)), timer("x", at(-5))})})
          .ok());
  const std::vector<std::string> all{
      "2026030200002/x@2026-03-02T00:55:00Z", "2026030200001/b@2026-03-02T01:10:00Z",
      "2026030200002/a@2026-03-02T01:10:00Z", "2026030200001/sign-renotify@2026-03-02T01:30:00Z"};
  EXPECT_EQ(names(store->timers(100)), all);
  auto first = store->timers(2);
  EXPECT_EQ(names(first), (std::vector<std::string>{all[0], all[1]}));
  EXPECT_EQ(names(store->timers(2, first.back())), (std::vector<std::string>{all[2], all[3]}));
  EXPECT_TRUE(store->timers(2, store->timers(100).back()).empty());
  EXPECT_EQ(store->timers(100)[3].timer.rule, "R6.3");
}

TEST_F(StoreIndexes, ACasesNextBatchReplacesItsTimersAndABatchWithoutDerivedKeepsThem) {
  case_writer a("2026030200001", "pwd");
  ASSERT_TRUE(
      store->append_group({a.batch({a.created()}, {timer("sign-renotify", at(10)), timer("sign", at(20))})})
          .ok());
  ASSERT_TRUE(store->append_group({a.bare({a.moved_to("created")})}).ok());
  EXPECT_EQ(store->timers(100).size(), 2u);
  ASSERT_TRUE(store->append_group({a.batch({a.moved_to("signed")}, {timer("stage-one", at(600))})}).ok());
  EXPECT_EQ(names(store->timers(100)),
            std::vector<std::string>{"2026030200001/stage-one@2026-03-02T11:00:00Z"});
  ASSERT_TRUE(store->append_group({a.batch({a.moved_to("closed", 1, true)})}).ok());
  EXPECT_TRUE(store->timers(100).empty()) << "a closed case waits for nothing";
}

// A batch's timers are written against the previous batch's: a timer both have stays (R6.4's stage-one limit
// here), one only the previous has goes (R6.3's sign reminder once signed), a new one comes, and a timer whose
// rule changed is written again; within one group (against the staged batch) and across groups.
TEST_F(StoreIndexes, TimersBothBatchesHaveStayAndOnlyTheChangedOnesAreWritten) {
  case_writer a("2026030200001", "pwd");
  auto listed = [&] {
    std::vector<std::string> out;
    for (const auto& t : store->timers(100))
      out.push_back(t.timer.name + "@" + format_utc(t.timer.due) + "/" + t.timer.rule);
    return out;
  };
  ASSERT_TRUE(store
                  ->append_group({a.batch({a.created()}, {timer("sign-renotify", at(10)), timer("sign", at(20)),
                                                          timer("stage-one", at(600), "R6.4")})})
                  .ok());
  ASSERT_TRUE(store
                  ->append_group({a.batch({a.moved_to("created")},
                                          {timer("sign", at(20)), timer("stage-one", at(600), "R6.4")}),
                                  a.batch({a.moved_to("signed")},
                                          {timer("stage-one", at(600), "R6.4"), timer("escalation", at(660), "R6.5")})})
                  .ok());
  const std::vector<std::string> signed_timers{"stage-one@2026-03-02T11:00:00Z/R6.4",
                                               "escalation@2026-03-02T12:00:00Z/R6.5"};
  EXPECT_EQ(listed(), signed_timers);
  reopen();
  EXPECT_EQ(listed(), signed_timers);
  ASSERT_TRUE(store->append_group({a.batch({a.moved_to("stage-one")}, {timer("stage-one", at(600), "R6.5")})}).ok());
  EXPECT_EQ(listed(), std::vector<std::string>{"stage-one@2026-03-02T11:00:00Z/R6.5"})
      << "the same key, its rule changed";
  EXPECT_TRUE(store->verify()->ok());
}

// A group of many cases none of whose tails is cached (after a reopen, as in a timer backlog) has their tails
// and directory values read on several threads before staging: the chains go on, each case's old timers leave
// the index and its new ones are in, and a case that appears twice in the group is staged from its first batch.
TEST_F(StoreIndexes, AGroupOfManyUncachedCasesChainsOnAndReplacesTheirTimers) {
  constexpr int n = 150;
  std::vector<case_writer> cases;
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "20260302%05d", i + 1);
    cases.emplace_back(id, "pwd");
  }
  std::vector<case_events> first;
  for (auto& c : cases) first.push_back(c.batch({c.created()}, {timer("sign-renotify", at(10)), timer("sign", at(20))}));
  ASSERT_TRUE(store->append_group(first).ok());
  reopen();   // no tail cached
  std::vector<case_events> second;
  for (auto& c : cases) second.push_back(c.batch({c.moved_to("created")}, {timer("sign", at(20))}));
  second.push_back(cases[7].batch({cases[7].moved_to("signed")}, {timer("stage-one", at(600), "R6.4")}));
  ASSERT_TRUE(store->append_group(second).ok());
  std::map<std::string, std::vector<std::string>> by_case;
  for (const auto& t : store->timers(1000)) by_case[t.case_id].push_back(t.timer.name);
  ASSERT_EQ(by_case.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(by_case[cases[i].id()], std::vector<std::string>{i == 7 ? "stage-one" : "sign"}) << cases[i].id();
  EXPECT_EQ(store->read(cases[7].id())->size(), 3u);
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->breaks.front().case_id << ": " << report->breaks.front().what;
  EXPECT_EQ(report->events, static_cast<std::uint64_t>(2 * n + 1));
}

// The timers of a real case are the interpreter's pending timers after each batch: the sign reminder (R6.3)
// until the case is signed, then the stage-one limit (R6.4).
TEST_F(StoreIndexes, R6_3_TheSignReminderLeavesTheTimerIndexWhenTheCaseIsSigned) {
  testing::harness h;
  auto s = testing::streetlight(*store, h, "No. 1, Section 4, Roosevelt Rd", "2026-03-02 09:00");
  auto pending = [&] {
    std::vector<std::string> out;
    for (const auto& t : store->timers(100)) out.push_back(t.timer.name + "@" + format_utc(t.timer.due));
    return out;
  };
  auto expected_timers = [&] {
    std::vector<std::string> out;
    for (const auto& t : h.timers(s)) out.push_back(t.name + "@" + format_utc(t.due));
    return out;
  };
  EXPECT_EQ(pending(), expected_timers());
  EXPECT_NE(std::find(pending().begin(), pending().end(), "sign-renotify@2026-03-02T01:10:00Z"),
            pending().end());
  testing::run(*store, h, s, "sign", "duty_officer", "{}", "2026-03-02 09:05");
  EXPECT_EQ(pending(), expected_timers());
  for (const auto& t : pending()) EXPECT_EQ(t.rfind("sign-renotify", 0), std::string::npos) << t;
}

// ---- outbox ----

TEST_F(StoreIndexes, TheOutboxRecordsEachNotificationKeyOnceInPositionOrder) {
  case_writer a("2026030200001", "pwd"), b("2026030200002", "pwd");
  auto created = a.created();
  auto n1 = a.notification("sign-reminder", at(10));
  auto again = a.notification("sign-reminder", at(10));  // the same key, again in the same group
  auto first = a.batch({created, n1});
  auto second = a.bare({again});
  ASSERT_TRUE(
      store->append_group({first, b.batch({b.created(), b.notification("notice", at(1))}), second}).ok());
  EXPECT_EQ(store->notification_count(), 2u);
  ASSERT_TRUE(store->append_group({a.bare({a.notification("sign-reminder", at(10))})}).ok())
      << "a key already in the outbox: the event is recorded, the notification is not";
  ASSERT_TRUE(store->append_group({a.bare({a.notification("stage-one-escalation", at(70))})}).ok());
  auto all = store->notifications(0, 100);
  ASSERT_EQ(all.size(), 3u);
  for (std::uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position, i);
  EXPECT_EQ(all[0].key, "2026030200001:sign-reminder:2026-03-02T01:10:00Z");
  EXPECT_EQ(all[1].case_id, "2026030200002");
  EXPECT_EQ(all[2].kind, "stage-one-escalation");
  EXPECT_EQ(all[2].rule, "R6.3");
  EXPECT_EQ(all[0].channels, std::vector<std::string>{"sms"});
  EXPECT_FALSE(all[0].sent_at);
  auto page = store->notifications(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].position, 1u);
  EXPECT_TRUE(store->notifications(3, 10).empty());
  EXPECT_EQ(store->read(a.id())->size(), 5u) << "every notification event is in the history";
}

// A batch that starts a case (event 1) is checked with one read of the case's event 1; when the case is new,
// its directory and notification keys are not read (they cannot be stored without its events). A key that
// does not start with its own case's id is still looked up, so another case's notification is not recorded
// twice; and a case that does have events, with no snapshot and nothing cached, refuses a second event 1.
TEST_F(StoreIndexes, ABatchThatStartsACaseReadsOnlyItsFirstEventAndStillRefusesAStartedOne) {
  case_writer a("2026030200001", "pwd"), b("2026030200002", "pwd"), c("2026030200003", "pwd");
  ASSERT_TRUE(store->append_group({a.batch({a.created(), a.notification("sign-reminder", at(10))},
                                           {timer("sign-reminder", at(10))})})
                  .ok());
  ASSERT_TRUE(store->append_group({c.bare({c.created(), c.moved_to("created")})}).ok())
      << "events only: no snapshot, no directory value";
  reopen();   // nothing cached
  const std::string a_key = a.id() + ":sign-reminder:" + format_utc(at(10));
  ASSERT_TRUE(store->append_group({b.batch({b.created(), b.notification("notice", at(1)),
                                            b.notification("sign-reminder", at(10), a_key)},
                                           {timer("sign-reminder", at(10))})})
                  .ok());
  auto all = store->notifications(0, 100);
  ASSERT_EQ(all.size(), 2u) << "a's key, carried by b's event, is not recorded again";
  EXPECT_EQ(all[0].key, a_key);
  EXPECT_EQ(all[1].key, b.id() + ":notice:" + format_utc(at(1)));
  EXPECT_EQ(all[1].case_id, b.id());
  auto entry = store->entry(b.id());
  ASSERT_TRUE(entry) << entry.error().to_string();
  EXPECT_EQ(entry->agency, "pwd");
  auto timers = store->timers(10);
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(store->read(b.id())->size(), 3u);

  case_writer again("2026030200003", "pwd");
  auto refused = store->append_group({again.batch({again.created()})});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().to_string(), "failed_precondition: 2026030200003.seq: event 1 does not follow 2");
  EXPECT_EQ(store->read(c.id())->size(), 2u);
  EXPECT_FALSE(store->entry(c.id())) << "still no directory value";
  auto report = store->verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok());
}

TEST_F(StoreIndexes, MarkSentRecordsTheDeliveryAndTheCounterContinuesAfterReopening) {
  case_writer a("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({a.batch({a.created(), a.notification("notice", at(0))})}).ok());
  const std::string key = store->notifications(0, 1).at(0).key;
  ASSERT_TRUE(store->mark_sent(key, at(1)).ok());
  auto st = store->mark_sent("2026030200001:nothing:2026-03-02T01:00:00Z", at(1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(),
            "not_found: 2026030200001:nothing:2026-03-02T01:00:00Z: no such notification");
  reopen();
  auto records = store->notifications(0, 10);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].sent_at);
  EXPECT_EQ(*records[0].sent_at, at(1));
  ASSERT_TRUE(
      store->append_group({a.bare({a.notification("notice", at(0)), a.notification("reminder", at(5))})})
          .ok());
  records = store->notifications(0, 10);
  ASSERT_EQ(records.size(), 2u) << "the key recorded before reopening is still known";
  EXPECT_EQ(records[1].position, 1u);
  EXPECT_EQ(records[1].kind, "reminder");
}

// ---- directory ----

class StoreDirectory : public StoreIndexes {
 protected:
  // Five cases: three of pwd (two signed), two of dot; one petition-like item among them.
  void SetUp() override {
    StoreIndexes::SetUp();
    std::vector<case_events> group;
    for (int i = 1; i <= 5; ++i) {
      cases.emplace_back("202603020000" + std::to_string(i), i <= 3 ? "pwd" : "dot",
                         i == 2 ? "pothole" : "streetlight-out");
      auto& c = cases.back();
      std::vector<event> events{c.created(), c.moved_to("created")};
      if (i % 2 == 1) events.push_back(c.moved_to("signed"));
      group.push_back(c.batch(events));
    }
    ASSERT_TRUE(store->append_group(group).ok());
  }
  std::vector<case_writer> cases;
};

TEST_F(StoreDirectory, ListsEntriesByAgencyStateAndItemInIdOrderAndPagesAfterAnId) {
  EXPECT_EQ(ids(store->list({})), (std::vector<std::string>{"2026030200001", "2026030200002", "2026030200003",
                                                            "2026030200004", "2026030200005"}));
  entry_query pwd;
  pwd.agency = "pwd";
  EXPECT_EQ(ids(store->list(pwd)),
            (std::vector<std::string>{"2026030200001", "2026030200002", "2026030200003"}));
  pwd.state = "signed";
  EXPECT_EQ(ids(store->list(pwd)), (std::vector<std::string>{"2026030200001", "2026030200003"}));
  entry_query signed_;
  signed_.state = "signed";
  EXPECT_EQ(ids(store->list(signed_)),
            (std::vector<std::string>{"2026030200001", "2026030200003", "2026030200005"}));
  entry_query item;
  item.item = "pothole";
  item.workflow = "dispatch";
  EXPECT_EQ(ids(store->list(item)), std::vector<std::string>{"2026030200002"});
  entry_query page;
  page.limit = 2;
  EXPECT_EQ(ids(store->list(page)), (std::vector<std::string>{"2026030200001", "2026030200002"}));
  page.after = "2026030200002";
  EXPECT_EQ(ids(store->list(page)), (std::vector<std::string>{"2026030200003", "2026030200004"}));
  page.agency = "pwd";
  EXPECT_EQ(ids(store->list(page)), std::vector<std::string>{"2026030200003"});
  page.limit = 0;
  EXPECT_TRUE(store->list(page).empty());
  entry_query nobody;
  nobody.agency = "pw";  // a prefix of another agency lists nothing
  EXPECT_TRUE(store->list(nobody).empty());
}

TEST_F(StoreDirectory, AnAgencyChangeMovesTheCaseToItsNewAgencysListing) {
  auto& c = cases[0];
  ASSERT_TRUE(store->append_group({c.batch({c.agency_changed("dot")})}).ok());
  entry_query pwd, dot;
  pwd.agency = "pwd";
  dot.agency = "dot";
  EXPECT_EQ(ids(store->list(pwd)), (std::vector<std::string>{"2026030200002", "2026030200003"}));
  EXPECT_EQ(ids(store->list(dot)),
            (std::vector<std::string>{"2026030200001", "2026030200004", "2026030200005"}));
  auto e = store->entry(c.id());
  ASSERT_TRUE(e) << e.error().to_string();
  EXPECT_EQ(e->agency, "dot");
  EXPECT_EQ(e->state, "signed");
}

TEST_F(StoreDirectory, CasesAppendedWithoutDerivedValuesHaveNoEntryButAreKnown) {
  case_writer c("2026030200009", "pwd");
  ASSERT_TRUE(store->append(c.id(), c.bare({c.created()}).events).ok());
  EXPECT_EQ(store->entry(c.id()).error().to_string(), "not_found: 2026030200009: no such case");
  EXPECT_EQ(store->list({}).size(), 5u);
  EXPECT_TRUE(store->contains(c.id()));
  EXPECT_FALSE(store->contains("2026030200010"));
  EXPECT_FALSE(store->contains("202603020000")) << "a prefix of an id is not a case";
  EXPECT_EQ(store->last_case_id("20260302"), "2026030200009");
  EXPECT_EQ(store->last_case_id("2026030200"), "2026030200009");
  EXPECT_EQ(store->last_case_id("UN2026"), "");
  EXPECT_EQ(store->last_case_id(""), "2026030200009");
}

// Directory values and index entries are written in encoding 2 (encoding.cpp), the directory value in the case's
// snapshot record (format 3); a store written before held them as JSON text, the directory value under the case's
// `c` key beside a snapshot record of version 1. A case whose values are still JSON lists, shows at its place
// (R6.12) and, on its next batch, has its old timer keys replaced as the JSON names them (the R6.3 sign reminder
// leaves once signed), its `c` key deleted and its directory value in its new snapshot.
TEST_F(StoreIndexes, R6_12_DirectoryValuesAndPlaceEntriesInJsonFromBeforeEncoding2StillRead) {
  testing::harness h;
  auto old = testing::streetlight(*store, h, "No. 1, Section 4, Roosevelt Rd", "2026-03-02 09:00");
  const auto timers = store->timers(100);
  ASSERT_FALSE(timers.empty());
  const auto entry = entry_of(old);
  ASSERT_TRUE(entry.at_place());
  // What encode_directory and the place key held before 2026-12-07.
  boost::json::array ts;
  for (const auto& t : timers)
    ts.push_back(boost::json::object{{"name", t.timer.name}, {"due", format_utc(t.timer.due)}, {"rule", t.timer.rule}});
  const std::string directory_json =
      boost::json::serialize(boost::json::object{{"entry", to_json(entry)}, {"timers", std::move(ts)}});
  const std::string entry_json = boost::json::serialize(to_json(entry));
  store.reset();
  std::string was;
  ASSERT_TRUE(testing::with_column_family(d.str("db"), "index", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
    return db.Get(rocksdb::ReadOptions(), cf, "p" + old.id, &was).ok() &&
           db.Put(rocksdb::WriteOptions(), cf, "c" + old.id, directory_json).ok() &&
           db.Put(rocksdb::WriteOptions(), cf, "p" + old.id, entry_json).ok();
  }));
  EXPECT_EQ(was.substr(0, 1), "\x02") << "written in encoding 2";
  ASSERT_TRUE(testing::with_column_family(d.str("db"), "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
    std::string v;
    return db.Get(rocksdb::ReadOptions(), cf, old.id, &v).ok() && v[0] == 2 &&
           db.Put(rocksdb::WriteOptions(), cf, old.id, testing::as_version1_snapshot(v)).ok();
  }));
  reopen();
  EXPECT_EQ(*store->load(old.id), old) << "from its snapshot of version 1";

  auto read = store->entry(old.id);
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(read->state, "created");
  EXPECT_EQ(read->agency, entry.agency);
  EXPECT_EQ(read->limit, entry.limit);
  entry_query by_agency;
  by_agency.agency = entry.agency;
  EXPECT_EQ(ids(store->list(by_agency)), std::vector<std::string>{old.id});
  auto at_place = store->open_at_places(SIZE_MAX);
  ASSERT_EQ(ids(at_place), std::vector<std::string>{old.id});
  EXPECT_EQ(at_place[0].address, "No. 1, Section 4, Roosevelt Rd");
  EXPECT_EQ(at_place[0].limit, entry.limit);

  testing::run(*store, h, old, "sign", "duty_officer", "{}", "2026-03-02 09:05");
  std::vector<std::string> expected;
  for (const auto& t : h.timers(old)) expected.push_back(old.id + "/" + t.name + "@" + format_utc(t.due));
  EXPECT_EQ(names(store->timers(100)), expected) << "the JSON's timer keys replaced by the signed case's";
  EXPECT_EQ(store->entry(old.id)->state, "signed");
  EXPECT_EQ(ids(store->list({})), std::vector<std::string>{old.id});
  EXPECT_TRUE(store->verify()->ok());
  store.reset();
  EXPECT_FALSE(testing::with_column_family(d.str("db"), "index", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
    std::string v;
    return db.Get(rocksdb::ReadOptions(), cf, "c" + old.id, &v).ok();
  })) << "its `c` key is deleted: the new snapshot holds its directory value";
}

// The keys a batch writes are memtable inserts on the store writer's one thread. A reminder's batch (R6.3's
// renotify: a timer fired and its notification) leaves the case's entry as it was (entry_may_change), so it
// does not write the case's place key again; a batch that changes the entry does (R6.12 reads it).
TEST_F(StoreIndexes, R6_3_AReminderLeavesThePlaceKeyAsItWasAndR6_12_ASignatureRewritesIt) {
  testing::harness h;
  auto s = testing::streetlight(*store, h, "No. 1, Section 4, Roosevelt Rd", "2026-03-02 09:00");
  ASSERT_TRUE(entry_of(s).at_place());
  auto reminder = h.advance(s, h.local("2026-03-02 09:11"));
  ASSERT_EQ(testing::notifications(reminder).size(), 1u) << "R6.3: unsigned after 10 minutes";
  testing::record(*store, h, s, reminder);
  testing::run(*store, h, s, "sign", "duty_officer", "{}", "2026-03-02 09:12");
  store.reset();

  auto batches = testing::wal_batches(d.str("db"));
  ASSERT_EQ(batches.size(), 4u) << "the format version, the creation, the reminder, the signature";
  auto index_keys = [&](const std::vector<testing::written_key>& b) {
    std::vector<std::string> out;
    for (const auto& k : b)
      if (k.cf == "index" && k.key.find(s.id) != std::string::npos) out.push_back(k.op + " " + k.key.substr(0, 1));
    return out;
  };
  EXPECT_EQ(index_keys(batches[1]), (std::vector<std::string>{"put a", "put p", "put k"}));
  EXPECT_EQ(index_keys(batches[2]), (std::vector<std::string>{"put k"})) << "the entry is as it was";
  EXPECT_EQ(index_keys(batches[3]), (std::vector<std::string>{"put p"})) << "signed: a new state";
  // Every key is a memtable insert on the writer's thread (docs/performance.md 62.-66.): the whole budget. Format 3
  // writes a batch's events as one record and the directory value in the snapshot record (16, 7 and 6 keys in
  // format 2, with a key per event and a `c` key).
  EXPECT_EQ(batches[1].size(), 9u) << "7 events in 1 record, snapshot, 3 timers, a, p, an outbox record, its k";
  EXPECT_EQ(batches[2].size(), 5u) << "2 events in 1 record, snapshot, the timer fired deleted, outbox record, k";
  EXPECT_EQ(batches[3].size(), 3u) << "3 events in 1 record, snapshot, p";

  reopen();
  auto at_place = store->open_at_places(SIZE_MAX);
  ASSERT_EQ(ids(at_place), std::vector<std::string>{s.id});
  EXPECT_EQ(at_place[0].state, "signed");
  EXPECT_EQ(at_place[0].limit, entry_of(s).limit);
  EXPECT_TRUE(store->verify()->ok());
}

// R6.12: the open cases at places; they leave the place index when closed, and a closed case with a finding
// joins the findings in closing order (R6.13).
TEST_F(StoreIndexes, R6_12_OpenCasesAtPlacesAndR6_13_FindingsInClosingOrder) {
  testing::harness h;
  auto first = testing::streetlight(*store, h, "No. 1, Section 4, Roosevelt Rd", "2026-03-02 09:00");
  auto second = testing::streetlight(*store, h, "No. 9, Heping East Rd", "2026-03-02 09:30");
  auto third = testing::streetlight(*store, h, "No. 3, Xinyi Rd", "2026-03-02 10:00");
  EXPECT_EQ(ids(store->open_at_places(SIZE_MAX)), (std::vector<std::string>{first.id, second.id, third.id}));
  auto at_place = store->open_at_places(SIZE_MAX);
  EXPECT_EQ(at_place[1].address, "No. 9, Heping East Rd");
  ASSERT_TRUE(at_place[1].limit);
  // Paged, as the registry loads them after an open: in id order, `limit` at a time, after the last id read.
  EXPECT_EQ(ids(store->open_at_places(2)), (std::vector<std::string>{first.id, second.id}));
  EXPECT_EQ(ids(store->open_at_places(2, second.id)), std::vector<std::string>{third.id});
  EXPECT_TRUE(store->open_at_places(2, third.id).empty());
  EXPECT_TRUE(store->open_at_places(0).empty());
  EXPECT_TRUE(store->findings().empty());

  testing::close_streetlight(*store, h, second, "2026-03-03");
  testing::close_streetlight(*store, h, first, "2026-03-04");
  ASSERT_TRUE(first.terminal && second.terminal);
  EXPECT_EQ(ids(store->open_at_places(SIZE_MAX)), std::vector<std::string>{third.id});
  auto findings = store->findings();
  EXPECT_EQ(ids(findings), (std::vector<std::string>{second.id, first.id})) << "closing order, not id order";
  EXPECT_EQ(findings[0].finding, "fixed");
  EXPECT_EQ(findings[0].closed_at, second.closed_at);
  reopen();
  EXPECT_EQ(ids(store->open_at_places(SIZE_MAX)), std::vector<std::string>{third.id});
  EXPECT_EQ(ids(store->findings()), (std::vector<std::string>{second.id, first.id}));
  EXPECT_TRUE(store->verify()->ok());
}

}  // namespace
}  // namespace casework
