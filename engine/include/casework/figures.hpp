// casework/figures.hpp: the per-agency figures an agency supervisor keeps (and the Prometheus exporter
// publishes), as a pure value, kept up to date batch by batch, and recounted from complete histories to prove
// them.
//
//   figures_aggregator pwd("pwd", bundle.definitions);
//   pwd.observe(before, after, batch);        // for every batch of events of every case that concerns pwd
//   assert(pwd.figures() == recount("pwd", bundle.definitions, histories));
//
// Attribution (one rule for everything counted from events): an event counts for the agency that holds the
// case when the event is recorded, i.e. the agency of the `created` event, changed by each `agency_changed`
// (petitions, R5.2/R5.3). So opened_total counts for the agency that had the case at creation, a transition
// for the agency that held the case when it moved, and a notification for the agency whose case raised it
// (even when it goes to another agency's people, e.g. the call centre's callback request, R6.8). The gauges
// (open cases, overdue cases, oldest open case) count for the agency that holds the case now. A forwarded
// petition therefore leaves the old agency's open gauges and enters the new one's, while the counters of what
// happened before the forward stay with the old agency: counters never go down and each event counts exactly
// once across all agencies. A closing (closed_total, compliance_at_close) counts for the agency the closed
// case stays with: a terminal case never changes again, so that is also the agency holding it when it closed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "casework/case.hpp"
#include "casework/definition.hpp"
#include "casework/time.hpp"

namespace casework {

// A histogram of non-cumulative buckets: counts[i] holds the observations v <= bounds[i] (and > bounds[i-1]);
// counts.back() (bounds.size() + 1 slots in all) holds those above the last bound (+Inf). Turning the buckets
// into Prometheus' cumulative `le` buckets is the exporter's job. An aggregate: histogram{} has the default
// bounds, histogram{{1, 10}} the bounds 1 and 10 (counts follow the bounds).
struct histogram {
  std::vector<double> bounds = minutes_to_weeks();  // ascending upper bounds
  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(bounds.size() + 1);
  double sum = 0;
  std::uint64_t count = 0;

  void observe(double v);

  // Default bounds in seconds: 1m, 5m, 10m, 30m, 1h, 4h, 8h, 1d, 2d, 3d, 7d, 14d, 30d.
  static std::vector<double> minutes_to_weeks();
};

// Bounds and counts are compared exactly; sums with a relative tolerance of 1e-9, since adding the same
// values in another order (batches of many cases interleaved vs. case after case) may change the last bits.
bool operator==(const histogram& a, const histogram& b);
inline bool operator!=(const histogram& a, const histogram& b) {
  return !(a == b);
}

struct compliance_count {
  std::uint64_t met = 0;
  std::uint64_t missed = 0;
  friend bool operator==(const compliance_count& a, const compliance_count& b) {
    return a.met == b.met && a.missed == b.missed;
  }
};

// The order of the figures' keys: string pairs and triples compared element by element, as std::less would,
// and transparently, so that a key of string_views finds its entry without building the key's strings
// (figures_aggregator::observe; docs/performance.md 44.).
struct figure_key_less {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return views(a) < views(b);
  }

 private:
  template <class A, class B>
  static std::tuple<std::string_view, std::string_view> views(const std::pair<A, B>& p) {
    return {p.first, p.second};
  }
  template <class A, class B, class C>
  static std::tuple<std::string_view, std::string_view, std::string_view> views(const std::tuple<A, B, C>& t) {
    return {std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  }
};

// The figures of ONE agency.
struct agency_figures {
  using pair_key = std::pair<std::string, std::string>;
  using triple_key = std::tuple<std::string, std::string, std::string>;

  std::string agency;

  // Gauges: open (non-terminal) cases the agency holds now. Signed so that a missed observation shows up as a
  // negative value instead of wrapping; an entry that falls back to 0 is kept (a gauge goes to 0, it does not
  // vanish) and operator== treats a 0 entry as absent.
  // (workflow, state)
  std::map<pair_key, std::int64_t, figure_key_less> open_by_state;
  // (workflow, item); item empty for workflows without items
  std::map<pair_key, std::int64_t, figure_key_less> open_by_item;
  // Open cases in state "overdue", by the stage they remember (0 for workflows without stages).
  std::map<int, std::int64_t> overdue_by_stage;
  // created_at of the agency's oldest open case; nullopt when it has none. (The aggregator keeps every open
  // case's created_at to maintain it; a published copy of the figures carries only this minimum, so that
  // copying them costs nothing per open case.)
  std::optional<instant> oldest_open;

  // Counters.
  // workflow -> cases opened (counted for the agency at creation)
  std::map<std::string, std::uint64_t> opened_total;
  // workflow -> cases closed (counted for the agency at closing)
  std::map<std::string, std::uint64_t> closed_total;
  // (workflow, from, to); from "" is the initial entry
  std::map<triple_key, std::uint64_t, figure_key_less> transitions_total;
  // (kind, channel): one per channel of each notification
  std::map<pair_key, std::uint64_t, figure_key_less> notifications_total;
  // Deadline compliance at closing (casework::compliance at closed_at), by (workflow, item, deadline). A
  // deadline neither met nor passed when the case closed (e.g. "sign" of a dispatch case released before
  // signature) is moot and not counted. Timer lateness is not a figure of the agency and is not here.
  std::map<triple_key, compliance_count, figure_key_less> compliance_at_close;

  // Dispatch histograms, in seconds.
  histogram signature_latency;  // created_at -> entering "signed" (R6.3)
  // Stage 1: created_at -> first entry into stage-two, closed or released. Stage 2: entering stage-two ->
  // first entry into closed or released (a release from stage two ends the agency's stage work just as it
  // ends stage one; the disposition that follows is the dispatch window's, R6.11). Observed when the stage
  // ends.
  std::map<int, histogram> stage_duration;

  std::optional<instant> oldest_open_created() const { return oldest_open; }
};

bool operator==(const agency_figures& a, const agency_figures& b);
inline bool operator!=(const agency_figures& a, const agency_figures& b) {
  return !(a == b);
}

// Every figure, one per line, in key order ("open_by_state{dispatch,created} 2"), for test failure messages
// and the auditors' tools. Histograms show their non-zero buckets, count and sum.
std::string to_string(const agency_figures& f);

// Keeps one agency's figures up to date from the batches of events that cases record. Cost per batch: the
// size of the batch times a few map look-ups, plus casework::compliance when the batch closes the case.
class figures_aggregator {
 public:
  // `defs` must outlive the aggregator (it is read when a case closes, for compliance).
  figures_aggregator(std::string agency, const definition_set& defs);

  // `before`: the case before the batch (case_state{} for a new case); `after`: the case after folding
  // `batch`. Feed every batch of a case in order; batches of cases that never concern this agency may be
  // skipped (they change nothing). Of either state it reads only the id, workflow, definition_version, state,
  // stage, agency, item, created_at and terminal, of `before` its `entered`, and of a closed `after` its
  // deadlines, first_entered and closed_at (compliance): a caller may pass states with only those (the case
  // actors' figures_view).
  void observe(const case_state& before, const case_state& after, const std::vector<event>& batch);

  const agency_figures& figures() const { return f_; }

 private:
  // `instants` false: the case's created_at stays in open_created_ (it is open here before and after).
  void count_open(const case_state& s, int sign, bool instants = true);
  bool open_here(const case_state& s) const { return !s.id.empty() && !s.terminal && s.agency == f_.agency; }
  static bool counts_alike(const case_state& a, const case_state& b);

  agency_figures f_;
  std::multiset<instant> open_created_;   // created_at of each open case: f_.oldest_open is its minimum
  const definition_set* defs_;
};

// The event types observe() and recount() read: a batch's other events change no figure, so a reader may
// leave them out of the batch it observes (the recount on open reads only these; history_cursor::next_state).
const std::vector<std::string_view>& figures_event_types();

// The same figures, computed independently from complete histories (each folded to its final state for the
// gauges and closings; events scanned for the rest) without calling observe(): the proof of a supervisor's
// figures. Histories of cases that never concern `agency` are ignored; an unfoldable history is skipped.
agency_figures recount(const std::string& agency, const definition_set& defs,
                       const std::vector<std::vector<event>>& histories);

}  // namespace casework
