#pragma once
// The error a solver throws when no plan of its strategy fits the SPM: it names
// a layer that cannot run, so that the user sees where the model outgrows the SPM.
#include <optional>
#include <string>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/detail/group_settings.hpp"

namespace pinfuse::detail {

/// no_plan_fits for `strategy`, at the first layer (in p's order) that cannot
/// run alone with its feature maps in DRAM and the whole capacity for its
/// buffers: fusing may not help it either (a group that contains it takes at
/// least its SPM floor, SpmFloorModel), so that is where the model outgrows
/// the SPM. When every layer runs alone, the plan fails elsewhere (pins, or
/// groups a fixed grouping imposes): at position `stuck`, where the solver
/// found no way on, if it knows one, else the whole model.
template <CostModel C, MemoryConstraint M>
no_plan_fits no_plan_error(const Problem& p, const C& cost, const M& spm, const std::string& strategy,
                           std::optional<int> stuck) {
  const std::string none = "no " + strategy + " plan fits the SPM (" + std::to_string(spm.capacity()) + " usable bytes)";
  for (int pos = 0; pos < static_cast<int>(p.size()); ++pos) {
    const GroupSetting alone = group_setting(p, spm, pos, pos + 1, group_boundary(p, pos, pos + 1), {}, [](int) { return false; });
    GroupSettings settings;
    settings.add(alone);
    SolveStatistics uncounted;
    if (!settings.ask(positions_to_vertices(p, pos, pos + 1), cost, spm, Objective::latency, uncounted).front())
      return no_plan_fits("layer '" + p.names[std::size_t(pos)] + "'",
                          none + ": this layer cannot run alone even with all the SPM for its buffers");
  }
  if (stuck) return no_plan_fits("layer '" + p.names[std::size_t(*stuck)] + "'", none + ": no group starting at this layer leads to a plan");
  return no_plan_fits("model", none);
}

}  // namespace pinfuse::detail
