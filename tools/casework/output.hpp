// Output helpers of the casework command line: indented JSON, CSV cells, checked writes.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace casework::cli {

// JSON with two-space indentation (for one document a person reads: casework replay).
void pretty_print(std::ostream& out, const boost::json::value& v, int indent = 0);

// One CSV cell (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled.
std::string csv_cell(std::string_view text);

// A JSON scalar as text without quotes ("Da'an", 3, true); containers serialized.
std::string plain(const boost::json::value& v);

// Flushes `out`; false when writing failed (e.g. the reader of a pipe went away).
bool flushed(std::ostream& out);

}  // namespace casework::cli
