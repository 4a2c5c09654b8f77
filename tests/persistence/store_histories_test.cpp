// Every history read by the RocksDB store's cursor: next_state() (what the figures recount on open reads)
// answers from each case's snapshot what the whole history folds to, with the events of the types asked for,
// for every shape of case a store holds: snapshots at the tail, before it, of format 2, broken, missing, and
// histories broken where the state needs them.
#include <gtest/gtest.h>

#include "casework/figures.hpp"
#include "store_fixtures.hpp"
#include "store_surgery.hpp"

namespace casework {
namespace {

using testing::case_writer;

// The base class's next_state over another cursor: its next(), folded and filtered (the reference).
class folded_cursor final : public history_cursor {
 public:
  explicit folded_cursor(std::unique_ptr<history_cursor> c) : c_(std::move(c)) {}
  bool next(std::string& case_id, expected<std::vector<event>>& history) override {
    return c_->next(case_id, history);
  }

 private:
  std::unique_ptr<history_cursor> c_;
};

struct answer {
  std::string id;
  expected<case_state> state{case_state{}};
  std::vector<event> events;
};

std::vector<answer> read_all(history_cursor& c, const std::vector<std::string_view>& types) {
  std::vector<answer> out;
  answer a;
  while (c.next_state(a.id, a.state, a.events, types)) out.push_back(std::move(a));
  return out;
}

std::string text_of(const expected<case_state>& s) {
  return s ? boost::json::serialize(to_json(*s)) : "error: " + s.error().to_string();
}

class StoreHistories : public testing::store_test {
 protected:
  // next_state() of the store's cursor against the reference, case by case.
  void expect_reference_answers(const std::vector<std::string_view>& types, const std::string& except = {}) {
    auto fast = store->histories();
    folded_cursor reference(store->histories());
    auto got = read_all(*fast, types), want = read_all(reference, types);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(want[i].id);
      EXPECT_EQ(got[i].id, want[i].id);
      if (got[i].id == except) continue;
      EXPECT_EQ(text_of(got[i].state), text_of(want[i].state));
      if (got[i].state && want[i].state) {
        EXPECT_TRUE(*got[i].state == *want[i].state);
      }
      EXPECT_EQ(got[i].events, want[i].events);
    }
  }
};

// Real dispatch cases (R6.3 reminders, R6.4 stages, R6.13 findings), open and closed, and synthetic ones with
// a forward (R5.2): the recount's types, none, and every type.
TEST_F(StoreHistories, R6_4_NextStateAnswersWhatTheWholeHistoryFoldsTo) {
  testing::harness h;
  std::vector<case_state> cases;
  for (int i = 0; i < 6; ++i)
    cases.push_back(testing::streetlight(*store, h,
                                         "No. " + std::to_string(i + 1) + ", Section 4, Roosevelt Rd",
                                         "2026-03-02 09:0" + std::to_string(i)));
  testing::close_streetlight(*store, h, cases[0], "2026-03-03");
  testing::close_streetlight(*store, h, cases[1], "2026-03-04");
  testing::run(*store, h, cases[2], "sign", "duty_officer", "{}", "2026-03-02 10:00");
  case_writer forwarded("2026030200901", "pwd");
  ASSERT_TRUE(
      store->append_group({forwarded.batch({forwarded.created(), forwarded.moved_to("created")})}).ok());
  ASSERT_TRUE(store
                  ->append_group({forwarded.batch(
                      {forwarded.agency_changed("dot"), forwarded.notification("forwarded", testing::t0())})})
                  .ok());

  std::vector<std::string_view> every{
      event_type::created,       event_type::command,        event_type::fields_set,
      event_type::state_changed, event_type::agency_changed, event_type::deadline_set,
      event_type::timer_fired,   event_type::notification,   event_type::link_requested,
      event_type::linked,        event_type::link_failed};
  expect_reference_answers(figures_event_types());
  expect_reference_answers({});
  expect_reference_answers(every);
  reopen();
  expect_reference_answers(figures_event_types());

  auto fast = store->histories();
  auto got = read_all(*fast, figures_event_types());
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].state->state, "closed");
  for (const auto& e : got[0].events) EXPECT_TRUE(one_of(e.type, figures_event_types())) << e.type;
  EXPECT_EQ(got.back().events.size(), 4u) << "created, state_changed, agency_changed, notification";
}

// The cases whose snapshot does not answer: the events after it are folded in, or the whole history is.
TEST_F(StoreHistories, ASnapshotBeforeTheTailBrokenOfFormat2OrMissingStillGivesTheFoldedState) {
  case_writer behind("2026030200001", "pwd"), broken("2026030200002", "pwd"), old("2026030200003", "pwd"),
      none("2026030200004", "pwd"), shorter("2026030200005", "pwd"), fine("2026030200006", "pwd");
  for (auto* c : {&behind, &broken, &old, &none, &shorter, &fine}) {
    auto first = c == &none ? c->bare({c->created(), c->moved_to("created")})
                            : c->batch({c->created(), c->moved_to("created")});
    ASSERT_TRUE(store->append_group({first}).ok());
  }
  ASSERT_TRUE(
      store->append_group({behind.bare({behind.moved_to("signed"), behind.fields({{"handler", "h-1"}})})})
          .ok())
      << "the snapshot stays at event 2";
  ASSERT_TRUE(store->append_group({shorter.batch({shorter.moved_to("signed")})}).ok());
  store.reset();
  ASSERT_TRUE(testing::flip_snapshot_byte(d.str("db"), broken.id()));
  ASSERT_TRUE(testing::with_column_family(
      d.str("db"), "snapshots", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
        std::string v;
        return db.Get(rocksdb::ReadOptions(), cf, old.id(), &v).ok() && v[0] == 2 &&
               db.Put(rocksdb::WriteOptions(), cf, old.id(), testing::as_version1_snapshot(v)).ok();
      }));
  // The snapshot of `shorter` names event 3, which is taken away: it names an event the history lacks.
  ASSERT_TRUE(testing::with_column_family(
      d.str("db"), "events", [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf) {
        return db.Delete(rocksdb::WriteOptions(), cf, testing::event_record_key(shorter.id(), 3)).ok();
      }));
  reopen();
  expect_reference_answers(figures_event_types());

  auto fast = store->histories();
  auto got = read_all(*fast, figures_event_types());
  ASSERT_EQ(got.size(), 6u);
  for (const auto& a : got) ASSERT_TRUE(a.state) << a.id << ": " << a.state.error().to_string();
  EXPECT_EQ(got[0].state->state, "signed") << "the events after the snapshot folded in";
  EXPECT_EQ(got[0].state->seq, 4u);
  EXPECT_EQ(got[0].events.size(), 3u) << "created and both state changes; not fields_set";
  EXPECT_EQ(got[4].state->seq, 2u) << "folded from the history it has";
  EXPECT_EQ(got[4].state->state, "created");
}

// A broken event the state needs is an error, as it is for next(); one before the snapshot of a type not
// asked for is not decoded (verify finds it), and the case's state comes from its snapshot.
TEST_F(StoreHistories, ABrokenEventIsAnErrorWhereTheStateOrTheTypesNeedIt) {
  case_writer wanted("2026030200001", "pwd"), skipped("2026030200002", "pwd"), after("2026030200003", "pwd");
  for (auto* c : {&wanted, &skipped, &after})
    ASSERT_TRUE(store
                    ->append_group(
                        {c->batch({c->created(), c->fields({{"district", "daan"}}), c->moved_to("created")})})
                    .ok());
  ASSERT_TRUE(store->append_group({after.bare({after.fields({{"handler", "h-1"}})})}).ok());
  store.reset();
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), wanted.id(), 3)) << "its state_changed";
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), skipped.id(), 2)) << "its fields_set";
  ASSERT_TRUE(testing::flip_stored_byte(d.str("db"), after.id(), 4)) << "its fields_set after the snapshot";
  reopen();
  expect_reference_answers(figures_event_types(), skipped.id());

  auto fast = store->histories();
  auto got = read_all(*fast, figures_event_types());
  ASSERT_EQ(got.size(), 3u);
  ASSERT_FALSE(got[0].state);
  EXPECT_NE(got[0].state.error().to_string().find("event 3 is not valid JSON"), std::string::npos)
      << got[0].state.error().to_string();
  EXPECT_TRUE(got[0].events.empty());
  ASSERT_TRUE(got[1].state) << "from its snapshot: event 2 is not read";
  EXPECT_EQ(got[1].state->seq, 3u);
  EXPECT_EQ(got[1].events.size(), 2u);
  ASSERT_FALSE(got[2].state) << "event 4 must be folded in";
  EXPECT_NE(got[2].state.error().to_string().find("event 4"), std::string::npos);

  auto whole = store->histories();
  std::string id;
  expected<std::vector<event>> history{std::vector<event>{}};
  ASSERT_TRUE(whole->next(id, history));
  ASSERT_TRUE(whole->next(id, history));
  EXPECT_EQ(id, skipped.id());
  EXPECT_FALSE(history) << "next() decodes every event";
}

TEST(EventTypeOfText, ReadsTheTypeEventTextWritesAndNothingElse) {
  case_writer c("2026030200001", "pwd");
  for (const auto& e : {c.created(), c.moved_to("signed"), c.agency_changed("dot"), c.fields({{"a", "b"}}),
                        c.notification("remind", testing::t0())}) {
    auto type = event_type_of_text(event_text(e));
    ASSERT_TRUE(type) << event_text(e);
    EXPECT_EQ(*type, e.type);
  }
  EXPECT_EQ(event_type_of_text(R"({"seq":12,"type":"notification","at":"x"})"),
            std::string_view("notification"));
  for (const char* other : {R"({"type":"created","seq":1})", R"({"seq":"1","type":"created"})",
                            R"({"seq":,"type":"x"})", R"({"seq":1,"type":"cre\"ated"})",
                            R"({"seq":1,"type":"created)", R"({"seq":1, "type":"created"})", "", "{"})
    EXPECT_FALSE(event_type_of_text(other)) << other;
}

}  // namespace
}  // namespace casework
