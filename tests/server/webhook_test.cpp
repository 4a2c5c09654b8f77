// Webhook delivery of the outbox: a receiver on 127.0.0.1 that is down at first, then up, gets every
// notification exactly once (by its idempotency key) as a CloudEvents 1.0 event; a restart re-sends nothing;
// a receiver that keeps failing turns notifications into dead letters after N attempts.
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace json = boost::json;
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
// A webhook receiver on a fixed port, started and stopped by the test.
class receiver {
 public:
  explicit receiver(std::uint16_t port, unsigned status = 200) : port_(port), status_(status) {}
  ~receiver() { stop(); }

  void start() {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), port_});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    try {  // wake the blocking accept
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      s.connect({asio::ip::make_address("127.0.0.1"), port_});
    } catch (...) {
    }
    thread_.join();
    acceptor_.close();
  }
  std::vector<json::object> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<std::string> keys() const {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_;
  }

 private:
  void serve() {
    while (!stopping_) {
      asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) return;
      try {
        boost::beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::read(s, buf, req);
        {
          std::lock_guard<std::mutex> lock(mu_);
          keys_.emplace_back(req["Idempotency-Key"]);
          events_.push_back(json::parse(req.body()).as_object());
          EXPECT_EQ(req[http::field::content_type], "application/cloudevents+json; charset=utf-8");
        }
        http::response<http::string_body> res{static_cast<http::status>(status_), 11};
        res.body() = "";
        res.prepare_payload();
        http::write(s, res);
      } catch (const std::exception&) {
      }
    }
  }

  std::uint16_t port_;
  unsigned status_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<json::object> events_;
  std::vector<std::string> keys_;
};

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed on return: nobody listens there until the receiver starts
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {  // up to 10 s
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::set<std::string> outbox_keys(const running_server& s) {
  std::set<std::string> keys;
  auto page = s.call("GET", "/v1/notifications?limit=500", "admin");
  for (const auto& n : page.json().at("notifications").as_array())
    keys.insert(std::string(n.at("key").as_string()));
  return keys;
}

std::function<void(server_options&)> webhook_to(std::uint16_t port, int attempts) {
  return [port, attempts](server_options& o) {
    o.webhook.url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/casework";
    o.webhook.max_attempts = attempts;
    o.webhook.backoff_initial = std::chrono::milliseconds(10);
    o.webhook.backoff_max = std::chrono::milliseconds(80);
    o.webhook.timeout = std::chrono::seconds(2);
  };
}
}  // namespace

TEST(ServerWebhooks, AReceiverDownAtFirstGetsEveryNotificationOnceWhenItComesUp) {
  const std::uint16_t port = free_port();
  receiver r(port);
  temp_dir keep;  // the store outlives the first server: a restart must not re-send
  std::string store;
  {
    running_server s(webhook_to(port, 1000));
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(s.call_json("POST", "/v1/cases", "call-taker@call-centre",
                            streetlight_report("No. " + std::to_string(i) + " Hook Rd"))
                    .status,
                201u);
    ASSERT_EQ(s.call_json("POST", "/v1/clock/advance", "admin", {{"by", "PT15M"}}).status,
              200u);  // R6.3 reminders
    const auto expected = outbox_keys(s);
    ASSERT_EQ(expected.size(), 6u);
    // Down: the sender is failing and backing off.
    ASSERT_TRUE(eventually([&] { return s.log_text().find("webhook attempt failed") != std::string::npos; }));
    EXPECT_TRUE(r.keys().empty());
    r.start();
    ASSERT_TRUE(eventually([&] { return r.keys().size() >= expected.size(); })) << r.keys().size();
    const auto keys = r.keys();
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), expected);
    EXPECT_EQ(keys.size(), expected.size()) << "a notification arrived twice";
    for (const auto& e : r.events()) {
      EXPECT_EQ(e.at("specversion"), "1.0");
      EXPECT_EQ(e.at("type"), "org.casework.notification");
      EXPECT_TRUE(expected.count(std::string(e.at("id").as_string())));
      EXPECT_EQ(e.at("data").at("key"), e.at("id"));
      EXPECT_EQ(json::serialize(e).find("0912345678"), std::string::npos);  // no contact details
    }
    // A restart on the same store: a new notification arrives, the old ones are not sent again.
    s.shutdown();
    std::filesystem::copy(s.dir().str("store"), keep.str("store"));
    store = keep.str("store");
  }
  running_server again([&](server_options& o) {
    webhook_to(port, 1000)(o);
    o.data_dir = store;
  });
  ASSERT_EQ(
      again.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report("No. 9 Hook Rd"))
          .status,
      201u);
  ASSERT_TRUE(eventually([&] { return r.keys().size() >= 7; }));
  const auto keys = r.keys();
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 7u);
}

TEST(ServerWebhooks, AReceiverThatKeepsFailingTurnsNotificationsIntoDeadLettersAfterNAttempts) {
  const std::uint16_t port = free_port();
  receiver r(port, 500);
  r.start();
  running_server s(webhook_to(port, 3));
  ASSERT_EQ(s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report()).status, 201u);
  const auto expected = outbox_keys(s);
  ASSERT_EQ(expected.size(), 1u);
  json::array dead;
  ASSERT_TRUE(eventually([&] {
    dead = s.call("GET", "/v1/webhooks/dead-letters", "admin").json().at("dead_letters").as_array();
    return dead.size() == expected.size();
  }));
  EXPECT_EQ(dead[0].at("key").as_string(), *expected.begin());
  EXPECT_EQ(dead[0].at("attempts"), 3);
  EXPECT_EQ(dead[0].at("last_error"), "HTTP 500");
  EXPECT_EQ(r.keys().size(), 3u);  // exactly N attempts, all with the same idempotency key
  for (const auto& k : r.keys()) EXPECT_EQ(k, *expected.begin());
}

}  // namespace casework::testing
