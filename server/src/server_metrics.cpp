// caseworkd's own metrics (see server_metrics.hpp).
#include "server_metrics.hpp"

#include <vector>

namespace casework::server_detail {

server_metrics::server_metrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("casework_http_requests_total")
                    .Help("API requests answered, by route template, method and status code")
                    .Register(*registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("casework_http_request_duration_seconds")
                     .Help("Time to answer an API request, by route template and method")
                     .Register(*registry_)),
      webhook_failures_(prometheus::BuildCounter()
                            .Name("casework_webhook_delivery_failures_total")
                            .Help("Webhook delivery attempts of notifications that failed (to be retried)")
                            .Register(*registry_)),
      dead_letters_(prometheus::BuildCounter()
                        .Name("casework_webhook_dead_letters_total")
                        .Help("Notifications given up on after every webhook retry (dead letters)")
                        .Register(*registry_)) {}

namespace {
std::string bounded_method(std::string_view m) {
  for (const char* known : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
    if (m == known) return known;
  return "other";
}
}  // namespace

void server_metrics::request(const std::string& route, std::string_view method, int code, double seconds) {
  const std::string m = bounded_method(method);
  requests_.Add({{"route", route}, {"method", m}, {"code", std::to_string(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  durations_.Add({{"route", route}, {"method", m}}, bounds).Observe(seconds);
}

void server_metrics::webhook_failure(const std::string& kind) {
  webhook_failures_.Add({{"kind", kind}}).Increment();
}

void server_metrics::webhook_dead_letter(const std::string& kind) {
  dead_letters_.Add({{"kind", kind}}).Increment();
}

std::string route_template(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  for (const char* fixed :
       {"/healthz", "/readyz", "/v1/cases", "/v1/notifications", "/v1/clock", "/v1/clock/advance",
        "/v1/calendar/closures", "/v1/webhooks/dead-letters", "/open311/v2/services.json",
        "/open311/v2/requests.json"})
    if (path == fixed) return fixed;
  std::vector<std::string_view> parts;
  for (std::size_t i = 1; i <= path.size();) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  const auto n = parts.size();
  if (n >= 3 && n <= 4 && parts[0] == "v1" && parts[1] == "cases" && !parts[2].empty()) {
    if (n == 3) return "/v1/cases/{id}";
    if (parts[3] == "history") return "/v1/cases/{id}/history";
    if (!parts[3].empty()) return "/v1/cases/{id}/{command}";
  }
  if (n == 4 && parts[0] == "open311" && parts[1] == "v2" && !parts[3].empty()) {
    if (parts[2] == "services") return "/open311/v2/services/{code}";
    if (parts[2] == "requests") return "/open311/v2/requests/{id}";
  }
  return "unmatched";
}

}  // namespace casework::server_detail
