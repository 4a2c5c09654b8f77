// bench support: what the process costs (resident memory) and a scratch directory removed on exit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace casework::bench {

// Resident set size of this process in bytes (/proc/self/statm).
std::uint64_t resident_bytes();
// Returns freed heap memory to the system first (jemalloc's purge when it is the allocator, glibc's malloc_trim
// otherwise), then measures: what the process still holds.
std::uint64_t resident_bytes_trimmed();
// CPU time this process has used so far (user + system, every thread), in seconds.
double process_cpu_seconds();
// "jemalloc" when jemalloc is the process's allocator, else "glibc".
const char* allocator_name();

// A fresh directory under `parent` (default $TMPDIR or /tmp), removed with its contents when destroyed.
class scratch_dir {
 public:
  explicit scratch_dir(const std::string& parent = {});
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }
  // Bytes of every file under the directory.
  std::uint64_t disk_bytes() const;

 private:
  std::string path_;
};

}  // namespace casework::bench

namespace casework::bench {

// Runs this program again with `args` (after argv[0]), waits for it and returns what it printed on stdout;
// throws when it cannot start or does not exit with 0. Measurements that must not share a heap run this way.
std::string run_self(const std::vector<std::string>& args);

}  // namespace casework::bench
