// Private: a small reader over boost::json documents that remembers where it is, so every definition error
// names the file and the field path ("dispatch.json: timers[2].at.from").
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "casework/error.hpp"

namespace casework::detail {

// Thrown inside parsers only; converted to an expected<> at the public boundary.
struct parse_failure {
  error err;
};

class json_reader {
 public:
  json_reader(std::string source, errc code = errc::invalid_definition)
      : source_(std::move(source)), code_(code) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw parse_failure{error(code_, message, source_.empty() ? path : source_ + ": " + path)};
  }

  const boost::json::object& object(const boost::json::value& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "must be an object");
    return v.get_object();
  }
  // Fails naming the first of `keys` that `o` lacks.
  void require(const boost::json::object& o, std::initializer_list<const char*> keys) const {
    for (const char* key : keys)
      if (!o.contains(key)) fail(key, "is missing");
  }
  const boost::json::array& array(const boost::json::value& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "must be an array");
    return v.get_array();
  }
  std::string string(const boost::json::value& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "must be a string");
    return std::string(v.get_string());
  }
  std::int64_t integer(const boost::json::value& v, const std::string& path) const {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(v.get_uint64());
    fail(path, "must be an integer");
  }
  double number(const boost::json::value& v, const std::string& path) const {
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    fail(path, "must be a number");
  }
  bool boolean(const boost::json::value& v, const std::string& path) const {
    if (!v.is_bool()) fail(path, "must be true or false");
    return v.get_bool();
  }
  std::vector<std::string> strings(const boost::json::value& v, const std::string& path) const {
    std::vector<std::string> out;
    if (v.is_string()) {
      out.emplace_back(v.get_string());
      return out;
    }
    const auto& a = array(v, path);
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(string(a[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  // Rejects keys of `o` not in `known` (catches typos such as "whiel").
  void only(const boost::json::object& o, const std::string& path,
            std::initializer_list<std::string_view> known) const {
    for (const auto& kv : o) {
      bool ok = false;
      for (auto k : known) ok = ok || kv.key() == k;
      if (!ok) fail(join(path, kv.key()), "unknown key");
    }
  }
  const boost::json::value& required(const boost::json::object& o, const std::string& path,
                                     std::string_view key) const {
    auto it = o.find(key);
    if (it == o.end()) fail(join(path, key), "required");
    return it->value();
  }
  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  errc code_;
};

// Ids in data files: lowercase ASCII letters and digits in words joined by single hyphens ("streetlight-out").
inline bool is_kebab(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!word && !(c == '-' && s[i - 1] != '-')) return false;
  }
  return true;
}

}  // namespace casework::detail
