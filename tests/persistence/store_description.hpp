// Test support: everything a store answers about its cases, as one JSON document, so that a store written by
// one build can be compared with what another build reads from it (store_format_test.cpp).
#pragma once

#include <string>

#include <boost/json.hpp>

#include "casework/rocksdb_store.hpp"

namespace casework::testing {

inline boost::json::object describe(const rocksdb_store& store) {
  boost::json::object out;
  boost::json::object cases;
  for (const auto& id : store.case_ids()) {
    boost::json::object c;
    boost::json::array chain;
    auto read = store.read_chain(id);
    if (read)
      for (const auto& e : *read)
        chain.push_back(
            boost::json::object{{"event", to_json(e.e)}, {"previous", e.previous_hash}, {"hash", e.hash}});
    else
      c["read_error"] = read.error().to_string();
    c["chain"] = std::move(chain);
    auto loaded = store.load(id);
    c["load"] =
        loaded ? boost::json::value(to_snapshot(*loaded)) : boost::json::value(loaded.error().to_string());
    auto entry = store.entry(id);
    c["entry"] = entry ? boost::json::value(to_json(*entry)) : boost::json::value(entry.error().to_string());
    auto snap = store.check_snapshot(id);
    c["snapshot"] =
        snap ? boost::json::value(boost::json::object{{"seq", snap->seq}, {"problem", snap->problem}})
             : boost::json::value(snap.error().to_string());
    c["contains"] = store.contains(id);
    cases[id] = std::move(c);
  }
  out["cases"] = std::move(cases);
  boost::json::array timers;
  for (const auto& t : store.timers(1000))
    timers.push_back(boost::json::object{{"case", t.case_id},
                                         {"name", t.timer.name},
                                         {"due", format_utc(t.timer.due)},
                                         {"rule", t.timer.rule}});
  out["timers"] = std::move(timers);
  boost::json::array notifications;
  for (const auto& n : store.notifications(0, 1000)) notifications.push_back(to_json(n));
  out["notifications"] = std::move(notifications);
  boost::json::array places, findings, listed;
  for (const auto& e : store.open_at_places(1000)) places.push_back(to_json(e));
  for (const auto& e : store.findings()) findings.push_back(to_json(e));
  entry_query q;
  q.limit = 1000;
  for (const auto& e : store.list(q)) listed.push_back(to_json(e));
  out["open_at_places"] = std::move(places);
  out["findings"] = std::move(findings);
  out["list"] = std::move(listed);
  out["last_case_id"] = store.last_case_id("2026");
  auto v = store.verify();
  out["verify"] =
      v ? boost::json::value(boost::json::object{
              {"cases", v->cases}, {"events", v->events}, {"snapshots", v->snapshots}, {"ok", v->ok()}})
        : boost::json::value(v.error().to_string());
  return out;
}

}  // namespace casework::testing
