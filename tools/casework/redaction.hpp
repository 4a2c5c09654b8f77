// Redaction of personal data (R9.2) in what the casework command line prints.
//
// The personal paths come from the workflow definitions: every field spec marked "personal": true, of every
// command (create included) of every loaded definition ("reporter.name", "location.address"). A command that
// appends its input to a list field ("append_to": "additional_reports") also makes the paths under that list
// personal ("additional_reports.reporter.name"). Arrays are transparent: a list element is matched at the
// list's own path.
//
// A value is redacted wherever its dotted path ENDS with a personal path at a segment boundary. In an event
// the paths start inside each data member (the members themselves, like "name" or "kind", are the event's
// own), so the same set covers a command's input ("input" -> "reporter.name"), fields set or copied into a
// linked case ("fields" -> "reporter.phone") and, in a folded state, the case's fields.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/case.hpp"
#include "casework/definition.hpp"

namespace casework::cli {

inline constexpr const char* redacted_text = "[redacted]";

class redactor {
 public:
  // Collects the personal paths of every version of every workflow in `defs`.
  explicit redactor(const definition_set& defs);
  explicit redactor(std::set<std::string> personal_paths) : paths_(std::move(personal_paths)) {}

  const std::set<std::string>& paths() const { return paths_; }
  // True when `path` ends with a personal path at a segment boundary.
  bool personal(std::string_view path) const;

  // Replaces every personal value in `o` (in place) with "[redacted]".
  void redact(boost::json::object& o) const;
  // An event with the contents of its data members redacted.
  event redact(event e) const;
  // to_json(state) with the case's fields redacted.
  boost::json::object redacted_json(const case_state& s) const;

 private:
  void walk(boost::json::value& v, const std::string& path) const;
  std::set<std::string> paths_;
};

}  // namespace casework::cli
