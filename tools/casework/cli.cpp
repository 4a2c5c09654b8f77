// The casework command line's shared parts (see cli.hpp).
#include "cli.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <unistd.h>

namespace casework::cli {
namespace fs = std::filesystem;

std::optional<std::string> args::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

expected<args> parse(const spec& s, int argc, char** argv) {
  args out;
  std::size_t next_positional = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      out.help = true;
      continue;
    }
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a, value;
      bool inline_value = false;
      if (auto eq = a.find('='); eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        inline_value = true;
      }
      if (s.flags.count(name)) {
        if (inline_value) return error(errc::invalid_argument, "takes no value", name);
        out.flags.insert(name);
      } else if (s.options.count(name)) {
        if (!inline_value) {
          if (i + 1 >= argc) return error(errc::invalid_argument, "needs a value", name);
          value = argv[++i];
        }
        out.options[name] = value;
      } else {
        return error(errc::invalid_argument, "unknown option (see casework " + s.command + " --help)", name);
      }
      continue;
    }
    if (next_positional >= s.positionals.size())
      return error(errc::invalid_argument, "unexpected argument '" + a + "'", s.command);
    out.positional[s.positionals[next_positional++]] = a;
  }
  if (!out.help && next_positional < s.positionals.size())
    return error(errc::invalid_argument, "missing (see casework " + s.command + " --help)",
                 s.positionals[next_positional]);
  return out;
}

int fail(const std::string& command, const std::string& message) {
  std::cerr << "casework " << command << ": " << message << "\n";
  return exit_error;
}

expected<std::unique_ptr<opened_store>> opened_store::open(const std::string& data) {
  std::error_code ec;
  if (!fs::is_directory(data, ec)) return error(errc::not_found, "no such directory", data);
  std::string tmpl = (fs::temp_directory_path(ec) / "casework-cli-XXXXXX").string();
  if (ec) return error(errc::storage, "no temporary directory: " + ec.message(), "TMPDIR");
  if (!::mkdtemp(tmpl.data())) return error(errc::storage, "cannot create a temporary directory", tmpl);
  std::unique_ptr<opened_store> o(new opened_store());
  o->secondary_dir_ = tmpl;
  store_options opt;
  opt.path = data;
  opt.create_if_missing = false;
  opt.secondary_path = tmpl;
  auto s = rocksdb_store::open(opt);
  if (!s) return std::move(s).error();  // o's destructor removes the temporary directory
  o->store_ = std::move(*s);
  return o;
}

opened_store::~opened_store() {
  store_.reset();  // close RocksDB before removing its secondary files
  std::error_code ec;
  if (!secondary_dir_.empty()) fs::remove_all(secondary_dir_, ec);
}

std::string default_workflows_root() {
  if (const char* env = std::getenv("CASEWORK_WORKFLOWS_DIR"); env && *env) return env;
  std::error_code ec;
  if (fs::is_directory(fs::path(CASEWORK_INSTALLED_WORKFLOWS_DIR) / "definitions", ec))
    return CASEWORK_INSTALLED_WORKFLOWS_DIR;
  return CASEWORK_SOURCE_WORKFLOWS_DIR;
}

expected<std::shared_ptr<bundle>> load_rules(const args& a) {
  std::error_code ec;
  auto dir = a.option("--definitions");
  bundle_paths paths = bundle_paths::taipei(default_workflows_root());
  if (dir) {
    if (!fs::is_directory(*dir, ec))
      return error(errc::not_found, "no such directory", "--definitions " + *dir);
    if (fs::is_directory(fs::path(*dir) / "definitions", ec)) {
      paths = bundle_paths::taipei(*dir);
    } else {  // a definitions folder: the rest of the deployment lives beside it
      paths = bundle_paths::taipei(fs::absolute(*dir, ec).parent_path().string());
      paths.definitions_dir = *dir;
    }
  }
  return load_bundle(paths);
}

expected<instant> parse_instant_option(const args& a, const std::string& name) {
  auto text = a.option(name);
  if (!text) return error(errc::invalid_argument, "missing", name);
  auto t = parse_instant(*text);
  if (!t) return error(errc::invalid_argument, "'" + *text + "' is not an RFC 3339 instant", name);
  return *t;
}

progress::progress(std::string what) : what_(std::move(what)), tty_(::isatty(STDERR_FILENO) == 1) {}

void progress::update(std::uint64_t n) {
  if (!tty_) return;
  std::cerr << "\r" << what_ << ": " << n << std::flush;
  shown_ = true;
}

void progress::done() {
  if (!shown_) return;
  std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

namespace {
std::atomic<bool> g_interrupted{false};
// The first signal asks the running loop to stop cleanly; a second one ends the process at once.
extern "C" void on_signal(int sig) {
  g_interrupted.store(true);
  std::signal(sig, SIG_DFL);
}
}  // namespace

bool interrupted() {
  return g_interrupted.load();
}

void install_signal_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe (casework export | head) becomes a write error we report
}

}  // namespace casework::cli
