// casework verify DATA: checks every case's hash chain.
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace casework::cli {

namespace {

constexpr const char* help = R"(usage: casework verify DATA

Checks the hash chain of every case in the store DATA: each event's SHA-256 over the previous hash and its
stored encoding, the previous-hash links, sequence gaps and undecodable events.

On success prints the number of cases and events checked and exits 0. Otherwise prints, for each broken
case, the first break:
  broken: case <id> seq <n>: <what>
and exits 1. Progress goes to stderr when stderr is a terminal (nothing when it is piped).

The store is opened as a secondary instance: caseworkd may keep running; events it writes during the check
are not included.
exit codes: 0 every chain intact, 1 a chain is broken, 2 usage or I/O error
)";

}  // namespace

int run_verify(int argc, char** argv) {
  const spec s{"verify", {"DATA"}, {}, {}, help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  auto opened = opened_store::open(a->positional.at("DATA"));
  if (!opened) return fail(s.command, opened.error().to_string());
  progress shown("events checked");
  auto report = (*opened)->store().verify([&](std::uint64_t n) { shown.update(n); });
  shown.done();
  if (!report) return fail(s.command, report.error().to_string());
  for (const auto& b : report->breaks)
    std::cout << "broken: case " << b.case_id << " seq " << b.seq << ": " << b.what << "\n";
  if (report->ok())
    std::cout << "ok: " << report->cases << " cases, " << report->events
              << " events, every hash chain intact\n";
  else
    std::cout << report->breaks.size() << " of " << report->cases << " cases broken (" << report->events
              << " events checked)\n";
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return report->ok() ? exit_ok : exit_finding;
}

}  // namespace casework::cli
