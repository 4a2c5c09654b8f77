// casework/error.hpp: the one error type of casework, and expected<T>.
//
// Every fallible function returns `expected<T>` (or `status` for no value). An error has a code that means
// one thing, a message that names the culprit, and where they apply the field path and the rule id:
//
//   invalid_argument: reporter.phone: required when reporter.email and reporter.address are absent (R6.2)
//
// No exception crosses the public API.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace casework {

enum class errc {
  invalid_argument,     // a command, request or value is malformed (names the field)
  invalid_definition,   // a workflow definition, item table, directory or calendar is malformed (names file/field)
  not_found,            // a case, item, agency, definition or field that does not exist
  already_exists,       // e.g. a closure day that was already added
  failed_precondition,  // the case's state forbids the command (names the state)
  rule_violation,       // a hotline rule forbids the command now (names the rule, e.g. R6.10)
  permission_denied,    // the actor's role may not issue the command
  storage,              // the store could not durably record the change
  unavailable,          // the engine is shutting down or overloaded
  internal,             // a bug: an invariant was broken
};

// Returns the stable snake_case name of a code ("invalid_argument").
const char* to_string(errc code) noexcept;

class [[nodiscard]] error {
 public:
  error(errc code, std::string message, std::string field = {}, std::string rule = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)), rule_(std::move(rule)) {}

  errc code() const noexcept { return code_; }
  // Human-readable explanation without code, field or rule ("required when ...").
  const std::string& message() const noexcept { return message_; }
  // Path of the offending field ("reporter.phone", "dispatch.json: timers[2].at.from"), or empty.
  const std::string& field() const noexcept { return field_; }
  // Rule id ("R6.10") where a hotline rule is the reason, or empty.
  const std::string& rule() const noexcept { return rule_; }

  // "code: field: message (rule)".
  std::string to_string() const;

  friend bool operator==(const error& a, const error& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_ && a.rule_ == b.rule_;
  }

 private:
  errc code_;
  std::string message_;
  std::string field_;
  std::string rule_;
};

// A value or an error (a small std::expected for C++17).
template <class T>
class [[nodiscard]] expected {
 public:
  expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  expected(casework::error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const casework::error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  casework::error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, casework::error> v_;
};

// Success or an error, for operations without a value.
class [[nodiscard]] status {
 public:
  status() = default;
  status(casework::error err) : err_(std::move(err)) {}  // NOLINT: implicit by design
  bool ok() const noexcept { return !err_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const casework::error& error() const { assert(err_); return *err_; }

 private:
  std::optional<casework::error> err_;
};

}  // namespace casework
