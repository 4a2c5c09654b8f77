// Format 3 (docs/storage-format.md): a batch's events in one record, and a store of format 2, written by the
// build before it, read as that build read it, upgraded, and written on.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "store_description.hpp"
#include "store_fixtures.hpp"
#include "store_surgery.hpp"

#ifndef CASEWORK_STORE_FIXTURES
#error "CASEWORK_STORE_FIXTURES: the directory of tests/persistence/fixtures"
#endif

namespace casework {
namespace {

using testing::temp_dir;

const std::string fixture = std::string(CASEWORK_STORE_FIXTURES) + "/format2";

boost::json::value expected_description() {
  std::ifstream in(fixture + "/expected.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

// The version byte of every record in the events column family, by key (case id and the seq its key names).
std::map<std::string, int> record_versions(const std::string& path) {
  std::map<std::string, int> out;
  testing::with_column_family(path, "events", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto key = it->key().ToString();
      std::uint64_t seq = 0;
      for (std::size_t i = key.size() - 8; i < key.size(); ++i)
        seq = seq << 8 | static_cast<unsigned char>(key[i]);
      out[key.substr(0, key.size() - 9) + "@" + std::to_string(seq)] = it->value()[0];
    }
    return true;
  });
  return out;
}

class StoreFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(fixture + "/db", d.str("db"), std::filesystem::copy_options::recursive);
  }
  temp_dir d;
};

// Every answer of a format 2 store (histories with their hashes, loads from snapshots of version 1 and from
// whole histories, entries, snapshot checks, timers, the outbox, the R6.12 places and R6.13 findings,
// listing, verify) is what the build that wrote it gave, read-only and after the upgrade; a read-only open
// leaves the version as it was.
TEST_F(StoreFormat, R6_12_AFormat2StoreAnswersAsTheBuildThatWroteItDid) {
  const auto expected = expected_description();
  {
    store_options o;
    o.path = d.str("db");
    o.read_only = true;
    auto store = rocksdb_store::open(o);
    ASSERT_TRUE(store) << store.error().to_string();
    EXPECT_EQ(*(*store)->get_meta("format_version"), "2");
    EXPECT_EQ(boost::json::value(testing::describe(**store)), expected);
  }
  auto store = testing::must_open_at(d.str("db"));
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->get_meta("format_version"), "3") << "a writable open upgrades it";
  EXPECT_EQ(boost::json::value(testing::describe(*store)), expected);
}

// R6.4: a case of the format 2 store signed before the upgrade is assigned after it. Its new batch is one
// record of version 2 after its records of version 1, chained on their last hash; it loads, verifies and
// reads back after a reopen, as does a case created after the upgrade.
TEST_F(StoreFormat, R6_4_ACaseWrittenInFormat2ContinuesInFormat3) {
  const auto expected = expected_description();
  const std::string id = "2026010100001";
  const auto& old_chain = expected.at("cases").at(id).at("chain").as_array();
  ASSERT_EQ(old_chain.size(), 12u);
  testing::harness h;
  testing::case_writer fresh("2026030300001", "pwd");
  {
    auto store = testing::must_open_at(d.str("db"));
    ASSERT_TRUE(store);
    auto signed_case = store->load(id);
    ASSERT_TRUE(signed_case) << signed_case.error().to_string();
    ASSERT_EQ(signed_case->state, "signed");
    testing::run(*store, h, *signed_case, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})",
                 "2026-03-02 09:20");
    ASSERT_EQ(signed_case->state, "stage-one");
    ASSERT_TRUE(store->append_group({fresh.batch({fresh.created(), fresh.moved_to("created")})}).ok());
    store.reset();

    store = testing::must_open_at(d.str("db"));
    auto chain = store->read_chain(id);
    ASSERT_TRUE(chain);
    ASSERT_GT(chain->size(), old_chain.size());
    for (std::size_t i = 0; i < old_chain.size(); ++i) {
      EXPECT_EQ(boost::json::value(to_json((*chain)[i].e)), old_chain[i].at("event")) << i;
      EXPECT_EQ((*chain)[i].hash, old_chain[i].at("hash").as_string()) << i;
    }
    EXPECT_EQ((*chain)[old_chain.size()].previous_hash, old_chain.back().at("hash").as_string());
    EXPECT_EQ(*store->load(id), *signed_case);
    EXPECT_EQ(*store->load(fresh.id()), fresh.state());
    EXPECT_EQ(store->entry(id)->state, "stage-one");
    auto report = store->verify();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok()) << report->breaks.front().what;
    EXPECT_EQ(report->events, 34u + (chain->size() - old_chain.size()) + 2u);
    EXPECT_TRUE(store->check_snapshot(id)->ok());
    // Listed from the snapshots: the continued case's and the new one's hold their directory values, the
    // untouched cases of format 2 have theirs under `c` keys.
    std::vector<std::string> listed;
    for (const auto& e : store->list({})) listed.push_back(e.id + " " + e.state);
    EXPECT_EQ(listed, (std::vector<std::string>{"2026010100001 stage-one", "2026010100002 closed",
                                                "2026030299001 signed", "2026030300001 created"}));
  }
  auto versions = record_versions(d.str("db"));
  for (std::uint64_t seq = 1; seq <= old_chain.size(); ++seq)
    EXPECT_EQ(versions[id + "@" + std::to_string(seq)], 1) << seq;
  EXPECT_EQ(versions[id + "@13"], 2) << "the assignment's events, in one record";
  EXPECT_EQ(versions.count(id + "@14"), 0u);
  EXPECT_EQ(versions["2026030300001@1"], 2);
  EXPECT_EQ(versions.count("2026030300001@2"), 0u) << "the creation's events, in one record";
  std::set<std::string> directory_keys;
  testing::with_column_family(d.str("db"), "index", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), cf));
    for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next())
      directory_keys.insert(it->key().ToString().substr(1));
    return true;
  });
  EXPECT_EQ(directory_keys, (std::set<std::string>{"2026010100002", "2026030299001"}))
      << "the continued case's `c` key deleted, none for the new case";
}

// A record cut short in its second event: verify names that event, the events before it still count, and the
// history reads fail naming the record; the other cases are untouched.
TEST(StoreRecords, ARecordCutInsideItsSecondEventIsReportedAtThatEvent) {
  temp_dir d;
  testing::case_writer a("2026030200001", "pwd"), b("2026030200002", "pwd");
  {
    auto store = testing::must_open_at(d.str("db"));
    ASSERT_TRUE(store
                    ->append_group({a.batch({a.created(), a.moved_to("created"), a.moved_to("signed")}),
                                    b.batch({b.created(), b.moved_to("created")})})
                    .ok());
  }
  ASSERT_TRUE(testing::with_column_family(d.str("db"), "events",
                                          [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
                                            const std::string key = testing::event_record_key(a.id(), 1);
                                            std::string v;
                                            std::size_t offset = 0, size = 0;
                                            if (!db.Get(rocksdb::ReadOptions(), h, key, &v).ok() ||
                                                !testing::locate_payload(v, 1, 2, offset, size))
                                              return false;
                                            v.resize(offset + size / 2);
                                            return db.Put(rocksdb::WriteOptions(), h, key, v).ok();
                                          }));
  auto store = testing::must_open_at(d.str("db"));
  const auto reports = testing::verify_both_depths(*store);
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& report : reports) {
    ASSERT_EQ(report.breaks.size(), 1u);
    EXPECT_EQ(report.breaks[0].case_id, a.id());
    EXPECT_EQ(report.breaks[0].seq, 2u);
    EXPECT_EQ(report.breaks[0].what, "undecodable record");
    EXPECT_EQ(report.events, 1u + 2u) << "a's first event, and b's two";
  }
  auto read = store->read(a.id());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().to_string(), "storage: " + a.id() + ": the record of events from 1 is undecodable");
  EXPECT_EQ(*store->load(b.id()), b.state());
  EXPECT_EQ(store->append(a.id(), {a.moved_to("stage-one")}).error().code(), errc::storage)
      << "its tail cannot be read";
}

// derived.seq may name any event of its batch: a snapshot may then be inside its record, not at its end.
// After a reopen the case's tail is the record's last event, not the snapshot's (a second event 3 is refused,
// event 4 follows), and a load folds the record's events after the snapshot's.
TEST(StoreRecords, ASnapshotInsideItsRecordIsNotTheCasesTail) {
  temp_dir d;
  testing::case_writer c("2026030200001", "pwd");
  auto e1 = c.created();
  auto e2 = c.moved_to("created");
  auto two = c.batch({e1, e2});  // derived at event 2
  auto e3 = c.moved_to("signed");
  case_state all;
  for (const auto* e : {&e1, &e2, &e3}) ASSERT_TRUE(apply(all, *e).ok());
  {
    auto store = testing::must_open_at(d.str("db"));
    ASSERT_TRUE(store->append_group({case_events{c.id(), {e1, e2, e3}, two.derived}}).ok());
  }
  auto store = testing::must_open_at(d.str("db"));
  EXPECT_EQ(*store->load(c.id()), all);
  auto again = store->append_group({case_events{c.id(), {e3}, nullptr}});
  ASSERT_FALSE(again.ok()) << "event 3 is stored, inside the record at 1";
  EXPECT_NE(again.error().to_string().find("does not follow 3"), std::string::npos)
      << again.error().to_string();
  auto e4 = c.moved_to("stage-one");
  ASSERT_TRUE(apply(all, e4).ok());
  ASSERT_TRUE(store->append_group({case_events{c.id(), {e4}, nullptr}}).ok());
  EXPECT_EQ(*store->load(c.id()), all);
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->events, 4u);
}

// Every key and value of the store's column families but the default one, by family.
std::map<std::string, std::map<std::string, std::string>> everything(const std::string& path) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const char* cf : {"events", "snapshots", "timers", "outbox", "index"})
    testing::with_column_family(path, cf, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
      std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), h));
      for (it->SeekToFirst(); it->Valid(); it->Next()) out[cf][it->key().ToString()] = it->value().ToString();
      return true;
    });
  return out;
}

// A group (one synced write of many case batches, as the store writer makes them) writes, byte for byte, what
// the same batches write one group each: cases whose tails are in memory and cases read after a reopen, cases
// with two batches in the group (the second chains on the first), new cases, and notifications (R6.3). A
// group with a batch that does not follow its case is refused whole, naming it.
TEST(StoreRecords, R6_3_AGroupWritesWhatItsBatchesWriteOneByOne) {
  temp_dir d;
  std::vector<testing::case_writer> cases;
  for (int i = 0; i < 45; ++i)
    cases.emplace_back("20260302" + std::to_string(10000 + i), i % 2 ? "pwd" : "dot");
  std::vector<case_events> before, after, group;
  for (int i = 0; i < 40; ++i) (i < 20 ? before : after).push_back(cases[i].batch({cases[i].created()}));
  for (int i = 0; i < 40; ++i) {
    auto& c = cases[static_cast<std::size_t>(i)];
    group.push_back(c.batch({c.moved_to("signed"), c.notification("sign-reminder", testing::t0())}));
    if (i % 8 == 0) group.push_back(c.batch({c.moved_to("stage-one", 1)}));  // a second batch of the case
  }
  for (int i = 40; i < 45; ++i)
    group.push_back(cases[i].batch({cases[i].created(), cases[i].moved_to("created")}));
  auto write = [&](const std::string& path, bool one_by_one) {
    {
      auto store = testing::must_open_at(path);
      for (const auto& b : before) ASSERT_TRUE(store->append_group({b}).ok());
    }
    auto store = testing::must_open_at(path);  // reopened: the first 20 cases' tails are not in memory
    for (const auto& b : after) ASSERT_TRUE(store->append_group({b}).ok());
    if (one_by_one) {
      for (const auto& b : group) ASSERT_TRUE(store->append_group({b}).ok());
    } else {
      auto conflicting = group;
      conflicting.push_back(before[3]);  // event 1 of a case stored already
      auto refused = store->append_group(conflicting);
      ASSERT_FALSE(refused.ok());
      EXPECT_EQ(refused.error().to_string(),
                "failed_precondition: " + cases[3].id() + ".seq: event 1 does not follow 3");
      ASSERT_TRUE(store->append_group(group).ok());
    }
    auto report = store->verify();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok());
  };
  write(d.str("group"), false);
  write(d.str("one-by-one"), true);
  const auto grouped = everything(d.str("group")), single = everything(d.str("one-by-one"));
  EXPECT_EQ(grouped.at("events").size(), 40u + 40u + 5u + 5u);
  EXPECT_EQ(grouped.at("outbox").size(), 40u);
  EXPECT_TRUE(grouped == single) << "the grouped store differs from the one written batch by batch";
}

}  // namespace
}  // namespace casework
