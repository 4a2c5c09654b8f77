// Test support: every value a bounded label may take, read from the rules themselves (directory agencies,
// item codes, workflow names, states, deadlines, notification kinds and channels). A label value outside it
// could be anything, personal data included (R9.2).
#pragma once

#include <map>
#include <set>
#include <string>

#include "casework/bundle.hpp"

namespace casework::testing {

inline void add_notify(std::map<std::string, std::set<std::string>>& v, const std::vector<action>& actions) {
  for (const auto& a : actions) {
    if (a.k != action::kind::notify) continue;
    v["kind"].insert(a.notify.kind);
    for (const auto& c : a.notify.channels) v["channel"].insert(c);
  }
}

inline std::map<std::string, std::set<std::string>> rules_vocabulary(const bundle& b) {
  std::map<std::string, std::set<std::string>> v;
  for (const auto& a : b.people.agencies()) v["agency"].insert(a.id);
  v["item"].insert("");
  for (const auto& i : b.items.items()) v["item"].insert(i.code);
  v["from_state"].insert("");
  for (const auto& name : b.definitions.names()) {
    auto d = b.definitions.latest(name);
    v["workflow"].insert(d->name);
    for (const auto& s : d->states) {
      v["state"].insert(s.name);
      v["from_state"].insert(s.name);
      v["to_state"].insert(s.name);
      add_notify(v, s.on_enter);
    }
    for (const auto& dl : d->deadlines) v["deadline"].insert(dl.name);
    for (const auto& c : d->commands) add_notify(v, c.actions);
    for (const auto& t : d->timers) add_notify(v, t.actions);
  }
  v["stage"] = {"0", "1", "2"};
  v["outcome"] = {"met", "missed"};
  v["provider"] = {"figures", "health"};
  v["reason"] = {"flush", "compaction", "write", "memtable", "manifest"};
  v["condition"] = {"delayed", "stopped"};
  v["part"] = {"block_cache", "memtables", "table_readers"};  // casework_store_memory_bytes
  return v;
}

}  // namespace casework::testing
