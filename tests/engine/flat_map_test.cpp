// The sorted-vector map and set a case keeps its deadlines, entries and fired timers in (flat_map.hpp): they
// must behave as the std::map and std::set they replaced, for lookups, insertion, order and equality.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "casework/flat_map.hpp"

namespace casework {
namespace {

TEST(FlatMap, IteratesInKeyOrderWhateverTheInsertionOrderLikeStdMap) {
  flat_map<std::string, int> flat;
  std::map<std::string, int> tree;
  for (const char* k : {"stage-two", "sign", "stage-one", "intake", "sign", "a"}) {
    flat[k] += 1;
    tree[k] += 1;
  }
  ASSERT_EQ(flat.size(), tree.size());
  auto it = tree.begin();
  for (const auto& [k, v] : flat) {
    EXPECT_EQ(k, it->first);
    EXPECT_EQ(v, it->second);
    ++it;
  }
  EXPECT_EQ(flat.at("sign"), 2);
}

TEST(FlatMap, EmplaceKeepsTheFirstValueAndOperatorIndexInsertsADefault) {
  flat_map<std::string, int> m;
  EXPECT_TRUE(m.emplace("created", 1).second);
  auto again = m.emplace("created", 2);
  EXPECT_FALSE(again.second);
  EXPECT_EQ(again.first->second, 1);
  EXPECT_EQ(m["unsigned"], 0);
  EXPECT_EQ(m.size(), 2u);
}

TEST(FlatMap, FindsByStringViewAndCharPointerWithoutAKeyAndSaysWhatIsAbsent) {
  flat_map<std::string, int> m{{"overdue", 3}, {"created", 1}};
  EXPECT_EQ(m.find(std::string_view("overdue"))->second, 3);
  const char* key = "created";
  EXPECT_EQ(m.find(key)->second, 1);
  EXPECT_EQ(m.count("overdue"), 1u);
  EXPECT_EQ(m.count("closed"), 0u);
  EXPECT_EQ(m.find("closed"), m.end());
  EXPECT_THROW(m.at("closed"), std::out_of_range);
  EXPECT_EQ(m.erase("created"), 1u);
  EXPECT_EQ(m.erase("created"), 0u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(FlatMap, EqualWhenTheSameEntriesWhateverTheInsertionOrder) {
  flat_map<std::string, int> a, b;
  a["x"] = 1;
  a["y"] = 2;
  b["y"] = 2;
  b["x"] = 1;
  EXPECT_EQ(a, b);
  b["x"] = 3;
  EXPECT_NE(a, b);
  b["x"] = 1;
  b["z"] = 0;
  EXPECT_NE(a, b);
}

TEST(FlatSet, OrdersPairsLikeStdSetAndKeepsEachOnce) {
  flat_set<std::pair<std::string, int>> flat;
  std::set<std::pair<std::string, int>> tree;
  for (const auto& p : std::initializer_list<std::pair<std::string, int>>{
           {"sign-renotify", 20}, {"overdue", 5}, {"sign-renotify", 10}, {"overdue", 5}, {"sign-renotify", 30}}) {
    EXPECT_EQ(flat.insert(p).second, tree.insert(p).second);
  }
  ASSERT_EQ(flat.size(), tree.size());
  EXPECT_TRUE(std::equal(flat.begin(), flat.end(), tree.begin()));
  EXPECT_EQ(flat.count({"sign-renotify", 20}), 1u);
  EXPECT_EQ(flat.count({"sign-renotify", 25}), 0u);
  flat_set<std::pair<std::string, int>> other{{"overdue", 5}, {"sign-renotify", 30}, {"sign-renotify", 10},
                                              {"sign-renotify", 20}};
  EXPECT_EQ(flat, other);
}

}  // namespace
}  // namespace casework
