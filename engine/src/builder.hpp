// Private: accumulates the events of one decision, folding each into a working copy of the case so that
// later steps (targets, deadlines, actions) see the state the earlier events made.
#pragma once

#include <string>
#include <vector>

#include "evaluation.hpp"

namespace casework::detail {

class builder {
 public:
  builder(const definition& def, const context& ctx, case_state s, instant now, std::string actor)
      : def_(def), ctx_(ctx), s_(std::move(s)), now_(now), actor_(std::move(actor)) {}

  const case_state& state() const { return s_; }
  env environment() const { return env{def_, ctx_, s_, now_}; }
  instant now() const { return now_; }

  // Appends an event (seq and time filled in) and folds it into the working state.
  void emit(std::string type, boost::json::object data, const std::string& rule = {});

  // Sets the deadlines whose set_on is `trigger` ("create" or "enter:<state>").
  void set_deadlines(const std::string& trigger);
  // Enters `to`: state_changed, the deadlines set on entry, the state's on_enter actions.
  status enter(const std::string& to, const std::string& cause, const std::string& rule);
  // Runs actions whose `when` holds. `due` is the instant notifications are due at.
  status run(const std::vector<action>& actions, instant due, const std::string& cause);

  std::vector<event> take() { return std::move(events_); }
  // The events, and the working state they folded into `*after` when it is given.
  std::vector<event> take(case_state* after) {
    if (after) *after = std::move(s_);
    return take();
  }

 private:
  status notify(const action& a, instant due, const std::string& cause);
  status set_fields(const action& a);
  status open_case(const action& a);
  status set_agency(const action& a);

  const definition& def_;
  const context& ctx_;
  case_state s_;
  instant now_;
  std::string actor_;
  std::vector<event> events_;
};

}  // namespace casework::detail
