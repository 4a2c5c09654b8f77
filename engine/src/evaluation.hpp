// Private: evaluating time expressions and conditions against a case.
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "casework/interpreter.hpp"

namespace casework::detail {

struct env {
  const definition& def;
  const context& ctx;
  const case_state& s;
  instant now;
};

// The instant an anchor names ("created", "entered:signed", "deadline:stage-one", "field:activity_date"),
// or nullopt when it does not exist yet for this case.
std::optional<instant> resolve_anchor(const std::string& anchor, const env& e);

// Evaluates `t`; nullopt when no anchor exists or the item has no such limit. When `basis` is given it
// receives a human explanation ("created 2026-03-02T09:10:00+08:00 + PT24H (item stage_one)").
std::optional<instant> eval_time(const time_expr& t, const env& e, std::string* basis = nullptr);

bool eval_condition(const condition& c, const env& e);

// Validates a command's input against its field specs (types, enums, ranges, lengths, required fields,
// one-of groups, unknown fields). Errors are invalid_argument naming the field path and rule.
status validate_input(const command_def& c, const boost::json::object& input);

}  // namespace casework::detail
