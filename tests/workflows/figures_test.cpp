// Per-agency figures (casework/figures.hpp): cases driven through the shipped Taipei definitions, every batch
// fed to the aggregators of the agencies involved, exact counts asserted, and the aggregators checked against
// recount() from the complete histories. Times are Asia/Taipei (UTC+8); 2026-03-02 is a Monday.
#include <map>
#include <memory>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "casework/event_log.hpp"
#include "casework/figures.hpp"
#include "rules_harness.hpp"

namespace casework {

void PrintTo(const agency_figures& f, std::ostream* os) {
  *os << "\n" << to_string(f);
}
void PrintTo(const compliance_count& c, std::ostream* os) {
  *os << "{met " << c.met << ", missed " << c.missed << "}";
}

namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kStreetlight = R"({"item": "streetlight-out", "district": "daan",
  "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})";
constexpr const char* kReport = R"({"result": "done", "finding": "fixed"})";

class Figures : public ::testing::Test {
 protected:
  struct tracked {
    case_state s;
    std::vector<event> history;
  };

  const definition_set& defs() const { return h.rules().definitions; }
  figures_aggregator& agg(const std::string& agency) {
    return aggs_.try_emplace(agency, agency, defs()).first->second;
  }
  const agency_figures& fig(const std::string& agency) { return agg(agency).figures(); }

  // Appends the batch to the case's history and feeds it to the aggregators of every agency involved.
  void record(const std::string& id, const case_state& before, const std::vector<event>& batch) {
    auto& t = cases_.at(id);
    t.history.insert(t.history.end(), batch.begin(), batch.end());
    std::set<std::string> involved{before.agency, t.s.agency};
    for (const auto& e : batch)
      if (e.type == event_type::agency_changed) involved.insert(std::string(e.data.at("from").as_string()));
    involved.erase("");
    for (const auto& a : involved) agg(a).observe(before, t.s, batch);
  }
  std::string open(const std::string& workflow, const std::string& input, instant at,
                   const std::string& item = {}, const std::string& role = "call_taker") {
    auto r = h.try_create(workflow, input, at, item, role);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    if (!r) return {};
    case_state s;
    testing::harness::fold_into(s, *r);
    cases_[s.id].s = s;
    record(s.id, case_state{}, *r);
    return s.id;
  }
  bool run(const std::string& id, const std::string& name, const std::string& role, const std::string& input,
           instant at) {
    auto& t = cases_.at(id);
    case_state before = t.s;
    auto r = h.exec(t.s, name, role, input, at);
    if (r && !r->empty()) record(id, before, *r);
    return r.has_value();
  }
  void ok(const std::string& id, const char* name, const char* role, const std::string& input,
          const char* at) {
    EXPECT_TRUE(run(id, name, role, input, h.local(at))) << name << " at " << at;
  }
  void advance(const std::string& id, instant until) {
    auto& t = cases_.at(id);
    case_state before = t.s;
    auto events = h.advance(t.s, until);
    if (!events.empty()) record(id, before, events);
  }
  agency_figures recounted(const std::string& agency) const {
    std::vector<std::vector<event>> histories;
    for (const auto& [id, t] : cases_) histories.push_back(t.history);
    return recount(agency, defs(), histories);
  }
  void expect_recount_agrees() {
    for (const auto& [agency, a] : aggs_) EXPECT_EQ(a.figures(), recounted(agency)) << agency;
  }

  testing::harness h;
  std::map<std::string, tracked> cases_;
  std::map<std::string, figures_aggregator> aggs_;
};

// A figure by its key, 0 when absent.
template <class Map, class Key>
auto at(const Map& m, const Key& k) {
  auto it = m.find(k);
  return it == m.end() ? typename Map::mapped_type{} : it->second;
}
using pair = agency_figures::pair_key;
using triple = agency_figures::triple_key;
auto open_in(const agency_figures& f, const char* wf, const char* st) {
  return at(f.open_by_state, pair{wf, st});
}
auto sent(const agency_figures& f, const char* kind, const char* ch) {
  return at(f.notifications_total, pair{kind, ch});
}
auto moved(const agency_figures& f, const char* wf, const char* from, const char* to) {
  return at(f.transitions_total, triple{wf, from, to});
}
auto judged(const agency_figures& f, const char* wf, const char* item, const char* deadline) {
  return at(f.compliance_at_close, triple{wf, item, deadline});
}
const compliance_count met1{1, 0}, met2{2, 0}, missed1{0, 1};

TEST_F(Figures, HistogramBucketsAreNonCumulativeWithInfLast) {
  histogram hist;
  ASSERT_EQ(hist.bounds.size(), 13u);
  ASSERT_EQ(hist.counts.size(), 14u);
  EXPECT_EQ(hist.bounds[5], 4 * 3600.0);
  EXPECT_EQ(hist.bounds.back(), 30 * 86400.0);
  for (double v : {0.0, 60.0, 60.5, 300.0, 40 * 86400.0}) hist.observe(v);
  EXPECT_EQ(hist.counts, (std::vector<std::uint64_t>{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(hist.count, 5u);
  EXPECT_DOUBLE_EQ(hist.sum, 420.5 + 40 * 86400.0);
  histogram custom{{1, 10}};
  custom.observe(5);
  EXPECT_EQ(custom.counts, (std::vector<std::uint64_t>{0, 1, 0}));
}

TEST_F(Figures, R6_3_SignatureLatencyEstablishedAndReminderNotifications) {
  auto a = open("dispatch", kStreetlight, h.local("2026-03-02 09:00"), "streetlight-out");
  auto b = open("dispatch", kStreetlight, h.local("2026-03-02 09:30"), "streetlight-out");
  ok(a, "sign", "duty_officer", "{}", "2026-03-02 09:05");  // 5 minutes: the le 300 s bucket
  const auto& f = fig("pwd-parks-lights");
  EXPECT_EQ(f.signature_latency.count, 1u);
  EXPECT_DOUBLE_EQ(f.signature_latency.sum, 300.0);
  EXPECT_EQ(f.signature_latency.counts[1], 1u);
  EXPECT_EQ(open_in(f, "dispatch", "signed"), 1);
  EXPECT_EQ(open_in(f, "dispatch", "created"), 1);
  EXPECT_EQ(at(f.open_by_item, pair{"dispatch", "streetlight-out"}), 2);
  EXPECT_EQ(at(f.opened_total, std::string("dispatch")), 2u);
  EXPECT_EQ(moved(f, "dispatch", "", "created"), 2u);
  EXPECT_EQ(moved(f, "dispatch", "created", "signed"), 1u);
  for (const char* channel : {"emessage", "email"}) EXPECT_EQ(sent(f, "established", channel), 2u);
  EXPECT_EQ(sent(f, "sign-reminder", "sms"), 0u);
  advance(b, h.local("2026-03-02 09:40"));  // b unsigned for 10 minutes: SMS, e-message and e-mail (R6.3)
  for (const char* channel : {"sms", "emessage", "email"}) EXPECT_EQ(sent(f, "sign-reminder", channel), 1u);
  ok(b, "sign", "duty_officer", "{}", "2026-03-02 09:45");  // 15 minutes: the le 1800 s bucket
  EXPECT_EQ(f.signature_latency.counts[3], 1u);
  EXPECT_DOUBLE_EQ(f.signature_latency.sum, 1200.0);
  EXPECT_EQ(f.oldest_open_created(), h.local("2026-03-02 09:00"));
  EXPECT_TRUE(fig("dot").opened_total.empty()) << "other agencies see nothing";
  expect_recount_agrees();
}

TEST_F(Figures, R6_4_R6_5_R6_7_OverdueByStageRemindersAndComplianceAtClosing) {
  auto c = open("dispatch", kStreetlight, h.local("2026-03-02 09:00"), "streetlight-out");
  ok(c, "sign", "duty_officer", "{}", "2026-03-02 09:05");
  ok(c, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", "2026-03-02 09:06");
  const auto& f = fig("pwd-parks-lights");
  advance(c, h.local("2026-03-03 09:00"));  // stage-one limit: overdue, remembering stage 1 (R6.4)
  EXPECT_EQ(at(f.overdue_by_stage, 1), 1);
  EXPECT_EQ(open_in(f, "dispatch", "overdue"), 1);
  EXPECT_EQ(open_in(f, "dispatch", "stage-one"), 0);
  advance(c, h.local("2026-03-03 10:00"));  // R6.5: e-mail and SMS one hour later
  for (const char* channel : {"email", "sms"}) EXPECT_EQ(sent(f, "stage-one-escalation", channel), 1u);
  advance(c, h.local("2026-03-05 18:30"));  // R6.7: daily at 18:00 on 03-03, 03-04, 03-05
  for (const char* channel : {"sms", "email"}) EXPECT_EQ(sent(f, "overdue-daily", channel), 3u);
  expect_recount_agrees();
  ok(c, "report", "handler", kReport, "2026-03-05 19:00");
  EXPECT_EQ(at(f.overdue_by_stage, 1), 0);
  EXPECT_EQ(f.stage_duration.at(1).count, 1u);
  EXPECT_DOUBLE_EQ(f.stage_duration.at(1).sum, 3 * 86400.0 + 10 * 3600.0);
  EXPECT_EQ(f.stage_duration.at(1).counts[10], 1u);  // le 7d
  ok(c, "report", "handler", kReport, "2026-03-06 09:00");
  EXPECT_DOUBLE_EQ(f.stage_duration.at(2).sum, 14 * 3600.0);
  EXPECT_EQ(f.stage_duration.at(2).counts[7], 1u);  // le 1d
  EXPECT_EQ(at(f.closed_total, std::string("dispatch")), 1u);
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "sign"), met1);
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "stage-one"), missed1);
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "stage-two"), met1);
  EXPECT_EQ(sent(f, "result-sms", "sms"), 1u);
  EXPECT_EQ(moved(f, "dispatch", "overdue", "stage-two"), 1u);
  EXPECT_EQ(moved(f, "dispatch", "stage-two", "closed"), 1u);
  EXPECT_FALSE(f.oldest_open);
  EXPECT_EQ(f.oldest_open_created(), std::nullopt);
  expect_recount_agrees();
}

TEST_F(Figures, R6_10_ReleaseEndsTheStageAndAnUnsignedReleaseLeavesSignMoot) {
  auto a = open("dispatch", kStreetlight, h.local("2026-03-02 09:00"), "streetlight-out");
  ok(a, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})", "2026-03-02 09:03");
  ok(a, "dispose", "dispatch_manager", R"({"disposition": "private_dispute"})", "2026-03-02 09:04");
  const auto& f = fig("pwd-parks-lights");
  EXPECT_EQ(f.stage_duration.at(1).sum, 180.0);
  EXPECT_EQ(f.stage_duration.count(2), 0u);
  EXPECT_EQ(f.compliance_at_close.count({"dispatch", "streetlight-out", "sign"}), 0u)
      << "neither met nor missed";
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "stage-one"), met1);
  auto b = open("dispatch", kStreetlight, h.local("2026-03-02 10:00"), "streetlight-out");
  ok(b, "sign", "duty_officer", "{}", "2026-03-02 10:01");
  ok(b, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", "2026-03-02 10:02");
  ok(b, "report", "handler", kReport, "2026-03-02 12:00");
  ok(b, "release", "dispatch_manager", R"({"reason": "not_listed_item"})", "2026-03-02 13:00");
  EXPECT_EQ(f.stage_duration.at(2).sum, 3600.0) << "release ends stage two";
  EXPECT_EQ(open_in(f, "dispatch", "released"), 1);
  ok(b, "dispose", "dispatch_manager", R"({"disposition": "other_agency", "target_agency": "dot"})",
     "2026-03-02 13:30");
  EXPECT_EQ(f.stage_duration.at(2).count, 1u);
  EXPECT_EQ(at(f.closed_total, std::string("dispatch")), 2u);
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "sign"), met1);
  EXPECT_EQ(judged(f, "dispatch", "streetlight-out", "stage-two"), met2);
  expect_recount_agrees();
}

TEST_F(Figures, R5_2_ForwardedPetitionLeavesTheOldAgencyAndJoinsTheNewOne) {
  auto p = open("petition", R"({"agency": "pwd", "description": "broken pavement",
                                "reporter": {"name": "Citizen P", "phone": "0922000000"}})",
                h.local("2026-03-06 15:00"));
  advance(p, h.local("2026-03-09 09:00"));  // delivered at Monday's 09:00 intake
  ok(p, "forward", "intake_clerk", R"({"to_agency": "pwd-parks-lights"})", "2026-03-09 09:20");
  const auto& old_agency = fig("pwd");
  const auto& new_agency = fig("pwd-parks-lights");
  EXPECT_EQ(open_in(old_agency, "petition", "delivered"), 0);
  EXPECT_EQ(old_agency.oldest_open_created(), std::nullopt);
  EXPECT_EQ(at(old_agency.opened_total, std::string("petition")), 1u);
  EXPECT_EQ(moved(old_agency, "petition", "registered", "delivered"), 1u);
  EXPECT_EQ(moved(old_agency, "petition", "delivered", "delivered"), 1u)
      << "recorded before the agency changed";
  EXPECT_EQ(sent(old_agency, "petition-delivered", "emessage"), 1u);
  EXPECT_EQ(open_in(new_agency, "petition", "delivered"), 1);
  EXPECT_EQ(new_agency.oldest_open_created(), h.local("2026-03-06 15:00"));
  EXPECT_TRUE(new_agency.opened_total.empty());
  EXPECT_EQ(sent(new_agency, "petition-delivered", "emessage"), 1u)
      << "the forward's notice to the new intake";
  ok(p, "assign", "intake_clerk", R"({"handler": "pwd-parks-lights-h-1"})", "2026-03-09 09:30");
  ok(p, "reply", "handler", R"({"document_number": "1150310001", "reply_date": "2026-03-10", "grade": "A",
                                "text": "repaired", "approved_by": "pwd-parks-lights-sup-1"})",
     "2026-03-10 10:00");
  EXPECT_EQ(at(new_agency.closed_total, std::string("petition")), 1u);
  EXPECT_TRUE(old_agency.closed_total.empty());
  EXPECT_EQ(judged(new_agency, "petition", "", "assign"), met1) << "the new agency's intake assigned in time";
  EXPECT_EQ(judged(new_agency, "petition", "", "reply"), met1);
  // The intake deadline is met by the first delivery (09:00), not undone by the forward's re-delivery (R5.2).
  EXPECT_EQ(judged(new_agency, "petition", "", "intake"), met1);
  EXPECT_FALSE(new_agency.oldest_open);
  expect_recount_agrees();
}

TEST_F(Figures, R4_1_R3_6_CallbacksAndObligationsCountComplianceAtClosing) {
  auto late = open("callback", R"({"agency": "dot", "subject": "s", "route": "direct",
                                   "reporter": {"phone": "0933000000"}})",
                   h.local("2026-03-02 10:00"));
  auto quick = open("callback", R"({"agency": "dot", "subject": "s", "route": "busy",
                                    "reporter": {"phone": "0933000001"}})",
                    h.local("2026-03-02 10:00"));
  ok(late, "assign", "liaison", R"({"handler": "dot-h-1"})", "2026-03-02 10:05");
  ok(quick, "call-back", "liaison", R"({"outcome": "reached"})", "2026-03-02 11:00");
  advance(late, h.local("2026-03-02 14:00"));
  const auto& dot = fig("dot");
  EXPECT_EQ(sent(dot, "callback-due-soon", "emessage"), 1u);
  EXPECT_EQ(sent(dot, "callback-overdue", "sms"), 1u);
  EXPECT_EQ(sent(dot, "busy-line", "email"), 1u);
  EXPECT_EQ(at(dot.overdue_by_stage, 0), 1);
  ok(late, "call-back", "handler", R"({"outcome": "reached"})", "2026-03-02 14:10");
  EXPECT_EQ(judged(dot, "callback", "", "callback"), (compliance_count{1, 1}));
  EXPECT_EQ(at(dot.overdue_by_stage, 0), 0);

  auto notice = open("obligation", R"({"agency": "dep", "kind": "emergency_notice"})",
                     h.local("2026-03-02 11:00"), {}, "supervisor");
  auto faq = open("obligation", R"({"agency": "dep", "kind": "faq_update"})", h.local("2026-03-02 11:00"), {},
                  "supervisor");
  advance(notice, h.local("2026-03-02 12:00"));
  const auto& dep = fig("dep");
  EXPECT_EQ(open_in(dep, "obligation", "overdue"), 1);
  EXPECT_EQ(sent(dep, "obligation-overdue", "emessage"), 1u);
  ok(notice, "done", "supervisor", "{}", "2026-03-02 12:30");
  ok(faq, "done", "liaison", "{}", "2026-03-03 09:00");
  EXPECT_EQ(judged(dep, "obligation", "", "emergency-notice"), missed1);
  EXPECT_EQ(judged(dep, "obligation", "", "faq-update"), met1);
  EXPECT_EQ(at(dep.closed_total, std::string("obligation")), 2u);
  expect_recount_agrees();
}

// One command (name, role, input) for a case of the random mix: usually the one that moves it on, so that
// cases reach every state and close, else any command of its workflow, refused or not.
std::vector<std::string> random_command(const case_state& c, const std::string& other, std::mt19937& rng) {
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const std::map<std::string, std::vector<std::vector<std::string>>> all{
      {"dispatch",
       {{"sign", "duty_officer", "{}"},
        {"assign", "duty_officer", R"({"handler": "h-1"})"},
        {"report", "handler", kReport},
        {"release", "dispatch_operator", R"({"reason": "no_usable_place"})"},
        {"dispose", "dispatch_manager", R"({"disposition": "private_dispute"})"},
        {"add-report", "call_taker", R"({"reporter": {"name": "B", "phone": "0911"}})"}}},
      {"petition",
       {{"assign", "intake_clerk", R"({"handler": "h-1"})"},
        {"reply", "handler", R"({"document_number": "1", "reply_date": "2026-03-10", "grade": "A",
                                             "text": "t", "approved_by": "s-1"})"},
        {"grade-b", "handler", R"({"schedule_days": 9, "findings": "f", "plan": "p"})"},
        {"forward", "intake_clerk", R"({"to_agency": ")" + other + "\"}"},
        {"reassign", "intake_clerk", R"({"approved_by": "s-1", "to_agency": ")" + other + "\"}"}}},
      {"callback",
       {{"call-back", "liaison", R"({"outcome": "reached"})"}, {"assign", "liaison", R"({"handler": "h"})"}}},
      {"obligation", {{"done", "supervisor", "{}"}}}};
  // workflow:state -> the commands that move it on
  const std::map<std::string, std::vector<std::size_t>> next{
      {"dispatch:created", {0}},         {"dispatch:signed", {1}},      {"dispatch:stage-one", {2}},
      {"dispatch:stage-two", {2}},       {"dispatch:overdue", {2}},     {"dispatch:released", {4}},
      {"petition:delivered", {0, 3, 4}}, {"petition:assigned", {1, 2}}, {"petition:graded-b", {1}},
      {"petition:overdue", {1}}};
  const auto& cmds = all.at(c.workflow);
  auto it = next.find(c.workflow + ":" + c.state);
  if (pick(3) == 0 || it == next.end()) return cmds[pick(cmds.size())];
  return cmds[it->second[pick(it->second.size())]];
}

// A random but reproducible mix of 300 cases of the four workflows: random commands (refusals included)
// between timer runs, forwards and reassignments between agencies. Every aggregator must equal its recount.
TEST_F(Figures, RandomMixOfThreeHundredCasesMatchesRecount) {
  std::mt19937 rng(1999);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const std::vector<std::string> items{"streetlight-out", "road-pothole",    "traffic-signal-fault",
                                       "premises-noise",  "unowned-rubbish", "animal-rescue"};
  const std::vector<std::string> agencies{"pwd", "pwd-parks-lights", "pwd-hydraulic", "dot", "dep"};
  const std::vector<std::string> kinds{"faq_update", "newspaper_response", "emergency_notice",
                                       "monthly_plan"};
  const std::vector<std::string> routes{"direct", "refused", "busy"};
  std::vector<std::string> ids;
  instant now = h.local("2026-03-02 08:00");
  for (int i = 0; i < 300; ++i) {
    now += minutes(1 + static_cast<int>(pick(60)));
    const std::string agency = agencies[pick(agencies.size())], item = items[pick(items.size())];
    const std::string route = routes[pick(routes.size())], kind = kinds[pick(kinds.size())];
    const std::size_t w = pick(4);
    const char* workflows[] = {"dispatch", "petition", "callback", "obligation"};
    const std::string inputs[] = {
        R"({"district": "d", "reporter": {"name": "A", "phone": "1"}, "reply": "sms", "item": ")" + item +
            "\"}",
        R"({"description": "d", "reporter": {"name": "P", "phone": "2"}, "agency": ")" + agency + "\"}",
        R"({"subject": "s", "reporter": {"phone": "3"}, "route": ")" + route + R"(", "agency": ")" + agency +
            "\"}",
        R"({"kind": ")" + kind + R"(", "agency": ")" + agency + "\"}"};
    ids.push_back(
        open(workflows[w], inputs[w], now, w == 0 ? item : "", w == 3 ? "supervisor" : "call_taker"));
    for (int k = 0; k < 4; ++k) {
      const auto& id = ids[pick(ids.size())];
      if (cases_.at(id).s.terminal) continue;
      advance(id, now);
      auto cmd = random_command(cases_.at(id).s, agencies[pick(agencies.size())], rng);
      run(id, cmd[0], cmd[1], cmd[2], now);
    }
  }
  for (const auto& id : ids) advance(id, now + hours(24 * 5));
  expect_recount_agrees();
  // Over all agencies each case counts once.
  std::int64_t opened = 0, open_now = 0, closed = 0, forwarded = 0;
  for (const auto& [agency, a] : aggs_) {
    for (const auto& [wf, n] : a.figures().opened_total) opened += static_cast<std::int64_t>(n);
    for (const auto& [key, n] : a.figures().open_by_state) open_now += n;
  }
  for (const auto& [id, t] : cases_) {
    closed += t.s.terminal;
    forwarded += testing::find_event(t.history, event_type::agency_changed) != nullptr;
  }
  EXPECT_EQ(opened, 300);
  EXPECT_EQ(open_now, 300 - closed);

  // What the recount on open does (actors/src/recount.cpp): each history observed as one batch from an empty
  // case, with only its events of figures_event_types() (a store reads no others), gives every agency's
  // figures.
  std::map<std::string, figures_aggregator> from_histories;
  for (const auto& [id, t] : cases_) {
    std::vector<event> counted;
    std::set<std::string> concerned;
    for (const auto& e : t.history) {
      if (one_of(e.type, figures_event_types())) counted.push_back(e);
      for (const char* key : {"agency", "from", "to"})
        if (e.is(event_type::created) || e.is(event_type::agency_changed))
          if (auto* v = e.data.if_contains(key); v && v->is_string())
            concerned.insert(std::string(v->get_string()));
    }
    EXPECT_LT(counted.size(), t.history.size()) << id << ": the mix must have events the figures do not read";
    for (const auto& a : concerned)
      from_histories.try_emplace(a, a, defs()).first->second.observe(case_state{}, t.s, counted);
  }
  ASSERT_EQ(from_histories.size(), aggs_.size());
  for (const auto& [agency, a] : aggs_) EXPECT_EQ(from_histories.at(agency).figures(), a.figures()) << agency;
  EXPECT_GT(closed, 100) << "the mix must close cases";
  EXPECT_GT(forwarded, 10) << "the mix must move petitions between agencies";
}

}  // namespace
}  // namespace casework
