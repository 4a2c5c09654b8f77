// The RocksDB event store: real RocksDB in a temporary directory.
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/options.h>

#include "temp_dir.hpp"
#include "store_surgery.hpp"
#include "store_fixtures.hpp"

#include "casework/rocksdb_store.hpp"

namespace casework {
namespace {

namespace fs = std::filesystem;

using testing::temp_dir;

event ev(std::uint64_t seq, const std::string& type = "command") {
  event e;
  e.seq = seq;
  e.type = type;
  e.at = *parse_instant("2026-03-02T01:00:00Z") + std::chrono::seconds(seq);
  e.actor = "duty_officer:t1";
  e.data = boost::json::object{{"n", seq}};
  return e;
}

std::vector<event> evs(std::uint64_t from, std::uint64_t to) {
  std::vector<event> out;
  for (auto s = from; s <= to; ++s) out.push_back(ev(s));
  return out;
}

std::unique_ptr<rocksdb_store> open_store(const std::string& path) {
  store_options o;
  o.path = path;
  auto s = rocksdb_store::open(o);
  EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
  return s ? std::move(*s) : nullptr;
}

TEST(RocksdbStore, AppendsAndReadsHistoriesInOrder) {
  temp_dir d;
  auto store = open_store(d.str("db"));
  ASSERT_TRUE(store->append("2026030200001", evs(1, 3)).ok());
  ASSERT_TRUE(store->append("2026030200001", evs(4, 5)).ok());
  ASSERT_TRUE(store->append("UN2026030200001", evs(1, 1)).ok());
  auto h = store->read("2026030200001");
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, evs(1, 5));
  EXPECT_EQ(store->case_ids(), (std::vector<std::string>{"2026030200001", "UN2026030200001"}));
  EXPECT_EQ(store->read("2026030200002").error().code(), errc::not_found);
  auto batches = store->read_batches("2026030200001");   // the default: the history as one batch
  ASSERT_TRUE(batches);
  ASSERT_EQ(batches->size(), 1u);
  EXPECT_EQ((*batches)[0].events(), evs(1, 5));
  EXPECT_EQ(store->read_batches("2026030200002").error().code(), errc::not_found);
}

TEST(RocksdbStore, RefusesAGapInACaseSequence) {
  temp_dir d;
  auto store = open_store(d.str("db"));
  ASSERT_TRUE(store->append("2026030200001", evs(1, 2)).ok());
  auto st = store->append("2026030200001", evs(4, 4));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "failed_precondition: 2026030200001.seq: event 4 does not follow 2");
}

TEST(RocksdbStore, GroupCommitIsAllOrNothing) {
  temp_dir d;
  auto store = open_store(d.str("db"));
  ASSERT_TRUE(
      store->append_group({{"A0000000000001", evs(1, 2), nullptr}, {"A0000000000002", evs(1, 1), nullptr}}).ok());
  auto st =
      store->append_group({{"A0000000000001", evs(3, 3), nullptr}, {"A0000000000002", evs(3, 3), nullptr}});
  ASSERT_FALSE(st.ok()) << "the second case skips seq 2";
  EXPECT_EQ(store->read("A0000000000001")->size(), 2u) << "nothing of the refused group was written";
  ASSERT_TRUE(
      store->append_group({{"A0000000000001", evs(3, 3), nullptr}, {"A0000000000001", evs(4, 4), nullptr}}).ok())
      << "a case may appear twice in one group";
  EXPECT_EQ(store->read("A0000000000001")->size(), 4u);
}

TEST(RocksdbStore, HistoriesSurviveReopeningAndChainsContinue) {
  temp_dir d;
  {
    auto store = open_store(d.str("db"));
    ASSERT_TRUE(store->append("2026030200001", evs(1, 3)).ok());
  }
  auto store = open_store(d.str("db"));
  ASSERT_TRUE(store->append("2026030200001", evs(4, 4)).ok()) << "the tail is read back from the store";
  EXPECT_FALSE(store->append("2026030200001", evs(4, 4)).ok());
  auto chain = store->read_chain("2026030200001");
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 4u);
  EXPECT_EQ((*chain)[0].previous_hash, std::string(64, '0'));
  for (std::size_t i = 1; i < chain->size(); ++i) EXPECT_EQ((*chain)[i].previous_hash, (*chain)[i - 1].hash);
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->events, 4u);
  EXPECT_EQ(report->cases, 1u);
}

// A flipped byte in a stored event is found, naming the case and the sequence number.
TEST(RocksdbStore, VerifyFindsAFlippedByteWithItsCaseAndSequence) {
  temp_dir d;
  {
    auto store = open_store(d.str("db"));
    ASSERT_TRUE(store->append("2026030200001", evs(1, 3)).ok());
    ASSERT_TRUE(store->append("2026030200002", evs(1, 5)).ok());
  }
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), "2026030200002", 3));
  auto store = open_store(d.str("db"));
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].case_id, "2026030200002");
  EXPECT_EQ(report->breaks[0].seq, 3u);
  EXPECT_EQ(report->breaks[0].what, "hash does not match the stored event");
  EXPECT_EQ(report->events, 8u);
}

// Full depth decodes each event into a reused arena (store_verify.cpp): a long history of events larger than
// the arena's own buffer verifies like a short one (Boost 1.81's monotonic_resource, released instead of made
// anew, doubled its next block with every such event until an allocation failed, at about the 50th).
TEST(RocksdbStore, VerifyReadsAHundredEventsLargerThanItsArenaAtFullDepth) {
  temp_dir d;
  auto store = open_store(d.str("db"));
  std::vector<event> big = evs(1, 100);
  for (auto& e : big) e.data["note"] = std::string(40000, 'x');
  ASSERT_TRUE(store->append("2026030200001", big).ok());
  auto report = store->verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->events, 100u);
  auto history = store->read("2026030200001");
  ASSERT_TRUE(history) << history.error().to_string();
  ASSERT_EQ(history->size(), 100u);
  EXPECT_TRUE(history->back() == big.back());
}

// A flipped byte in a stored snapshot is found too, naming the case and the event the snapshot folds last;
// load() then folds the whole history instead (the history is the record).
TEST(RocksdbStore, VerifyFindsAFlippedByteInASnapshotWithItsCaseAndSequence) {
  temp_dir d;
  testing::case_writer a("2026030200001", "pwd"), b("2026030200002", "pwd");
  {
    auto store = open_store(d.str("db"));
    ASSERT_TRUE(store->append_group({a.batch({a.created(), a.moved_to("created")})}).ok());
    ASSERT_TRUE(store->append_group({b.batch({b.created(), b.moved_to("created")})}).ok());
    ASSERT_TRUE(store->append_group({b.batch({b.moved_to("signed")})}).ok());
    ASSERT_TRUE(store->verify()->ok());
    EXPECT_EQ(store->verify()->snapshots, 2u);
  }
  ASSERT_TRUE(testing::flip_snapshot_byte(d.str("db"), "2026030200002"));
  auto store = open_store(d.str("db"));
  auto report = store->verify();
  ASSERT_TRUE(report);
  ASSERT_EQ(report->breaks.size(), 1u);
  EXPECT_EQ(report->breaks[0].case_id, "2026030200002");
  EXPECT_EQ(report->breaks[0].seq, 3u);
  EXPECT_EQ(report->breaks[0].what, "snapshot payload does not match its hash");
  EXPECT_EQ(report->events, 5u);
  EXPECT_EQ(report->snapshots, 2u);
  auto loaded = store->load("2026030200002");
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, b.state());
}

// Verification in key ranges on several threads reports what one thread does: the same counts and the same
// breaks, in case order, wherever they fall (a store of several SST files, split at case starts).
TEST(RocksdbStore, VerifyOnSeveralThreadsReportsWhatOneThreadDoesInCaseOrder) {
  temp_dir d;
  constexpr int cases = 600;
  auto id = [](int i) {
    std::string n = std::to_string(i);
    return "202603020" + std::string(4 - n.size(), '0') + n;
  };
  {
    store_options o;
    o.path = d.str("db");
    o.tune = [](rocksdb::Options& opt) {   // small memtables: many SST files to split the work at
      opt.write_buffer_size = 64 * 1024;
      opt.disable_auto_compactions = true;
    };
    auto opened = rocksdb_store::open(o);
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto& store = **opened;
    for (int i = 0; i < cases; ++i) {
      testing::case_writer w(id(i), "pwd");
      ASSERT_TRUE(store.append_group({w.batch({w.created(), w.moved_to("created")})}).ok());
      ASSERT_TRUE(store.append_group({w.batch({w.moved_to("signed"), w.moved_to("stage-one")})}).ok());
    }
  }
  std::size_t ssts = 0;
  for (const auto& f : fs::directory_iterator(d.str("db"))) ssts += f.path().extension() == ".sst";
  ASSERT_GE(ssts, 8u) << "the store must span several SST files for the ranges to differ";
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), id(3), 2));
  ASSERT_TRUE(testing::flip_snapshot_byte(d.str("db"), id(cases / 2)));
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), id(cases - 2), 4));
  auto store = open_store(d.str("db"));
  verify_options on_one;
  on_one.threads = 1;
  auto one = store->verify(on_one);
  std::uint64_t last_progress = 0;
  verify_options on_four;
  on_four.threads = 4;
  on_four.progress = [&](std::uint64_t n) { last_progress = n; };
  auto four = store->verify(on_four);
  ASSERT_TRUE(one && four);
  EXPECT_EQ(one->events, 4u * cases);
  EXPECT_EQ(four->events, one->events);
  EXPECT_EQ(four->cases, one->cases);
  EXPECT_EQ(four->snapshots, one->snapshots);
  EXPECT_EQ(last_progress, four->events) << "progress adds up the ranges";
  auto listed = [](const verify_report& r) {
    std::vector<std::string> out;
    for (const auto& b : r.breaks) out.push_back(b.case_id + "@" + std::to_string(b.seq) + ": " + b.what);
    return out;
  };
  EXPECT_EQ(listed(*four), listed(*one));
  ASSERT_EQ(four->breaks.size(), 3u);
  EXPECT_EQ(four->breaks[0].case_id, id(3));
  EXPECT_EQ(four->breaks[1].case_id, id(cases / 2));
  EXPECT_EQ(four->breaks[2].case_id, id(cases - 2));
}

// Point reads of events mostly look for an absent key: the event after a snapshot's (a write after a reopen
// checks that none follows the tail its snapshot names) and event 1 of a new case. Across several SST files,
// with and without the memtable, they answer as a scan would.
TEST(RocksdbStore, TailsAfterAReopenAndAbsentEventsReadRightAcrossSeveralFiles) {
  temp_dir d;
  constexpr int cases = 1000;   // ~250 KB of events (a batch's two events are one record): 64 KB memtables
  auto id = [](int i) { return "2026030201" + std::to_string(1000 + i); };
  std::vector<testing::case_writer> writers;
  {
    store_options o;
    o.path = d.str("db");
    o.tune = [](rocksdb::Options& opt) {   // small memtables: the events in several SST files
      opt.write_buffer_size = 64 * 1024;
      opt.disable_auto_compactions = true;
    };
    auto opened = rocksdb_store::open(o);
    ASSERT_TRUE(opened) << opened.error().to_string();
    for (int i = 0; i < cases; ++i) {
      auto& w = writers.emplace_back(id(i), "pwd");
      ASSERT_TRUE((*opened)->append_group({w.batch({w.created(), w.moved_to("created")})}).ok());
    }
  }
  // The files the store wrote (opening it raw below flushes what its WAL holds into a file of its own).
  std::set<std::string> written;
  for (const auto& f : fs::directory_iterator(d.str("db")))
    if (f.path().extension() == ".sst") written.insert(f.path().filename().string());
  std::size_t files = 0;
  ASSERT_TRUE(testing::with_column_family(d.str("db"), "events", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    rocksdb::ColumnFamilyMetaData meta;
    db.GetColumnFamilyMetaData(h, &meta);
    for (const auto& level : meta.levels)
      for (const auto& f : level.files) files += written.count(fs::path(f.name).filename().string());
    return true;
  }));
  ASSERT_GE(files, 2u) << "the events must span several SST files";

  auto store = open_store(d.str("db"));
  std::uint64_t signed_ = 0;
  for (int i = 0; i < cases; i += 37, ++signed_) {
    auto& w = writers[static_cast<std::size_t>(i)];
    auto loaded = store->load(w.id());
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    EXPECT_EQ(*loaded, w.state());
    // The tail after a reopen: the snapshot's event is read, and no event 3 must be found.
    ASSERT_TRUE(store->append_group({w.batch({w.moved_to("signed")})}).ok()) << w.id();
    auto again = store->append_group({case_events{w.id(), {ev(3)}, nullptr}});
    ASSERT_FALSE(again.ok()) << "event 3 of " << w.id() << " is stored";
    EXPECT_NE(again.error().to_string().find("does not follow 3"), std::string::npos) << again.error().to_string();
  }
  EXPECT_FALSE(store->contains(id(cases)));
  EXPECT_TRUE(store->contains(id(cases - 1)));
  auto report = store->verify();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->events, 2u * cases + signed_);
}

TEST(RocksdbStore, ASecondaryInstanceReadsWhileThePrimaryWrites) {
  temp_dir d;
  auto primary = open_store(d.str("db"));
  ASSERT_TRUE(primary->append("2026030200001", evs(1, 2)).ok());
  store_options o;
  o.path = d.str("db");
  o.secondary_path = d.str("secondary");
  auto secondary = rocksdb_store::open(o);
  ASSERT_TRUE(secondary) << secondary.error().to_string();
  EXPECT_EQ((*secondary)->read("2026030200001")->size(), 2u);
  ASSERT_TRUE(primary->append("2026030200001", evs(3, 3)).ok());
  ASSERT_TRUE((*secondary)->catch_up().ok());
  EXPECT_EQ((*secondary)->read("2026030200001")->size(), 3u);
  EXPECT_TRUE((*secondary)->verify()->ok());
}

TEST(RocksdbStore, RefusesAStoreOfAnotherFormatVersion) {
  temp_dir d;
  {
    auto store = open_store(d.str("db"));
    ASSERT_TRUE(store->put_meta("format_version", "99").ok());
  }
  store_options o;
  o.path = d.str("db");
  auto s = rocksdb_store::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), errc::failed_precondition);
  EXPECT_EQ(s.error().message(), "store format version 99 is not one this build reads (2 to 3)");
}

// A store written by the format 1 build (events only, no snapshots, timers, outbox or indexes) is refused
// before anything is changed: the column families of format 2 are not added to it.
TEST(RocksdbStore, RefusesAFormatVersion1StoreWithoutChangingIt) {
  temp_dir d;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{{rocksdb::kDefaultColumnFamilyName, {}}, {"events", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, d.str("db"), cfs, &handles, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[0], "format_version", "1").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  for (const std::string secondary : {"", "secondary"}) {
    store_options o;
    o.path = d.str("db");
    if (!secondary.empty()) o.secondary_path = d.str(secondary);
    auto s = rocksdb_store::open(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().to_string(), "failed_precondition: " + d.str("db") +
                                         ": store format version 1 is not one this build reads (2 to 3)");
  }
  std::vector<std::string> cfs;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), d.str("db"), &cfs).ok());
  EXPECT_EQ(cfs, (std::vector<std::string>{"default", "events"}));
}

TEST(RocksdbStore, OpeningAMissingStoreReadOnlyFailsClearly) {
  temp_dir d;
  store_options o;
  o.path = d.str("nothing-here");
  o.read_only = true;
  auto s = rocksdb_store::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), errc::storage);
  EXPECT_NE(s.error().message().find("cannot open"), std::string::npos);
}

// RocksDB's write stalls reach health() (casework_store_write_stall*): small memtables and a slowdown trigger
// of two level-0 files, written to without syncs faster than they are flushed, make RocksDB delay or stop the
// writes until its flushes and the compaction they start catch up. Real RocksDB, real flushes.
TEST(StoreHealth, AWriteStallIsCountedWhileItLastsAndEnds) {
  temp_dir d;
  store_options o;
  o.path = d.str("db");
  o.sync = false;  // the stall is about flushes, not syncs
  o.tune = [](rocksdb::Options& opt) {
    opt.write_buffer_size = 64 << 10;  // RocksDB's smallest
    opt.level0_file_num_compaction_trigger = 2;
    opt.level0_slowdown_writes_trigger = 2;
    opt.level0_stop_writes_trigger = 1000;
  };
  auto store = rocksdb_store::open(o);
  ASSERT_TRUE(store) << store.error().to_string();
  auto stalls = [&] {
    auto h = (*store)->health();
    return h.write_delays_total + h.write_stops_total;
  };
  EXPECT_EQ(stalls(), 0u);
  std::uint64_t next = 1;
  for (int batch = 0; batch < 400 && stalls() == 0; ++batch, next += 100)
    ASSERT_TRUE((*store)->append("2026030200001", evs(next, next + 99)).ok());
  EXPECT_GE(stalls(), 1u) << "no stall after " << next - 1 << " events";
  EXPECT_TRUE((*store)->health().background_errors_total.empty());
  // The flushes and the compaction catch up: the condition returns to none (within 20 s, on a busy machine).
  bool ended = false;
  for (int i = 0; i < 2000 && !ended; ++i) {
    ended = (*store)->health().write_stall == storage_health::stall::none;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ended);
  EXPECT_EQ((*store)->read("2026030200001")->size(), next - 1);
}

// What RocksDB holds in memory does not grow with the store (issue 7: resident memory bounded with 10,000,000
// stored cases): the index and filter blocks of the store's files live in its one block cache, bounded by
// store_options::block_cache_bytes, instead of in each open file's table reader (RocksDB's default, which
// held ~37 bytes per stored case). Real RocksDB: 20,000 cases over many SST files, a seventh of them read
// back. A cache of no bytes is refused, naming the option.
TEST(StoreHealth, TheIndexAndFiltersOfTheStoresFilesLiveInItsBoundedBlockCache) {
  temp_dir d;
  constexpr int cases = 20000;
  auto id = [](int i) {
    std::string n = std::to_string(i);
    return "20260302" + std::string(5 - n.size(), '0') + n;
  };
  store_options o;
  o.path = d.str("db");
  o.sync = false;
  o.block_cache_bytes = std::size_t{1} << 20;
  o.tune = [](rocksdb::Options& opt) { opt.write_buffer_size = 1 << 20; };  // many SST files
  {
    auto opened = rocksdb_store::open(o);
    ASSERT_TRUE(opened) << opened.error().to_string();
    std::vector<case_events> group;
    for (int i = 0; i < cases; ++i) {
      testing::case_writer w(id(i), "pwd");
      group.push_back(w.batch({w.created(), w.moved_to("created"),
                               w.fields({{"description", "streetlight out at the corner, case " + id(i)}})}));
      if (group.size() == 500) {
        ASSERT_TRUE((*opened)->append_group(group).ok());
        group.clear();
      }
    }
  }
  auto opened = rocksdb_store::open(o);
  ASSERT_TRUE(opened) << opened.error().to_string();
  auto& store = **opened;
  for (int i = 0; i < cases; i += 7) ASSERT_TRUE(store.load(id(i))) << id(i);  // index, filter, data blocks
  auto h = store.health();
  std::size_t ssts = 0;  // counted after the reopen, which may flush what the WAL replayed into another file
  std::uintmax_t sst_bytes = 0;
  for (const auto& f : fs::directory_iterator(d.str("db")))
    if (f.path().extension() == ".sst") ++ssts, sst_bytes += f.file_size();
  ASSERT_GE(ssts, 4u);
  EXPECT_EQ(h.block_cache_capacity_bytes, std::uint64_t{1} << 20);
  EXPECT_GT(h.block_cache_bytes, 0u);
  EXPECT_LE(h.block_cache_bytes, h.block_cache_capacity_bytes);
  // Each open file keeps its reader and the top level of its partitioned index outside the cache: ~2.4 KiB
  // here, whatever the file's size. With the whole index and filter in the readers (RocksDB's default), these
  // files held ~14 KiB each, and a file of RocksDB's usual 64 MiB holds ~1 MiB.
  EXPECT_LT(h.table_reader_bytes, ssts * 4096) << ssts << " files of " << sst_bytes << " bytes";

  o.block_cache_bytes = 0;
  auto none = rocksdb_store::open(o);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), errc::invalid_argument);
  EXPECT_NE(none.error().to_string().find("block_cache_bytes"), std::string::npos)
      << none.error().to_string();
}

}  // namespace
}  // namespace casework
