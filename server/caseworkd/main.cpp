// caseworkd: the casework HTTP/JSON server (docs/server.md). `caseworkd --help` lists the options.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <pthread.h>

#include "casework/bundle.hpp"
#include "casework/server.hpp"
#include "config.hpp"

using namespace casework;

namespace {
std::string default_workflows_root() {
  if (const char* env = std::getenv("CASEWORK_WORKFLOWS_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(std::filesystem::path(CASEWORK_INSTALLED_WORKFLOWS_DIR) / "definitions",
                                    ec))
    return CASEWORK_INSTALLED_WORKFLOWS_DIR;
  return CASEWORK_SOURCE_WORKFLOWS_DIR;
}

int fail(const error& e) {
  std::cerr << "caseworkd: " << e.to_string() << "\n";
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  // SIGTERM and SIGINT are taken by one thread (sigwait), never by whichever thread the kernel picks.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto cfg = daemon::parse_args(std::vector<std::string>(argv + 1, argv + argc), default_workflows_root());
  if (!cfg) {
    std::cerr << "caseworkd: " << cfg.error().to_string() << "\n" << daemon::usage();
    return 2;
  }
  if (cfg->help) {
    std::cout << daemon::usage();
    return 0;
  }
  auto paths =
      cfg->city == "nyc" ? bundle_paths::nyc(cfg->definitions) : bundle_paths::taipei(cfg->definitions);
  auto rules = load_bundle(paths);
  if (!rules) return fail(rules.error());

  if (!cfg->make_token_role.empty()) {
    if (cfg->server.tokens_file.empty()) return fail(error(errc::invalid_argument, "required", "--tokens"));
    token_spec spec{cfg->make_token_id.empty() ? cfg->make_token_role : cfg->make_token_id,
                    cfg->make_token_role, cfg->make_token_agency, cfg->make_token_person};
    auto secret = add_token(cfg->server.tokens_file, spec, (*rules)->people);
    if (!secret) return fail(secret.error());
    std::cout << *secret << "\n";
    return 0;
  }

  cfg->server.rules = *rules;
  auto srv = server::open(cfg->server);
  if (!srv) return fail(srv.error());
  server* s = srv->get();
  std::thread([s, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    s->stop();
  }).detach();
  s->run();
  srv->reset();  // engine stopped, store closed
  return 0;
}
