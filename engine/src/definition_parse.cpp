// Parses a workflow definition document into casework::definition (format: docs/workflow-format.md).
// Cross-references (states, deadlines, anchors) are checked in definition_validate.cpp.
#include "casework/definition.hpp"

#include "definition_internal.hpp"
#include "json_reader.hpp"

namespace casework {
namespace {

using detail::json_reader;
namespace json = boost::json;

class parser {
 public:
  explicit parser(std::string_view source) : r_(std::string(source)) {}

  definition parse(const json::value& doc) {
    const auto& o = r_.object(doc, "(document)");
    r_.only(o, "", {"name", "version", "title", "id_prefix", "uses_items", "initial", "states", "commands",
                    "deadlines", "timers", "description"});
    definition d;
    d.source = r_.source();
    d.name = r_.string(r_.required(o, "", "name"), "name");
    auto v = r_.integer(r_.required(o, "", "version"), "version");
    if (v < 1) r_.fail("version", "must be 1 or more");
    d.version = static_cast<int>(v);
    if (auto* t = o.if_contains("title")) d.title = r_.string(*t, "title");
    if (auto* p = o.if_contains("id_prefix")) d.id_prefix = r_.string(*p, "id_prefix");
    if (auto* u = o.if_contains("uses_items")) d.uses_items = r_.boolean(*u, "uses_items");
    d.initial = r_.string(r_.required(o, "", "initial"), "initial");
    parse_states(r_.required(o, "", "states"), d);
    const auto& cmds = r_.object(r_.required(o, "", "commands"), "commands");
    for (const auto& kv : cmds) d.commands.push_back(parse_command(kv.key(), kv.value(), "commands." + std::string(kv.key())));
    if (auto* dl = o.if_contains("deadlines")) {
      const auto& a = r_.array(*dl, "deadlines");
      for (std::size_t i = 0; i < a.size(); ++i) d.deadlines.push_back(parse_deadline(a[i], json_reader::index("deadlines", i)));
    }
    if (auto* tm = o.if_contains("timers")) {
      const auto& a = r_.array(*tm, "timers");
      for (std::size_t i = 0; i < a.size(); ++i) d.timers.push_back(parse_timer(a[i], json_reader::index("timers", i)));
    }
    return d;
  }

  time_expr parse_time(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"from", "plus", "align"});
    time_expr t;
    t.from = r_.strings(r_.required(o, path, "from"), path + ".from");
    if (t.from.empty()) r_.fail(path + ".from", "names no anchor");
    if (auto* p = o.if_contains("plus")) parse_plus(*p, path + ".plus", t);
    if (auto* a = o.if_contains("align")) parse_align(*a, path + ".align", t);
    return t;
  }

  condition parse_condition(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    if (o.size() != 1 && !o.contains("field")) r_.fail(path, "a condition has exactly one operator");
    condition c;
    if (auto* x = o.if_contains("all")) return group(condition::kind::all, *x, path + ".all");
    if (auto* x = o.if_contains("any")) return group(condition::kind::any, *x, path + ".any");
    if (auto* x = o.if_contains("not")) {
      c.k = condition::kind::negate;
      c.children.push_back(parse_condition(*x, path + ".not"));
    } else if (auto* s = o.if_contains("state")) {
      c.k = condition::kind::in_state;
      c.names = r_.strings(*s, path + ".state");
    } else if (auto* st = o.if_contains("stage")) {
      c.k = condition::kind::stage;
      c.stage = static_cast<int>(r_.integer(*st, path + ".stage"));
    } else if (auto* ih = o.if_contains("item_has")) {
      c.k = condition::kind::item_has;
      c.names = {r_.string(*ih, path + ".item_has")};
      if (c.names[0] != "stage_two") r_.fail(path + ".item_has", "must be \"stage_two\"");
    } else if (auto* f = o.if_contains("field")) {
      parse_field_condition(o, *f, path, c);
    } else if (auto* fs = o.if_contains("field_set")) {
      c.k = condition::kind::field_set;
      c.field = r_.string(*fs, path + ".field_set");
    } else if (auto* nb = o.if_contains("now_before")) {
      c.k = condition::kind::now_before;
      c.time = std::make_shared<time_expr>(parse_time(*nb, path + ".now_before"));
    } else if (auto* na = o.if_contains("now_after")) {
      c.k = condition::kind::now_after;
      c.time = std::make_shared<time_expr>(parse_time(*na, path + ".now_after"));
    } else {
      r_.fail(path + "." + std::string(o.begin()->key()), "unknown condition");
    }
    return c;
  }

 private:
  condition group(condition::kind k, const json::value& v, const std::string& path) {
    condition c;
    c.k = k;
    const auto& a = r_.array(v, path);
    if (a.empty()) r_.fail(path, "must not be empty");
    for (std::size_t i = 0; i < a.size(); ++i) c.children.push_back(parse_condition(a[i], json_reader::index(path, i)));
    return c;
  }

  void parse_field_condition(const json::object& o, const json::value& f, const std::string& path, condition& c) {
    r_.only(o, path, {"field", "equals", "in"});
    c.field = r_.string(f, path + ".field");
    if (auto* eq = o.if_contains("equals")) {
      c.k = condition::kind::field_equals;
      c.values.push_back(*eq);
    } else if (auto* in = o.if_contains("in")) {
      c.k = condition::kind::field_in;
      for (const auto& x : r_.array(*in, path + ".in")) c.values.push_back(x);
    } else {
      r_.fail(path, "a field condition needs \"equals\" or \"in\"");
    }
  }

  void parse_plus(const json::value& v, const std::string& path, time_expr& t) {
    if (v.is_string()) {
      std::string s(v.get_string());
      if (s.rfind("item:", 0) == 0) {
        t.plus = time_expr::plus_kind::item_limit;
        t.item_limit = s.substr(5);
        if (t.item_limit != "stage_one" && t.item_limit != "stage_two")
          r_.fail(path, "'" + s + "': item limits are item:stage_one and item:stage_two");
        return;
      }
      auto d = parse_iso_duration(s);
      if (!d) r_.fail(path, d.error().message());
      t.plus = time_expr::plus_kind::wall;
      t.wall = *d;
      return;
    }
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"working_days", "days_field"});
    if (auto* wd = o.if_contains("working_days")) {
      t.plus = time_expr::plus_kind::working_days;
      t.working_days = static_cast<int>(r_.integer(*wd, path + ".working_days"));
      if (t.working_days < 1 || t.working_days > 365) r_.fail(path + ".working_days", "must be 1 to 365");
    } else if (auto* df = o.if_contains("days_field")) {
      t.plus = time_expr::plus_kind::days_field;
      t.days_field = r_.string(*df, path + ".days_field");
    } else {
      r_.fail(path, "needs \"working_days\" or \"days_field\"");
    }
  }

  void parse_align(const json::value& v, const std::string& path, time_expr& t) {
    if (v.is_string()) {
      auto s = r_.string(v, path);
      if (s == "start_of_day") t.align = time_expr::align_kind::start_of_day;
      else if (s == "end_of_day") t.align = time_expr::align_kind::end_of_day;
      else r_.fail(path, "'" + s + "': must be start_of_day, end_of_day or an object");
      return;
    }
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"next_time", "working_days", "day_of_month", "time"});
    if (auto* nt = o.if_contains("next_time")) {
      t.align = time_expr::align_kind::next_time;
      t.times = times(*nt, path + ".next_time");
      if (auto* wd = o.if_contains("working_days")) t.working_days_only = r_.boolean(*wd, path + ".working_days");
    } else if (auto* dm = o.if_contains("day_of_month")) {
      t.align = time_expr::align_kind::day_of_month_end;
      t.day_of_month = static_cast<int>(r_.integer(*dm, path + ".day_of_month"));
      if (t.day_of_month < 1 || t.day_of_month > 31) r_.fail(path + ".day_of_month", "must be 1 to 31");
    } else if (auto* tm = o.if_contains("time")) {
      t.align = time_expr::align_kind::same_day_time;
      t.times = times(*tm, path + ".time");
    } else {
      r_.fail(path, "needs \"next_time\", \"day_of_month\" or \"time\"");
    }
  }

  std::vector<time_of_day> times(const json::value& v, const std::string& path) {
    std::vector<time_of_day> out;
    for (const auto& s : r_.strings(v, path)) {
      auto t = parse_time_of_day(s);
      if (!t) r_.fail(path, t.error().message());
      out.push_back(*t);
    }
    if (out.empty()) r_.fail(path, "names no time");
    return out;
  }

  void parse_states(const json::value& v, definition& d) {
    const auto& o = r_.object(v, "states");
    for (const auto& kv : o) {
      std::string path = "states." + std::string(kv.key());
      const auto& so = r_.object(kv.value(), path);
      r_.only(so, path, {"stage", "terminal", "on_enter", "description"});
      state_def s;
      s.name = kv.key();
      if (auto* st = so.if_contains("stage")) {
        if (st->is_string() && st->get_string() == "keep") s.stage = -1;
        else s.stage = static_cast<int>(r_.integer(*st, path + ".stage"));
      }
      if (auto* t = so.if_contains("terminal")) s.terminal = r_.boolean(*t, path + ".terminal");
      if (auto* oe = so.if_contains("on_enter")) s.on_enter = actions(*oe, path + ".on_enter");
      d.states.push_back(std::move(s));
    }
  }

  command_def parse_command(std::string_view name, const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"roles", "from", "to", "fields", "one_of", "guards", "actions", "append_to", "rule",
                      "description"});
    command_def c;
    c.name = name;
    c.roles = r_.strings(r_.required(o, path, "roles"), path + ".roles");
    if (auto* f = o.if_contains("from")) c.from = r_.strings(*f, path + ".from");
    if (auto* t = o.if_contains("to")) c.targets = targets(*t, path + ".to");
    if (auto* f = o.if_contains("fields")) c.fields = fields(*f, path + ".fields");
    if (auto* oo = o.if_contains("one_of")) {
      const auto& a = r_.array(*oo, path + ".one_of");
      for (std::size_t i = 0; i < a.size(); ++i) {
        auto p = json_reader::index(path + ".one_of", i);
        const auto& e = r_.object(a[i], p);
        r_.only(e, p, {"fields", "rule"});
        one_of_spec s;
        s.fields = r_.strings(r_.required(e, p, "fields"), p + ".fields");
        if (auto* ru = e.if_contains("rule")) s.rule = r_.string(*ru, p + ".rule");
        c.one_of.push_back(std::move(s));
      }
    }
    if (auto* g = o.if_contains("guards")) {
      const auto& a = r_.array(*g, path + ".guards");
      for (std::size_t i = 0; i < a.size(); ++i) c.guards.push_back(parse_guard(a[i], json_reader::index(path + ".guards", i)));
    }
    if (auto* a = o.if_contains("actions")) c.actions = actions(*a, path + ".actions");
    if (auto* ap = o.if_contains("append_to")) c.append_to = r_.string(*ap, path + ".append_to");
    if (auto* ru = o.if_contains("rule")) c.rule = r_.string(*ru, path + ".rule");
    return c;
  }

  std::vector<target> targets(const json::value& v, const std::string& path) {
    std::vector<target> out;
    if (v.is_string()) {
      out.push_back({condition{}, std::string(v.get_string())});
      return out;
    }
    const auto& a = r_.array(v, path);
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto p = json_reader::index(path, i);
      const auto& o = r_.object(a[i], p);
      r_.only(o, p, {"when", "to"});
      target t;
      if (auto* w = o.if_contains("when")) t.when = parse_condition(*w, p + ".when");
      t.to = r_.string(r_.required(o, p, "to"), p + ".to");
      out.push_back(std::move(t));
    }
    return out;
  }

  guard parse_guard(const json::value& v, const std::string& path) {
    const auto& o = r_.object(v, path);
    r_.only(o, path, {"if", "rule", "message", "field"});
    guard g;
    if (auto* f = o.if_contains("field")) g.field = r_.string(*f, path + ".field");
    g.test = parse_condition(r_.required(o, path, "if"), path + ".if");
    if (auto* ru = o.if_contains("rule")) g.rule = r_.string(*ru, path + ".rule");
    g.message = r_.string(r_.required(o, path, "message"), path + ".message");
    return g;
  }

  std::vector<field_spec> fields(const json::value& v, const std::string& path);
  std::vector<action> actions(const json::value& v, const std::string& path);
  action parse_action(const json::value& v, const std::string& path);
  deadline_def parse_deadline(const json::value& v, const std::string& path);
  timer_def parse_timer(const json::value& v, const std::string& path);

  json_reader r_;
};

std::vector<field_spec> parser::fields(const json::value& v, const std::string& path) {
  std::vector<field_spec> out;
  for (const auto& kv : r_.object(v, path)) {
    std::string p = path + "." + std::string(kv.key());
    const auto& o = r_.object(kv.value(), p);
    r_.only(o, p, {"type", "required", "personal", "enum", "min", "max", "max_length", "rule", "description"});
    field_spec f;
    f.path = kv.key();
    auto type = o.contains("type") ? r_.string(o.at("type"), p + ".type") : std::string("string");
    static const std::pair<const char*, field_spec::type> types[] = {
        {"string", field_spec::type::string},   {"text", field_spec::type::text},
        {"integer", field_spec::type::integer}, {"number", field_spec::type::number},
        {"boolean", field_spec::type::boolean}, {"date", field_spec::type::date},
        {"instant", field_spec::type::instant}, {"case_id", field_spec::type::case_id},
        {"object_list", field_spec::type::object_list}};
    bool known = false;
    for (const auto& [n, t] : types)
      if (type == n) f.t = t, known = true;
    if (!known) r_.fail(p + ".type", "'" + type + "' is not a field type");
    if (f.t == field_spec::type::text) f.max_length = 4000;
    if (auto* x = o.if_contains("required")) f.required = r_.boolean(*x, p + ".required");
    if (auto* x = o.if_contains("personal")) f.personal = r_.boolean(*x, p + ".personal");
    if (auto* x = o.if_contains("enum")) f.allowed = r_.strings(*x, p + ".enum");
    if (auto* x = o.if_contains("min")) f.min = r_.number(*x, p + ".min");
    if (auto* x = o.if_contains("max")) f.max = r_.number(*x, p + ".max");
    if (auto* x = o.if_contains("max_length")) f.max_length = static_cast<std::size_t>(r_.integer(*x, p + ".max_length"));
    if (auto* x = o.if_contains("rule")) f.rule = r_.string(*x, p + ".rule");
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<action> parser::actions(const json::value& v, const std::string& path) {
  std::vector<action> out;
  const auto& a = r_.array(v, path);
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(parse_action(a[i], json_reader::index(path, i)));
  return out;
}

action parser::parse_action(const json::value& v, const std::string& path) {
  const auto& o = r_.object(v, path);
  r_.only(o, path, {"notify", "transition", "set", "open_case", "set_agency", "when", "rule"});
  action a;
  if (auto* w = o.if_contains("when")) a.when = parse_condition(*w, path + ".when");
  if (auto* ru = o.if_contains("rule")) a.rule = r_.string(*ru, path + ".rule");
  if (auto* n = o.if_contains("notify")) {
    std::string p = path + ".notify";
    const auto& no = r_.object(*n, p);
    r_.only(no, p, {"kind", "roles", "channels", "agency"});
    a.k = action::kind::notify;
    a.notify.kind = r_.string(r_.required(no, p, "kind"), p + ".kind");
    a.notify.roles = r_.strings(r_.required(no, p, "roles"), p + ".roles");
    a.notify.channels = r_.strings(r_.required(no, p, "channels"), p + ".channels");
    if (auto* ag = no.if_contains("agency")) a.notify.agency = r_.string(*ag, p + ".agency");
  } else if (auto* t = o.if_contains("transition")) {
    a.k = action::kind::transition;
    a.to_state = r_.string(*t, path + ".transition");
  } else if (auto* s = o.if_contains("set")) {
    a.k = action::kind::set;
    a.set = r_.object(*s, path + ".set");
  } else if (auto* oc = o.if_contains("open_case")) {
    std::string p = path + ".open_case";
    const auto& co = r_.object(*oc, p);
    r_.only(co, p, {"workflow", "relation", "copy", "agency_field", "fields"});
    a.k = action::kind::open_case;
    a.open_case.workflow = r_.string(r_.required(co, p, "workflow"), p + ".workflow");
    a.open_case.relation = r_.string(r_.required(co, p, "relation"), p + ".relation");
    if (auto* c = co.if_contains("copy")) a.open_case.copy = r_.strings(*c, p + ".copy");
    if (auto* af = co.if_contains("agency_field")) a.open_case.agency_field = r_.string(*af, p + ".agency_field");
    if (auto* f = co.if_contains("fields")) a.open_case.fields = r_.object(*f, p + ".fields");
  } else if (auto* sa = o.if_contains("set_agency")) {
    a.k = action::kind::set_agency;
    a.agency_field = r_.string(*sa, path + ".set_agency");
  } else {
    r_.fail(path, "an action needs one of notify, transition, set, open_case, set_agency");
  }
  return a;
}

deadline_def parser::parse_deadline(const json::value& v, const std::string& path) {
  const auto& o = r_.object(v, path);
  r_.only(o, path, {"name", "set_on", "when", "at", "met_by", "rule", "description"});
  deadline_def d;
  d.name = r_.string(r_.required(o, path, "name"), path + ".name");
  d.set_on = r_.string(r_.required(o, path, "set_on"), path + ".set_on");
  if (d.set_on != "create" && d.set_on.rfind("enter:", 0) != 0)
    r_.fail(path + ".set_on", "'" + d.set_on + "': must be \"create\" or \"enter:<state>\"");
  if (auto* w = o.if_contains("when")) d.when = parse_condition(*w, path + ".when");
  d.at = parse_time(r_.required(o, path, "at"), path + ".at");
  if (auto* m = o.if_contains("met_by")) d.met_by = r_.strings(*m, path + ".met_by");
  if (auto* ru = o.if_contains("rule")) d.rule = r_.string(*ru, path + ".rule");
  return d;
}

timer_def parser::parse_timer(const json::value& v, const std::string& path) {
  const auto& o = r_.object(v, path);
  r_.only(o, path, {"name", "while", "when", "at", "every", "actions", "rule", "description"});
  timer_def t;
  t.name = r_.string(r_.required(o, path, "name"), path + ".name");
  t.while_in = r_.strings(r_.required(o, path, "while"), path + ".while");
  if (auto* w = o.if_contains("when")) t.when = parse_condition(*w, path + ".when");
  if (auto* at = o.if_contains("at")) t.at = parse_time(*at, path + ".at");
  if (auto* ev = o.if_contains("every")) {
    std::string p = path + ".every";
    const auto& eo = r_.object(*ev, p);
    r_.only(eo, p, {"daily_at", "from"});
    auto tod = parse_time_of_day(r_.string(r_.required(eo, p, "daily_at"), p + ".daily_at"));
    if (!tod) r_.fail(p + ".daily_at", tod.error().message());
    t.daily_at = *tod;
    t.every_from = r_.string(r_.required(eo, p, "from"), p + ".from");
  }
  if (t.at.has_value() == t.daily_at.has_value()) r_.fail(path, "a timer needs exactly one of \"at\" and \"every\"");
  t.actions = actions(r_.required(o, path, "actions"), path + ".actions");
  if (auto* ru = o.if_contains("rule")) t.rule = r_.string(*ru, path + ".rule");
  return t;
}

}  // namespace

expected<definition> definition::from_json(const boost::json::value& doc, std::string_view source) {
  try {
    parser p(source);
    definition d = p.parse(doc);
    if (auto st = detail::validate_definition(d); !st) return st.error();
    return d;
  } catch (const detail::parse_failure& f) {
    return f.err;
  }
}

}  // namespace casework
