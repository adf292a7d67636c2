#pragma once
// Pinning-only: the optimal set of pinned FMs for fixed groups. By default the
// groups are single layers (the paper's "pinning" baseline), run in the order
// that pins best (OrderMode::free); pass the first position of each group to
// pin over another grouping (e.g. a fusion plan's), along one order.
#include <numeric>
#include <span>

#include "pinfuse/solvers/detail/dag_search.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_pinning(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {},
                   std::span<const int> group_starts = {}) {
  if (group_starts.empty() && opt.order.empty() && opt.order_mode == OrderMode::free)
    return detail::solve_order_free(g, cost, spm, opt, true, 1, "pinning");
  const Problem p = make_problem(g, opt.order);
  detail::SearchSpace space{true, std::vector<int>(group_starts.begin(), group_starts.end()), {}};
  if (space.group_starts.empty()) {
    space.group_starts.resize(p.size());
    std::iota(space.group_starts.begin(), space.group_starts.end(), 0);
  }
  return detail::solve_segments(p, cost, spm, opt, space, "pinning");
}

}  // namespace pinfuse
