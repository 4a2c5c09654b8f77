// parse_json (json_text.hpp): Boost.JSON's basic_parser with the handler boost::json::parser uses
// (boost/json/detail/handler.hpp), except for doubles, which are read again from their text.
#include "casework/json_text.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include "exact_handler.hpp"

namespace casework {
namespace json = boost::json;

json::value parse_json(std::string_view text, json::error_code& ec, const json::parse_options& options,
                       json::storage_ptr sp, std::size_t* consumed) {
  unsigned char temp[4096];   // the value stack's first buffer, as boost::json::parse has one on its stack
  json::basic_parser<detail::exact_handler> p(options, temp, sizeof temp);
  p.handler().st.reset(std::move(sp));
  ec = {};
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (consumed) *consumed = n;
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return p.handler().st.release();
}

}  // namespace casework
