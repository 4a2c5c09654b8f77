// timer_index.cpp: see timer_index.hpp for the design.
#include "timer_index.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace casework::detail {
namespace {

std::int64_t to_ms(instant t) {
  return t.time_since_epoch().count();
}
instant from_ms(std::int64_t ms) {
  return instant{duration{ms}};
}

}  // namespace

void timer_index::set(const std::string& case_id, const std::vector<pending_timer>& timers) {
  if (timers.empty()) {
    cancel(case_id);
    return;
  }
  std::vector<live_timer> fresh;
  fresh.reserve(timers.size());
  for (const auto& t : timers) fresh.push_back({to_ms(t.due), intern_kind(t)});
  std::sort(fresh.begin(), fresh.end(), [this](const live_timer& a, const live_timer& b) {
    if (a.due_ms != b.due_ms) return a.due_ms < b.due_ms;
    const int c = kinds_[a.kind].name.compare(kinds_[b.kind].name);
    return c != 0 ? c < 0 : a.kind < b.kind;
  });
  fresh.erase(std::unique(fresh.begin(), fresh.end(),
                          [this](const live_timer& a, const live_timer& b) {
                            return a.due_ms == b.due_ms && kinds_[a.kind].name == kinds_[b.kind].name;
                          }),
              fresh.end());

  const std::uint32_t handle = acquire(case_id);
  case_slot& slot = slots_[handle];
  const auto same = [](const live_timer& a, const live_timer& b) {
    return a.due_ms == b.due_ms && a.kind == b.kind;
  };
  if (std::equal(slot.live.begin(), slot.live.end(), fresh.begin(), fresh.end(), same)) return;  // idempotent

  if (!slot.live.empty()) --live_cases_;
  live_ = live_ - slot.live.size() + fresh.size();
  ++live_cases_;
  slot.live = std::move(fresh);
  slot.heap_refs += static_cast<std::uint32_t>(slot.live.size());
  for (const auto& t : slot.live) push({t.due_ms, handle, t.kind});
  compact_if_needed();
  drop_stale_top();
}

void timer_index::cancel(const std::string& case_id) {
  const auto it = handles_.find(case_id);
  if (it == handles_.end()) return;
  const std::uint32_t handle = it->second;
  case_slot& slot = slots_[handle];
  if (slot.live.empty()) return;
  live_ -= slot.live.size();
  --live_cases_;
  slot.live = {};
  release_if_unused(handle);
  compact_if_needed();
  drop_stale_top();
}

std::optional<instant> timer_index::next_due() const {
  if (heap_.empty()) return std::nullopt;
  return from_ms(heap_.front().due_ms);  // drop_stale_top() keeps the top live
}

std::vector<due_timer> timer_index::take_due(instant now, std::size_t limit) {
  std::vector<due_timer> out;
  const std::int64_t now_ms = to_ms(now);
  while (out.size() < limit && !heap_.empty() && heap_.front().due_ms <= now_ms) {
    const entry e = pop();
    if (matches(e)) out.push_back({*slots_[e.handle].id, kinds_[e.kind].name, from_ms(e.due_ms)});
    consume(e);  // may recycle the handle, so the id was copied first
  }
  compact_if_needed();
  drop_stale_top();
  return out;
}

std::vector<pending_timer> timer_index::timers_of(const std::string& case_id) const {
  std::vector<pending_timer> out;
  const auto it = handles_.find(case_id);
  if (it == handles_.end()) return out;
  for (const auto& t : slots_[it->second].live) {
    out.push_back({kinds_[t.kind].name, from_ms(t.due_ms), kinds_[t.kind].rule});
  }
  return out;
}

std::uint32_t timer_index::acquire(const std::string& case_id) {
  const auto [it, inserted] = handles_.try_emplace(case_id, 0);
  if (!inserted) return it->second;
  std::uint32_t handle;
  if (!free_handles_.empty()) {
    handle = free_handles_.back();
    free_handles_.pop_back();
  } else {
    assert(slots_.size() < std::numeric_limits<std::uint32_t>::max());
    handle = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[handle].id = &it->first;
  it->second = handle;
  return handle;
}

// Every timer of every set() is interned: looked up by hashes, without building a key string.
std::uint32_t timer_index::intern_kind(const pending_timer& t) {
  const std::uint64_t h = kind_ids_.hash_of(t.name) * 0x100000001B3ull ^ kind_ids_.hash_of(t.rule);
  if (const std::uint32_t* k = kind_ids_.find(h, [&](std::uint32_t id) {
        return kinds_[id].name == t.name && kinds_[id].rule == t.rule;
      }))
    return *k;
  const auto id = static_cast<std::uint32_t>(kinds_.size());
  kinds_.push_back({t.name, t.rule});
  kind_ids_.insert(h, id);
  return id;
}

void timer_index::release_if_unused(std::uint32_t handle) {
  case_slot& slot = slots_[handle];
  if (slot.id == nullptr || !slot.live.empty() || slot.heap_refs != 0) return;
  handles_.erase(handles_.find(*slot.id));
  slot.id = nullptr;
  free_handles_.push_back(handle);
}

// Ties on due are broken by case id, then timer name (then kind, for one name under two rules), so the heap
// pops in exactly (due, case id, timer name) order. Names are only read on equal due.
bool timer_index::before_on_tie(const entry& a, const entry& b) const {
  if (a.handle != b.handle) return *slots_[a.handle].id < *slots_[b.handle].id;
  if (a.kind == b.kind) return false;
  const int c = kinds_[a.kind].name.compare(kinds_[b.kind].name);
  return c != 0 ? c < 0 : a.kind < b.kind;
}

// A 4-ary min-heap rather than std::push_heap/pop_heap's binary one: half the depth, and a node's four
// children are adjacent (64 bytes), so a pop over a million entries misses the cache about half as often.
void timer_index::push(entry e) {
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0 && before(e, heap_[(i - 1) / 4])) {
    heap_[i] = heap_[(i - 1) / 4];
    i = (i - 1) / 4;
  }
  heap_[i] = e;
}

timer_index::entry timer_index::pop() {
  const entry top = heap_.front();
  const entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0, last);
  return top;
}

void timer_index::sift_down(std::size_t i, entry e) {
  const std::size_t n = heap_.size();
  for (std::size_t first = 4 * i + 1; first < n; first = 4 * i + 1) {
    std::size_t best = first;
    for (std::size_t c = first + 1; c < std::min(first + 4, n); ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

bool timer_index::matches(const entry& e) const {
  const auto& live = slots_[e.handle].live;
  return std::any_of(live.begin(), live.end(),
                     [&e](const live_timer& t) { return t.due_ms == e.due_ms && t.kind == e.kind; });
}

bool timer_index::consume(const entry& e) {
  case_slot& slot = slots_[e.handle];
  --slot.heap_refs;
  const auto it = std::find_if(slot.live.begin(), slot.live.end(), [&e](const live_timer& t) {
    return t.due_ms == e.due_ms && t.kind == e.kind;
  });
  const bool was_live = it != slot.live.end();
  if (was_live) {
    slot.live.erase(it);
    --live_;
    if (slot.live.empty()) {
      --live_cases_;
      slot.live = {};
    }
  }
  release_if_unused(e.handle);
  return was_live;
}

void timer_index::drop_stale_top() {
  while (!heap_.empty() && !matches(heap_.front())) consume(pop());
}

// Every live timer has a heap entry, so heap_.size() - live_ entries are stale. Rebuilding costs O(heap) and
// happens only after more than live_ + slack stale entries accumulated: amortized O(1) per set()/cancel().
// The cases to rebuild are found through the heap's own handles (each live case has an entry there), so
// the cost does not depend on how many handles were ever used.
void timer_index::compact_if_needed() {
  if (heap_.size() - live_ <= live_ + compact_slack_) return;
  constexpr auto unvisited = std::numeric_limits<std::uint32_t>::max();
  for (const entry& e : heap_) slots_[e.handle].heap_refs = unvisited;
  std::vector<entry> rebuilt;
  rebuilt.reserve(live_);
  for (const entry& e : heap_) {
    case_slot& slot = slots_[e.handle];
    if (slot.heap_refs != unvisited) continue;
    for (const auto& t : slot.live) rebuilt.push_back({t.due_ms, e.handle, t.kind});
    slot.heap_refs = static_cast<std::uint32_t>(slot.live.size());
    release_if_unused(e.handle);
  }
  heap_ = std::move(rebuilt);
  for (std::size_t i = heap_.size() / 4 + 1; i-- > 0;) {
    if (i < heap_.size()) sift_down(i, heap_[i]);
  }
}

}  // namespace casework::detail
