#pragma once
// Fusion-only: the optimal fused groups, every boundary FM through DRAM (state
// of the art before pinning); over every execution order (detail/dag_search.hpp) or
// as the optimal split of one order (detail/segment_dp.hpp).
#include "pinfuse/solvers/detail/dag_search.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_fusion(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  if (opt.order.empty() && opt.order_mode == OrderMode::free) return detail::solve_order_free(g, cost, spm, opt, false, 0, "fusion");
  return detail::solve_segments(make_problem(g, opt.order), cost, spm, opt, detail::SearchSpace{false, {}, {}}, "fusion");
}

}  // namespace pinfuse
