#include "casework/event_log.hpp"

namespace casework {

status memory_event_log::append(const std::string& case_id, const std::vector<event>& events) {
  if (events.empty()) return {};
  std::lock_guard<std::mutex> lock(mu_);
  auto& history = cases_[case_id];
  std::uint64_t last = history.empty() ? 0 : history.back().seq;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].seq != last + 1 + i) {
      if (history.empty()) cases_.erase(case_id);
      return error(errc::failed_precondition,
                   "event " + std::to_string(events[i].seq) + " does not follow " + std::to_string(last + i),
                   case_id + ".seq");
    }
  }
  history.insert(history.end(), events.begin(), events.end());
  events_ += events.size();
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

std::size_t memory_event_log::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

}  // namespace casework
