#pragma once
// Fusion-only: the optimal split of the execution order into fused groups,
// every boundary FM through DRAM (state of the art before pinning).
#include "pinfuse/solvers/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_fusion(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  return solve_segments(make_problem(g, opt.order), cost, spm, opt, SearchSpace{false, {}, {}}, "fusion");
}

}  // namespace pinfuse
