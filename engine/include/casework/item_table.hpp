// casework/item_table.hpp: the dispatch item table (R6.1): item, responsible agency, stage time limits.
//
// The table is configuration and versioned. Limits are written as an ISO 8601 duration ("PT24H", "P7D")
// or as working days ({"working_days": 3}); both count from the case's establishment (R6.4).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "casework/error.hpp"
#include "casework/time.hpp"

namespace casework {

// A time limit as tables and definitions write it.
struct limit {
  std::optional<iso_duration> wall;   // set for "PT24H"-style limits
  int working_days = 0;               // set (> 0) for {"working_days": n}

  bool is_working_days() const { return !wall.has_value(); }
  bool operator==(const limit& o) const { return wall == o.wall && working_days == o.working_days; }
};

// Parses "PT24H" or {"working_days": 3}; `where` prefixes the error's field path.
expected<limit> parse_limit(const boost::json::value& v, std::string_view where);
std::string to_string(const limit& l);   // "PT24H" or "3 working days"

struct item {
  std::string code;                 // stable code, e.g. "streetlight-out"
  std::string name_zh;              // name in the city's own language, e.g. "路燈不亮或損壞"
  std::string name_en;
  std::string agency;               // agency id in the directory
  std::string workflow = "dispatch";
  limit stage_one;
  std::optional<limit> stage_two;   // absent when the item has a single stage (R6.4)
};

class item_table {
 public:
  // Parses a table document (format in docs/workflow-format.md). `source` names the file in errors:
  // "items.json: items[3].stage_one: ...".
  static expected<item_table> from_json(const boost::json::value& doc, std::string_view source);

  const std::string& name() const { return name_; }     // e.g. "taipei"
  int version() const { return version_; }
  bool example() const { return example_; }             // true when the limits are illustrative
  const std::vector<item>& items() const { return items_; }
  const item* find(std::string_view code) const;        // nullptr when absent

 private:
  std::string name_;
  int version_ = 0;
  bool example_ = false;
  std::vector<item> items_;
};

}  // namespace casework
