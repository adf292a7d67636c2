#pragma once
// The order-free search's floor on the cost still to come (dag_search.hpp), as
// suffix_bound.hpp is the fixed-order DP's, over downsets instead of cuts.
//
// Floor. The cost model's group floor (GroupFloorModel) of a convex group G,
// asked with each of G's pin candidates at its boundary pinned (a model input
// read after G too counts as one: the search may load it in G or before) and
// the whole capacity available, is at most G's score in any setting the search
// can run it in (those pin a subset of the candidates, may have pins passing
// over G and leave at most the capacity). It depends on G's layers alone, not
// on the downset G runs from. Over the downsets D that groups reach from the
// empty one, from the largest down:
//
//   rest(all layers) = 0,   rest(D) = min over groups G from D of floor(G) + rest(D + G)
//
// is at most the score of the groups that run the layers outside D in any plan
// of the search's space, whatever their order, groups and pins. The search
// takes max(rest(D), the cost model's floor of the layers outside D) as its h.
//
// Asking fewer floors. With fused floors (FusedFloorModel: running sums, no
// tile walk) the pass asks, per downset, the group of least cheap reach
// (fused floor + rest after it) first until one runs, which sets an upper end
// U >= rest(D), and then every group whose cheap reach is at most U: a group
// of cheap reach > U reaches more than U with its exact floor too, so rest(D)
// is the same as if every group were asked. The search asks the others later,
// when it needs them to prune (floor()).
//
// Without GroupFloorModel there is no pass and no rest.
//
// Bounds. The pass walks every downset and its groups twice (forwards to find
// the downsets, backwards for rest); it stops, leaving no floor (run() is
// false), when `progress` says stop or the time is up, or past kMaxDownsets.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/solvers/detail/convex_groups.hpp"
#include "pinfuse/solvers/observer.hpp"

namespace pinfuse::detail {

template <CostModel C, MemoryConstraint M>
class DownsetBound {
 public:
  /// `candidate`: per FM of `p`, may the search pin it; `group_limit`: the
  /// search's largest group (0 = any); `too_large(group, inside)`: the search's
  /// growth stop (convex_groups.hpp).
  template <class TooLarge>
  DownsetBound(const Problem& p, const C& cost, const M& spm, Objective objective, const std::vector<char>& candidate,
               const LayerDag& dag, std::size_t group_limit, TooLarge too_large, Progress& progress)
      : p_(p), cost_(cost), spm_(spm), objective_(objective), candidate_(candidate), dag_(dag), group_limit_(group_limit),
        too_large_(std::move(too_large)), progress_(progress) {}

  static constexpr std::size_t kMaxDownsets = std::size_t(1) << 20;

  /// The pass over every downset; false if it stopped before the end or the
  /// cost model has no group floors (then rest() knows nothing).
  bool run() {
    if constexpr (!GroupFloorModel<C>) return false;
    const int n = static_cast<int>(p_.size());
    std::vector<std::vector<int>> by_size(std::size_t(n) + 1);
    const auto id_of = [&](const LayerSet& done, int size) {
      const auto [it, added] = index_.try_emplace(done, static_cast<int>(sets_.size()));
      if (added) {
        sets_.push_back(done);
        by_size[std::size_t(size)].push_back(it->second);
      }
      return it->second;
    };
    id_of(LayerSet(std::size_t(n)), 0);
    for (int size = 0; size < n; ++size)
      for (std::size_t i = 0; i < by_size[std::size_t(size)].size(); ++i) {
        const LayerSet done = sets_[std::size_t(by_size[std::size_t(size)][i])];
        groups_from(done, [&](const std::vector<int>& group, const LayerSet& inside) {
          id_of(done | inside, size + static_cast<int>(group.size()));
        });
        if (sets_.size() > kMaxDownsets || progress_.tick()) return stop();
      }
    rest_.assign(sets_.size(), std::nullopt);
    for (const int all : by_size[std::size_t(n)]) rest_[std::size_t(all)] = Score{};
    for (int size = n - 1; size >= 0; --size) {
      for (const int d : by_size[std::size_t(size)]) rest_[std::size_t(d)] = rest_from(sets_[std::size_t(d)]);
      if (progress_.tick()) return stop();
    }
    return true;
  }

  /// rest(D) for a downset D the groups reach; nullopt: no plan runs the rest
  /// from D, or the pass did not end.
  std::optional<Score> rest(const LayerSet& done) const {
    const auto it = index_.find(done);
    if (it == index_.end() || rest_.empty()) return std::nullopt;
    return rest_[std::size_t(it->second)];
  }

  /// A floor on the score of the group `inside` (`layers`: its vertices in
  /// file order) in any setting: its group floor if the pass asked it (or
  /// `exact`: then asked now, and kept), else its fused floor (Score{}
  /// without FusedFloorModel). nullopt: it runs in no setting.
  std::optional<Score> floor(const LayerSet& inside, const std::vector<std::size_t>& layers, bool exact) {
    if (const auto it = exact_.find(inside); it != exact_.end()) return it->second;
    if (!exact) return cheap_floor(layers);
    return exact_.emplace(inside, group_floor(layers)).first->second;
  }

 private:
  bool stop() {
    index_.clear();
    sets_.clear();
    rest_.clear();
    return false;
  }

  template <class Visit>
  void groups_from(const LayerSet& done, Visit&& visit) {
    for_each_convex_group(dag_, done, group_limit_, too_large_, [] { return false; }, visit);
  }

  /// rest(D) from rest of every larger downset.
  std::optional<Score> rest_from(const LayerSet& done) {
    struct Option {
      Score reach;  ///< cheap floor + rest after
      LayerSet inside;
      std::vector<std::size_t> layers;
      Score after;
    };
    std::vector<Option> options;
    groups_from(done, [&](const std::vector<int>& group, const LayerSet& inside) {
      const std::optional<Score>& after = rest_[std::size_t(index_.at(done | inside))];
      if (!after) return;
      std::vector<int> sorted = group;
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::size_t> layers;
      for (const int pos : sorted) layers.push_back(p_.order[std::size_t(pos)]);
      if (const auto it = exact_.find(inside); it != exact_.end() && !it->second) return;  // runs in no setting
      const Score cheap = floor(inside, layers, false).value_or(Score{});
      options.push_back({cheap + *after, inside, std::move(layers), *after});
    });
    std::sort(options.begin(), options.end(), [](const Option& a, const Option& b) { return a.reach < b.reach; });
    std::optional<Score> best;
    for (Option& o : options) {
      if (best && *best < o.reach) break;  // cheap reach past U: so is its exact one
      const std::optional<Score> exact = floor(o.inside, o.layers, true);
      if (exact && (!best || *exact + o.after < *best)) best = *exact + o.after;
    }
    return best;
  }

  std::optional<Score> cheap_floor(const std::vector<std::size_t>& layers) const {
    if constexpr (FusedFloorModel<C>) return score_of(cost_.fused_floors(layers).back(), objective_);
    else return Score{};
  }

  /// The group floor with the group's candidates at its boundary pinned and the
  /// whole capacity available.
  std::optional<Score> group_floor(const std::vector<std::size_t>& layers) {
    const auto in_group = [&](int pos) {
      return pos >= 0 && std::find(layers.begin(), layers.end(), p_.order[std::size_t(pos)]) != layers.end();
    };
    std::vector<BoundaryFm> inputs, outputs;
    std::vector<std::uint8_t> outputs_read_inside;
    std::vector<int> seen;
    for (const std::size_t v : layers) {
      const int out = p_.fm_of_vertex[v];
      const int pos = p_.fms[std::size_t(out)].producer_position;
      for (const int fm : p_.reads[std::size_t(pos)]) {
        const FeatureMap& f = p_.fms[std::size_t(fm)];
        if (in_group(f.producer_position) || std::find(seen.begin(), seen.end(), fm) != seen.end()) continue;
        seen.push_back(fm);
        // a model input read only here is loaded by nothing before and read by nothing after: in DRAM
        const bool may_pin = candidate_[std::size_t(fm)] &&
                             (!f.model_input() || !std::all_of(f.consumer_positions.begin(), f.consumer_positions.end(), in_group));
        inputs.push_back({f.vertex, may_pin ? Residence::pinned : Residence::dram});
      }
      const FeatureMap& f = p_.fms[std::size_t(out)];
      const bool read_after = !std::all_of(f.consumer_positions.begin(), f.consumer_positions.end(), in_group);
      if (f.model_output || read_after) {
        outputs.push_back({f.vertex, candidate_[std::size_t(out)] ? Residence::pinned : Residence::dram});
        outputs_read_inside.push_back(f.read_by(in_group) ? 1 : 0);
      }
    }
    std::sort(inputs.begin(), inputs.end(), [](const BoundaryFm& a, const BoundaryFm& b) { return a.vertex < b.vertex; });
    const GroupQuery q{layers, inputs, outputs, spm_.capacity(), spm_.alignment(), objective_, {}, outputs_read_inside};
    ++progress_.stats().groups_costed;
    if constexpr (GroupFloorModel<C>) {
      const std::optional<CostFloor> floor = cost_.group_floor(q);
      return floor ? std::optional<Score>(score_of(*floor, objective_)) : std::nullopt;
    } else {
      return Score{};
    }
  }

  const Problem& p_;
  const C& cost_;
  const M& spm_;
  Objective objective_;
  const std::vector<char>& candidate_;
  const LayerDag& dag_;
  std::size_t group_limit_;
  std::function<bool(const std::vector<int>&, const LayerSet&)> too_large_;
  Progress& progress_;
  std::unordered_map<LayerSet, int, LayerSetHash> index_;  ///< downset -> index into sets_ and rest_
  std::vector<LayerSet> sets_;
  std::vector<std::optional<Score>> rest_;
  std::unordered_map<LayerSet, std::optional<Score>, LayerSetHash> exact_;  ///< group -> its group floor
};

}  // namespace pinfuse::detail
