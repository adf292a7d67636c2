#pragma once
// Baseline: every layer is its own group and every boundary FM goes through DRAM.
#include <numeric>

#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_layerwise(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  const Problem p = make_problem(g, opt.order);
  detail::SearchSpace space{false, std::vector<int>(p.size()), {}};
  std::iota(space.group_starts.begin(), space.group_starts.end(), 0);
  return detail::solve_segments(p, cost, spm, opt, space, "layerwise");
}

}  // namespace pinfuse
