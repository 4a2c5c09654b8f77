// casework/intake.hpp: pure intake logic: case numbers, place normalisation, repeat reports at the same
// place (R6.12) and restricted places (R6.13). Plain values, no threads, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "casework/error.hpp"
#include "casework/time.hpp"

namespace casework {

// ---- Case numbers ----
// A case number is a prefix, the local day (yyyymmdd) and a 5-digit sequence: dispatch cases have no prefix
// ("2025110210370"), petitions start with "UN" (R5.1: "UN2025110210370").

inline constexpr std::string_view petition_prefix = "UN";
inline constexpr int max_case_seq = 99999;

struct case_id_parts {
  std::string prefix;   // "" or up to 8 uppercase ASCII letters
  local_day day;
  int seq = 0;          // 1..99999

  bool operator==(const case_id_parts& o) const {
    return prefix == o.prefix && day == o.day && seq == o.seq;
  }
};

// REQUIRES: `prefix` is up to 8 uppercase ASCII letters, `day` is in years 1000..9999, 1 <= seq <= 99999.
std::string format_case_id(std::string_view prefix, local_day day, int seq);
// Parses a case number; invalid_argument naming what is wrong (bad prefix, length, date or sequence).
expected<case_id_parts> parse_case_id(std::string_view id);

// Hands out the next number per (prefix, day), from 00001. A plain value: the owner serialises access.
class case_id_sequence {
 public:
  // The next id for (prefix, day). Errors: unavailable when the day's 99999 numbers are used up;
  // invalid_argument for a malformed prefix.
  expected<std::string> next(std::string_view prefix, local_day day);
  // Records an id already in use (e.g. read back from the store after a restart) so that next() hands out
  // only larger numbers for its (prefix, day). Errors: invalid_argument when `id` does not parse.
  status observe(std::string_view id);
  // The last number handed out or observed for (prefix, day); 0 when none.
  int last(std::string_view prefix, local_day day) const;

 private:
  std::map<std::pair<std::string, local_day>, int> last_;
};

// ---- Places ----

// Normalises an address for comparison, so that two spellings of one place compare equal:
//  - full-width ASCII (U+FF01..U+FF5E) becomes half-width ("１２號" -> "12號"); the ideographic space
//    U+3000 and no-break space U+00A0 become ' ';
//  - 臺 becomes 台 ("臺北市" and "台北市" are one city);
//  - ASCII letters are lowercased;
//  - runs of whitespace collapse to one ' ', leading and trailing whitespace are removed.
// Everything else (other scripts, punctuation, invalid UTF-8 bytes) is kept as it is. Idempotent.
std::string normalize_address(std::string_view text);

struct geo_point {
  double lat = 0;   // WGS 84 degrees, -90..90
  double lng = 0;   // WGS 84 degrees, -180..180
};

// Great-circle (haversine) distance in metres on a sphere of the mean Earth radius (6 371 008.8 m).
double distance_m(geo_point a, geo_point b);

// R6.12: the open cases by place, to find the case a repeat report may join. Addresses are normalised with
// normalize_address() by the index. Built for ~1e6 open cases: a hash on (item, address) and, for cases with
// coordinates, a hash of (item, grid cell); the buckets hold each case's limit and point, so a query reads
// only the buckets it hits.
class place_index {
 public:
  // `cell_m`: side of the grid cells used for radius search, in metres (default 100; at least 1).
  explicit place_index(double cell_m = 100.0);

  // Adds an open case whose current stage ends at `limit`. Errors: already_exists for a known case id;
  // invalid_argument for coordinates out of range (or NaN).
  status add(std::string_view case_id, std::string_view item, std::string_view address,
             std::optional<geo_point> where, instant limit);
  // Removes a case (closed, released); false when it was not in the index.
  bool remove(std::string_view case_id);
  // Moves a case's limit (e.g. on entering stage two). Errors: not_found.
  status update_limit(std::string_view case_id, instant limit);
  // Adds an open case, or moves the limit of one already held (its item and place stay as added): what the
  // registry does after each batch of a case at a place. One lookup, and none of the buckets is touched when
  // the limit is the one held. Errors: as add's, for a case not held yet.
  status put(std::string_view case_id, std::string_view item, std::string_view address,
             std::optional<geo_point> where, instant limit);

  // An open case of `item` at the same normalised address, or within `radius_m` metres of `where`, whose
  // limit is still ahead (now < limit). When several match: the earliest limit, then the smallest id.
  // An empty address matches by coordinates only; a negative radius or no `where`, by address only.
  std::optional<std::string> find_duplicate(std::string_view item, std::string_view address,
                                            std::optional<geo_point> where, instant now,
                                            double radius_m) const;

  bool contains(std::string_view case_id) const;
  std::size_t size() const { return cases_.size(); }

 private:
  struct open_case {
    std::string place;                // item + '\0' + normalised address; empty when the address is empty
    std::string item;
    std::optional<geo_point> where;
    std::uint64_t cell = 0;           // grid cell of `where`
    instant limit{};                  // as its slots hold it
  };
  struct slot {                       // one case in a bucket
    std::string id;
    instant limit{};
    geo_point where;                  // meaningful in grid buckets only
  };
  using slots = std::vector<slot>;
  using grid = std::unordered_map<std::uint64_t, slots>;   // cell -> cases

  std::uint64_t cell_of(geo_point p) const;
  status insert(std::string id, std::string_view item, std::string_view address, std::optional<geo_point> where,
                instant limit);
  void move_limit(open_case& c, const std::string& id, instant limit);
  void scan_radius(const grid& cells, geo_point p, double radius_m, std::vector<const slot*>& out) const;

  double cell_deg_;
  std::int64_t lng_cells_;
  std::unordered_map<std::string, open_case> cases_;   // by case id
  std::unordered_map<std::string, slots> by_place_;    // by open_case::place
  std::unordered_map<std::string, grid> grids_;        // by item
};

// R6.13: after 3 consecutive reports of the same item at the same place all found without violation, the
// agency may have further such reports refused or conditioned. Places are normalised with
// normalize_address(). A restriction stays until lifted; findings keep being counted meanwhile.
inline constexpr std::string_view finding_no_violation = "no_violation";
inline constexpr int restriction_threshold = 3;

class place_restrictions {
 public:
  // Records a closed case's finding: "no_violation" adds one to the consecutive count, anything else resets
  // it to 0.
  void record_finding(std::string_view place, std::string_view item, std::string_view finding);
  int consecutive_no_violation(std::string_view place, std::string_view item) const;
  bool can_restrict(std::string_view place, std::string_view item) const;   // count >= 3
  // Restricts (place, item); a no-op when already restricted. Errors: rule_violation (R6.13) when fewer
  // than 3 consecutive no-violation findings are on record.
  status restrict(std::string_view place, std::string_view item);
  // Marks (place, item) restricted without checking the count: for restoring a restriction recorded earlier
  // (the findings that allowed it may predate what this value has seen).
  void restore(std::string_view place, std::string_view item);
  bool is_restricted(std::string_view place, std::string_view item) const;
  // Lifts a restriction (the count is kept). Errors: not_found when (place, item) is not restricted.
  status lift(std::string_view place, std::string_view item);

 private:
  struct state {
    int no_violation = 0;
    bool restricted = false;
  };
  const state* find(std::string_view place, std::string_view item) const;
  // The key of (place, item): the item's length, ':', the item, then the normalised place. Hashed, not ordered:
  // nothing lists the restrictions, and an ordered map compared long shared address prefixes on every report
  // and every closing (docs/performance.md 46.).
  static std::string key_of(std::string_view place, std::string_view item);

  std::unordered_map<std::string, state> states_;
};

}  // namespace casework
