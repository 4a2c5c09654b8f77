// hash_index: the memory log's index of cases and notification keys (performance.md 47.).
#include "casework/hash_index.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace casework {
namespace {

// Keys and their values, as the memory log uses it: the index holds the value (a place in `keys`), the caller
// holds the key and confirms a candidate against it.
struct keyed {
  std::vector<std::string> keys;
  hash_index<std::size_t> index;
  void add(const std::string& k, std::uint64_t h) {
    index.insert(h, keys.size());
    keys.push_back(k);
  }
  const std::size_t* find(const std::string& k, std::uint64_t h) const {
    return index.find(h, [&](std::size_t at) { return keys[at] == k; });
  }
};

TEST(HashIndex, FindsEveryKeyAddedAcrossGrowthAndNothingElse) {
  keyed k;
  EXPECT_EQ(k.find("none", hash_index<std::size_t>::hash_of("none")), nullptr) << "empty";
  for (int i = 0; i < 100000; ++i) {
    const std::string key = "2026030100" + std::to_string(i) + ":sign-reminder:2026-03-02T01:10:00Z";
    k.add(key, hash_index<std::size_t>::hash_of(key));
  }
  EXPECT_EQ(k.index.size(), 100000u);
  for (int i = 0; i < 100000; i += 7) {
    const std::string key = "2026030100" + std::to_string(i) + ":sign-reminder:2026-03-02T01:10:00Z";
    const std::size_t* at = k.find(key, hash_index<std::size_t>::hash_of(key));
    ASSERT_NE(at, nullptr) << key;
    EXPECT_EQ(k.keys[*at], key);
  }
  const std::string absent = "2026030100100000:sign-reminder:2026-03-02T01:10:00Z";
  EXPECT_EQ(k.find(absent, hash_index<std::size_t>::hash_of(absent)), nullptr);
}

// Distinct keys under one hash (and under 0, which the index keeps as 1) are told apart by the predicate, and a
// key under another hash is not found through them.
TEST(HashIndex, KeysSharingAHashAreToldApartByThePredicate) {
  keyed k;
  for (int i = 0; i < 40; ++i) k.add("same-" + std::to_string(i), 42);   // grows past 16 and 32 slots
  k.add("zero", 0);
  k.add("one", 1);
  for (int i = 0; i < 40; ++i) {
    const std::size_t* at = k.find("same-" + std::to_string(i), 42);
    ASSERT_NE(at, nullptr) << i;
    EXPECT_EQ(*at, static_cast<std::size_t>(i));
  }
  ASSERT_NE(k.find("zero", 0), nullptr);
  EXPECT_EQ(k.keys[*k.find("zero", 0)], "zero");
  EXPECT_EQ(k.keys[*k.find("one", 1)], "one");
  EXPECT_EQ(k.find("same-3", 43), nullptr);
  EXPECT_EQ(k.find("same-40", 42), nullptr);
}

}  // namespace
}  // namespace casework
