// Redaction of personal data (see redaction.hpp).
#include "redaction.hpp"

#include <boost/json.hpp>

namespace casework::cli {
namespace json = boost::json;

redactor::redactor(const definition_set& defs) {
  for (const auto& name : defs.names()) {
    auto latest = defs.latest(name);
    for (int version = 1; latest && version <= latest->version; ++version) {  // every loaded version
      auto d = defs.find(name, version);
      if (!d) continue;
      for (const auto& c : d->commands)
        for (const auto& f : c.fields) {
          if (!f.personal) continue;
          paths_.insert(f.path);
          if (!c.append_to.empty()) paths_.insert(c.append_to + "." + f.path);
        }
    }
  }
}

bool redactor::personal(std::string_view path) const {
  while (true) {
    if (paths_.count(std::string(path))) return true;
    auto dot = path.find('.');
    if (dot == std::string_view::npos) return false;
    path.remove_prefix(dot + 1);
  }
}

void redactor::walk(json::value& v, const std::string& path) const {
  if (!path.empty() && personal(path)) {
    v = json::string(redacted_text);
    return;
  }
  if (v.is_object()) {
    for (auto& kv : v.get_object())
      walk(kv.value(), path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()));
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) walk(x, path);  // list elements are matched at the list's path
  }
}

void redactor::redact(json::object& o) const {
  for (auto& kv : o) walk(kv.value(), std::string(kv.key()));
}

namespace {
// An event's data members are the event's own (name, kind, ...); what they contain is field-like.
void redact_contents(const redactor& r, json::value& v) {
  if (v.is_object())
    r.redact(v.get_object());
  else if (v.is_array())
    for (auto& x : v.get_array()) redact_contents(r, x);
}
}  // namespace

event redactor::redact(event e) const {
  for (auto& kv : e.data) redact_contents(*this, kv.value());
  return e;
}

json::object redactor::redacted_json(const case_state& s) const {
  auto o = to_json(s);
  if (auto* f = o.if_contains("fields"); f && f->is_object()) redact(f->get_object());
  return o;
}

}  // namespace casework::cli
