// One HTTP/1.1 connection (see session.hpp).
#include "session.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

namespace casework::server_detail {
namespace beast = boost::beast;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// The path for the log: only when every segment is a plain id-like word (so nothing a client typed into a
// path, such as a phone number in a malformed URL, reaches the log unfiltered).
std::string loggable_path(beast::string_view target) {
  std::string path(target.substr(0, target.find('?')));
  if (path.size() > 200) return "(long path)";
  for (char c : path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' || c == '.'))
      return "(path not logged)";
  return path;
}
}  // namespace

session::session(asio::ip::tcp::socket socket, session_host& host)
    : stream_(std::move(socket)), host_(host) {}

session::~session() {
  if (host_.on_session_end) host_.on_session_end(this);
}

void session::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
}

void session::close_if_idle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->busy_) self->close();
  });
}

void session::read() {
  busy_ = false;
  if (host_.stopping) return close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(host_.limits->header_bytes));
  parser_->body_limit(host_.limits->body_bytes);
  stream_.expires_after(std::chrono::seconds(30));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void session::on_read(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset || ec == asio::error::eof)
    return close();
  busy_ = true;
  if (ec) {  // a request we will not read further: answer once and close
    request head;
    head.version(11);
    head.keep_alive(false);
    if (ec == http::error::body_limit) {
      answer(problem(head, http::status::payload_too_large, "invalid_argument",
                     "the body is larger than " + std::to_string(host_.limits->body_bytes) + " bytes",
                     "body"));
    } else if (ec == http::error::header_limit) {
      answer(problem(head, http::status::request_header_fields_too_large, "invalid_argument",
                     "the headers are larger than " + std::to_string(host_.limits->header_bytes) + " bytes",
                     "headers"));
    } else {
      answer(
          problem(head, http::status::bad_request, "invalid_argument", "malformed HTTP request", "request"));
    }
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  auto req = std::make_shared<request>(parser_->release());
  auto self = shared_from_this();
  reply_later later{
      [self](std::function<void()> job) { asio::post(self->stream_.get_executor(), std::move(job)); },
      [self, req, started](response res) { self->respond(*req, started, std::move(res)); }};
  if (auto res = host_.routes->handle(*req, later)) respond(*req, started, std::move(*res));
  // else the route answers through `later`; the session stays busy (not closed as idle) until then
}

void session::respond(const request& req, std::chrono::steady_clock::time_point started, response res) {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  const double ms = took.count() * 1000;
  if (host_.metrics)
    host_.metrics->request(route_template(std::string_view(req.target().data(), req.target().size())),
                           std::string_view(req.method_string().data(), req.method_string().size()),
                           res.result_int(), took.count());
  host_.log->write("info", "request",
                   {{"method", std::string(req.method_string())},
                    {"path", loggable_path(req.target())},
                    {"status", res.result_int()},
                    {"ms", static_cast<std::int64_t>(ms)}});
  if (host_.stopping) res.keep_alive(false);
  answer(std::move(res));
}

void session::answer(response res) {
  res_ = std::move(res);
  const bool keep = res_->keep_alive();
  http::async_write(stream_, *res_, [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
    self->on_write(keep, ec);
  });
}

void session::on_write(bool keep_alive, beast::error_code ec) {
  res_.reset();
  if (ec || !keep_alive) return close();
  read();
}

void session::close() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

}  // namespace casework::server_detail
