#pragma once
// The reference accelerator: one concrete CostModel for pinfuse::Network.
// Solvers never include this header; it is an example instantiation.
// Formulas with units: docs/reference-accelerator.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/memory/scratchpad.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/statistics.hpp"

namespace pinfuse {

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
      // cycles per output row = MACs / (MAC/cycle * utilization), or vector ops / (elements/cycle)
      const bool grouped = l.kind == LayerKind::conv2d && l.groups > 1;
      const double util = l.kind == LayerKind::fc ? hw_.fc_utilization
                          : grouped              ? hw_.depthwise_utilization
                                                 : hw_.conv_utilization;
      i.cycles_per_row = i.macs_per_row ? double(i.macs_per_row) / (hw_.macs_per_cycle * util)
                                        : double(vector_ops_per_row(g, v)) / hw_.vector_elements_per_cycle;
      i.channel_splittable = (l.kind == LayerKind::conv2d && !grouped) || l.kind == LayerKind::fc;
      i.channels = l.output.c;
    }
  }

  const Hardware& hardware() const { return hw_; }

  std::optional<GroupCost> evaluate(const GroupQuery& q) const;

  /// DMA time of one transfer: setup + bytes / bandwidth (cycles); 0 bytes cost nothing.
  std::uint64_t dma_cycles(std::uint64_t bytes) const {
    return bytes == 0 ? 0 : hw_.dma_setup_cycles + std::uint64_t(std::ceil(double(bytes) / hw_.dram_bytes_per_cycle));
  }

  /// Input rows of slot `slot` that output rows `out` of layer `v` read.
  RowRange input_rows(LayerId v, std::size_t slot, RowRange out) const {
    const Layer& l = (*g_)[v];
    const int in_h = info_[info_[v].inputs[slot]].height;
    if (out.empty()) return {};
    switch (l.kind) {
      case LayerKind::conv2d:
      case LayerKind::pool: return window_input_rows(l.rows, out, in_h);
      case LayerKind::fc: return {0, in_h};
      case LayerKind::resize: return resize_input_rows(l.scale_h, l.resize_mode, out, in_h);
      default: return in_h == 1 && info_[v].height > 1 ? RowRange{0, 1} : out;  // [1,1,C] broadcast operand
    }
  }

 private:
  struct LayerInfo {
    std::vector<LayerId> inputs;
    int height = 0;
    int channels = 0;
    std::uint64_t row_bytes = 0;
    std::uint64_t weight_bytes = 0;
    std::uint64_t macs_per_row = 0;
    double cycles_per_row = 0;
    bool channel_splittable = false;
  };
  /// One pipeline step: DMA in, compute, DMA out (cycles).
  struct Step {
    std::uint64_t load = 0;
    std::uint64_t compute = 0;
    std::uint64_t store = 0;
  };
  /// What tiling a group into `tiles` row tiles implies, before weights are placed.
  struct TileProfile {
    std::vector<int> ext_rows;       ///< per input: most rows one tile reads
    std::vector<int> tmp_rows;       ///< per layer: most rows one tile keeps (in-group consumers)
    std::vector<int> share_rows;     ///< per output: most rows one tile writes
    std::vector<long long> computed; ///< per layer: rows computed over all tiles
    std::vector<Step> steps;         ///< per tile
    std::vector<std::uint64_t> out_tile_bytes;  ///< per tile: DRAM output bytes
    std::uint64_t fm_read = 0;
  };
  struct Choice {
    int tiles = 1;
    int chunks = 1;       ///< output-channel chunks (single-layer groups)
    bool streamed = false;
    GroupCost cost;
  };

  TileProfile profile(const GroupQuery& q, const std::vector<int>& local, const std::vector<int>& ext, int tiles) const;
  std::uint64_t pipeline_latency(const std::vector<Step>& steps) const;

  const Network* g_;
  Hardware hw_;
  std::vector<LayerInfo> info_;
};
static_assert(CostModel<ReferenceAccelerator>);

/// The SPM the hardware describes, as a MemoryConstraint for the solvers.
inline Scratchpad scratchpad_of(const Hardware& hw) {
  return Scratchpad(hw.spm_bytes, hw.spm_alignment, hw.spm_reserved_bytes);
}

inline ReferenceAccelerator::TileProfile ReferenceAccelerator::profile(const GroupQuery& q, const std::vector<int>& local,
                                                                       const std::vector<int>& ext, int tiles) const {
  const std::size_t m = q.layers.size();
  TileProfile p;
  p.ext_rows.assign(q.inputs.size(), 0);
  p.tmp_rows.assign(m, 0);
  p.share_rows.assign(q.outputs.size(), 0);
  p.computed.assign(m, 0);
  std::vector<RowRange> need(m);
  std::vector<RowRange> ext_need(q.inputs.size());
  for (int t = 0; t < tiles; ++t) {
    std::fill(need.begin(), need.end(), RowRange{});
    std::fill(ext_need.begin(), ext_need.end(), RowRange{});
    Step step;
    std::uint64_t out_bytes = 0;
    for (std::size_t o = 0; o < q.outputs.size(); ++o) {
      const int i = local[q.outputs[o].fm];
      // An output shorter than the tile count (e.g. after global pooling) has empty
      // shares in early tiles and is produced by the last ones.
      const RowRange share = tile_share(t, tiles, info_[q.outputs[o].fm].height);
      need[i] = hull(need[i], share);
      p.share_rows[o] = std::max(p.share_rows[o], share.size());
      if (q.outputs[o].where != Residence::dram) continue;
      const std::uint64_t bytes = std::uint64_t(share.size()) * info_[q.outputs[o].fm].row_bytes;
      out_bytes += bytes;
      step.store += dma_cycles(bytes);
    }
    p.out_tile_bytes.push_back(out_bytes);
    // Walk the group backwards: each layer's rows are the hull of what its in-group consumers read.
    for (std::size_t i = m; i-- > 0;) {
      const LayerId v = q.layers[i];
      if (need[i].empty()) continue;
      p.computed[i] += need[i].size();
      step.compute += std::uint64_t(std::ceil(need[i].size() * info_[v].cycles_per_row));
      for (std::size_t s = 0; s < info_[v].inputs.size(); ++s) {
        const LayerId u = info_[v].inputs[s];
        const RowRange r = input_rows(v, s, need[i]);
        if (local[u] >= 0) {
          need[local[u]] = hull(need[local[u]], r);
        } else {
          ext_need[ext[u]] = hull(ext_need[ext[u]], r);
        }
      }
    }
    for (std::size_t i = 0; i < m; ++i) p.tmp_rows[i] = std::max(p.tmp_rows[i], need[i].size());
    std::uint64_t in_bytes = 0;
    for (std::size_t e = 0; e < q.inputs.size(); ++e) {
      p.ext_rows[e] = std::max(p.ext_rows[e], ext_need[e].size());
      if (q.inputs[e].where != Residence::dram) continue;
      const std::uint64_t bytes = std::uint64_t(ext_need[e].size()) * info_[q.inputs[e].fm].row_bytes;
      in_bytes += bytes;
      step.load += dma_cycles(bytes);
    }
    p.fm_read += in_bytes;
    p.steps.push_back(step);
  }
  return p;
}

/// Double buffering with one DMA engine: while tile i computes, the DMA loads
/// tile i+1 and stores tile i-1, so
///   latency = load_0 + sum_i max(compute_i, load_{i+1} + store_{i-1}) + store_last.
/// Serialized: latency = sum_i (load_i + compute_i + store_i).
inline std::uint64_t ReferenceAccelerator::pipeline_latency(const std::vector<Step>& steps) const {
  std::uint64_t total = 0;
  if (!hw_.double_buffering) {
    for (const Step& s : steps) total += s.load + s.compute + s.store;
    return total;
  }
  const std::size_t n = steps.size();
  total = steps.front().load + steps.back().store;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t dma = (i + 1 < n ? steps[i + 1].load : 0) + (i > 0 ? steps[i - 1].store : 0);
    total += std::max(steps[i].compute, dma);
  }
  return total;
}

inline std::optional<GroupCost> ReferenceAccelerator::evaluate(const GroupQuery& q) const {
  const std::size_t m = q.layers.size();
  const std::size_t n = info_.size();
  if (m == 0) return std::nullopt;
  std::vector<int> local(n, -1), ext(n, -1);
  for (std::size_t i = 0; i < m; ++i) local[q.layers[i]] = static_cast<int>(i);
  for (std::size_t e = 0; e < q.inputs.size(); ++e) ext[q.inputs[e].fm] = static_cast<int>(e);
  std::vector<char> is_tmp(m, 0);  // read by a later layer of the group
  for (const LayerId v : q.layers)
    for (const LayerId u : info_[v].inputs)
      if (local[u] >= 0) is_tmp[local[u]] = 1;

  std::uint64_t weights = 0, max_weight = 0, weight_load = 0;
  for (const LayerId v : q.layers) {
    weights += info_[v].weight_bytes;
    max_weight = std::max(max_weight, info_[v].weight_bytes);
    weight_load += dma_cycles(info_[v].weight_bytes);  // one transfer per layer
  }
  std::uint64_t fm_write = 0;
  for (const BoundaryFm& o : q.outputs)
    if (o.where == Residence::dram) fm_write += std::uint64_t(info_[o.fm].height) * info_[o.fm].row_bytes;
  int height = 1;
  for (const BoundaryFm& o : q.outputs) height = std::max(height, info_[o.fm].height);

  const auto align = [&](std::uint64_t b) { return (b + q.alignment - 1) / q.alignment * q.alignment; };
  std::optional<Choice> best;
  const auto consider = [&](Choice c) {
    const Score s = score_of(c.cost.latency_cycles, c.cost.offchip.total(), q.objective);
    if (!best || s < score_of(best->cost.latency_cycles, best->cost.offchip.total(), q.objective)) best = std::move(c);
  };
  // Candidate tile counts: every count up to 8, then geometric (x1.5) up to the tallest output.
  std::vector<int> counts;
  for (int t = 1; t <= height; t = t < 8 ? t + 1 : std::max(t + 1, t * 3 / 2)) counts.push_back(t);
  if (counts.back() != height) counts.push_back(height);

  for (const int tiles : counts) {
    const TileProfile p = profile(q, local, ext, tiles);
    const std::uint64_t buffers = hw_.double_buffering && tiles > 1 ? 2 : 1;
    // FM buffers: DRAM inputs and outputs are double-buffered tiles, in-group intermediates single.
    std::vector<Buffer> fm_buffers;
    for (std::size_t e = 0; e < q.inputs.size(); ++e)
      if (q.inputs[e].where == Residence::dram && p.ext_rows[e] > 0)
        fm_buffers.push_back({"in:" + (*g_)[q.inputs[e].fm].name,
                              buffers * align(std::uint64_t(p.ext_rows[e]) * info_[q.inputs[e].fm].row_bytes)});
    for (std::size_t i = 0; i < m; ++i)
      if (is_tmp[i] && p.tmp_rows[i] > 0)
        fm_buffers.push_back({"tmp:" + (*g_)[q.layers[i]].name,
                              align(std::uint64_t(p.tmp_rows[i]) * info_[q.layers[i]].row_bytes)});
    std::uint64_t recompute = 0;
    for (std::size_t i = 0; i < m; ++i)
      recompute += std::uint64_t(std::max(0LL, p.computed[i] - info_[q.layers[i]].height)) * info_[q.layers[i]].macs_per_row;

    // Completes a choice with its buffers; keeps it if it fits. Returns whether it fit.
    const auto finish = [&](Choice c, std::vector<Buffer> extra, std::uint64_t share_divisor) {
      c.cost.buffers = fm_buffers;
      for (std::size_t o = 0; o < q.outputs.size(); ++o)
        if (q.outputs[o].where == Residence::dram && p.share_rows[o] > 0)
          c.cost.buffers.push_back({"out:" + (*g_)[q.outputs[o].fm].name,
                                    buffers * align((std::uint64_t(p.share_rows[o]) * info_[q.outputs[o].fm].row_bytes +
                                                     share_divisor - 1) / share_divisor)});
      for (Buffer& b : extra) c.cost.buffers.push_back(std::move(b));
      if (c.cost.footprint() > q.available_bytes) return false;
      c.cost.recompute_macs = recompute;
      c.cost.offchip.fm_write = fm_write;
      c.cost.tiling = {{"row_tiles", c.tiles}, {"channel_chunks", c.chunks}, {"weights_streamed", c.streamed ? 1 : 0}};
      consider(std::move(c));
      return true;
    };

    // (a) weights resident: loaded once, before the first tile.
    if (hw_.fused_weights != WeightPolicy::streamed || tiles == 1) {
      std::vector<Step> steps = p.steps;
      steps.front().load += weight_load;
      Choice c{tiles, 1, false, {}};
      c.cost.latency_cycles = pipeline_latency(steps);
      c.cost.offchip.fm_read = p.fm_read;
      c.cost.offchip.weights = weights;
      finish(std::move(c), weights ? std::vector<Buffer>{{"weights", align(weights)}} : std::vector<Buffer>{}, 1);
    }
    // (b) weights streamed: every tile reloads them through a (double) buffer of the largest layer's weights.
    if (hw_.fused_weights != WeightPolicy::resident && tiles > 1 && weights > 0) {
      std::vector<Step> steps = p.steps;
      for (Step& s : steps) s.load += weight_load;
      Choice c{tiles, 1, true, {}};
      c.cost.latency_cycles = pipeline_latency(steps);
      c.cost.offchip.fm_read = p.fm_read;
      c.cost.offchip.weights = weights * std::uint64_t(tiles);
      finish(std::move(c), {{"weights", buffers * align(max_weight)}}, 1);
    }
    // (c) a single conv/fc whose weights do not fit: split its output channels into
    // chunks; chunk-outer loop, so the input is re-read per chunk unless one tile holds it all.
    if (m == 1 && info_[q.layers[0]].channel_splittable && weights > 0) {
      const int channels = info_[q.layers[0]].channels;
      for (int chunks = 2; chunks <= channels; chunks = std::max(chunks + 1, chunks * 3 / 2)) {
        const std::uint64_t chunk_weights = (weights + chunks - 1) / chunks;
        const std::uint64_t wbuf = (hw_.double_buffering ? 2 : 1) * align(chunk_weights);
        if (wbuf > q.available_bytes) continue;
        std::vector<Step> steps;
        for (int c = 0; c < chunks; ++c)
          for (int t = 0; t < tiles; ++t) {
            Step s = p.steps[t];
            if (tiles == 1 && c > 0) s.load = 0;  // the one input tile stays
            if (t == 0) s.load += dma_cycles(chunk_weights);
            s.compute = (s.compute + chunks - 1) / chunks;
            s.store = dma_cycles((p.out_tile_bytes[t] + chunks - 1) / chunks);
            steps.push_back(s);
          }
        Choice ch{tiles, chunks, false, {}};
        ch.cost.latency_cycles = pipeline_latency(steps);
        ch.cost.offchip.fm_read = p.fm_read * std::uint64_t(tiles == 1 ? 1 : chunks);
        ch.cost.offchip.weights = weights;
        if (finish(std::move(ch), {{"weights", wbuf}}, std::uint64_t(chunks))) break;  // fewest chunks that fit
      }
    }
  }
  return best ? std::optional<GroupCost>(std::move(best->cost)) : std::nullopt;
}

}  // namespace pinfuse
