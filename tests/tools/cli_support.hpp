// Test support for the casework command line: a real store in a temporary directory, filled with real
// dispatch cases decided by the interpreter under the Taipei rules, and the real binary run as a child
// process with its stdout, stderr and exit code captured.
#pragma once

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include "temp_dir.hpp"
#include "casework/rocksdb_store.hpp"
#include "rules_harness.hpp"

extern char** environ;

namespace casework::cli_testing {

namespace fs = std::filesystem;

using testing::temp_dir;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

struct run_result {
  int code = -1;
  std::string out, err;
};

// The environment of this process with `extra` ("NAME=value") added or replacing same-named variables.
inline std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || var.rfind(x.substr(0, x.find('=') + 1), 0) == 0;
    if (!replaced) out.push_back(var);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// Runs the casework binary with `args`, stdout and stderr going to files in `scratch` (never a terminal).
inline run_result run_cli(const std::vector<std::string>& args, const std::string& scratch,
                          const std::vector<std::string>& extra_env = {}) {
  static int n = 0;
  const std::string out_path = scratch + "/out-" + std::to_string(++n),
                    err_path = scratch + "/err-" + std::to_string(n);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> all{"casework"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env = environment_with(extra_env);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  run_result r;
  int rc = posix_spawn(&pid, CASEWORK_CLI, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0) << "cannot start " << CASEWORK_CLI;
  if (rc != 0) return r;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

// A reporter's personal data, which must never appear unredacted unless an export is authorised.
inline constexpr const char* reporter_name = "Chen Mei-ling";
inline constexpr const char* reporter_phone = "0912-345-678";
inline constexpr const char* reporter_address = "No. 7, Lane 3, Heping East Road";

// Builds dispatch cases through the interpreter and appends their events to a store, each batch with what the
// runtime derives from it (snapshot, entry, pending timers) unless `derived` is false.
class case_builder {
 public:
  explicit case_builder(rocksdb_store& store) : store_(store) {}

  bool derived = true;

  const testing::harness& rules() const { return h_; }
  instant local(const std::string& text) const { return h_.local(text); }

  // Creates a premises-noise case (one stage, agency dep) in `district` at local time `created`.
  case_state create(const std::string& id, const std::string& district, const std::string& created) {
    boost::json::object input{{"item", "premises-noise"},
                              {"district", district},
                              {"reply", "sms"},
                              {"reporter", {{"name", reporter_name}, {"phone", reporter_phone}}},
                              {"location", {{"address", reporter_address}}}};
    create_request req{id, "", "premises-noise", command{"create", "call_taker", "ct-1", input}};
    auto events = decide_create(h_.def("dispatch"), h_.ctx(), req, local(created));
    EXPECT_TRUE(events) << (events ? "" : events.error().to_string());
    case_state s;
    if (events) record(s, *events);
    return s;
  }

  // Fires the timers due up to `until`, then runs the command at `until`.
  void exec(case_state& s, const std::string& name, const std::string& role, boost::json::object input,
            const std::string& at) {
    auto t = local(at);
    auto fired = fire_due_timers(h_.def("dispatch"), h_.ctx(), s, t);
    ASSERT_TRUE(fired) << fired.error().to_string();
    record(s, *fired);
    auto events = decide(h_.def("dispatch"), h_.ctx(), s, command{name, role, "p-1", std::move(input)}, t);
    ASSERT_TRUE(events) << name << ": " << events.error().to_string();
    record(s, *events);
  }

  // Signs, assigns and reports the case done: it closes at local time `closed` (R6.4, R6.8).
  void close(case_state& s, const std::string& signed_at, const std::string& closed) {
    exec(s, "sign", "duty_officer", {}, signed_at);
    exec(s, "assign", "duty_officer", {{"handler", "dep-h-1"}}, signed_at);
    exec(s, "report", "handler", {{"result", "noise stopped"}, {"finding", "fixed"}}, closed);
  }

 private:
  void record(case_state& s, const std::vector<event>& events) {
    if (events.empty()) return;
    testing::harness::fold_into(s, events);
    std::shared_ptr<const case_derived> d;
    if (derived)
      d = std::make_shared<case_derived>(derive(s, s.terminal ? std::vector<pending_timer>{} : h_.timers(s)));
    auto st = store_.append_group({case_events{s.id, events, d}});
    EXPECT_TRUE(st.ok()) << st.error().to_string();
  }

  rocksdb_store& store_;
  testing::harness h_;
};

// A store in a temporary directory that a primary rocksdb_store instance keeps open for writing, as caseworkd
// would, while the tests run the command line against it.
class CaseworkCli : public ::testing::Test {
 protected:
  void SetUp() override { open_primary(); }

  void open_primary() {
    store_options o;
    o.path = data();
    auto s = rocksdb_store::open(o);
    ASSERT_TRUE(s) << s.error().to_string();
    primary_ = std::move(*s);
    cases_ = std::make_unique<case_builder>(*primary_);
  }

  // The case most tests read: created 09:00, unsigned at 09:10 (R6.3 reminder), signed 09:20, closed 10:00.
  case_state noise_case(const std::string& id = "2026030200001") {
    auto s = cases_->create(id, "大安區", "2026-03-02 09:00");
    cases_->close(s, "2026-03-02 09:20", "2026-03-02 10:00");
    return s;
  }

  std::string data() const { return dir_.str("data"); }
  run_result cli(std::vector<std::string> args) { return run_cli(args, dir_.str()); }
  run_result cli_rules(std::vector<std::string> args) {
    args.insert(args.end(), {"--definitions", CASEWORK_WORKFLOWS_DIR});
    return cli(std::move(args));
  }

  temp_dir dir_;
  std::unique_ptr<rocksdb_store> primary_;
  std::unique_ptr<case_builder> cases_;
};

}  // namespace casework::cli_testing
