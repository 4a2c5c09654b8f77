// The allocator the casework program runs on, for reports that are compared across runs (`simulate --json`).
#pragma once

#include <string>

namespace casework::cli {

struct allocator_info {
  std::string name = "system";   // "jemalloc", or "system" (the C library's malloc)
  std::string version;           // jemalloc's version string; empty for the system allocator
  std::string thp;               // jemalloc's transparent huge page mode (opt.thp: "always", "default", "never")
};

allocator_info running_allocator();

}  // namespace casework::cli
