// casework/redaction.hpp: personal data (R9.2) redacted from what casework shows: the server's answers to roles
// that do not need it, and the auditors' command line (history, replay, export).
//
// The personal paths come from the workflow definitions: every field spec marked "personal": true, of every
// command (create included) of every version of every loaded definition ("reporter.name", "location.address").
// A command that appends its input to a list field ("append_to": "additional_reports") also makes the paths
// under that list personal ("additional_reports.reporter.name"). Arrays are transparent: a list element is
// matched at the list's own path.
//
// A value is redacted wherever its dotted path ENDS with a personal path at a segment boundary, so the same
// set covers a case's fields, a command's input ("input" -> "reporter.name") and fields set or copied into a
// linked case ("fields" -> "reporter.phone"). In an event the paths start inside each data member: the
// members themselves ("name", "kind", ...) are the event's own. A null value stays null: it discloses nothing,
// and shows that nothing was given.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/case.hpp"
#include "casework/definition.hpp"

namespace casework {

inline constexpr const char* redacted_text = "[redacted]";

class redactor {
 public:
  // Collects the personal paths of every version of every workflow in `defs`.
  explicit redactor(const definition_set& defs);
  explicit redactor(std::set<std::string> personal_paths) : paths_(std::move(personal_paths)) {}

  const std::set<std::string>& paths() const { return paths_; }
  // True when `path` ends with a personal path at a segment boundary.
  bool personal(std::string_view path) const;

  // Replaces every personal value under `fields` (its members are field paths) with "[redacted]", in place;
  // returns how many values were replaced.
  std::size_t redact_fields(boost::json::object& fields) const;
  // The same for an event's data, whose members are the event's own and hold field-like contents.
  std::size_t redact_event_data(boost::json::object& data) const;
  // An event with its data redacted.
  event redact(event e) const;
  // to_json(state) with the case's fields redacted.
  boost::json::object redacted_json(const case_state& s) const;

 private:
  std::size_t walk(boost::json::value& v, const std::string& path) const;
  std::size_t contents(boost::json::value& v) const;
  std::set<std::string> paths_;
};

}  // namespace casework
