#include <set>

#include "definition_internal.hpp"
#include "json_reader.hpp"

namespace casework {
namespace detail {
namespace {

class validator {
 public:
  explicit validator(const definition& d) : d_(d), r_(d.source) {
    for (const auto& s : d.states) {
      if (!states_.insert(s.name).second) r_.fail("states." + s.name, "duplicate state");
    }
    for (std::size_t i = 0; i < d.deadlines.size(); ++i) {
      if (!deadlines_.insert(d.deadlines[i].name).second)
        r_.fail(json_reader::index("deadlines", i) + ".name", "duplicate deadline '" + d.deadlines[i].name + "'");
    }
  }

  void run() {
    if (!states_.count(d_.initial)) r_.fail("initial", "'" + d_.initial + "' names no state");
    if (!d_.find_command("create")) r_.fail("commands", "a definition needs a \"create\" command");
    for (const auto& s : d_.states) check_actions(s.on_enter, "states." + s.name + ".on_enter");
    for (const auto& c : d_.commands) check_command(c);
    for (std::size_t i = 0; i < d_.deadlines.size(); ++i) check_deadline(d_.deadlines[i], json_reader::index("deadlines", i));
    std::set<std::string> timers;
    for (std::size_t i = 0; i < d_.timers.size(); ++i) {
      auto p = json_reader::index("timers", i);
      const auto& t = d_.timers[i];
      if (!timers.insert(t.name).second) r_.fail(p + ".name", "duplicate timer '" + t.name + "'");
      for (const auto& s : t.while_in) state(s, p + ".while");
      check_condition(t.when, p + ".when");
      if (t.at) check_time(*t.at, p + ".at");
      if (t.daily_at) anchor(t.every_from, p + ".every.from");
      check_actions(t.actions, p + ".actions");
    }
  }

 private:
  void state(const std::string& s, const std::string& path) const {
    if (!states_.count(s)) r_.fail(path, "'" + s + "' names no state");
  }

  void anchor(const std::string& a, const std::string& path) const {
    if (a == "created" || a == "now") return;
    if (a.rfind("entered:", 0) == 0) return state(a.substr(8), path);
    if (a.rfind("deadline:", 0) == 0) {
      if (!deadlines_.count(a.substr(9))) r_.fail(path, "'" + a + "' names no deadline");
      return;
    }
    if (a.rfind("field:", 0) == 0 && a.size() > 6) return;
    r_.fail(path, "'" + a + "' is not an anchor (created, now, entered:<state>, deadline:<name>, field:<path>)");
  }

  void check_time(const time_expr& t, const std::string& path) const {
    for (const auto& a : t.from) anchor(a, path + ".from");
  }

  void check_condition(const condition& c, const std::string& path) const {
    for (std::size_t i = 0; i < c.children.size(); ++i) check_condition(c.children[i], json_reader::index(path, i));
    if (c.k == condition::kind::in_state)
      for (const auto& s : c.names) state(s, path + ".state");
    if (c.time) check_time(*c.time, path);
  }

  void check_command(const command_def& c) {
    std::string p = "commands." + c.name;
    if (c.roles.empty()) r_.fail(p + ".roles", "names no role");
    for (const auto& role : c.roles)
      if (!known_role(role)) r_.fail(p + ".roles", "'" + role + "' is not a role");
    if (c.name != "create" && c.from.empty()) r_.fail(p + ".from", "names no state");
    for (const auto& s : c.from) state(s, p + ".from");
    for (std::size_t i = 0; i < c.targets.size(); ++i) {
      state(c.targets[i].to, json_reader::index(p + ".to", i) + ".to");
      check_condition(c.targets[i].when, json_reader::index(p + ".to", i) + ".when");
    }
    std::set<std::string> paths;
    for (const auto& f : c.fields)
      if (f.min && f.max && *f.min > *f.max) r_.fail(p + ".fields." + f.path, "min is greater than max");
    for (const auto& f : c.fields) paths.insert(f.path);
    for (std::size_t i = 0; i < c.one_of.size(); ++i)
      for (const auto& f : c.one_of[i].fields)
        if (!paths.count(f)) r_.fail(json_reader::index(p + ".one_of", i), "'" + f + "' is not a field of the command");
    for (std::size_t i = 0; i < c.guards.size(); ++i) check_condition(c.guards[i].test, json_reader::index(p + ".guards", i));
    check_actions(c.actions, p + ".actions");
  }

  void check_deadline(const deadline_def& d, const std::string& path) const {
    if (d.set_on != "create") state(d.set_on.substr(6), path + ".set_on");
    check_condition(d.when, path + ".when");
    check_time(d.at, path + ".at");
    for (const auto& s : d.met_by) state(s, path + ".met_by");
  }

  void check_actions(const std::vector<action>& as, const std::string& path) const {
    for (std::size_t i = 0; i < as.size(); ++i) {
      auto p = json_reader::index(path, i);
      const auto& a = as[i];
      check_condition(a.when, p + ".when");
      if (a.k == action::kind::transition) state(a.to_state, p + ".transition");
      if (a.k == action::kind::notify) {
        for (const auto& role : a.notify.roles)
          if (!known_role(role)) r_.fail(p + ".notify.roles", "'" + role + "' is not a role");
        for (const auto& ch : a.notify.channels)
          if (!known_channel(ch)) r_.fail(p + ".notify.channels", "'" + ch + "' is not a channel");
        if (a.notify.channels.empty()) r_.fail(p + ".notify.channels", "names no channel");
      }
    }
  }

  const definition& d_;
  json_reader r_;
  std::set<std::string> states_;
  std::set<std::string> deadlines_;
};

}  // namespace

bool known_role(std::string_view role) {
  static const char* roles[] = {"supervisor", "duty_officer", "handler", "intake_clerk", "emergency_contact",
                                "dispatch_manager", "dispatch_operator", "liaison", "call_taker", "assigned_handler",
                                "citizen", "auditor", "system"};
  for (auto r : roles)
    if (role == r) return true;
  return false;
}

bool known_channel(std::string_view channel) {
  static const char* channels[] = {"sms", "email", "emessage", "phone", "callback"};
  for (auto c : channels)
    if (channel == c) return true;
  return false;
}

status validate_definition(const definition& d) {
  try {
    validator(d).run();
    return {};
  } catch (const parse_failure& f) {
    return f.err;
  }
}

}  // namespace detail

namespace {
template <class T>
const T* find_named(const std::vector<T>& v, std::string_view n) {
  for (const auto& x : v)
    if (x.name == n) return &x;
  return nullptr;
}
}  // namespace

const state_def* definition::find_state(std::string_view n) const { return find_named(states, n); }
const command_def* definition::find_command(std::string_view n) const { return find_named(commands, n); }
const deadline_def* definition::find_deadline(std::string_view n) const { return find_named(deadlines, n); }
const timer_def* definition::find_timer(std::string_view n) const { return find_named(timers, n); }

status definition_set::add(std::shared_ptr<const definition> d) {
  auto& versions = by_name_[d->name];
  if (versions.count(d->version))
    return error(errc::already_exists, "version " + std::to_string(d->version) + " is already loaded",
                 d->source + ": version");
  versions.emplace(d->version, std::move(d));
  return {};
}

std::shared_ptr<const definition> definition_set::find(std::string_view name, int version) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  auto v = it->second.find(version);
  return v == it->second.end() ? nullptr : v->second;
}

std::shared_ptr<const definition> definition_set::latest(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second.empty()) return nullptr;
  return it->second.rbegin()->second;
}

std::vector<std::string> definition_set::names() const {
  std::vector<std::string> out;
  for (const auto& kv : by_name_) out.push_back(kv.first);
  return out;
}

}  // namespace casework
