#pragma once
// Options shared by all solvers.
#include <chrono>
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
  /// Joint and fusion-only: search every execution order together with the
  /// groups and pins (solvers/dag_search.hpp) unless an `order` is given.
  /// False: one order (solvers/segment_dp.hpp), the faster default.
  bool order_free = false;
  /// Execution order as vertex indices; empty = pinfuse::topological_order(g).
  std::vector<std::size_t> order;
  /// Joint only, with no `order` given and order_free false: solve on every order of
  /// pinfuse::candidate_orders() (solvers/order_search.hpp) and keep the best plan.
  bool search_order = false;
  /// Wall-time budget of the order-free search; 0 = none (exact). When it runs
  /// out the best plan found is returned with a proven lower bound
  /// (Plan::status). The fixed-order solvers ignore it.
  std::chrono::milliseconds time_limit{0};
};

}  // namespace pinfuse
