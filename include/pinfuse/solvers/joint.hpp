#pragma once
// Joint pin + fuse: groups and pinned FMs chosen together, exactly (over pin
// candidates, see SolveOptions::max_pins_per_cut) by the DP of segment_dp.hpp.
#include "pinfuse/solvers/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_joint(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  return solve_segments(make_problem(g, opt.order), cost, spm, opt, SearchSpace{true, {}, {}}, "joint");
}

}  // namespace pinfuse
