// Structured JSON log lines (one object per line) and the personal-data access record (R9.2).
//
// Log lines carry ids, codes, field paths, rule ids, statuses and durations: never a field's value, a query
// string or a body, so no citizen's name, phone or address can reach the log.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

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

// Appends JSON lines to DATA/personal-data-access.jsonl (the file the auditors' command line writes too) and
// fsyncs them. Records say who read which case's personal fields through which endpoint, never the values.
//
// One writer thread does group commit: the records taken while it writes and fsyncs are written next, in one
// write() and one fsync(), so an HTTP thread never waits for the disk (append_then) and a burst of reads costs
// one fsync, not one each. The file stays open between groups; it is reopened when it was moved or removed
// (an operator rotating it) and after a failed write.
class access_record {
 public:
  explicit access_record(std::string data_dir);
  // Writes what was taken (each callback called) before it returns.
  ~access_record();
  access_record(const access_record&) = delete;
  access_record& operator=(const access_record&) = delete;

  // Stamps the record with "at" (now) and calls `done` on the writer thread once it is on disk, or with the
  // storage error naming the file.
  void append_then(boost::json::object record, std::function<void(status)> done);

 private:
  struct taken {
    std::string line;
    std::function<void(status)> done;
  };
  void run();
  status write_group(const std::string& text);

  const std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<taken> queue_;
  bool stopping_ = false;
  int fd_ = -1;              // the writer thread's: open between groups
  std::thread thread_;       // last: started once the rest is constructed
};

}  // namespace casework::server_detail
