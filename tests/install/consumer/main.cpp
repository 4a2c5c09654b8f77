// casework_consumer: loads the installed Taipei rules, establishes one dispatch case at a fixed instant and
// prints its stage-one deadline (R6.4), then the agency's open cases as the installed metrics library exports
// them. Exits 1, naming the error, when any step fails.
#include <iostream>
#include <sstream>

#include <boost/json.hpp>

#include "casework/bundle.hpp"
#include "casework/interpreter.hpp"
#include "casework/metrics_collector.hpp"

int main() {
  using namespace casework;
  auto rules = load_bundle(bundle_paths::taipei(CASEWORK_CONSUMER_DATA_DIR));
  if (!rules) {
    std::cerr << "casework_consumer: " << rules.error().to_string() << "\n";
    return 1;
  }
  const bundle& b = **rules;
  context ctx{b.calendar, b.items, b.people};

  auto input = boost::json::parse(R"({"item": "streetlight-out", "district": "daan",
      "reporter": {"name": "Citizen A", "phone": "0912000000"}})")
                   .as_object();
  create_request req{
      "2026030200001", {}, "streetlight-out", command{"create", "call_taker", "cc-ct-1", input}};
  auto events =
      decide_create(*b.definitions.latest("dispatch"), ctx, req, *parse_instant("2026-03-02T09:00:00+08:00"));
  if (!events) {
    std::cerr << "casework_consumer: " << events.error().to_string() << "\n";
    return 1;
  }
  auto s = fold(*events);
  if (!s || !s->deadlines.count("stage-one")) {
    std::cerr << "casework_consumer: the case has no stage-one deadline\n";
    return 1;
  }
  const deadline& d = s->deadlines.at("stage-one");
  std::cout << "stage-one deadline " << b.calendar.format_local(d.at) << " (" << d.rule << "): " << d.basis
            << "\n";

  auto figures = std::make_shared<agency_figures>(recount(s->agency, b.definitions, {*events}));
  metrics_sources sources;
  sources.figures = [figures] { return std::vector<std::shared_ptr<const agency_figures>>{figures}; };
  std::istringstream text(text_exposition(metrics_collector(sources)));
  for (std::string line; std::getline(text, line);)
    if (line.rfind("casework_open_cases{", 0) == 0) std::cout << line << "\n";
  return 0;
}
