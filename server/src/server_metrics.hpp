// caseworkd's own Prometheus metrics (docs/metrics.md, "Emitted by the server"), registered in the
// metrics_exporter's registry: HTTP requests by route template, webhook delivery failures and dead letters.
// Every label value is bounded: a route template (never a concrete path), a known method, a status code, a
// notification kind from the rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace casework::server_detail {

class server_metrics {
 public:
  explicit server_metrics(std::shared_ptr<prometheus::Registry> registry);

  // One answered request; `route` is route_template()'s.
  void request(const std::string& route, std::string_view method, int code, double seconds);
  void webhook_failure(const std::string& kind);
  void webhook_dead_letter(const std::string& kind);

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // owns the families below
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& webhook_failures_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
};

// The route template a request target is answered by ("/v1/cases/{id}/{command}"), "unmatched" for a path no
// route serves. Never contains a case id, a code or a query.
std::string route_template(std::string_view target);

}  // namespace casework::server_detail
