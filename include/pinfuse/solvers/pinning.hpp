#pragma once
// Pinning-only: the optimal set of pinned FMs for fixed groups. By default the
// groups are single layers (the paper's "pinning" baseline); pass the first
// position of each group to pin over another grouping (e.g. a fusion plan's).
#include <numeric>
#include <span>

#include "pinfuse/solvers/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_pinning(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {},
                   std::span<const int> group_starts = {}) {
  const Problem p = make_problem(g, opt.order);
  SearchSpace space{true, std::vector<int>(group_starts.begin(), group_starts.end()), {}};
  if (space.group_starts.empty()) {
    space.group_starts.resize(p.size());
    std::iota(space.group_starts.begin(), space.group_starts.end(), 0);
  }
  return solve_segments(p, cost, spm, opt, space, "pinning");
}

}  // namespace pinfuse
