#pragma once
// The fixed-order DP's branch and bound (segment_dp.hpp): a floor on what the
// rest of any plan costs from each cut, and the grouping that floor comes from,
// on which the DP finds the incumbent to beat.
//
// Floor. The cost model's group floor (GroupFloorModel) of group [b, e), asked
// with each of the group's pin candidates at its boundary pinned and the whole
// capacity available, is at most the score of the group in any setting the DP
// can put it in (those pin a subset of the candidates and leave at most the
// capacity). Backwards over the cuts:
//
//   rest(n) = 0,   rest(b) = min over ends e of floor(b, e) + rest(e)
//
// is at most the score of the groups from cut b on in any plan of the DP's space.
// Its grouping (the ends that reach rest(0)) is the one that would be best if
// pins took no SPM; with fixed groups the DP is cheap (one group from each cut),
// and its plan there is the incumbent (segment_dp.hpp).
//
// Pruning. A transition of the DP by group [b, e) from a state with score g
// cannot lead to a plan scoring less than g + floor(b, e) + rest(e); the DP
// skips it when that exceeds the incumbent (strictly: every transition of an
// optimal plan is kept, and every label a skipped one would have set scores
// more than the one an optimal plan sets there, so the DP returns the same plan
// as without pruning). A group whose floor is nullopt runs in no setting.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/parallel_for.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/detail/group_settings.hpp"
#include "pinfuse/solvers/observer.hpp"

namespace pinfuse::detail {

struct SuffixBound {
  /// [b][i]: the floor of group [b, ends[b][i]) (score under the objective); nullopt: it runs in no setting.
  std::vector<std::vector<std::optional<Score>>> group;
  /// Per cut: the floor on the groups from it to the end; nullopt: no plan gets from it to the end.
  std::vector<std::optional<Score>> rest;
  std::vector<int> grouping;       ///< first positions of the groups of rest(0); empty: no plan runs
  bool complete = false;           ///< false: stopped before the pass ended (nothing above is set)
};

/// The pass over every group the DP may run (`ends[b]`: where a group from cut b
/// may end, ascending; empty for positions that are not cuts), `candidate` per
/// FM of `p`. Groups from `threads` cuts are asked at once; `progress` is ticked
/// after each such round, and a stop leaves the bound incomplete. The floors
/// asked are counted in groups_costed.
template <GroupFloorModel C, MemoryConstraint M>
SuffixBound suffix_bound(const Problem& p, const C& cost, const M& spm, Objective objective,
                         const std::vector<std::vector<int>>& ends, const std::vector<char>& candidate,
                         std::size_t threads, Progress& progress) {
  const int n = static_cast<int>(p.size());
  SuffixBound bound;
  bound.group.resize(std::size_t(n) + 1);
  const auto ask = [&](int begin) {
    for (const int end : ends[std::size_t(begin)]) {
      const std::vector<std::size_t> layers = positions_to_vertices(p, begin, end);
      const GroupBoundary b = group_boundary(p, begin, end);
      std::vector<BoundaryFm> inputs, outputs;
      const auto relaxed = [&](int fm) { return candidate[std::size_t(fm)] ? Residence::pinned : Residence::dram; };
      for (const int fm : b.inputs) inputs.push_back({p.fms[std::size_t(fm)].id, relaxed(fm)});
      for (const int fm : b.outputs) outputs.push_back({p.fms[std::size_t(fm)].id, relaxed(fm)});
      const GroupQuery most_generous{layers, inputs, outputs, spm.capacity(), spm.alignment(), objective, {},
                                     b.outputs_read_inside};
      const std::optional<CostFloor> floor = cost.group_floor(most_generous);
      bound.group[std::size_t(begin)].push_back(floor ? std::optional<Score>(score_of(*floor, objective)) : std::nullopt);
    }
  };
  std::vector<int> cuts;  // that start a group
  for (int b = 0; b < n; ++b)
    if (!ends[std::size_t(b)].empty()) cuts.push_back(b);
  for (std::size_t first = 0; first < cuts.size(); first += threads) {
    const std::size_t round = std::min(threads, cuts.size() - first);
    parallel_for(round, threads, [&](std::size_t i) { ask(cuts[first + i]); });
    for (std::size_t i = first; i < first + round; ++i) progress.stats().groups_costed += ends[std::size_t(cuts[i])].size();
    if (progress.tick()) return {};
  }
  bound.rest.assign(std::size_t(n) + 1, std::nullopt);
  bound.rest[std::size_t(n)] = Score{};
  std::vector<int> next(std::size_t(n) + 1, -1);  // the end that reaches rest(b)
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    const std::size_t b = std::size_t(*it);
    for (std::size_t i = 0; i < ends[b].size(); ++i) {
      const std::optional<Score>& after = bound.rest[std::size_t(ends[b][i])];
      if (!bound.group[b][i] || !after) continue;
      const Score through = *bound.group[b][i] + *after;
      if (!bound.rest[b] || through < *bound.rest[b]) {
        bound.rest[b] = through;
        next[b] = ends[b][i];
      }
    }
  }
  if (bound.rest[0])
    for (int cut = 0; cut < n; cut = next[std::size_t(cut)]) bound.grouping.push_back(cut);
  bound.complete = true;
  return bound;
}

}  // namespace pinfuse::detail
