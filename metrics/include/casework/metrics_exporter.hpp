// casework/metrics_exporter.hpp: the engine's metrics over HTTP for Prometheus (GET /metrics), and as text
// for embedders that serve or log them themselves.
//
//   metrics_options o;
//   o.sources.figures = [&] { ... };            // see metrics_collector.hpp
//   o.address = "127.0.0.1:9464";               // caseworkd --metrics ADDR
//   auto ex = metrics_exporter::open(std::move(o));
//   if (!ex) return fail(ex.error());           // e.g. unavailable: the address is in use
//   (*ex)->port();                              // the bound port (useful with port 0)
//   (*ex)->text();                              // the same families, without HTTP
//
// The exporter owns a metrics_collector and a prometheus::Registry for the embedder's own metrics (the
// server's HTTP requests and webhook deliveries), served with it. The HTTP server is prometheus-cpp's Exposer
// (civetweb); it also serves prometheus-cpp's own exposer_* metrics about scrapes.
#pragma once

#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "casework/error.hpp"
#include "casework/metrics_collector.hpp"

namespace casework {

// caseworkd's default --metrics address: loopback, since metrics are for the operators' Prometheus (put a
// proxy or a wider address in front deliberately).
inline constexpr const char* kDefaultMetricsAddress = "127.0.0.1:9464";

struct metrics_options {
  metrics_sources sources;  // what is exported (metrics_collector.hpp); default: build info only
  // "ip:port" to listen on, an IP literal ("127.0.0.1:9464", "0.0.0.0:9464", "[::1]:9464"; port 0: any free
  // port). Default (empty): no HTTP server; text() only.
  std::string address;
  std::string path = "/metrics";  // the URI served
  std::size_t threads = 2;        // HTTP server threads (each scrape takes one)
};

class metrics_exporter {
 public:
  // Starts serving. Errors: invalid_argument for a malformed address or path (names it); unavailable when the
  // address cannot be bound (in use, not local).
  static expected<std::unique_ptr<metrics_exporter>> open(metrics_options options);
  // Stops the HTTP server; a scrape in progress completes first.
  ~metrics_exporter();
  metrics_exporter(const metrics_exporter&) = delete;
  metrics_exporter& operator=(const metrics_exporter&) = delete;

  // The bound TCP port; 0 without an HTTP server.
  int port() const;
  // The exposition of the collector and the registry, as a scrape of `path` returns it (without
  // prometheus-cpp's exposer_* metrics).
  std::string text() const;
  // For the embedder's own metrics, e.g. prometheus::BuildCounter().Name("casework_http_requests_total")
  // .Register(*ex->registry()); exported with casework's. Follow docs/metrics.md's naming.
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct impl;
  explicit metrics_exporter(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace casework
