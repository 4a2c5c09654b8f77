#include "open_loop.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <memory>

namespace casework::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

std::string expand(const std::string& body, std::size_t n) {
  std::string out = body;
  const std::string mark = "{{n}}";
  for (auto pos = out.find(mark); pos != std::string::npos; pos = out.find(mark, pos))
    out.replace(pos, mark.size(), std::to_string(n));
  return out;
}

struct pending {
  std::size_t n = 0;
  steady::time_point intended;
};

class generator {
 public:
  generator(const load_target& t, const load_plan& p) : t_(t), p_(p), tick_(io_) {}

  load_result run() {
    tcp::resolver resolver(io_);
    beast::error_code ec;
    endpoints_ = resolver.resolve(t_.host, t_.port, ec);
    res_.rate = p_.rate;
    res_.due = static_cast<std::size_t>(p_.rate * p_.seconds);
    start_ = steady::now();
    end_due_ = start_ + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(p_.seconds));
    deadline_ = end_due_ + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(p_.drain_seconds));
    for (std::size_t i = 0; i < p_.connections; ++i) conns_.push_back(std::make_shared<conn>(io_));
    schedule_next();
    io_.run_until(deadline_);
    res_.unanswered = res_.due - std::min(res_.due, res_.ok + res_.http_errors + res_.io_errors);
    res_.achieved_rate = static_cast<double>(res_.ok + res_.http_errors) / p_.seconds;
    return std::move(res_);
  }

 private:
  struct conn {
    explicit conn(asio::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    bool connected = false, busy = false;
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    pending what;
  };

  steady::time_point intended(std::size_t i) const {
    return start_ + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                        static_cast<double>(i) / p_.rate));
  }

  void schedule_next() {
    if (next_ >= res_.due) return;
    tick_.expires_at(intended(next_));
    tick_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      // Every request due by now joins the backlog (the timer may wake late: they keep their intended times).
      auto now = steady::now();
      while (next_ < res_.due && intended(next_) <= now) {
        backlog_.push_back(pending{next_, intended(next_)});
        ++next_;
      }
      res_.max_backlog = std::max(res_.max_backlog, backlog_.size());
      dispatch();
      schedule_next();
    });
  }

  void dispatch() {
    for (auto& c : conns_) {
      if (backlog_.empty()) return;
      if (c->busy) continue;
      c->busy = true;
      c->what = backlog_.front();
      backlog_.pop_front();
      send(c);
    }
  }

  void send(const std::shared_ptr<conn>& c) {
    if (!c->connected) {
      c->stream.async_connect(endpoints_, [this, c](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return failed(c);
        c->connected = true;
        c->stream.socket().set_option(tcp::no_delay(true));
        send(c);
      });
      return;
    }
    c->req = {};
    c->req.version(11);
    c->req.method(http::string_to_verb(t_.method));
    c->req.target(t_.target);
    c->req.set(http::field::host, t_.host);
    c->req.keep_alive(true);
    for (const auto& [k, v] : t_.headers) c->req.set(k, v);
    if (!t_.body.empty()) c->req.body() = expand(t_.body, c->what.n);
    c->req.prepare_payload();
    http::async_write(c->stream, c->req, [this, c](beast::error_code ec, std::size_t) {
      if (ec) return failed(c);
      c->res = {};
      http::async_read(c->stream, c->buf, c->res, [this, c](beast::error_code rec, std::size_t) {
        if (rec) return failed(c);
        const auto latency = steady::now() - c->what.intended;
        res_.latency.add(latency);
        const auto second = static_cast<std::size_t>(
            std::chrono::duration_cast<std::chrono::seconds>(c->what.intended - start_).count());
        if (res_.per_second.size() <= second) res_.per_second.resize(second + 1);
        res_.per_second[second].add(latency);
        auto code = c->res.result_int();
        ++res_.statuses[code];
        if (code >= 200 && code < 300) ++res_.ok;
        else ++res_.http_errors;
        if (!c->res.keep_alive()) {
          beast::error_code ignored;
          c->stream.socket().close(ignored);
          c->connected = false;
        }
        c->busy = false;
        dispatch();
      });
    });
  }

  void failed(const std::shared_ptr<conn>& c) {
    ++res_.io_errors;
    beast::error_code ignored;
    c->stream.socket().close(ignored);
    c->connected = false;
    c->busy = false;
    dispatch();
  }

  load_target t_;
  load_plan p_;
  asio::io_context io_;
  asio::steady_timer tick_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::shared_ptr<conn>> conns_;
  std::deque<pending> backlog_;
  std::size_t next_ = 0;
  steady::time_point start_, end_due_, deadline_;
  load_result res_;
};

}  // namespace

load_result run_open_loop(const load_target& t, const load_plan& p) {
  generator g(t, p);
  return g.run();
}

}  // namespace casework::bench
