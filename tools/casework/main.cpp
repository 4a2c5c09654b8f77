// casework: the auditors' command line. Reads a store while caseworkd keeps it open (as a RocksDB secondary
// instance), never writes to it, and redacts personal data (R9.2) unless an audited export asks for it.
#include <iostream>
#include <string>

#include "cli.hpp"
#include "commands.hpp"

namespace {

constexpr const char* usage = R"(usage: casework <command> [arguments] [--help]

The auditors' command line for a casework store. Every command opens the store DATA as a read-only follower
(a RocksDB secondary instance with its files in a temporary directory removed on exit), so it can run while
caseworkd has DATA open; it never writes to the store itself.

commands:
  history DATA CASE     a case's timeline in local time: who did what, what changed, under which rule
  replay  DATA CASE     fold a case's history (up to --at) and print its state as JSON
  verify  DATA          check every case's hash chain; exit 1 and name the first break of each broken case
  export  DATA          every event of every case as JSON lines or CSV (personal data redacted)
  sample  DATA          the R6.14 monthly audit sample of closed dispatch cases
  simulate              run a workload through an engine on a virtual clock (a Taipei year, the NYC 311
                        sample) as fast as the machine allows; report per agency and item

Personal data (fields marked "personal" in the workflow definitions) is shown as "[redacted]" everywhere;
only `export --include-personal-data --reason TEXT --by WHO` includes it, and records the access first in
DATA/personal-data-access.jsonl.

exit codes: 0 ok, 1 a finding (a broken hash chain), 2 a usage or I/O error
Run `casework <command> --help` for a command's arguments.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace casework::cli;
  if (argc < 2) {
    std::cerr << usage;
    return exit_error;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << usage;
    return exit_ok;
  }
  install_signal_handlers();
  int rest_argc = argc - 2;
  char** rest = argv + 2;
  if (command == "history") return run_history(rest_argc, rest);
  if (command == "replay") return run_replay(rest_argc, rest);
  if (command == "verify") return run_verify(rest_argc, rest);
  if (command == "export") return run_export(rest_argc, rest);
  if (command == "sample") return run_sample(rest_argc, rest);
  if (command == "simulate") return run_simulate(rest_argc, rest);
  std::cerr << "casework: unknown command '" << command
            << "' (commands: history, replay, verify, export, sample;"
            << " see casework --help)\n";
  return exit_error;
}
