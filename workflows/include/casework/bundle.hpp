// casework/bundle.hpp: loads a deployment's rules from files: workflow definitions, the item table, the
// agency directory and the business calendar. This is the only domain code that reads files.
//
//   auto b = casework::load_bundle(casework::bundle_paths::taipei("/usr/share/casework/workflows"));
//   if (!b) std::cerr << b.error().to_string();   // "invalid_definition: dispatch.json: timers[2].at.from: ..."
#pragma once

#include <memory>
#include <string>

#include "casework/calendar.hpp"
#include "casework/definition.hpp"
#include "casework/directory.hpp"
#include "casework/item_table.hpp"

namespace casework {

struct bundle_paths {
  std::string definitions_dir;   // every *.json in it is a workflow definition (several versions allowed)
  std::string items_file;        // item table
  std::string directory_file;    // agency directory
  std::string calendar_dir;      // YEAR.json files of the office calendar (+ overrides.json)
  calendar_options calendar;     // zone and office hours

  // The shipped Taipei deployment under `root` (the workflows/ folder of the source tree or of an install).
  static bundle_paths taipei(const std::string& root);
  // The shipped NYC example (another city's items and directory; same definitions, America/New_York).
  static bundle_paths nyc(const std::string& root);
};

struct bundle {
  definition_set definitions;
  item_table items;
  directory people;
  business_calendar calendar;
};

// Reads and validates everything; the first error names the file and the field.
expected<std::shared_ptr<bundle>> load_bundle(const bundle_paths& paths);

// Reads one JSON file; errors name the file (and the byte offset of a syntax error).
expected<boost::json::value> read_json_file(const std::string& path);

// Reads one definition file.
expected<definition> load_definition(const std::string& path);

}  // namespace casework
