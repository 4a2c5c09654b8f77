#include "runtime_context.hpp"

#include <boost/json.hpp>

namespace casework::detail {

std::uint64_t event_bus::add(std::function<void(const std::string&, const event&)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.emplace(next_, std::move(fn));
  return next_++;
}

void event_bus::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(id);
}

void event_bus::publish(const std::string& case_id, const std::vector<event>& events) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, fn] : subs_)
    for (const auto& e : events) fn(case_id, e);
}

namespace {
std::string text(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
}  // namespace

std::vector<notification_record> outbox::record(const std::string& case_id, const std::vector<event>& events,
                                                instant now) {
  std::vector<notification_record> fresh;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : events) {
    if (e.type != event_type::notification) continue;
    notification_record r;
    r.key = text(e.data, "key");
    if (by_key_.count(r.key)) {
      ++duplicates_;
      continue;
    }
    r.case_id = case_id;
    r.kind = text(e.data, "kind");
    if (auto* ch = e.data.if_contains("channels"); ch && ch->is_array())
      for (const auto& c : ch->get_array()) r.channels.emplace_back(c.as_string());
    if (auto* rc = e.data.if_contains("recipients"); rc && rc->is_array()) r.recipients = rc->get_array();
    auto due = parse_instant(text(e.data, "due"));
    r.due = due ? *due : e.at;
    r.recorded_at = now;
    r.rule = e.rule;
    by_key_.emplace(r.key, records_.size());
    records_.push_back(r);
    fresh.push_back(std::move(r));
  }
  return fresh;
}

std::vector<notification_record> outbox::since(std::size_t position, std::size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<notification_record> out;
  for (std::size_t i = position; i < records_.size() && out.size() < limit; ++i) out.push_back(records_[i]);
  return out;
}

void outbox::mark_sent(const std::string& key, instant at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) records_[it->second].sent_at = at;
}

std::size_t outbox::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size();
}

std::size_t outbox::duplicates_refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

void figures_board::publish(const std::string& agency, std::shared_ptr<const agency_figures> f) {
  std::lock_guard<std::mutex> lock(mu_);
  by_agency_[agency] = std::move(f);
}

std::shared_ptr<const agency_figures> figures_board::get(const std::string& agency) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_agency_.find(agency);
  return it == by_agency_.end() ? nullptr : it->second;
}

std::vector<std::string> figures_board::agencies() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& kv : by_agency_) out.push_back(kv.first);
  return out;
}

}  // namespace casework::detail
