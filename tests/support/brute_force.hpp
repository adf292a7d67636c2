#pragma once
// Exhaustive reference for the exact solvers: every split of the order into
// consecutive groups times every set of pinned FMs (model inputs included, loaded by
// their first reading group), each scored by asking the cost model group by group;
// for the order-free solvers, that over every topological order. Written independently of segment_dp.hpp and dag_search.hpp.
// A group runs when the cost model answers and the memory constraint's fits()
// accepts its buffers with the pinned FMs alive around it.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <span>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/problem.hpp"

namespace pinfuse::testing {

struct BruteForceSpace {
  bool fuse = true;  ///< false: every layer alone
  bool pin = true;   ///< false: nothing pinned
};

/// (latency cycles, off-chip bytes or energy pJ) of a plan.
using Totals = std::pair<std::uint64_t, std::uint64_t>;

/// Keeps the points of `points` that no other is at least as good as in both
/// metrics (one of equal ones), by increasing latency.
inline std::vector<Totals> non_dominated(std::vector<Totals> points) {
  std::sort(points.begin(), points.end());
  std::vector<Totals> front;
  for (const Totals& t : points)
    if (front.empty() || t.second < front.back().second) front.push_back(t);
  return front;
}

/// The totals (latency and the metric of `second`: off-chip bytes, or energy)
/// of every plan over every split of `order` (empty: the file order) with every
/// pin set, each group asked under each objective of `asked` (a trade-off plan
/// may mix them), that no other beats in both metrics. With
/// `file_rank` (vertex -> rank in the file order), only splits whose groups list
/// their layers in file order, as the order-free solvers ask about them.
template <Graph G, CostModel C, MemoryConstraint M>
std::vector<Totals> brute_force_front(const G& g, const C& cost, const M& spm, BruteForceSpace space,
                                      std::span<const Objective> asked, Objective second,
                                      std::span<const std::size_t> order = {},
                                      const std::vector<int>* file_rank = nullptr) {
  const Problem p = make_problem(g, order);
  const int n = static_cast<int>(p.size());
  std::vector<Totals> found;
  const std::uint32_t splits = space.fuse ? (std::uint32_t(1) << (n - 1)) : 1;
  for (std::uint32_t split = 0; split < splits; ++split) {
    // bit i of `split` set: positions i and i+1 share a group (fusion); layerwise = 0.
    std::vector<int> group_of(n, 0);
    bool file_ordered = true;
    for (int i = 1; i < n; ++i) {
      group_of[i] = group_of[i - 1] + (((split >> (i - 1)) & 1U) ? 0 : 1);
      if (file_rank && group_of[i] == group_of[i - 1])
        file_ordered = file_ordered && (*file_rank)[p.order[i - 1]] < (*file_rank)[p.order[i]];
    }
    if (!file_ordered) continue;
    const int groups = group_of[n - 1] + 1;
    // The group from which a pin of each FM holds it: its producer's; a model
    // input's first reader's, which loads it. -1: a model input nothing reads.
    std::vector<int> pinned_from(p.fms.size(), -1);
    for (std::size_t fm = 0; fm < p.fms.size(); ++fm) {
      const FeatureMap& f = p.fms[fm];
      if (f.producer_position >= 0) pinned_from[fm] = group_of[f.producer_position];
      for (const int c : f.consumer_positions)
        if (f.producer_position < 0 && (pinned_from[fm] < 0 || group_of[c] < pinned_from[fm])) pinned_from[fm] = group_of[c];
    }
    // FMs that can be pinned: read in a later group than the one pinning them, not a model output.
    std::vector<int> crossing;
    for (std::size_t fm = 0; fm < p.fms.size(); ++fm) {
      const FeatureMap& f = p.fms[fm];
      if (space.pin && pinned_from[fm] >= 0 && !f.model_output && !f.consumer_positions.empty() &&
          group_of[f.consumer_positions.back()] > pinned_from[fm])
        crossing.push_back(static_cast<int>(fm));
    }
    for (std::uint32_t pins = 0; pins < (std::uint32_t(1) << crossing.size()); ++pins) {
      std::vector<char> pinned(p.fms.size(), 0);
      for (std::size_t i = 0; i < crossing.size(); ++i) pinned[crossing[i]] = (pins >> i) & 1U;
      std::vector<Totals> totals{{0, 0}};  // of the plans so far, one per choice of objectives
      bool feasible = true;
      for (int grp = 0; grp < groups && feasible; ++grp) {
        std::vector<std::size_t> layers;
        std::vector<BoundaryFm> inputs, outputs;
        std::vector<std::uint8_t> outputs_read_inside;
        std::vector<std::size_t> passing;  // pinned, alive during the group, not at its boundary
        std::uint64_t pinned_bytes = 0;
        std::vector<std::uint64_t> live;  // bytes of the pinned FMs alive, then the group's buffers
        for (int pos = 0; pos < n; ++pos)
          if (group_of[pos] == grp) layers.push_back(p.order[pos]);
        for (std::size_t fm = 0; fm < p.fms.size(); ++fm) {
          const FeatureMap& f = p.fms[fm];
          const int from = f.producer_position < 0 ? -1 : group_of[f.producer_position];
          // a pinned model input is loaded by the group pinning it, pinned after
          const Residence where = !pinned[fm] ? Residence::dram : from < 0 && pinned_from[fm] == grp ? Residence::loaded : Residence::pinned;
          bool read_here = false, read_later = false;
          for (const int c : f.consumer_positions) {
            read_here |= group_of[c] == grp;
            read_later |= group_of[c] > grp;
          }
          const bool input = from < grp && read_here, output = from == grp && (read_later || f.model_output);
          if (input) inputs.push_back({f.vertex, where});
          if (output) {
            outputs.push_back({f.vertex, where});  // pinned or dram: `from` is no model input
            outputs_read_inside.push_back(read_here ? 1 : 0);
          }
          const int until = f.consumer_positions.empty() ? from : group_of[f.consumer_positions.back()];
          if (pinned[fm] && pinned_from[fm] <= grp && until >= grp) {
            pinned_bytes += spm.aligned(f.bytes);
            live.push_back(f.bytes);
            if (!input && !output) passing.push_back(f.vertex);
          }
        }
        if (pinned_bytes > spm.capacity()) {
          feasible = false;
          break;
        }
        std::sort(passing.begin(), passing.end());
        std::vector<Totals> next;
        for (const Objective objective : asked) {
          const GroupQuery q{layers, inputs, outputs, spm.capacity() - pinned_bytes, spm.alignment(), objective,
                             passing, outputs_read_inside};
          const std::optional<GroupCost> c = cost.evaluate(q);
          std::vector<std::uint64_t> sizes = live;
          if (c)
            for (const Buffer& b : c->buffers) sizes.push_back(b.bytes);
          if (!c || !spm.fits(sizes)) continue;
          const std::uint64_t traded = second == Objective::energy ? c->energy.total() : c->offchip.total();
          for (const auto& [latency, so_far] : totals)
            next.push_back({saturating_add(latency, c->latency_cycles), saturating_add(so_far, traded)});
        }
        totals = non_dominated(std::move(next));
        feasible = !totals.empty();
      }
      if (feasible) found.insert(found.end(), totals.begin(), totals.end());
    }
  }
  return non_dominated(std::move(found));
}

/// The best score over every split of `order` (see brute_force_front).
template <Graph G, CostModel C, MemoryConstraint M>
std::optional<Score> brute_force(const G& g, const C& cost, const M& spm, BruteForceSpace space, Objective objective,
                                 std::span<const std::size_t> order = {}, const std::vector<int>* file_rank = nullptr) {
  // The lexicographic optimum is on the front of latency and the objective's other metric.
  const Objective second = objective == Objective::energy ? Objective::energy : Objective::offchip_bytes;
  std::optional<Score> best;
  for (const auto& [latency, traded] :
       brute_force_front(g, cost, spm, space, std::span(&objective, 1), second, order, file_rank))
    if (const Score s = score_of(latency, traded, traded, objective); !best || s < *best) best = s;
  return best;
}

/// The best score over every topological order of the compute layers: the
/// order-free plan space (each group asked about in file order).
template <Graph G, CostModel C, MemoryConstraint M>
std::optional<Score> brute_force_any_order(const G& g, const C& cost, const M& spm, BruteForceSpace space,
                                           Objective objective) {
  const Problem file = make_problem(g);
  const int n = static_cast<int>(file.size());
  std::vector<int> file_rank(num_vertices(g), -1);
  for (int pos = 0; pos < n; ++pos) file_rank[file.order[pos]] = pos;
  std::vector<std::vector<int>> producers(n);  // positions each position reads from
  for (int pos = 0; pos < n; ++pos)
    for (const int fm : file.reads[pos])
      if (file.fms[fm].producer_position >= 0) producers[pos].push_back(file.fms[fm].producer_position);
  std::optional<Score> best;
  std::vector<std::size_t> order;
  std::vector<char> done(n, 0);
  const auto extend = [&](const auto& self) -> void {
    if (static_cast<int>(order.size()) == n) {
      const std::optional<Score> s = brute_force(g, cost, spm, space, objective, order, &file_rank);
      if (s && (!best || *s < *best)) best = s;
      return;
    }
    for (int pos = 0; pos < n; ++pos) {
      if (done[pos]) continue;
      bool ready = true;
      for (const int u : producers[pos]) ready = ready && done[u];
      if (!ready) continue;
      done[pos] = 1;
      order.push_back(file.order[pos]);
      self(self);
      order.pop_back();
      done[pos] = 0;
    }
  };
  extend(extend);
  return best;
}

}  // namespace pinfuse::testing
