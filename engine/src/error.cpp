#include "casework/error.hpp"

namespace casework {

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::invalid_definition: return "invalid_definition";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::failed_precondition: return "failed_precondition";
    case errc::rule_violation: return "rule_violation";
    case errc::permission_denied: return "permission_denied";
    case errc::storage: return "storage";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
  }
  return "unknown";
}

std::string error::to_string() const {
  std::string out = casework::to_string(code_);
  out += ": ";
  if (!field_.empty()) {
    out += field_;
    out += ": ";
  }
  out += message_;
  if (!rule_.empty()) {
    out += " (";
    out += rule_;
    out += ")";
  }
  return out;
}

}  // namespace casework
