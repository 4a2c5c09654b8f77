// Private: cross-reference validation of a parsed definition.
#pragma once

#include "casework/definition.hpp"

namespace casework::detail {

// Checks every name a definition uses against what it declares: states, deadlines, anchors, roles,
// channels. Errors are invalid_definition naming "<source>: <path>".
status validate_definition(const definition& d);

// Roles and channels the engine knows (directory roles plus "citizen" and "system").
bool known_role(std::string_view role);
bool known_channel(std::string_view channel);

}  // namespace casework::detail
