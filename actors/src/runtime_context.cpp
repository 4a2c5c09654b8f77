#include "runtime_context.hpp"


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

void health_board::command(double seconds, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  h_.command_seconds.observe(seconds);
  ++h_.commands_total;
  if (!ok) ++h_.command_errors_total;
}

void health_board::write(double seconds, std::size_t batches, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  h_.store_write_seconds.observe(seconds);
  h_.group_commit_batches.observe(static_cast<double>(batches));
  if (!ok) ++h_.store_errors_total;
}

void health_board::fired(double late_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  h_.timer_lateness_seconds.observe(late_seconds);
  ++h_.timers_fired_total;
}

engine_health health_board::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return h_;
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
