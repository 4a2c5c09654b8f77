// intake.cpp: case numbers, address normalisation, great-circle distance, the open-case place index (R6.12)
// and place restrictions (R6.13).
#include "casework/intake.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace casework {
namespace {

constexpr double earth_radius_m = 6371008.8;
constexpr double pi = 3.14159265358979323846;
constexpr double deg_to_rad = pi / 180.0;
constexpr double metres_per_degree = earth_radius_m * deg_to_rad;   // along a meridian
constexpr double max_grid_radius_m = 1000e3;   // beyond this a radius search walks every occupied cell
constexpr std::size_t max_prefix = 8;
constexpr std::size_t digits_after_prefix = 13;   // yyyymmdd + 5-digit sequence

bool valid_prefix(std::string_view p) {
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  return p.size() <= max_prefix && std::all_of(p.begin(), p.end(), upper);
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

error bad_id(std::string_view id, const std::string& what) {
  return error(errc::invalid_argument, "\"" + std::string(id) + "\": " + what, "case_id");
}

bool valid_point(geo_point p) { return p.lat >= -90 && p.lat <= 90 && p.lng >= -180 && p.lng <= 180; }

status check_where(const std::optional<geo_point>& where) {
  if (where && !valid_point(*where)) {
    return error(errc::invalid_argument, "latitude must be in -90..90 and longitude in -180..180", "where");
  }
  return {};
}

std::string place_key(std::string_view item, const std::string& normalised) {
  std::string key(item);
  key += '\0';
  return key + normalised;
}

template <class List>
auto slot_of(List& list, const std::string& id) {
  return std::find_if(list.begin(), list.end(), [&](const auto& s) { return s.id == id; });
}

// The slot of case `id` in the bucket `key` of `m`, or nullptr.
template <class Map>
auto* find_slot(Map& m, const typename Map::key_type& key, const std::string& id) {
  auto bucket = m.find(key);
  using slot_ptr = decltype(&bucket->second.front());
  if (bucket == m.end()) return slot_ptr{};
  auto pos = slot_of(bucket->second, id);
  return pos == bucket->second.end() ? slot_ptr{} : &*pos;
}

// Removes case `id` from the bucket `key` of `m`, and the bucket when it becomes empty.
template <class Map>
void erase_slot(Map& m, const typename Map::key_type& key, const std::string& id) {
  auto bucket = m.find(key);
  if (bucket == m.end()) return;
  auto& list = bucket->second;
  auto pos = slot_of(list, id);
  if (pos != list.end()) {
    *pos = std::move(list.back());
    list.pop_back();
  }
  if (list.empty()) m.erase(bucket);
}

std::uint64_t pack(std::int64_t y, std::int64_t x) {
  return (static_cast<std::uint64_t>(y) << 32) | static_cast<std::uint32_t>(x);
}

// ---- UTF-8 ----

// Decodes the code point at s[i] into `cp` and returns its length, or 0 for an invalid sequence.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? b : b & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t min_of_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

char32_t fold(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;   // full-width ASCII
  if (cp == 0x3000 || cp == 0xA0) cp = ' ';          // ideographic space, no-break space
  if (cp == 0x81FA) cp = 0x53F0;                     // 臺 -> 台
  if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
  return cp;
}

bool is_space(char32_t cp) { return cp == ' ' || (cp >= '\t' && cp <= '\r'); }

}  // namespace

// ---- Case numbers ----

std::string format_case_id(std::string_view prefix, local_day day, int seq) {
  const date::year_month_day ymd(day);
  assert(valid_prefix(prefix) && seq >= 1 && seq <= max_case_seq);
  assert(ymd.year() >= date::year(1000) && ymd.year() <= date::year(9999));
  // Written digit by digit: snprintf's format parsing was ~4,000 instructions of every create.
  std::string out(prefix.size() + digits_after_prefix, '0');
  std::copy(prefix.begin(), prefix.end(), out.begin());
  auto put = [&out](std::size_t end, unsigned v, int width) {
    for (int i = 1; i <= width; ++i, v /= 10) out[end - static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  const std::size_t p = prefix.size();
  put(p + 4, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  put(p + 6, static_cast<unsigned>(ymd.month()), 2);
  put(p + 8, static_cast<unsigned>(ymd.day()), 2);
  put(p + 13, static_cast<unsigned>(seq), 5);
  return out;
}

expected<case_id_parts> parse_case_id(std::string_view id) {
  const auto not_upper = [](char c) { return c < 'A' || c > 'Z'; };
  const auto n = static_cast<std::size_t>(std::find_if(id.begin(), id.end(), not_upper) - id.begin());
  if (n > max_prefix) return bad_id(id, "prefix longer than 8 letters");
  const std::string_view digits = id.substr(n);
  if (digits.size() != digits_after_prefix || !all_digits(digits)) {
    return bad_id(id, "expected an uppercase prefix and 13 digits (yyyymmdd and a 5-digit sequence)");
  }
  const date::year_month_day ymd{date::year(to_int(digits.substr(0, 4))),
                                 date::month(static_cast<unsigned>(to_int(digits.substr(4, 2)))),
                                 date::day(static_cast<unsigned>(to_int(digits.substr(6, 2))))};
  if (!ymd.ok() || ymd.year() < date::year(1000)) return bad_id(id, "no such date");
  const int seq = to_int(digits.substr(8));
  if (seq == 0) return bad_id(id, "sequence 00000 is never handed out");
  return case_id_parts{std::string(id.substr(0, n)), local_day(ymd), seq};
}

expected<std::string> case_id_sequence::next(std::string_view prefix, local_day day) {
  if (!valid_prefix(prefix)) {
    return error(errc::invalid_argument, "must be up to 8 uppercase letters", "prefix");
  }
  const date::year_month_day ymd(day);
  if (ymd.year() < date::year(1000) || ymd.year() > date::year(9999)) {
    return error(errc::invalid_argument, "year must have 4 digits", "day");
  }
  int& last = last_[{std::string(prefix), day}];
  if (last >= max_case_seq) {
    return error(errc::unavailable, "all 99999 case numbers of " + format_day(day) + " are used", "case_id");
  }
  return format_case_id(prefix, day, ++last);
}

status case_id_sequence::observe(std::string_view id) {
  auto parts = parse_case_id(id);
  if (!parts) return std::move(parts).error();
  int& last = last_[{parts->prefix, parts->day}];
  last = std::max(last, parts->seq);
  return {};
}

int case_id_sequence::last(std::string_view prefix, local_day day) const {
  auto it = last_.find({std::string(prefix), day});
  return it == last_.end() ? 0 : it->second;
}

// ---- Places ----

std::string normalize_address(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;   // whitespace seen since the last kept character
  for (std::size_t i = 0; i < text.size();) {
    // ASCII, most of any address, without decoding: what the general path below does for it (fold changes only
    // A-Z there). A report's address is normalised several times (routing, repeats, the place index).
    if (const auto b = static_cast<unsigned char>(text[i]); b < 0x80) {
      ++i;
      if (is_space(b)) {
        space = true;
        continue;
      }
      if (space && !out.empty()) out += ' ';
      space = false;
      out += static_cast<char>(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = decode(text, i, cp);
    const char32_t folded = len ? fold(cp) : 0;
    if (len && is_space(folded)) {
      space = true;
      i += len;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    if (len == 0) {
      out += text[i++];   // an invalid byte is kept as it is
      continue;
    }
    if (folded == cp) {
      out.append(text.substr(i, len));
    } else if (folded < 0x80) {
      out += static_cast<char>(folded);
    } else {
      out += "台";   // the only non-ASCII result of fold()
    }
    i += len;
  }
  return out;
}

double distance_m(geo_point a, geo_point b) {
  const double dlat = (b.lat - a.lat) * deg_to_rad;
  const double dlng = (b.lng - a.lng) * deg_to_rad;
  const double s_lat = std::sin(dlat / 2);
  const double s_lng = std::sin(dlng / 2);
  const double cos_cos = std::cos(a.lat * deg_to_rad) * std::cos(b.lat * deg_to_rad);
  const double h = s_lat * s_lat + cos_cos * s_lng * s_lng;
  return 2 * earth_radius_m * std::asin(std::sqrt(std::min(1.0, h)));
}

place_index::place_index(double cell_m)
    : cell_deg_((cell_m >= 1 ? cell_m : 1.0) / metres_per_degree),
      lng_cells_(static_cast<std::int64_t>(std::ceil(360.0 / cell_deg_))) {}

std::uint64_t place_index::cell_of(geo_point p) const {
  const auto y = static_cast<std::int64_t>(std::floor((p.lat + 90) / cell_deg_));
  const auto x = static_cast<std::int64_t>(std::floor((p.lng + 180) / cell_deg_)) % lng_cells_;
  return pack(y, x);
}

status place_index::add(std::string_view case_id, std::string_view item, std::string_view address,
                        std::optional<geo_point> where, instant limit) {
  if (auto st = check_where(where); !st) return st;   // before the id, as always
  std::string id(case_id);
  if (cases_.count(id)) return error(errc::already_exists, "case " + id + " is already indexed", "case_id");
  return insert(std::move(id), item, address, where, limit);
}

status place_index::insert(std::string id, std::string_view item, std::string_view address,
                           std::optional<geo_point> where, instant limit) {
  if (auto st = check_where(where); !st) return st;
  open_case c{{}, std::string(item), where, 0, limit};
  if (std::string normalised = normalize_address(address); !normalised.empty()) {
    c.place = place_key(item, normalised);
    by_place_[c.place].push_back({id, limit, {}});
  }
  if (where) {
    c.cell = cell_of(*where);
    grids_[c.item][c.cell].push_back({id, limit, *where});
  }
  cases_.emplace(std::move(id), std::move(c));
  return {};
}

status place_index::put(std::string_view case_id, std::string_view item, std::string_view address,
                        std::optional<geo_point> where, instant limit) {
  std::string id(case_id);
  auto it = cases_.find(id);
  if (it == cases_.end()) return insert(std::move(id), item, address, where, limit);
  if (it->second.limit != limit) move_limit(it->second, it->first, limit);
  return {};
}

bool place_index::remove(std::string_view case_id) {
  auto it = cases_.find(std::string(case_id));
  if (it == cases_.end()) return false;
  const open_case& c = it->second;
  if (!c.place.empty()) erase_slot(by_place_, c.place, it->first);
  if (auto g = grids_.find(c.item); c.where && g != grids_.end()) {
    erase_slot(g->second, c.cell, it->first);
    if (g->second.empty()) grids_.erase(g);
  }
  cases_.erase(it);
  return true;
}

status place_index::update_limit(std::string_view case_id, instant limit) {
  auto it = cases_.find(std::string(case_id));
  if (it == cases_.end()) {
    return error(errc::not_found, "case " + std::string(case_id) + " is not indexed", "case_id");
  }
  move_limit(it->second, it->first, limit);
  return {};
}

void place_index::move_limit(open_case& c, const std::string& id, instant limit) {
  c.limit = limit;
  if (auto* s = c.place.empty() ? nullptr : find_slot(by_place_, c.place, id)) s->limit = limit;
  if (auto g = grids_.find(c.item); c.where && g != grids_.end()) {
    if (auto* s = find_slot(g->second, c.cell, id)) s->limit = limit;
  }
}

bool place_index::contains(std::string_view case_id) const { return cases_.count(std::string(case_id)) > 0; }

// Collects the cases in the cells that may hold points within `radius_m` of `p` (a superset: the caller
// checks the distance). Looks the cells up one by one, or walks the occupied cells when there are fewer.
void place_index::scan_radius(const grid& cells, geo_point p, double radius_m,
                              std::vector<const slot*>& out) const {
  const double dlat = radius_m / metres_per_degree;
  const double lat_lo = std::max(-90.0, p.lat - dlat);
  const double lat_hi = std::min(90.0, p.lat + dlat);
  const double c = std::cos(std::max(std::abs(lat_lo), std::abs(lat_hi)) * deg_to_rad);
  const bool all_lng = radius_m > max_grid_radius_m || c < 1e-9 || dlat / c >= 180.0;
  const double dlng = all_lng ? 180.0 : dlat / c;
  const auto y_lo = static_cast<std::int64_t>(std::floor((lat_lo + 90) / cell_deg_));
  const auto y_hi = static_cast<std::int64_t>(std::floor((lat_hi + 90) / cell_deg_));
  auto x_lo = static_cast<std::int64_t>(std::floor((p.lng + 180 - dlng) / cell_deg_));
  auto x_hi = static_cast<std::int64_t>(std::floor((p.lng + 180 + dlng) / cell_deg_));
  if (x_lo <= 0 || x_hi >= lng_cells_ - 1) {   // the last cell before the antimeridian is narrower
    --x_lo;
    ++x_hi;
  }
  if (all_lng || x_hi - x_lo + 1 >= lng_cells_) {
    x_lo = 0;
    x_hi = lng_cells_ - 1;
  }
  const auto wrap = [&](std::int64_t x) { return ((x % lng_cells_) + lng_cells_) % lng_cells_; };
  const auto add = [&](const slots& list) {
    for (const slot& s : list) out.push_back(&s);
  };
  const double wanted = static_cast<double>(y_hi - y_lo + 1) * static_cast<double>(x_hi - x_lo + 1);
  if (wanted > static_cast<double>(cells.size())) {
    for (const auto& [key, list] : cells) {
      const auto y = static_cast<std::int64_t>(key >> 32);
      const auto x = static_cast<std::int64_t>(key & 0xFFFFFFFFu);
      if (y >= y_lo && y <= y_hi && wrap(x - x_lo) <= x_hi - x_lo) add(list);
    }
    return;
  }
  for (std::int64_t y = y_lo; y <= y_hi; ++y) {
    for (std::int64_t x = x_lo; x <= x_hi; ++x) {
      if (auto cell = cells.find(pack(y, wrap(x))); cell != cells.end()) add(cell->second);
    }
  }
}

std::optional<std::string> place_index::find_duplicate(std::string_view item, std::string_view address,
                                                       std::optional<geo_point> where, instant now,
                                                       double radius_m) const {
  const slot* best = nullptr;
  const auto consider = [&](const slot& s) {
    if (!(now < s.limit)) return;
    if (!best || s.limit < best->limit || (s.limit == best->limit && s.id < best->id)) best = &s;
  };
  if (const std::string normalised = normalize_address(address); !normalised.empty()) {
    if (auto bucket = by_place_.find(place_key(item, normalised)); bucket != by_place_.end()) {
      for (const slot& s : bucket->second) consider(s);
    }
  }
  auto cells = grids_.find(std::string(item));
  if (where && valid_point(*where) && radius_m >= 0 && cells != grids_.end()) {
    std::vector<const slot*> near;
    scan_radius(cells->second, *where, radius_m, near);
    for (const slot* s : near) {
      if (distance_m(*where, s->where) <= radius_m) consider(*s);
    }
  }
  return best ? std::optional<std::string>(best->id) : std::nullopt;
}

// ---- Restrictions (R6.13) ----

std::string place_restrictions::key_of(std::string_view place, std::string_view item) {
  std::string key = std::to_string(item.size());
  key += ':';
  key += item;
  key += normalize_address(place);
  return key;
}

const place_restrictions::state* place_restrictions::find(std::string_view place,
                                                         std::string_view item) const {
  auto it = states_.find(key_of(place, item));
  return it == states_.end() ? nullptr : &it->second;
}

void place_restrictions::record_finding(std::string_view place, std::string_view item,
                                        std::string_view finding) {
  std::string key = key_of(place, item);
  if (finding == finding_no_violation) {
    ++states_[std::move(key)].no_violation;
    return;
  }
  auto it = states_.find(key);
  if (it == states_.end()) return;
  it->second.no_violation = 0;
  if (!it->second.restricted) states_.erase(it);
}

int place_restrictions::consecutive_no_violation(std::string_view place, std::string_view item) const {
  const state* s = find(place, item);
  return s ? s->no_violation : 0;
}

bool place_restrictions::can_restrict(std::string_view place, std::string_view item) const {
  return consecutive_no_violation(place, item) >= restriction_threshold;
}

// Messages never repeat the place: an address can be personal data.
status place_restrictions::restrict(std::string_view place, std::string_view item) {
  const int count = consecutive_no_violation(place, item);
  if (count < restriction_threshold) {
    const std::string message = "needs " + std::to_string(restriction_threshold) +
                                " consecutive no_violation findings for item " + std::string(item) +
                                " at this place, has " + std::to_string(count);
    return error(errc::rule_violation, message, "place", "R6.13");
  }
  states_[key_of(place, item)].restricted = true;
  return {};
}

void place_restrictions::restore(std::string_view place, std::string_view item) {
  states_[key_of(place, item)].restricted = true;
}

bool place_restrictions::is_restricted(std::string_view place, std::string_view item) const {
  const state* s = find(place, item);
  return s && s->restricted;
}

status place_restrictions::lift(std::string_view place, std::string_view item) {
  auto it = states_.find(key_of(place, item));
  if (it == states_.end() || !it->second.restricted) {
    return error(errc::not_found, "no restriction for item " + std::string(item) + " at this place", "place");
  }
  it->second.restricted = false;
  if (it->second.no_violation == 0) states_.erase(it);
  return {};
}

}  // namespace casework
