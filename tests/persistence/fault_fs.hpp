// Test support: a RocksDB file system that can lose power and fill up, after leveldb's fault_injection_test.cc
// and rocksdb's FaultInjectionTestFS, built on RocksDB's public FileSystemWrapper only.
//
// It remembers, for every file written through it, how many bytes were synced and whether the file's directory
// entry was synced. A power cut then leaves what a real one may leave:
//
//   auto fe = testing::make_fault_env();          // store_options::env = fe.env.get()
//   fe.fs->power_off_after(4096);                 // the write crossing 4 KiB is torn, then nothing reaches disk
//   ... append until an append fails ...
//   store.reset();                                // closes with the power off: nothing more is written
//   fe.fs->lose_unsynced(fault_fs::unsynced::keep_random_prefix, seed);   // and power is back on
//
// Files keep their synced bytes (and, with keep_random_prefix, none, all or a random part of the rest, as
// when the disk wrote some of the page cache before the cut); files created since their directory was last synced
// disappear, and a rename whose source was such a file is undone (the file it replaced comes back, for small
// files as RocksDB's CURRENT). Not modelled: deletions and renames of files whose entries were already synced
// (they count as durable at once), writes through NewRandomRWFile, and reordering within a file.
//
// Disk faults: fail_writes_after() makes writes fail (NoSpace by default) once a byte budget is spent, the
// crossing write torn as on a real short write; fail_syncs() makes every sync fail; heal() ends both.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

namespace casework::testing {

class fault_fs final : public rocksdb::FileSystemWrapper {
 public:
  explicit fault_fs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  const char* Name() const override { return "casework_fault_fs"; }

  // What a power cut keeps of the bytes written to a file since its last sync.
  enum class unsynced { drop, keep_random_prefix };

  static rocksdb::IOStatus no_space() { return rocksdb::IOStatus::NoSpace("injected: the disk is full"); }

  // Writes succeed until `budget` more bytes were written; the write that crosses the budget writes what
  // still fits and fails with `error`, and so does every later write, until heal().
  void fail_writes_after(std::uint64_t budget, rocksdb::IOStatus error = no_space());
  // Every sync (of a file or a directory) fails with `error` until heal().
  void fail_syncs(rocksdb::IOStatus error);
  // Writes and syncs succeed again.
  void heal();

  // The power goes off now: every call that would change the disk fails (creating, writing, syncing,
  // renaming, deleting files), reads still work, and nothing written so far is lost yet.
  void power_off();
  // The power goes off during the write that crosses `budget` more bytes: torn, its first bytes reach the
  // file and it fails; or not torn, it reaches the file whole and the power goes off right after it (so the
  // sync that would have made it durable fails).
  void power_off_after(std::uint64_t budget, bool torn = true);
  bool powered() const;
  // REQUIRES: the power is off and every file written through this file system is closed (the store was
  // destroyed). Applies the power cut's losses, then powers on and forgets what it tracked: whatever is on
  // disk now counts as synced.
  void lose_unsynced(unsynced mode, std::uint64_t seed = 0);

  std::uint64_t bytes_written() const;      // bytes that reached files since construction
  std::uint64_t syncs() const;              // successful file syncs since construction
  std::uint64_t injected_failures() const;  // calls that failed because of an injected fault or the power cut

  // FileSystem: the calls that create, change or sync files and directories.
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r, rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r, rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus Truncate(const std::string& f, size_t size, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus CreateDir(const std::string& d, const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& d, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* g) override;
  rocksdb::IOStatus DeleteDir(const std::string& d, const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override;
  rocksdb::IOStatus RenameFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* d) override;
  rocksdb::IOStatus LinkFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* d) override;

 private:
  friend class tracked_file;
  friend class tracked_directory;

  // A file written since the last power cut. Shared with its open handle, so that a rename moves it.
  struct file_state {
    std::uint64_t size = 0;                     // bytes that reached the file
    std::uint64_t synced = 0;                   // bytes a sync made durable
    bool entry_synced = false;                  // its directory was synced since the file got its name
    std::optional<std::string> replaced;        // the contents of the file an unsynced rename replaced
  };

  // Admits up to `n` bytes of a write: how many may reach the file, and the status of the write.
  std::pair<std::size_t, rocksdb::IOStatus> admit_write(std::size_t n);
  rocksdb::IOStatus admit_sync();
  rocksdb::IOStatus admit_change();   // metadata changes: only the power matters
  void wrote(file_state& f, std::size_t n, std::optional<std::uint64_t> offset);
  void synced(file_state& f, std::uint64_t size);
  void directory_synced(const std::string& dir, const std::map<std::string, std::shared_ptr<file_state>>& seen);
  std::map<std::string, std::shared_ptr<file_state>> unsynced_entries_in(const std::string& dir) const;
  std::shared_ptr<file_state> track_new(const std::string& f);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<file_state>> files_;   // by normalized path
  bool on_ = true;
  std::optional<std::uint64_t> write_budget_;
  bool budget_cuts_power_ = false;
  bool torn_ = true;
  rocksdb::IOStatus write_error_;
  std::optional<rocksdb::IOStatus> sync_error_;
  std::uint64_t bytes_written_ = 0, syncs_ = 0, failures_ = 0;
};

// The fault file system as an Env for store_options::env (RocksDB's composite env: the default env's threads
// and clock over `fs`). The env must outlive every store opened on it.
struct fault_env {
  std::shared_ptr<fault_fs> fs;
  std::unique_ptr<rocksdb::Env> env;
};
fault_env make_fault_env();

}  // namespace casework::testing
