#pragma once
// The CommandEmitter concept: a cost model that can also say how a group runs,
// as the commands a code generator issues — DMA loads and stores between DRAM
// and SPM addresses, and compute steps with the SPM bytes they read and write.
//
//   std::vector<pinfuse::Command>
//       m.commands(const pinfuse::GroupQuery& q, const pinfuse::GroupCost& c,
//                  const pinfuse::GroupAddresses& at) const
//
// `c` is the model's own answer to `q` (the plan's choice) and `at` says where
// its buffers and the pinned boundary FMs sit in the SPM. Optional: solvers never
// need it; build_program() (plan/program.hpp) does, and replay_program()
// (plan/replay.hpp) checks the result byte by byte.
//
// Data layout in DRAM (what `Region::offset` counts in):
//  * a feature map of H rows, C channels, W columns is stored row by row, each
//    row channel by channel ("H, C, W"): row r, channel c starts at byte
//    (r * C + c) * W * dtype, so a row and a channel range of a row are contiguous;
//  * a layer's weights are stored output channel by output channel.
//
// Timing: commands run stage after stage (Command::stage, non-decreasing). In a
// stage the commands of each queue run in list order and the two queues run side
// by side, so what one queue writes in a stage the other must not touch then.
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse {

enum class TensorKind { fm, weights };

/// A tensor in DRAM: the feature map a vertex produces, or a layer's weights.
struct TensorRef {
  TensorKind kind = TensorKind::fm;
  std::size_t vertex = 0;
  friend auto operator<=>(const TensorRef&, const TensorRef&) = default;
};

/// Bytes of a tensor held in the SPM, as `runs` runs of `run_bytes`: run k is
/// tensor bytes [offset + k * stride, + run_bytes) at SPM bytes
/// [spm + k * spm_stride, + run_bytes). Back-to-back runs have stride == spm_stride == run_bytes.
struct Region {
  TensorRef tensor;
  std::uint64_t offset = 0;      ///< first tensor byte
  std::uint64_t run_bytes = 0;
  std::uint64_t runs = 1;
  std::uint64_t stride = 0;      ///< tensor bytes from one run to the next
  std::uint64_t spm = 0;         ///< first SPM byte (from the start of the usable SPM)
  std::uint64_t spm_stride = 0;  ///< SPM bytes from one run to the next
  std::uint64_t bytes() const { return run_bytes * runs; }
  friend bool operator==(const Region&, const Region&) = default;
};

/// `runs` runs as in Region, written as one run when they are back to back on both sides.
inline Region strided_region(TensorRef t, std::uint64_t offset, std::uint64_t run_bytes, std::uint64_t runs,
                             std::uint64_t stride, std::uint64_t spm, std::uint64_t spm_stride) {
  if (runs > 1 && stride == run_bytes && spm_stride == run_bytes) return {t, offset, run_bytes * runs, 1, run_bytes * runs, spm, run_bytes * runs};
  return {t, offset, run_bytes, runs, stride, spm, spm_stride};
}

/// Rows [first, first + count) of a tensor whose rows are `row_bytes` long, held
/// densely at SPM byte `spm`.
inline Region rows_region(TensorRef t, std::uint64_t first, std::uint64_t count, std::uint64_t row_bytes, std::uint64_t spm) {
  return {t, first * row_bytes, count * row_bytes, 1, count * row_bytes, spm, count * row_bytes};
}

enum class CommandKind {
  load,     ///< DRAM -> SPM: `writes` holds the one region filled
  store,    ///< SPM -> DRAM: `reads` holds the one region written back
  compute,  ///< `layer` reads `reads` (its inputs and weights) and writes `writes` (its output)
};

enum class Queue {
  compute,  ///< compute steps and the transfers they wait for
  dma,      ///< transfers overlapped with the compute of the same stage
};

struct Command {
  CommandKind kind = CommandKind::compute;
  std::size_t stage = 0;
  Queue queue = Queue::compute;
  std::size_t layer = 0;    ///< compute: vertex index of the layer
  bool accumulate = false;  ///< compute: folds its reads into partial sums already in `writes`
  std::vector<Region> reads, writes;
  friend bool operator==(const Command&, const Command&) = default;
};

/// SPM offsets of what a group uses: its buffers (per GroupCost::buffers entry)
/// and each pinned boundary FM (per GroupQuery::inputs / outputs entry; entries
/// of FMs in DRAM are unused).
struct GroupAddresses {
  std::span<const std::uint64_t> buffers;
  std::span<const std::uint64_t> inputs;
  std::span<const std::uint64_t> outputs;
};

template <class M>
concept CommandEmitter = CostModel<M> && requires(const M& m, const GroupQuery& q, const GroupCost& c, const GroupAddresses& at) {
  { m.commands(q, c, at) } -> std::same_as<std::vector<Command>>;
};

}  // namespace pinfuse
