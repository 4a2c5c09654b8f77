// event_from_text (case.hpp): an event's JSON text parsed straight into the event.
//
// event_from_json(parse_json(text)) builds the text's top-level object first: six keys, four strings and a
// hash table, then copies the strings out of it into the event's members. Reading a stored history (verify's
// full depth, replay, loading a case) does that for every event. Here the top-level members the event names
// (seq, type, at, actor, rule) go straight into it; only `data`, and any member the event does not name, go
// through the value stack, which builds them as parse_json would. What comes out is what event_from_json
// returns for the same text, error for error: both end in detail::event_of (event_members.hpp), which alone
// says what an event requires (tests/engine/event_parse_test.cpp compares the two on every shape of text).
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/basic_parser_impl.hpp>

#include "casework/case.hpp"
#include "casework/json_text.hpp"
#include "casework/time.hpp"
#include "event_members.hpp"
#include "exact_handler.hpp"

namespace casework {
namespace json = boost::json;

namespace {

// The top-level members read into the event, and `forward`: a member the value stack builds (data, others).
enum class member { seq, type, at, actor, rule, forward };

member member_named(std::string_view key) {
  switch (key.size()) {   // by length first: this runs for every top-level key of every event read
    case 2: return key == "at" ? member::at : member::forward;
    case 3: return key == "seq" ? member::seq : member::forward;
    case 4: return key == "type" ? member::type : key == "rule" ? member::rule : member::forward;
    case 5: return key == "actor" ? member::actor : member::forward;
    default: return member::forward;
  }
}

std::string_view name_of(member m) {
  switch (m) {
    case member::seq: return "seq";
    case member::type: return "type";
    case member::at: return "at";
    case member::actor: return "actor";
    case member::rule: return "rule";
    case member::forward: break;
  }
  return {};
}

// exact_handler inside the top-level object's values (and for data and unnamed members); the named scalar
// members are kept here. Only texts that start with '{' come here (event_from_text), so level 0 is never a
// scalar or an array.
struct event_handler {
  static constexpr std::size_t max_object_size = detail::exact_handler::max_object_size;
  static constexpr std::size_t max_array_size = detail::exact_handler::max_array_size;
  static constexpr std::size_t max_key_size = detail::exact_handler::max_key_size;
  static constexpr std::size_t max_string_size = detail::exact_handler::max_string_size;

  detail::exact_handler inner;
  int level = 0;                 // objects and arrays open; 1 inside the top-level object
  member target = member::forward;
  std::string key;               // a top-level key, when it arrives in parts
  std::string text;              // a named member's string, when it arrives in parts
  std::size_t forwarded = 0;     // top-level members on the value stack

  // What event_from_json reads with if_contains and str(): the last of duplicate keys wins, and a member of
  // another type than it reads counts as absent ("" for strings, no seq, no instant).
  detail::event_members m;

  event_handler(unsigned char* temp, std::size_t size) : inner(temp, size) {}

  bool top() const { return level == 1; }
  bool named() const { return top() && target != member::forward; }

  void set_string(std::string_view value) {
    switch (target) {
      case member::seq: m.seq_ok = false; break;
      case member::type: m.type.assign(value); break;
      case member::at:
        if (auto t = parse_instant(value))
          m.at = *t;
        else
          m.at.reset();
        break;
      case member::actor: m.actor.assign(value); break;
      case member::rule: m.rule.assign(value); break;
      case member::forward: break;
    }
  }
  // A named member whose value is not a string (nor, for seq, a positive integer).
  void set_other() { set_string({}); }
  void set_seq(bool ok, std::uint64_t value) {
    if (target != member::seq) return set_other();
    m.seq_ok = ok;
    m.seq = value;
  }
  // A named member whose value is an object or an array: it counts as of another type, and the value stack
  // builds it under its key (then drops it with the top-level object).
  void forward_named() {
    set_other();
    inner.st.push_key(name_of(target));
    ++forwarded;
    target = member::forward;
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) {
    if (level++ == 0) return true;   // the top-level object itself
    if (level == 2 && target != member::forward) forward_named();
    return inner.on_object_begin(ec);
  }
  bool on_object_end(std::size_t n, json::error_code& ec) {
    if (--level == 0) {
      inner.st.push_object(forwarded);
      return true;
    }
    return inner.on_object_end(n, ec);
  }
  bool on_array_begin(json::error_code& ec) {
    ++level;
    if (level == 2 && target != member::forward) forward_named();
    return inner.on_array_begin(ec);
  }
  bool on_array_end(std::size_t n, json::error_code& ec) {
    --level;
    return inner.on_array_end(n, ec);
  }
  bool on_key_part(json::string_view s, std::size_t n, json::error_code& ec) {
    if (!top()) return inner.on_key_part(s, n, ec);
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code& ec) {
    if (!top()) return inner.on_key(s, n, ec);
    std::string_view whole(s.data(), s.size());
    if (!key.empty()) whole = key.append(whole);
    target = member_named(whole);
    if (target == member::forward) {
      inner.st.push_key(whole);
      ++forwarded;
    }
    key.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t n, json::error_code& ec) {
    if (!named()) return inner.on_string_part(s, n, ec);
    text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t n, json::error_code& ec) {
    if (!named()) return inner.on_string(s, n, ec);
    std::string_view whole(s.data(), s.size());
    if (!text.empty()) whole = text.append(whole);
    set_string(whole);
    text.clear();
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code& ec) {
    if (!named()) return inner.on_number_part(s, ec);
    return true;   // the whole number arrives with on_int64, on_uint64 or on_double
  }
  bool on_int64(std::int64_t i, json::string_view s, json::error_code& ec) {
    if (!named()) return inner.on_int64(i, s, ec);
    set_seq(i > 0, static_cast<std::uint64_t>(i));
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view s, json::error_code& ec) {
    if (!named()) return inner.on_uint64(u, s, ec);
    set_seq(true, u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    if (!named()) return inner.on_double(d, s, ec);
    set_other();
    return true;
  }
  bool on_bool(bool b, json::error_code& ec) {
    if (!named()) return inner.on_bool(b, ec);
    set_other();
    return true;
  }
  bool on_null(json::error_code& ec) {
    if (!named()) return inner.on_null(ec);
    set_other();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

expected<event> event_from_text(std::string_view text, json::error_code& ec, json::storage_ptr sp) {
  ec = {};
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {   // not an object: as event_from_json says
    auto v = parse_json(text, ec, {}, std::move(sp));
    if (ec) return error(errc::invalid_argument, "is not valid JSON", "event");
    return event_from_json(std::move(v));
  }
  unsigned char temp[4096];   // the value stack's first buffer, as in parse_json
  json::basic_parser<event_handler> p(json::parse_options(), temp, sizeof temp);
  auto& h = p.handler();
  h.inner.st.reset(std::move(sp));
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) return error(errc::invalid_argument, "is not valid JSON", "event");
  json::value rest = h.inner.st.release();   // data, and the members the event does not name
  return detail::event_of(std::move(h.m), rest.get_object().if_contains("data"));
}

}  // namespace casework
