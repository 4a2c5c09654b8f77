// casework/server.hpp: caseworkd's HTTP/JSON server, a thin edge over casework::engine (docs/server.md).
//
//   casework::server_options opt;
//   opt.data_dir = "var/demo";                       // the RocksDB store
//   opt.rules = *casework::load_bundle(casework::bundle_paths::taipei("workflows"));
//   opt.tokens_file = "var/demo/tokens.json";
//   auto srv = casework::server::open(std::move(opt));   // binds the socket, opens store and engine
//   std::cout << (*srv)->port();
//   (*srv)->run();                                    // serves until stop() (from a signal handler thread)
//
// The server authenticates bearer tokens, scopes every case to the token's agency, redacts personal data for
// roles that do not need it, bounds every input, and translates engine errors into RFC 9457 problem
// documents. It decides nothing about cases: every command goes to the engine, which applies the rules.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "casework/bundle.hpp"
#include "casework/engine.hpp"
#include "casework/error.hpp"

namespace casework {

// Bounds on what a request may carry; anything larger is refused with a 4xx problem before it is parsed.
struct server_limits {
  std::size_t header_bytes = 8 * 1024;  // request line + headers (431 beyond)
  std::size_t body_bytes = 64 * 1024;   // request body (413 beyond)
  std::size_t json_depth = 8;           // nesting of arrays and objects in a JSON body
  std::size_t string_bytes = 4096;      // any JSON string, form value or query parameter (bytes)
  std::size_t target_bytes = 2048;      // the request target (path and query)
  std::size_t page_max = 500;           // largest page of a listing
};

// Webhook delivery of the notification outbox (CloudEvents 1.0, structured JSON). Empty url: no delivery.
struct webhook_options {
  std::string url;                                     // http://host:port/path (plain HTTP only)
  int max_attempts = 10;                               // then the notification goes to the dead letters
  duration backoff_initial = std::chrono::seconds(1);  // doubled after every failure ...
  duration backoff_max = std::chrono::seconds(60);     // ... up to this
  duration timeout = std::chrono::seconds(5);          // one POST, connect included
  std::string source = "/casework";                    // the CloudEvents "source" attribute
};

struct server_options {
  std::string data_dir;                   // REQUIRES: non-empty; the RocksDB store (created when missing)
  std::size_t block_cache_bytes = std::size_t{32} << 20;  // the store's block cache (store_options)
  std::shared_ptr<const bundle> rules;    // REQUIRES: non-null (load_bundle)
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port (see port())
  std::string tokens_file;                // empty: no token is valid (only /healthz, /readyz, services)
  clock_mode clock = clock_mode::real;    // real or virtual_time (deterministic is refused)
  instant start{};                        // virtual_time: the clock's start
  std::string hotline_agency = "call-centre";  // the agency whose tokens see every agency's cases
  // Threads serving HTTP; 0: one per core, at least 2. Creates, commands, case reads, histories and Open311
  // reads hold none while the engine works (callbacks), nor while their personal-data record is written; the
  // clock, closures and notifications listing block one until the engine answers. More threads than cores
  // only add wake-ups: on 2 cores, 32 threads answered 2,000 creates/s with a p99 of 29-197 ms where 2 threads
  // took 14-20 ms (docs/performance.md).
  std::size_t io_threads = 0;
  std::size_t engine_threads = 0;         // the engine's actor threads (engine_options::worker_threads); 0: cores
  server_limits limits;
  webhook_options webhook;
  // "ip:port" where GET /metrics serves Prometheus metrics (casework::metrics_exporter: the engine's figures
  // and health, and the server's own casework_http_* and casework_webhook_* metrics); port 0 picks a free port
  // (see metrics_port()). Empty: no metrics. caseworkd's default is kDefaultMetricsAddress (127.0.0.1:9464).
  std::string metrics;
  duration drain_timeout = std::chrono::seconds(10);  // stop(): longest wait for in-flight requests
  std::ostream* log = nullptr;                        // structured JSON log lines; default std::clog
};

class server {
 public:
  // Opens the store and the engine on it and binds the listening socket. Errors: invalid_argument naming the
  // option (listen, tokens_file, clock, metrics), storage for the store, unavailable when the metrics address
  // cannot be bound, and the tokens file's own errors.
  static expected<std::unique_ptr<server>> open(server_options options);
  // Stops (as stop() does) if still running, then stops the engine and closes the store.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const;  // the bound port
  int metrics_port() const;    // the metrics exporter's bound port; 0 without metrics
  // Serves until stop(); returns once in-flight requests are answered (or drain_timeout passed).
  void run();
  // Stops accepting, answers the requests in flight, closes idle connections. Safe from any thread.
  void stop();

  engine& core();  // the engine (tests and caseworkd's sample loader)

 private:
  struct impl;
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// A new random token (32 bytes, base64url) and the hex SHA-256 under which a tokens file stores it.
struct token_secret {
  std::string token;
  std::string sha256;
};
token_secret generate_token();
std::string token_hash(const std::string& token);

// A token to add to a tokens file (caseworkd --make-token).
struct token_spec {
  std::string id;      // REQUIRES: unique in the file
  std::string role;    // call-taker, duty-officer, handler, supervisor, auditor, admin, open311-client
  std::string agency;  // required except for admin and auditor
  std::string person;  // optional directory person id in that agency
};
// Generates a token, adds its hash to `tokens_file` (created when missing; replaced atomically, mode 0600)
// and returns its secret, which is stored nowhere. The resulting file is checked as the server loads it.
expected<std::string> add_token(const std::string& tokens_file, const token_spec& spec,
                                const directory& people);

}  // namespace casework
