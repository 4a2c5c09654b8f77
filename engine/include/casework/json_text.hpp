// casework/json_text.hpp: JSON text to a value, with every number read exactly.
//
// Boost.JSON 1.81's parser reads about one double in eight one unit in the last place off the double nearest to
// its text (121.54619719720041 becomes 121.5461971972004), and that includes the text its own serializer
// writes: a coordinate recorded, written to the store and read back could move. parse_json is boost::json::parse
// with that one difference: a number with a fraction or an exponent becomes the double nearest to its text (as
// std::from_chars reads it). Integers, strings, limits and errors are Boost.JSON's. Every JSON text casework
// reads (request bodies, stored events and snapshots, definitions, configuration) goes through it.
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

namespace casework {

// One JSON text (whitespace around it allowed, nothing else after it). On failure `ec` is set and the result is
// null; `consumed`, when given, is the number of bytes read (where a malformed text stopped).
boost::json::value parse_json(std::string_view text, boost::json::error_code& ec,
                              const boost::json::parse_options& options = {}, boost::json::storage_ptr sp = {},
                              std::size_t* consumed = nullptr);

}  // namespace casework
