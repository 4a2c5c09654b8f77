// Redaction of personal data (R9.2) in what the server answers to roles that do not need it.
//
// The personal paths are the field specs marked "personal": true in every command of every loaded definition,
// plus the same paths under a command's append_to list ("additional_reports.reporter.name"); a value is
// redacted wherever its dotted path ends with a personal path at a segment boundary. This is the rule of the
// auditors' command line (tools/casework/redaction.hpp), kept here as a copy because that one is private to
// the tool; both should move to a shared library (docs/server.md, "What is not done").
#pragma once

#include <set>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "casework/definition.hpp"

namespace casework::server_detail {

inline constexpr const char* redacted_text = "[redacted]";

class redactor {
 public:
  explicit redactor(const definition_set& defs);
  bool personal(std::string_view path) const;
  // Replaces every personal value under `o` (its members are field paths) with "[redacted]"; returns the
  // number of values replaced.
  std::size_t redact_fields(boost::json::object& o) const;
  // An event's data: its members are the event's own ("name", "input"); what they contain is field-like.
  std::size_t redact_event_data(boost::json::object& data) const;

 private:
  std::size_t walk(boost::json::value& v, const std::string& path) const;
  std::set<std::string> paths_;
};

}  // namespace casework::server_detail
