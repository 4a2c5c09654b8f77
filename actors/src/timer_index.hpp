// timer_index.hpp: every pending timer of every open case in one ordered index, owned by the timer service.
//
// Not one message per timer: the timer service keeps a single timer_index, arms one CAF timeout for
// next_due(), and when it fires, takes the due timers in order and hands them to their case actors.
//
// Design (sized for millions of pending timers):
//   - case ids are interned into uint32 handles (free list for reuse), timer (name, rule) pairs into uint32
//     kinds, so a heap entry is 16 bytes: {due_ms, case handle, kind}.
//   - a 4-ary min-heap orders entries by (due, case id, timer name); names are compared only on equal due,
//     so ties come out in exactly that order, also when take_due stops at `limit` inside a tie.
//   - each case keeps its live timers {due_ms, kind} sorted in due order. A heap entry is live if its case
//     still holds a matching live timer; popping it consumes that timer. set() and cancel() only replace the
//     case's list: superseded heap entries are skipped lazily when they reach the top. No generation
//     counter is needed: after set(A), set(B), set(A) both A entries match, but the first pop consumes the
//     live timer, so the second is stale and nothing fires twice.
//   - every live timer has at least one matching heap entry, so heap size - size() counts the stale entries;
//     when they exceed size() plus a slack the heap is rebuilt from the live lists: memory stays O(live).
//   - a handle is recycled only when its case has no live timer and no heap entry left, so the comparator
//     never sees a handle change name while the heap holds it.
//   - after every mutation the heap top is live (or the heap is empty), hence next_due() is O(1) and const.
//   - memory: about 65 bytes per live timer with 4 timers per case (16 heap, 20 live list, 10 case slot,
//     18 id map), up to ~95 when the heap carries its maximum of stale entries.
//
// Single-threaded: the owner serializes all calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "casework/hash_index.hpp"
#include "casework/interpreter.hpp"
#include "casework/time.hpp"

namespace casework::detail {

struct due_timer {
  std::string case_id;
  std::string timer;
  instant due{};
  bool operator==(const due_timer& o) const {
    return case_id == o.case_id && timer == o.timer && due == o.due;
  }
};

class timer_index {
 public:
  // `compact_slack`: stale heap entries tolerated beyond size() before the heap is rebuilt (default 1024).
  explicit timer_index(std::size_t compact_slack = 1024) : compact_slack_(compact_slack) {}

  // Replaces every pending timer of `case_id` by `timers` (an empty vector cancels all of the case's timers).
  // Timers equal as pending_timer (same name and due) are kept once: a (case, timer, due) fires at most once.
  // Setting the same timers again changes nothing (nothing fires twice).
  void set(const std::string& case_id, const std::vector<pending_timer>& timers);
  void cancel(const std::string& case_id);

  // The earliest live due instant, or nullopt when nothing is pending.
  std::optional<instant> next_due() const;

  // Removes and returns live timers due at or before `now`, ordered by (due, case id, timer name), at most
  // `limit`. The rest stay pending.
  std::vector<due_timer> take_due(instant now, std::size_t limit = std::numeric_limits<std::size_t>::max());

  std::size_t size() const { return live_; }         // live pending timers
  std::size_t cases() const { return live_cases_; }  // cases with at least one live timer
  std::vector<pending_timer> timers_of(const std::string& case_id) const;  // live ones, due order

  // Heap entries, live or stale (for tests and metrics: stays below 2 * size() + slack).
  std::size_t heap_entries() const { return heap_.size(); }

 private:
  struct entry {  // one heap element, 16 bytes
    std::int64_t due_ms;
    std::uint32_t handle;  // index into slots_
    std::uint32_t kind;    // index into kinds_
  };
  struct live_timer {
    std::int64_t due_ms;
    std::uint32_t kind;
  };
  struct case_slot {
    const std::string* id = nullptr;  // key inside handles_ (node-based, stable); null when free
    std::vector<live_timer> live;     // sorted by (due, name, kind)
    std::uint32_t heap_refs = 0;      // heap entries naming this handle
  };
  struct kind_info {
    std::string name;
    std::string rule;
  };

  std::uint32_t acquire(const std::string& case_id);
  std::uint32_t intern_kind(const pending_timer& t);
  void release_if_unused(std::uint32_t handle);
  bool before(const entry& a, const entry& b) const {  // a comes out of the heap first
    return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : before_on_tie(a, b);
  }
  bool before_on_tie(const entry& a, const entry& b) const;
  void push(entry e);
  entry pop();
  void sift_down(std::size_t i, entry e);
  bool matches(const entry& e) const;  // e's case still holds a live timer {due, kind}
  bool consume(const entry& e);        // drops a popped entry; true if it consumed a live timer
  void drop_stale_top();
  void compact_if_needed();

  std::unordered_map<std::string, std::uint32_t> handles_;
  std::vector<case_slot> slots_;
  std::vector<std::uint32_t> free_handles_;
  hash_index<std::uint32_t> kind_ids_;   // by the hash of (name, rule); intern_kind compares kinds_' own
  std::vector<kind_info> kinds_;
  std::vector<entry> heap_;
  std::size_t live_ = 0;
  std::size_t live_cases_ = 0;
  std::size_t compact_slack_;
};

}  // namespace casework::detail
