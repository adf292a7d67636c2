#pragma once
// The order-free search's floor on the cost still to come (dag_search.hpp), as
// suffix_bound.hpp is the fixed-order DP's, over downsets instead of cuts.
//
// Floor. The cost model's group floor (GroupFloorModel) of a convex group G,
// asked with each of G's pin candidates at its boundary pinned (a model input
// read after G too counts as one: the search may load it in G or before) and
// the whole capacity available, is at most G's score in any setting the search
// can run it in (those pin a subset of the candidates and may have pins passing
// over G, all of whose aligned bytes come out of the capacity: GroupFloorModel's
// contract). It depends on G's layers alone, not
// on the downset G runs from. Over the downsets D that groups reach from the
// empty one, from the largest down:
//
//   rest(all layers) = 0,   rest(D) = min over groups G from D of floor(G) + rest(D + G)
//
// is at most the score of the groups that run the layers outside D in any plan
// of the search's space, whatever their order, groups and pins. The search
// takes max(rest(D), the cost model's floor of the layers outside D) as its h.
//
// The lattice. The pass walks the groups from each downset once
// (convex_groups.hpp), forwards from the empty downset, and keeps them as
// edges (the downset after, a floor); rest() then goes backwards over the
// edges, and the search expands downsets along the same edges.
//
// Asking fewer floors. With fused floors (FusedFloorModel: running sums, no
// tile walk) rest(D) asks the group floor of the edge of least reach (fused
// floor + rest after it) first, and then of every edge in order of reach while
// its reach is at most the least exact reach U so far: an edge of reach > U
// reaches more than U with its group floor too, so rest(D) is the same as if
// every group floor were asked. The search asks the others when it needs them
// to prune (make_exact()). Without fused floors the reach is rest after alone.
//
// Without GroupFloorModel there is no pass and no rest.
//
// Bounds. The pass stops, knowing no downset (run() is false), when `progress`
// says stop or half of the time or work limit has passed (kShareOfLimit: the
// search needs the rest; Inception-v3's pass at 2 MiB takes more than a
// quarter of the tool's default limit, SSDLite's far more than all of it), or
// past LatticeLimits' downsets, counted before it walks any group
// (more_downsets_than(): SSDLite has more than 2 M, and its pass used to stop
// at half of the tool's work limit, 0.6-1.1 s), or edges (memory: 24 bytes an
// edge), checked group by group (one downset of SSDLite's twelve head chains
// side by side has hundreds of thousands). The search then runs without the lattice
// (dag_search.hpp), and where the lattice was too large to keep (too_large_to_keep()) takes the
// seed's plan, if it has one, as an incumbent at once. A repair's rerun that starts past half of the limit has
// none.
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
#include "pinfuse/solvers/detail/suffix_bound.hpp"
#include "pinfuse/solvers/observer.hpp"

namespace pinfuse::detail {

/// The largest lattice the pass keeps: past either count it gives up (its
/// memory and time; some lattices are too large to walk: many independent
/// chains side by side).
struct LatticeLimits {
  std::size_t downsets = std::size_t(1) << 18;
  std::size_t edges = std::size_t(1) << 22;
};

template <CostModel C, MemoryConstraint M>
class DownsetBound {
 public:
  /// A group from a downset: the downset after it and the best floor known on
  /// the group's score (its fused floor until its group floor is asked).
  struct Edge {
    Score floor;
    int after = -1;      ///< downset id
    bool exact = false;  ///< floor is the group floor
  };

  /// `candidate`: per FM of `p`, may the search pin it; `group_limit`: the
  /// search's largest group (0 = any); `too_large(layers)`: the search's growth
  /// stop (convex_groups.hpp), asked with a group's vertices in file order.
  template <class TooLarge>
  DownsetBound(const Problem& p, const C& cost, const M& spm, Objective objective, const std::vector<char>& candidate,
               const LayerDag& dag, std::size_t group_limit, TooLarge too_large, Progress& progress,
               LatticeLimits limits = {})
      : p_(p), cost_(cost), spm_(spm), objective_(objective), candidate_(candidate), dag_(dag), group_limit_(group_limit),
        too_large_(std::move(too_large)), progress_(progress), limits_(limits) {}

  static_assert(sizeof(Edge) <= 24, "the pass keeps up to LatticeLimits::edges of them");
  /// The pass gives up once 1/kShareOfLimit of the time or work limit has passed.
  static constexpr int kShareOfLimit = 2;

  /// The pass over every downset; false if it stopped before the end or the
  /// cost model has no group floors (then it knows no downset).
  bool run() {
    if constexpr (!GroupFloorModel<C>) return false;
    const int n = static_cast<int>(p_.size());
    std::vector<std::vector<int>> by_size(std::size_t(n) + 1);
    const auto id_of = [&](const LayerSet& done, int size) {
      const auto [it, added] = index_.try_emplace(done, static_cast<int>(sets_.size()));
      if (added) {
        sets_.push_back(&it->first);  // a node's key stays where it is
        edges_.emplace_back();
        by_size[std::size_t(size)].push_back(it->second);
      }
      return it->second;
    };
    // The pass reaches every downset (each layer alone is a group), and would stop past the limit after
    // walking the groups of each downset it reached (SSDLite, with more than 2 M: half of the tool's work limit).
    // Past this check it reaches no more than the limit: only the edges are counted as it goes.
    if (more_downsets_than(dag_, limits_.downsets)) return too_large_to_keep_ = true, stop();
    id_of(LayerSet(std::size_t(n)), 0);
    std::size_t edges = 0;
    std::vector<std::size_t> layers;  // of the group visited, in file order
    LayerSet after;                   // the downset after it
    for (int size = 0; size < n; ++size)
      for (std::size_t i = 0; i < by_size[std::size_t(size)].size(); ++i) {
        const int d = by_size[std::size_t(size)][i];
        const LayerSet& done = *sets_[std::size_t(d)];
        std::vector<Edge> out;
        bool stopped = false;
        const auto stop_now = [&] {
          return stopped = stopped || edges + out.size() > limits_.edges || progress_.stopped() ||
                           progress_.past_part(kShareOfLimit);
        };
        GrowthStop growth(p_, done, too_large_);
        for_each_convex_group(dag_, done, group_limit_, stop_now, [&](const std::vector<int>& group, const LayerSet& inside) {
          progress_.stats().layers_walked += group.size();
          if (growth.stops(group)) return ++progress_.stats().growth_stops, false;
          layers.clear();
          for (const int pos : group) layers.push_back(p_.order[std::size_t(pos)]);  // `group` ascends: file order
          after = done;
          after |= inside;
          out.push_back({cheap_floor(layers), id_of(after, size + static_cast<int>(group.size())), false});
          return true;
        });
        edges += out.size();
        edges_[std::size_t(d)] = std::move(out);
        if (edges > limits_.edges) return too_large_to_keep_ = true, stop();
        if (stopped || progress_.tick()) return stop();
      }
    rest_.assign(sets_.size(), std::nullopt);
    for (const int all : by_size[std::size_t(n)]) rest_[std::size_t(all)] = Score{};
    for (int size = n - 1; size >= 0; --size)
      for (const int d : by_size[std::size_t(size)]) {
        if (progress_.tick() || progress_.past_part(kShareOfLimit)) return stop();
        rest_[std::size_t(d)] = rest_from(d);
      }
    return true;
  }

  /// Did run() give up because the lattice has more downsets or edges than
  /// LatticeLimits keeps (not because of a limit, a stop, or no group floors)?
  bool too_large_to_keep() const { return too_large_to_keep_; }

  /// The id of downset `done`, or -1 if the pass did not reach it.
  int id(const LayerSet& done) const {
    const auto it = index_.find(done);
    return it == index_.end() ? -1 : it->second;
  }
  const LayerSet& set(int id) const { return *sets_[std::size_t(id)]; }
  /// The number of downsets the pass reached (ids 0 to size() - 1).
  std::size_t size() const { return sets_.size(); }
  /// rest(D); nullopt: no plan runs the layers outside D.
  const std::optional<Score>& rest(int id) const { return rest_[std::size_t(id)]; }
  /// The groups from downset `id`, in the order for_each_convex_group walks them.
  std::vector<Edge>& edges(int id) { return edges_[std::size_t(id)]; }
  /// The positions of the group of `e` from downset `from`, ascending.
  std::vector<int> group(int from, const Edge& e) const {
    return sets_[std::size_t(e.after)]->minus(*sets_[std::size_t(from)]);
  }
  /// Makes e.floor the group floor (asked once per group); false if the group
  /// runs in no setting.
  bool make_exact(int from, Edge& e) {
    if (e.exact) return true;
    const std::vector<int> positions = group(from, e);
    LayerSet inside(p_.size());
    for (const int pos : positions) inside.add(pos);
    auto it = exact_.find(inside);
    if (it == exact_.end()) {
      ++progress_.stats().groups_costed;
      std::optional<Score> floor = Score{};
      if constexpr (GroupFloorModel<C>) floor = most_generous_floor(p_, cost_, spm_, objective_, candidate_, positions);
      it = exact_.emplace(std::move(inside), floor).first;
    }
    if (!it->second) return false;
    e.floor = *it->second;
    e.exact = true;
    return true;
  }

 private:
  bool stop() {
    index_.clear();
    sets_.clear();
    edges_.clear();
    rest_.clear();
    return false;
  }

  /// rest(D) from rest of every larger downset; asks the group floors it needs.
  std::optional<Score> rest_from(int d) {
    std::vector<std::pair<Score, std::size_t>> reach;  // (floor + rest after, index into edges)
    std::vector<Edge>& out = edges_[std::size_t(d)];
    for (std::size_t i = 0; i < out.size(); ++i)
      if (const std::optional<Score>& after = rest_[std::size_t(out[i].after)]) reach.emplace_back(out[i].floor + *after, i);
    std::sort(reach.begin(), reach.end());
    std::optional<Score> best;
    for (const auto& [lower, i] : reach) {
      if (best && *best < lower) break;  // its floor + rest past U, and so of every one after it
      if (!make_exact(d, out[i])) continue;
      const Score through = out[i].floor + *rest_[std::size_t(out[i].after)];
      if (!best || through < *best) best = through;
    }
    return best;
  }

  /// The group's fused floor; Score{} without FusedFloorModel.
  Score cheap_floor(const std::vector<std::size_t>& layers) const {
    if constexpr (FusedFloorModel<C>) return score_of(cost_.fused_floors(layers).back(), objective_);
    else return Score{};
  }

  const Problem& p_;
  const C& cost_;
  const M& spm_;
  Objective objective_;
  const std::vector<char>& candidate_;
  const LayerDag& dag_;
  std::size_t group_limit_;
  std::function<bool(const std::vector<std::size_t>&)> too_large_;
  Progress& progress_;
  LatticeLimits limits_;
  std::unordered_map<LayerSet, int, LayerSetHash> index_;  ///< downset -> its id: index into sets_, edges_ and rest_
  std::vector<const LayerSet*> sets_;                      ///< the keys of index_
  std::vector<std::vector<Edge>> edges_;
  std::vector<std::optional<Score>> rest_;
  std::unordered_map<LayerSet, std::optional<Score>, LayerSetHash> exact_;  ///< group -> its group floor
  bool too_large_to_keep_ = false;
};

}  // namespace pinfuse::detail
