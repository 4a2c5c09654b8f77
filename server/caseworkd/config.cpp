// caseworkd's command line and config file (see config.hpp).
#include "config.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "casework/clock.hpp"
#include "casework/json_text.hpp"
#include "casework/metrics_exporter.hpp"
#include "casework/time.hpp"

namespace casework::daemon {
namespace json = boost::json;

const char* usage() {
  return R"(usage: caseworkd [options]

  --data DIR              the RocksDB store (created when missing)          default ./var/caseworkd
  --block-cache-mb N      the store's block cache in MiB: its memory bound  default 32
                          (data, index and filter blocks; docs/storage-format.md)
  --listen HOST:PORT      where to serve HTTP; port 0 picks a free port     default 127.0.0.1:8080
  --tokens FILE           bearer tokens (hashed), see docs/server.md        default none: only health and services answer
  --clock real|virtual    the engine clock; virtual moves only by POST /v1/clock/advance   default real
  --start INSTANT         virtual clock start (RFC 3339)                    default the current time
  --definitions DIR       the workflows folder (definitions, items, directory, calendars)
  --city taipei|nyc       which shipped deployment to load from it           default taipei
  --hotline-agency ID     the agency whose tokens see every agency's cases   default call-centre
  --io-threads N          HTTP threads (creates, commands and case reads   default one per core,
                          wait on none; the clock and closures on one)      at least 2
  --engine-threads N      the engine's actor threads (CAF scheduler)         default one per core,
                                                                            at least 2
  --webhook-url URL       POST every notification there (CloudEvents 1.0)    default none
  --webhook-attempts N    attempts before a dead letter                      default 10
  --webhook-backoff-ms N  first retry delay, doubled up to 60 s              default 1000
  --metrics ADDR          serve Prometheus metrics at http://ADDR/metrics (IP:PORT; port 0 picks a free
                          port); "off" or "" disables                        default 127.0.0.1:9464
  --config FILE           a JSON object of these options without "--" ({"listen": "127.0.0.1:9000"});
                          the command line wins
  --make-token ROLE       append a new token to --tokens, print its secret, and exit; with
                          --agency ID, --person ID, --token-id ID
  --help                  this text

Logs are JSON lines on stderr and carry no personal data. SIGTERM or SIGINT stops it cleanly: requests in
flight are answered, the engine stops and the store closes.
)";
}

namespace {
const char* const value_options[] = {"data",
                                     "block-cache-mb",
                                     "listen",
                                     "tokens",
                                     "clock",
                                     "start",
                                     "definitions",
                                     "city",
                                     "hotline-agency",
                                     "io-threads",
                                     "engine-threads",
                                     "webhook-url",
                                     "webhook-attempts",
                                     "webhook-backoff-ms",
                                     "metrics",
                                     "config",
                                     "make-token",
                                     "agency",
                                     "person",
                                     "token-id"};

bool known(const std::string& name) {
  for (const char* o : value_options)
    if (name == o) return true;
  return false;
}

expected<long> number(const std::map<std::string, std::string>& v, const char* name, long dflt, long min,
                      long max) {
  auto it = v.find(name);
  if (it == v.end()) return dflt;
  try {
    std::size_t used = 0;
    long n = std::stol(it->second, &used);
    if (used == it->second.size() && n >= min && n <= max) return n;
  } catch (...) {
  }
  return error(errc::invalid_argument,
               "must be a number from " + std::to_string(min) + " to " + std::to_string(max),
               std::string("--") + name);
}

status read_config_file(const std::string& path, std::map<std::string, std::string>& values) {
  std::ifstream in(path);
  if (!in) return error(errc::not_found, "cannot read the config file", "--config");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = parse_json(ss.str(), ec);
  if (ec || !v.is_object()) return error(errc::invalid_argument, "must be a JSON object", "--config");
  for (const auto& kv : v.get_object()) {
    std::string k(kv.key());
    if (!known(k) || k == "config") return error(errc::invalid_argument, "unknown option", "--config: " + k);
    std::string text;
    if (kv.value().is_string())
      text = std::string(kv.value().get_string());
    else if (kv.value().is_int64())
      text = std::to_string(kv.value().get_int64());
    else
      return error(errc::invalid_argument, "must be a string or an integer", "--config: " + k);
    values.emplace(k, text);  // the command line, read first, wins
  }
  return {};
}
}  // namespace

expected<config> parse_args(const std::vector<std::string>& args, const std::string& default_definitions) {
  config c;
  std::map<std::string, std::string> v;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      c.help = true;
      return c;
    }
    if (a.rfind("--", 0) != 0 || !known(a.substr(2)))
      return error(errc::invalid_argument, "unknown option", a);
    if (i + 1 >= args.size()) return error(errc::invalid_argument, "needs a value", a);
    v[a.substr(2)] = args[++i];
  }
  if (auto it = v.find("config"); it != v.end())
    if (auto st = read_config_file(it->second, v); !st) return st.error();
  auto get = [&](const char* k, const std::string& dflt) {
    auto it = v.find(k);
    return it == v.end() ? dflt : it->second;
  };
  auto& s = c.server;
  s.data_dir = get("data", "./var/caseworkd");
  auto cache_mb = number(v, "block-cache-mb", 32, 1, 1 << 20);
  if (!cache_mb) return std::move(cache_mb).error();
  s.block_cache_bytes = static_cast<std::size_t>(*cache_mb) << 20;
  s.listen = get("listen", "127.0.0.1:8080");
  s.tokens_file = get("tokens", "");
  s.hotline_agency = get("hotline-agency", "call-centre");
  c.definitions = get("definitions", default_definitions);
  c.city = get("city", "taipei");
  if (c.city != "taipei" && c.city != "nyc")
    return error(errc::invalid_argument, "must be taipei or nyc", "--city");
  const std::string clock = get("clock", "real");
  if (clock == "real")
    s.clock = clock_mode::real;
  else if (clock == "virtual")
    s.clock = clock_mode::virtual_time;
  else
    return error(errc::invalid_argument, "must be real or virtual", "--clock");
  c.start_text = get("start", "");
  if (!c.start_text.empty()) {
    if (s.clock != clock_mode::virtual_time)
      return error(errc::invalid_argument, "only with --clock virtual", "--start");
    auto t = parse_instant(c.start_text);
    if (!t) return error(errc::invalid_argument, t.error().message(), "--start");
    s.start = *t;
  } else {
    s.start = real_clock().now();
  }
  auto threads = number(v, "io-threads", 0, 1, 256);   // 0 (not given): server_options' one per core
  if (!threads) return std::move(threads).error();
  s.io_threads = static_cast<std::size_t>(*threads);
  auto engine_threads = number(v, "engine-threads", 0, 1, 256);   // 0 (not given): one per core
  if (!engine_threads) return std::move(engine_threads).error();
  s.engine_threads = static_cast<std::size_t>(*engine_threads);
  s.webhook.url = get("webhook-url", "");
  auto attempts = number(v, "webhook-attempts", 10, 1, 1000);
  if (!attempts) return std::move(attempts).error();
  s.webhook.max_attempts = static_cast<int>(*attempts);
  auto backoff = number(v, "webhook-backoff-ms", 1000, 1, 3600000);
  if (!backoff) return std::move(backoff).error();
  s.webhook.backoff_initial = duration(*backoff);
  s.metrics = get("metrics", kDefaultMetricsAddress);
  if (s.metrics == "off") s.metrics.clear();
  c.make_token_role = get("make-token", "");
  c.make_token_agency = get("agency", "");
  c.make_token_person = get("person", "");
  c.make_token_id = get("token-id", "");
  return c;
}

}  // namespace casework::daemon
