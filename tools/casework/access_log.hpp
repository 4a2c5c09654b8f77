// The record of every export that includes personal data (R9.2: access is authorised and audited).
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "casework/error.hpp"

namespace casework::cli {

// The log's file name inside the data directory.
inline constexpr const char* access_log_name = "personal-data-access.jsonl";

// Appends `record` as one JSON line to DATA/personal-data-access.jsonl (created, mode 0600, when missing) in
// one write, then fsyncs the file (and the directory when the file was created). Returns only when the
// record is on disk; the caller writes no personal data unless this succeeded.
[[nodiscard]] status append_access_record(const std::string& data_dir, const boost::json::object& record);

}  // namespace casework::cli
