// casework/event_log.hpp: the seam between the runtime and storage. The actor runtime appends each command's
// events here before it answers the command, and rebuilds a case from here after a failure or passivation.
//
// memory_event_log keeps everything in memory (tests, simulations, embedders without durability); the
// RocksDB store (persistence/) implements the same interface durably.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "casework/case.hpp"

namespace casework {

// One case's batch of events, for a group commit.
struct case_events {
  std::string case_id;
  std::vector<event> events;
};

class event_log {
 public:
  virtual ~event_log() = default;

  // Appends one batch of a case's events atomically: all or nothing. The first event's seq must follow the
  // case's last recorded seq (1 for a new case), else failed_precondition naming both numbers. When this
  // returns ok, the events are recorded (for a durable log: on disk).
  virtual status append(const std::string& case_id, const std::vector<event>& events) = 0;

  // Group commit: the batches of several cases in one atomic write (a durable log: one synced write). Each
  // batch must continue its case's sequence; otherwise failed_precondition naming the case, and nothing of
  // the group is written.
  virtual status append_group(const std::vector<case_events>& batches) = 0;

  // The case's whole history, in order. not_found for an unknown case.
  virtual expected<std::vector<event>> read(const std::string& case_id) const = 0;

  // Every case id recorded, in no particular order.
  virtual std::vector<std::string> case_ids() const = 0;

  // Small durable values beside the histories (e.g. "calendar/closures"); not_found for a missing key.
  virtual status put_meta(const std::string& key, const std::string& value) = 0;
  virtual expected<std::string> get_meta(const std::string& key) const = 0;
};

class memory_event_log final : public event_log {
 public:
  status append(const std::string& case_id, const std::vector<event>& events) override;
  status append_group(const std::vector<case_events>& batches) override;
  expected<std::vector<event>> read(const std::string& case_id) const override;
  std::vector<std::string> case_ids() const override;
  status put_meta(const std::string& key, const std::string& value) override;
  expected<std::string> get_meta(const std::string& key) const override;
  // Events recorded in all, for tests and figures.
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<event>> cases_;
  std::unordered_map<std::string, std::string> meta_;
  std::size_t events_ = 0;
};

}  // namespace casework
