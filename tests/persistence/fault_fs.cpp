// Test support: the fault-injecting file system (see fault_fs.hpp).
#include "fault_fs.hpp"

#include <filesystem>
#include <random>
#include <vector>

namespace casework::testing {

namespace {

std::string normalized(const std::string& path) {
  auto p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string parent_of(const std::string& normalized_path) {
  auto slash = normalized_path.rfind('/');
  return slash == std::string::npos ? std::string(".") : normalized_path.substr(0, slash == 0 ? 1 : slash);
}

rocksdb::IOStatus power_is_off() { return rocksdb::IOStatus::IOError("injected: the power is off"); }

// RocksDB's CURRENT and IDENTITY are replaced by renames; anything this small is kept for an undo.
constexpr std::uint64_t max_replaced_size = 64 * 1024;

}  // namespace

// A writable file that reports what reaches it and what is synced.
class tracked_file final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  tracked_file(std::unique_ptr<rocksdb::FSWritableFile> f, fault_fs* fs, std::shared_ptr<fault_fs::file_state> st)
      : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs), st_(std::move(st)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* d) override {
    return write(data, std::nullopt, [&](const rocksdb::Slice& part) { return target()->Append(part, o, d); });
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext* d) override {
    return Append(data, o, d);   // a torn write cannot keep the checksum of the whole: write unverified
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* d) override {
    return write(data, offset,
                 [&](const rocksdb::Slice& part) { return target()->PositionedAppend(part, offset, o, d); });
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext* d) override {
    return PositionedAppend(data, offset, o, d);
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    if (auto s = fs_->admit_change(); !s.ok()) return s;
    auto s = target()->Truncate(size, o, d);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      st_->size = size;
      st_->synced = std::min<std::uint64_t>(st_->synced, size);
    }
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    return sync([&] { return target()->Sync(o, d); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    return sync([&] { return target()->Fsync(o, d); });
  }
  // RangeSync (sync_file_range) makes nothing durable: no metadata, no disk cache flush. Forwarded, not counted.

 private:
  // Writes what the file system admits of `data` (at `offset`, or appended).
  template <class Write>
  rocksdb::IOStatus write(const rocksdb::Slice& data, std::optional<std::uint64_t> offset, Write&& w) {
    auto [n, status] = fs_->admit_write(data.size());
    if (n > 0) {
      auto s = w(rocksdb::Slice(data.data(), n));
      if (!s.ok()) return s;
      fs_->wrote(*st_, n, offset);
    }
    return status;
  }

  template <class Sync>
  rocksdb::IOStatus sync(Sync&& do_sync) {
    if (auto s = fs_->admit_sync(); !s.ok()) return s;
    std::uint64_t size;
    {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      size = st_->size;   // what was written before the sync started is what it makes durable
    }
    auto s = do_sync();
    if (s.ok()) fs_->synced(*st_, size);
    return s;
  }

  fault_fs* fs_;
  std::shared_ptr<fault_fs::file_state> st_;
};

// A directory handle whose sync makes the entries of the files in it durable.
class tracked_directory final : public rocksdb::FSDirectoryWrapper {
 public:
  tracked_directory(std::unique_ptr<rocksdb::FSDirectory> d, fault_fs* fs, std::string name)
      : FSDirectoryWrapper(std::move(d)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    return sync([&] { return FSDirectoryWrapper::Fsync(o, d); });
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d,
                                        const rocksdb::DirFsyncOptions& opt) override {
    return sync([&] { return FSDirectoryWrapper::FsyncWithDirOptions(o, d, opt); });
  }

 private:
  template <class Sync>
  rocksdb::IOStatus sync(Sync&& do_sync) {
    if (auto s = fs_->admit_sync(); !s.ok()) return s;
    auto seen = fs_->unsynced_entries_in(name_);   // entries made after the sync started may not be durable
    auto s = do_sync();
    if (s.ok()) fs_->directory_synced(name_, seen);
    return s;
  }

  fault_fs* fs_;
  std::string name_;
};

fault_fs::fault_fs(std::shared_ptr<rocksdb::FileSystem> base) : FileSystemWrapper(base) {}

void fault_fs::fail_writes_after(std::uint64_t budget, rocksdb::IOStatus error) {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_ = budget;
  budget_cuts_power_ = false;
  write_error_ = std::move(error);
}

void fault_fs::fail_syncs(rocksdb::IOStatus error) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_error_ = std::move(error);
}

void fault_fs::heal() {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_.reset();
  budget_cuts_power_ = false;
  sync_error_.reset();
}

void fault_fs::power_off() {
  std::lock_guard<std::mutex> lock(mu_);
  on_ = false;
}

void fault_fs::power_off_after(std::uint64_t budget, bool torn) {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_ = budget;
  budget_cuts_power_ = true;
  torn_ = torn;
  write_error_ = power_is_off();
}

bool fault_fs::powered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return on_;
}

void fault_fs::lose_unsynced(unsynced mode, std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::mt19937_64 rng(seed);
  rocksdb::IOOptions io;
  for (const auto& [path, f] : files_) {
    if (!f->entry_synced) {   // the name never became durable: the file is gone, or what it replaced is back
      (void)target()->DeleteFile(path, io, nullptr);
      if (f->replaced) (void)rocksdb::WriteStringToFile(target(), *f->replaced, path, true);
      continue;
    }
    if (f->size <= f->synced) continue;
    std::uint64_t keep = f->synced;
    if (mode == unsynced::keep_random_prefix) {   // none of the tail, all of it, or a random part
      auto r = rng() % 3;
      keep += r == 0 ? 0 : r == 1 ? f->size - f->synced : rng() % (f->size - f->synced + 1);
    }
    std::error_code ec;
    std::filesystem::resize_file(path, keep, ec);   // errors: the file was deleted meanwhile; nothing to lose
  }
  files_.clear();
  on_ = true;
  write_budget_.reset();
  budget_cuts_power_ = false;
  sync_error_.reset();
}

std::uint64_t fault_fs::bytes_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_written_;
}

std::uint64_t fault_fs::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

std::uint64_t fault_fs::injected_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

std::pair<std::size_t, rocksdb::IOStatus> fault_fs::admit_write(std::size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!on_) {
    ++failures_;
    return {0, power_is_off()};
  }
  if (!write_budget_ || n <= *write_budget_) {
    if (write_budget_) *write_budget_ -= n;
    return {n, rocksdb::IOStatus::OK()};
  }
  auto part = static_cast<std::size_t>(*write_budget_);
  *write_budget_ = 0;
  if (budget_cuts_power_) {
    on_ = false;   // what is written still reaches the file: the cut comes mid-write, or right after it
    if (!torn_) return {n, rocksdb::IOStatus::OK()};
  }
  ++failures_;
  return {part, write_error_};
}

rocksdb::IOStatus fault_fs::admit_sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!on_) {
    ++failures_;
    return power_is_off();
  }
  if (sync_error_) {
    ++failures_;
    return *sync_error_;
  }
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus fault_fs::admit_change() {
  std::lock_guard<std::mutex> lock(mu_);
  if (on_) return rocksdb::IOStatus::OK();
  ++failures_;
  return power_is_off();
}

void fault_fs::wrote(file_state& f, std::size_t n, std::optional<std::uint64_t> offset) {
  std::lock_guard<std::mutex> lock(mu_);
  f.size = offset ? std::max<std::uint64_t>(f.size, *offset + n) : f.size + n;
  bytes_written_ += n;
}

void fault_fs::synced(file_state& f, std::uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  f.synced = std::max(f.synced, size);
  ++syncs_;
}

std::map<std::string, std::shared_ptr<fault_fs::file_state>> fault_fs::unsynced_entries_in(
    const std::string& dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::shared_ptr<file_state>> out;
  for (const auto& [path, f] : files_)
    if (!f->entry_synced && parent_of(path) == dir) out.emplace(path, f);
  return out;
}

void fault_fs::directory_synced(const std::string& dir, const std::map<std::string, std::shared_ptr<file_state>>& seen) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [path, f] : seen) {
    auto it = files_.find(path);
    if (it != files_.end() && it->second == f) {   // still the same file under the same name
      f->entry_synced = true;
      f->replaced.reset();
    }
  }
}

std::shared_ptr<fault_fs::file_state> fault_fs::track_new(const std::string& f) {
  auto st = std::make_shared<file_state>();
  std::lock_guard<std::mutex> lock(mu_);
  files_[f] = st;
  return st;
}

rocksdb::IOStatus fault_fs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                            std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  auto path = normalized(f);
  bool existed = target()->FileExists(path, o.io_options, d).ok();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto s = target()->NewWritableFile(f, o, &file, d);
  if (!s.ok()) return s;
  auto st = track_new(path);
  st->entry_synced = existed;   // truncated in place: the name was already durable
  r->reset(new tracked_file(std::move(file), this, std::move(st)));
  return s;
}

rocksdb::IOStatus fault_fs::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                               std::unique_ptr<rocksdb::FSWritableFile>* r,
                                               rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  auto path = normalized(f);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto s = target()->ReopenWritableFile(f, o, &file, d);
  if (!s.ok()) return s;
  std::shared_ptr<file_state> st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it != files_.end()) st = it->second;
  }
  if (!st) {   // written before this file system saw it: durable as it is
    std::uint64_t size = 0;
    (void)target()->GetFileSize(path, o.io_options, &size, d);
    st = track_new(path);
    std::lock_guard<std::mutex> lock(mu_);
    st->size = st->synced = size;
    st->entry_synced = true;
  }
  r->reset(new tracked_file(std::move(file), this, std::move(st)));
  return s;
}

rocksdb::IOStatus fault_fs::ReuseWritableFile(const std::string& f, const std::string& old,
                                              const rocksdb::FileOptions& o,
                                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                                              rocksdb::IODebugContext* d) {
  // A rename and a truncating open; the new name is not durable until its directory is synced.
  if (auto s = RenameFile(old, f, o.io_options, d); !s.ok()) return s;
  return NewWritableFile(f, o, r, d);
}

rocksdb::IOStatus fault_fs::NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                            std::unique_ptr<rocksdb::FSRandomRWFile>* r, rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  return target()->NewRandomRWFile(f, o, r, d);   // not tracked (the store does not use them)
}

rocksdb::IOStatus fault_fs::NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                         std::unique_ptr<rocksdb::FSDirectory>* r, rocksdb::IODebugContext* d) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  auto s = target()->NewDirectory(name, o, &dir, d);
  if (!s.ok()) return s;
  r->reset(new tracked_directory(std::move(dir), this, normalized(name)));
  return s;
}

rocksdb::IOStatus fault_fs::DeleteFile(const std::string& f, const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  auto s = target()->DeleteFile(f, o, d);
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(normalized(f));
  }
  return s;
}

rocksdb::IOStatus fault_fs::Truncate(const std::string& f, size_t size, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  auto s = target()->Truncate(f, size, o, d);
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = files_.find(normalized(f)); it != files_.end()) {
      it->second->size = size;
      it->second->synced = std::min<std::uint64_t>(it->second->synced, size);
    }
  }
  return s;
}

rocksdb::IOStatus fault_fs::CreateDir(const std::string& dir, const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  return target()->CreateDir(dir, o, d);
}

rocksdb::IOStatus fault_fs::CreateDirIfMissing(const std::string& dir, const rocksdb::IOOptions& o,
                                               rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  return target()->CreateDirIfMissing(dir, o, d);
}

rocksdb::IOStatus fault_fs::DeleteDir(const std::string& dir, const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) {
  if (auto s = admit_change(); !s.ok()) return s;
  return target()->DeleteDir(dir, o, d);
}

rocksdb::IOStatus fault_fs::RenameFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* d) {
  if (auto st = admit_change(); !st.ok()) return st;
  auto from = normalized(s), to = normalized(t);
  bool undoable;   // the source's name never became durable: a cut undoes the rename, restoring what it replaced
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(from);
    undoable = it != files_.end() && !it->second->entry_synced;
  }
  std::optional<std::string> replaced;
  std::uint64_t size = 0;
  if (undoable && target()->GetFileSize(to, o, &size, d).ok() && size <= max_replaced_size) {
    std::string contents;
    if (rocksdb::ReadFileToString(target(), to, &contents).ok()) replaced = std::move(contents);
  }
  auto st = target()->RenameFile(s, t, o, d);
  if (!st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) {   // an untracked (durable) file under a new name: durable at once
    files_.erase(to);
    return st;
  }
  auto f = it->second;
  files_.erase(it);
  if (!f->entry_synced) f->replaced = std::move(replaced);
  files_[to] = f;
  return st;
}

rocksdb::IOStatus fault_fs::LinkFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* d) {
  if (auto st = admit_change(); !st.ok()) return st;
  auto st = target()->LinkFile(s, t, o, d);
  if (st.ok()) {
    auto f = track_new(normalized(t));   // a new name for synced contents; the name itself is not durable yet
    std::uint64_t size = 0;
    (void)target()->GetFileSize(t, o, &size, d);
    std::lock_guard<std::mutex> lock(mu_);
    f->size = f->synced = size;
  }
  return st;
}

fault_env make_fault_env() {
  fault_env e;
  e.fs = std::make_shared<fault_fs>();
  e.env = rocksdb::NewCompositeEnv(e.fs);
  return e;
}

}  // namespace casework::testing
