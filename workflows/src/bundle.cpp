#include "casework/bundle.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "casework/calendar_loader.hpp"
#include "casework/json_text.hpp"

namespace casework {
namespace fs = std::filesystem;

bundle_paths bundle_paths::taipei(const std::string& root) {
  bundle_paths p;
  p.definitions_dir = root + "/definitions";
  p.items_file = root + "/taipei/items.json";
  p.directory_file = root + "/taipei/directory.json";
  p.calendar_dir = root + "/calendars/tw";
  return p;
}

bundle_paths bundle_paths::nyc(const std::string& root) {
  bundle_paths p = taipei(root);
  p.items_file = root + "/nyc/items.json";
  p.directory_file = root + "/nyc/directory.json";
  p.calendar_dir = root + "/calendars/us-federal";
  p.calendar.name = "us-federal";
  p.calendar.zone = "America/New_York";
  p.calendar.office_open = time_of_day{9 * 60};
  p.calendar.office_close = time_of_day{17 * 60};
  return p;
}

expected<boost::json::value> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(errc::not_found, "cannot be read", path);
  std::ostringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  boost::json::parse_options opt;
  opt.max_depth = 64;
  std::string s = text.str();
  std::size_t n = 0;
  auto doc = parse_json(s, ec, opt, {}, &n);
  if (ec)
    return error(errc::invalid_definition, "not valid JSON at byte " + std::to_string(n) + ": " + ec.message(),
                 fs::path(path).filename().string());
  return doc;
}

expected<definition> load_definition(const std::string& path) {
  auto doc = read_json_file(path);
  if (!doc) return std::move(doc).error();
  return definition::from_json(*doc, fs::path(path).filename().string());
}

namespace {

expected<std::vector<std::string>> json_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return error(errc::not_found, "is not a directory", dir);
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  if (out.empty()) return error(errc::not_found, "holds no workflow definition (*.json)", dir);
  return out;
}

}  // namespace

expected<std::shared_ptr<bundle>> load_bundle(const bundle_paths& paths) {
  auto files = json_files(paths.definitions_dir);
  if (!files) return std::move(files).error();
  definition_set defs;
  for (const auto& f : *files) {
    auto d = load_definition(f);
    if (!d) return std::move(d).error();
    if (auto st = defs.add(std::make_shared<const definition>(std::move(*d))); !st) return st.error();
  }
  auto items_doc = read_json_file(paths.items_file);
  if (!items_doc) return std::move(items_doc).error();
  auto items = item_table::from_json(*items_doc, fs::path(paths.items_file).filename().string());
  if (!items) return std::move(items).error();
  auto dir_doc = read_json_file(paths.directory_file);
  if (!dir_doc) return std::move(dir_doc).error();
  auto people = directory::from_json(*dir_doc, fs::path(paths.directory_file).filename().string());
  if (!people) return std::move(people).error();
  for (const auto& it : items->items()) {
    if (!people->find(it.agency))
      return error(errc::invalid_definition, "agency '" + it.agency + "' of item '" + it.code +
                                                 "' is not in " + fs::path(paths.directory_file).filename().string(),
                   fs::path(paths.items_file).filename().string() + ": " + it.code + ".agency", "R6.1");
    if (!defs.latest(it.workflow))
      return error(errc::invalid_definition, "workflow '" + it.workflow + "' is not defined",
                   fs::path(paths.items_file).filename().string() + ": " + it.code + ".workflow", "R6.1");
  }
  auto cal = load_calendar(paths.calendar_dir, paths.calendar);
  if (!cal) return std::move(cal).error();
  return std::make_shared<bundle>(bundle{std::move(defs), std::move(*items), std::move(*people), std::move(*cal)});
}

}  // namespace casework
