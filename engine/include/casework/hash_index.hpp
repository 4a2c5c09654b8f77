// casework/hash_index.hpp: an open-addressing index from 64-bit hashes to small values, for the hundreds of
// thousands of cases and notifications the memory log looks up by text.
//
// std::unordered_map reaches a key through its bucket array, a node elsewhere on the heap and, for a string,
// the characters in a third place, and divides by a prime on every lookup: in a simulated year the memory log's
// two indexes were 5% of the samples (docs/performance.md 47.). Here each hash sits beside its value in one
// power-of-two array, probed linearly from a multiplicative hash of it; the index keeps no keys, so the caller
// confirms a candidate against its own (`find`'s predicate), which it reads only when the 64-bit hashes are
// equal. No erase: the memory log never forgets a case or a notification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace casework {

template <class V>
class hash_index {
 public:
  // The hash the index expects of a text key (any 64-bit hash works; this is std::hash's).
  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // The first value added under `hash` for which `is(value)` holds, or nullptr.
  template <class Pred>
  const V* find(std::uint64_t hash, Pred is) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t h = stored(hash);
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && is(s.value)) return &s.value;
    }
  }

  // Adds `value` under `hash`. The caller has made sure it is not there yet (values with equal hashes are
  // kept side by side, and `find` tells them apart).
  void insert(std::uint64_t hash, V value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(stored(hash), std::move(value));
    ++size_;
  }

  std::size_t size() const { return size_; }

 private:
  struct slot {
    std::uint64_t hash = 0;   // 0: empty (a hash of 0 is stored as 1)
    V value{};
  };

  static std::uint64_t stored(std::uint64_t hash) { return hash == 0 ? 1 : hash; }
  // Fibonacci hashing: the high bits of hash * 2^64/phi, so a weak hash's low bits do not cluster.
  std::size_t home(std::uint64_t h) const {
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void place(std::uint64_t h, V value) {
    std::size_t i = home(h);
    while (slots_[i].hash != 0) i = (i + 1) & mask_;
    slots_[i].hash = h;
    slots_[i].value = std::move(value);
  }
  void grow() {
    std::vector<slot> old = std::move(slots_);
    const std::size_t n = old.empty() ? 16 : old.size() * 2;
    slots_.assign(n, slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (std::size_t m = n; m > 1; m >>= 1) --shift_;
    for (auto& s : old)
      if (s.hash != 0) place(s.hash, std::move(s.value));
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace casework
