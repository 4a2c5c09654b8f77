// Output helpers of the casework command line (see output.hpp).
#include "output.hpp"

#include <boost/json.hpp>

namespace casework::cli {
namespace json = boost::json;

void pretty_print(std::ostream& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
  const std::string close(static_cast<std::size_t>(indent), ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out << "{\n";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      out << (first ? "" : ",\n") << pad << json::serialize(json::string(kv.key())) << ": ";
      pretty_print(out, kv.value(), indent + 2);
      first = false;
    }
    out << "\n" << close << "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out << "[\n";
    bool first = true;
    for (const auto& x : v.get_array()) {
      out << (first ? "" : ",\n") << pad;
      pretty_print(out, x, indent + 2);
      first = false;
    }
    out << "\n" << close << "]";
  } else {
    out << json::serialize(v);
  }
}

std::string csv_cell(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string plain(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

bool flushed(std::ostream& out) {
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace casework::cli
