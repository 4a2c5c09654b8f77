// casework/directory.hpp: the agency directory (R2, R4.4): agencies, their units and people with roles and
// contact channels. Notifications are addressed to roles and resolved through the directory.
//
// Roles: "supervisor", "duty_officer", "handler", "intake_clerk", "emergency_contact", "dispatch_manager",
// "dispatch_operator", "liaison", "call_taker". Channels: "sms", "email", "emessage", "phone".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "casework/error.hpp"

namespace casework {

struct person {
  std::string id;                                  // stable id, e.g. "pwd-do-1"; the only thing events record
  std::string name;
  std::string unit;                                // unit id inside the agency
  std::vector<std::string> roles;
  std::map<std::string, std::string> channels;     // channel -> address (phone number, e-mail, e-message id)

  bool has_role(std::string_view role) const;
};

struct unit {
  std::string id;
  std::string name;
  std::string kind;   // "liaison_window", "dispatch_window", "intake", "field" or empty
};

struct agency {
  std::string id;                // e.g. "pwd-parks-lights"
  std::string name_zh;
  std::string name_en;
  std::string parent;            // parent agency id, or empty (forwarding to a subordinate agency, R5.2)
  bool dispatch = false;         // executes dispatch work orders (R2.2 applies)
  std::vector<unit> units;
  std::vector<person> people;
};

class directory {
 public:
  // Parses and validates a directory document. Validation enforces R2.1 (every agency's liaison window has
  // at least one supervisor), R2.2 (every dispatch agency's dispatch window has exactly one
  // dispatch_manager and at least one dispatch_operator) and R4.4 (at least 4 emergency contacts), plus
  // unique ids, known roles and channels; errors name the file, field and rule.
  static expected<directory> from_json(const boost::json::value& doc, std::string_view source);

  int version() const { return version_; }
  const std::vector<agency>& agencies() const { return agencies_; }
  const agency* find(std::string_view agency_id) const;   // nullptr when absent
  const person* find_person(std::string_view person_id) const;
  // People of `agency_id` holding `role`, in directory order (empty when none).
  std::vector<const person*> resolve(std::string_view agency_id, std::string_view role) const;

 private:
  int version_ = 0;
  std::vector<agency> agencies_;
};

}  // namespace casework
