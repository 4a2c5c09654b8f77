// Redaction of personal data (see redaction.hpp).
#include "casework/redaction.hpp"

#include <boost/json.hpp>

namespace casework {
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

std::size_t redactor::walk(json::value& v, const std::string& path) const {
  if (!path.empty() && personal(path)) {
    if (v.is_null()) return 0;
    v = json::string(redacted_text);
    return 1;
  }
  std::size_t n = 0;
  if (v.is_object()) {
    for (auto& kv : v.get_object())
      n += walk(kv.value(), path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()));
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) n += walk(x, path);  // list elements are matched at the list's path
  }
  return n;
}

std::size_t redactor::redact_fields(json::object& fields) const {
  std::size_t n = 0;
  for (auto& kv : fields) n += walk(kv.value(), std::string(kv.key()));
  return n;
}

// A data member's contents: an object of field paths, or a list of them (at any depth).
std::size_t redactor::contents(json::value& v) const {
  std::size_t n = 0;
  if (v.is_object())
    n += redact_fields(v.get_object());
  else if (v.is_array())
    for (auto& x : v.get_array()) n += contents(x);
  return n;
}

std::size_t redactor::redact_event_data(json::object& data) const {
  std::size_t n = 0;
  for (auto& kv : data) n += contents(kv.value());
  return n;
}

event redactor::redact(event e) const {
  redact_event_data(e.data);
  return e;
}

json::object redactor::redacted_json(const case_state& s) const {
  auto o = to_json(s);
  if (auto* f = o.if_contains("fields"); f && f->is_object()) redact_fields(f->get_object());
  return o;
}

}  // namespace casework
