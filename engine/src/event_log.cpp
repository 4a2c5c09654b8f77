#include "casework/event_log.hpp"

namespace casework {

status memory_event_log::append(const std::string& case_id, const std::vector<event>& events) {
  return append_group({case_events{case_id, events}});
}

status memory_event_log::append_group(const std::vector<case_events>& batches) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_map<std::string, std::uint64_t> last;   // staged tails: a case may appear twice
  for (const auto& b : batches) {
    if (b.events.empty()) continue;
    auto it = last.find(b.case_id);
    std::uint64_t tail = 0;
    if (it != last.end()) {
      tail = it->second;
    } else if (auto c = cases_.find(b.case_id); c != cases_.end() && !c->second.empty()) {
      tail = c->second.back().seq;
    }
    for (std::size_t i = 0; i < b.events.size(); ++i)
      if (b.events[i].seq != tail + 1 + i)
        return error(errc::failed_precondition,
                     "event " + std::to_string(b.events[i].seq) + " does not follow " + std::to_string(tail + i),
                     b.case_id + ".seq");
    last[b.case_id] = b.events.back().seq;
  }
  for (const auto& b : batches) {
    if (b.events.empty()) continue;
    auto& history = cases_[b.case_id];
    history.insert(history.end(), b.events.begin(), b.events.end());
    events_ += b.events.size();
  }
  return {};
}

expected<std::vector<event>> memory_event_log::read(const std::string& case_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return error(errc::not_found, "no such case", case_id);
  return it->second;
}

std::vector<std::string> memory_event_log::case_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(cases_.size());
  for (const auto& kv : cases_) out.push_back(kv.first);
  return out;
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

}  // namespace casework
