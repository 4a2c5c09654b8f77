// One HTTP/1.1 connection: reads a request under the limits, has the api answer it (at once, or later from
// an engine callback posted back to the strand), writes the answer, and loops while the connection is kept
// alive. Every step runs on the connection's strand.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api.hpp"
#include "server_metrics.hpp"

namespace casework::server_detail {
class session;
}

namespace casework::server_detail {

// What sessions share with the server: the routes, the limits, the log and the shutdown state.
struct session_host {
  api* routes = nullptr;
  const server_limits* limits = nullptr;
  server_log* log = nullptr;
  server_metrics* metrics = nullptr;  // null: no --metrics
  std::atomic<bool> stopping{false};
  std::function<void(session*)> on_session_end;  // called (any thread) as a session is destroyed
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(boost::asio::ip::tcp::socket socket, session_host& host);
  ~session();
  void start();
  void close_if_idle();  // during shutdown: idle keep-alive connections are closed, busy ones finish

 private:
  void read();
  void on_read(boost::beast::error_code ec);
  // Logs and counts the request, then writes its answer.
  void respond(const request& req, std::chrono::steady_clock::time_point started, response res);
  void answer(response res);
  void on_write(bool keep_alive, boost::beast::error_code ec);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<response> res_;
  session_host& host_;
  bool busy_ = false;
};

}  // namespace casework::server_detail
