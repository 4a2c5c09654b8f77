// casework-loadgen: the baseline server. A minimal HTTP/1.1 keep-alive server on 127.0.0.1 that answers every
// request at once with 201 and a small JSON body: the generator's own cost and the loopback's, measured at the
// same rate in the same run, beside which caseworkd's latency is read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace casework::bench {

class echo_server {
 public:
  // Listens on 127.0.0.1 on an ephemeral port and serves on its own thread until destroyed.
  echo_server();
  ~echo_server();
  echo_server(const echo_server&) = delete;
  echo_server& operator=(const echo_server&) = delete;
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace casework::bench
