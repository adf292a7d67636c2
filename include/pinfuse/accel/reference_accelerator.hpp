#pragma once
// The reference accelerator: one concrete CostModel for pinfuse::Network.
// Solvers never include this header; it is an example instantiation.
// Formulas with units: docs/reference-accelerator.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "pinfuse/accel/buffer_kinds.hpp"
#include "pinfuse/accel/detail/walk_cache.hpp"
#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/accel/tiling_keys.hpp"
#include "pinfuse/concepts/command_emitter.hpp"
#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/checked.hpp"
#include "pinfuse/core/monotone_search.hpp"
#include "pinfuse/core/topological_order.hpp"
#include "pinfuse/memory/scratchpad.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/statistics.hpp"

namespace pinfuse {

namespace detail {
struct ReferenceAcceleratorAccess;
}

class ReferenceAccelerator {
 public:
  ReferenceAccelerator(const Network& g, Hardware hw) : g_(&g), hw_(std::move(hw)) {
    const std::size_t n = boost::num_vertices(g);
    info_.resize(n);
    for (LayerId v = 0; v < n; ++v) {
      const Layer& l = g[v];
      LayerInfo& i = info_[v];
      i.inputs = inputs_of(g, v);
      i.height = l.output.h;
      i.row_bytes = std::uint64_t(l.output.w) * std::uint64_t(l.output.c) * std::uint64_t(model_info(g).dtype_bytes);
      i.weight_bytes = weight_bytes(g, v);
      i.macs_per_row = macs_per_row(g, v);
      i.vops_per_row = vector_ops_per_row(g, v);
      // cycles per output row = MACs / (MAC/cycle * utilization), or vector ops / (elements/cycle)
      const bool conv = l.kind == LayerKind::conv2d || l.kind == LayerKind::conv2d_transpose;
      const bool grouped = conv && l.groups > 1;
      const double util = l.kind == LayerKind::fc ? hw_.fc_utilization
                          : grouped              ? hw_.depthwise_utilization
                                                 : hw_.conv_utilization;
      i.cycles_per_row = i.macs_per_row ? double(i.macs_per_row) / (hw_.macs_per_cycle * util)
                                        : double(i.vops_per_row) / hw_.vector_elements_per_cycle;
      // A grouped conv keeps its groups apart: each group's filters read only its
      // own input channels (a depthwise conv: one each), so its input splits with
      // its output, group by group (§5c). So does an add or an activation, channel
      // by channel: output channel c reads channel c of its inputs, which have its
      // shape. Channel chunks split a dense conv or an fc by output channels, a
      // grouped conv by groups, an add or an activation by channels. A layer_norm
      // reads every channel of a pixel for each of its outputs: it is not split.
      // (Shape inference has checked that the groups divide the filters and input
      // channels, and that an add's inputs have equal shapes.)
      const bool grouped_conv = l.kind == LayerKind::conv2d && grouped && i.inputs.size() == 1;
      i.channel_independent = grouped_conv || l.kind == LayerKind::add || l.kind == LayerKind::activation;
      i.channel_splittable = (conv && !grouped) || l.kind == LayerKind::fc || i.channel_independent;
      i.channels = l.output.c;
      i.chunk_units = grouped_conv ? l.groups : l.output.c;
      i.reduction = (l.kind == LayerKind::pool && l.global_pool) || l.kind == LayerKind::fc;
      i.concat = l.kind == LayerKind::concat;
      const auto [e, eend] = boost::out_edges(v, g);
      for (auto it = e; it != eend; ++it)
        if (layer_role(g, boost::target(*it, g)) == LayerRole::compute) i.readers.push_back(boost::target(*it, g));
      i.model_output = e == eend || std::any_of(e, eend, [&](const auto& edge) {
                         return g[boost::target(edge, g)].kind == LayerKind::output;
                       });
    }
    for (LayerId v = 0; v < n; ++v)
      for (std::size_t slot = 0; slot < info_[v].inputs.size(); ++slot) info_[v].slot_rows.push_back(slot_rows_of(v, slot));
    for (LayerId v = 0; v < n; ++v)
      for (std::size_t slot = 0; slot < info_[v].inputs.size(); ++slot)
        info_[v].least_one_row.push_back(least_input_rows(v, slot, 1));
    std::map<std::tuple<int, std::uint64_t, int, bool, bool>, std::uint64_t> kinds;  // see interchange_key()
    for (const LayerInfo& i : info_)
      interchange_keys_.push_back(
          kinds.try_emplace({i.height, i.row_bytes, i.channels, i.model_output, i.concat}, kinds.size()).first->second);
    check_counts();
    set_least_compute();
    for (LayerInfo& i : info_) {
      i.floor_alone = floor_terms(i, true);
      i.floor_fused = floor_terms(i, false);
    }
    for (LayerId v = 0; v < n; ++v)  // group_floor() reads no floor sums: this asks it with the terms above
      if (layer_role(g, v) == LayerRole::compute) raise_alone_floor(v);
    set_off_chip_inputs();
  }

  const Hardware& hardware() const { return hw_; }

  /// Cycles layer `v` computes for when each output row is computed once
  /// (ceil(H_out * cycles per row)).
  std::uint64_t compute_cycles(LayerId v) const { return info_[v].compute; }
  /// Cycles layer `v` computes for in every plan: each row some plan cannot
  /// skip computed once (ceil(needed rows * cycles per row); 0 for a concat,
  /// which may be done in place). The sum over a model is a latency floor.
  std::uint64_t least_compute_cycles(LayerId v) const { return info_[v].least_compute; }

  /// CostFloorModel. A group's latency is at least all its compute and at least
  /// all its DMA (the pipeline formula below). Every layer computes the rows no
  /// plan can skip (least_compute_cycles) and loads its weights at least once
  /// (one transfer per layer, or per channel chunk of them); a model output is
  /// stored in full. And no compute overlaps the weights a group loads before
  /// its first step (resident, §5a) or between its steps (streamed, §5b): a
  /// group takes at least its compute plus all its weight DMA, except a single
  /// layer in channel chunks (§5c), which waits for its first chunk only (at
  /// least one chunk unit's weights, W_ch = floor(weight bytes / C), C its
  /// chunk units: output channels, or a grouped conv's groups) and moves all
  /// chunks (C * W_ch bytes). For any grouping of `layers`:
  ///   latency >= max(sum of least_compute_cycles(v),
  ///                  sum of dma_cycles(weight bytes of v) + ceil(model output bytes / DRAM B/cycle),
  ///                  sum of overlap_floor(v))                                                       (cycles)
  ///   off-chip >= sum of weight bytes of v + model output bytes                                       (bytes)
  /// with overlap_floor(v) = least compute + dma(weights), or for a layer that can
  /// be split into channel chunks max(least compute + dma(W_ch), dma(C * W_ch)),
  /// raised to what v costs alone where fusing it costs more (raise_alone_floor()).
  /// Energy (§11): the weights cross DRAM and are written into the SPM at least
  /// once, a model output crosses DRAM and is read out of the SPM once, and the
  /// rows no plan can skip are computed:
  ///   energy >= floor(weight bytes * (e_dram + e_spm_write) + model output bytes * (e_dram + e_spm_read)
  ///                   + sum of least rows(v) * (macs_row(v) * e_mac + vops_row(v) * e_vec))              (pJ)
  CostFloor floor(std::span<const std::size_t> layers) const {
    FloorSums sums;
    for (const std::size_t v : layers) add_to_floor(sums, info_[v], true);
    return floor_from(sums);
  }

  /// CapacityFloorModel: floor(layers) in an SPM of `capacity` bytes, which
  /// also counts what such an SPM forces on every plan: the FMs it cannot keep
  /// on chip for a reader, and the layers whose weights pass it (they cannot be
  /// fused) at their own group floors there. See accel/detail/capacity_floor.hpp
  /// and reference-accelerator.md §10. `layers`: distinct vertices.
  CostFloor floor(std::span<const std::size_t> layers, std::uint64_t capacity) const;

  /// FusedFloorModel: the same floor for the first k + 1 of `layers` run as one
  /// group, for each k. Only a single layer may run in channel chunks (§5c), so
  /// in a group of two or more every layer waits for all its weights:
  /// overlap_floor(v) = least compute + dma(weights) for each, and a model
  /// output's last tile is stored after the last compute (floor_terms()). Running sums, no
  /// tile walk: O(layers) for all the groups from one cut, which the fixed-order
  /// DP asks before the exact group floors (solvers/detail/suffix_bound.hpp).
  std::vector<CostFloor> fused_floors(std::span<const std::size_t> layers) const {
    std::vector<CostFloor> floors;
    floors.reserve(layers.size());
    FloorSums whole;  // no channel chunks
    for (const std::size_t v : layers) {
      add_to_floor(whole, info_[v], false);
      if (floors.empty()) {
        FloorSums alone;
        add_to_floor(alone, info_[v], true);
        floors.push_back(floor_from(alone));
      } else {
        floors.push_back(floor_from(whole));
      }
    }
    return floors;
  }

  /// GrowthFloorModel: floor()'s sums over `group` and `rest`, with the layers
  /// of `group` as fused_floors() counts them (no channel chunks: it and every
  /// group grown from it have two or more layers) and those of `rest` as
  /// floor() does. A layer that joins the group from `rest` only adds to the
  /// unhidden sum (its fused term >= its term alone, max(overlap floor, min(alone, fused))),
  /// and each of the three latency terms of a fused floor plus floor(rest - G)
  /// sums to at least its term here (the stores: ceil(a) + ceil(b) >= ceil(a + b)).
  /// The stores' term is taken one cycle lower: its ceil of a double quotient
  /// may round up where the two floors' own do not.
  /// Off-chip bytes (weights and model outputs) are the same for every such G.
  /// Energy: 0. The floors' energy is one sum for every grouping (the search's
  /// h has it already), so under Objective::energy a growth floor could stop
  /// only states h rules out; and two floored pJ sums may be one below the
  /// floored total.
  CostFloor growth_floor(std::span<const std::size_t> group, std::span<const std::size_t> rest) const {
    return growth_floor_with(group, rest, nullptr);
  }

  /// CapacityGrowthFloorModel: the same for the groups G grown from `group`
  /// that fit an SPM of `capacity` bytes, with floor(rest - G, capacity) after
  /// them (accel/detail/capacity_floor.hpp).
  CostFloor growth_floor(std::span<const std::size_t> group, std::span<const std::size_t> rest,
                         std::uint64_t capacity) const;

  /// GroupFloorModel: at most the answer to `q` itself (the least score over the
  /// ways of the sound cached walks where evaluate() walks recompute, WalkCosted,
  /// and the same ways elsewhere). Each way of running a group (row
  /// tiles, channel chunks, weight streaming, double buffering, halo caching)
  /// moves, computes and holds no more when a boundary FM is pinned than when it
  /// is in DRAM: no DMA of it (§8) and no staging buffer (§7), so each of its
  /// metrics and its footprint are no larger; and more available bytes only let
  /// more ways fit. evaluate() answers the least score among the ways that fit,
  /// so no query with fewer pins or bytes scores less. (tests/test_monotonic.cpp
  /// checks this on every group of the bundled models up to 4 layers.) A loaded
  /// input is asked as pinned: loading it adds to every way (§8a).
  ///
  /// The pins of a setting come out of its SPM (the contract: at most
  /// q.available_bytes for the boundary FMs it pins or loads, less what the
  /// setting keeps for its own buffers, at least least_footprint(q): a setting
  /// with less runs no way), so where the FMs
  /// `q` pins cannot all be pinned at once, every setting moves at least
  /// least_dram_bytes through the one DMA engine, which takes
  /// ceil(least_dram_bytes / DRAM B/cycle) cycles of the latency (§6: every
  /// load and store is on the latency's path). The floor takes the larger
  /// latency, and off-chip bytes (first under Objective::offchip_bytes:
  /// the answer's plus what the pins cannot save) where they rank first or break the tie.
  /// Both are asked with the FMs no setting can pin in DRAM (keep_unpinnable_in_dram),
  /// and where the others cannot all be pinned at once, the answer is the least
  /// over the settings pinning as many of them as fit together (pins_that_fit).
  std::optional<CostFloor> group_floor(const GroupQuery& q) const {
    if (q.layers.empty()) return std::nullopt;
    std::vector<BoundaryFm> inputs(q.inputs.begin(), q.inputs.end());
    std::vector<BoundaryFm> outputs(q.outputs.begin(), q.outputs.end());
    for (BoundaryFm& b : inputs)
      if (b.where == Residence::loaded) b.where = Residence::pinned;
    GroupQuery generous = q;
    generous.inputs = inputs;
    generous.outputs = outputs;
    const GroupView v = view_of(generous);
    const SpmFloors floors = spm_floors(generous, v);
    const std::uint64_t footprint = keep_unpinnable_in_dram(generous, inputs, outputs, v, floors);
    // evaluate()'s search alone (its way's buffers and recompute are not needed here), over the sound cached walks.
    const std::vector<Boundary> fitting = pins_that_fit(generous, footprint);
    std::vector<GroupQuery> asked(fitting.size(), generous);
    for (std::size_t k = 0; k < asked.size(); ++k) {
      asked[k].inputs = fitting[k].inputs;
      asked[k].outputs = fitting[k].outputs;
    }
    const bool split = !asked.empty();  // the pins do not all fit: each query gives up some
    if (!split) asked.push_back(generous);
    // Walked here and dropped, not kept with walks_of(): the order-free search asks the floors of thousands
    // of groups it then prunes without running them (Inception-v3 at 256 KiB: 17,408 of 17,440), and their
    // walks would push those of the groups it runs out of the memo (that solve takes 10-14% less time so).
    std::shared_ptr<Walks> walks = std::make_shared<Walks>();
    std::optional<Choice> c;
    for (const std::optional<Choice>& way : best_ways(asked, v, &floors, walks, WalkCosted::at_most_evaluated))
      if (way && (!c || way->score(q.objective) < c->score(q.objective))) c = way;
    if (!c) return std::nullopt;
    CostFloor floor{c->latency, c->offchip.total(), c->energy.total()};
    const DramFloor dram = least_dram_bytes(generous, footprint);
    const std::uint64_t dma = std::uint64_t(std::ceil(double(dram.least) / hw_.dram_bytes_per_cycle));  // [cyc]
    switch (q.objective) {
      case Objective::latency:  // (latency, off-chip): the off-chip bytes of c only break a tie at c's latency
        floor.offchip_bytes = dma > c->latency ? dram.least : std::max(floor.offchip_bytes, dram.least);
        floor.latency_cycles = std::max(c->latency, dma);
        break;
      case Objective::offchip_bytes:  // (off-chip, latency)
        if (!split) {  // c moves the least with every pin; each pin given up adds its bytes
          floor.latency_cycles = dram.unsaved > 0 ? dma : std::max(c->latency, dma);
          floor.offchip_bytes = std::max(floor.offchip_bytes + dram.unsaved, dram.least);
        } else {  // c gave up the pins that do not fit: its bytes count them already
          floor.latency_cycles = dram.least > floor.offchip_bytes ? dma : std::max(c->latency, dma);
          floor.offchip_bytes = std::max(floor.offchip_bytes, dram.least);
        }
        break;
      case Objective::energy: break;
    }
    return floor;
  }

  /// SpmFloorModel: the sum of least_held(layers) [B].
  std::uint64_t least_spm_bytes(std::span<const std::size_t> layers) const {
    thread_local LeastHeld held;  // the solvers ask it of every group they grow: its memory is reused
    least_held(layers, held);
    return held.total();
  }

  /// InterchangeableFmModel: FMs of the same height, row bytes and channels,
  /// both model outputs or neither, and both made by concats or neither. A
  /// group costs a boundary input through its residence, its rows and row
  /// bytes alone: the rows each tile reads of it are the hull of what its
  /// readers in the group read (input_rows: by the reader's window and the
  /// input's height, the same in every slot), so the same for two inputs the
  /// same layers read, and its DMA, staging buffers and their energy are those
  /// rows times its row bytes; what the layers read of it in the SPM does not
  /// depend on its residence. A pin passing over the group is bytes that
  /// available_bytes leaves out. (Channels, model outputs and concats are
  /// stricter than that needs: least_held, the SPM floor that skips queries
  /// with too few bytes, leaves out inputs made by concats, and a floor skips
  /// only queries that no way fits.)
  /// (tests/test_alike_pins.cpp checks the contract.)
  std::optional<std::uint64_t> interchange_key(std::size_t vertex) const { return interchange_keys_[vertex]; }

  std::optional<GroupCost> evaluate(const GroupQuery& q) const {
    return std::move(evaluate_batch(std::span<const GroupQuery>(&q, 1)).front());
  }

  /// Several queries about one group that differ only in residences and SPM left
  /// (BatchCostModel): the tile geometry is computed once for all of them.
  std::vector<std::optional<GroupCost>> evaluate_batch(std::span<const GroupQuery> queries) const;

  /// The commands that run a group the way `cost`, this model's answer to `q`,
  /// says (CommandEmitter); defined in accel/detail/reference_commands.hpp.
  std::vector<Command> commands(const GroupQuery& q, const GroupCost& cost, const GroupAddresses& at) const;

  /// DMA time of one transfer: setup + bytes / bandwidth (cycles); 0 bytes cost nothing.
  std::uint64_t dma_cycles(std::uint64_t bytes) const {
    return bytes == 0 ? 0 : hw_.dma_setup_cycles + std::uint64_t(std::ceil(double(bytes) / hw_.dram_bytes_per_cycle));
  }

  /// The fewest input rows of slot `slot` that `rows` consecutive output rows of
  /// layer `v` read, over the positions where they read some: for a window
  /// (conv2d, pool) at the top or bottom edge, where padding clips most; for
  /// resize, transposed conv, pad and the block shuffles, by trying every
  /// position; fc and the elementwise kinds read as many rows at every
  /// position. 0 if no position reads any.
  int least_input_rows(LayerId v, std::size_t slot, int rows) const {
    const Layer& l = (*g_)[v];
    const int height = info_[v].height;
    if (rows > height) return 0;
    const bool window = l.kind == LayerKind::conv2d || l.kind == LayerKind::pool;
    switch (l.kind) {  // the kinds whose reads depend on where the rows are (input_rows)
      case LayerKind::conv2d:
      case LayerKind::pool:
      case LayerKind::resize:
      case LayerKind::conv2d_transpose:
      case LayerKind::pad:
      case LayerKind::depth_to_space:
      case LayerKind::space_to_depth: break;
      default: return input_rows(v, slot, {0, rows}).size();
    }
    int least = 0;
    for (int first = 0; first + rows <= height; first = window && first == 0 ? std::max(height - rows, 1) : first + 1) {
      const int read = input_rows(v, slot, {first, first + rows}).size();
      if (read > 0 && (least == 0 || read < least)) least = read;
    }
    return least;
  }

  /// Input rows of slot `slot` that output rows `out` of layer `v` read. The
  /// tile walks ask it for every layer and slot in every tile (16 M times in an
  /// order-free solve of Inception-v3 at 256 KiB): the common maps are worked
  /// out from LayerInfo::slot_rows here, the others by kind_input_rows().
  RowRange input_rows(LayerId v, std::size_t slot, RowRange out) const {
    return input_rows(info_[v].slot_rows[slot], v, slot, out);
  }

 private:
  friend struct detail::ReferenceAcceleratorAccess;  // tests: evaluate_batch without the SPM floors' shortcuts
  class CommandWriter;  // commands(), step by step: accel/detail/reference_commands.hpp
  std::vector<std::optional<GroupCost>> evaluate_batch(std::span<const GroupQuery> queries, bool skip_by_floor) const;

  /// How the output rows of a layer map to the rows of one input slot that they
  /// read (input_rows()), set once per layer: a window (conv2d, pool), every
  /// row (fc), the first row (a [1,1,C] operand broadcast over a taller
  /// output), the same rows (the other elementwise kinds), or by_kind (resize,
  /// transposed conv, pad and the block shuffles: kind_input_rows()).
  struct SlotRows {
    enum class Map : std::uint8_t { window, whole, first_row, same, by_kind };
    Map map = Map::by_kind;
    Window1D window;    ///< Map::window: the layer's
    int in_height = 0;  ///< rows of the input [rows]
  };
  /// input_rows() by the slot's map `s` (LayerInfo::slot_rows[slot] of layer v).
  RowRange input_rows(const SlotRows& s, LayerId v, std::size_t slot, RowRange out) const {
    if (out.empty()) return {};
    switch (s.map) {
      case SlotRows::Map::window: return window_input_rows(s.window, out, s.in_height);
      case SlotRows::Map::whole: return {0, s.in_height};
      case SlotRows::Map::first_row: return {0, 1};
      case SlotRows::Map::same: return out;
      case SlotRows::Map::by_kind: break;
    }
    return kind_input_rows(v, slot, out);
  }
  SlotRows slot_rows_of(LayerId v, std::size_t slot) const {
    const Layer& l = (*g_)[v];
    SlotRows s;
    s.in_height = info_[info_[v].inputs[slot]].height;
    switch (l.kind) {
      case LayerKind::conv2d:
      case LayerKind::pool:
        s.map = SlotRows::Map::window;
        s.window = l.rows;
        break;
      case LayerKind::fc: s.map = SlotRows::Map::whole; break;
      case LayerKind::resize:
      case LayerKind::conv2d_transpose:
      case LayerKind::pad:
      case LayerKind::depth_to_space:
      case LayerKind::space_to_depth: s.map = SlotRows::Map::by_kind; break;
      default: s.map = s.in_height == 1 && info_[v].height > 1 ? SlotRows::Map::first_row : SlotRows::Map::same;
    }
    return s;
  }
  /// input_rows() of the kinds SlotRows maps by_kind (`out` not empty).
  RowRange kind_input_rows(LayerId v, std::size_t slot, RowRange out) const {
    const Layer& l = (*g_)[v];
    const int in_h = info_[v].slot_rows[slot].in_height;
    switch (l.kind) {
      case LayerKind::resize:
        return resize_input_rows({l.resize_mode, l.coordinates, l.rounding, l.size_h > 0 ? 0.0 : l.scale_h, in_h, info_[v].height},
                                 out);
      case LayerKind::conv2d_transpose: return transpose_input_rows(l.rows, out, in_h);
      case LayerKind::pad: return pad_input_rows(l.rows.pad_before, out, in_h);
      case LayerKind::depth_to_space: return depth_to_space_input_rows(l.block, out);
      case LayerKind::space_to_depth: return space_to_depth_input_rows(l.block, out);
      default: throw std::logic_error("kind_input_rows: a kind SlotRows maps itself");  // slot_rows_of() maps every other kind
    }
  }

  /// What group_floor() adds: the DRAM bytes of any setting at most as generous as a query.
  struct DramFloor {
    std::uint64_t least = 0;    ///< moved by every way in every such setting [B]
    std::uint64_t unsaved = 0;  ///< of it, the bytes of FMs the query pins that no setting can pin all of [B]
  };
  /// Every way of every setting at most as generous as `q` (GroupFloorModel)
  /// moves each layer's weights (once at least, as floor() counts them), each
  /// output `q` keeps in DRAM (whole) and the input rows
  /// its layers' least_rows read of each input `q` keeps in DRAM; and of the
  /// FMs `q` pins or loads (i), what their pins cannot save:
  ///   unsaved = max(0, sum of r_i - (q.available_bytes - footprint))         [B]
  /// r_i: what i moves at least when the setting does not pin it (an output's
  /// bytes; the rows the group reads of an input, from DRAM or, loaded, whole).
  /// The FMs P a setting pins or loads take their aligned bytes a_i >= r_i out
  /// of q.available_bytes (the contract), and what is left, the setting's own
  /// available bytes, holds a way's buffers, at least `footprint` (least_footprint),
  /// so sum over P of r_i <= available - footprint, and the others move the rest.
  DramFloor least_dram_bytes(const GroupQuery& q, std::uint64_t footprint) const {
    const auto bytes_read = [&](std::size_t fm) {  // of FM `fm`, by the group's layers
      std::uint64_t most = 0;
      for (const std::size_t v : q.layers) most = std::max(most, least_bytes_read_of(v, fm));
      return most;
    };
    DramFloor d;
    for (const std::size_t v : q.layers) d.least += info_[v].weight_bytes;
    std::uint64_t may_save = 0;  // sum of r_i
    for (const BoundaryFm& in : q.inputs) (in.where == Residence::dram ? d.least : may_save) += bytes_read(in.vertex);
    for (const BoundaryFm& out : q.outputs)
      (out.where == Residence::dram ? d.least : may_save) += fm_bytes(out.vertex);
    const std::uint64_t room = room_for_pins(q, footprint);
    d.unsaved = may_save > room ? may_save - room : 0;
    d.least += d.unsaved;
    return d;
  }

  /// The most layer `c` reads of the FM of layer `p` in any slot
  /// (LayerInfo::least_bytes_read; 0 if it does not read it) [B].
  std::uint64_t least_bytes_read_of(std::size_t c, std::size_t p) const {
    std::uint64_t most = 0;
    for (std::size_t slot = 0; slot < info_[c].inputs.size(); ++slot)
      if (info_[c].inputs[slot] == p) most = std::max(most, info_[c].least_bytes_read[slot]);
    return most;
  }

  /// What q's available bytes leave for pins beside `footprint` (least_footprint(q)) [B].
  static std::uint64_t room_for_pins(const GroupQuery& q, std::uint64_t footprint) {
    return q.available_bytes > footprint ? q.available_bytes - footprint : 0;
  }

  /// Bytes of the FM of layer `v` (its output) [B]: no overflow, check_counts() made sure.
  std::uint64_t fm_bytes(std::size_t v) const { return info_[v].row_bytes * std::uint64_t(std::max(info_[v].height, 0)); }

  /// An input of a layer, the FM of layer `producer`, the least SPM in which
  /// the layer's group may hold it on chip (with its producer, or pinned), and
  /// the least in which a pin may hold it (set_off_chip_inputs()).
  struct OffChipInput {
    LayerId producer = 0;
    std::uint64_t on_chip_from = 0;  ///< [B]
    std::uint64_t pin_from = 0;      ///< the least SPM in which it may be pinned for the reader: max(pin_room(p, p), pin_room(p, c)) [B]
    std::uint64_t bytes = 0;         ///< the most the reader's least rows read of it (least_bytes_read_of) [B]
  };
  /// The sums floor() and fused_floors() take the maxima of, over the layers added so far.
  struct FloorSums {
    std::uint64_t compute = 0, weight_dma = 0, weight_bytes = 0, output_bytes = 0, unhidden = 0;  // [cyc], [cyc], [B], [B], [cyc]
    std::uint64_t loaded_bytes = 0;  ///< FM bytes loaded from DRAM (floor(layers, capacity)) [B]
    double energy = 0;  // [pJ] of the least rows' MACs and vector ops
  };
  struct LayerInfo {
    std::vector<LayerId> inputs;
    std::vector<LayerId> readers;  ///< the compute layers reading its output
    int height = 0;
    int channels = 0;
    int chunk_units = 0;  ///< what channel chunks split it into (§5c): output channels, or a grouped conv's groups
    std::uint64_t row_bytes = 0;
    std::uint64_t weight_bytes = 0;
    std::uint64_t macs_per_row = 0;
    std::uint64_t vops_per_row = 0;  ///< vector ops per row when macs_per_row is 0
    double cycles_per_row = 0;
    bool channel_splittable = false;
    bool channel_independent = false;  ///< grouped conv, add, activation: each chunk unit's output channels read its input channels only
    /// May a group of this layer alone run in channel chunks (§5c)? Those with weights split them; the
    /// channel-independent ones without (an add, an activation) split their input and output alone.
    bool may_run_in_chunks() const { return channel_splittable && (weight_bytes > 0 || channel_independent); }
    bool reduction = false;  ///< global pool / fc: every output reads every input row
    bool concat = false;
    bool model_output = false;  ///< read by an output marker or by nothing
    std::uint64_t least_compute = 0;  ///< least_compute_cycles()
    std::uint64_t least_rows = 0;     ///< rows every plan computes (0 for a concat)
    std::vector<SlotRows> slot_rows;  ///< per input slot: how its rows map (input_rows())
    std::vector<int> least_one_row;   ///< per input slot: least_input_rows(v, slot, 1), which least_held() asks most
    std::vector<int> most_one_row;    ///< per input slot: the most input rows one of its least rows reads (set_least_compute)
    std::vector<std::uint64_t> least_bytes_read;  ///< per input slot: bytes of the input rows its least_rows read [B]
    std::vector<OffChipInput> off_chip_inputs;  ///< per compute layer it reads (set_off_chip_inputs)
    std::uint64_t compute = 0;        ///< compute_cycles()
    std::uint64_t weight_dma = 0;     ///< dma_cycles(weight_bytes): one load of all its weights [cyc]
    FloorSums floor_alone, floor_fused;  ///< its terms of the floor sums, in channel chunks or not (add_to_floor())
  };
  /// Adds layer `l`'s terms; `may_chunk`: whether it may run in channel chunks (a group of one).
  static void add_to_floor(FloorSums& s, const LayerInfo& l, bool may_chunk) {
    const FloorSums& t = may_chunk ? l.floor_alone : l.floor_fused;
    s.compute += t.compute;
    s.weight_dma += t.weight_dma;
    s.weight_bytes += t.weight_bytes;
    s.output_bytes += t.output_bytes;
    s.unhidden += t.unhidden;
    s.energy += t.energy;
  }
  /// Layer `l`'s terms of the sums (LayerInfo::floor_alone and floor_fused), once its least_compute is known.
  FloorSums floor_terms(const LayerInfo& l, bool may_chunk) const {
    FloorSums t;
    t.energy = double(l.least_rows) * (double(l.macs_per_row) * hw_.mac_pj + double(l.vops_per_row) * hw_.vector_op_pj);
    t.compute = l.least_compute;
    t.weight_dma = l.weight_dma;
    t.weight_bytes = l.weight_bytes;
    if (l.model_output) t.output_bytes = l.row_bytes * std::uint64_t(l.height);
    if (may_chunk && l.channel_splittable && l.chunk_units > 0) {
      const std::uint64_t per_unit = l.weight_bytes / std::uint64_t(l.chunk_units);
      t.unhidden = std::max(l.least_compute + dma_cycles(per_unit), dma_cycles(per_unit * std::uint64_t(l.chunk_units)));
    } else {
      t.unhidden = l.least_compute + l.weight_dma;
    }
    // In a group of two or more, a model output's last row tile is stored after the group's last compute (§6:
    // store_{n-1}), at least one row of it. (A group of one keeps the chunked term above.)
    if (!may_chunk && l.model_output && l.height > 0) t.unhidden = l.weight_dma + least_compute_and_last_store(l);
    return t;
  }
  /// What model output `l` computes and stores after the last compute, at least,
  /// in a group of two or more [cyc]: least compute + dma(one row); and where no
  /// layer reads it (so each row tile t of T computes its share, §1, and no more;
  /// not a concat, which may take no compute, nor a reduction, which
  /// accumulates by input rows) the least over T of
  ///   sum_t ceil(|share(t, T, H)| * cyc_row) + dma(|share(T-1, T, H)| * row bytes)
  /// (the per-tile ceils of §4; T >= H is T = H). The shares take q = H / T
  /// rows, H mod T of them one more (as computed in tile_share()).
  std::uint64_t least_compute_and_last_store(const LayerInfo& l) const {
    if (!l.readers.empty() || l.concat || l.reduction) return l.least_compute + dma_cycles(l.row_bytes);
    const auto ceil_rows = [&](int rows) { return std::uint64_t(std::ceil(double(rows) * l.cycles_per_row)); };
    std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
    for (int tiles = 1; tiles <= l.height; ++tiles) {
      const int q = l.height / tiles, longer = l.height % tiles;
      const RowRange last = tile_share(tiles - 1, tiles, l.height);
      least = std::min(least, std::uint64_t(tiles - longer) * ceil_rows(q) + std::uint64_t(longer) * ceil_rows(q + 1) +
                                  dma_cycles(std::uint64_t(last.size()) * l.row_bytes));
    }
    return least;
  }
  /// Raises layer v's unhidden term alone to what it costs as a group of one,
  /// where that is below its fused term: a plan runs v alone, at no less than
  /// the group floor of {v} with every input pinned, every output that may be
  /// pinned pinned and every SPM byte available (group_floor(): no query with
  /// fewer pins or bytes scores less), or in a group of two or more, where its
  /// term is floor_fused's (fused(v): least compute + dma(weights), + dma(one row) for a model output). So
  ///   unhidden alone(v) = max(overlap_floor(v), min(alone(v), fused(v)))   [cyc]
  /// (overlap_floor(v) is at most both). A layer no setting runs alone keeps fused(v).
  void raise_alone_floor(LayerId v) {
    LayerInfo& l = info_[v];
    const SingleLayerQuery single(v, l.inputs, [](LayerId) { return Residence::pinned; },
                                  l.model_output ? Residence::dram : Residence::pinned,
                                  std::numeric_limits<std::uint64_t>::max());
    const std::optional<CostFloor> alone = group_floor(single.query);
    const std::uint64_t fused = l.floor_fused.unhidden;
    l.floor_alone.unhidden = std::max(l.floor_alone.unhidden, alone ? std::min(alone->latency_cycles, fused) : fused);
  }
  /// A query about layer `v` alone (objective latency, alignment 1), whose
  /// inputs are the FMs of `producers`: each once, where `input_at(producer)`
  /// says, and its output `output_at`.
  struct SingleLayerQuery {
    template <class InputAt>
    SingleLayerQuery(LayerId v, const std::vector<LayerId>& producers, const InputAt& input_at, Residence output_at,
                     std::uint64_t available)
        : layer(v) {
      for (const LayerId u : producers)
        if (std::none_of(inputs.begin(), inputs.end(), [&](const BoundaryFm& b) { return b.vertex == u; }))
          inputs.push_back({u, input_at(u)});
      output = {v, output_at};
      query.layers = std::span<const std::size_t>(&layer, 1);
      query.inputs = inputs;
      query.outputs = std::span<const BoundaryFm>(&output, 1);
      query.available_bytes = available;
    }
    SingleLayerQuery(const SingleLayerQuery&) = delete;  // the query points into it
    std::size_t layer;
    std::vector<BoundaryFm> inputs;
    BoundaryFm output;
    GroupQuery query;
  };
  /// Per vertex: the floor of a layer that runs alone in an SPM of some
  /// capacity (its weights pass it), or none (floor(layers, capacity)).
  using AloneFloors = std::vector<std::optional<CostFloor>>;
  struct AloneFloorsByCapacity {
    std::mutex mutex;
    std::map<std::uint64_t, std::shared_ptr<const AloneFloors>> by_capacity;
  };
  std::shared_ptr<const AloneFloors> alone_floors(std::uint64_t capacity) const;
  std::optional<CostFloor> alone_floor(LayerId v, std::uint64_t capacity) const;
  CostFloor growth_floor_with(std::span<const std::size_t> group, std::span<const std::size_t> rest,
                              const AloneFloors* alone) const;
  /// `sum` += `f`, per metric (saturating).
  static void add_floor(CostFloor& sum, const CostFloor& f) {
    sum.latency_cycles = saturating_add(sum.latency_cycles, f.latency_cycles);
    sum.offchip_bytes = saturating_add(sum.offchip_bytes, f.offchip_bytes);
    sum.energy_pj = saturating_add(sum.energy_pj, f.energy_pj);
  }
  void set_off_chip_inputs();
  std::vector<std::size_t> hull_of(LayerId c, const std::vector<char>& reached, const std::vector<std::size_t>& position,
                                   std::vector<char>& in_hull) const;
  std::uint64_t pin_room(LayerId p, LayerId x) const;
  /// floor()'s three metrics from its sums: the FM bytes stored and loaded
  /// cross DRAM through the DMA engine beside the weights (§6), each once
  ///   latency  = max(compute, weight DMA + ceil((stored + loaded) / DRAM B/cycle), unhidden)   [cyc]
  ///   off-chip = weights + stored + loaded                                                    [B]
  ///   energy   = least rows' MACs and vector ops + weights * (e_dram + e_spm_write)
  ///              + stored * (e_dram + e_spm_read) + loaded * (e_dram + e_spm_write)            [pJ]
  CostFloor floor_from(const FloorSums& s) const {
    const std::uint64_t moved = saturating_add(s.output_bytes, s.loaded_bytes);  // FM bytes [B]
    const auto dma = std::uint64_t(std::ceil(double(moved) / hw_.dram_bytes_per_cycle));
    const double energy = s.energy + (double(s.weight_bytes) + double(s.loaded_bytes)) * (hw_.dram_pj_per_byte + hw_.spm_write_pj_per_byte) +
                          double(s.output_bytes) * (hw_.dram_pj_per_byte + hw_.spm_read_pj_per_byte);
    return {std::max({s.compute, saturating_add(s.weight_dma, dma), s.unhidden}), saturating_add(s.weight_bytes, moved),
            std::uint64_t(std::min(std::floor(energy), double(quantity_limit)))};
  }
  /// Rejects (limit_error) a model and hardware whose counts could pass what
  /// 64 bits hold in some group; after it, no sum in a query can wrap.
  /// Per layer l, within quantity_limit: compute_l = ceil(H_l * cycles per row),
  /// dma(output bytes of l) and dma(weight bytes of l). A pipeline step of any
  /// group computes each of its layers' rows at most once, loads or stores each
  /// FM at most once and each layer's weights at most twice (a chunk's share and
  /// a streamed reload), so it takes at most
  ///   U = sum_l (compute_l + 1 + dma(fm_l) + 2 dma(weights_l))            [cyc]
  /// A group runs at most N = max_l H_l * C_l steps (C_l: chunk units; row tiles x channel
  /// chunks), so its latency is at most (N + 2) U, and its recompute at most
  /// max_l H_l * sum_l MACs_l. A plan has at most L groups (L layers): both
  /// times L stay below 2^63. (Plans whose totals pass 2^48 are then rejected
  /// exactly, by sum_costs.)
  void check_counts() {
    const Network& g = *g_;
    std::uint64_t step = 0, steps = 0, tallest = 0, all_macs = 0, layers = 0;
    for (LayerId v = 0; v < info_.size(); ++v) {
      LayerInfo& l = info_[v];
      const auto at = [&] { return "layer '" + g[v].name + "'"; };
      l.compute = checked_ceil(l.height * l.cycles_per_row, "compute cycles", at);
      const std::uint64_t output_bytes = checked_mul(l.row_bytes, std::uint64_t(std::max(l.height, 0)), "output bytes", at);
      const std::uint64_t fm_dma = checked_dma_cycles(output_bytes, "DMA cycles of the output", at);
      l.weight_dma = checked_dma_cycles(l.weight_bytes, "DMA cycles of the weights", at);
      for (const std::uint64_t x : {l.compute, std::uint64_t{1}, fm_dma, l.weight_dma, l.weight_dma})
        step = checked_add(step, x, "cycles of one pipeline step", "model");
      steps = std::max(steps, std::uint64_t(std::max(l.height, 1)) * std::uint64_t(std::max(l.chunk_units, 1)));
      tallest = std::max(tallest, std::uint64_t(std::max(l.height, 0)));
      all_macs = checked_add(all_macs, l.macs_per_row * std::uint64_t(std::max(l.height, 0)), "MACs", "model");
      ++layers;
    }
    std::uint64_t latency_bound = 0, recompute_bound = 0;
    const std::uint64_t below = std::uint64_t{1} << 63;
    if (__builtin_mul_overflow(steps + 2, step, &latency_bound) ||
        __builtin_mul_overflow(latency_bound, std::max<std::uint64_t>(layers, 1), &latency_bound) || latency_bound >= below ||
        __builtin_mul_overflow(tallest, all_macs, &recompute_bound) ||
        __builtin_mul_overflow(recompute_bound, std::max<std::uint64_t>(layers, 1), &recompute_bound) ||
        recompute_bound >= below)
      throw limit_error("model", "with this hardware, a group's latency or recompute could pass 2^63 (one pipeline step "
                                 "may take up to " + std::to_string(step) + " cycles); the hardware is too slow or the "
                                 "model too large for pinfuse's 64-bit counts");
  }
  /// dma_cycles(bytes) checked against the limit, in floating point first.
  template <class Place>
  std::uint64_t checked_dma_cycles(std::uint64_t bytes, std::string_view what, const Place& at) const {
    if (bytes == 0) return 0;
    return checked_add(hw_.dma_setup_cycles, checked_ceil(double(bytes) / hw_.dram_bytes_per_cycle, what, at), what, at);
  }
  /// Fills LayerInfo::least_compute. The rows of an FM every plan computes: all
  /// of a model output's; of an intermediate, the rows its readers' such rows
  /// read (a tile computes the hull of what its readers need, a group output
  /// every row). Walked from the outputs back, row by row.
  void set_least_compute() {
    const Network& g = *g_;
    const std::vector<std::size_t> order = topological_order(g);
    std::vector<std::vector<char>> needed(info_.size());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const LayerId v = *it;
      if (layer_role(g, v) != LayerRole::compute) continue;
      LayerInfo& l = info_[v];
      std::vector<char>& rows = needed[v];
      rows.assign(std::size_t(std::max(l.height, 0)), l.model_output ? 1 : 0);
      for (auto [e, eend] = boost::out_edges(v, g); e != eend; ++e) {
        const LayerId c = boost::target(*e, g);
        if (layer_role(g, c) != LayerRole::compute) continue;
        for (std::size_t slot = 0; slot < info_[c].inputs.size(); ++slot)
          if (info_[c].inputs[slot] == v) mark_rows_read(c, slot, needed[c], rows);
      }
      const auto count = std::count(rows.begin(), rows.end(), char(1));
      l.least_rows = l.concat ? 0 : std::uint64_t(count);
      l.least_compute = std::uint64_t(std::ceil(double(l.least_rows) * l.cycles_per_row));
    }
    for (const LayerId c : order) {  // what those rows read: LayerInfo::least_bytes_read
      if (layer_role(g, c) != LayerRole::compute) continue;
      LayerInfo& l = info_[c];
      l.least_bytes_read.assign(l.inputs.size(), 0);
      l.most_one_row.assign(l.inputs.size(), 0);
      for (std::size_t slot = 0; slot < l.inputs.size(); ++slot) {
        const LayerInfo& from = info_[l.inputs[slot]];
        std::vector<char> read(std::size_t(std::max(from.height, 0)), 0);
        l.most_one_row[slot] = mark_rows_read(c, slot, needed[c], read);
        l.least_bytes_read[slot] = from.row_bytes * std::uint64_t(std::count(read.begin(), read.end(), char(1)));
      }
    }
  }
  /// Marks in `read` (one entry per row of the FM in input slot `slot` of
  /// layer `c`) the rows that the rows of `c` marked in `rows_of_c` read, and
  /// returns the most that one of them reads [rows].
  int mark_rows_read(LayerId c, std::size_t slot, const std::vector<char>& rows_of_c, std::vector<char>& read) const {
    const int in_h = static_cast<int>(read.size());
    int most = 0;
    for (int r = 0; r < info_[c].height; ++r) {
      if (!rows_of_c[std::size_t(r)]) continue;
      const RowRange in = input_rows(c, slot, {r, r + 1});  // clipped to the input
      most = std::max(most, in.size());
      for (int i = std::max(in.begin, 0); i < std::min(in.end, in_h); ++i) read[std::size_t(i)] = 1;
    }
    return most;
  }
  /// What a group holds in the SPM at once, at least, in any setting (least_held()).
  struct LeastHeld {
    std::vector<std::pair<LayerId, std::uint64_t>> fms;  ///< (FM by its producer, bytes of the rows held)
    std::uint64_t weights = 0;                           ///< the least weight buffer [B]
    std::uint64_t total() const {
      std::uint64_t sum = weights;
      for (const auto& f : fms) sum += f.second;
      return sum;
    }
  };
  LeastHeld least_held(std::span<const std::size_t> layers) const {
    LeastHeld held;
    least_held(layers, held);
    return held;
  }
  /// least_held(layers) into `held` (its memory reused, as is that of its
  /// own working lists, kept per thread).
  void least_held(std::span<const std::size_t> layers, LeastHeld& held) const;
  /// One pipeline step: DMA in, compute, DMA out (cycles).
  struct Step {
    std::uint64_t load = 0;
    std::uint64_t compute = 0;
    std::uint64_t store = 0;
    std::uint64_t stall = 0;  ///< DMA the compute waits for and nothing overlaps (streamed weights)
  };
  /// A group's layers and boundary FMs, indexed for the tile walk (residences aside).
  /// vertex -> its index in a group's short list (layers, inputs or outputs),
  /// or -1, set up in O(group), not O(model). A list of consecutive vertices
  /// (a group of the file order, mostly) needs no table: index = vertex - first.
  /// Vertices spread over at most kDenseSpread times their number (a group of
  /// side-by-side branches) get a table over their span [first, last], one
  /// lookup each; others a sorted list, a binary search each (a group's
  /// growth-stop check, least_held(), looks up every reader of every layer).
  class IndexOf {
   public:
    template <class VertexAt>
    void assign(std::size_t count, const VertexAt& vertex_at) {
      sorted_.clear();
      table_.clear();
      count_ = count;
      const std::size_t front = count > 0 ? vertex_at(0) : 0;
      std::size_t least = front, last = front;
      bool consecutive = true;
      for (std::size_t i = 0; i < count; ++i) {  // the vertices of a group's list are distinct
        consecutive = consecutive && vertex_at(i) == front + i;
        least = std::min(least, vertex_at(i));
        last = std::max(last, vertex_at(i));
      }
      first_ = least;
      if (consecutive) {
        kind_ = Kind::consecutive;
      } else if (last - first_ < kDenseSpread * count) {
        kind_ = Kind::table;
        table_.assign(last - first_ + 1, -1);
        for (std::size_t i = 0; i < count; ++i) table_[vertex_at(i) - first_] = static_cast<int>(i);
      } else {
        kind_ = Kind::sorted;
        sorted_.reserve(count);
        for (std::size_t i = 0; i < count; ++i) sorted_.emplace_back(vertex_at(i), static_cast<int>(i));
        std::sort(sorted_.begin(), sorted_.end());
      }
    }
    int operator[](std::size_t vertex) const {
      switch (kind_) {
        case Kind::consecutive: return vertex >= first_ && vertex - first_ < count_ ? static_cast<int>(vertex - first_) : -1;
        case Kind::table: return vertex >= first_ && vertex - first_ < table_.size() ? table_[vertex - first_] : -1;
        case Kind::sorted: break;
      }
      const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair<std::size_t, int>(vertex, -1));
      return it != sorted_.end() && it->first == vertex ? it->second : -1;
    }

   private:
    static constexpr std::size_t kDenseSpread = 8;
    enum class Kind { consecutive, table, sorted };
    Kind kind_ = Kind::consecutive;
    std::size_t first_ = 0, count_ = 0;  ///< the least vertex; the list's length
    std::vector<int> table_;             ///< table: index by vertex - first_, or -1
    std::vector<std::pair<std::size_t, int>> sorted_;  ///< sorted: (vertex, index)
  };
  struct GroupView {
    IndexOf local;                   ///< vertex -> position in the group, or -1
    IndexOf ext;                     ///< vertex -> index in q.inputs, or -1
    IndexOf out;                     ///< vertex -> index in q.outputs, or -1
    /// What a layer of the group does there (one per position).
    struct Member {
      bool accumulates = false;  ///< a reduction no group layer reads, fed tile by tile
      bool in_place = false;     ///< a concat its inputs write directly
      bool cacheable = false;    ///< an intermediate only (in its own buffer, no group output), §2a
      int writes_into = -1;      ///< the in-place concat it writes a slice of, or -1
      int readers = 0;           ///< reads of its FM by layers of the group
      int first_slot = 0;        ///< where its input slots start in slot_source
      bool is_tmp() const { return readers > 0; }  ///< read by a later layer of the group
    };
    std::vector<Member> members;  ///< per position
    /// Per position, per input slot (members[i].first_slot + slot): the position in
    /// the group of the layer it reads (>= 0), or -1 - its index in q.inputs (read from outside).
    std::vector<int> slot_source;
    std::vector<int> output_position;  ///< per index in q.outputs: its layer's position in the group
    bool any_cacheable = false;
    std::uint64_t weights = 0;       ///< bytes of all the group's weights
    std::uint64_t max_weight = 0;    ///< bytes of the largest layer's weights
    std::uint64_t weight_load = 0;   ///< DMA cycles to load all weights, one transfer per layer
    int height = 1;                  ///< most rows a tile grid can split: tallest output or accumulated input
  };
  /// Where the rows go when a group runs as `tiles` row tiles; independent of residences.
  /// A prefix walk (prefix_walk(), `walked` < tiles) holds only what the buffers of the
  /// tiles it walked take (tmp_max, in_max, out_max, tmp_bytes; its per-tile vectors
  /// are empty): a floor for footprint() and tmp_bytes, not a way to cost (transfers()).
  struct TileGeometry {
    int tiles = 1;
    bool cached = false;             ///< cacheable intermediates keep their overlap rows between tiles (§2a)
    struct Transfer {
      std::uint64_t bytes = 0;
      std::uint64_t cycles = 0;      ///< dma_cycles(bytes)
    };
    struct InputTile {
      Transfer load;                 ///< what the tile loads of the input (if in DRAM)
      int end = 0;                   ///< the end row of what the tile holds of it (0: none)
    };
    struct TileWork {
      std::uint64_t compute = 0;     ///< compute cycles
      std::uint64_t stream_load = 0; ///< DMA cycles to reload the weights of the layers it runs
    };
    std::vector<InputTile> input_tiles;  ///< [tile * inputs + e]: input e in the tile
    std::vector<Transfer> out_xfer;  ///< [tile * outputs + o]: what the tile stores of output o (if in DRAM)
    std::vector<TileWork> work;      ///< per tile
    std::uint64_t stream_bytes = 0;  ///< weight bytes those reloads move over all tiles
    /// Most rows one tile holds: of each input, then each layer (position), then each output.
    std::vector<int> most_rows;
    std::size_t input_count = 0, layer_count = 0;  ///< where most_rows' parts start: layers at input_count, outputs past them
    int& in_max(std::size_t e) { return most_rows[e]; }
    int& tmp_max(std::size_t i) { return most_rows[input_count + i]; }
    int& out_max(std::size_t o) { return most_rows[input_count + layer_count + o]; }
    int in_max(std::size_t e) const { return most_rows[e]; }
    int tmp_max(std::size_t i) const { return most_rows[input_count + i]; }
    int out_max(std::size_t o) const { return most_rows[input_count + layer_count + o]; }
    std::uint64_t tmp_bytes = 0;     ///< the intermediates' buffers, aligned
    std::uint64_t recompute_macs = 0;
    std::uint64_t cache_bytes = 0;   ///< cached: the overlap rows the intermediates' ring buffers carry over, at most (§2a) [B]
    bool cache_sound = true;         ///< cached: every cached layer's rows move down tile by tile (§2a)
    /// cached, full walks: some layer with MACs or vector ops takes a row from its ring buffer
    /// instead of computing it again, so the recomputing walk does strictly more of that work (§2a)
    bool cache_saves_work = false;
    // What the compute does over all tiles, for the energy (§11):
    std::uint64_t fm_reads = 0;      ///< FM bytes the layers read from the SPM (one channel chunk's pass, §5c) [B]
    std::uint64_t fm_writes = 0;     ///< FM bytes the layers write into the SPM [B]
    std::uint64_t macs = 0;          ///< MACs, recompute included [MAC]
    std::uint64_t vector_ops = 0;    ///< vector-unit element operations, recompute included [op]
    /// Its counts as a default-made one's; its vectors keep their memory, and their
    /// contents until walk_into() assigns them all (prefix walks reuse one per thread).
    void reset() {
      TileGeometry fresh;
      fresh.input_tiles.swap(input_tiles);
      fresh.out_xfer.swap(out_xfer);
      fresh.work.swap(work);
      fresh.most_rows.swap(most_rows);
      *this = std::move(fresh);
    }
    std::size_t heap_bytes() const {  ///< what its vectors hold, for WalkCache
      return input_tiles.size() * sizeof(InputTile) + out_xfer.size() * sizeof(Transfer) + work.size() * sizeof(TileWork) +
             most_rows.size() * sizeof(int);
    }
  };
  /// Halo caching (§2a) over the tiles, top to bottom: per layer, the rows its
  /// earlier tiles computed, [0, done), are still in its ring buffer of tmp_max
  /// rows as long as the rows a tile holds never move up (`sound`).
  struct HaloCache {
    struct Rows {
      int done = 0;         ///< [row]
      int most_cached = 0;  ///< [rows]
      int last_begin = 0;   ///< [row]
    };
    std::vector<Rows> layers;  ///< per position
    bool sound = true;
    /// Nothing cached yet, for `count` layers (keeps the vector's memory).
    void reset(std::size_t count) {
      layers.assign(count, {});
      sound = true;
    }
    /// Layer i holds rows `held` in this tile: returns the rows it computes,
    /// [max(held.begin, done), held.end); the rest, held ∩ [0, done), are cached.
    RowRange advance(std::size_t i, RowRange held) {
      if (held.empty()) return {};
      Rows& r = layers[i];
      sound = sound && held.begin >= r.last_begin;
      r.last_begin = held.begin;
      r.most_cached = std::max(r.most_cached, std::min(r.done, held.end) - held.begin);
      const RowRange fresh{std::max(held.begin, r.done), held.end};
      r.done = std::max(r.done, held.end);
      return fresh.empty() ? RowRange{} : fresh;
    }
  };
  /// A tile walk's working rows (walk_into()): kept per thread, so that walks
  /// reuse their memory (the order-free search walks a few hundred thousand).
  struct WalkRows {
    HaloCache cache;
    std::vector<RowRange> rows, need, ext_need;  ///< per position / position / input, in the tile walked [rows]
    std::vector<long long> computed, read;        ///< summed over the tiles walked (walk_into(), full walks) [rows]
  };
  /// The DMA side of a geometry for one query's residences.
  struct Transfers {
    std::vector<Step> steps;                    ///< per tile
    std::vector<std::uint64_t> out_tile_bytes;  ///< per tile: DRAM output bytes
    std::vector<std::uint64_t> in_tile_bytes;   ///< per tile: DRAM input bytes
    std::uint64_t fm_read = 0;                  ///< DRAM input bytes over all tiles
    std::uint64_t fm_write = 0;                 ///< DRAM output bytes
    std::uint64_t load_cycles = 0;              ///< sum of the steps' loads [cyc]
    std::uint64_t compute_cycles = 0;           ///< sum of the steps' compute [cyc]
    std::uint64_t storing_tiles = 0;            ///< tiles that store DRAM output bytes
  };
  /// The model inputs a group in channel chunks loads whole into their pinned
  /// places (Residence::loaded), one transfer each before its first step (§8a):
  ///   bytes = sum of their bytes,  cycles = sum of dma_cycles(their bytes)   [B], [cyc]
  /// Nothing overlaps them, as nothing overlaps resident weights' load (§5a).
  struct Preload {
    std::uint64_t bytes = 0;
    std::uint64_t cycles = 0;
  };
  /// Does the group load a model input to keep it (some input Residence::loaded)?
  static bool loads_inputs(const GroupQuery& q) {
    return std::any_of(q.inputs.begin(), q.inputs.end(), [](const BoundaryFm& b) { return b.where == Residence::loaded; });
  }
  Preload preload(const GroupQuery& q) const {
    Preload pre;
    for (const BoundaryFm& b : q.inputs)
      if (b.where == Residence::loaded) {
        const std::uint64_t bytes = fm_bytes(b.vertex);
        pre.bytes = checked_add(pre.bytes, bytes, "feature map bytes", "group");
        pre.cycles = checked_add(pre.cycles, dma_cycles(bytes), "latency cycles", "group");
      }
    return pre;
  }
  /// A layer's chunk units (output channels, or a grouped conv's groups) split into chunks of
  /// per_chunk units, the last maybe fewer: asked for `tried` chunks, per_chunk = ceil(C / tried)
  /// and chunks = ceil(C / per_chunk) <= tried (and ChannelChunks(C, chunks) is the same split).
  struct ChannelChunks {
    int units = 0;      ///< LayerInfo::chunk_units split (output channels, or a grouped conv's groups); 0: not split
    int per_chunk = 0;  ///< units per chunk
    int chunks = 1;
    ChannelChunks() = default;
    ChannelChunks(int c, int tried) : units(c), per_chunk((c + tried - 1) / tried), chunks((c + per_chunk - 1) / per_chunk) {}
    int units_of(int chunk) const { return std::min(per_chunk, units - chunk * per_chunk); }
  };
  /// One way to run the group: tiles, channel chunks, weight placement, and what it costs.
  struct Choice {
    int tiles = 1;
    int chunks = 1;                  ///< output-channel chunks (single conv/fc groups)
    bool streamed = false;           ///< weights reloaded every tile
    bool overlapped = true;          ///< double-buffered: DMA overlaps compute
    std::uint64_t latency = 0;
    OffchipBytes offchip;
    EnergyPj energy{};               ///< energy_of(): by candidates() when it is scored (Objective::energy), else by pick() for the way kept
    bool cached = false;             ///< halo caching (§2a), set by candidates()
    bool preloaded = false;          ///< loaded inputs loaded before the first step, not tile by tile (§8a)
    bool input_stationary = false;   ///< chunks tile-outer: each tile's input loaded once, the chunks' weights per tile (§5c)
    Score score(Objective o) const { return score_of(latency, offchip.total(), energy.total(), o); }
  };

  /// Tile and chunk counts searched: the least count n for each distinct share
  /// size ceil(total / n) [rows per tile, channels per chunk], from 1 to `total`.
  /// After `count` (share s = ceil(total / count)) comes the least n with
  /// ceil(total / n) <= s - 1, i.e. n = ceil(total / (s - 1)); after s = 1, total + 1.
  static int next_count(int count, int total) {
    const int share = (total + count - 1) / count;
    return share == 1 ? total + 1 : (total + share - 2) / (share - 1);
  }
  /// The counts searched from 1 to `total` (tiles or chunks), each next_count() of the one before.
  static std::vector<int> counts_searched(int total) {
    std::vector<int> counts;
    // At most 2 sqrt(total) + 1 counts: below sqrt(total) each count is one, past it each share size is one.
    counts.reserve(std::size_t(2 * std::sqrt(double(std::max(total, 0))) + 2));
    for (int count = 1; count <= total; count = next_count(count, total)) counts.push_back(count);
    return counts;
  }
  static std::uint64_t align(const GroupQuery& q, std::uint64_t bytes) {
    return align_up(bytes, q.alignment);
  }
  GroupView view_of(const GroupQuery& q) const;
  /// The least weights (`held`, least_held(q.layers)) plus the intermediates' buffers in the
  /// first tile at `tiles` tiles (default: the most, v.height) [B]: a first tile
  /// computes all the rows it holds, cached or not (nothing is cached yet), so
  /// every way at `tiles` holds at least these; and at fewer tiles each output's
  /// first share only grows, and so does each row range it reads (input_rows is
  /// monotone), so at v.height it is a floor for every tile count.
  std::uint64_t first_tile_least(const GroupQuery& q, const GroupView& v, const LeastHeld& held, int tiles = 0) const {
    return held.weights + prefix_walk(q, v, tiles ? tiles : v.height, false, 1).tmp_bytes;
  }
  /// Bytes every way of running q's group takes of q.available_bytes (none
  /// fits below): the larger of `first_tile` (first_tile_least, or 0) and
  /// `held` (least_held(q.layers)) less the rows q keeps in its pinned boundary
  /// FMs, which are not in its available bytes: those FMs' own, and those of the
  /// layers writing their slices in place into a pinned concat output. A query
  /// pinning fewer of the same FMs takes at least as many.
  std::uint64_t least_footprint(const GroupQuery& q, const GroupView& v, const LeastHeld& held, std::uint64_t first_tile) const {
    const auto pinned = [&](LayerId vertex) {
      for (const auto* list : {&q.inputs, &q.outputs})
        for (const BoundaryFm& b : *list)
          if (b.vertex == vertex && in_spm(b.where)) return true;
      return false;
    };
    std::uint64_t least = held.total();
    for (const auto& [vertex, bytes] : held.fms) {
      const int i = v.local[vertex];
      const int concat = i >= 0 ? v.members[std::size_t(i)].writes_into : -1;  // the in-place concat it writes into
      if (pinned(vertex) || (concat >= 0 && pinned(q.layers[std::size_t(concat)]))) least -= bytes;
    }
    return std::max(least, first_tile);
  }
  /// The SPM floors of q's group that do not depend on residences or bytes: what
  /// least_footprint takes (best_ways skips the queries below it).
  struct SpmFloors {
    LeastHeld held;               ///< least_held(q.layers)
    std::uint64_t first_tile = 0; ///< first_tile_least at the most tiles [B]
  };
  SpmFloors spm_floors(const GroupQuery& q, const GroupView& v) const {
    SpmFloors f{least_held(q.layers)};
    f.first_tile = first_tile_least(q, v, f.held);
    return f;
  }
  /// Moves to DRAM each FM `q` pins whose aligned bytes do not fit beside the
  /// footprint, in `inputs` and `outputs` (the lists q views), and returns
  /// least_footprint(q) after [B]. A setting pinning FM i has at most
  /// q.available_bytes - align(bytes(i)) for its own buffers (the contract) and
  /// needs least_footprint of a query pinning no more than q, so where
  ///   align(bytes(i)) + least_footprint(q) > q.available_bytes                 [B]
  /// the model accepts no setting pinning i: every setting it accepts is at most
  /// as generous as q with i in DRAM. That takes i's rows out of the pinned
  /// ones, so the footprint may grow and rule out more: to the fixpoint (each
  /// pass moves one FM at least, or ends).
  std::uint64_t keep_unpinnable_in_dram(const GroupQuery& q, std::span<BoundaryFm> inputs, std::span<BoundaryFm> outputs,
                                        const GroupView& v, const SpmFloors& floors) const {
    const auto footprint_now = [&] { return least_footprint(q, v, floors.held, floors.first_tile); };
    std::uint64_t footprint = footprint_now();
    for (bool moved = true; moved;) {
      moved = false;
      for (const std::span<BoundaryFm> list : {inputs, outputs})
        for (BoundaryFm& b : list)
          if (in_spm(b.where) && saturating_add(align(q, fm_bytes(b.vertex)), footprint) > q.available_bytes) {
            b.where = Residence::dram;
            moved = true;
          }
      if (moved) footprint = footprint_now();
    }
    return footprint;
  }
  /// The boundary FMs `q` pins, where their aligned bytes do not all fit
  /// beside `footprint` (least_footprint(q)) in q.available_bytes: the
  /// settings pinning as many of them as fit together, as q's boundary with
  /// the others in DRAM (empty: they all fit, or
  /// there are more than kMostPinsToSplit). A setting pinning the FMs P has at
  /// most q.available_bytes - sum over P of align(bytes) for its own buffers
  /// (the contract) and needs at least `footprint`, so
  ///   sum over P of align(bytes(i)) + footprint <= q.available_bytes             [B]
  /// and P is part of one of these sets: each is at least as generous as every
  /// setting the model accepts that pins part of it, so the least answer over
  /// them is a floor on every setting.
  static constexpr std::size_t kMostPinsToSplit = 8;
  /// A group's boundary FMs with their residences.
  struct Boundary {
    std::vector<BoundaryFm> inputs, outputs;
  };
  std::vector<Boundary> pins_that_fit(const GroupQuery& q, std::uint64_t footprint) const {
    std::vector<std::pair<bool, std::size_t>> pinned;  // (an output, index in its list)
    std::vector<std::uint64_t> aligned;                // [B]
    std::uint64_t all = 0;                             // [B]
    pinned.reserve(q.inputs.size() + q.outputs.size());
    aligned.reserve(q.inputs.size() + q.outputs.size());
    for (const bool output : {false, true}) {
      const std::span<const BoundaryFm> list = output ? q.outputs : q.inputs;
      for (std::size_t k = 0; k < list.size(); ++k)
        if (in_spm(list[k].where)) {
          pinned.emplace_back(output, k);
          aligned.push_back(align(q, fm_bytes(list[k].vertex)));
          all = saturating_add(all, aligned.back());
        }
    }
    const std::uint64_t room = room_for_pins(q, footprint);
    std::vector<Boundary> fitting;
    if (all <= room || pinned.size() > kMostPinsToSplit) return fitting;
    for (std::uint32_t set = 0; set < (std::uint32_t(1) << pinned.size()); ++set) {
      std::uint64_t bytes = 0;  // of the FMs in `set` [B]; each fits alone (keep_unpinnable_in_dram)
      for (std::size_t i = 0; i < pinned.size(); ++i)
        if ((set >> i) & 1U) bytes = saturating_add(bytes, aligned[i]);
      bool most = bytes <= room;  // and no other FM fits beside them
      for (std::size_t i = 0; most && i < pinned.size(); ++i)
        most = ((set >> i) & 1U) || saturating_add(bytes, aligned[i]) > room;
      if (!most) continue;
      Boundary& b = fitting.emplace_back(Boundary{{q.inputs.begin(), q.inputs.end()}, {q.outputs.begin(), q.outputs.end()}});
      for (std::size_t i = 0; i < pinned.size(); ++i)
        if (!((set >> i) & 1U)) (pinned[i].first ? b.outputs : b.inputs)[pinned[i].second].where = Residence::dram;
    }
    return fitting;
  }
  EnergyPj energy_of(const TileGeometry& geo, const OffchipBytes& offchip, int chunks, bool sliced) const;
  /// The tile walk, with halo recompute or (`cached`) caching; on_tile(t, need,
  /// rows, ext_need) sees the rows of each group layer tile t holds and the rows
  /// it computes (the same but for cached layers), and the rows of each input
  /// the tile holds. Only the first `walked` tiles are walked, if fewer (a
  /// prefix: `tiles` stays the count, and only the buffers' rows are kept, see
  /// TileGeometry; first_tile_least and prefix_may_fit ask 280 k prefixes in an
  /// order-free solve of Inception-v3 at 256 KiB).
  /// Into `geo`, reset first (its vectors keep their memory).
  template <class OnTile>
  void walk_into(TileGeometry& geo, const GroupQuery& q, const GroupView& v, int tiles, bool cached, OnTile&& on_tile,
                 int walked = std::numeric_limits<int>::max()) const;
  /// walk_into() a new geometry, all its tiles.
  template <class OnTile>
  TileGeometry geometry(const GroupQuery& q, const GroupView& v, int tiles, bool cached, OnTile&& on_tile) const {
    TileGeometry geo;
    walk_into(geo, q, v, tiles, cached, std::forward<OnTile>(on_tile));
    return geo;
  }
  TileGeometry geometry(const GroupQuery& q, const GroupView& v, int tiles, bool cached) const {
    return geometry(q, v, tiles, cached, no_tile_visit);
  }
  static void no_tile_visit(int, const std::vector<RowRange>&, const std::vector<RowRange>&, const std::vector<RowRange>&) {}
  /// The first `walked` tiles of the walk at `tiles` (a floor: TileGeometry), in
  /// this thread's one prefix geometry: valid until its next prefix_walk. The
  /// solvers ask hundreds of thousands (first_tile_least, prefix_may_fit), of
  /// a tile or a few: no memory is allocated for them once it has grown.
  const TileGeometry& prefix_walk(const GroupQuery& q, const GroupView& v, int tiles, bool cached, int walked) const {
    thread_local TileGeometry prefix;
    walk_into(prefix, q, v, tiles, cached, no_tile_visit, walked);
    return prefix;
  }
  /// The group's walks in walks_ (detail/walk_cache.hpp), by its layers and
  /// boundary FMs; a single layer's are its own, not kept.
  using Walks = detail::WalkCache<TileGeometry>::Walks;
  std::shared_ptr<Walks> walks_of(const GroupQuery& q) const;
  /// The walk of `walks`' group (q, v) at (tiles, cached), walked the first time.
  std::shared_ptr<const TileGeometry> walk(Walks& walks, const GroupQuery& q, const GroupView& v, int tiles, bool cached) const {
    return walks.at(tiles, cached, [&] { return geometry(q, v, tiles, cached); });
  }
  /// The halo-cached geometry at `tiles` where the hardware allows caching, the
  /// group has a cacheable intermediate, there are tiles to carry rows between,
  /// and it is sound: every cached layer's rows move down tile by tile (else null).
  std::shared_ptr<const TileGeometry> sound_cached(Walks& walks, const GroupQuery& q, const GroupView& v, int tiles) const;
  /// Where a group loads the model inputs it keeps (Residence::loaded, §8a):
  /// tile by tile into their pinned places, or all before its first step.
  enum class WholeInputs { per_tile, before_first_step };
  /// The transfers of `geo` for q's residences, into `x` (its vectors keep their memory).
  void transfers(const GroupQuery& q, const TileGeometry& geo, WholeInputs whole, Transfers& x) const;
  /// The rows of input e (of `height` rows) that each tile loads into its pinned
  /// place when the group loads it tile by tile (§8a): the rows up to the end of
  /// what the tile holds that no earlier tile loaded, and at the last tile the rest.
  static std::vector<RowRange> rows_loaded(const TileGeometry& geo, std::size_t inputs, std::size_t e, int height);
  /// A way to run the group and the SPM its weights and FM buffers take.
  struct Candidate {
    Choice choice;
    std::uint64_t footprint = 0;
  };
  /// Into `out` (cleared first; its memory is reused from count to count).
  void candidates(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, std::uint64_t least_available,
                  std::uint64_t most_available, std::optional<Score>& incumbent, std::vector<Candidate>& out) const;
  void pick(const std::vector<Candidate>& candidates, const GroupQuery& q, const TileGeometry& geo,
            std::optional<Choice>& best) const;
  /// Tiles a prefix walk takes (prefix_may_fit).
  static constexpr int kPrefixTiles = 4;
  /// A residence pattern of a batch, as prefix_may_fit() checks it: the query
  /// candidates() asks for it and the most available bytes of its queries [B].
  struct PatternBytes {
    const GroupQuery* query = nullptr;
    std::uint64_t most = 0;
  };
  /// Whether some pattern of `patterns` may fit at `tiles` tiles, by the first
  /// kPrefixTiles tiles alone (true without a look for a single layer, whose
  /// channel chunks it does not model, and for tiles <= kPrefixTiles, the walk
  /// itself): their buffers (most rows held per FM over those tiles) are at
  /// most those of all the tiles, recomputed or cached (walked cached where
  /// caching may be offered: by induction from the outputs' shares, each cached
  /// tile holds a subset of the rows the recomputing one holds, as a cached
  /// layer computes, and so reads, a subset of the rows it holds), and the least
  /// way at this count (single-buffered, weights streamed where they may be; no
  /// channel chunks in a group of two or more layers) takes no more than any way
  /// there. So where it is false, no way at `tiles` fits any query of the batch.
  bool prefix_may_fit(const GroupView& v, int tiles, std::span<const PatternBytes> patterns) const;
  /// Which tile walk best_ways() costs at each tile count: the one evaluate()
  /// runs (halo caching where it is offered, §2a, else recompute), or, for
  /// group_floor(), the cached one wherever it is sound, without walking
  /// recompute to see whether it saves work: a cached tile holds, loads,
  /// computes, reads and writes at most what the recomputing one does, so each
  /// of its ways is at least as good as the same way with recompute in every
  /// metric and footprint, and the best of them no worse than evaluate()'s.
  enum class WalkCosted { evaluated, at_most_evaluated };
  /// The walk costed at `tiles` (§2a): the sound cached one (sound_cached) where it
  /// computes fewer MACs or vector ops than recompute, else the recomputing one.
  /// The cached walk is taken without walking recompute where it takes some row
  /// of a layer with work from its ring buffer (cache_saves_work: it then computes
  /// strictly less), and, at_most_evaluated, wherever it is sound.
  std::shared_ptr<const TileGeometry> costed_walk(Walks& walks, const GroupQuery& q, const GroupView& v, int tiles,
                                                  WalkCosted costed) const;
  /// The search of evaluate_batch and group_floor: per query, the best way
  /// that fits (nullopt: none), over the walks `costed` says.
  /// `floors` (spm_floors of the group; null: every tiling walked, tests) skip the
  /// queries and tile counts below them; with them, the tile counts before the
  /// first one where some way fits are also skipped where prefix_may_fit() says none can.
  /// `walks`: where it takes and leaves the group's tile walks, set to
  /// walks_of() when some query needs a walk (left null when none does).
  std::vector<std::optional<Choice>> best_ways(std::span<const GroupQuery> queries, const GroupView& v,
                                               const SpmFloors* floors, std::shared_ptr<Walks>& walks,
                                               WalkCosted costed = WalkCosted::evaluated) const;
  template <class Emit>
  void for_each_tmp_buffer(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, Emit&& emit) const;
  template <class Emit>
  void for_each_fm_buffer(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, const ChannelChunks& split, bool overlap,
                          Emit&& emit) const;
  /// Every buffer a way of running the group needs, in the order GroupCost::buffers
  /// lists them: emit(kind, vertex, copies, bytes of one copy) for the weights
  /// (BufferKind::weights, vertex unused), then for_each_tmp_buffer's and for_each_fm_buffer's.
  template <class Emit>
  void for_each_buffer(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, const ChannelChunks& split,
                       bool streamed, bool overlap, Emit&& emit) const {
    if (v.weights) emit(BufferKind::weights, LayerId(0), 1, weight_buffer(q, v, streamed, split, overlap));
    for_each_tmp_buffer(q, v, geo, emit);
    for_each_fm_buffer(q, v, geo, split, overlap, emit);
  }
  /// A buffer's name in GroupCost::buffers (accel/buffer_kinds.hpp).
  std::string buffer_name(BufferKind kind, LayerId l) const { return pinfuse::buffer_name(kind, (*g_)[l].name); }
  /// SPM bytes for the group's weights: all of them (resident), the largest
  /// layer's (streamed), or one chunk's per copy (channel chunks, double-buffered
  /// when the DMA overlaps); 0 without weights.
  std::uint64_t weight_buffer(const GroupQuery& q, const GroupView& v, bool streamed, const ChannelChunks& split,
                              bool overlap) const {
    if (v.weights == 0) return 0;
    if (split.units)
      return (overlap ? 2 : 1) * align(q, v.weights / std::uint64_t(split.units) * std::uint64_t(split.per_chunk));
    return align(q, streamed ? v.max_weight : v.weights);
  }
  /// Whether a split's chunks also split the group's input (a grouped conv, e.g. depthwise, §5c).
  bool sliced(const GroupQuery& q, const ChannelChunks& split) const {
    return split.units && info_[q.layers.front()].channel_independent;
  }
  /// Whether a split may run input-stationary (§5c): tile-outer, chunk-inner, with more than one tile
  /// (with one they are the same), not sliced (a sliced chunk loads its own input channels anyway), and
  /// not a reduction fed tile by tile (its partial sums of every chunk would have to survive the tiles).
  bool may_run_input_stationary(const GroupQuery& q, const GroupView& v, const ChannelChunks& split, int tiles) const {
    return split.units && tiles > 1 && !sliced(q, split) && !v.members.front().accumulates;
  }
  /// How many times a split loads its input tiles: once per chunk, chunk-outer (once with one tile), or,
  /// sliced (each chunk its channels of them) or input-stationary, once in all.
  static std::uint64_t input_passes(const Transfers& x, const ChannelChunks& split, bool sliced, bool input_stationary) {
    return x.steps.size() == 1 || sliced || input_stationary ? 1 : std::uint64_t(split.chunks);
  }
  /// How many times a split loads its weights: once, chunk-outer, or once per tile, input-stationary.
  static std::uint64_t weight_passes(const Transfers& x, bool input_stationary) {
    return input_stationary ? std::uint64_t(x.steps.size()) : 1;
  }
  /// DRAM input bytes of a split: input_passes() times the input tiles' bytes, or, sliced, each
  /// chunk its channels of them [B].
  static std::uint64_t chunked_fm_read(const Transfers& x, const ChannelChunks& split, bool sliced, bool input_stationary) {
    return x.fm_read * input_passes(x, split, sliced, input_stationary);
  }
  /// Weight bytes a split moves: all of them, weight_passes() times [B].
  static std::uint64_t chunked_weight_bytes(const GroupView& v, const Transfers& x, bool input_stationary) {
    return checked_mul(v.weights, weight_passes(x, input_stationary), "off-chip bytes", "group");
  }
  /// The channel split a choice made (none for chunks == 1).
  ChannelChunks chunks_of(const GroupQuery& q, const Choice& c) const {
    return c.chunks > 1 ? ChannelChunks(info_[q.layers.front()].chunk_units, c.chunks) : ChannelChunks();
  }
  /// The latency of n pipeline steps step(0), ..., step(n - 1) (§6): the
  /// overlapped pipeline's first load and last store plus step_terms over all steps.
  template <class StepAt>
  static std::uint64_t pipeline_latency(const StepAt& step, std::size_t n, bool overlap) {
    return pipeline_ends(step, n, overlap) + step_terms(step, n, 0, n, overlap);
  }
  /// load_0 + store_{n-1} when the DMA overlaps compute (no step hides them), else 0 [cyc].
  template <class StepAt>
  static std::uint64_t pipeline_ends(const StepAt& step, std::size_t n, bool overlap) {
    return overlap ? step(0).load + step(n - 1).store : 0;
  }
  template <class StepAt>
  static std::uint64_t step_terms(const StepAt& step, std::size_t n, std::size_t first, std::size_t last, bool overlap);
  /// The SPM a way of running the group takes: the sum of for_each_buffer's buffers [B].
  std::uint64_t footprint(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, const ChannelChunks& split,
                          bool streamed, bool overlap) const {
    return footprint(q, v, split, streamed, overlap, fm_footprint(q, v, geo, split, overlap));
  }
  /// The same with its fm_footprint() worked out already [B].
  std::uint64_t footprint(const GroupQuery& q, const GroupView& v, const ChannelChunks& split, bool streamed, bool overlap,
                          std::uint64_t fm_bytes) const {
    return weight_buffer(q, v, streamed, split, overlap) + fm_bytes;
  }
  /// Of footprint(), the intermediates' buffers and the DRAM FMs' tile buffers [B]: the same whether the weights are streamed.
  std::uint64_t fm_footprint(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, const ChannelChunks& split,
                             bool overlap) const;
  Choice whole_channels(const GroupView& v, const TileGeometry& geo, const Transfers& x, bool streamed, bool overlap) const;
  Choice chunked(const GroupView& v, const Transfers& x, const ChannelChunks& split, bool sliced, bool overlap) const;
  Choice input_stationary_chunks(const GroupView& v, const Transfers& x, const ChannelChunks& split, bool overlap) const;
  /// Per tile t, a step of `share` of the split's C chunk units, loads left to the order (0):
  /// compute ceil(compute_t * share / C), store dma(share / C of tile t's DRAM output bytes) [cyc].
  /// Into `steps`, cleared first (both orders keep it per thread).
  void chunk_share_steps(const Transfers& x, const ChannelChunks& split, std::uint64_t share, std::vector<Step>& steps) const {
    const std::uint64_t units = std::uint64_t(split.units);
    steps.clear();
    for (std::size_t t = 0; t < x.steps.size(); ++t) {
      Step s = x.steps[t];
      s.load = 0;
      s.compute = (s.compute * share + units - 1) / units;
      s.store = dma_cycles(x.out_tile_bytes[t] / units * share);
      steps.push_back(s);
    }
  }
  std::uint64_t chunked_latency_bound(const GroupView& v, const Transfers& x, const ChannelChunks& split, bool sliced,
                                      bool input_stationary, bool overlap) const;
  std::uint64_t chunked_dma_floor(const GroupView& v, const Transfers& x, const ChannelChunks& split, bool sliced,
                                  bool input_stationary) const;
  std::uint64_t chunked_fm_dma(const Transfers& x, const ChannelChunks& split, bool sliced, bool input_stationary) const;

  const Network* g_;
  Hardware hw_;
  std::vector<LayerInfo> info_;
  std::vector<std::uint64_t> interchange_keys_;  ///< per vertex: interchange_key()
  mutable detail::WalkCache<TileGeometry> walks_;  ///< the tile walks of the groups asked lately (thread-safe)
  /// alone_floors(), per capacity asked (shared by copies: the same model and hardware)
  std::shared_ptr<AloneFloorsByCapacity> alone_floors_ = std::make_shared<AloneFloorsByCapacity>();
};
static_assert(BatchCostModel<ReferenceAccelerator>);
static_assert(SpmFloorModel<ReferenceAccelerator>);
static_assert(CostFloorModel<ReferenceAccelerator>);
static_assert(CapacityFloorModel<ReferenceAccelerator>);
static_assert(CapacityGrowthFloorModel<ReferenceAccelerator>);
static_assert(GroupFloorModel<ReferenceAccelerator>);
static_assert(FusedFloorModel<ReferenceAccelerator>);
static_assert(GrowthFloorModel<ReferenceAccelerator>);
static_assert(InterchangeableFmModel<ReferenceAccelerator>);

/// The SPM the hardware describes, as a MemoryConstraint for the solvers.
inline Scratchpad scratchpad_of(const Hardware& hw) {
  return Scratchpad(hw.spm_bytes, hw.spm_alignment, hw.spm_reserved_bytes);
}

inline ReferenceAccelerator::GroupView ReferenceAccelerator::view_of(const GroupQuery& q) const {
  GroupView v;
  v.local.assign(q.layers.size(), [&](std::size_t i) { return q.layers[i]; });
  v.ext.assign(q.inputs.size(), [&](std::size_t e) { return q.inputs[e].vertex; });
  v.out.assign(q.outputs.size(), [&](std::size_t o) { return q.outputs[o].vertex; });
  v.members.assign(q.layers.size(), {});
  std::size_t slots = 0;
  for (const LayerId l : q.layers) {
    for (const LayerId u : info_[l].inputs)
      if (const int j = v.local[u]; j >= 0) ++v.members[std::size_t(j)].readers;
    slots += info_[l].inputs.size();
    v.weights += info_[l].weight_bytes;
    v.max_weight = std::max(v.max_weight, info_[l].weight_bytes);
    v.weight_load += info_[l].weight_dma;
  }
  for (const BoundaryFm& o : q.outputs) v.height = std::max(v.height, info_[o.vertex].height);
  // A reduction whose result only leaves the group can accumulate over row tiles
  // (partial sums in its output buffer, written after the last tile); one that
  // the group reads needs its whole input in the tile that reads it.
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    const LayerInfo& l = info_[q.layers[i]];
    if (!l.reduction || v.members[i].is_tmp()) continue;
    v.members[i].accumulates = true;
    v.height = std::max(v.height, info_[l.inputs.front()].height);
  }
  // A concat is done in place when it appends no constant channels (weights) and
  // the group computes each of its inputs for it alone: they write their channel slices straight into the concat's one
  // destination (its tmp buffer, out buffer or pinned FM), so the concat costs
  // no cycles and its inputs no buffers.
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    const LayerInfo& l = info_[q.layers[i]];
    bool in_place = l.concat && l.weight_bytes == 0 && v.members[i].is_tmp() != (v.out[q.layers[i]] >= 0);
    for (const LayerId u : l.inputs) {
      const int j = v.local[u];
      in_place = in_place && j >= 0 && v.members[j].readers == 1 && v.out[u] < 0 && !v.members[j].in_place;
    }
    if (!in_place) continue;
    v.members[i].in_place = true;
    for (const LayerId u : l.inputs) v.members[v.local[u]].writes_into = static_cast<int>(i);
  }
  // Halo caching (§2a) keeps rows in a layer's own tmp buffer: not an in-place
  // concat nor its inputs, nor a group output (its output tiles are stored by share).
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    GroupView::Member& member = v.members[i];
    member.cacheable = member.is_tmp() && !member.in_place && member.writes_into < 0 && v.out[q.layers[i]] < 0;
    v.any_cacheable = v.any_cacheable || member.cacheable;
  }
  v.slot_source.reserve(slots);
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    v.members[i].first_slot = static_cast<int>(v.slot_source.size());
    for (const LayerId u : info_[q.layers[i]].inputs) v.slot_source.push_back(v.local[u] >= 0 ? v.local[u] : -1 - v.ext[u]);
  }
  v.output_position.reserve(q.outputs.size());
  for (const BoundaryFm& o : q.outputs) v.output_position.push_back(v.local[o.vertex]);
  return v;
}

/// However a group of `layers` (in execution order) is tiled, some tile holds
/// at least need(l) rows of each of its layers l and of each FM it reads from
/// outside, and the buffers holding them last the whole group. Walking back:
///   need(l) = max(1 if l is read after the group or is a model output,
///                 max over its readers r in the group of rows(r, slot, computed(r)))                  [rows]
///   computed(r) = min(need(r), 1) if halo caching is allowed and r is read in the group, else need(r)
///   rows(r, slot, n) = max(most_one_row(r, slot), least_input_rows(r, slot, n)) for n >= 1, else 0
/// (some tile computes computed(r) rows of r: all it holds, or, cached (§2a), at
/// least one; and each row of r that every plan computes is computed in some
/// tile, which holds all it reads: LayerInfo::most_one_row, a whole window away
/// from the edges), where an accumulating reduction (one no group layer reads) needs 1 input row.
/// Each such FM holds need(f) * row_bytes(f) bytes (in a tile buffer, or
/// pinned); concats are left out, as an in-place one holds its inputs' rows.
/// A group of 2+ layers holds the least of its weight buffers (§5a, b): the
/// largest layer's weights when they may be streamed, all of them otherwise; a
/// single layer may split them into channel chunks (counted as 0). need(l) only
/// grows as layers join the group (readers join, outputs become read inside),
/// so the total does too (SpmFloorModel).
inline void ReferenceAccelerator::least_held(std::span<const std::size_t> layers, LeastHeld& held) const {
  struct Lists {
    IndexOf local;
    std::vector<int> need;                         // per layer [rows]
    std::vector<std::pair<LayerId, int>> outside;  // FMs read from outside the group, rows
  };
  thread_local Lists lists;
  IndexOf& local = lists.local;
  local.assign(layers.size(), [&](std::size_t i) { return layers[i]; });
  std::vector<int>& need = lists.need;
  need.assign(layers.size(), 0);
  std::vector<std::pair<LayerId, int>>& outside = lists.outside;
  outside.clear();
  held.fms.clear();
  held.fms.reserve(2 * layers.size());  // its layers' FMs and about as many read from outside
  held.weights = 0;
  std::uint64_t all_weights = 0, largest_weights = 0;
  // A single grouped conv in chunks holds one group's channels of its input rows too: row bytes / this.
  std::uint64_t input_slices = 1;
  for (std::size_t i = layers.size(); i-- > 0;) {
    const LayerId l = layers[i];
    const LayerInfo& info = info_[l];
    bool read_inside = false;
    for (const LayerId r : info.readers) {
      if (local[r] >= 0) read_inside = true;
      else need[i] = std::max(need[i], 1);
    }
    if (info.model_output) need[i] = std::max(need[i], 1);
    // With halo caching (§2a) an intermediate may compute a single new row in the tile that holds need[i] of them.
    const int computed = hw_.halo_caching && read_inside ? std::min(need[i], 1) : need[i];
    for (std::size_t slot = 0; slot < info.inputs.size(); ++slot) {
      const LayerId u = info.inputs[slot];
      const int rows = computed == 0                   ? 0
                       : info.reduction && !read_inside ? 1
                       : std::max(info.most_one_row[slot], computed == 1 ? info.least_one_row[slot]
                                                                                       : least_input_rows(l, slot, computed));
      const int j = local[u];
      if (j >= 0) {
        need[std::size_t(j)] = std::max(need[std::size_t(j)], rows);
        continue;
      }
      const auto it = std::find_if(outside.begin(), outside.end(), [&](const auto& f) { return f.first == u; });
      if (it == outside.end()) outside.emplace_back(u, rows);
      else it->second = std::max(it->second, rows);
    }
    // A single layer in channel chunks holds one chunk's channels of its output, at least one.
    const bool chunked = layers.size() == 1 && info.may_run_in_chunks();
    const std::uint64_t row_bytes = chunked ? info.row_bytes / std::uint64_t(info.chunk_units) : info.row_bytes;
    if (chunked && info.channel_independent) input_slices = std::uint64_t(info.chunk_units);
    if (!info.concat) held.fms.emplace_back(l, std::uint64_t(need[i]) * row_bytes);
    all_weights += info.weight_bytes;
    largest_weights = std::max(largest_weights, info.weight_bytes);
  }
  for (const auto& [u, rows] : outside)
    if (!info_[u].concat)
      held.fms.emplace_back(u, std::uint64_t(rows) * (info_[u].row_bytes / input_slices));
  if (layers.size() > 1) held.weights = hw_.fused_weights == WeightPolicy::resident ? all_weights : largest_weights;
}

/// A way of running the group's energy (§11), each term rounded up to a whole pJ:
///   dram      = (fm_read + fm_write + weights) * e_dram                                   [pJ]
///   spm_write = (fm_read + weights [DMA in] + fm_writes [compute]) * e_spm_write          [pJ]
///   spm_read  = (fm_write [DMA out] + c * fm_reads + stream_bytes [compute]) * e_spm_read  [pJ]
///   mac       = macs * e_mac,  vector = vector_ops * e_vec                                 [pJ]
/// with the traffic of the way (§8), c its channel chunks (each re-reads the
/// input tile; c = 1 for a sliced grouped conv, whose chunks read their own
/// channels) and stream_bytes the weights of each layer once per tile it runs in.
inline EnergyPj ReferenceAccelerator::energy_of(const TileGeometry& geo, const OffchipBytes& offchip, int chunks,
                                                bool sliced) const {
  const auto pj = [](std::uint64_t count, double pj_per_unit) {
    return checked_ceil(double(count) * pj_per_unit, "energy (pJ)", "group");
  };
  const auto sum = [](std::initializer_list<std::uint64_t> counts) {
    std::uint64_t total = 0;
    for (const std::uint64_t x : counts) total = checked_add(total, x, "a group's SPM bytes", "group");
    return total;
  };
  // every chunk reads the whole input tile, or (sliced: a grouped conv) its own groups of it
  const std::uint64_t reads = checked_mul(geo.fm_reads, std::uint64_t(sliced ? 1 : chunks), "a group's SPM bytes", "group");
  return {pj(offchip.total(), hw_.dram_pj_per_byte),
          pj(sum({offchip.fm_write, reads, geo.stream_bytes}), hw_.spm_read_pj_per_byte),
          pj(sum({offchip.fm_read, offchip.weights, geo.fm_writes}), hw_.spm_write_pj_per_byte),
          pj(geo.macs, hw_.mac_pj),
          pj(geo.vector_ops, hw_.vector_op_pj)};
}

/// Every output is split into `tiles` near-equal row shares (tile_share). Walking
/// the group backwards, a layer holds the hull of the rows its in-group readers
/// read (and its own share if it is an output); what it reads from outside the
/// group is loaded. It computes them all (recompute: rows computed in more than
/// one tile are recompute) or, cached (§2a), a cacheable layer computes only
/// those below the rows it computed before, `done`, and its readers find the rest
/// still in its buffer, a ring of tmp_max rows.
template <class OnTile>
void ReferenceAccelerator::walk_into(TileGeometry& geo, const GroupQuery& q, const GroupView& v, int tiles, bool cached,
                                     OnTile&& on_tile, int walked) const {
  const std::size_t m = q.layers.size(), ni = q.inputs.size(), no = q.outputs.size();
  geo.reset();
  geo.tiles = tiles;
  geo.cached = cached;
  const bool prefix = walked < tiles;  // the buffers' rows only
  const int walked_tiles = std::min(tiles, walked);
  const std::size_t per_tile = prefix ? 0 : std::size_t(walked_tiles);  // the tiles the per-tile vectors hold
  geo.input_tiles.assign(per_tile * ni, {});
  geo.out_xfer.assign(per_tile * no, {});
  geo.work.assign(per_tile, {});
  geo.most_rows.assign(ni + m + no, 0);
  geo.input_count = ni;
  geo.layer_count = m;
  thread_local WalkRows scratch;  // on_tile only reads it: no walk starts inside another
  HaloCache& cache = scratch.cache;
  cache.reset(m);
  std::vector<RowRange>& rows = scratch.rows;
  std::vector<RowRange>& need = scratch.need;
  std::vector<RowRange>& ext_need = scratch.ext_need;
  rows.resize(m);
  need.resize(m);
  ext_need.resize(ni);
  // Rows summed over the tiles walked, multiplied out once at the end (§11's counts; full walks):
  std::vector<long long>& computed = scratch.computed;  // per position: rows it computes (recompute included)
  std::vector<long long>& read = scratch.read;  // per FM read (position, or m + index in q.inputs): rows its readers read
  computed.assign(prefix ? 0 : m, 0);
  read.assign(prefix ? 0 : m + ni, 0);
  // A slot's source (v.slot_source): the position in the group it reads, or -1 - its index in q.inputs.
  const auto need_of = [&](int source) -> RowRange& {
    return source >= 0 ? need[std::size_t(source)] : ext_need[std::size_t(-1 - source)];
  };
  const auto read_of = [&](int source) -> long long& {
    return read[source >= 0 ? std::size_t(source) : m + std::size_t(-1 - source)];
  };
  // Streamed weights: a layer that runs in a tile reloads its weights there.
  const auto stream = [&](int t, LayerId l) {
    geo.work[t].stream_load += info_[l].weight_dma;
    geo.stream_bytes += info_[l].weight_bytes;
  };
  // Energy counts (§11): rows * bytes per row [B] or * work per row [MAC], [op].
  const auto count = [](std::uint64_t& sum, std::uint64_t rows, std::uint64_t per_row) {
    sum = checked_add(sum, checked_mul(rows, per_row, "a group's SPM bytes or operations", "group"),
                      "a group's SPM bytes or operations", "group");
  };
  for (int t = 0; t < walked_tiles; ++t) {
    std::fill(need.begin(), need.end(), RowRange{});  // rows[i] is set below for every i
    std::fill(ext_need.begin(), ext_need.end(), RowRange{});
    for (std::size_t o = 0; o < no; ++o) {
      // An output shorter than the tile count (e.g. after global pooling) has
      // empty shares in early tiles and is produced by later ones.
      const RowRange share = tile_share(t, tiles, info_[q.outputs[o].vertex].height);
      const int i = v.output_position[o];
      need[i] = hull(need[i], share);
      geo.out_max(o) = std::max(geo.out_max(o), share.size());
      if (prefix) continue;
      // A layer read inside the group writes its output share apart from its tmp rows (§7).
      if (v.members[i].is_tmp()) count(geo.fm_writes, share.size(), info_[q.outputs[o].vertex].row_bytes);
      const std::uint64_t bytes = std::uint64_t(share.size()) * info_[q.outputs[o].vertex].row_bytes;
      geo.out_xfer[std::size_t(t) * no + o] = {bytes, dma_cycles(bytes)};
    }
    for (std::size_t i = m; i-- > 0;) {
      const LayerId l = q.layers[i];
      const LayerInfo& info = info_[l];
      const GroupView::Member& member = v.members[i];
      const int* sources = v.slot_source.data() + member.first_slot;  // per input slot
      if (member.accumulates) {
        // Tile t folds its share of the input rows in: that fraction of the work.
        rows[i] = {};  // it holds none of its own rows
        const int height = info_[info.inputs.front()].height;
        const RowRange r = tile_share(t, tiles, height);
        need_of(sources[0]) = hull(need_of(sources[0]), r);
        if (prefix) continue;
        geo.work[t].compute += std::uint64_t(std::ceil(info.cycles_per_row * r.size() / height));
        if (!r.empty()) {
          stream(t, l);
          read_of(sources[0]) += r.size();
          count(geo.fm_writes, 1, info.row_bytes);  // the partial sums, updated
        }
        continue;
      }
      const RowRange rows_computed = cached && member.cacheable ? cache.advance(i, need[i]) : need[i];
      rows[i] = rows_computed;
      if (rows_computed.empty()) continue;
      if (!prefix) {
        computed[i] += rows_computed.size();
        if (!member.in_place) geo.work[t].compute += std::uint64_t(std::ceil(rows_computed.size() * info.cycles_per_row));
        stream(t, l);
      }
      const bool reads_counted = !prefix && !member.in_place;
      const std::size_t slots = info.inputs.size();
      for (std::size_t s = 0; s < slots; ++s) {
        const RowRange r = input_rows(info.slot_rows[s], l, s, rows_computed);
        RowRange& needed = need_of(sources[s]);
        needed = hull(needed, r);
        if (reads_counted) read_of(sources[s]) += r.size();
      }
    }
    for (std::size_t i = 0; i < m; ++i) geo.tmp_max(i) = std::max(geo.tmp_max(i), need[i].size());
    for (std::size_t e = 0; e < ni; ++e) {
      geo.in_max(e) = std::max(geo.in_max(e), ext_need[e].size());
      if (prefix) continue;
      const std::uint64_t bytes = std::uint64_t(ext_need[e].size()) * info_[q.inputs[e].vertex].row_bytes;
      geo.input_tiles[std::size_t(t) * ni + e] = {{bytes, dma_cycles(bytes)}, ext_need[e].end};
    }
    on_tile(t, need, rows, ext_need);
  }
  for_each_tmp_buffer(q, v, geo, [&](BufferKind, LayerId, std::uint64_t, std::uint64_t bytes) { geo.tmp_bytes += bytes; });
  geo.cache_sound = cache.sound;
  if (prefix) return;
  for (std::size_t i = 0; i < m; ++i) {
    const LayerInfo& l = info_[q.layers[i]];
    if (!v.members[i].in_place) {  // an in-place concat's rows are its inputs' writes (§7)
      count(geo.fm_writes, std::uint64_t(computed[i]), l.row_bytes);
      count(geo.macs, std::uint64_t(computed[i]), l.macs_per_row);
      count(geo.vector_ops, std::uint64_t(computed[i]), l.vops_per_row);
    }
    count(geo.fm_reads, std::uint64_t(read[i]), l.row_bytes);
  }
  for (std::size_t e = 0; e < ni; ++e) count(geo.fm_reads, std::uint64_t(read[m + e]), info_[q.inputs[e].vertex].row_bytes);
  for (std::size_t i = 0; i < m; ++i) {
    const LayerInfo& l = info_[q.layers[i]];
    geo.cache_bytes += std::uint64_t(cache.layers[i].most_cached) * l.row_bytes;
    geo.cache_saves_work = geo.cache_saves_work || (cache.layers[i].most_cached > 0 && (l.macs_per_row > 0 || l.vops_per_row > 0));
  }
  for (std::size_t i = 0; i < m; ++i)
    geo.recompute_macs += std::uint64_t(std::max(0LL, computed[i] - info_[q.layers[i]].height)) * info_[q.layers[i]].macs_per_row;
  for (std::size_t i = 0; i < m; ++i)  // an accumulating reduction does its whole work once over the tiles
    if (v.members[i].accumulates) {
      const LayerInfo& l = info_[q.layers[i]];
      count(geo.macs, std::uint64_t(l.height), l.macs_per_row);
      count(geo.vector_ops, std::uint64_t(l.height), l.vops_per_row);
    }
}

inline std::shared_ptr<const ReferenceAccelerator::TileGeometry>
ReferenceAccelerator::costed_walk(Walks& walks, const GroupQuery& q, const GroupView& v, int tiles, WalkCosted costed) const {
  std::shared_ptr<const TileGeometry> cached = sound_cached(walks, q, v, tiles);
  if (cached && (costed == WalkCosted::at_most_evaluated || cached->cache_saves_work)) return cached;
  std::shared_ptr<const TileGeometry> recomputed = walk(walks, q, v, tiles, false);
  if (cached && (cached->macs != recomputed->macs || cached->vector_ops != recomputed->vector_ops)) return cached;
  return recomputed;
}

inline std::shared_ptr<const ReferenceAccelerator::TileGeometry>
ReferenceAccelerator::sound_cached(Walks& walks, const GroupQuery& q, const GroupView& v, int tiles) const {
  if (!hw_.halo_caching || !v.any_cacheable || tiles == 1) return nullptr;
  std::shared_ptr<const TileGeometry> geo = walk(walks, q, v, tiles, true);
  return geo->cache_sound ? geo : nullptr;
}

inline std::shared_ptr<ReferenceAccelerator::Walks> ReferenceAccelerator::walks_of(const GroupQuery& q) const {
  if (q.layers.size() == 1) return std::make_shared<Walks>();  // quick to walk again: not kept (a long chain has thousands)
  // alignment; layers; inputs; outputs (separated by a vertex past the last): all a walk depends on
  std::vector<std::size_t> key{std::size_t(q.alignment)};
  key.insert(key.end(), q.layers.begin(), q.layers.end());
  key.push_back(info_.size());
  for (const BoundaryFm& b : q.inputs) key.push_back(b.vertex);
  key.push_back(info_.size());
  for (const BoundaryFm& b : q.outputs) key.push_back(b.vertex);
  return walks_.of(std::move(key));
}

inline std::vector<RowRange> ReferenceAccelerator::rows_loaded(const TileGeometry& geo, std::size_t inputs, std::size_t e,
                                                               int height) {
  std::vector<RowRange> rows(std::size_t(geo.tiles));
  int loaded = 0;  // rows [0, loaded) are in place
  for (int t = 0; t < geo.tiles; ++t) {
    const int until = t + 1 == geo.tiles ? height : std::max(loaded, geo.input_tiles[std::size_t(t) * inputs + e].end);
    rows[std::size_t(t)] = {loaded, until};
    loaded = until;
  }
  return rows;
}

/// DMA per tile: one transfer per DRAM input tile before it, one per DRAM
/// output tile after it; and, `whole` per_tile, one per loaded input's new rows (§8a).
inline void ReferenceAccelerator::transfers(const GroupQuery& q, const TileGeometry& geo, WholeInputs whole,
                                            Transfers& x) const {
  const std::size_t ni = q.inputs.size(), no = q.outputs.size(), tiles = std::size_t(geo.tiles);
  x.steps.assign(tiles, {});
  x.out_tile_bytes.assign(tiles, 0);
  x.in_tile_bytes.assign(tiles, 0);
  x.fm_read = x.fm_write = x.load_cycles = x.compute_cycles = x.storing_tiles = 0;
  // Input by input, tile by tile: what each tile loads of the DRAM inputs and, whole == per_tile, of the loaded ones.
  for (std::size_t e = 0; e < ni; ++e) {
    const auto add = [&](std::size_t t, const TileGeometry::Transfer& in) {
      x.in_tile_bytes[t] += in.bytes;
      x.fm_read += in.bytes;
      x.steps[t].load += in.cycles;
    };
    if (q.inputs[e].where == Residence::dram) {
      for (std::size_t t = 0; t < tiles; ++t) add(t, geo.input_tiles[t * ni + e].load);
    } else if (q.inputs[e].where == Residence::loaded && whole == WholeInputs::per_tile) {
      const std::vector<RowRange> loaded = rows_loaded(geo, ni, e, info_[q.inputs[e].vertex].height);
      for (std::size_t t = 0; t < tiles; ++t) {
        const std::uint64_t bytes = std::uint64_t(loaded[t].size()) * info_[q.inputs[e].vertex].row_bytes;
        add(t, {bytes, dma_cycles(bytes)});
      }
    }
  }
  for (std::size_t o = 0; o < no; ++o) {
    if (q.outputs[o].where != Residence::dram) continue;
    for (std::size_t t = 0; t < tiles; ++t) {
      const TileGeometry::Transfer& out = geo.out_xfer[t * no + o];
      x.out_tile_bytes[t] += out.bytes;
      x.fm_write += out.bytes;
      x.steps[t].store += out.cycles;
    }
  }
  for (std::size_t t = 0; t < tiles; ++t) {
    Step& s = x.steps[t];
    s.compute = geo.work[t].compute;
    x.load_cycles += s.load;
    x.compute_cycles += s.compute;
    x.storing_tiles += x.out_tile_bytes[t] > 0;
  }
}

/// Double buffering with one DMA engine: while step i computes, the DMA loads
/// step i+1 and stores step i-1, so step i adds
///   stall_i + max(compute_i, load_{i+1} + store_{i-1})      (load_n = store_{-1} = 0)
/// to pipeline_ends' load_0 + store_{n-1}. Serialized, step i adds
///   load_i + stall_i + compute_i + store_i                                      [cyc].
/// Returns the sum of these terms over steps [first, last) of the n steps.
template <class StepAt>
std::uint64_t ReferenceAccelerator::step_terms(const StepAt& step, std::size_t n, std::size_t first, std::size_t last,
                                               bool overlap) {
  std::uint64_t total = 0;
  for (std::size_t i = first; i < last; ++i) {
    const Step s = step(i);
    if (!overlap) {
      total += s.load + s.stall + s.compute + s.store;
      continue;
    }
    const std::uint64_t dma = (i + 1 < n ? step(i + 1).load : 0) + (i > 0 ? step(i - 1).store : 0);
    total += s.stall + std::max(s.compute, dma);
  }
  return total;
}

/// Calls emit(BufferKind::tmp, vertex, 1, bytes) for each intermediate the group reads
/// inside itself: one tile of it, single-buffered (compute produces and consumes
/// it); the inputs of an in-place concat live in the concat's.
template <class Emit>
void ReferenceAccelerator::for_each_tmp_buffer(const GroupQuery& q, const GroupView& v, const TileGeometry& geo,
                                               Emit&& emit) const {
  for (std::size_t i = 0; i < q.layers.size(); ++i)
    if (v.members[i].is_tmp() && v.members[i].writes_into < 0 && geo.tmp_max(i) > 0)
      emit(BufferKind::tmp, q.layers[i], 1, align(q, std::uint64_t(geo.tmp_max(i)) * info_[q.layers[i]].row_bytes));
}

/// Calls emit(BufferKind::in or out, vertex, copies, bytes of one copy) for each DRAM input and output tile buffer
/// (intermediates: for_each_tmp_buffer; weights: the choice's). They are
/// double-buffered when there are several pipeline steps, except the partial
/// sums of an accumulating reduction, which stay put over the tiles and change
/// only with the chunk. With channel chunks an output tile holds one chunk's channels.
template <class Emit>
void ReferenceAccelerator::for_each_fm_buffer(const GroupQuery& q, const GroupView& v, const TileGeometry& geo, const ChannelChunks& split, bool overlap,
                                              Emit&& emit) const {
  // Inputs change per tile; outputs per tile and per chunk (the pipeline stores
  // step i-1 while step i computes).
  // A grouped conv's input tile holds one chunk's groups of channels, and changes per chunk too.
  const bool slice = sliced(q, split);
  const std::uint64_t in_copies = overlap && (geo.tiles > 1 || (slice && split.chunks > 1)) ? 2 : 1;
  const std::uint64_t out_copies = overlap && (geo.tiles > 1 || split.chunks > 1) ? 2 : 1;
  const std::uint64_t partial_sum_copies = overlap && split.chunks > 1 ? 2 : 1;
  for (std::size_t e = 0; e < q.inputs.size(); ++e)
    if (q.inputs[e].where == Residence::dram && geo.in_max(e) > 0) {
      const LayerInfo& u = info_[q.inputs[e].vertex];
      const std::uint64_t row_bytes = slice ? u.row_bytes / std::uint64_t(split.units) * std::uint64_t(split.per_chunk) : u.row_bytes;
      emit(BufferKind::in, q.inputs[e].vertex, in_copies, align(q, std::uint64_t(geo.in_max(e)) * row_bytes));
    }
  for (std::size_t o = 0; o < q.outputs.size(); ++o)
    if (q.outputs[o].where == Residence::dram && geo.out_max(o) > 0) {
      const LayerInfo& l = info_[q.outputs[o].vertex];
      const std::uint64_t row_bytes = split.units ? l.row_bytes / std::uint64_t(split.units) * std::uint64_t(split.per_chunk) : l.row_bytes;
      const bool accumulates = v.members[std::size_t(v.output_position[o])].accumulates;
      emit(BufferKind::out, q.outputs[o].vertex, accumulates ? partial_sum_copies : out_copies,
           align(q, std::uint64_t(geo.out_max(o)) * row_bytes));
    }
}

inline std::uint64_t ReferenceAccelerator::fm_footprint(const GroupQuery& q, const GroupView& v, const TileGeometry& geo,
                                                        const ChannelChunks& split, bool overlap) const {
  std::uint64_t sum = geo.tmp_bytes;
  for_each_fm_buffer(q, v, geo, split, overlap,
                     [&](BufferKind, LayerId, std::uint64_t copies, std::uint64_t bytes) { sum += copies * bytes; });
  return sum;
}

/// All output channels at once, weights resident (§5a: loaded before the first
/// tile) or streamed (§5b: every tile reloads the weights of each layer it runs,
/// between two of its layers, so compute and DMA both wait: a stall nothing overlaps).
inline ReferenceAccelerator::Choice ReferenceAccelerator::whole_channels(const GroupView& v, const TileGeometry& geo,
                                                                         const Transfers& x, bool streamed,
                                                                         bool overlap) const {
  const auto step = [&](std::size_t i) {
    Step s = x.steps[i];
    if (streamed) s.stall += geo.work[i].stream_load;
    else if (i == 0) s.load += v.weight_load;
    return s;
  };
  return {geo.tiles, 1, streamed, overlap, pipeline_latency(step, x.steps.size(), overlap),
          {x.fm_read, x.fm_write, streamed ? geo.stream_bytes : v.weights}};
}

/// One conv/fc in output-channel chunks (§5c), chunk-outer and tile-inner:
/// step (j, t), with C_j of the C chunk units (channels, or a grouped conv's groups), loads tile t's inputs (only once
/// when T = 1; `sliced`, a grouped conv: C_j / C of them, in every step) and,
/// at t = 0, the chunk's weights; it computes
/// ceil(compute_t * C_j / C) and stores C_j / C of tile t's output bytes.
/// Every chunk but the last has P units, so the steps of the two chunk sizes
/// are worked out once. Chunks 1 .. c-3 and their neighbours are full chunks
/// after the first, so they add the same step_terms: chunk 1's, c - 3 times.
/// O(T) per split, not O(c * T).
inline ReferenceAccelerator::Choice ReferenceAccelerator::chunked(const GroupView& v, const Transfers& x,
                                                                  const ChannelChunks& split, bool sliced, bool overlap) const {
  const std::size_t tiles = x.steps.size(), chunks = std::size_t(split.chunks), n = tiles * chunks;
  const std::uint64_t units = std::uint64_t(split.units);
  const std::uint64_t unit_weights = v.weights / units;  // [B] weights are stored unit by unit (a group's filters together)
  thread_local std::vector<Step> sized[2];  // per tile: a full chunk's step, the last chunk's (memory kept per thread)
  for (const int last : {0, 1}) {
    const std::uint64_t share = std::uint64_t(split.units_of(last ? split.chunks - 1 : 0));
    chunk_share_steps(x, split, share, sized[last]);
    for (std::size_t t = 0; t < tiles; ++t)
      sized[last][t].load = (sliced ? dma_cycles(x.in_tile_bytes[t] / units * share) : x.steps[t].load) +
                            (t == 0 ? dma_cycles(share * unit_weights) : 0);
  }
  const auto step = [&](std::size_t i) {
    const std::size_t j = i / tiles;
    Step s = sized[j + 1 == chunks][i % tiles];
    if (tiles == 1 && j > 0 && !sliced) s.load -= x.steps[0].load;  // the one input tile stays
    return s;
  };
  const auto chunk_terms = [&](std::size_t j) { return step_terms(step, n, j * tiles, (j + 1) * tiles, overlap); };
  std::uint64_t latency = pipeline_ends(step, n, overlap) + chunk_terms(0);
  if (chunks > 3) latency += (chunks - 3) * chunk_terms(1);
  for (std::size_t j = std::max<std::size_t>(1, chunks - 2); j < chunks; ++j) latency += chunk_terms(j);
  return {int(tiles), split.chunks, false, overlap, latency, {chunked_fm_read(x, split, sliced, false), x.fm_write, v.weights}};
}

/// One conv/fc in output-channel chunks (§5c), input-stationary: tile-outer and
/// chunk-inner. Step (t, j) loads tile t's inputs at j = 0 only (they stay in
/// their buffer for the tile's chunks) and chunk j's weights in every step; it
/// computes ceil(compute_t * C_j / C) and stores C_j / C of tile t's output
/// bytes, as chunk-outer. Every input byte moves once, the weights once per tile.
/// In a tile, the steps of the full chunks after the first with full chunks on
/// both sides (j = 2 .. c-3) add the same step_terms: O(T) per split, not O(c * T).
inline ReferenceAccelerator::Choice ReferenceAccelerator::input_stationary_chunks(const GroupView& v, const Transfers& x,
                                                                                  const ChannelChunks& split, bool overlap) const {
  const std::size_t tiles = x.steps.size(), chunks = std::size_t(split.chunks), n = tiles * chunks;
  const std::uint64_t units = std::uint64_t(split.units);
  const std::uint64_t unit_weights = v.weights / units;  // [B] weights are stored unit by unit
  thread_local std::vector<Step> sized[2];  // per tile: a full chunk's step, the last chunk's, with no input load
  for (const int last : {0, 1}) {
    const std::uint64_t share = std::uint64_t(split.units_of(last ? split.chunks - 1 : 0));
    chunk_share_steps(x, split, share, sized[last]);
    for (Step& s : sized[last]) s.load = dma_cycles(share * unit_weights);
  }
  const auto step = [&](std::size_t i) {
    const std::size_t t = i / chunks, j = i % chunks;
    Step s = sized[j + 1 == chunks][t];
    if (j == 0) s.load += x.steps[t].load;  // the tile's input, once for its chunks
    return s;
  };
  std::uint64_t latency = pipeline_ends(step, n, overlap);
  for (std::size_t t = 0; t < tiles; ++t) {
    const std::size_t first = t * chunks;
    const std::size_t same_from = std::min<std::size_t>(2, chunks), same_to = chunks > 4 ? chunks - 2 : same_from;
    latency += step_terms(step, n, first, first + same_from, overlap);
    if (same_to > same_from) latency += (same_to - same_from) * step_terms(step, n, first + same_from, first + same_from + 1, overlap);
    latency += step_terms(step, n, first + std::max(same_from, same_to), first + chunks, overlap);
  }
  return {int(tiles), split.chunks, false, overlap, latency, {x.fm_read, x.fm_write, chunked_weight_bytes(v, x, true)},
          {}, false, false, true};
}

/// A lower bound on chunked()'s (or input_stationary_chunks()') latency in O(1) [cyc], to skip splits that
/// cannot win. Both pipelines take at least all DMA, loads + stores (§6):
///   loads  = passes_in * sum_t load_t + passes_w * ((c - 1) * dma(P * W_ch) + dma(C_last * W_ch))
///   stores >= c * (tiles that store) * dma_setup_cycles + floor(fm_write / dram_bytes_per_cycle)
/// (passes_in, passes_w: input_passes(), weight_passes(); chunk-outer c and 1 unless T = 1 or sliced,
/// input-stationary 1 and T)
/// (each chunk stores C_j / C of such a tile, at least one byte). Since
/// sum_j ceil(compute_t * C_j / C) >= compute_t, serialized steps take at least
/// loads + stores + sum_t compute_t, and overlapped ones at least their first
/// load, load_0 (sliced: dma(P / C of tile 0's input bytes)) + dma(P * W_ch), plus
/// sum_t compute_t. (Sliced loads, one per chunk and tile, add up to at least
/// sum_t load_t: dma() has a setup and rounds up.)
inline std::uint64_t ReferenceAccelerator::chunked_latency_bound(const GroupView& v, const Transfers& x,
                                                                 const ChannelChunks& split, bool sliced,
                                                                 bool input_stationary, bool overlap) const {
  const std::uint64_t chunks = std::uint64_t(split.chunks), unit_weights = v.weights / std::uint64_t(split.units);
  const std::uint64_t full_weights = dma_cycles(std::uint64_t(split.per_chunk) * unit_weights);
  const std::uint64_t first_load =
      sliced ? dma_cycles(x.in_tile_bytes[0] / std::uint64_t(split.units) * std::uint64_t(split.per_chunk)) : x.steps.front().load;
  const std::uint64_t weight_loads =
      weight_passes(x, input_stationary) *
      ((chunks - 1) * full_weights + dma_cycles(std::uint64_t(split.units_of(split.chunks - 1)) * unit_weights));
  const std::uint64_t dma = chunked_fm_dma(x, split, sliced, input_stationary) + weight_loads;  // loads + stores
  if (!overlap) return dma + x.compute_cycles;
  return std::max(dma, first_load + full_weights + x.compute_cycles);
}

/// The FM terms of chunked_latency_bound()'s loads + stores, which grow with the chunks c [cyc]:
///   passes_in * sum_t load_t + c * T_s * dma_setup_cycles + floor(fm_write / bw)
inline std::uint64_t ReferenceAccelerator::chunked_fm_dma(const Transfers& x, const ChannelChunks& split, bool sliced,
                                                          bool input_stationary) const {
  const std::uint64_t chunks = std::uint64_t(split.chunks);
  return input_passes(x, split, sliced, input_stationary) * x.load_cycles + chunks * x.storing_tiles * hw_.dma_setup_cycles +
         std::uint64_t(std::floor(double(x.fm_write) / hw_.dram_bytes_per_cycle));
}

/// A floor on chunked_latency_bound() in either pipeline that never decreases
/// as the chunks grow in number [cyc]: its loads + stores (§6), with the weights'
/// transfers, sum_j dma(C_j * W_ch), taken as c * dma_setup_cycles + floor(C * W_ch /
/// DRAM B/cycle) (each is setup + a ceiling; none without weights):
///   passes_in * sum_t load_t + passes_w * (c * setup + floor(C * W_ch / bw))
///   + c * (tiles that store) * setup + floor(fm_write / bw)
/// Each term grows with c, so once a split's floor (and its off-chip bytes,
/// which grow too) cannot beat the incumbent, no split with more chunks can.
inline std::uint64_t ReferenceAccelerator::chunked_dma_floor(const GroupView& v, const Transfers& x,
                                                             const ChannelChunks& split, bool sliced,
                                                             bool input_stationary) const {
  const std::uint64_t chunks = std::uint64_t(split.chunks), units = std::uint64_t(split.units);
  const std::uint64_t weights = units * (v.weights / units);  // [B] stored unit by unit
  const std::uint64_t weight_loads =
      weights == 0 ? 0 : chunks * hw_.dma_setup_cycles + std::uint64_t(std::floor(double(weights) / hw_.dram_bytes_per_cycle));
  return chunked_fm_dma(x, split, sliced, input_stationary) + weight_passes(x, input_stationary) * weight_loads;
}

/// The ways to run the group at one tile count, for the residences of `q`, that
/// pick() may choose for some available_bytes in [least, most] (§5): weights
/// resident (a), streamed (b) or, for one conv/fc, every split into
/// output-channel chunks (c, fewest chunks first), chunk-outer and, where it may
/// (may_run_input_stationary), input-stationary; each double-buffered if the
/// hardware can, then single-buffered. Left out, as no query would pick them:
/// a single-buffered way whose double-buffered twin, listed first, fits every
/// query (the twin is never slower, §6, and moves the same bytes), and a split
/// whose score bound is no better than `incumbent`, the best score of a way
/// listed before (at this or a smaller T) that fits every query; it is updated.
/// The splits are tried fewest chunks first, and stop at the first whose
/// chunked_dma_floor() in each order it may run in cannot beat the incumbent
/// (unless energy ranks them): each order's floor grows with the chunks.
inline void ReferenceAccelerator::candidates(const GroupQuery& q, const GroupView& v, const TileGeometry& geo,
                                             std::uint64_t least_available, std::uint64_t most_available,
                                             std::optional<Score>& incumbent, std::vector<Candidate>& out) const {
  out.clear();
  const Preload pre = preload(q);
  // The transfers, worked out when a way first needs them (in 42% of the calls of an
  // order-free solve of Inception-v3 at 256 KiB no way fits) and kept per thread, as
  // the walks' rows are. With loaded inputs, also those loading them tile by tile.
  thread_local Transfers kept[2];  // by WholeInputs
  bool set[2] = {false, false};
  const auto transfers_of = [&](WholeInputs whole) -> const Transfers& {
    const std::size_t k = whole == WholeInputs::per_tile ? 1 : 0;
    if (!set[k]) transfers(q, geo, whole, kept[k]);
    set[k] = true;
    return kept[k];
  };
  const auto x_of = [&]() -> const Transfers& { return transfers_of(WholeInputs::before_first_step); };
  const auto score = [&](std::uint64_t latency, const OffchipBytes& bytes, const EnergyPj& energy) {
    return score_of(latency, bytes.total(), energy.total(), q.objective);
  };
  // Energy ranks ways only under the energy objective; otherwise pick() works
  // it out for the ways it keeps (energy_of is a large part of a candidate's cost).
  const bool energy_scored = q.objective == Objective::energy;
  const auto split_traffic = [&](const ChannelChunks& split, bool input_stationary) {  // what a split moves [B]
    return OffchipBytes{saturating_add(chunked_fm_read(x_of(), split, sliced(q, split), input_stationary), pre.bytes),
                        x_of().fm_write, chunked_weight_bytes(v, x_of(), input_stationary)};
  };
  // The FM buffers of the ways in whole channels, by overlap: the same with weights resident or streamed.
  std::optional<std::uint64_t> whole_fm_bytes[2];  // [B]
  const auto fm_bytes = [&](const ChannelChunks& split, bool overlap) {
    if (split.units) return fm_footprint(q, v, geo, split, overlap);
    std::optional<std::uint64_t>& kept = whole_fm_bytes[overlap ? 1 : 0];
    if (!kept) kept = fm_footprint(q, v, geo, split, overlap);
    return *kept;
  };
  const auto offer = [&](bool streamed, const ChannelChunks& split, bool input_stationary) {
    bool twin_fits_all = false;
    for (const bool overlap : {true, false}) {
      if (overlap ? !hw_.double_buffering : twin_fits_all) continue;
      const std::uint64_t bytes = footprint(q, v, split, streamed, overlap, fm_bytes(split, overlap));
      twin_fits_all = bytes <= least_available;
      if (bytes > most_available) continue;
      if (split.units && incumbent) {
        const bool slice = sliced(q, split);
        const OffchipBytes traffic = split_traffic(split, input_stationary);
        if (*incumbent <= score(saturating_add(chunked_latency_bound(v, x_of(), split, slice, input_stationary, overlap), pre.cycles),
                                traffic, energy_scored ? energy_of(geo, traffic, split.chunks, slice) : EnergyPj{}))
          continue;
      }
      // Loaded inputs (§8a) before the first step; whole channels may also
      // load them tile by tile (channel chunks go over the tiles once per chunk).
      for (const WholeInputs whole : {WholeInputs::before_first_step, WholeInputs::per_tile}) {
        if (whole == WholeInputs::per_tile && (split.units || pre.bytes == 0)) continue;
        const Transfers& xw = transfers_of(whole);
        Choice c = !split.units       ? whole_channels(v, geo, xw, streamed, overlap)
                   : input_stationary ? input_stationary_chunks(v, xw, split, overlap)
                                      : chunked(v, xw, split, sliced(q, split), overlap);
        if (whole == WholeInputs::before_first_step && pre.bytes > 0) {
          c.latency = checked_add(c.latency, pre.cycles, "latency cycles", "group");
          c.offchip.fm_read = checked_add(c.offchip.fm_read, pre.bytes, "off-chip bytes", "group");
          c.preloaded = true;
        }
        if (energy_scored) c.energy = energy_of(geo, c.offchip, c.chunks, sliced(q, split));
        c.cached = geo.cached;
        if (bytes <= least_available && (!incumbent || score(c.latency, c.offchip, c.energy) < *incumbent))
          incumbent = score(c.latency, c.offchip, c.energy);
        out.push_back({c, bytes});
      }
    }
  };
  if (hw_.fused_weights != WeightPolicy::streamed || geo.tiles == 1) offer(false, {}, false);
  if (hw_.fused_weights != WeightPolicy::resident && geo.tiles > 1 && v.weights > 0) offer(true, {}, false);
  if (q.layers.size() == 1 && info_[q.layers[0]].may_run_in_chunks()) {
    const int units = info_[q.layers[0]].chunk_units;
    for (int count = 2; count <= units; count = next_count(count, units)) {
      const ChannelChunks split(units, count);
      const bool both_orders = may_run_input_stationary(q, v, split, geo.tiles);
      const auto hopeless = [&](bool input_stationary) {  // its DMA floor grows with the chunks: so do the next splits'
        return incumbent && !energy_scored &&
               !(score(saturating_add(chunked_dma_floor(v, x_of(), split, sliced(q, split), input_stationary), pre.cycles),
                       split_traffic(split, input_stationary), {}) < *incumbent);
      };
      if (hopeless(false) && (!both_orders || hopeless(true))) break;
      offer(false, split, false);
      if (both_orders) offer(false, split, true);
    }
  }
}

/// Keeps in `best` the candidate that fits q.available_bytes and scores best
/// under q.objective, of all tile counts; a tie keeps the one tried first.
/// `geo`: the candidates' geometry, for the energy of the one kept when
/// candidates() left it out.
inline void ReferenceAccelerator::pick(const std::vector<Candidate>& candidates, const GroupQuery& q,
                                       const TileGeometry& geo, std::optional<Choice>& best) const {
  const auto score = [&](const Choice& c) { return c.score(q.objective); };
  bool kept = false;
  for (const Candidate& c : candidates)
    if (c.footprint <= q.available_bytes && (!best || score(c.choice) < score(*best))) {
      best = c.choice;
      kept = true;
    }
  if (kept && q.objective != Objective::energy)
    best->energy = energy_of(geo, best->offchip, best->chunks, sliced(q, chunks_of(q, *best)));
}

inline std::vector<std::optional<GroupCost>> ReferenceAccelerator::evaluate_batch(std::span<const GroupQuery> queries) const {
  return evaluate_batch(queries, true);
}

inline bool ReferenceAccelerator::prefix_may_fit(const GroupView& v, int tiles, std::span<const PatternBytes> patterns) const {
  const GroupQuery& first = *patterns.front().query;
  if (first.layers.size() == 1 || tiles <= kPrefixTiles) return true;  // a single layer's chunks; or the walk itself
  const bool streamed = hw_.fused_weights != WeightPolicy::resident && v.weights > 0;  // tiles > 1
  // Cached where caching may be offered: each of its tiles holds at most what the recomputing one does.
  const TileGeometry& prefix = prefix_walk(first, v, tiles, hw_.halo_caching && v.any_cacheable, kPrefixTiles);
  return std::any_of(patterns.begin(), patterns.end(), [&](const PatternBytes& pattern) {
    return footprint(*pattern.query, v, prefix, {}, streamed, false) <= pattern.most;
  });
}

inline std::vector<std::optional<ReferenceAccelerator::Choice>>
ReferenceAccelerator::best_ways(std::span<const GroupQuery> queries, const GroupView& v, const SpmFloors* floors,
                                std::shared_ptr<Walks>& walks, WalkCosted costed) const {
  const GroupQuery& first = queries.front();
  // A query whose available bytes are below its least footprint has no way to run: no tile walk.
  const auto too_small = [&](const GroupQuery& q) {
    return floors && least_footprint(q, v, floors->held, floors->first_tile) > q.available_bytes;
  };
  std::vector<std::optional<Choice>> best(queries.size());
  // Queries with the same residences and objective share their candidates;
  // they differ only in the SPM they may use. Each query's pattern is found by
  // comparing it with the first query of each pattern so far (a batch holds at
  // most a few dozen queries: no map, no key built per query).
  struct Pattern {
    std::size_t first = 0;           ///< its first member, an index into queries
    std::optional<Score> incumbent;  ///< see candidates()
    std::uint64_t least = ~std::uint64_t(0), most = 0;  ///< the members' least and most available bytes [B]
  };
  const auto same_residences = [](std::span<const BoundaryFm> a, std::span<const BoundaryFm> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const BoundaryFm& x, const BoundaryFm& y) { return x.where == y.where; });
  };
  std::vector<Pattern> patterns;
  constexpr std::size_t kNoPattern = std::numeric_limits<std::size_t>::max();  // too_small
  std::vector<std::size_t> pattern_of(queries.size(), kNoPattern);  // per query: its pattern
  for (std::size_t k = 0; k < queries.size(); ++k) {
    if (too_small(queries[k])) continue;
    const GroupQuery& q = queries[k];
    std::size_t p = 0;
    for (; p < patterns.size(); ++p) {
      const GroupQuery& other = queries[patterns[p].first];
      if (q.objective == other.objective && same_residences(q.inputs, other.inputs) && same_residences(q.outputs, other.outputs))
        break;
    }
    if (p == patterns.size()) {
      patterns.emplace_back();
      patterns.back().first = k;
    }
    pattern_of[k] = p;
    patterns[p].least = std::min(patterns[p].least, q.available_bytes);
    patterns[p].most = std::max(patterns[p].most, q.available_bytes);
  }
  if (!patterns.empty() && !walks) walks = walks_of(first);
  std::uint64_t most_available = 0;  // [B]
  std::vector<PatternBytes> pattern_bytes;  // prefix_may_fit()'s view of the patterns
  for (const Pattern& pattern : patterns) {
    most_available = std::max(most_available, pattern.most);
    pattern_bytes.push_back({&queries[pattern.first], pattern.most});
  }
  // The same floor at each tile count (first_tile_least at `tiles`): where it
  // exceeds the most bytes any query has, the count is not walked. It only
  // shrinks as the count grows, so once one count fits under it every later
  // one does, and v.height does (too_small): the first that does is found by
  // galloping (first_holding), which asks few counts where most groups fit,
  // the first ones. A single layer has no intermediates: nothing to skip.
  int first_count = patterns.empty() ? v.height + 1 : 1;
  if (!patterns.empty() && floors && first.layers.size() > 1) {
    const std::vector<int> counts = counts_searched(v.height);
    const std::size_t before_last = counts.size() - 1;  // the last count fits: not asked
    first_count = counts[first_holding(before_last, [&](std::size_t i) {
      return first_tile_least(first, v, floors->held, counts[i]) <= most_available;
    })];
  }
  bool some_fit = false;  // a count walked had a way that fits some query: prefix floors asked no more
  std::vector<Candidate> found;  // at one count, for one pattern
  for (int tiles = first_count; tiles <= v.height; tiles = next_count(tiles, v.height)) {
    if (floors && !some_fit && !prefix_may_fit(v, tiles, pattern_bytes)) continue;
    // Halo recompute, or caching where it is offered (§2a): a cached tile holds,
    // loads, computes, reads and writes at most what the recomputing one does, so
    // each of its ways is at least as good in every metric and footprint as the
    // same way with recompute, which need not be costed.
    const std::shared_ptr<const TileGeometry> walked = costed_walk(*walks, first, v, tiles, costed);
    const TileGeometry& geo = *walked;
    for (std::size_t p = 0; p < patterns.size(); ++p) {
      Pattern& pattern = patterns[p];
      candidates(queries[pattern.first], v, geo, pattern.least, pattern.most, pattern.incumbent, found);
      some_fit = some_fit || !found.empty();  // candidates() lists only ways within the pattern's most bytes
      for (std::size_t k = pattern.first; k < queries.size(); ++k)
        if (pattern_of[k] == p) pick(found, queries[k], geo, best[k]);
    }
  }
  return best;
}

inline std::vector<std::optional<GroupCost>> ReferenceAccelerator::evaluate_batch(std::span<const GroupQuery> queries,
                                                                                  bool skip_by_floor) const {
  std::vector<std::optional<GroupCost>> results(queries.size());
  if (queries.empty() || queries.front().layers.empty()) return results;
  const GroupQuery& first = queries.front();
  const GroupView v = view_of(first);  // residence-independent, shared by the batch
  const std::optional<SpmFloors> floors = skip_by_floor ? std::optional<SpmFloors>(spm_floors(first, v)) : std::nullopt;
  std::shared_ptr<Walks> walks;
  const std::vector<std::optional<Choice>> best = best_ways(queries, v, floors ? &*floors : nullptr, walks);
  // The geometry of each way chosen: walked by best_ways (so `walks` is set if some way is).
  for (std::size_t k = 0; k < queries.size(); ++k) {
    if (!best[k]) continue;
    const std::shared_ptr<const TileGeometry> walked = walk(*walks, first, v, best[k]->tiles, best[k]->cached);
    const TileGeometry& geo = *walked;
    GroupCost& cost = results[k].emplace();
    cost.latency_cycles = best[k]->latency;
    cost.offchip = best[k]->offchip;
    cost.recompute_macs = geo.recompute_macs;
    cost.energy = best[k]->energy;
    for_each_buffer(queries[k], v, geo, chunks_of(queries[k], *best[k]), best[k]->streamed, best[k]->overlapped,
                    [&](BufferKind kind, LayerId l, std::uint64_t copies, std::uint64_t bytes) {
                      cost.buffers.push_back({buffer_name(kind, l), copies * bytes});
                    });
    cost.tiling = {{tiling_key::row_tiles, best[k]->tiles},
                   {tiling_key::channel_chunks, best[k]->chunks},
                   {tiling_key::weights_streamed, best[k]->streamed ? 1 : 0},
                   {tiling_key::double_buffered, best[k]->overlapped ? 1 : 0},
                   {tiling_key::halo_cached, best[k]->cached ? 1 : 0},
                   {tiling_key::cache_bytes, std::int64_t(geo.cache_bytes)}};
    if (loads_inputs(queries[k])) cost.tiling[tiling_key::inputs_preloaded] = best[k]->preloaded ? 1 : 0;
    if (best[k]->chunks > 1) cost.tiling[tiling_key::input_stationary] = best[k]->input_stationary ? 1 : 0;
  }
  return results;
}

}  // namespace pinfuse

#include "pinfuse/accel/detail/capacity_floor.hpp"
#include "pinfuse/accel/detail/reference_commands.hpp"
