// Structured log lines and the personal-data access record (see server_log.hpp).
#include "server_log.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
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

status access_record::append(const json::object& record) {
  json::object r = record;
  r["at"] = format_utc(real_clock().now());
  const std::string text = json::serialize(r) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return error(errc::storage, std::strerror(errno), "personal-data-access.jsonl");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return error(errc::storage, std::strerror(err), "personal-data-access.jsonl");
  return {};
}

}  // namespace casework::server_detail
