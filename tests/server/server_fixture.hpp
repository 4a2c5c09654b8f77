// Test support for caseworkd: a server on 127.0.0.1 (ephemeral port) over a real RocksDB store in a temp dir,
// the Taipei rules on a virtual clock from Monday 2026-03-02 09:00 Taipei, one token per role and agency, and
// a small blocking HTTP client over real sockets.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/server.hpp"
#include "casework/time.hpp"
#include "temp_dir.hpp"

namespace casework::testing {

struct http_answer {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // The body parsed (null when it is not JSON); a reference into this answer, parsed once.
  const boost::json::value& json() const {
    if (!parsed_) {
      boost::system::error_code ec;
      auto v = boost::json::parse(body, ec);
      parsed_ = ec ? boost::json::value() : std::move(v);
    }
    return *parsed_;
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }

 private:
  mutable std::optional<boost::json::value> parsed_;
};

// One request on a fresh connection.
inline http_answer http_call(std::uint16_t port, const std::string& method, const std::string& target,
                             const std::string& body = {}, const std::string& token = {},
                             const std::string& content_type = "application/json",
                             const std::map<std::string, std::string>& extra = {}) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [k, v] : extra) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buf, parser);
  auto res = parser.release();
  http_answer a;
  a.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    a.headers[name] = std::string(f.value());
  }
  a.body = res.body();
  return a;
}

inline std::shared_ptr<const bundle> taipei_rules() {
  static auto rules = [] {
    auto r = load_bundle(bundle_paths::taipei(CASEWORK_WORKFLOWS_DIR));
    if (!r) throw std::runtime_error(r.error().to_string());
    return *r;
  }();
  return rules;
}

// The first instant of the scenarios: Monday 2026-03-02 09:00 in Taipei.
inline instant monday_9am() {
  return *parse_instant("2026-03-02T09:00:00+08:00");
}

// A log sink the test can read while the server writes to it.
class locked_log : public std::streambuf {
 public:
  std::string text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lock(mu_);
      text_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

class running_server {
 public:
  // Tokens: "admin", "auditor", and for each agency A in `agencies` and role R: "R@A" (e.g.
  // "handler@pwd-parks-lights").
  explicit running_server(std::function<void(server_options&)> tweak = {},
                          std::vector<std::string> agencies = {"call-centre", "pwd-parks-lights", "dep"}) {
    tokens_file_ = dir_.str("tokens.json");
    const auto& people = taipei_rules()->people;
    add("admin", "admin", "", "");
    add("auditor", "auditor", "", "");
    const std::map<std::string, std::map<std::string, std::string>> persons = {
        {"pwd-parks-lights",
         {{"duty-officer", "pwd-parks-lights-do-1"},
          {"handler", "pwd-parks-lights-h-1"},
          {"supervisor", "pwd-parks-lights-dm-1"}}},
        {"call-centre", {{"call-taker", "cc-ct-1"}, {"supervisor", "cc-sup-1"}}}};
    for (const auto& a : agencies)
      for (const char* r : {"call-taker", "duty-officer", "handler", "supervisor", "open311-client"}) {
        std::string person;
        if (auto pa = persons.find(a); pa != persons.end())
          if (auto pr = pa->second.find(r); pr != pa->second.end()) person = pr->second;
        add(std::string(r) + "@" + a, r, a, person);
      }
    (void)people;
    server_options opt;
    opt.data_dir = dir_.str("store");
    opt.rules = taipei_rules();
    opt.listen = "127.0.0.1:0";
    opt.tokens_file = tokens_file_;
    opt.clock = clock_mode::virtual_time;
    opt.start = monday_9am();
    opt.io_threads = 2;
    opt.log = &log_;
    if (tweak) tweak(opt);
    auto s = server::open(std::move(opt));
    if (!s) throw std::runtime_error(s.error().to_string());
    srv_ = std::move(*s);
    thread_ = std::thread([this] { srv_->run(); });
  }
  ~running_server() { shutdown(); }

  void shutdown() {
    if (!srv_) return;
    srv_->stop();
    thread_.join();
    srv_.reset();
  }

  std::uint16_t port() const { return port_cache(); }
  const std::string& token(const std::string& name) const { return tokens_.at(name); }
  server& srv() { return *srv_; }
  std::string log_text() const { return log_buf_.text(); }
  const temp_dir& dir() const { return dir_; }

  http_answer call(const std::string& method, const std::string& target, const std::string& who,
                   const std::string& body = {}) const {
    return http_call(port(), method, target, body, who.empty() ? std::string() : token(who));
  }
  http_answer call_json(const std::string& method, const std::string& target, const std::string& who,
                        const boost::json::value& body) const {
    return call(method, target, who, boost::json::serialize(body));
  }

 private:
  std::uint16_t port_cache() const { return srv_->port(); }
  void add(const std::string& name, const std::string& role, const std::string& agency,
           const std::string& person) {
    std::string id = name;
    for (auto& c : id)
      if (c == '@') c = '.';
    auto secret = add_token(tokens_file_, {id, role, agency, person}, taipei_rules()->people);
    if (!secret) throw std::runtime_error(secret.error().to_string());
    tokens_[name] = *secret;
  }

  temp_dir dir_;
  std::string tokens_file_;
  std::map<std::string, std::string> tokens_;
  locked_log log_buf_;
  std::ostream log_{&log_buf_};
  std::unique_ptr<server> srv_;
  std::thread thread_;
};

// A streetlight-out report at a fixed place (the same place twice is a repeat, R6.12).
inline boost::json::object streetlight_report(const std::string& address = "No. 100 Xinyi Rd Sec 3") {
  return boost::json::parse(R"({"item": "streetlight-out", "district": "daan", "description": "lamp dark",
      "reporter": {"name": "Chen Mei-Ling", "phone": "0912345678"}, "reply": "sms",
      "location": {"address": ")" +
                            address + R"("}})")
      .as_object();
}

}  // namespace casework::testing
