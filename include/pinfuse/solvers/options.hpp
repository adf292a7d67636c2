#pragma once
// Options shared by all solvers.
#include <cstddef>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse {

struct SolveOptions {
  Objective objective = Objective::latency;
  /// Longest group (layers) the fusing solvers consider; 0 = no limit (exact).
  std::size_t max_group_layers = 0;
  /// Most pin candidates alive across one cut. The joint DP has 2^k states per cut;
  /// where more FMs are alive, the largest ones stop being candidates, and the
  /// result is optimal over pin sets drawn from the remaining candidates. At most 20.
  std::size_t max_pins_per_cut = 12;
  /// Execution order as vertex indices; empty = pinfuse::topological_order(g).
  std::vector<std::size_t> order;
  /// Joint only, with no `order` given: solve on every order of
  /// pinfuse::candidate_orders() (solvers/order_search.hpp) and keep the best plan.
  bool search_order = false;
};

}  // namespace pinfuse
