// casework verify DATA: checks every case's hash chain and every stored snapshot.
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace casework::cli {

namespace {

constexpr const char* help = R"(usage: casework verify DATA [--depth full|chain]

Checks the hash chain of every case in the store DATA: each event's SHA-256 over the previous hash and its
stored encoding, the previous-hash links, sequence gaps and undecodable records. Checks every stored snapshot:
the event it names exists with the hash it holds, and its payload matches its own SHA-256.

--depth full (the default) also decodes every event, checks that it is the event its key names, and checks
that every snapshot equals its case's history folded up to that event (the fields that differ are named,
never their values): what a writer's bug would break, not only a changed byte.
--depth chain stops at the hashes: it reads no payload, and is about twice as fast (docs/performance.md). It
shows that nothing stored changed since it was written; run the full depth to check what was written.

On success prints the number of cases, events and snapshots checked and exits 0. Otherwise prints, for each
broken case, the first break of its chain and a broken snapshot (checked when the chain is intact up to it):
  broken: case <id> seq <n>: <what>
  broken: case <id> seq <n>: snapshot ...
and exits 1. Progress goes to stderr when stderr is a terminal (nothing when it is piped). Cases are checked
in key ranges on every core of the machine; the output is the same as one thread's, in case order.

The store is opened as a secondary instance: caseworkd may keep running; events it writes during the check
are not included.
exit codes: 0 every chain and snapshot intact, 1 a chain or a snapshot is broken, 2 usage or I/O error
)";

}  // namespace

int run_verify(int argc, char** argv) {
  const spec s{"verify", {"DATA"}, {"--depth"}, {}, help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  verify_options options;
  auto depth = a->option("--depth").value_or("full");
  if (depth == "chain")
    options.depth = verify_depth::chain;
  else if (depth != "full")
    return fail(s.command, "invalid_argument: --depth: '" + depth + "' is not full or chain");
  auto opened = opened_store::open(a->positional.at("DATA"));
  if (!opened) return fail(s.command, opened.error().to_string());
  progress shown("events checked");
  options.progress = [&](std::uint64_t n) { shown.update(n); };
  auto report = (*opened)->store().verify(options);
  shown.done();
  if (!report) return fail(s.command, report.error().to_string());
  for (const auto& b : report->breaks)
    std::cout << "broken: case " << b.case_id << " seq " << b.seq << ": " << b.what << "\n";
  if (report->ok())
    std::cout << "ok: " << report->cases << " cases, " << report->events << " events, " << report->snapshots
              << " snapshots, every hash chain and snapshot intact"
              << (options.depth == verify_depth::chain ? " (chain depth: payloads not decoded)" : "") << "\n";
  else
    std::cout << report->breaks.size() << " break(s) in " << report->cases << " cases (" << report->events
              << " events, " << report->snapshots << " snapshots checked)\n";
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return report->ok() ? exit_ok : exit_finding;
}

}  // namespace casework::cli
