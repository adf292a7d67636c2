#pragma once
// Solve options the tests ask for often.
#include <chrono>

#include "pinfuse/solvers/options.hpp"

namespace pinfuse::testing {

/// The default options with the order `mode` and a time limit (0: none).
inline SolveOptions with_order(OrderMode mode, std::chrono::milliseconds limit = std::chrono::milliseconds(0)) {
  SolveOptions opt;
  opt.order_mode = mode;
  opt.time_limit = limit;
  return opt;
}

}  // namespace pinfuse::testing
