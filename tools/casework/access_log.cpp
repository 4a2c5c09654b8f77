// The personal-data access log (see access_log.hpp).
#include "access_log.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/json.hpp>

namespace casework::cli {

namespace {

error io_error(const std::string& what, const std::string& path) {
  return error(errc::storage, what + ": " + std::strerror(errno), path);
}

status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open the directory to sync it", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot sync the directory", dir);
  return {};
}

}  // namespace

status append_access_record(const std::string& data_dir, const boost::json::object& record) {
  const std::string path = (std::filesystem::path(data_dir) / access_log_name).string();
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open the personal-data access log", path);
  const std::string line = boost::json::serialize(record) + "\n";
  std::size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = io_error("cannot write the personal-data access log", path);
      ::close(fd);
      return e;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = io_error("cannot sync the personal-data access log", path);
    ::close(fd);
    return e;
  }
  if (::close(fd) != 0) return io_error("cannot close the personal-data access log", path);
  if (!existed) return sync_directory(data_dir);
  return {};
}

}  // namespace casework::cli
