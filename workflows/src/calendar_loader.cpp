// Reads a published office calendar directory (YEAR.json files plus an optional overrides.json) into a
// business_calendar. Reading rules (see workflows/calendars/tw/README.md):
//   holiday: true                               -> a day off
//   holiday: false, holidayCategory 補行上班日  -> a working day (a make-up working Saturday)
//   holiday: false, anything else               -> an observance that is not a day off: the day follows the
//                                                  weekly pattern (working Mon-Fri; off when it falls on a
//                                                  weekend, e.g. 軍人節 on a Saturday)
// A day's name is its "name", or its "holidayCategory" when the name is empty (make-up days have no name).
#include "casework/calendar_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "casework/json_text.hpp"

namespace casework {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const char* const make_up_working_day = "補行上班日";

error bad(const std::string& field, const std::string& message) {
  return error(errc::invalid_definition, message, field);
}

// Reads and parses one JSON file; the error names the file.
expected<json::value> read_json(const fs::path& path) {
  const std::string file = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad(file, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  json::error_code ec;
  json::value v = parse_json(text.str(), ec);
  if (ec) return bad(file, "not valid JSON: " + ec.message());
  if (!v.is_array()) return bad(file, "must be an array");
  return v;
}

// An optional string member: absent or null is empty.
std::optional<std::string> optional_string(const json::object& o, const char* key, const std::string& at,
                                           std::optional<error>& err) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) err = bad(at + "." + key, "must be a string");
  return v->is_string() ? std::optional<std::string>(std::string(v->get_string())) : std::nullopt;
}

// The members every entry has: "date" (a day inside [first, last]) and a boolean `bool_key`.
struct entry_head {
  local_day day;
  bool flag = false;
};

expected<entry_head> read_head(const json::value& v, const std::string& at, const char* bool_key, int first,
                               int last) {
  if (!v.is_object()) return bad(at, "must be an object");
  const json::object& o = v.get_object();
  const json::value* text = o.if_contains("date");
  if (text == nullptr || !text->is_string()) return bad(at + ".date", "must be a string");
  auto day = parse_day(std::string_view(text->get_string()));
  if (!day) return bad(at + ".date", day.error().message());
  int year = static_cast<int>(date::year_month_day{*day}.year());
  if (year < first || year > last) {
    std::string where = first == last ? "in " + std::to_string(first)
                                      : "inside " + std::to_string(first) + ".." + std::to_string(last);
    return bad(at + ".date", format_day(*day) + " is not " + where);
  }
  const json::value* flag = o.if_contains(bool_key);
  if (flag == nullptr || !flag->is_bool()) return bad(at + "." + bool_key, "must be true or false");
  return entry_head{*day, flag->get_bool()};
}

bool monday_to_friday(local_day d) {
  date::weekday wd{d};
  return wd != date::Saturday && wd != date::Sunday;
}

// Appends the entries of one YEAR.json to `days`.
std::optional<error> read_year(const fs::path& path, int year, std::vector<calendar_day>& days) {
  auto doc = read_json(path);
  if (!doc) return std::move(doc).error();
  std::map<local_day, std::size_t> seen;
  const json::array& entries = doc->get_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string at = path.filename().string() + ": [" + std::to_string(i) + "]";
    auto head = read_head(entries[i], at, "holiday", year, year);
    if (!head) return std::move(head).error();
    if (auto [it, fresh] = seen.emplace(head->day, i); !fresh) {
      return bad(at + ".date",
                 format_day(head->day) + " is listed twice (first at [" + std::to_string(it->second) + "])");
    }
    std::optional<error> err;
    auto name = optional_string(entries[i].get_object(), "name", at, err);
    auto category = optional_string(entries[i].get_object(), "holidayCategory", at, err);
    if (err) return err;
    bool working = !head->flag && (monday_to_friday(head->day) || category == make_up_working_day);
    std::string label = name && !name->empty() ? *name : category.value_or("");  // "補行上班日", "補假"
    days.push_back(calendar_day{head->day, working, std::move(label)});
  }
  return std::nullopt;
}

// Applies overrides.json: each entry replaces (or adds) the published entry for its date.
std::optional<error> apply_overrides(const fs::path& path, int first, int last,
                                     std::vector<calendar_day>& days) {
  auto doc = read_json(path);
  if (!doc) return std::move(doc).error();
  const json::array& entries = doc->get_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string at = "overrides.json: [" + std::to_string(i) + "]";
    auto head = read_head(entries[i], at, "working", first, last);
    if (!head) return std::move(head).error();
    std::optional<error> err;
    auto name = optional_string(entries[i].get_object(), "name", at, err);
    auto note = optional_string(entries[i].get_object(), "note", at, err);
    if (err) return err;
    if (!note || note->empty()) return bad(at + ".note", "required: say why the published day is wrong");
    auto it = std::find_if(days.begin(), days.end(), [&](const auto& d) { return d.day == head->day; });
    if (it == days.end()) it = days.insert(days.end(), calendar_day{head->day, false, ""});
    it->working = head->flag;
    if (name) it->name = *name;
  }
  return std::nullopt;
}

// The YEAR.json files of `dir`, by year.
expected<std::map<int, fs::path>> list_years(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return error(errc::not_found, "no such directory", dir);
  std::map<int, fs::path> years;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    bool year_file = name.size() == 9 && name.compare(4, 5, ".json") == 0 &&
                     std::all_of(name.begin(), name.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    if (year_file) years.emplace(std::stoi(name.substr(0, 4)), entry.path());
  }
  if (ec) return error(errc::not_found, "cannot list: " + ec.message(), dir);
  if (years.empty()) return error(errc::not_found, "holds no YEAR.json file", dir);
  return years;
}

}  // namespace

expected<business_calendar> load_calendar(const std::string& dir, calendar_options options) {
  auto years = list_years(dir);
  if (!years) return std::move(years).error();
  const int first = years->begin()->first;
  const int last = years->rbegin()->first;
  std::vector<calendar_day> days;
  for (int y = first; y <= last; ++y) {
    auto it = years->find(y);
    if (it == years->end()) {
      return bad(std::to_string(y) + ".json", "missing: the coverage " + std::to_string(first) + ".." +
                                                  std::to_string(last) + " needs one file per year");
    }
    if (auto err = read_year(it->second, y, days)) return std::move(*err);
  }
  const fs::path overrides = fs::path(dir) / "overrides.json";
  if (fs::exists(overrides)) {
    if (auto err = apply_overrides(overrides, first, last, days)) return std::move(*err);
  }
  return business_calendar::make(std::move(options), std::move(days), first, last);
}

}  // namespace casework
