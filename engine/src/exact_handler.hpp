// The Boost.JSON parser handler behind parse_json (json_text.hpp): boost::json::parser's own (a value_stack;
// boost/json/detail/handler.hpp), except for doubles, which are read again from their text. Internal to the
// engine: parse_json and event_from_text (case.hpp) build on it.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

namespace casework::detail {
namespace json = boost::json;

struct exact_handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::string number;   // a number's text so far, when the parser hands it over in parts

  exact_handler(unsigned char* temp, std::size_t size) : st(json::storage_ptr(), temp, size) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    std::string_view text(s.data(), s.size());
    if (!number.empty()) {
      number.append(s.data(), s.size());
      text = number;
    }
    double exact = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
    // Out of range (1e999) or anything from_chars does not take as a whole: Boost.JSON's value stands.
    if (ec == std::errc() && end == text.data() + text.size()) d = exact;
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};


}  // namespace casework::detail
