// Tokens, roles and agency scoping (docs/server.md#access-control).
//
// A tokens file lists bearer tokens by the hex SHA-256 of their secret, each bound to a role and, except
// admin and auditor, to one agency of the directory. A presented token is hashed and compared with every
// entry in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "casework/directory.hpp"
#include "casework/error.hpp"

namespace casework::server_detail {

enum class role { call_taker, duty_officer, handler, supervisor, auditor, admin, open311_client };

const char* to_string(role r);  // "call-taker"
std::optional<role> role_from_string(std::string_view s);

struct principal {
  std::string id;  // the token's id (never the secret), for logs and the access record
  role r = role::auditor;
  std::string agency;  // empty for admin and auditor
  std::string person;  // a directory person id, or empty (then commands are issued as the token id)

  // The actor id commands are recorded under.
  const std::string& actor_id() const { return person.empty() ? id : person; }
};

class token_table {
 public:
  // Reads a tokens file; errors name the file and the entry ("tokens.json: tokens[2].agency: ...").
  static expected<token_table> load(const std::string& path, const directory& people);
  static token_table empty() { return token_table(); }

  // The principal of a presented secret, or nullopt. Every entry is compared (constant time per entry).
  std::optional<principal> authenticate(std::string_view secret) const;

 private:
  struct entry {
    principal p;
    std::string sha256;  // 32 raw bytes
  };
  std::vector<entry> entries_;
};

// Scoping and roles, answered the same way by every endpoint.
class access_policy {
 public:
  explicit access_policy(std::string hotline_agency) : hotline_(std::move(hotline_agency)) {}

  // True when the principal may see cases of `agency`: admin, auditor and hotline-agency tokens see every
  // agency; the others only their own.
  bool sees_agency(const principal& p, std::string_view agency) const;
  bool sees_every_agency(const principal& p) const;
  // Personal data (R9.2) is shown to the roles that contact citizens: call-taker, handler, supervisor.
  static bool sees_personal_data(const principal& p);
  // Roles that read cases, histories and notifications through /v1.
  static bool reads_cases(const principal& p);
  // Roles that issue case commands through /v1 (the engine still checks the command's own roles).
  static bool issues_commands(const principal& p);
  // The engine roles (directory roles) a principal acts in, most specific first.
  static std::vector<std::string> engine_roles(const principal& p);

  const std::string& hotline_agency() const { return hotline_; }

 private:
  std::string hotline_;
};

}  // namespace casework::server_detail
