#include "casework/metrics_exporter.hpp"

#include <exception>
#include <regex>
#include <sstream>
#include <utility>

#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

namespace casework {

struct metrics_exporter::impl {
  std::shared_ptr<metrics_collector> collector;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;  // null without an address
  int port = 0;
};

namespace {

// An IPv4 literal or a bracketed IPv6 literal, a colon and a port (0-65535). civetweb resolves no names.
status check_address(const std::string& address) {
  static const std::regex form(R"(^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$)");
  std::smatch m;
  if (!std::regex_match(address, m, form) || std::stoul(m[3].str()) > 65535)
    return error(errc::invalid_argument, "'" + address + "' is not ip:port (e.g. 127.0.0.1:9464, [::1]:9464)",
                 "metrics.address");
  return {};
}

status check_path(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find_first_of(" ?#") != std::string::npos)
    return error(errc::invalid_argument, "'" + path + "' is not an absolute URI path (e.g. /metrics)",
                 "metrics.path");
  return {};
}

}  // namespace

expected<std::unique_ptr<metrics_exporter>> metrics_exporter::open(metrics_options options) {
  if (auto st = check_path(options.path); !st) return st.error();
  auto p = std::make_unique<impl>();
  p->collector = std::make_shared<metrics_collector>(std::move(options.sources));
  if (!options.address.empty()) {
    if (auto st = check_address(options.address); !st) return st.error();
    try {
      p->exposer =
          std::make_unique<prometheus::Exposer>(options.address, options.threads == 0 ? 1 : options.threads);
      p->exposer->RegisterCollectable(p->collector, options.path);
      p->exposer->RegisterCollectable(p->registry, options.path);
      auto ports = p->exposer->GetListeningPorts();
      if (ports.empty())
        return error(errc::unavailable, "listening on " + options.address + ": no port bound",
                     "metrics.address");
      p->port = ports.front();
    } catch (const std::exception& e) {
      return error(errc::unavailable, "cannot listen on " + options.address + ": " + e.what(),
                   "metrics.address");
    }
  }
  return std::unique_ptr<metrics_exporter>(new metrics_exporter(std::move(p)));
}

metrics_exporter::metrics_exporter(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

metrics_exporter::~metrics_exporter() = default;

int metrics_exporter::port() const {
  return impl_->port;
}

std::string metrics_exporter::text() const {
  auto families = impl_->collector->Collect();
  for (auto& f : impl_->registry->Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::shared_ptr<prometheus::Registry> metrics_exporter::registry() const {
  return impl_->registry;
}

}  // namespace casework
