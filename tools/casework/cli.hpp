// The casework command line's shared parts: argument parsing, exit codes, opening a store as a secondary
// instance, loading the deployment's rules, and progress on a terminal.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "casework/bundle.hpp"
#include "casework/rocksdb_store.hpp"

namespace casework::cli {

// Exit codes: 0 ok, 1 a finding (a broken hash chain), 2 a usage or I/O error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_finding = 1;
inline constexpr int exit_error = 2;

// What a subcommand accepts: positional names, options that take a value, and flags.
struct spec {
  std::string command;                   // "history"
  std::vector<std::string> positionals;  // {"DATA", "CASE"}
  std::set<std::string> options;         // {"--definitions"}
  std::set<std::string> flags;           // {"--include-personal-data"}
  const char* help = "";
};

struct args {
  std::map<std::string, std::string> positional;  // "DATA" -> "/var/lib/casework"
  std::map<std::string, std::string> options;     // "--at" -> "2026-03-02T09:00:00+08:00"
  std::set<std::string> flags;
  bool help = false;

  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

// Parses argv after the subcommand. Errors name the culprit ("unknown option --frm").
[[nodiscard]] expected<args> parse(const spec& s, int argc, char** argv);

// Prints "casework <command>: <message>" on stderr and returns exit_error.
int fail(const std::string& command, const std::string& message);

// A store opened as a RocksDB secondary instance, with its own files in a fresh temporary directory that is
// removed when this is destroyed (after the store is closed). Never opens the store as primary or read-only.
class opened_store {
 public:
  [[nodiscard]] static expected<std::unique_ptr<opened_store>> open(const std::string& data);
  ~opened_store();
  opened_store(const opened_store&) = delete;
  opened_store& operator=(const opened_store&) = delete;

  const rocksdb_store& store() const { return *store_; }
  // Case ids in store order (sorted by key).
  std::vector<std::string> case_ids() const { return store_->case_ids(); }

 private:
  opened_store() = default;
  std::string secondary_dir_;
  std::unique_ptr<rocksdb_store> store_;
};

// The shipped workflows folder: $CASEWORK_WORKFLOWS_DIR, else the installed one, else the source tree's.
std::string default_workflows_root();

// Loads the rules: --definitions DIR if given (a workflows root holding definitions/, or a definitions folder
// inside one), else the installed workflows, else the source tree's.
[[nodiscard]] expected<std::shared_ptr<bundle>> load_rules(const args& a);

// "2026-03-02T09:10:00+08:00" -> instant; the error names the option.
[[nodiscard]] expected<instant> parse_instant_option(const args& a, const std::string& name);

// Progress on stderr, only when stderr is a terminal; overwritten in place, cleared by done().
class progress {
 public:
  explicit progress(std::string what);
  void update(std::uint64_t n);
  void done();
  ~progress() { done(); }

 private:
  std::string what_;
  bool tty_ = false;
  bool shown_ = false;
};

// Set by SIGINT/SIGTERM; long loops stop when it is set, so the temporary directory is still removed.
bool interrupted();
void install_signal_handlers();

}  // namespace casework::cli
