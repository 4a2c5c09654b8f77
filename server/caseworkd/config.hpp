// caseworkd's command line and config file.
#pragma once

#include <string>
#include <vector>

#include "casework/error.hpp"
#include "casework/server.hpp"

namespace casework::daemon {

struct config {
  server_options server;        // rules are loaded by main from `definitions` and `city`
  std::string definitions;      // the workflows root (definitions/, taipei/, nyc/, calendars/)
  std::string city = "taipei";  // taipei or nyc
  std::string start_text;       // --start, kept for the log
  bool help = false;
  // --make-token ROLE: append a new token to --tokens and print its secret, then exit.
  std::string make_token_role, make_token_agency, make_token_person, make_token_id;
};

// Parses argv (and --config FILE, whose JSON keys are the long option names without "--"; the command line
// wins). Errors name the option.
expected<config> parse_args(const std::vector<std::string>& args, const std::string& default_definitions);
const char* usage();

}  // namespace casework::daemon
