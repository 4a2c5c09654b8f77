// Tokens, roles and agency scoping (see access.hpp).
#include "access.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include <openssl/crypto.h>
#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/server.hpp"
#include "crypto.hpp"

namespace casework::server_detail {
namespace json = boost::json;

namespace {
constexpr std::pair<role, const char*> role_names[] = {
    {role::call_taker, "call-taker"},        {role::duty_officer, "duty-officer"}, {role::handler, "handler"},
    {role::supervisor, "supervisor"},        {role::auditor, "auditor"},           {role::admin, "admin"},
    {role::open311_client, "open311-client"}};

error bad(const std::string& source, const std::string& field, const std::string& message) {
  return error(errc::invalid_argument, message, source + ": " + field);
}

}  // namespace

const char* to_string(role r) {
  for (const auto& [k, name] : role_names)
    if (k == r) return name;
  return "unknown";
}

std::optional<role> role_from_string(std::string_view s) {
  for (const auto& [k, name] : role_names)
    if (s == name) return k;
  return std::nullopt;
}

expected<token_table> token_table::load(const std::string& path, const directory& people) {
  auto doc = read_json_file(path);
  if (!doc) return std::move(doc).error();
  const std::string source = path;
  if (!doc->is_object()) return bad(source, "$", "must be an object {\"tokens\": [...]}");
  const auto& top = doc->get_object();
  for (const auto& kv : top)
    if (kv.key() != "tokens") return bad(source, std::string(kv.key()), "unknown field");
  auto* list = top.if_contains("tokens");
  if (!list || !list->is_array()) return bad(source, "tokens", "required: an array");
  token_table t;
  std::set<std::string> ids;
  std::size_t i = 0;
  for (const auto& v : list->get_array()) {
    const std::string at = "tokens[" + std::to_string(i++) + "]";
    if (!v.is_object()) return bad(source, at, "must be an object");
    const auto& o = v.get_object();
    for (const auto& kv : o)
      if (kv.key() != "id" && kv.key() != "sha256" && kv.key() != "role" && kv.key() != "agency" &&
          kv.key() != "person")
        return bad(source, at + "." + std::string(kv.key()), "unknown field");
    auto text = [&](const char* key) -> std::optional<std::string> {
      auto* m = o.if_contains(key);
      if (!m || !m->is_string()) return std::nullopt;
      return std::string(m->get_string());
    };
    entry e;
    auto id = text("id");
    if (!id || id->empty() || id->size() > 80) return bad(source, at + ".id", "required: 1 to 80 characters");
    if (!ids.insert(*id).second) return bad(source, at + ".id", "duplicate token id");
    e.p.id = *id;
    auto hash = text("sha256");
    auto raw = hash ? hex_decode(*hash) : std::nullopt;
    if (!raw || raw->size() != 32) return bad(source, at + ".sha256", "required: 64 hex digits");
    e.sha256 = *raw;
    auto r = text("role");
    auto rr = r ? role_from_string(*r) : std::nullopt;
    if (!rr)
      return bad(source, at + ".role",
                 "required: call-taker, duty-officer, handler, supervisor, auditor, admin or open311-client");
    e.p.r = *rr;
    auto agency = text("agency");
    bool global = e.p.r == role::admin || e.p.r == role::auditor;
    if (global && agency) return bad(source, at + ".agency", "admin and auditor tokens have no agency");
    if (!global) {
      if (!agency) return bad(source, at + ".agency", "required for this role");
      if (!people.find(*agency)) return bad(source, at + ".agency", "not an agency of the directory");
      e.p.agency = *agency;
    }
    if (auto person = text("person")) {
      const auto* p = people.find_person(*person);
      if (!p) return bad(source, at + ".person", "not a person of the directory");
      const auto* a = e.p.agency.empty() ? nullptr : people.find(e.p.agency);
      bool in_agency = false;
      if (a)
        for (const auto& x : a->people) in_agency = in_agency || x.id == *person;
      if (!in_agency) return bad(source, at + ".person", "not a person of the token's agency");
      e.p.person = *person;
    }
    t.entries_.push_back(std::move(e));
  }
  return t;
}

std::optional<principal> token_table::authenticate(std::string_view secret) const {
  const std::string digest = sha256_raw(secret);
  std::optional<principal> found;
  for (const auto& e : entries_)  // no early exit: the time does not depend on which entry matches
    if (CRYPTO_memcmp(digest.data(), e.sha256.data(), 32) == 0) found = e.p;
  return found;
}

bool access_policy::sees_every_agency(const principal& p) const {
  return p.r == role::admin || p.r == role::auditor || p.agency == hotline_;
}

bool access_policy::sees_agency(const principal& p, std::string_view agency) const {
  return sees_every_agency(p) || p.agency == agency;
}

bool access_policy::sees_personal_data(const principal& p) {
  return p.r == role::call_taker || p.r == role::handler || p.r == role::supervisor;
}

bool access_policy::reads_cases(const principal& p) {
  return p.r != role::open311_client;
}

bool access_policy::issues_commands(const principal& p) {
  return p.r == role::call_taker || p.r == role::duty_officer || p.r == role::handler ||
         p.r == role::supervisor;
}

std::vector<std::string> access_policy::engine_roles(const principal& p) {
  switch (p.r) {
    case role::call_taker:
      return {"call_taker"};
    case role::duty_officer:
      return {"duty_officer"};
    case role::handler:
      return {"handler"};
    case role::supervisor:  // the agency's management: its windows and intake (R2.1, R2.2, R5.2)
      return {"supervisor", "dispatch_manager", "dispatch_operator", "intake_clerk", "liaison"};
    case role::open311_client:
      return {"call_taker"};  // a report through Open311 is a call taken
    default:
      return {};
  }
}

}  // namespace casework::server_detail

namespace casework {

expected<std::string> add_token(const std::string& tokens_file, const token_spec& spec,
                                const directory& people) {
  namespace json = boost::json;
  json::object doc{{"tokens", json::array{}}};
  if (std::filesystem::exists(tokens_file)) {
    auto cur = read_json_file(tokens_file);
    if (!cur) return std::move(cur).error();
    if (!cur->is_object()) return error(errc::invalid_argument, "must be an object", tokens_file);
    doc = std::move(cur->get_object());
  }
  auto* list = doc.if_contains("tokens");
  if (!list || !list->is_array())
    return error(errc::invalid_argument, "required: an array", tokens_file + ": tokens");
  auto secret = generate_token();
  json::object e{{"id", spec.id}, {"sha256", secret.sha256}, {"role", spec.role}};
  if (!spec.agency.empty()) e["agency"] = spec.agency;
  if (!spec.person.empty()) e["person"] = spec.person;
  list->as_array().push_back(std::move(e));
  const std::string tmp = tokens_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json::serialize(doc) << "\n";
    if (!out) return error(errc::storage, "cannot write", tmp);
  }
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto check = server_detail::token_table::load(tmp, people);
  if (!check) {
    std::filesystem::remove(tmp);
    return std::move(check).error();
  }
  std::filesystem::rename(tmp, tokens_file);
  return secret.token;
}

}  // namespace casework
