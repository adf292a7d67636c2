#pragma once
// A plan from a solver's choices: its groups (first positions along one
// order), its pinned FMs and the objective each group's tiling is asked under;
// the cost model is asked about each group once more, in the setting those
// choices put it in.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/interval_sweep.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/detail/group_settings.hpp"

namespace pinfuse::detail {

/// Builds the Plan for the given groups (first positions) and pinned FMs; its
/// queries (one per group, two where a squeezed one gets no answer) are counted in `stats`. Each group is asked under
/// `objective`, or (a trade-off plan) under its entry of `asked`.
/// `squeeze` (bytes; an address repair, address_repair.hpp): each group is
/// asked with that much less available than its pins leave, so that its tiles
/// leave the allocator room, and with all of it where it then does not run.
template <CostModel C, MemoryConstraint M>
Plan assemble_plan(const Problem& p, const C& cost, const M& spm, const std::vector<int>& starts,
                   const std::vector<char>& pinned, Objective objective, std::string strategy, SolveStatistics& stats,
                   std::span<const Objective> asked = {}, std::uint64_t squeeze = 0) {
  Plan plan;
  plan.strategy = std::move(strategy);
  plan.objective = objective;
  plan.order = p.order;
  std::vector<int> group_of(p.size());
  std::vector<Interval> pins;  // swept along the groups: not every FM per group
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
    if (pinned[fm]) pins.push_back({fm, p.fms[fm].pin_start(), p.fms[fm].last_use()});
  IntervalSweep pins_alive(std::move(pins));
  for (std::size_t g = 0; g < starts.size(); ++g) {
    const int begin = starts[g];
    const int end = g + 1 < starts.size() ? starts[g + 1] : static_cast<int>(p.size());
    const std::vector<std::size_t>& alive = pins_alive.alive(begin, end);
    const std::vector<int> maybe_pinned(alive.begin(), alive.end());
    const GroupBoundary b = group_boundary(p, begin, end);
    GroupSetting s = group_setting(p, spm, begin, end, b, maybe_pinned, [&](int fm) { return pinned[fm] != 0; });
    const Objective tiling = asked.empty() ? objective : asked[g];
    std::optional<GroupCost> c;
    std::uint64_t reserved = 0;  // PlannedGroup::spm_reserve
    if (s.pinned_bytes <= spm.capacity()) {
      GroupSettings one;
      one.add(s);
      const std::vector<std::size_t> layers = positions_to_vertices(p, begin, end);
      if (squeeze && squeeze < spm.capacity() - s.pinned_bytes) {
        c = std::move(one.ask(layers, cost, spm, tiling, stats, squeeze).front());
        if (c) reserved = squeeze;
      }
      if (!c) c = std::move(one.ask(layers, cost, spm, tiling, stats).front());
    }
    if (!c) throw no_plan_fits("layer '" + p.names[begin] + "'", "the group starting here does not fit the SPM (after a solve: the cost model is not deterministic)");
    plan.groups.push_back({std::vector<std::size_t>(p.order.begin() + begin, p.order.begin() + end),
                           std::move(s.inputs), std::move(s.outputs), std::move(*c),
                           tiling == objective ? std::nullopt : std::optional<Objective>(tiling), reserved});
    for (int pos = begin; pos < end; ++pos) group_of[pos] = static_cast<int>(g);
  }
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
    if (pinned[fm]) {
      const FeatureMap& f = p.fms[fm];
      plan.pinned.push_back({f.vertex, spm.aligned(f.bytes), std::size_t(group_of[f.pin_start()]), std::size_t(group_of[f.last_use()])});
    }
  plan.totals = sum_costs(plan.groups);
  return plan;
}

}  // namespace pinfuse::detail
