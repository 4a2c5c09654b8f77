// The store under a failing disk (leveldb's fault_injection_test.cc, rocksdb's FaultInjectionTestFS): power
// cuts that lose everything unsynced, full disks, failing syncs. Real RocksDB in a temporary directory; only
// the file system below it lies.
#include <filesystem>
#include <map>
#include <iostream>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "casework/engine.hpp"
#include "casework/rocksdb_store.hpp"
#include "fault_fs.hpp"
#include "rules_harness.hpp"

namespace casework {
namespace {

namespace fs = std::filesystem;
using testing::fault_fs;

using testing::temp_dir;

// An event whose payload names its case and place, padded to `pad` bytes (records that span RocksDB's 32 KiB
// WAL blocks are the ones a torn write cuts in two).
event ev(const std::string& case_id, std::uint64_t seq, std::size_t pad = 0) {
  event e;
  e.seq = seq;
  e.type = "command";
  e.at = *parse_instant("2026-03-02T01:00:00Z") + std::chrono::seconds(seq);
  e.actor = "duty_officer:t1";
  e.data = boost::json::object{{"case", case_id}, {"n", seq}, {"pad", std::string(pad, 'x')}};
  return e;
}

std::vector<event> evs(const std::string& case_id, std::uint64_t from, std::uint64_t to) {
  std::vector<event> out;
  for (auto s = from; s <= to; ++s) out.push_back(ev(case_id, s));
  return out;
}

expected<std::unique_ptr<rocksdb_store>> open_on(const std::string& path, rocksdb::Env* env) {
  store_options o;
  o.path = path;
  o.env = env;
  return rocksdb_store::open(o);
}

std::unique_ptr<rocksdb_store> must_open(const std::string& path, rocksdb::Env* env) {
  auto s = open_on(path, env);
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? std::move(*s) : nullptr;
}

void expect_verified(const rocksdb_store& store, std::uint64_t events) {
  auto report = store.verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok()) << report->breaks.front().case_id << " " << report->breaks.front().seq << ": "
                            << report->breaks.front().what;
  EXPECT_EQ(report->events, events);
}

// ---------------------------------------------------------------------------------------------------------
// Power loss.
//
// How the test crashes: the fault file system cuts the power in the middle of a write (power_off_after: the
// crossing write is torn, and from then on nothing reaches the disk: writes, syncs, renames and deletions
// fail). Only then is the store destroyed, so RocksDB's clean shutdown cannot add or remove anything; the
// files it leaves are exactly those of the cut. lose_unsynced() then truncates every file to its synced size
// (or keeps none, all or part of its unsynced tail, as when the disk wrote some of the page cache) and
// removes the files whose directory entries were never synced. Reopening runs RocksDB's crash recovery on that.
// Destroying a live store instead, or copying its directory while it runs, would either let the shutdown
// write or copy a state no power cut can produce.

// What the test knows: every acknowledged event of every case, and the write in doubt when the power went.
struct ledger {
  std::map<std::string, std::vector<event>> acked;
  std::vector<case_events> in_doubt;   // the batches of the one append that failed
  int doubts_kept = 0, doubts_lost = 0;
  std::uint64_t events() const {
    std::uint64_t n = 0;
    for (const auto& [id, h] : acked) n += h.size();
    return n;
  }
};

// Checks one case after a crash: its acknowledged events first, then its part of the write in doubt whole or
// nothing. Returns whether that part is there.
bool expect_history(const rocksdb_store& store, const std::string& id, const std::vector<event>& acked,
                    const std::vector<event>& doubt) {
  auto h = store.read(id);
  EXPECT_TRUE(h || acked.empty()) << id << ": " << h.error().to_string();
  std::vector<event> history = h ? *h : std::vector<event>{};
  EXPECT_GE(history.size(), acked.size()) << id << ": an acknowledged event is lost";
  if (history.size() < acked.size()) return false;
  for (std::size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(history[i], acked[i]) << id << " event " << i + 1;
  std::vector<event> extra(history.begin() + static_cast<std::ptrdiff_t>(acked.size()), history.end());
  if (!extra.empty()) {
    EXPECT_EQ(extra, doubt) << id << ": holds events never written, or part of a batch";
  }
  return !extra.empty();
}

// After a crash: each case holds exactly its acknowledged events, plus the whole failed write or none of it
// (a group commit too: all its cases or none), and every chain verifies. What survived becomes history.
void expect_exactly_acknowledged(const rocksdb_store& store, ledger& l, int round) {
  SCOPED_TRACE("round " + std::to_string(round));
  std::map<std::string, std::vector<event>> doubt;
  std::uint64_t doubt_events = 0;
  for (const auto& b : l.in_doubt) {
    doubt[b.case_id].insert(doubt[b.case_id].end(), b.events.begin(), b.events.end());
    doubt_events += b.events.size();
  }
  std::set<bool> outcomes;   // per case of the write in doubt: there or not
  for (const auto& [id, acked] : l.acked) {
    auto d = doubt.find(id);
    bool there = expect_history(store, id, acked, d == doubt.end() ? std::vector<event>{} : d->second);
    if (d != doubt.end()) outcomes.insert(there);
  }
  EXPECT_LE(outcomes.size(), 1u) << "a group commit survived in part";
  bool kept = outcomes.count(true) > 0;
  expect_verified(store, l.events() + (kept ? doubt_events : 0));
  if (!l.in_doubt.empty()) ++(kept ? l.doubts_kept : l.doubts_lost);
  if (kept) {
    for (const auto& b : l.in_doubt) l.acked[b.case_id].insert(l.acked[b.case_id].end(), b.events.begin(), b.events.end());
  }
  l.in_doubt.clear();
}

// One synced write of one case (or a group of cases), acknowledged or left in doubt.
bool write_one(rocksdb_store& store, ledger& l, std::mt19937_64& rng) {
  std::vector<case_events> group;
  std::size_t cases = rng() % 4 == 0 ? 2 + rng() % 2 : 1;
  std::map<std::string, std::uint64_t> next;
  for (std::size_t c = 0; c < cases; ++c) {
    std::string id = "2026030200" + std::to_string(100 + rng() % 40);
    auto& n = next.try_emplace(id, l.acked[id].size() + 1).first->second;
    std::vector<event> events;
    for (std::size_t k = 1 + rng() % 3; k > 0; --k) {
      std::size_t pad = rng() % 10 == 0 ? 20000 + rng() % 30000 : rng() % 1500;
      events.push_back(ev(id, n++, pad));
    }
    group.push_back(case_events{id, std::move(events), nullptr});
  }
  auto st = group.size() == 1 ? store.append(group[0].case_id, group[0].events) : store.append_group(group);
  if (!st.ok()) {
    EXPECT_EQ(st.error().code(), errc::storage) << st.error().to_string();
    l.in_doubt = std::move(group);
    return false;
  }
  for (auto& b : group) l.acked[b.case_id].insert(l.acked[b.case_id].end(), b.events.begin(), b.events.end());
  return true;
}

TEST(PowerLoss, EveryAcknowledgedWriteSurvivesAndNothingElseAppears) {
  temp_dir d;
  auto fe = testing::make_fault_env();
  std::mt19937_64 rng(19990101);
  ledger l;
  int cut_recoveries = 0;
  constexpr int rounds = 20;
  for (int round = 0; round < rounds; ++round) {
    // Every third reopen loses power itself, in the middle of RocksDB's recovery (WAL replay, flush, MANIFEST).
    if (round > 0 && round % 3 == 0) fe.fs->power_off_after(rng() % 16384, rng() % 2);
    auto opened = open_on(d.str("db"), fe.env.get());
    if (!fe.fs->powered()) {
      ++cut_recoveries;
      if (opened) opened->reset();   // it may have opened before the cut: closed with the power off
      fe.fs->lose_unsynced(fault_fs::unsynced::keep_random_prefix, rng());
      opened = open_on(d.str("db"), fe.env.get());
    }
    fe.fs->heal();
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto store = std::move(*opened);
    expect_exactly_acknowledged(*store, l, round);
    if (::testing::Test::HasFailure()) return;   // the first round that loses something is the one to read

    fe.fs->power_off_after(rng() % (512 * 1024), rng() % 2);
    for (int i = 0; i < 1000 && write_one(*store, l, rng); ++i) {
    }
    if (fe.fs->powered()) fe.fs->power_off();   // the budget outlasted the writes: cut between two writes
    store.reset();                              // with the power off: the shutdown writes nothing
    fe.fs->lose_unsynced(round % 2 ? fault_fs::unsynced::keep_random_prefix : fault_fs::unsynced::drop, rng());
  }
  auto store = must_open(d.str("db"), nullptr);   // and on the plain file system
  ASSERT_TRUE(store);
  expect_exactly_acknowledged(*store, l, rounds);
  EXPECT_GT(l.events(), 500u);   // the cuts left enough written to mean something (varies with RocksDB timing)
  std::cout << "[ power    ] " << rounds << " power cuts, " << cut_recoveries << " during recovery, " << l.events()
            << " events acknowledged (" << fe.fs->syncs() << " syncs), writes in doubt: " << l.doubts_kept
            << " kept, " << l.doubts_lost << " lost, " << fe.fs->injected_failures() << " calls failed by the cuts\n";
  EXPECT_GT(cut_recoveries, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Disk full and failing syncs.

class DiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    store = must_open(d.str("db"), fe.env.get());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->append(kCase, evs(kCase, 1, 3)).ok());
  }
  // An engine on CAF's test coordinator over the store (which it takes over), from 2026-03-02 09:00.
  std::unique_ptr<engine> open_engine(duration passivate_after = engine_options().passivate_after) {
    testing::harness h;
    engine_options o;
    o.passivate_after = passivate_after;
    o.rules = testing::taipei_bundle();
    o.mode = clock_mode::deterministic;
    o.start = h.local("2026-03-02 09:00");
    o.log = std::shared_ptr<rocksdb_store>(std::move(store));
    auto opened = engine::open(o);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().to_string());
    return opened ? std::move(*opened) : nullptr;
  }
  // A dispatch report at a place, by a citizen who asked for an SMS reply.
  static boost::json::object streetlight_report() {
    return boost::json::parse(R"({"item": "streetlight-out", "district": "daan",
        "location": {"address": "No. 1, Section 4, Roosevelt Rd", "lat": 25.0173, "lng": 121.5397},
        "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})").as_object();
  }
  static constexpr const char* kCase = "2026030200001";
  temp_dir d;
  testing::fault_env fe = testing::make_fault_env();
  std::unique_ptr<rocksdb_store> store;
};

TEST_F(DiskFull, AnAppendFailsWithStorageNamingTheCauseAndWritesNothing) {
  fe.fs->fail_writes_after(0);
  auto st = store->append(kCase, evs(kCase, 4, 5));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), errc::storage);
  EXPECT_NE(st.error().message().find("No space left on device"), std::string::npos) << st.error().to_string();
  EXPECT_NE(st.error().message().find("injected: the disk is full"), std::string::npos) << st.error().to_string();
  EXPECT_EQ(*store->read(kCase), evs(kCase, 1, 3));
  expect_verified(*store, 3);
}

TEST_F(DiskFull, ATornWriteLeavesNoPartOfTheBatch) {
  const auto before = fe.fs->bytes_written();
  fe.fs->fail_writes_after(100);   // the WAL record of the batch is cut after 100 bytes
  ASSERT_FALSE(store->append(kCase, evs(kCase, 4, 5)).ok());
  EXPECT_EQ(fe.fs->bytes_written() - before, 100u) << "the torn part is in the WAL";
  EXPECT_EQ(*store->read(kCase), evs(kCase, 1, 3));
  store.reset();
  fe.fs->heal();
  store = must_open(d.str("db"), fe.env.get());
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->read(kCase), evs(kCase, 1, 3)) << "recovery stops before the torn record";
  expect_verified(*store, 3);
}

// After the disk has room again, the same append must succeed without restarting the process: RocksDB stops
// all writes after a failed WAL write (a background error) until DB::Resume() or a reopen. The store's next
// write resumes (RocksDB's own recovery is off): while the disk is still full it fails at once, never "busy",
// and the first write after healing succeeds. health() counts the error and the resume (casework_store_*).
TEST_F(DiskFull, TheSameAppendSucceedsOnceTheDiskHasRoomAgain) {
  EXPECT_TRUE(store->health().background_errors_total.empty());
  fe.fs->fail_writes_after(0);
  ASSERT_FALSE(store->append(kCase, evs(kCase, 4, 5)).ok());
  EXPECT_EQ(store->health().background_errors_total, (std::map<std::string, std::uint64_t>{{"write", 1}}));
  auto still_full = store->append(kCase, evs(kCase, 4, 5));
  ASSERT_FALSE(still_full.ok());
  EXPECT_EQ(still_full.error().code(), errc::storage);
  EXPECT_EQ(still_full.error().message().find("Busy"), std::string::npos) << still_full.error().to_string();
  EXPECT_EQ(store->health().resumes_total, 0u);
  fe.fs->heal();
  auto st = store->append(kCase, evs(kCase, 4, 5));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(store->health().resumes_total, 1u);
  EXPECT_EQ(*store->read(kCase), evs(kCase, 1, 5));
  expect_verified(*store, 5);
}

// A torn record in the WAL must not hide what is acknowledged after it: the writes that follow the failure
// must not land behind the torn record in the same WAL (point-in-time recovery would stop at it).
TEST_F(DiskFull, WritesAcknowledgedAfterATornWriteSurviveAPowerCut) {
  fe.fs->fail_writes_after(100);
  ASSERT_FALSE(store->append(kCase, evs(kCase, 4, 5)).ok());
  fe.fs->heal();
  auto st = store->append(kCase, evs(kCase, 4, 5));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  ASSERT_TRUE(store->append(kCase, evs(kCase, 6, 6)).ok());
  fe.fs->power_off();
  store.reset();
  fe.fs->lose_unsynced(fault_fs::unsynced::drop);
  store = must_open(d.str("db"), fe.env.get());
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->read(kCase), evs(kCase, 1, 6));
  expect_verified(*store, 6);
}

// A failed sync leaves the write in doubt: its bytes may be in the WAL. The store's next write may then resume
// (after a full disk) or refuse writes until it is reopened (after a failed WAL sync RocksDB never resumes); either way, after a restart it holds one unbroken chain: the failed batch whole or not at
// all, and never the batch's unsynced seq 5 under a retried seq 4 (whose hash it does not chain to).
TEST_F(DiskFull, AFailedSyncNeverLeavesABrokenChainBehindARetry) {
  int kept = 0;
  for (const auto& failure : {fault_fs::no_space(), rocksdb::IOStatus::IOError("injected: sync failed")}) {
    SCOPED_TRACE(failure.ToString());
    const std::string id = "2026030200" + std::to_string(100 + kept++);
    ASSERT_TRUE(store->append(id, evs(id, 1, 3)).ok());
    fe.fs->fail_syncs(failure);
    auto failed = store->append(id, evs(id, 4, 5));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code(), errc::storage);
    fe.fs->heal();
    auto retried = std::vector<event>{ev(id, 4, 7)};   // another command decided seq 4 meanwhile
    auto st = store->append(id, retried);
    if (!st.ok()) {
      EXPECT_EQ(st.error().code(), errc::storage) << st.error().to_string();
    }
    store.reset();   // a clean shutdown: the unsynced bytes of the failed write are still in the file
    store = must_open(d.str("db"), fe.env.get());
    ASSERT_TRUE(store);
    auto h = store->read(id);
    ASSERT_TRUE(h);
    auto with_retry = evs(id, 1, 3), with_failed = evs(id, 1, 5);
    with_retry.push_back(retried[0]);
    if (st.ok()) {
      EXPECT_EQ(*h, with_retry) << "the acknowledged retry is the history";
    } else {
      EXPECT_TRUE(*h == evs(id, 1, 3) || *h == with_failed) << "the failed batch whole, or not at all";
    }
    auto report = store->verify();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok()) << report->breaks.front().case_id << " " << report->breaks.front().seq << ": "
                              << report->breaks.front().what;
    EXPECT_TRUE(store->append(id, {ev(id, h->size() + 1)}).ok()) << "writes go on after the restart";
  }
}

// The engine on a full disk: the command fails with storage, the case is unchanged, and after the disk is
// healed the same command succeeds (CAF's test coordinator: no threads, no sleeps).
TEST_F(DiskFull, TheEngineRefusesCommandsWhileFullAndResumesAfterHealing) {
  auto opened = open_engine();
  ASSERT_TRUE(opened);
  auto& eng = *opened;
  auto wait = [&](auto f) {
    eng.run_pending();
    return f.get();
  };
  auto created = wait(eng.create_case("dispatch", {"create", "call_taker", "t1", streetlight_report()}));
  ASSERT_TRUE(created) << created.error().to_string();
  const auto id = created->state->id;
  const auto before = eng.history(id);
  ASSERT_TRUE(before);

  fe.fs->fail_writes_after(0);
  auto refused = wait(eng.issue(id, {"sign", "duty_officer", "t1", {}}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), errc::storage) << refused.error().to_string();
  auto unchanged = wait(eng.get_case(id));
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->state->state, "created");
  EXPECT_EQ(unchanged->state->seq, before->size());
  EXPECT_EQ(eng.history(id)->size(), before->size());

  EXPECT_EQ(eng.health().store_errors_total, 1u);
  EXPECT_EQ(eng.health().storage.background_errors_total.at("write"), 1u) << "the store's health, R8";

  fe.fs->heal();
  auto signed_ = wait(eng.issue(id, {"sign", "duty_officer", "t1", {}}));
  ASSERT_TRUE(signed_) << signed_.error().to_string();
  EXPECT_EQ(signed_->state->state, "signed");
  EXPECT_EQ(eng.history(id)->size(), signed_->state->seq);
  EXPECT_EQ(eng.health().storage.resumes_total, 1u);
}

// A reminder of a passivated case falls due while the disk is full: its fire (in bulk, without activating the
// case) fails with storage and is tried again each second; once the disk has room it is recorded once
// (R6.3), and the case, which was leased to the fire meanwhile, takes commands again.
TEST_F(DiskFull, AReminderOfAPassivatedCaseDueWhileFullIsRecordedOnceAfterHealingR6_3) {
  auto opened = open_engine(std::chrono::minutes(1));
  ASSERT_TRUE(opened);
  auto& eng = *opened;
  auto wait = [&](auto f) {
    eng.run_pending();
    return f.get();
  };
  auto created = wait(eng.create_case("dispatch", {"create", "call_taker", "t1", streetlight_report()}));
  ASSERT_TRUE(created) << created.error().to_string();
  const auto id = created->state->id;
  eng.advance_time(std::chrono::minutes(2));
  ASSERT_EQ(eng.active_case_actors(), 0u) << "passivated";
  auto renotified = [&] {
    auto h = eng.history(id);
    EXPECT_TRUE(h);
    return h ? std::count_if(h->begin(), h->end(), [](const event& e) {
      return e.type == event_type::timer_fired && e.data.at("timer").as_string() == "sign-renotify";
    }) : 0;
  };
  fe.fs->fail_writes_after(0);
  eng.advance_time(std::chrono::minutes(9));   // 09:11: the sign deadline (09:10) passed
  EXPECT_EQ(renotified(), 0);
  EXPECT_GE(eng.health().store_errors_total, 2u) << "the fire, then its retries a second apart";
  EXPECT_EQ(eng.active_case_actors(), 0u);
  fe.fs->heal();
  eng.advance_time(std::chrono::seconds(2));
  EXPECT_EQ(renotified(), 1) << "recorded once after healing";
  EXPECT_EQ(eng.active_case_actors(), 0u) << "fired without activating the case";
  auto signed_ = wait(eng.issue(id, {"sign", "duty_officer", "t1", {}}));
  ASSERT_TRUE(signed_) << signed_.error().to_string();
  EXPECT_EQ(signed_->state->state, "signed");
  eng.advance_time(std::chrono::seconds(5));
  EXPECT_EQ(renotified(), 1) << "no retry left behind";
}

// A create whose events could not be recorded leaves no case behind (no actor, no half case), and a
// dispatch release whose linked petition could not be recorded is not linked to it (R6.11).
TEST_F(DiskFull, UnrecordedCreatesLeaveNoCaseAndUnrecordedLinkedCasesAreNotLinked) {
  auto opened = open_engine();
  ASSERT_TRUE(opened);
  auto& eng = *opened;
  auto wait = [&](auto f) {
    eng.run_pending();
    return f.get();
  };
  auto input = boost::json::parse(R"({"item": "streetlight-out", "district": "daan",
      "reporter": {"name": "Citizen A", "phone": "0912000000"}})").as_object();
  fe.fs->fail_writes_after(0);
  auto refused = wait(eng.create_case("dispatch", {"create", "call_taker", "t1", input}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), errc::storage);
  eng.run_pending();
  EXPECT_EQ(eng.active_case_actors(), 0u);
  fe.fs->heal();
  // The number the refused create took: the fixture's case (kCase) holds the day's first one.
  auto ghost = wait(eng.get_case("2026030200002"));
  ASSERT_FALSE(ghost);
  EXPECT_EQ(ghost.error().code(), errc::not_found) << ghost.error().to_string();
  auto c = wait(eng.create_case("dispatch", {"create", "call_taker", "t1", input}));
  ASSERT_TRUE(c) << c.error().to_string();
  const auto id = c->state->id;
  for (const char* step : {"sign", "assign", "release"}) {
    boost::json::object in;
    if (std::string(step) == "assign") in["handler"] = "pwd-parks-lights-h-1";
    if (std::string(step) == "release") in["reason"] = "not_agency_business";
    auto role = std::string(step) == "release" ? "dispatch_operator" : "duty_officer";
    ASSERT_TRUE(wait(eng.issue(id, {step, role, "t1", in}))) << step;
  }
  // The dispose is recorded; the disk fills up before the linked petition can be (the subscriber runs right
  // after the dispose's events are in the log, before the registry opens the petition).
  eng.subscribe([&](const std::string&, const event& e) {
    if (e.type == event_type::link_requested) fe.fs->fail_writes_after(0);
  });
  auto disposed = eng.issue(id, {"dispose", "dispatch_manager", "t1",
                                 boost::json::parse(R"({"disposition": "other_agency", "target_agency": "dot"})")
                                     .as_object()});
  eng.run_pending();
  ASSERT_TRUE(disposed.get());
  fe.fs->heal();
  eng.run_pending();
  auto history = eng.history(id);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back().type, event_type::link_requested) << "not linked to a petition that was not recorded";
  eng.advance_time(std::chrono::seconds(2));   // the disk has room again: the petition is opened and linked
  history = eng.history(id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->back().type, event_type::linked) << boost::json::serialize(history->back().data);
  auto petition = wait(eng.get_case(std::string(history->back().data.at("case").as_string())));
  ASSERT_TRUE(petition) << petition.error().to_string();
  EXPECT_EQ(petition->state->workflow, "petition");
  EXPECT_EQ(petition->state->agency, "dot");
}

}  // namespace
}  // namespace casework
