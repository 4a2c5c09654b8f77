// The caseworkd binary: --help, bad options, and a clean stop on SIGTERM while requests are in flight
// (every acknowledged case is in the store afterwards, and the store reopens).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "casework/rocksdb_store.hpp"
#include "server_fixture.hpp"

namespace casework::testing {

namespace {
// Runs caseworkd with `args`, stdout and stderr into files; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(CASEWORKD)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(CASEWORKD, argv.data());
    _exit(127);
  }
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

TEST(Caseworkd, HelpListsTheOptionsAndBadOptionsFailNamingThem) {
  temp_dir d;
  pid_t help = spawn({"--help"}, d.str("out"), d.str("err"));
  EXPECT_EQ(wait_exit(help), 0);
  for (const char* o : {"--data", "--block-cache-mb", "--listen", "--tokens", "--clock", "--start",
                        "--definitions", "--config"})
    EXPECT_NE(slurp(d.str("out")).find(o), std::string::npos) << o;
  pid_t bad = spawn({"--clock", "sideways"}, d.str("out"), d.str("err"));
  EXPECT_EQ(wait_exit(bad), 2);
  EXPECT_NE(slurp(d.str("err")).find("--clock: must be real or virtual"), std::string::npos)
      << slurp(d.str("err"));
  pid_t no_cache = spawn({"--block-cache-mb", "0"}, d.str("out"), d.str("err"));
  EXPECT_EQ(wait_exit(no_cache), 2);
  EXPECT_NE(slurp(d.str("err")).find("--block-cache-mb: must be a number from 1 to 1048576"),
            std::string::npos)
      << slurp(d.str("err"));
}

TEST(Caseworkd, SigtermAnswersRequestsInFlightThenClosesTheStore) {
  temp_dir d;
  const std::string tokens = d.str("tokens.json");
  auto secret = add_token(tokens, {"ct", "call-taker", "call-centre", "cc-ct-1"}, taipei_rules()->people);
  ASSERT_TRUE(secret);
  std::ofstream(d.str("config.json"))
      << R"({"listen": "127.0.0.1:0", "metrics": "127.0.0.1:0", "clock": "virtual", "start": "2026-03-02T09:00:00+08:00"})";
  pid_t pid = spawn({"--data", d.str("store"), "--tokens", tokens, "--config", d.str("config.json"),
                     "--definitions", CASEWORK_WORKFLOWS_DIR},
                    d.str("out"), d.str("err"));
  std::uint16_t port = 0;
  for (int i = 0; i < 200 && !port; ++i) {  // the "listening" log line carries the bound port
    std::smatch m;
    std::string log = slurp(d.str("err"));
    if (std::regex_search(log, m, std::regex("\"port\":([0-9]+)")))
      port = static_cast<std::uint16_t>(std::stoi(m[1]));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(port, 0) << slurp(d.str("err"));

  std::vector<std::string> acknowledged;
  std::atomic<bool> go{true};
  std::atomic<std::size_t> count{0};  // acknowledged.size(), readable while the client runs
  std::thread client([&] {
    for (int i = 0; go && i < 2000; ++i) {
      try {
        auto a = http_call(
            port, "POST", "/v1/cases",
            boost::json::serialize(streetlight_report("No. " + std::to_string(i) + " Term Rd")), *secret);
        if (a.status == 201) {
          acknowledged.emplace_back(a.json().at("id").as_string());
          ++count;
        }
      } catch (const std::exception&) {
        break;  // refused: the server has stopped listening
      }
    }
  });
  while (count < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 0) << slurp(d.str("err"));
  go = false;
  client.join();
  const std::string log = slurp(d.str("err"));
  EXPECT_NE(log.find("\"msg\":\"stopping\""), std::string::npos);
  EXPECT_NE(log.find("\"msg\":\"stopped\""), std::string::npos);

  store_options so;
  so.path = d.str("store");
  auto store = rocksdb_store::open(so);  // the lock is released: the store closed cleanly
  ASSERT_TRUE(store) << store.error().to_string();
  for (const auto& id : acknowledged) EXPECT_TRUE((*store)->read(id)) << id;
  auto report = (*store)->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_GE(report->cases, acknowledged.size());
}

}  // namespace casework::testing
