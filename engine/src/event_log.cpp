#include "casework/event_log.hpp"

#include <algorithm>

#include "casework/case_bytes.hpp"
#include "json_reader.hpp"
#include "json_write.hpp"

namespace casework {

// ---- Derived values ----

case_entry entry_of(const case_state& s) {
  case_entry out;
  out.id = s.id;
  out.workflow = s.workflow;
  out.agency = s.agency;
  out.item = s.item;
  out.state = s.state;
  out.stage = s.stage;
  out.terminal = s.terminal;
  out.created_at = s.created_at;
  out.closed_at = s.closed_at;
  const char* stage_limit = s.stage == 1 ? "stage-one" : s.stage == 2 ? "stage-two" : nullptr;
  if (stage_limit && s.state != "released") {
    auto it = s.deadlines.find(stage_limit);
    if (it != s.deadlines.end()) out.limit = it->second.at;
  }
  if (auto* loc = s.fields.if_contains("location"); loc && loc->is_object()) {   // location.address, .lat, .lng
    const auto& l = loc->get_object();
    if (auto* a = l.if_contains("address"); a && a->is_string()) out.address = a->get_string();
    auto* lat = l.if_contains("lat");
    auto* lng = l.if_contains("lng");
    if (lat && lng && lat->is_number() && lng->is_number())
      out.where = geo_point{lat->to_number<double>(), lng->to_number<double>()};
  }
  if (auto* f = s.fields.if_contains("finding"); f && f->is_string()) out.finding = f->get_string();
  return out;
}

bool entry_may_change(const std::vector<event>& events) {
  for (const auto& e : events)
    if (!e.is(event_type::timer_fired) && !e.is(event_type::notification)) return true;
  return false;
}

boost::json::object to_json(const case_entry& e) {
  boost::json::object o{{"id", e.id},           {"workflow", e.workflow},
                        {"agency", e.agency},   {"item", e.item},
                        {"state", e.state},     {"stage", e.stage},
                        {"terminal", e.terminal}, {"created_at", format_utc(e.created_at)}};
  if (e.terminal) o["closed_at"] = format_utc(e.closed_at);
  if (e.limit) o["limit"] = format_utc(*e.limit);
  if (!e.address.empty()) o["address"] = e.address;
  if (e.where) o["where"] = boost::json::array{e.where->lat, e.where->lng};
  if (!e.finding.empty()) o["finding"] = e.finding;
  return o;
}

namespace {

instant read_instant(const detail::json_reader& r, const boost::json::object& o, const char* key) {
  auto text = r.string(o.at(key), key);
  auto t = parse_instant(text);
  if (!t) r.fail(key, "must be an RFC 3339 instant");
  return *t;
}

}  // namespace

expected<case_entry> entry_from_json(const boost::json::value& v) {
  detail::json_reader r("case entry", errc::internal);
  try {
    const auto& o = r.object(v, "entry");
    r.require(o, {"id", "workflow", "agency", "item", "state", "stage", "terminal", "created_at"});
    case_entry e;
    e.id = r.string(o.at("id"), "id");
    e.workflow = r.string(o.at("workflow"), "workflow");
    e.agency = r.string(o.at("agency"), "agency");
    e.item = r.string(o.at("item"), "item");
    e.state = r.string(o.at("state"), "state");
    e.stage = static_cast<int>(r.integer(o.at("stage"), "stage"));
    e.terminal = r.boolean(o.at("terminal"), "terminal");
    e.created_at = read_instant(r, o, "created_at");
    if (o.contains("closed_at")) e.closed_at = read_instant(r, o, "closed_at");
    if (o.contains("limit")) e.limit = read_instant(r, o, "limit");
    if (o.contains("address")) e.address = r.string(o.at("address"), "address");
    if (o.contains("where")) {
      const auto& a = r.array(o.at("where"), "where");
      if (a.size() != 2) r.fail("where", "must be [lat, lng]");
      e.where = geo_point{r.number(a[0], "where[0]"), r.number(a[1], "where[1]")};
    }
    if (o.contains("finding")) e.finding = r.string(o.at("finding"), "finding");
    return e;
  } catch (const detail::parse_failure& f) {
    return f.err;
  }
}

case_derived derive(const case_state& s, std::vector<pending_timer> timers, bool snapshot) {
  case_derived d;
  d.entry = entry_of(s);
  d.timers = std::move(timers);
  if (snapshot) d.snapshot = snapshot_bytes(s);
  d.seq = s.seq;
  return d;
}

namespace {
std::string_view view(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::string text(const boost::json::object& o, const char* key) { return std::string(view(o, key)); }

// The record of one notification event.
notification_record notification_of(const std::string& case_id, const event& e) {
  notification_record r;
  r.key = text(e.data, "key");
  r.case_id = case_id;
  r.kind = text(e.data, "kind");
  if (auto* ch = e.data.if_contains("channels"); ch && ch->is_array())
    for (const auto& c : ch->get_array())
      if (c.is_string()) r.channels.emplace_back(c.get_string());
  if (auto* rc = e.data.if_contains("recipients"); rc && rc->is_array()) r.recipients = rc->get_array();
  auto due = parse_instant(text(e.data, "due"));
  r.due = due ? *due : e.at;
  r.recorded_at = e.at;
  r.rule = e.rule;
  return r;
}
}  // namespace

std::vector<notification_record> notifications_of(const std::string& case_id, const std::vector<event>& events) {
  std::vector<notification_record> out;
  for (const auto& e : events)
    if (e.is(event_type::notification)) out.push_back(notification_of(case_id, e));
  return out;
}

boost::json::object to_json(const notification_record& r) {
  boost::json::array channels;
  for (const auto& c : r.channels) channels.emplace_back(c);
  boost::json::object o{{"position", r.position},  {"key", r.key},
                        {"case", r.case_id},        {"kind", r.kind},
                        {"channels", channels},     {"recipients", r.recipients},
                        {"due", format_utc(r.due)}, {"recorded_at", format_utc(r.recorded_at)}};
  if (r.sent_at) o["sent_at"] = format_utc(*r.sent_at);
  if (!r.rule.empty()) o["rule"] = r.rule;
  return o;
}

std::string notification_text(const notification_record& r) {
  using detail::put_key;
  using detail::put_string;
  std::string out;
  out.reserve(256);
  out.append("{\"position\":").append(std::to_string(r.position));
  put_key(out, "key");
  put_string(out, r.key);
  put_key(out, "case");
  put_string(out, r.case_id);
  put_key(out, "kind");
  put_string(out, r.kind);
  put_key(out, "channels");
  out.push_back('[');
  for (std::size_t i = 0; i < r.channels.size(); ++i) {
    if (i) out.push_back(',');
    put_string(out, r.channels[i]);
  }
  out.push_back(']');
  put_key(out, "recipients");
  out.append(boost::json::serialize(r.recipients));
  put_key(out, "due");
  put_string(out, format_utc(r.due));
  put_key(out, "recorded_at");
  put_string(out, format_utc(r.recorded_at));
  if (r.sent_at) {
    put_key(out, "sent_at");
    put_string(out, format_utc(*r.sent_at));
  }
  if (!r.rule.empty()) {
    put_key(out, "rule");
    put_string(out, r.rule);
  }
  out.push_back('}');
  return out;
}

expected<notification_record> notification_from_json(const boost::json::value& v) {
  detail::json_reader r("notification record", errc::internal);
  try {
    const auto& o = r.object(v, "record");
    r.require(o, {"position", "key", "case", "kind", "channels", "recipients", "due", "recorded_at"});
    notification_record n;
    n.position = static_cast<std::uint64_t>(r.integer(o.at("position"), "position"));
    n.key = r.string(o.at("key"), "key");
    n.case_id = r.string(o.at("case"), "case");
    n.kind = r.string(o.at("kind"), "kind");
    n.channels = r.strings(o.at("channels"), "channels");
    n.recipients = r.array(o.at("recipients"), "recipients");
    n.due = read_instant(r, o, "due");
    n.recorded_at = read_instant(r, o, "recorded_at");
    if (o.contains("sent_at")) n.sent_at = read_instant(r, o, "sent_at");
    if (o.contains("rule")) n.rule = r.string(o.at("rule"), "rule");
    return n;
  } catch (const detail::parse_failure& f) {
    return f.err;
  }
}

// ---- memory_event_log ----

namespace {
std::vector<event> history_of(const std::vector<event_batch>& batches) {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.size();
  std::vector<event> out;
  out.reserve(n);
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}
}  // namespace

bool one_of(std::string_view type, const std::vector<std::string_view>& types) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

bool history_cursor::next_state(std::string& case_id, expected<case_state>& state, std::vector<event>& events,
                                const std::vector<std::string_view>& types) {
  expected<std::vector<event>> history{std::vector<event>{}};
  events.clear();
  if (!next(case_id, history)) return false;
  if (!history) {
    state = std::move(history).error();
    return true;
  }
  state = fold(*history);
  for (auto& e : *history)
    if (one_of(e.type, types)) events.push_back(std::move(e));
  return true;
}

expected<std::vector<event_batch>> event_log::read_batches(const std::string& case_id) const {
  auto h = read(case_id);
  if (!h) return h.error();
  std::vector<event_batch> out;
  out.emplace_back(std::move(*h));
  return out;
}

status memory_event_log::append(const std::string& case_id, const std::vector<event>& events) {
  return append_group({case_events{case_id, events, nullptr}});
}

memory_event_log::stored_case* memory_event_log::find_case(std::string_view id) const {
  const auto* it = by_id_.find(by_id_.hash_of(id), [&](case_map::iterator c) { return c->first == id; });
  return it ? &(*it)->second : nullptr;
}

status memory_event_log::append_group(const std::vector<case_events>& batches) {
  std::lock_guard<std::mutex> lock(mu_);
  // Every batch must follow its case's tail before anything changes. A case may appear twice in a group: its
  // later batch follows the staged tail (kept only for groups of several batches; the runtime's in-place
  // appends are one batch each).
  std::vector<stored_case*> found(batches.size(), nullptr);
  std::unordered_map<std::string_view, std::uint64_t> staged;
  for (std::size_t k = 0; k < batches.size(); ++k) {
    const auto& b = batches[k];
    if (b.events.empty()) continue;
    found[k] = find_case(b.case_id);
    std::uint64_t tail = 0;
    if (auto it = staged.find(b.case_id); it != staged.end()) {
      tail = it->second;
    } else if (found[k] && !found[k]->batches.empty()) {
      tail = found[k]->batches.back().back().seq;
    }
    for (std::size_t i = 0; i < b.events.size(); ++i)
      if (b.events[i].seq != tail + 1 + i)
        return error(errc::failed_precondition,
                     "event " + std::to_string(b.events[i].seq) + " does not follow " + std::to_string(tail + i),
                     b.case_id + ".seq");
    if (batches.size() > 1) staged[b.case_id] = b.events.back().seq;
  }
  for (std::size_t k = 0; k < batches.size(); ++k) {
    const auto& b = batches[k];
    if (b.events.empty()) continue;
    if (!found[k]) {   // a new case (or one this group already added)
      auto it = cases_.try_emplace(b.case_id).first;
      by_id_.insert(by_id_.hash_of(it->first), it);
      found[k] = &it->second;
    }
    auto& c = *found[k];
    c.batches.push_back(b.events);
    events_ += b.events.size();
    if (b.derived) {
      // The case's pending timers are its derived values' (they replace its previous ones): timers() orders
      // them when asked.
      if (!b.derived->timers.empty() || (c.derived && !c.derived->timers.empty())) ++timers_changed_;
      if (b.derived->entry.has_finding() && !(c.derived && c.derived->entry.has_finding()))
        findings_[{to_unix_ms(b.derived->entry.closed_at), b.case_id}] = b.derived->entry;
      c.derived = b.derived;
    }
    // The outbox keeps where each record's event is (in the batch the history shares); the record is read
    // out of it when asked for (notifications), most of a long run's records never are.
    for (std::size_t i = 0; i < b.events.size(); ++i) {
      const event& e = b.events[i];
      if (!e.is(event_type::notification)) continue;
      const std::string_view key = view(e.data, "key");
      if (find_outbox(key) != outbox_.size()) {
        ++duplicates_;
        continue;
      }
      outbox_keys_.insert(outbox_keys_.hash_of(key), outbox_.size());
      outbox_.push_back(outbox_entry{b.case_id, b.events, i, std::nullopt});
    }
  }
  return {};
}

expected<std::vector<event>> memory_event_log::read(const std::string& case_id) const {
  std::vector<event_batch> batches;   // shared and immutable: copied out of the lock, so readers run side by side
  {
    std::lock_guard<std::mutex> lock(mu_);
    const stored_case* c = find_case(case_id);
    if (!c) return error(errc::not_found, "no such case", case_id);
    batches = c->batches;
  }
  return history_of(batches);
}

expected<std::vector<event_batch>> memory_event_log::read_batches(const std::string& case_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const stored_case* c = find_case(case_id);
  if (!c) return error(errc::not_found, "no such case", case_id);
  return c->batches;
}

expected<case_state> memory_event_log::load(const std::string& case_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const stored_case* found = find_case(case_id);
  if (!found) return error(errc::not_found, "no such case", case_id);
  const auto& c = *found;
  expected<case_state> s{case_state{}};
  if (c.derived && !c.derived->snapshot.empty()) {
    s = from_snapshot_bytes(c.derived->snapshot);
    if (!s) return s;
  }
  for (const auto& b : c.batches)   // the events after the snapshot (all of them without one)
    for (const auto& e : b)
      if (e.seq > s->seq)
        if (auto st = apply(*s, e); !st.ok()) return st.error();
  return s;
}

bool memory_event_log::contains(const std::string& case_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return find_case(case_id) != nullptr;
}

std::vector<std::string> memory_event_log::case_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(cases_.size());
  for (const auto& kv : cases_) out.push_back(kv.first);
  return out;
}

std::string memory_event_log::last_case_id(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.lower_bound(prefix + '\xff');
  while (it != cases_.begin()) {
    --it;
    if (it->first.compare(0, prefix.size(), prefix) == 0) return it->first;
    if (it->first < prefix) break;
  }
  return {};
}

namespace {
class copied_histories final : public history_cursor {
 public:
  explicit copied_histories(std::vector<std::pair<std::string, std::vector<event>>> all) : all_(std::move(all)) {}
  bool next(std::string& case_id, expected<std::vector<event>>& history) override {
    if (next_ >= all_.size()) return false;
    case_id = all_[next_].first;
    history = std::move(all_[next_].second);
    ++next_;
    return true;
  }

 private:
  std::vector<std::pair<std::string, std::vector<event>>> all_;
  std::size_t next_ = 0;
};

bool matches(const case_entry& e, const entry_query& q) {
  return (q.agency.empty() || e.agency == q.agency) && (q.workflow.empty() || e.workflow == q.workflow) &&
         (q.state.empty() || e.state == q.state) && (q.item.empty() || e.item == q.item);
}
}  // namespace

std::unique_ptr<history_cursor> memory_event_log::histories() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::vector<event>>> all;
  all.reserve(cases_.size());
  for (const auto& [id, c] : cases_) all.emplace_back(id, history_of(c.batches));
  return std::make_unique<copied_histories>(std::move(all));
}

std::vector<case_entry> memory_event_log::list(const entry_query& q) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<case_entry> out;
  for (auto it = q.after.empty() ? cases_.begin() : cases_.upper_bound(q.after);
       it != cases_.end() && out.size() < q.limit; ++it)
    if (it->second.derived && matches(it->second.derived->entry, q)) out.push_back(it->second.derived->entry);
  return out;
}

expected<case_entry> memory_event_log::entry(const std::string& case_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const stored_case* c = find_case(case_id);
  if (!c || !c->derived) return error(errc::not_found, "no such case", case_id);
  return c->derived->entry;
}

std::vector<case_entry> memory_event_log::open_at_places(std::size_t limit, const std::string& after) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<case_entry> out;
  for (auto it = cases_.upper_bound(after); it != cases_.end() && out.size() < limit; ++it)
    if (it->second.derived && it->second.derived->entry.at_place()) out.push_back(it->second.derived->entry);
  return out;
}

std::vector<case_entry> memory_event_log::findings() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<case_entry> out;
  for (const auto& kv : findings_) out.push_back(kv.second);
  return out;
}

std::vector<stored_timer> memory_event_log::timers(std::size_t limit, const std::optional<stored_timer>& after) const {
  std::lock_guard<std::mutex> lock(mu_);
  // (due, case, timer) order, taken again when a case's timers changed since it was last taken: an append
  // keeps no order of every pending timer (performance.md 45.); timers() pays for one when it is asked (after
  // an open, a page at a time).
  auto before = [](const stored_timer& a, const stored_timer& b) {
    if (a.timer.due != b.timer.due) return a.timer.due < b.timer.due;
    if (int c = a.case_id.compare(b.case_id); c != 0) return c < 0;
    return a.timer.name < b.timer.name;
  };
  if (!timer_order_ || timers_ordered_ != timers_changed_) {
    std::vector<stored_timer> all;
    for (const auto& [id, c] : cases_)
      if (c.derived)
        for (const auto& t : c.derived->timers) all.push_back(stored_timer{id, t});
    std::sort(all.begin(), all.end(), before);
    all.erase(std::unique(all.begin(), all.end(),
                          [&](const stored_timer& a, const stored_timer& b) { return !before(a, b) && !before(b, a); }),
              all.end());
    timer_order_ = std::move(all);
    timers_ordered_ = timers_changed_;
  }
  auto it = after ? std::upper_bound(timer_order_->begin(), timer_order_->end(), *after, before)
                  : timer_order_->begin();
  const auto n = std::min<std::size_t>(limit, static_cast<std::size_t>(timer_order_->end() - it));
  return std::vector<stored_timer>(it, it + static_cast<std::ptrdiff_t>(n));
}

std::vector<notification_record> memory_event_log::notifications(std::uint64_t position, std::size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<notification_record> out;
  for (auto i = position; i < outbox_.size() && out.size() < limit; ++i) {
    const outbox_entry& o = outbox_[i];
    out.push_back(notification_of(o.case_id, o.batch[o.index]));
    out.back().position = i;
    out.back().sent_at = o.sent_at;
  }
  return out;
}

std::uint64_t memory_event_log::notification_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outbox_.size();
}

status memory_event_log::mark_sent(const std::string& key, instant at) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t i = find_outbox(key);
  if (i == outbox_.size()) return error(errc::not_found, "no such notification", key);
  outbox_[i].sent_at = at;
  return {};
}

std::size_t memory_event_log::find_outbox(std::string_view key) const {
  const std::size_t* i = outbox_keys_.find(outbox_keys_.hash_of(key), [&](std::size_t at) {
    const outbox_entry& o = outbox_[at];
    return view(o.batch[o.index].data, "key") == key;
  });
  return i ? *i : outbox_.size();
}

status memory_event_log::put_meta(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  meta_[key] = value;
  return {};
}

expected<std::string> memory_event_log::get_meta(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = meta_.find(key);
  if (it == meta_.end()) return error(errc::not_found, "no such metadata", key);
  return it->second;
}

std::size_t memory_event_log::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

std::size_t memory_event_log::duplicate_notifications() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

}  // namespace casework
