// The casework program's allocator options, and what the running process actually got.
#include "allocator.hpp"

#include <dlfcn.h>

#include <cstddef>

// jemalloc reads this (its `malloc_conf` symbol, weak in the library) when it starts, before main; the
// MALLOC_CONF environment variable is read after it and overrides it (`MALLOC_CONF=thp:default` turns huge
// pages off again). Unused when the program runs on the C library's malloc (CASEWORK_ALLOCATOR=system).
//
// Transparent huge pages: `casework simulate` holds a year's cases and events in memory (4 GB) and reads it
// in no order a cache likes. On 4 KiB pages that is a million page faults (each a hypervisor exit on a
// virtual machine) and a TLB miss on most hash-table probes; on 2 MiB pages, a few thousand faults. Measured
// on the year, alternating with and without: docs/performance.md, 46. caseworkd does not take this: its
// memory per active case (2 KB, issue 7) is measured in 4 KiB pages, and a server's heap that grows and
// shrinks would hold partly used huge pages.
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:always";
}

namespace casework::cli {
namespace {

using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

// jemalloc's mallctl when the process runs on jemalloc (looked up, so this builds and runs without it).
mallctl_fn find_mallctl() { return reinterpret_cast<mallctl_fn>(dlsym(RTLD_DEFAULT, "mallctl")); }

std::string read_string(mallctl_fn ctl, const char* name) {
  const char* value = nullptr;
  std::size_t size = sizeof(value);
  if (ctl(name, &value, &size, nullptr, 0) != 0 || !value) return {};
  return value;
}

}  // namespace

allocator_info running_allocator() {
  allocator_info info;
  auto ctl = find_mallctl();
  if (!ctl) return info;
  info.name = "jemalloc";
  info.version = read_string(ctl, "version");
  info.thp = read_string(ctl, "opt.thp");
  return info;
}

}  // namespace casework::cli
