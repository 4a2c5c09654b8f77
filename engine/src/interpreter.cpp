// Commands: decide_create and decide (see interpreter.hpp).
#include "casework/interpreter.hpp"

#include <boost/json.hpp>

#include "builder.hpp"

namespace casework {
namespace json = boost::json;
using detail::builder;

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

status check_role(const command_def& c, const command& cmd) {
  if (contains(c.roles, cmd.role)) return {};
  return error(errc::permission_denied,
               "role '" + cmd.role + "' may not issue '" + c.name + "' (allowed: " + join(c.roles) + ")", "role",
               c.rule);
}

// Records the command (its input moved into the event: the callers pass a copy or give theirs up) and checks
// its guards against the state it would make.
status record_command(builder& b, const command_def& c, json::object input) {
  json::object data;
  data.reserve(c.append_to.empty() ? 2 : 3);
  data.emplace("name", c.name);
  data.emplace("input", std::move(input));
  if (!c.append_to.empty()) data["append_to"] = c.append_to;
  b.emit(event_type::command, std::move(data), c.rule);
  for (const auto& g : c.guards)
    if (!detail::eval_condition(g.test, b.environment())) return error(errc::rule_violation, g.message, g.field, g.rule);
  return {};
}

// Moves to the command's first matching target and runs its actions.
expected<std::vector<event>> finish_command(builder& b, const command_def& c, case_state* after = nullptr) {
  for (const auto& t : c.targets) {
    if (!detail::eval_condition(t.when, b.environment())) continue;
    // An explicit target is entered even when it is the current state: re-entry restarts the state's
    // deadlines (a petition forwarded to another agency is delivered anew, R5.2).
    if (auto st = b.enter(t.to, "command:" + c.name, c.rule); !st) return st.error();
    break;
  }
  if (auto st = b.run(c.actions, b.now(), "command:" + c.name); !st) return st.error();
  return b.take(after);
}

// decide_create with the command's input given apart: a copy of req.cmd.input, or req.cmd.input itself moved out.
expected<std::vector<event>> create_with(const definition& def, const context& ctx, const create_request& req,
                                         json::object&& input, instant now, case_state* after) {
  const command_def* c = def.find_command("create");
  if (!c) return error(errc::internal, "no create command", def.source);
  if (auto st = check_role(*c, req.cmd); !st) return st.error();
  if (auto st = detail::validate_input(*c, input); !st) return st.error();
  if (req.id.empty()) return error(errc::invalid_argument, "required", "id");
  std::string agency = req.agency;
  if (auto* a = find_path(input, "agency"); agency.empty() && a && a->is_string()) agency = a->get_string();
  if (def.uses_items) {
    const item* it = ctx.items.find(req.item);
    if (!it) return error(errc::invalid_argument, "'" + req.item + "' is not an item of the item table", "item", "R6.1");
    if (agency.empty()) agency = it->agency;
  }
  if (agency.empty()) return error(errc::invalid_argument, "required", "agency");
  if (!ctx.people.find(agency))
    return error(errc::invalid_argument, "'" + agency + "' is not an agency of the directory", "agency");

  builder b(def, ctx, case_state{}, now, req.cmd.actor());
  json::object created{{"id", req.id}, {"workflow", def.name}, {"version", def.version}, {"agency", agency}};
  if (def.uses_items) created["item"] = req.item;
  b.emit(event_type::created, std::move(created), c->rule);
  if (auto st = record_command(b, *c, std::move(input)); !st) return st.error();
  b.set_deadlines("create");  // after the input is recorded: deadlines may depend on fields (R3 kinds)
  // A new case enters the initial state whatever the create command's targets say, then runs its actions.
  if (auto st = b.enter(def.initial, "command:" + c->name, c->rule); !st) return st.error();
  if (auto st = b.run(c->actions, b.now(), "command:" + c->name); !st) return st.error();
  return b.take(after);
}

}  // namespace

expected<std::vector<event>> decide_create(const definition& def, const context& ctx, const create_request& req,
                                           instant now, case_state* after) {
  return create_with(def, ctx, req, json::object(req.cmd.input), now, after);
}

expected<std::vector<event>> decide_create(const definition& def, const context& ctx, create_request&& req,
                                           instant now, case_state* after) {
  json::object input = std::move(req.cmd.input);   // leaves req.cmd.input empty (Boost.JSON's move)
  return create_with(def, ctx, req, std::move(input), now, after);
}

// The command's definition, once the command is known, allowed in the case's state, for the actor's role, and
// its input valid.
expected<const command_def*> admit(const definition& def, const case_state& s, const command& cmd) {
  const command_def* c = def.find_command(cmd.name);
  if (!c || cmd.name == "create")
    return error(errc::not_found, "'" + cmd.name + "' is not a command of " + def.name + " v" +
                                      std::to_string(def.version), "command");
  // A terminal case takes only commands that name its state (e.g. the R6.14 audit result on a closed case).
  if (!contains(c->from, s.state))
    return error(errc::failed_precondition,
                 "'" + cmd.name + "' is not allowed in state '" + s.state + "' (allowed in: " + join(c->from) + ")",
                 "state", c->rule);
  if (auto st = check_role(*c, cmd); !st) return st.error();
  if (auto st = detail::validate_input(*c, cmd.input); !st) return st.error();
  return c;
}

expected<std::vector<event>> decide_admitted(const definition& def, const context& ctx, const command_def& c,
                                             case_state&& s, const command& cmd, instant now, case_state* after) {
  builder b(def, ctx, std::move(s), now, cmd.actor());
  if (auto st = record_command(b, c, json::object(cmd.input)); !st) return st.error();
  return finish_command(b, c, after);
}

expected<std::vector<event>> decide_admitted(const definition& def, const context& ctx, const command_def& c,
                                             case_state&& s, command&& cmd, instant now, case_state* after) {
  builder b(def, ctx, std::move(s), now, cmd.actor());
  if (auto st = record_command(b, c, std::move(cmd.input)); !st) return st.error();
  return finish_command(b, c, after);
}

expected<std::vector<event>> decide(const definition& def, const context& ctx, const case_state& s,
                                    const command& cmd, instant now, case_state* after) {
  auto c = admit(def, s, cmd);
  if (!c) return std::move(c).error();
  return decide_admitted(def, ctx, **c, case_state(s), cmd, now, after);   // the builder folds into a copy of `s`
}

expected<std::vector<event>> decide(const definition& def, const context& ctx, case_state&& s,
                                    const command& cmd, instant now, case_state* after) {
  auto c = admit(def, s, cmd);
  if (!c) return std::move(c).error();
  return decide_admitted(def, ctx, **c, std::move(s), cmd, now, after);
}

expected<std::vector<event>> decide(const definition& def, const context& ctx, case_state&& s, command&& cmd,
                                    instant now, case_state* after) {
  auto c = admit(def, s, cmd);
  if (!c) return std::move(c).error();
  return decide_admitted(def, ctx, **c, std::move(s), std::move(cmd), now, after);
}

std::vector<std::string> allowed_commands(const definition& def, const case_state& s, const std::string& role) {
  std::vector<std::string> out;
  for (const auto& c : def.commands)
    if (c.name != "create" && contains(c.from, s.state) && (role.empty() || contains(c.roles, role)))
      out.push_back(c.name);
  return out;
}

}  // namespace casework
