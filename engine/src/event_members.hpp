// An event's members as read from its JSON, by event_from_json (case.cpp) and event_from_text
// (event_parse.cpp): the one place that says which are required and how each is named when it is not as it
// must be. Internal to the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "casework/case.hpp"

namespace casework::detail {

struct event_members {
  bool seq_ok = false;          // seq was a positive integer
  std::uint64_t seq = 0;
  std::string type;             // "" when absent or not a string
  std::optional<instant> at;    // absent, not a string, or not an RFC 3339 instant: nullopt
  std::string actor, rule;      // "" when absent or not a string
};

// The event, or an error naming the first member that is not as it must be: seq, type, at, then data (the
// "data" member's value, null when absent, which must be an object). A mutable data is moved into the event
// and keeps its storage (an event made from a value parsed into an arena must not outlive it); a const one is
// copied into the default storage.
expected<event> event_of(event_members m, boost::json::value* data);
expected<event> event_of(event_members m, const boost::json::value* data);

}  // namespace casework::detail
