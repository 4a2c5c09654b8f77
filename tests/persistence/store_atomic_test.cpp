// Everything derived from a batch is written in the batch's one WriteBatch: a failed or refused write leaves
// no snapshot, timer, index or outbox change, and what was written survives reopening and is seen by a
// secondary instance after catch_up. Real RocksDB; only the file system below it lies (fault_fs).
#include <gtest/gtest.h>

#include "fault_fs.hpp"
#include "store_fixtures.hpp"

namespace casework {
namespace {

using testing::case_writer;
using testing::temp_dir;
using testing::timer;

instant at(int minutes) {
  return testing::t0() + std::chrono::minutes(minutes);
}

// What a store holds beside the histories, for comparing before and after.
struct derived_view {
  std::uint64_t snapshot_seq = 0;
  std::vector<std::string> timers, entries, outbox;
  std::uint64_t outbox_count = 0;

  static derived_view of(const rocksdb_store& s, const std::string& id) {
    derived_view v;
    if (auto c = s.check_snapshot(id)) v.snapshot_seq = c->seq;
    for (const auto& t : s.timers(100))
      v.timers.push_back(t.case_id + "/" + t.timer.name + "@" + format_utc(t.timer.due));
    for (const auto& e : s.list({})) v.entries.push_back(e.id + ":" + e.agency + ":" + e.state);
    for (const auto& n : s.notifications(0, 100))
      v.outbox.push_back(std::to_string(n.position) + ":" + n.key);
    v.outbox_count = s.notification_count();
    return v;
  }
  bool operator==(const derived_view& o) const {
    return snapshot_seq == o.snapshot_seq && timers == o.timers && entries == o.entries &&
           outbox == o.outbox && outbox_count == o.outbox_count;
  }
};

std::ostream& operator<<(std::ostream& os, const derived_view& v) {
  os << "snapshot " << v.snapshot_seq << ", " << v.timers.size() << " timers, " << v.entries.size()
     << " entries, " << v.outbox_count << " notifications";
  return os;
}

class StoreAtomicity : public ::testing::Test {
 protected:
  void SetUp() override {
    store = testing::must_open_at(d.str("db"), fe.env.get());
    ASSERT_TRUE(store);
    ASSERT_TRUE(
        store
            ->append_group({a.batch({a.created(), a.moved_to("created"), a.notification("notice", at(0))},
                                    {timer("sign-renotify", at(10))})})
            .ok());
  }
  // The next batch of `a`: signed, a reminder, the stage-one limit instead of the sign reminder.
  case_events next_batch() {
    return a.batch({a.moved_to("signed"), a.notification("signed-notice", at(4))},
                   {timer("stage-one", at(600))});
  }
  temp_dir d;
  testing::fault_env fe = testing::make_fault_env();
  std::unique_ptr<rocksdb_store> store;
  case_writer a{"2026030200001", "pwd"};
};

TEST_F(StoreAtomicity, AFailedWriteChangesNoSnapshotTimerIndexOrOutbox) {
  const auto before = derived_view::of(*store, a.id());
  const case_state state_before = a.state();
  auto batch = next_batch();
  fe.fs->fail_writes_after(0);
  auto st = store->append_group({batch});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), errc::storage) << st.error().to_string();
  EXPECT_EQ(derived_view::of(*store, a.id()), before);
  EXPECT_EQ(*store->load(a.id()), state_before);

  fe.fs->heal();
  ASSERT_TRUE(store->append_group({batch}).ok()) << "the same batch, once the disk has room";
  auto after = derived_view::of(*store, a.id());
  EXPECT_EQ(after.snapshot_seq, 5u);
  EXPECT_EQ(after.timers, std::vector<std::string>{"2026030200001/stage-one@2026-03-02T11:00:00Z"});
  EXPECT_EQ(after.entries, std::vector<std::string>{"2026030200001:pwd:signed"});
  EXPECT_EQ(after.outbox, (std::vector<std::string>{"0:2026030200001:notice:2026-03-02T01:00:00Z",
                                                    "1:2026030200001:signed-notice:2026-03-02T01:04:00Z"}))
      << "no outbox position is skipped or used twice";
  EXPECT_TRUE(store->verify()->ok());
}

TEST_F(StoreAtomicity, ARefusedGroupWritesNothingOfItsDerivedValues) {
  const auto before = derived_view::of(*store, a.id());
  case_writer b("2026030200002", "dot");
  auto gap = b.batch({b.created(), b.moved_to("created")});
  gap.events = std::vector<event>(gap.events.begin() + 1, gap.events.end());  // starts at seq 2
  auto batch = next_batch();
  auto st = store->append_group({batch, gap});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "failed_precondition: 2026030200002.seq: event 2 does not follow 0");
  EXPECT_EQ(derived_view::of(*store, a.id()), before);
  EXPECT_EQ(store->read(a.id())->size(), 3u);
  ASSERT_TRUE(store->append_group({batch}).ok());
  EXPECT_EQ(store->notifications(1, 1).at(0).position, 1u);
}

// A power cut after acknowledged writes: each case's snapshot, timers and entry are those of its last
// acknowledged batch, and the outbox holds exactly the acknowledged notifications.
TEST_F(StoreAtomicity, APowerCutKeepsTheDerivedValuesOfEveryAcknowledgedBatch) {
  ASSERT_TRUE(store->append_group({next_batch()}).ok());
  const auto acknowledged = derived_view::of(*store, a.id());
  fe.fs->power_off();
  EXPECT_FALSE(store->append_group({a.batch({a.moved_to("closed", 1, true)})}).ok());
  store.reset();
  fe.fs->lose_unsynced(testing::fault_fs::unsynced::drop);
  store = testing::must_open_at(d.str("db"), fe.env.get());
  ASSERT_TRUE(store);
  EXPECT_EQ(derived_view::of(*store, a.id()), acknowledged);
  EXPECT_TRUE(store->verify()->ok());
}

TEST_F(StoreAtomicity, EverythingSurvivesReopening) {
  ASSERT_TRUE(store->append_group({next_batch()}).ok());
  ASSERT_TRUE(store->mark_sent(store->notifications(0, 1).at(0).key, at(2)).ok());
  const auto before = derived_view::of(*store, a.id());
  store.reset();
  store = testing::must_open_at(d.str("db"), fe.env.get());
  ASSERT_TRUE(store);
  EXPECT_EQ(derived_view::of(*store, a.id()), before);
  EXPECT_EQ(*store->load(a.id()), a.state());
  EXPECT_EQ(store->entry(a.id())->state, "signed");
  EXPECT_TRUE(store->notifications(0, 1).at(0).sent_at);
  ASSERT_TRUE(store->append_group({a.batch({a.moved_to("closed", 1, true)})}).ok()) << "the chain continues";
  EXPECT_TRUE(store->timers(10).empty());
}

TEST_F(StoreAtomicity, ASecondaryInstanceSeesTheDerivedValuesAfterCatchUp) {
  auto secondary = testing::open_at(d.str("db"), nullptr, d.str("secondary"));
  ASSERT_TRUE(secondary) << secondary.error().to_string();
  auto& s = **secondary;
  EXPECT_EQ(derived_view::of(s, a.id()), derived_view::of(*store, a.id()));
  ASSERT_TRUE(store->append_group({next_batch()}).ok());
  EXPECT_EQ(s.entry(a.id())->state, "created") << "not before catch_up";
  ASSERT_TRUE(s.catch_up().ok());
  EXPECT_EQ(derived_view::of(s, a.id()), derived_view::of(*store, a.id()));
  EXPECT_EQ(*s.load(a.id()), a.state());
  EXPECT_EQ(s.notification_count(), 2u);
  auto report = s.verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->snapshots, 1u);
}

// histories() reads the store as it was when called: writes after it are not seen.
TEST_F(StoreAtomicity, HistoriesAreAConsistentViewAsOfTheCall) {
  case_writer b("2026030200002", "dot"), c("2026030200003", "dot");
  ASSERT_TRUE(store->append_group({b.batch({b.created()})}).ok());
  auto cursor = store->histories();
  ASSERT_TRUE(store->append_group({next_batch(), c.batch({c.created()})}).ok());
  std::vector<std::pair<std::string, std::size_t>> seen;
  std::string id;
  expected<std::vector<event>> history = std::vector<event>{};
  while (cursor->next(id, history)) {
    ASSERT_TRUE(history) << history.error().to_string();
    seen.emplace_back(id, history->size());
  }
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, std::size_t>>{{"2026030200001", 3}, {"2026030200002", 1}}));
}

}  // namespace
}  // namespace casework
