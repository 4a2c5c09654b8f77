// Case snapshots in the RocksDB store: written with their batch, tied to the hash chain, loaded with the
// events after them folded in, and checked against their history by verify() and check_snapshot().
#include <gtest/gtest.h>

#include "casework/case_bytes.hpp"
#include "store_fixtures.hpp"
#include "store_surgery.hpp"

namespace casework {
namespace {

using testing::case_writer;

class StoreSnapshots : public testing::store_test {
 protected:
  std::string d_path() { return d.str("db"); }
};

TEST_F(StoreSnapshots, LoadFoldsTheSnapshotThenTheEventsRecordedAfterIt) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created")})}).ok());
  ASSERT_TRUE(store->append_group({c.bare({c.moved_to("signed"), c.fields({{"handler", "h-1"}})})}).ok())
      << "events without derived values: the snapshot stays at event 2";
  auto check = store->check_snapshot(c.id());
  ASSERT_TRUE(check) << check.error().to_string();
  EXPECT_EQ(check->seq, 2u);
  EXPECT_TRUE(check->ok()) << check->problem;
  auto loaded = store->load(c.id());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, c.state());
  EXPECT_EQ(loaded->state, "signed");
  EXPECT_EQ(loaded->seq, 4u);
  EXPECT_EQ(*loaded, *fold(*store->read(c.id())));
}

// After a reopen (no cached tail) a write finds the case's tail from its snapshot when the snapshot folds the
// last event, and from the history when events were recorded after it: either way the chain goes on unbroken
// and a batch that does not follow the tail is refused.
TEST_F(StoreSnapshots, AWriteAfterAReopenChainsOnFromTheTailWhereverTheSnapshotIs) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created")})}).ok());
  reopen();   // the snapshot folds event 2, the last
  auto stale = case_writer("2026030200001", "pwd");
  auto refused = store->append_group({stale.bare({stale.created()})});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), errc::failed_precondition) << refused.error().to_string();
  ASSERT_TRUE(store->append_group({c.bare({c.moved_to("signed")})}).ok()) << "event 3 after the snapshot's 2";
  reopen();   // the snapshot folds event 2; event 3 follows it
  ASSERT_TRUE(store->append_group({c.batch({c.fields({{"handler", "h-1"}})})}).ok()) << "event 4";
  reopen();
  ASSERT_TRUE(store->append_group({c.bare({c.moved_to("assigned")})}).ok()) << "event 5";
  auto history = store->read(c.id());
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 5u);
  auto report = store->verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok()) << report->breaks.front().seq << ": " << report->breaks.front().what;
  EXPECT_EQ(report->events, 5u);
}

// A load leaves the tail it found for the case's next write (store_state.hpp, loaded_tails), which then reads
// only that no event followed it. A tail left by a load and made stale by later writes is not believed: here
// the load's tail (event 2) outlives the writer's own cache of the case, which forgets everything after 65,536
// other cases, while event 3 was written after the load. Event 4 still chains on event 3. After a reopen, a
// load's tail refuses a batch that does not follow it and chains one that does (verify checks every link).
TEST_F(StoreSnapshots, AWriteAfterALoadChainsOnTheTailTheLoadFoundOnlyWhileNoEventFollowedIt) {
  case_writer c("2026030200001", "pwd");
  auto one_event = [&](const std::string& id, std::uint64_t seq) {
    event e;
    e.seq = seq;
    e.type = seq == 1 ? "created" : "command";
    e.at = c.state().created_at;
    e.actor = "system";
    return case_events{id, {e}, nullptr};
  };
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created")})}).ok());
  ASSERT_TRUE(store->load(c.id()));   // the tail it found: event 2
  ASSERT_TRUE(store->append_group({c.batch({c.moved_to("signed")})}).ok()) << "event 3, on the writer's cache";
  std::vector<case_events> others;
  for (int i = 0; i < 70000; ++i) others.push_back(one_event("2026030300000-" + std::to_string(i), 1));
  ASSERT_TRUE(store->append_group(others).ok());   // the writer's cache of tails forgets case c
  auto st = store->append_group({c.batch({c.fields({{"handler", "h-1"}})})});
  ASSERT_TRUE(st.ok()) << "event 4 follows event 3, not the load's event 2: " << st.error().to_string();
  reopen();
  ASSERT_TRUE(store->load(c.id()));   // event 4
  auto refused = store->append_group({one_event(c.id(), 4)});
  ASSERT_FALSE(refused.ok()) << "a second event 4";
  EXPECT_EQ(refused.error().code(), errc::failed_precondition) << refused.error().to_string();
  ASSERT_TRUE(store->load(c.id()));
  st = store->append_group({c.batch({c.moved_to("assigned")})});
  ASSERT_TRUE(st.ok()) << "event 5, on the load's tail: " << st.error().to_string();
  auto history = store->read(c.id());
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 5u);
  auto loaded = store->load(c.id());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, c.state());
  auto report = store->verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok()) << report->breaks.front().seq << ": " << report->breaks.front().what;
  EXPECT_EQ(report->events, 5u + 70000u);
}

// A recorded coordinate comes back from the store as the very double that was recorded, from the events and
// from the snapshot, after a reopen (nothing cached): Boost.JSON 1.81's own parse reads this one a unit in the
// last place off (json_text.hpp). R6.12 compares places by their coordinates.
TEST_F(StoreSnapshots, R6_12_ARecordedCoordinateReadsBackAsTheSameDouble) {
  const double lon = 121.54619719720041;
  ASSERT_NE(boost::json::parse(boost::json::serialize(boost::json::value(lon))).as_double(), lon);
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created"),
                                            c.fields({{"location", {{"lon", lon}, {"lat", 25.0338}}}})})})
                  .ok());
  reopen();
  auto loaded = store->load(c.id());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->fields.at("location").at("lon").as_double(), lon);
  EXPECT_EQ(*loaded, c.state());
  auto history = store->read(c.id());
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back().data.at("fields").at("location").at("lon").as_double(), lon);
}

TEST_F(StoreSnapshots, LoadWithoutASnapshotFoldsTheWholeHistory) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append(c.id(), c.bare({c.created(), c.moved_to("created")}).events).ok());
  auto loaded = store->load(c.id());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, c.state());
  EXPECT_EQ(store->check_snapshot(c.id()).error().to_string(),
            "not_found: 2026030200001: no stored snapshot");
  EXPECT_EQ(store->load("2026030200009").error().code(), errc::not_found);
}

// Real dispatch cases: each batch's snapshot is the state the interpreter folded, through reopening.
TEST_F(StoreSnapshots, R6_4_EachBatchOfARealCaseLeavesTheSnapshotOfItsState) {
  testing::harness h;
  auto s = testing::streetlight(*store, h, "No. 1, Section 4, Roosevelt Rd", "2026-03-02 09:00");
  testing::run(*store, h, s, "sign", "duty_officer", "{}", "2026-03-02 09:05");
  testing::run(*store, h, s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})",
               "2026-03-02 09:06");
  reopen();
  auto loaded = store->load(s.id);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, s);
  EXPECT_EQ(loaded->state, "stage-one");
  EXPECT_EQ(store->check_snapshot(s.id)->seq, s.seq);
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->breaks.front().what;
  EXPECT_EQ(report->snapshots, 1u);
}

// A snapshot that is not what its history folds to (a runtime bug, or a forged record) is reported with the
// fields that differ, never their values.
TEST_F(StoreSnapshots, VerifyNamesTheFieldsWhereASnapshotDiffersFromItsHistory) {
  case_writer c("2026030200001", "pwd");
  auto batch = c.batch({c.created(), c.moved_to("created")});
  case_state wrong = c.state();
  wrong.state = "closed";
  wrong.fields["reporter"] = boost::json::object{{"phone", "0912000000"}};
  auto d = std::make_shared<case_derived>(*batch.derived);
  d->snapshot = boost::json::serialize(to_snapshot(wrong));
  batch.derived = d;
  ASSERT_TRUE(store->append_group({batch}).ok());
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].case_id, c.id());
  EXPECT_EQ(report->breaks[0].seq, 2u);
  EXPECT_EQ(report->breaks[0].what,
            "snapshot differs from the history folded to event 2 in fields.reporter, state");
  auto check = store->check_snapshot(c.id());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->differences, (std::vector<std::string>{"fields.reporter", "state"}));
  EXPECT_EQ(check->problem.find("0912000000"), std::string::npos) << "never a value";
}

// Snapshots are written in encoding 2 (case_bytes.hpp); a store written before holds them as JSON text
// (encoding 1). Both load, verify, and are named by field when they differ from their history.
TEST_F(StoreSnapshots, R6_4_SnapshotsInJsonTextFromBeforeEncoding2LoadAndVerifyBesideNewOnes) {
  case_writer old("2026030200001", "pwd");
  auto batch = old.batch({old.created(), old.moved_to("created"), old.fields({{"location", {{"lat", 25.0338}}}})});
  auto d = std::make_shared<case_derived>(*batch.derived);
  d->snapshot = snapshot_text(old.state());   // as derive wrote it before 2026-12-07
  batch.derived = d;
  case_writer now("2026030200002", "pwd");
  ASSERT_TRUE(store->append_group({batch, now.batch({now.created(), now.moved_to("created")})}).ok());
  case_writer forged("2026030200003", "pwd");
  auto forged_batch = forged.batch({forged.created(), forged.moved_to("created")});
  auto wrong = forged.state();   // a runtime bug, or a forged record, in encoding 2
  wrong.fields["reporter"] = boost::json::object{{"phone", "0912000000"}};
  auto f = std::make_shared<case_derived>(*forged_batch.derived);
  f->snapshot = snapshot_bytes(wrong);
  forged_batch.derived = f;
  ASSERT_TRUE(store->append_group({forged_batch}).ok());
  store.reset();
  EXPECT_EQ(testing::stored_snapshot_payload(d_path(), old.id()).substr(0, 1), "{");
  EXPECT_EQ(testing::stored_snapshot_payload(d_path(), now.id()).substr(0, 1), std::string(1, snapshot_bytes_tag));
  reopen();

  for (const auto* c : {&old, &now}) {
    auto loaded = store->load(c->id());
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    EXPECT_EQ(*loaded, c->state());
    auto check = store->check_snapshot(c->id());
    ASSERT_TRUE(check);
    EXPECT_TRUE(check->ok()) << c->id() << ": " << check->problem;
  }
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].case_id, forged.id());
  EXPECT_EQ(report->breaks[0].what, "snapshot differs from the history folded to event 2 in fields.reporter");
  EXPECT_EQ(report->snapshots, 3u);

  // The old case's next batch replaces its JSON snapshot with one in encoding 2.
  ASSERT_TRUE(store->append_group({old.batch({old.moved_to("signed")})}).ok());
  store.reset();
  EXPECT_EQ(testing::stored_snapshot_payload(d_path(), old.id()).substr(0, 1), std::string(1, snapshot_bytes_tag));
  reopen();
  auto loaded = store->load(old.id());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, old.state());
  EXPECT_EQ(loaded->fields.at("location").at("lat").as_double(), 25.0338);
}

// The snapshot names the hash of the event it folds last; a snapshot whose event hash is another is not
// tied to this history, and load() does not trust it.
TEST_F(StoreSnapshots, VerifyFindsASnapshotNotTiedToItsEvent) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created")})}).ok());
  store.reset();
  ASSERT_TRUE(testing::with_column_family(
      d.str("db"), "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
        std::string v;
        if (!db.Get(rocksdb::ReadOptions(), h, c.id(), &v).ok()) return false;
        v[17] ^= 0x01;  // the first byte of the event hash (after the version, the seq and the record)
        return db.Put(rocksdb::WriteOptions(), h, c.id(), v).ok();
      }));
  reopen();
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].seq, 2u);
  EXPECT_EQ(report->breaks[0].what, "snapshot is not tied to event 2: the event's hash differs");
  EXPECT_EQ(*store->load(c.id()), c.state());
}

// A snapshot names the record holding its event, the key a load reads first (docs/storage-format.md). One
// that names another is not tied to its event at either depth, nor for check_snapshot; a load does not trust
// it and folds the whole history.
TEST_F(StoreSnapshots, VerifyFindsASnapshotNamingAnotherRecordAndALoadFoldsTheHistory) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(store->append_group({c.batch({c.created(), c.moved_to("created")})}).ok());  // one record, at 1
  store.reset();
  ASSERT_TRUE(testing::with_column_family(
      d.str("db"), "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
        std::string v;
        if (!db.Get(rocksdb::ReadOptions(), h, c.id(), &v).ok() || v[16] != 1) return false;
        v[16] = 2;  // the last byte of the record's seq: event 2, which is inside the record at 1
        return db.Put(rocksdb::WriteOptions(), h, c.id(), v).ok();
      }));
  reopen();
  const std::string what = "snapshot is not tied to event 2: it names the record at 2, not 1";
  const auto reports = testing::verify_both_depths(*store);
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& report : reports) {
    ASSERT_EQ(report.breaks.size(), 1u);
    EXPECT_EQ(report.breaks[0].seq, 2u);
    EXPECT_EQ(report.breaks[0].what, what);
  }
  auto check = store->check_snapshot(c.id());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->problem, what);
  EXPECT_EQ(*store->load(c.id()), c.state());
  ASSERT_TRUE(store->append_group({c.batch({c.moved_to("signed")})}).ok()) << "writes chain on the real tail";
  EXPECT_TRUE(store->verify()->ok()) << "the new snapshot names its own record";
  EXPECT_EQ(*store->load(c.id()), c.state());
}

// Chain depth reads no payload: it reports every changed byte and untied snapshot as the full depth does, in
// the same words, and not a snapshot whose bytes are what was written but not what its history folds to.
TEST_F(StoreSnapshots, ChainDepthFindsEveryChangedByteButNotASnapshotThatWasWrittenWrong) {
  case_writer forged("2026030200001", "pwd"), flipped("2026030200002", "pwd"), untied("2026030200003", "pwd"),
      snap_flipped("2026030200004", "pwd"), intact("2026030200005", "pwd");
  auto batch = forged.batch({forged.created(), forged.moved_to("created")});
  case_state wrong = forged.state();
  wrong.state = "closed";
  auto derived = std::make_shared<case_derived>(*batch.derived);
  derived->snapshot = boost::json::serialize(to_snapshot(wrong));
  batch.derived = derived;
  ASSERT_TRUE(store->append_group({batch}).ok());
  for (auto* c : {&flipped, &untied, &snap_flipped, &intact})
    ASSERT_TRUE(store->append_group({c->batch({c->created(), c->moved_to("created"), c->moved_to("signed")})}).ok());
  store.reset();
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), flipped.id(), 2));
  ASSERT_TRUE(testing::flip_snapshot_byte(d.str("db"), snap_flipped.id()));
  ASSERT_TRUE(testing::with_column_family(
      d.str("db"), "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
        std::string v;
        if (!db.Get(rocksdb::ReadOptions(), h, untied.id(), &v).ok()) return false;
        v[17] ^= 0x01;  // the first byte of the event hash
        return db.Put(rocksdb::WriteOptions(), h, untied.id(), v).ok();
      }));
  reopen();
  auto listed = [](const verify_report& r) {
    std::vector<std::string> out;
    for (const auto& b : r.breaks) out.push_back(b.case_id + "@" + std::to_string(b.seq) + ": " + b.what);
    return out;
  };
  verify_options chain;
  chain.depth = verify_depth::chain;
  auto shallow = store->verify(chain);
  auto full = store->verify();
  ASSERT_TRUE(shallow && full);
  EXPECT_EQ(listed(*shallow), (std::vector<std::string>{
                                  "2026030200002@2: hash does not match the stored event",
                                  "2026030200003@3: snapshot is not tied to event 3: the event's hash differs",
                                  "2026030200004@3: snapshot payload does not match its hash",
                              }));
  auto deep = listed(*full);
  ASSERT_EQ(deep.size(), 4u);
  EXPECT_EQ(deep[0], "2026030200001@2: snapshot differs from the history folded to event 2 in state");
  EXPECT_EQ(std::vector<std::string>(deep.begin() + 1, deep.end()), listed(*shallow));
  EXPECT_EQ(shallow->events, full->events);
  EXPECT_EQ(shallow->events, 14u);
  EXPECT_EQ(shallow->snapshots, 5u);
  EXPECT_EQ(shallow->cases, 5u);
}

// A broken chain is reported once, at its first break; the snapshot after it is not checked against it.
TEST_F(StoreSnapshots, AChainBrokenBeforeTheSnapshotIsReportedAsTheChainBreakOnly) {
  case_writer c("2026030200001", "pwd");
  ASSERT_TRUE(
      store->append_group({c.batch({c.created(), c.moved_to("created"), c.moved_to("signed")})}).ok());
  store.reset();
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), c.id(), 2));
  reopen();
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].seq, 2u);
  EXPECT_EQ(report->breaks[0].what, "hash does not match the stored event");
}

TEST_F(StoreSnapshots, RefusesDerivedValuesThatDoNotBelongToTheirBatchNamingTheField) {
  case_writer c("2026030200001", "pwd");
  auto batch = c.batch({c.created(), c.moved_to("created")});
  auto d = std::make_shared<case_derived>(*batch.derived);
  d->seq = 7;
  auto st = store->append_group({case_events{c.id(), batch.events, d}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(),
            "invalid_argument: 2026030200001.derived.seq: 7 is not an event of its batch (1..2)");
  d->seq = 2;
  d->entry.id = "2026030200002";
  st = store->append_group({case_events{c.id(), batch.events, d}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(),
            "invalid_argument: 2026030200001.derived.entry.id: must be the batch's case id");
  EXPECT_FALSE(store->contains(c.id())) << "nothing of a refused batch is written";
  st = store->append(std::string("bad\0id", 6), batch.events);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "invalid_argument: case_id: must not contain NUL");
}

}  // namespace
}  // namespace casework
