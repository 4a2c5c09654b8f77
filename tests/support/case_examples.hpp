// Test support: example case states.
#pragma once

#include <boost/json.hpp>

#include "casework/case.hpp"

namespace casework::testing {

// A case with every member set (R6.3 and R6.4 deadlines with their bases, fired timers, links), and fields of
// every JSON kind: a double Boost.JSON 1.81 would not read back exactly from its own text, int64 and uint64,
// nested arrays and objects, escapes. What a compact encoding of a case must give back member for member.
inline case_state every_member_set() {
  auto at = [](const char* t) { return *parse_instant(t); };
  case_state s;
  s.id = "2026030200017";
  s.workflow = "dispatch";
  s.definition_version = 3;
  s.stage = 2;
  s.state = "stage-two";
  s.agency = "pwd-parks-lights";
  s.item = "streetlight-out";
  s.created_at = at("2026-03-02T01:00:00.499Z");
  s.updated_at = at("2026-03-04T06:30:00.250Z");
  s.seq = 300;
  s.fields = boost::json::object{
      {"item", "streetlight-out"},
      {"reporter", boost::json::object{{"name", "王小明"}, {"phone", "0912-345-678"}}},
      // 121.54619719720041 is one of the doubles Boost.JSON 1.81 reads back one unit off from its own text.
      {"location", boost::json::object{{"lat", 25.08176664933545}, {"lng", 121.54619719720041}}},
      {"count", std::int64_t{-7}},
      {"big", std::uint64_t{18446744073709551615ULL}},
      {"flags", boost::json::array{true, false, nullptr, boost::json::array{}, boost::json::object{}}},
      {"note", "line\none \"quoted\" \\ and \x01"},
  };
  s.deadlines["sign"] = deadline{at("2026-03-02T01:10:00Z"), 0, "created 2026-03-02 09:00 + PT10M", "R6.3"};
  s.deadlines["stage-one"] = deadline{at("2026-03-03T01:00:00.125Z"), 7, "created 2026-03-02 09:00 + P1D", "R6.4"};
  s.deadlines["stage-two"] = deadline{at("2026-02-01T00:00:00Z"), 7, "", "R6.4"};   // before the creation
  s.entered["created"] = s.created_at;
  s.entered["stage-two"] = s.updated_at;
  s.first_entered["created"] = s.created_at;
  s.first_entered["signed"] = at("2026-03-02T01:05:00Z");
  s.fired.insert({"sign-renotify", at("2026-03-02T01:10:00Z")});
  s.fired.insert({"sign-renotify", at("2026-03-02T01:20:00Z")});
  s.last_fired["overdue-daily"] = at("2026-03-05T00:00:00Z");
  s.links = {{"repeat-of", "2026030100003"}, {"", ""}};
  s.terminal = true;
  s.closed_at = at("2026-03-06T02:00:00Z");
  return s;
}

// An event whose text members hold every control character, quotes, a backslash, UTF-8 and DEL, whose seq is
// 2^53 + 1 (not a double) and whose data holds every JSON kind: what an event's text must carry exactly.
inline event odd_event() {
  std::string odd = "\"quoted\" back\\slash / 臺北市 \x7f";
  for (char c = 0; c < 0x20; ++c) odd.push_back(c);
  event e;
  e.seq = 9007199254740993;   // 2^53 + 1: not a double
  e.type = odd;
  e.at = *parse_instant("2026-03-02T01:00:00.123Z");
  e.actor = odd;
  e.rule = "R6.3";
  e.data = boost::json::object{{"input", {{"name", odd}, {"phone", "0912"}}}, {"lat", 25.046254}, {"n", -7},
                               {"ok", true}, {"none", nullptr}, {"list", boost::json::array{1, "two", 3.5}}};
  return e;
}

}  // namespace casework::testing
