// casework/flat_map.hpp: small sorted-vector map and set, for the few entries a case keeps per state, deadline
// and timer.
//
// A case holds a handful of entries in each of these (three deadlines, a state or two entered) for as long as
// its actor is active; a std::map node costs a separate allocation of 72-144 bytes each plus 48 bytes of header,
// where these keep the entries in one vector (24 bytes inline). Same ordering and iteration order as
// std::map/std::set with std::less (so what is serialized from them is the same), same equality. Insertion is
// O(n): meant for tens of entries, not thousands. Lookups take anything comparable with the key
// (std::string_view, const char*) without building a key.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

namespace casework {

template <class K, class V>
class flat_map {
 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<K, V>;
  using container = std::vector<value_type>;
  using iterator = typename container::iterator;
  using const_iterator = typename container::const_iterator;
  using size_type = std::size_t;

  flat_map() = default;
  flat_map(std::initializer_list<value_type> init) {
    for (const auto& kv : init) emplace(kv.first, kv.second);
  }

  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  size_type size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void clear() noexcept { items_.clear(); }
  void reserve(size_type n) { items_.reserve(n); }
  void shrink_to_fit() { items_.shrink_to_fit(); }

  template <class Q>
  iterator find(const Q& key) {
    auto it = lower(key);
    return it != items_.end() && !std::less<>{}(key, it->first) ? it : items_.end();
  }
  template <class Q>
  const_iterator find(const Q& key) const {
    auto it = lower(key);
    return it != items_.end() && !std::less<>{}(key, it->first) ? it : items_.end();
  }
  template <class Q>
  size_type count(const Q& key) const {
    return find(key) != end() ? 1 : 0;
  }
  template <class Q>
  bool contains(const Q& key) const {
    return find(key) != end();
  }
  template <class Q>
  V& at(const Q& key) {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("flat_map::at");
    return it->second;
  }
  template <class Q>
  const V& at(const Q& key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("flat_map::at");
    return it->second;
  }

  // Inserts (key, V(args...)) unless the key is there; like std::map::try_emplace (and emplace with a key).
  template <class Q, class... Args>
  std::pair<iterator, bool> emplace(Q&& key, Args&&... args) {
    auto it = lower(key);
    if (it != items_.end() && !std::less<>{}(key, it->first)) return {it, false};
    it = items_.emplace(it, std::piecewise_construct, std::forward_as_tuple(std::forward<Q>(key)),
                        std::forward_as_tuple(std::forward<Args>(args)...));
    return {it, true};
  }
  template <class Q>
  V& operator[](Q&& key) {
    return emplace(std::forward<Q>(key)).first->second;
  }
  template <class Q>
  size_type erase(const Q& key) {
    auto it = find(key);
    if (it == end()) return 0;
    items_.erase(it);
    return 1;
  }

  friend bool operator==(const flat_map& a, const flat_map& b) { return a.items_ == b.items_; }
  friend bool operator!=(const flat_map& a, const flat_map& b) { return !(a == b); }

 private:
  template <class Q>
  iterator lower(const Q& key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& kv, const Q& k) { return std::less<>{}(kv.first, k); });
  }
  template <class Q>
  const_iterator lower(const Q& key) const {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& kv, const Q& k) { return std::less<>{}(kv.first, k); });
  }

  container items_;
};

template <class T>
class flat_set {
 public:
  using key_type = T;
  using value_type = T;
  using container = std::vector<T>;
  using iterator = typename container::const_iterator;   // elements are keys: never changed in place
  using const_iterator = typename container::const_iterator;
  using size_type = std::size_t;

  flat_set() = default;
  flat_set(std::initializer_list<T> init) {
    for (const auto& x : init) insert(x);
  }

  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  size_type size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void clear() noexcept { items_.clear(); }
  void reserve(size_type n) { items_.reserve(n); }
  void shrink_to_fit() { items_.shrink_to_fit(); }

  const_iterator find(const T& x) const {
    auto it = std::lower_bound(items_.begin(), items_.end(), x);
    return it != items_.end() && !(x < *it) ? it : items_.end();
  }
  size_type count(const T& x) const { return find(x) != end() ? 1 : 0; }
  bool contains(const T& x) const { return find(x) != end(); }

  std::pair<const_iterator, bool> insert(T x) {
    auto it = std::lower_bound(items_.begin(), items_.end(), x);
    if (it != items_.end() && !(x < *it)) return {it, false};
    return {items_.insert(it, std::move(x)), true};
  }
  template <class... Args>
  std::pair<const_iterator, bool> emplace(Args&&... args) {
    return insert(T(std::forward<Args>(args)...));
  }
  size_type erase(const T& x) {
    auto it = find(x);
    if (it == end()) return 0;
    items_.erase(it);
    return 1;
  }

  friend bool operator==(const flat_set& a, const flat_set& b) { return a.items_ == b.items_; }
  friend bool operator!=(const flat_set& a, const flat_set& b) { return !(a == b); }

 private:
  container items_;
};

}  // namespace casework
