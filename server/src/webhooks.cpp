// Webhook delivery (see webhooks.hpp).
#include "webhooks.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "casework/json_text.hpp"
#include "casework/time.hpp"

namespace casework::server_detail {
namespace json = boost::json;
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {
constexpr const char* dead_key = "webhook/dead-letters";
std::string delivered_key(const std::string& key) {
  return "webhook/delivered/" + key;
}
}  // namespace

json::object cloud_event(const notification_record& n, const std::string& source) {
  json::array channels;
  for (const auto& c : n.channels) channels.push_back(json::value(c));
  return json::object{{"specversion", "1.0"},
                      {"id", n.key},
                      {"source", source},
                      {"type", "org.casework.notification"},
                      {"subject", n.case_id},
                      {"time", format_utc(n.recorded_at)},
                      {"datacontenttype", "application/json"},
                      {"data", json::object{{"key", n.key},
                                            {"case", n.case_id},
                                            {"kind", n.kind},
                                            {"rule", n.rule},
                                            {"channels", std::move(channels)},
                                            {"recipients", n.recipients},
                                            {"due", format_utc(n.due)}}}};
}

expected<std::unique_ptr<webhook_sender>> webhook_sender::create(engine& eng, event_log& meta,
                                                                 webhook_options opt, server_log& log,
                                                                 server_metrics* metrics) {
  std::unique_ptr<webhook_sender> w(new webhook_sender(eng, meta, std::move(opt), log, metrics));
  std::string_view u = w->opt_.url;
  if (u.substr(0, 7) != "http://")
    return error(errc::invalid_argument, "must start with http:// (https is not supported)", "webhook.url");
  u.remove_prefix(7);
  auto slash = u.find('/');
  std::string_view hostport = u.substr(0, slash);
  w->path_ = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  auto colon = hostport.rfind(':');
  w->host_ = std::string(hostport.substr(0, colon));
  w->port_ = colon == std::string_view::npos ? "80" : std::string(hostport.substr(colon + 1));
  if (w->host_.empty() || w->port_.empty())
    return error(errc::invalid_argument, "must be http://host[:port][/path]", "webhook.url");
  if (w->opt_.max_attempts < 1) return error(errc::invalid_argument, "at least 1", "webhook.max_attempts");
  return w;
}

webhook_sender::webhook_sender(engine& eng, event_log& meta, webhook_options opt, server_log& log,
                               server_metrics* metrics)
    : eng_(eng), meta_(meta), opt_(std::move(opt)), log_(log), metrics_(metrics) {}

webhook_sender::~webhook_sender() {
  stop();
}

void webhook_sender::start() {
  thread_ = std::thread([this] { run(); });
}

void webhook_sender::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void webhook_sender::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool webhook_sender::wait_for(duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, d, [&] { return stopping_; });
  return !stopping_;
}

bool webhook_sender::delivered(const std::string& key) {
  if (done_.count(key)) return true;
  if (meta_.get_meta(delivered_key(key))) {
    done_.insert(key);
    return true;
  }
  return false;
}

void webhook_sender::run() {
  {  // the dead letters are done too: they are not retried by a restart
    auto dead = dead_letters();
    if (dead)
      for (const auto& d : *dead)
        if (auto* k = d.as_object().if_contains("key"); k && k->is_string())
          done_.insert(std::string(k->get_string()));
  }
  std::uint64_t pos = 0;  // the outbox position to read from next
  while (true) {
    auto batch = eng_.notifications(pos, 200);
    if (batch.empty()) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_ || woken_; });
      woken_ = false;
      if (stopping_) return;
      continue;
    }
    for (const auto& n : batch) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      if (!delivered(n.key)) deliver(n);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ && !done_.count(n.key)) return;  // interrupted: the record stays pending
      }
      pos = n.position + 1;
    }
  }
}

void webhook_sender::deliver(const notification_record& n) {
  duration backoff = opt_.backoff_initial;
  std::string why;
  for (int attempt = 1; attempt <= opt_.max_attempts; ++attempt) {
    if (post(n, why)) {
      if (auto st = meta_.put_meta(delivered_key(n.key), format_utc(eng_.now())); !st)
        log_.write("warn", "webhook delivered but not recorded",
                   {{"key", n.key}, {"code", to_string(st.error().code())}});
      done_.insert(n.key);
      log_.write("info", "webhook delivered", {{"key", n.key}, {"attempt", attempt}});
      return;
    }
    log_.write("warn", "webhook attempt failed", {{"key", n.key}, {"attempt", attempt}, {"why", why}});
    if (attempt == opt_.max_attempts) break;  // not retried: counted as a dead letter below
    if (metrics_) metrics_->webhook_failure(n.kind);
    if (!wait_for(backoff)) return;
    backoff = std::min(backoff * 2, opt_.backoff_max);
  }
  std::lock_guard<std::mutex> lock(mu_);  // one writer of the dead letters: this thread; readers lock too
  json::array dead;
  if (auto cur = meta_.get_meta(dead_key))
    if (json::error_code ec; true)
      if (auto v = parse_json(*cur, ec); !ec && v.is_array()) dead = std::move(v.get_array());
  dead.push_back(json::object{{"key", n.key},
                              {"case", n.case_id},
                              {"kind", n.kind},
                              {"attempts", opt_.max_attempts},
                              {"last_error", why},
                              {"event", cloud_event(n, opt_.source)}});
  if (auto st = meta_.put_meta(dead_key, json::serialize(dead)); !st) {
    log_.write("error", "dead letter not recorded", {{"key", n.key}});
    return;  // not marked done: retried by the next process
  }
  done_.insert(n.key);
  if (metrics_) metrics_->webhook_dead_letter(n.kind);
  log_.write("error", "webhook dead letter", {{"key", n.key}, {"attempts", opt_.max_attempts}});
}

bool webhook_sender::post(const notification_record& n, std::string& why) const {
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(opt_.timeout);
    asio::ip::tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host_, port_);
    stream.connect(endpoints);
    http::request<http::string_body> req{http::verb::post, path_, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::content_type, "application/cloudevents+json; charset=utf-8");
    req.set("Idempotency-Key", n.key);
    req.body() = json::serialize(cloud_event(n, opt_.source));
    req.prepare_payload();
    stream.expires_after(opt_.timeout);
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    if (res.result_int() >= 200 && res.result_int() < 300) return true;
    why = "HTTP " + std::to_string(res.result_int());
  } catch (const std::exception& e) {
    why = e.what();
  }
  return false;
}

expected<json::array> webhook_sender::dead_letters() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto cur = meta_.get_meta(dead_key);
  if (!cur) {
    if (cur.error().code() == errc::not_found) return json::array{};
    return std::move(cur).error();
  }
  boost::system::error_code ec;
  auto v = parse_json(*cur, ec);
  if (ec || !v.is_array()) return error(errc::internal, "unreadable dead letters", dead_key);
  return std::move(v.get_array());
}

}  // namespace casework::server_detail
