#pragma once
// The fixed-order DP's branch and bound (segment_dp.hpp): a floor on what the
// rest of any plan costs from each cut, and the grouping that floor comes from,
// on which the DP finds the incumbent to beat.
//
// Floor. The cost model's group floor (GroupFloorModel) of group [b, e), asked
// with each of the group's pin candidates at its boundary pinned and the whole
// capacity available, is at most the score of the group in any setting the DP
// can put it in (those pin a subset of the candidates, whose aligned bytes,
// with any other pins alive, come out of the capacity: GroupFloorModel's
// contract). Backwards over the cuts:
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
#include <numeric>
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
  /// [b]: the group floors the pass asked of the groups from cut b, as (index i
  /// into ends[b], floor of [b, ends[b][i])), ascending in i; nullopt: the
  /// group runs in no setting. The DP adds those it asks later (segment_dp.hpp).
  /// Every other group's floor is its fused floor (floors_from()): kept sparse,
  /// as a long chain has hundreds of ends per cut.
  std::vector<std::vector<std::pair<std::size_t, std::optional<Score>>>> asked;
  /// Per cut: the floor on the groups from it to the end; nullopt: no plan gets from it to the end.
  std::vector<std::optional<Score>> rest;
  std::vector<int> grouping;       ///< first positions of the groups of rest(0); empty: no plan runs
  bool complete = false;           ///< false: stopped before the pass ended (nothing above is set)
};

/// The pass over every group the DP may run (`ends[b]`: where a group from cut b
/// may end, ascending; empty for positions that are not cuts), `candidate` per
/// FM of `p`, backwards over the cuts. A group whose end no plan gets on from
/// needs no floor. With fused floors (FusedFloorModel: cheap, no tile walk) the
/// pass skips the exact group floors that cannot lower rest(b): it asks the
/// group of least reach, fused floor(b, e) + rest(e), first, until one runs,
/// which sets an upper end U >= rest(b), and then every group whose reach is at
/// most U (those on the pool's threads at once); a group of reach > U has floor(b, e) +
/// rest(e) > U too, so rest(b) and the grouping that reaches it are the same as
/// if all were asked, and its fused floor stands as its floor. Without fused
/// floors every group is asked. `progress` is ticked after each cut, and a stop
/// leaves the bound incomplete. The group floors asked are counted in
/// groups_costed.
/// The group floor of the group of `positions` (ascending; [begin, end) here,
/// any convex set in the order-free search's bound, downset_bound.hpp) the
/// passes ask: with the group's pin candidates at its boundary pinned and the
/// whole capacity available. (A model input read only in the group is no pin
/// here: in DRAM. One read outside it may be pinned or loaded before or in it.)
template <GroupFloorModel C, MemoryConstraint M>
std::optional<Score> most_generous_floor(const Problem& p, const C& cost, const M& spm, Objective objective,
                                         const std::vector<char>& candidate, const std::vector<int>& positions) {
  std::vector<std::size_t> layers;
  layers.reserve(positions.size());
  for (const int pos : positions) layers.push_back(p.order[std::size_t(pos)]);
  const GroupBoundary b = group_boundary(p, positions);
  const auto in_group = [&](int pos) { return std::binary_search(positions.begin(), positions.end(), pos); };
  std::vector<BoundaryFm> inputs, outputs;
  inputs.reserve(b.inputs.size());
  outputs.reserve(b.outputs.size());
  const auto relaxed = [&](int fm) { return candidate[std::size_t(fm)] ? Residence::pinned : Residence::dram; };
  for (const int fm : b.inputs) {
    const FeatureMap& f = p.fms[std::size_t(fm)];
    const bool may_be_pinned = !f.model_input() || !std::all_of(f.consumer_positions.begin(), f.consumer_positions.end(), in_group);
    inputs.push_back({f.vertex, may_be_pinned ? relaxed(fm) : Residence::dram});
  }
  for (const int fm : b.outputs) outputs.push_back({p.fms[std::size_t(fm)].vertex, relaxed(fm)});
  const GroupQuery q{layers, inputs, outputs, spm.capacity(), spm.alignment(), objective, {}, b.outputs_read_inside};
  const std::optional<CostFloor> floor = cost.group_floor(q);
  return floor ? std::optional<Score>(score_of(*floor, objective)) : std::nullopt;
}
template <GroupFloorModel C, MemoryConstraint M>
std::optional<Score> most_generous_floor(const Problem& p, const C& cost, const M& spm, Objective objective,
                                         const std::vector<char>& candidate, int begin, int end) {
  std::vector<int> positions(std::size_t(end - begin));
  std::iota(positions.begin(), positions.end(), begin);
  return most_generous_floor(p, cost, spm, objective, candidate, positions);
}

/// The fused floors (FusedFloorModel) of the groups from cut `begin` to each of
/// `group_ends` (ascending), as scores; nullopt for every group without them.
template <CostModel C>
std::vector<std::optional<Score>> fused_floor_scores(const Problem& p, const C& cost, Objective objective, int begin,
                                                     const std::vector<int>& group_ends) {
  std::vector<std::optional<Score>> floors(group_ends.size());
  if constexpr (FusedFloorModel<C>) {
    if (group_ends.empty()) return floors;
    // [k]: of the group of the k + 1 layers from `begin`
    const std::vector<CostFloor> fused = cost.fused_floors(positions_to_vertices(p, begin, group_ends.back()));
    for (std::size_t i = 0; i < group_ends.size(); ++i)
      floors[i] = score_of(fused.at(std::size_t(group_ends[i] - begin - 1)), objective);
  }
  return floors;
}

/// The floors of the groups from cut `begin` to each of `group_ends` (=
/// ends[begin]) as the pass left them: per group, the floor and whether it
/// is the group floor asked (else its fused floor; nullopt without fused
/// floors, where the pass asks every group after which some plan ends).
struct CutFloors {
  std::vector<std::optional<Score>> floor;
  std::vector<char> asked;
};
template <CostModel C>
CutFloors floors_from(const SuffixBound& bound, const Problem& p, const C& cost, Objective objective, int begin,
                      const std::vector<int>& group_ends) {
  CutFloors f{fused_floor_scores(p, cost, objective, begin, group_ends), std::vector<char>(group_ends.size(), 0)};
  for (const auto& [i, floor] : bound.asked[std::size_t(begin)]) {
    f.floor[i] = floor;
    f.asked[i] = 1;
  }
  return f;
}

template <GroupFloorModel C, MemoryConstraint M>
SuffixBound suffix_bound(const Problem& p, const C& cost, const M& spm, Objective objective,
                         const std::vector<std::vector<int>>& ends, const std::vector<char>& candidate,
                         WorkerPool& pool, Progress& progress) {
  const int n = static_cast<int>(p.size());
  SuffixBound bound;
  bound.asked.resize(std::size_t(n) + 1);
  bound.rest.assign(std::size_t(n) + 1, std::nullopt);
  bound.rest[std::size_t(n)] = Score{};
  std::vector<int> next(std::size_t(n) + 1, -1);  // the end that reaches rest(b)
  const auto exact = [&](int begin, int end) { return most_generous_floor(p, cost, spm, objective, candidate, begin, end); };
  for (int begin = n - 1; begin >= 0; --begin) {
    const std::vector<int>& group_ends = ends[std::size_t(begin)];
    if (group_ends.empty()) continue;
    std::vector<std::optional<Score>> floors = fused_floor_scores(p, cost, objective, begin, group_ends);
    // (reach, index into group_ends) of the groups after which some plan ends
    std::vector<std::pair<Score, std::size_t>> reach;
    for (std::size_t i = 0; i < group_ends.size(); ++i) {
      const std::optional<Score>& after = bound.rest[std::size_t(group_ends[i])];
      if (after) reach.emplace_back(floors[i].value_or(Score{}) + *after, i);
    }
    std::sort(reach.begin(), reach.end());
    std::vector<std::size_t> to_ask;  // indices into group_ends, in the order asked
    std::optional<Score> upper;
    std::size_t k = 0;
    for (; k < reach.size() && !upper; ++k) {
      const std::size_t i = reach[k].second;
      floors[i] = exact(begin, group_ends[i]);
      to_ask.push_back(i);
      if (floors[i]) upper = *floors[i] + *bound.rest[std::size_t(group_ends[i])];
    }
    const std::size_t first_parallel = to_ask.size();
    for (; k < reach.size(); ++k)
      if (!FusedFloorModel<C> || !(*upper < reach[k].first)) to_ask.push_back(reach[k].second);
    pool.parallel_for(to_ask.size() - first_parallel, [&](std::size_t j) {
      const std::size_t i = to_ask[first_parallel + j];
      floors[i] = exact(begin, group_ends[i]);
    });
    std::sort(to_ask.begin(), to_ask.end());
    for (const std::size_t i : to_ask) {
      bound.asked[std::size_t(begin)].emplace_back(i, floors[i]);
      if (!floors[i]) continue;
      const Score through = *floors[i] + *bound.rest[std::size_t(group_ends[i])];
      if (!bound.rest[std::size_t(begin)] || through < *bound.rest[std::size_t(begin)] ||
          (through == *bound.rest[std::size_t(begin)] && group_ends[i] < next[std::size_t(begin)])) {
        bound.rest[std::size_t(begin)] = through;
        next[std::size_t(begin)] = group_ends[i];
      }
    }
    progress.stats().groups_costed += to_ask.size();
    if (progress.tick()) return {};
  }
  if (bound.rest[0])
    for (int cut = 0; cut < n; cut = next[std::size_t(cut)]) bound.grouping.push_back(cut);
  bound.complete = true;
  return bound;
}

}  // namespace pinfuse::detail
