// Test support: a real Prometheus server (Debian's prometheus 2.42, CASEWORK_PROMETHEUS) on 127.0.0.1 that
// scrapes one target as job `caseworkd` every second and loads the shipped alert rules
// (CASEWORK_DEPLOY_DIR/alerts.yml), with a small client of its HTTP API. Used by the end-to-end tests against
// an embedded engine's exporter (metrics/prometheus_e2e_test.cpp) and against the caseworkd binary
// (server/prometheus_caseworkd_test.cpp); both binaries define the two macros (tests/CMakeLists.txt).
#pragma once

#include <cmath>  // INFINITY, used by metrics_support.hpp

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "metrics_support.hpp"
#include "temp_dir.hpp"

#ifndef CASEWORK_PROMETHEUS
#error "CASEWORK_PROMETHEUS (the prometheus binary) must be defined by the build"
#endif
#ifndef CASEWORK_DEPLOY_DIR
#error "CASEWORK_DEPLOY_DIR (metrics/deploy) must be defined by the build"
#endif

namespace casework::testing {

// The names of the alerts in the shipped alerts.yml (its `- alert: NAME` lines), which Prometheus must load.
inline std::set<std::string> shipped_alerts() {
  std::set<std::string> names;
  std::istringstream in(slurp(CASEWORK_DEPLOY_DIR "/alerts.yml"));
  for (std::string line; std::getline(in, line);) {
    auto at = line.find("- alert:");
    if (at == std::string::npos || line.find_first_not_of(' ') != at) continue;
    auto name = line.substr(at + 8);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(" \r") + 1);
    names.insert(name);
  }
  return names;
}

// A Prometheus server on 127.0.0.1 with its own configuration and storage in `dir`, scraping `target` as job
// caseworkd every second. Its port is one that was free a moment before (Prometheus cannot report the port it
// bound), so start() retries on another when the server cannot start.
class prometheus_server {
 public:
  prometheus_server(const temp_dir& dir, int target_port, int attempt) : port_(free_port()) {
    const std::string tsdb = dir.str("tsdb-" + std::to_string(attempt));
    write_file(dir.str("prometheus.yml"),
               "global:\n"
               "  scrape_interval: 1s\n"
               "  scrape_timeout: 900ms\n"
               "  evaluation_interval: 1s\n"
               "rule_files:\n"
               "  - " CASEWORK_DEPLOY_DIR
               "/alerts.yml\n"
               "scrape_configs:\n"
               "  - job_name: caseworkd\n"
               "    static_configs:\n"
               "      - targets: ['127.0.0.1:" +
                   std::to_string(target_port) + "']\n");
    proc_ = std::make_unique<child_process>(
        CASEWORK_PROMETHEUS,
        std::vector<std::string>{"--config.file=" + dir.str("prometheus.yml"), "--storage.tsdb.path=" + tsdb,
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        dir.str("prometheus.out"), dir.str("prometheus-" + std::to_string(attempt) + ".err"));
  }

  // A server scraping 127.0.0.1:target_port, ready to answer queries (three attempts on different ports);
  // null with the reason in `why` when none became ready.
  static std::unique_ptr<prometheus_server> start(const temp_dir& dir, int target_port, std::string& why) {
    const std::string exe = CASEWORK_PROMETHEUS;  // CMake's find_program leaves "<var>-NOTFOUND"
    if (exe.empty() || exe.find("NOTFOUND") != std::string::npos) {
      why = "prometheus not found: run scripts/install-deps";
      return nullptr;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto server = std::make_unique<prometheus_server>(dir, target_port, attempt);
      if (server->wait_ready(why)) return server;
    }
    return nullptr;
  }

  // Ready to answer queries within 20 s; false (with the server's log in `why`) otherwise.
  bool wait_ready(std::string& why) {
    bool ok = poll_until(std::chrono::seconds(20),
                         [&] { return !proc_->running() || http_get(port_, "/-/ready").status == 200; });
    if (ok && proc_->running()) return true;
    why = std::string(CASEWORK_PROMETHEUS) + " is not ready on 127.0.0.1:" + std::to_string(port_) +
          " (running: " + (proc_->running() ? "yes" : "no") + ")\n" + proc_->err();
    return false;
  }

  // GET /api/v1/<what>; the parsed "data" of a success, or null.
  boost::json::value api(const std::string& what) {
    auto r = http_get(port_, "/api/v1/" + what);
    if (r.status != 200) return nullptr;
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object() || v.at("status") != "success") return nullptr;
    return v.at("data");
  }

  // The value of an instant query that yields one sample; nullopt for none, several or an error.
  std::optional<double> scalar(const std::string& promql) {
    auto data = api("query?query=" + url_encode(promql));
    if (!data.is_object()) return std::nullopt;
    const auto& result = data.at("result");
    if (data.at("resultType") == "scalar") return std::stod(std::string(result.at(1).as_string()));
    if (!result.is_array() || result.as_array().size() != 1) return std::nullopt;
    return std::stod(std::string(result.at(0).at("value").at(1).as_string()));
  }

  // Polls `promql` until it answers `expected` (15 s at most: 15 scrapes); the last answer otherwise.
  std::optional<double> await(const std::string& promql, double expected) {
    std::optional<double> last;
    poll_until(std::chrono::seconds(15), [&] {
      last = scalar(promql);
      return last && *last == expected;
    });
    return last;
  }

  // The loaded alerting and recording rules by name, with their health: "ok", "unknown" before their first
  // evaluation, or "err: " and the last error. Empty when the rules API does not answer.
  std::map<std::string, std::string> rule_health() {
    std::map<std::string, std::string> out;
    auto rules = api("rules");
    if (!rules.is_object()) return out;
    for (const auto& g : rules.at("groups").as_array())
      for (const auto& r : g.at("rules").as_array()) {
        std::string health(r.at("health").as_string());
        if (health == "err") {
          auto* last = r.as_object().if_contains("lastError");
          health += ": " + (last && last->is_string() ? std::string(last->as_string()) : std::string("?"));
        }
        out[std::string(r.at("name").as_string())] = health;
      }
    return out;
  }

  int port() const { return port_; }
  std::string log() const { return proc_->err(); }

 private:
  int port_;
  std::unique_ptr<child_process> proc_;
};

}  // namespace casework::testing
