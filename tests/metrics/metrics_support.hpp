// Test support for the metrics tests: a plain HTTP/1.0 GET over a real socket, child processes (promtool, a
// real Prometheus server), a parser of the Prometheus text format, and polling with a deadline instead of
// sleeps.
#pragma once

#include <cmath>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace casework::testing {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

struct http_response {
  int status = 0;       // 0: no answer (connection refused, timeout, malformed)
  std::string headers;  // the header block, lower-cased names kept as sent
  std::string body;
  std::string error;  // why status is 0
};

// GET http://127.0.0.1:port/target with HTTP/1.0 (no keep-alive, no chunking: the body ends at EOF).
inline http_response http_get(int port, const std::string& target,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  http_response r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return r.error = "socket failed", r;
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r.error = "connect to 127.0.0.1:" + std::to_string(port) + " failed", r;
  }
  std::string req = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return r.error = "send failed", r;
  }
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) != 0;) {
    if (n < 0) {
      ::close(fd);
      return r.error = "recv failed or timed out", r;
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) return r.error = "malformed response", r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  return r;
}

// Percent-encodes a query parameter value.
inline std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// A TCP port on 127.0.0.1 that was free a moment ago (for programs that cannot report the port they bound).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// Calls `done` until it returns true or `limit` passes; true when it did. Polls every 50 ms.
inline bool poll_until(std::chrono::milliseconds limit, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// A program started by the test, stdout and stderr to files; stopped (SIGTERM, then SIGKILL) when destroyed.
class child_process {
 public:
  child_process(const std::string& exe, const std::vector<std::string>& args, const std::string& out_path,
                const std::string& err_path, const std::string& in_path = "/dev/null")
      : out_path_(out_path), err_path_(err_path) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> all{exe};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~child_process() { stop(); }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0; }
  // True while the process runs (reaps it when it has exited).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return r == 0;
  }
  // SIGTERM, up to 10 s for a clean exit, then SIGKILL. Returns the wait status.
  int stop() {
    if (!running()) return exit_status_;
    ::kill(pid_, SIGTERM);
    bool exited = poll_until(std::chrono::seconds(10), [&] { return !running(); });
    if (!exited) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &exit_status_, 0);
      pid_ = -1;
    }
    return exit_status_;
  }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::string out_path_, err_path_;
};

// The ports a caseworkd child listens on (the API's, and the metrics' or 0 when off), read from its
// "listening" log line; false when it has not logged it within `limit`.
inline bool caseworkd_ports(const child_process& daemon, int& port, int& metrics_port,
                            std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  static const std::regex line("\"msg\":\"listening\",\"port\":([0-9]+).*\"metrics_port\":([0-9]+)");
  return poll_until(limit, [&] {
    std::smatch m;
    const std::string log = daemon.err();
    if (!std::regex_search(log, m, line)) return false;
    port = std::stoi(m[1]);
    metrics_port = std::stoi(m[2]);
    return true;
  });
}

struct run_result {
  int code = -1;
  std::string out, err;
};

// Runs a program to completion, stdin from `in_path` (no time limit of its own: ctest's applies).
inline run_result run_program(const std::string& exe, const std::vector<std::string>& args,
                              const std::string& scratch, const std::string& in_path = "/dev/null") {
  static int n = 0;
  ++n;
  child_process p(exe, args, scratch + "/run-" + std::to_string(n) + ".out",
                  scratch + "/run-" + std::to_string(n) + ".err", in_path);
  run_result r;
  if (!p.started()) return r.err = "cannot start " + exe, r;
  while (p.running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int status = p.stop();
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = p.out();
  r.err = p.err();
  return r;
}

// One sample of the text exposition format.
struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the Prometheus text format (0.0.4); comment lines are skipped. Fails the test on a malformed line.
inline std::vector<sample> parse_exposition(const std::string& text) {
  std::vector<sample> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    sample s;
    std::size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        auto eq = line.find('=', i);
        std::string name = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;  // after ="
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        s.labels[name] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;
    }
    std::istringstream v(line.substr(i));
    std::string number;
    v >> number;
    if (number.empty()) {
      ADD_FAILURE() << "malformed exposition line: " << line;
      continue;
    }
    s.value = number == "+Inf" ? INFINITY : number == "-Inf" ? -INFINITY : std::stod(number);
    out.push_back(std::move(s));
  }
  return out;
}

// The value of the one sample named `name` with exactly `labels`; nullopt when there is none.
inline std::optional<double> value_of(const std::vector<sample>& samples, const std::string& name,
                                      const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return s.value;
  return std::nullopt;
}

// The metric family names declared with # TYPE lines, with their types.
inline std::map<std::string, std::string> declared_types(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream l(line.substr(7));
    std::string name, type;
    l >> name >> type;
    out[name] = type;
  }
  return out;
}

}  // namespace casework::testing
