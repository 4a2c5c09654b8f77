// casework export DATA: every event of every case, as JSON lines or CSV, personal data redacted unless an
// authorised and recorded export asks for it.
#include <iostream>
#include <optional>

#include <boost/json.hpp>

#include "access_log.hpp"
#include "casework/clock.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "casework/redaction.hpp"

namespace casework::cli {
namespace json = boost::json;

namespace {

constexpr const char* help =
    R"(usage: casework export DATA [--from INSTANT] [--to INSTANT] [--format jsonl|csv]
                       [--definitions DIR] [--include-personal-data --reason TEXT --by WHO]

Writes every event of every case in the store DATA (cases in id order, events in sequence order) whose
instant is in [--from, --to) to stdout:
  jsonl (default)  one JSON object a line: {"case", "seq", "type", "at", "actor", "rule", "data"}
  csv              a header "case,seq,at,type,actor,rule,data", then one row an event; data is the event's
                   data as JSON text, quoted as a CSV cell
Personal fields (marked "personal" in the workflow definitions) are written as "[redacted]".

  --from INSTANT, --to INSTANT   RFC 3339 bounds (from inclusive, to exclusive); default: unbounded
  --definitions DIR              the workflows folder or its definitions/ folder; default: the installed ones
  --include-personal-data        write personal fields unredacted (R9.2). Requires --reason and --by. Before
                                 any personal data is written, one JSON line {at, by, reason, from, to,
                                 format, cases} is appended (and synced) to DATA/personal-data-access.jsonl;
                                 if that fails, nothing is exported.

Progress goes to stderr when stderr is a terminal. The store is opened as a secondary instance: caseworkd
may keep running; events it writes during the export are not included.
exit codes: 0 ok, 2 usage or I/O error
)";

struct export_options {
  std::optional<instant> from, to;
  std::string format = "jsonl";
  bool personal = false;
  std::string reason, by;

  bool in_range(instant t) const { return (!from || t >= *from) && (!to || t < *to); }
};

expected<export_options> read_options(const args& a) {
  export_options o;
  for (const char* name : {"--from", "--to"}) {
    if (!a.option(name)) continue;
    auto t = parse_instant_option(a, name);
    if (!t) return std::move(t).error();
    (std::string(name) == "--from" ? o.from : o.to) = *t;
  }
  if (o.from && o.to && *o.to <= *o.from)
    return error(errc::invalid_argument, "must be after --from", "--to");
  o.format = a.option("--format").value_or("jsonl");
  if (o.format != "jsonl" && o.format != "csv")
    return error(errc::invalid_argument, "'" + o.format + "' is not jsonl or csv", "--format");
  o.personal = a.flag("--include-personal-data");
  o.reason = a.option("--reason").value_or("");
  o.by = a.option("--by").value_or("");
  if (!o.personal && (a.option("--reason") || a.option("--by")))
    return error(errc::invalid_argument, "only applies with --include-personal-data",
                 a.option("--reason") ? "--reason" : "--by");
  if (o.personal && o.reason.empty())
    return error(errc::invalid_argument, "required with --include-personal-data (why the data is needed)",
                 "--reason");
  if (o.personal && o.by.empty())
    return error(errc::invalid_argument, "required with --include-personal-data (who asks for it)", "--by");
  return o;
}

json::value bound(const std::optional<instant>& t) {
  return t ? json::value(format_utc(*t)) : json::value(nullptr);
}

// The cases with at least one event in range, in id order (the cases the access record names).
expected<std::vector<std::string>> cases_in_range(const opened_store& s, const export_options& o) {
  std::vector<std::string> out;
  progress shown("cases scanned");
  std::uint64_t n = 0;
  for (const auto& id : s.case_ids()) {
    if (interrupted()) return error(errc::unavailable, "interrupted", "export");
    auto h = s.store().read(id);
    if (!h) return std::move(h).error();
    for (const auto& e : *h)
      if (o.in_range(e.at)) {
        out.push_back(id);
        break;
      }
    if (++n % 1000 == 0) shown.update(n);
  }
  return out;
}

void write_event(std::ostream& out, const export_options& o, const std::string& id, const event& e) {
  if (o.format == "jsonl") {
    json::object line{{"case", id}};
    for (auto& kv : to_json(e)) line[kv.key()] = kv.value();
    out << json::serialize(line) << "\n";
    return;
  }
  out << csv_cell(id) << "," << e.seq << "," << format_utc(e.at) << "," << csv_cell(e.type) << ","
      << csv_cell(e.actor) << "," << csv_cell(e.rule) << "," << csv_cell(json::serialize(e.data)) << "\n";
}

}  // namespace

int run_export(int argc, char** argv) {
  const spec s{"export",
               {"DATA"},
               {"--from", "--to", "--format", "--reason", "--by", "--definitions"},
               {"--include-personal-data"},
               help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) {
    std::cout << help;
    return exit_ok;
  }
  auto o = read_options(*a);
  if (!o) return fail(s.command, o.error().to_string());
  std::optional<redactor> redact;
  if (!o->personal) {
    auto rules = load_rules(*a);
    if (!rules) return fail(s.command, rules.error().to_string());
    redact.emplace((*rules)->definitions);
  }
  const std::string data = a->positional.at("DATA");
  auto opened = opened_store::open(data);
  if (!opened) return fail(s.command, opened.error().to_string());

  std::vector<std::string> ids;
  if (o->personal) {  // the access is recorded before any personal data leaves the store
    auto in_range = cases_in_range(**opened, *o);
    if (!in_range) return fail(s.command, in_range.error().to_string());
    ids = std::move(*in_range);
    json::array cases(ids.begin(), ids.end());
    json::object record{{"at", format_utc(real_clock().now())},
                        {"by", o->by},
                        {"reason", o->reason},
                        {"from", bound(o->from)},
                        {"to", bound(o->to)},
                        {"format", o->format},
                        {"cases", std::move(cases)}};
    if (auto st = append_access_record(data, record); !st)
      return fail(s.command, st.error().to_string() + " (nothing exported)");
  } else {
    ids = (*opened)->case_ids();
  }

  if (o->format == "csv") std::cout << "case,seq,at,type,actor,rule,data\n";
  progress shown("cases exported");
  std::uint64_t n = 0;
  for (const auto& id : ids) {
    if (interrupted()) return fail(s.command, "interrupted after " + std::to_string(n) + " cases");
    auto history = (*opened)->store().read(id);
    if (!history) return fail(s.command, history.error().to_string());
    for (const auto& e : *history)
      if (o->in_range(e.at)) write_event(std::cout, *o, id, redact ? redact->redact(e) : e);
    if (!std::cout) return fail(s.command, "cannot write the output (after " + std::to_string(n) + " cases)");
    if (++n % 1000 == 0) shown.update(n);
  }
  shown.done();
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  return exit_ok;
}

}  // namespace casework::cli
