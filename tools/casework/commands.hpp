// The subcommands of the casework command line. Each takes the arguments after its name and returns the
// process's exit code (cli.hpp: 0 ok, 1 finding, 2 usage or I/O error).
#pragma once

namespace casework::cli {

int run_history(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_verify(int argc, char** argv);
int run_export(int argc, char** argv);
int run_sample(int argc, char** argv);
int run_simulate(int argc, char** argv);

}  // namespace casework::cli
