// Test support: the simulation's arrival stream (casework/simulation/arrivals.hpp, shared with `casework
// simulate`), under the name the actor tests use.
#pragma once

#include "casework/simulation/arrivals.hpp"

namespace casework::testing {
using namespace casework::simulation;
}  // namespace casework::testing
