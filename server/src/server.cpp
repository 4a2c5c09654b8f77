// caseworkd's server: the store, the engine, the routes, the listener and the shutdown (see server.hpp).
#include "casework/server.hpp"

#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "api.hpp"
#include "casework/metrics_exporter.hpp"
#include "casework/rocksdb_store.hpp"
#include "server_metrics.hpp"
#include "session.hpp"
#include "webhooks.hpp"

namespace casework {
namespace asio = boost::asio;
using namespace server_detail;

// Members are destroyed in reverse order: the io_context (and with it any session cut off by the drain
// timeout) before the session bookkeeping it calls back into; the routes before the engine they subscribe to;
// the engine (whose notifier wakes the webhook sender) before the sender; the store last. The metrics exporter
// (whose providers read the engine) goes before the engine; the server's own metric families, which the
// sessions and the webhook sender update, live in the exporter's registry, which `metrics` keeps alive.
struct server::impl {
  server_options opt;
  std::unique_ptr<server_log> log;
  std::shared_ptr<rocksdb_store> store;
  std::unique_ptr<server_metrics> metrics;
  std::unique_ptr<webhook_sender> webhooks;
  std::unique_ptr<engine> eng;
  std::unique_ptr<metrics_exporter> exporter;
  std::unique_ptr<api> routes;
  session_host host;
  std::mutex mu;
  std::map<session*, std::weak_ptr<session>> sessions;
  std::atomic<bool> stop_requested{false};
  std::uint16_t port = 0;  // the bound port, kept: the acceptor closes on stop()
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  asio::steady_timer drain_timer{io};

  void accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [this](boost::system::error_code ec, asio::ip::tcp::socket s) {
                            if (ec) return;  // closed by stop()
                            auto sp = std::make_shared<session>(std::move(s), host);
                            {
                              std::lock_guard<std::mutex> lock(mu);
                              sessions[sp.get()] = sp;
                            }
                            sp->start();
                            accept();
                          });
  }

  void session_ended(session* s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(s);
    if (host.stopping && sessions.empty() && !io.stopped()) asio::post(io, [this] { drain_timer.cancel(); });
  }
};

namespace {
expected<asio::ip::tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return error(errc::invalid_argument, "must be host:port (e.g. 127.0.0.1:8080)", "listen");
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return error(errc::invalid_argument, "not an IP address", "listen");
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return error(errc::invalid_argument, "not a port number", "listen");
  return asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(std::stoul(port)));
}
}  // namespace

expected<std::unique_ptr<server>> server::open(server_options options) {
  if (options.data_dir.empty()) return error(errc::invalid_argument, "required", "data");
  if (!options.rules) return error(errc::invalid_argument, "required", "rules");
  if (options.clock == clock_mode::deterministic)
    return error(errc::invalid_argument, "must be real or virtual", "clock");
  auto ep = parse_listen(options.listen);
  if (!ep) return std::move(ep).error();

  auto p = std::make_unique<impl>();
  p->opt = std::move(options);
  p->log = std::make_unique<server_log>(p->opt.log ? *p->opt.log : std::clog);

  token_table tokens = token_table::empty();
  if (!p->opt.tokens_file.empty()) {
    auto t = token_table::load(p->opt.tokens_file, p->opt.rules->people);
    if (!t) return std::move(t).error();
    tokens = std::move(*t);
  }
  std::error_code fec;
  std::filesystem::create_directories(p->opt.data_dir, fec);
  store_options so;
  so.path = p->opt.data_dir;
  so.block_cache_bytes = p->opt.block_cache_bytes;
  auto store = rocksdb_store::open(so);
  if (!store) return std::move(store).error();
  p->store = std::shared_ptr<rocksdb_store>(std::move(*store));

  engine_options eo;
  eo.rules = p->opt.rules;
  eo.mode = p->opt.clock;
  eo.start = p->opt.start;
  eo.log = p->store;
  eo.worker_threads = p->opt.engine_threads;
  auto eng = engine::open(std::move(eo));
  if (!eng) return std::move(eng).error();
  p->eng = std::move(*eng);

  if (!p->opt.metrics.empty()) {
    metrics_options mo;
    mo.address = p->opt.metrics;
    engine* e = p->eng.get();
    mo.sources.figures = [e] {
      std::vector<std::shared_ptr<const agency_figures>> out;
      for (const auto& a : e->agencies())
        if (auto f = e->figures(a)) out.push_back(std::move(f));
      return out;
    };
    mo.sources.health = [e] { return e->health(); };
    mo.sources.now = [e] { return e->now(); };
    auto ex = metrics_exporter::open(std::move(mo));
    if (!ex) {
      auto err = std::move(ex).error();
      return error(err.code(), err.message(), "metrics");
    }
    p->exporter = std::move(*ex);
    p->metrics = std::make_unique<server_metrics>(p->exporter->registry());
  }

  if (!p->opt.webhook.url.empty()) {
    webhook_options wo = p->opt.webhook;
    auto w = webhook_sender::create(*p->eng, *p->store, std::move(wo), *p->log, p->metrics.get());
    if (!w) return std::move(w).error();
    p->webhooks = std::move(*w);
    webhook_sender* raw = p->webhooks.get();
    p->eng->on_notification([raw](const notification_record&) { raw->wake(); });
  }
  p->routes =
      std::make_unique<api>(p->opt, *p->eng, *p->store, std::move(tokens), *p->log, p->webhooks.get());

  boost::system::error_code ec;
  p->acceptor.open(ep->protocol(), ec);
  if (!ec) p->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(*ep, ec);
  if (!ec) p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return error(errc::invalid_argument, "cannot listen: " + ec.message(), "listen");

  p->port = p->acceptor.local_endpoint().port();
  p->host.routes = p->routes.get();
  p->host.limits = &p->opt.limits;
  p->host.log = p->log.get();
  p->host.metrics = p->metrics.get();
  impl* raw = p.get();
  p->host.on_session_end = [raw](session* s) { raw->session_ended(s); };
  if (p->webhooks) p->webhooks->start();
  p->log->write(
      "info", "listening",
      {{"port", p->port},
       {"clock", p->opt.clock == clock_mode::virtual_time ? "virtual" : "real"},
       {"metrics_port", p->exporter ? p->exporter->port() : 0}});
  return std::unique_ptr<server>(new server(std::move(p)));
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() {
  stop();
  impl_->io.stop();
  if (impl_->webhooks) impl_->webhooks->stop();
  impl_->routes.reset();
  impl_->exporter.reset();  // stops serving /metrics: its providers read the engine
  impl_->eng.reset();  // stops the actors; commands not answered yet are answered unavailable
  impl_->webhooks.reset();
  impl_->store.reset();  // closes RocksDB
  impl_->log->write("info", "stopped");
}

std::uint16_t server::port() const {
  return impl_->port;
}

int server::metrics_port() const {
  return impl_->exporter ? impl_->exporter->port() : 0;
}

engine& server::core() {
  return *impl_->eng;
}

void server::run() {
  auto& p = *impl_;
  p.accept();
  std::vector<std::thread> threads;
  const std::size_t io_threads =
      p.opt.io_threads > 0 ? p.opt.io_threads : std::max<std::size_t>(2, std::thread::hardware_concurrency());
  for (std::size_t i = 1; i < io_threads; ++i)
    threads.emplace_back([&p] { p.io.run(); });
  p.io.run();
  for (auto& t : threads) t.join();
  p.log->write("info", "drained");
}

void server::stop() {
  auto& p = *impl_;
  if (p.stop_requested.exchange(true)) return;
  p.log->write("info", "stopping");
  p.routes->set_draining();
  asio::post(p.io, [&p] {
    p.host.stopping = true;
    boost::system::error_code ec;
    p.acceptor.close(ec);
    std::vector<std::shared_ptr<session>> live;
    {
      std::lock_guard<std::mutex> lock(p.mu);
      for (auto& kv : p.sessions)
        if (auto s = kv.second.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->close_if_idle();
    p.drain_timer.expires_after(p.opt.drain_timeout);
    p.drain_timer.async_wait([&p](boost::system::error_code e) {
      if (!e) p.io.stop();  // timed out: the busy sessions are cut off
    });
    if (live.empty()) p.drain_timer.cancel();
  });
}

}  // namespace casework
