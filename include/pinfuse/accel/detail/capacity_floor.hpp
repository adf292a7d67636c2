#pragma once
// The reference accelerator's floors in an SPM of a given capacity
// (CapacityFloorModel, CapacityGrowthFloorModel; reference-accelerator.md §10).
// The plain floors hold in any SPM; one of S bytes rules out two things a
// larger one allows, in every plan of convex groups whose settings fit it:
//
//  * Keeping an FM on chip for a reader. Of the FM of layer p read by layer
//    c, a group of c may hold it on chip only in an SPM of at least
//      on_chip_from = min(least_spm_bytes(hull(p, c)), max(pin_room(p, p), pin_room(p, c)))   [B]
//    hull(p, c): the layers on a path from p to c, which every convex group of
//    both holds (and no larger group needs less SPM: SpmFloorModel); pin_room:
//    what a group of that layer holds with the FM pinned (a pin lasts from
//    p's group to its last reader's, so it needs room at both). Where
//    S < on_chip_from the FM is in DRAM when c's group runs and pinned
//    nowhere: p's group stores it whole and c's group loads at least the rows
//    c reads (least_bytes_read_of, as group_floor() counts a DRAM input).
//    An FM made before the layers asked about (by a compute layer p outside
//    them: the solvers ask of the layers still to run) comes into c's group
//    pinned or from DRAM; where S < pin_from = max(pin_room(p, p), pin_room(p, c))
//    no pin holds it, and c's group loads those rows too.
//  * Fusing a layer whose weights pass the SPM. A group of two or more holds
//    at least one of its layers' weights whole (least_held(): all of them, or
//    the largest when streamed), so such a layer runs alone (in channel chunks,
//    §5c), at no less than its group floor there (alone_floor()).
//
// With A the layers asked about whose weights pass S and R the others:
//   floor(L, S) = sum over A of alone_floor + floor(R) with, per FM that cannot stay on chip,
//                   stored += its bytes            (made in R, read by a layer of L, not a model output)
//                   loaded += the most one reader in R reads of it (two may share a group)      [B]
//                   (made outside L: loaded only)
// through the one DMA engine and DRAM (floor_from()), each metric summed over
// the groups of A and those of R.
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace pinfuse {

inline CostFloor ReferenceAccelerator::floor(std::span<const std::size_t> layers, std::uint64_t capacity) const {
  const std::shared_ptr<const AloneFloors> alone = alone_floors(capacity);
  struct Marks {
    std::vector<char> in_layers, stored;   // per vertex
    std::vector<std::uint64_t> loaded;     // per producer: the most one reader in R loads of its FM [B]
    std::vector<LayerId> loaded_from;      // the producers with loaded > 0
  };
  thread_local Marks m;  // cleared before returning
  m.in_layers.resize(info_.size(), 0);
  m.stored.resize(info_.size(), 0);
  m.loaded.resize(info_.size(), 0);
  FloorSums sums;
  CostFloor singles;  // of the layers in A
  for (const std::size_t v : layers) {
    m.in_layers[v] = 1;
    if (const std::optional<CostFloor>& a = (*alone)[v]) add_floor(singles, *a);
    else add_to_floor(sums, info_[v], true);
  }
  for (const std::size_t c : layers)
    for (const OffChipInput& in : info_[c].off_chip_inputs) {
      const LayerId p = in.producer;
      // made among the layers: on chip with its producer or pinned; made before: pinned, or from DRAM
      const bool made_here = m.in_layers[p];
      if (!(capacity < (made_here ? in.on_chip_from : in.pin_from))) continue;
      if (made_here && !m.stored[p] && !(*alone)[p] && !info_[p].model_output) {
        m.stored[p] = 1;
        sums.output_bytes = saturating_add(sums.output_bytes, fm_bytes(p));
      }
      if ((*alone)[c] || in.bytes == 0) continue;
      if (m.loaded[p] == 0) m.loaded_from.push_back(p);
      m.loaded[p] = std::max(m.loaded[p], in.bytes);
    }
  for (const LayerId p : m.loaded_from) {
    sums.loaded_bytes = saturating_add(sums.loaded_bytes, m.loaded[p]);
    m.loaded[p] = 0;
  }
  m.loaded_from.clear();
  for (const std::size_t v : layers) m.in_layers[v] = m.stored[v] = 0;
  CostFloor total = floor_from(sums);
  add_floor(total, singles);
  return total;
}

/// Such a G (two or more layers) holds no layer whose weights pass the SPM, so
/// those of `rest` stay in rest - G and each adds its alone floor; the other
/// layers of `rest` count as growth_floor() counts them (what floor(rest - G,
/// capacity) adds for FMs that cannot stay on chip only raises it).
inline CostFloor ReferenceAccelerator::growth_floor(std::span<const std::size_t> group, std::span<const std::size_t> rest,
                                                    std::uint64_t capacity) const {
  return growth_floor_with(group, rest, alone_floors(capacity).get());
}

/// growth_floor()'s sums, with the layers of `rest` that `alone` has a floor
/// for (none without) adding that floor instead of their terms.
inline CostFloor ReferenceAccelerator::growth_floor_with(std::span<const std::size_t> group,
                                                         std::span<const std::size_t> rest,
                                                         const AloneFloors* alone) const {
  FloorSums sums;
  CostFloor singles;  // of the layers of `rest` that run alone
  for (const std::size_t v : group) add_to_floor(sums, info_[v], false);
  for (const std::size_t v : rest) {
    if (alone && (*alone)[v]) add_floor(singles, *(*alone)[v]);
    else add_to_floor(sums, info_[v], true);
  }
  CostFloor f = floor_from(sums);  // latency: max(compute, weight_dma + store, unhidden)
  f.latency_cycles = saturating_add(std::max({sums.compute, sums.unhidden, f.latency_cycles > 0 ? f.latency_cycles - 1 : 0}),
                                    singles.latency_cycles);
  f.offchip_bytes = saturating_add(f.offchip_bytes, singles.offchip_bytes);
  f.energy_pj = 0;
  return f;
}

/// The AloneFloors of `capacity`: made on its first call and kept, per
/// capacity (a sweep asks several), thread-safe.
inline std::shared_ptr<const ReferenceAccelerator::AloneFloors> ReferenceAccelerator::alone_floors(
    std::uint64_t capacity) const {
  const std::lock_guard<std::mutex> lock(alone_floors_->mutex);
  std::shared_ptr<const AloneFloors>& kept = alone_floors_->by_capacity[capacity];
  if (!kept) {
    auto floors = std::make_shared<AloneFloors>(info_.size());
    for (LayerId v = 0; v < info_.size(); ++v)
      if (layer_role(*g_, v) == LayerRole::compute && info_[v].weight_bytes > capacity) (*floors)[v] = alone_floor(v, capacity);
    kept = std::move(floors);
  }
  return kept;
}

/// Layer v's floor as a group of one in an SPM of `capacity` bytes: per
/// metric, the group floor asked under the objective that ranks that metric
/// first, with each input in DRAM where no pin fits beside v (capacity <
/// pin_room(p, v)) and pinned otherwise, its output in DRAM where it is a model
/// output or no pin fits beside v, and all of `capacity` available
/// (group_floor(): no setting in that SPM scores less; alignment 1, as
/// alignment only rounds buffers and pins up), and at least floor({v}). None
/// where no setting runs it.
inline std::optional<CostFloor> ReferenceAccelerator::alone_floor(LayerId v, std::uint64_t capacity) const {
  const LayerInfo& l = info_[v];
  const auto pinned_unless_no_room = [&](LayerId p) {
    return layer_role(*g_, p) == LayerRole::compute && capacity < pin_room(p, v) ? Residence::dram : Residence::pinned;
  };
  SingleLayerQuery single(v, l.inputs, pinned_unless_no_room,
                          l.model_output ? Residence::dram : pinned_unless_no_room(v), capacity);
  CostFloor least = floor(single.query.layers);
  for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
    single.query.objective = objective;
    const std::optional<CostFloor> group = group_floor(single.query);
    if (!group) return std::nullopt;
    switch (objective) {
      case Objective::latency: least.latency_cycles = std::max(least.latency_cycles, group->latency_cycles); break;
      case Objective::offchip_bytes: least.offchip_bytes = std::max(least.offchip_bytes, group->offchip_bytes); break;
      case Objective::energy: least.energy_pj = std::max(least.energy_pj, group->energy_pj); break;
    }
  }
  return least;
}

/// LayerInfo::off_chip_inputs of every layer: for each compute layer p it
/// reads, on_chip_from, pin_from and the bytes it reads.
inline void ReferenceAccelerator::set_off_chip_inputs() {
  const std::vector<std::size_t> order = topological_order(*g_);
  std::vector<std::size_t> position(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::vector<char> reached(info_.size(), 0), in_hull(info_.size(), 0);
  std::vector<LayerId> below;  // what p reaches up to its last reader
  for (const LayerId p : order) {
    const LayerInfo& l = info_[p];
    if (layer_role(*g_, p) != LayerRole::compute || l.readers.empty()) continue;
    std::size_t last = 0;
    for (const LayerId c : l.readers) last = std::max(last, position[c]);
    below.assign(1, p);
    reached[p] = 1;
    for (std::size_t k = 0; k < below.size(); ++k)
      for (const LayerId r : info_[below[k]].readers)
        if (!reached[r] && position[r] <= last) reached[r] = 1, below.push_back(r);
    const std::uint64_t room_at_p = pin_room(p, p);
    for (const LayerId c : l.readers) {
      std::vector<OffChipInput>& inputs = info_[c].off_chip_inputs;
      if (std::any_of(inputs.begin(), inputs.end(), [&](const OffChipInput& in) { return in.producer == p; })) continue;
      const std::uint64_t pin_from = std::max(room_at_p, pin_room(p, c));
      inputs.push_back({p, std::min(least_spm_bytes(hull_of(c, reached, position, in_hull)), pin_from), pin_from,
                        least_bytes_read_of(c, p)});
    }
    for (const LayerId v : below) reached[v] = 0;
  }
}

/// hull(p, c) in execution order: c and its ancestors among the layers
/// `reached` from p (walked back from c), p included. `in_hull`: per vertex,
/// all 0, and so again on return (O(hull) marks, not a search per layer).
inline std::vector<std::size_t> ReferenceAccelerator::hull_of(LayerId c, const std::vector<char>& reached,
                                                              const std::vector<std::size_t>& position,
                                                              std::vector<char>& in_hull) const {
  std::vector<std::size_t> hull{c}, stack{c};
  in_hull[c] = 1;
  while (!stack.empty()) {
    const LayerId v = stack.back();
    stack.pop_back();
    for (const LayerId u : info_[v].inputs)
      if (reached[u] && !in_hull[u]) in_hull[u] = 1, hull.push_back(u), stack.push_back(u);
  }
  for (const std::size_t v : hull) in_hull[v] = 0;
  std::sort(hull.begin(), hull.end(), [&](std::size_t a, std::size_t b) { return position[a] < position[b]; });
  return hull;
}

/// What a group of layer `x` holds at least with the FM of layer `p` pinned:
/// its bytes + least_spm_bytes({x}) less what least_held({x}) holds of it
/// (pinned, it takes all its bytes instead of that buffer, and everything else
/// least_held() counts only grows in a larger group) [B]. A concat's own
/// group: its bytes alone (its inputs may be written into it in place, their
/// rows inside its bytes).
inline std::uint64_t ReferenceAccelerator::pin_room(LayerId p, LayerId x) const {
  if (x == p && info_[p].concat) return fm_bytes(p);
  const LeastHeld alone = least_held(std::span<const std::size_t>(&x, 1));
  std::uint64_t rows_of_it = 0;
  for (const auto& [fm, bytes] : alone.fms)
    if (fm == p) rows_of_it = bytes;
  return saturating_add(fm_bytes(p), alone.total() - rows_of_it);
}

}  // namespace pinfuse
