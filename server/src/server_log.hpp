// Structured JSON log lines (one object per line) and the personal-data access record (R9.2).
//
// Log lines carry ids, codes, field paths, rule ids, statuses and durations: never a field's value, a query
// string or a body, so no citizen's name, phone or address can reach the log.
#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include <boost/json/object.hpp>

#include "casework/error.hpp"

namespace casework::server_detail {

class server_log {
 public:
  explicit server_log(std::ostream& out) : out_(out) {}
  // Writes {"ts": <UTC now>, "level": level, "msg": msg, ...fields}.
  void write(const char* level, const char* msg, boost::json::object fields = {});

 private:
  std::mutex mu_;
  std::ostream& out_;
};

// Appends one JSON line to DATA/personal-data-access.jsonl (the file the auditors' command line writes too)
// and fsyncs it. Records say who read which case's personal fields through which endpoint, never the values.
class access_record {
 public:
  explicit access_record(std::string data_dir) : path_(std::move(data_dir) + "/personal-data-access.jsonl") {}
  [[nodiscard]] status append(const boost::json::object& record);

 private:
  std::mutex mu_;
  std::string path_;
};

}  // namespace casework::server_detail
