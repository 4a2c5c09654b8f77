// casework-loadgen: open-loop HTTP load against caseworkd (or any HTTP/1.1 server) at one or several fixed
// rates; each rate is also run against a built-in instant responder (the baseline: the generator and the
// loopback alone), and the two are printed side by side with the ratio of their p99 latencies.
#include <iostream>
#include <sstream>

#include "echo_server.hpp"
#include "open_loop.hpp"
#include "report.hpp"

namespace {

constexpr const char* usage = R"(usage: casework-loadgen [URL] [options]

Sends requests at fixed rates (open loop: request i is due at start + i/rate whether or not earlier ones were
answered) and measures each latency from its intended send time. For each rate, the same load is first sent
to a built-in server that answers 201 at once (the baseline), then to URL.

  URL                  http://HOST:PORT/PATH (default: only the baseline, a self-test of the generator)
  --rates R1,R2,...    requests per second (default 500,1000,2000)
  --seconds S          seconds per rate (default 10)
  --connections N      keep-alive connections (default 32)
  --method M           default POST
  --header 'K: V'      repeatable (default Content-Type: application/json)
  --body TEXT          request body; {{n}} becomes the request's number (default: a dispatch create)
  --json PATH          results as JSON (default casework-loadgen.json)
  --commit TEXT        recorded in the JSON
)";

// caseworkd's POST /v1/cases (docs/server.md): a streetlight report at an address of its own (no coordinates),
// so that no report joins another as a repeat (R6.12).
const char* default_body =
    R"({"workflow":"dispatch","item":"streetlight-out","district":"daan",)"
    R"("location":{"address":"No. {{n}}, Load Rd, Da'an"},"description":"lamp dark",)"
    R"("reporter":{"name":"Citizen {{n}}","phone":"0912{{n}}"},"reply":"sms"})";

bool parse_url(const std::string& url, casework::bench::load_target& t) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  t.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  t.host = hostport.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  return !t.host.empty();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace casework::bench;
  load_target target;
  load_plan plan;
  std::vector<double> rates = {500, 1000, 2000};
  std::string url, json = "casework-loadgen.json", commit;
  bool custom_headers = false;
  target.body = default_body;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "casework-loadgen: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") return std::cout << usage, 0;
    if (a == "--rates") {
      rates.clear();
      std::stringstream s(value());
      for (std::string r; std::getline(s, r, ',');) rates.push_back(std::stod(r));
    } else if (a == "--seconds") plan.seconds = std::stod(value());
    else if (a == "--connections") plan.connections = std::stoul(value());
    else if (a == "--method") target.method = value();
    else if (a == "--body") target.body = value();
    else if (a == "--json") json = value();
    else if (a == "--commit") commit = value();
    else if (a == "--header") {
      auto h = value();
      auto colon = h.find(':');
      if (colon == std::string::npos) return std::cerr << "casework-loadgen: --header 'Name: value'\n", 2;
      auto v = h.substr(colon + 1);
      target.headers.emplace_back(h.substr(0, colon), v.substr(v.find_first_not_of(' ')));
      custom_headers = true;
    } else if (url.empty() && a.rfind("http", 0) == 0) url = a;
    else return std::cerr << "casework-loadgen: unknown argument '" << a << "' (see --help)\n", 2;
  }
  if (!custom_headers) target.headers.emplace_back("Content-Type", "application/json");
  load_target server = target;
  if (!url.empty() && !parse_url(url, server)) return std::cerr << "casework-loadgen: not an http:// URL: " << url << "\n", 2;

  bench_report rep("casework-loadgen", commit);
  echo_server echo;
  load_target baseline = target;
  baseline.port = std::to_string(echo.port());
  for (double rate : rates) {
    plan.rate = rate;
    auto base = run_open_loop(baseline, plan);
    std::string name = "http." + std::to_string(static_cast<long>(rate)) + "rps.p99";
    auto describe = [&](const load_result& r) {
      boost::json::object d{{"due", r.due}, {"ok", r.ok}, {"http_errors", r.http_errors}, {"io_errors", r.io_errors},
                            {"unanswered", r.unanswered}, {"achieved_rate", r.achieved_rate},
                            {"max_backlog", r.max_backlog}, {"latency", r.latency.summary()}};
      boost::json::array seconds;
      for (const auto& s : r.per_second) seconds.push_back(s.summary());
      d["per_second"] = std::move(seconds);
      return d;
    };
    if (url.empty()) {
      auto& r = rep.add(name + ".baseline_only", "ms", base.latency.percentile_ms(99));
      r.detail = describe(base);
      rep.print_one(std::cout, r);
      continue;
    }
    auto got = run_open_loop(server, plan);
    auto& r = rep.add(name, "ms", got.latency.percentile_ms(99), "instant 201 responder, same generator",
                      base.latency.percentile_ms(99));
    r.target = "p99 < 10 ms at 2000 rps";
    if (rate >= 2000) r.met = got.unanswered == 0 && got.latency.percentile_ms(99) < 10;
    r.detail = describe(got);
    r.detail["baseline"] = describe(base);
    rep.print_one(std::cout, r);
    std::cout << "  " << url << ": " << got.ok << " ok, " << got.http_errors << " non-2xx, " << got.io_errors
              << " I/O errors, " << got.unanswered << " unanswered of " << got.due << "; p50 "
              << got.latency.percentile_ms(50) << " ms, p99.9 " << got.latency.percentile_ms(99.9) << " ms, max "
              << got.latency.max_ms() << " ms; backlog up to " << got.max_backlog << "\n";
    // Each second's p99 (by the second a request was due in): a stall is one or two seconds, not the whole run.
    std::cout << "  p99 by second (ms):";
    for (const auto& s : got.per_second) std::cout << ' ' << s.percentile_ms(99);
    std::cout << "\n";
  }
  rep.write_json(json);
  return 0;
}
