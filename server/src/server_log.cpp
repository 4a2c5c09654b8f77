// Structured log lines and the personal-data access record (see server_log.hpp).
#include "server_log.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "casework/clock.hpp"
#include "casework/time.hpp"

namespace casework::server_detail {
namespace json = boost::json;

void server_log::write(const char* level, const char* msg, json::object fields) {
  json::object line;
  line["ts"] = format_utc(real_clock().now());
  line["level"] = level;
  line["msg"] = msg;
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  std::string text = json::serialize(line);
  std::lock_guard<std::mutex> lock(mu_);
  out_ << text << '\n' << std::flush;
}

access_record::access_record(std::string data_dir)
    : path_(std::move(data_dir) + "/personal-data-access.jsonl"), thread_([this] { run(); }) {}

access_record::~access_record() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void access_record::append_then(json::object record, std::function<void(status)> done) {
  record["at"] = format_utc(real_clock().now());
  taken t{json::serialize(record) + "\n", std::move(done)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(t));
  }
  cv_.notify_one();
}

void access_record::run() {
  std::vector<taken> group;
  std::string text;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;   // stopping, and everything taken is written
      group.swap(queue_);
    }
    text.clear();
    for (const auto& t : group) text += t.line;
    const status st = write_group(text);
    for (auto& t : group) t.done(st);
    group.clear();
  }
}

status access_record::write_group(const std::string& text) {
  auto failed = [this](int err) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return error(errc::storage, std::strerror(err), "personal-data-access.jsonl");
  };
  // Reopen when the path no longer names the open file (rotated or removed), so records go where auditors look.
  if (fd_ >= 0) {
    struct stat at_path {}, open_file {};
    if (::stat(path_.c_str(), &at_path) != 0 || ::fstat(fd_, &open_file) != 0 || at_path.st_ino != open_file.st_ino ||
        at_path.st_dev != open_file.st_dev) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return failed(errno);
  }
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed(n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) return failed(errno);
  return {};
}

}  // namespace casework::server_detail
