// casework/definition.hpp: a workflow definition as data (the parsed form of workflows/definitions/*.json).
//
// A definition names its states, the commands that move a case between them (who may issue them, from which
// states, which fields they take, which guards and rules apply), the deadlines a case carries, the timers
// that fire from them, and the actions (notify, transition, set fields, open a linked case) that commands,
// timers and state entries run. The JSON format is documented in docs/workflow-format.md.
//
// Definitions are immutable values. A case pins the (name, version) it was created under; definition_set
// keeps every loaded version so open cases keep their rules when a new version is deployed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "casework/error.hpp"
#include "casework/item_table.hpp"
#include "casework/time.hpp"

namespace casework {

// When an instant is: an anchor, plus an optional amount, then an optional alignment.
struct time_expr {
  // Anchors tried in order; the first that exists wins ("field:received_at", "created").
  // Forms: "created", "now", "entered:<state>", "deadline:<name>", "field:<path>" (instant or date field).
  std::vector<std::string> from;
  enum class plus_kind { none, wall, item_limit, working_days, days_field };
  plus_kind plus = plus_kind::none;
  iso_duration wall;           // plus_kind::wall
  std::string item_limit;      // plus_kind::item_limit: "stage_one" or "stage_two"
  int working_days = 0;        // plus_kind::working_days
  std::string days_field;      // plus_kind::days_field: an integer field holding a number of days
  enum class align_kind { none, next_time, day_of_month_end, same_day_time, start_of_day, end_of_day };
  align_kind align = align_kind::none;
  std::vector<time_of_day> times;   // next_time (any of), same_day_time (first)
  bool working_days_only = false;   // next_time
  int day_of_month = 0;             // day_of_month_end
};

// A boolean condition over a case (and, in guards, the command's input merged in).
struct condition {
  enum class kind { always, all, any, negate, in_state, stage, item_has, field_equals, field_in,
                    field_set, now_before, now_after };
  kind k = kind::always;
  std::vector<condition> children;     // all, any, negate (one child)
  std::vector<std::string> names;      // in_state: states; item_has: "stage_two"
  std::string field;                   // field_* conditions: dotted path
  std::vector<boost::json::value> values;  // field_equals (one), field_in (several)
  int stage = 0;
  std::shared_ptr<time_expr> time;     // now_before, now_after
};

struct notify_action {
  std::string kind;                       // e.g. "sign-reminder"
  std::vector<std::string> roles;         // directory roles, or "citizen"
  std::vector<std::string> channels;      // "sms", "email", "emessage", "phone"; for citizens "sms"/"callback"
  std::string agency;                     // directory agency to resolve roles in; empty: the case's agency
};

struct open_case_action {
  std::string workflow;                   // workflow of the linked case
  std::string relation;                   // e.g. "released-to-petition"
  std::vector<std::string> copy;          // field paths copied from this case
  std::string agency_field;               // field holding the new case's agency; empty: this case's agency
  boost::json::object fields;             // fixed fields of the new case (e.g. {"kind": "forward_outside"})
};

struct action {
  enum class kind { notify, transition, set, open_case, set_agency };
  kind k = kind::notify;
  condition when;                         // the action runs only when this holds (after the transition)
  notify_action notify;
  std::string to_state;                   // transition
  boost::json::object set;                // set: path -> value; "$actor", "$now", "$field:<path>" substituted
  open_case_action open_case;
  std::string agency_field;               // set_agency: the field naming the new agency
  std::string rule;
};

struct field_spec {
  std::string path;                        // dotted path, e.g. "reporter.phone"
  enum class type { string, text, integer, number, boolean, date, instant, case_id, object_list };
  type t = type::string;
  bool required = false;
  bool personal = false;                   // personal data: never logged, redacted in exports (R9.2)
  std::vector<std::string> allowed;        // enum values for strings
  std::optional<double> min, max;          // integers and numbers
  std::size_t max_length = 200;            // strings (bytes); text defaults to 4000
  std::string rule;                        // rule cited when this field is wrong
};

struct one_of_spec {
  std::vector<std::string> fields;         // at least one must be present
  std::string rule;
};

struct guard {
  condition test;                          // must hold, else the command is refused
  std::string rule;                        // cited in the error (errc::rule_violation)
  std::string field;                       // the field the error names, if one is to blame
  std::string message;
};

struct target {
  condition when;
  std::string to;                          // state entered when `when` holds (first match wins)
};

struct command_def {
  std::string name;
  std::vector<std::string> roles;          // who may issue it ("system" for the engine itself)
  std::vector<std::string> from;           // states it is allowed in
  std::vector<target> targets;             // empty: the state does not change
  std::vector<field_spec> fields;
  std::vector<one_of_spec> one_of;
  std::vector<guard> guards;
  std::vector<action> actions;
  std::string append_to;                   // non-empty: the input is appended to this list field
  std::string rule;
};

struct state_def {
  std::string name;
  int stage = 0;                           // 0: no stage; -1: keeps the stage it had (overdue)
  bool terminal = false;
  std::vector<action> on_enter;
};

struct deadline_def {
  std::string name;
  std::string set_on;                      // "create" or "enter:<state>"
  condition when;                          // the deadline applies only when this holds
  time_expr at;
  std::vector<std::string> met_by;         // entering one of these states meets it (default: terminal states)
  std::string rule;
};

struct timer_def {
  std::string name;
  std::vector<std::string> while_in;       // pending only while the case is in one of these states
  condition when;
  std::optional<time_expr> at;             // one-shot: fires once per due instant
  std::optional<time_of_day> daily_at;     // recurring: every day at this local time ...
  std::string every_from;                  // ... after this anchor (e.g. "entered:overdue")
  std::vector<action> actions;
  std::string rule;
};

class definition {
 public:
  // Parses and validates a definition document. `source` names it in errors ("dispatch.json: ...").
  static expected<definition> from_json(const boost::json::value& doc, std::string_view source);

  std::string name;
  int version = 0;
  std::string title;
  std::string id_prefix;                   // case id prefix: "" for dispatch, "UN" for petitions
  bool uses_items = false;                 // the case's item comes from the item table (dispatch)
  std::string initial;
  std::vector<state_def> states;
  std::vector<command_def> commands;       // includes "create"
  std::vector<deadline_def> deadlines;
  std::vector<timer_def> timers;
  std::string source;

  const state_def* find_state(std::string_view n) const;
  const command_def* find_command(std::string_view n) const;
  const deadline_def* find_deadline(std::string_view n) const;
  const timer_def* find_timer(std::string_view n) const;
};

// Every loaded version of every workflow.
class definition_set {
 public:
  // Adds a definition. Error already_exists when the same name and version is present.
  status add(std::shared_ptr<const definition> d);
  std::shared_ptr<const definition> find(std::string_view name, int version) const;
  std::shared_ptr<const definition> latest(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::map<int, std::shared_ptr<const definition>>, std::less<>> by_name_;
};

}  // namespace casework
