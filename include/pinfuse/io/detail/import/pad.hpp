#pragma once
// Model import: spatial zero padding written as its own op (ONNX Pad, TFLite PAD/PADV2),
// folded into the padding of the convolution or pool that reads it, where that is exact.
#include <limits>
#include <optional>
#include <string>

#include "pinfuse/core/layer.hpp"
#include "pinfuse/io/detail/import/text.hpp"
#include "pinfuse/io/import/summary.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::import_detail {

/// Spatial padding of a pad op, held until the conv or pool that reads it takes it.
struct PendingPad {
  int top = 0, bottom = 0, left = 0, right = 0;
  double value = 0;  ///< the constant padded with
  std::string node;  ///< the pad op, for messages
};

/// A pad that does not fold into its reader (spatial `p`, and channels), as a
/// pad layer of its own; named p.node (empty: the importer names it).
inline Layer pad_layer_of(const PendingPad& p, int channels_before = 0, int channels_after = 0) {
  Layer l;
  l.pad_channels_before = channels_before;
  l.pad_channels_after = channels_after;
  l.name = p.node;
  l.kind = LayerKind::pad;
  l.rows.pad_before = p.top;
  l.rows.pad_after = p.bottom;
  l.cols.pad_before = p.left;
  l.cols.pad_after = p.right;
  l.pad_value = p.value;
  return l;
}

/// Makes the pending pad of map `v` (an importer's value: pad, layer, shape,
/// padded()) a pad layer of its own, added to `layers` with `place` for
/// messages; `v` then names the pad layer's output. The pad op (`op` in
/// `summary`) was counted as folded where it was read: that count drops.
template <class Value, class Layers>
void unfold_pad(Value& v, Layers& layers, ImportSummary& summary, const std::string& op, const std::string& place) {
  v.layer = layers.add(pad_layer_of(*v.pad), {v.layer}, place);
  v.shape = v.padded();
  v.pad.reset();
  if (--summary.folded[op] == 0) summary.folded.erase(op);
}

/// Adds a pending pad to a conv's or pool's own padding. "same" is resolved first, on the
/// padded size the file sees (`padded`: the map's shape with the pad).
inline void fold_pad(Layer& l, const PendingPad& p, const Shape& padded) {
  const int extent[2] = {padded.h, padded.w};
  const int before[2] = {p.top, p.left}, after[2] = {p.bottom, p.right};
  for (int a = 0; a < 2; ++a) {
    Window1D& w = a == 0 ? l.rows : l.cols;
    if (w.same) resolve_same_padding(w, extent[a]);
    w.same = false;
    w.pad_before += before[a];
    w.pad_after += after[a];
  }
}

/// How a format names its pools in messages, and whether its average pool counts its own padding.
struct PoolWords {
  std::string pad;        ///< the pad op as the messages name it, e.g. "Pad 'p' (value 0)"
  std::string avg_pool;   ///< "an AveragePool"
  std::string max_pool;   ///< "a MaxPool"
  bool avg_counts_own_padding = false;
  std::string uncounted;  ///< why the average pool's own padding is not counted, e.g. "(count_include_pad = 0)"
};

/// Why a pad cannot fold into pool `l`; nothing when it folds exactly. Average pools count
/// the folded padding as zeros, which is exact unless the pool pads itself without counting
/// that padding. Max pools pad with -inf, which zero padding equals only on a non-negative
/// input (`activation`, the producer's: relu, relu6, sigmoid or hsigmoid) whose every window
/// keeps a real element (padding < kernel).
inline std::optional<std::string> pool_pad_problem(const Layer& l, const PendingPad& p, const std::string& producer,
                                                   Activation activation, const PoolWords& words) {
  if (l.pool_mode == PoolMode::avg) {
    if (p.value != 0) return "reads " + words.pad + "; only zero padding folds into " + words.avg_pool;
    const bool own_pads = l.rows.pad_before || l.rows.pad_after || l.cols.pad_before || l.cols.pad_after || l.rows.same;
    if (own_pads && !words.avg_counts_own_padding)
      return "reads " + words.pad + " and pads itself without counting the padding " + words.uncounted +
             "; the two paddings cannot be one";
    return std::nullopt;
  }
  if (p.value <= -double(std::numeric_limits<float>::max())) return std::nullopt;  // -inf padding: the pool's own
  const bool non_negative = activation == Activation::relu || activation == Activation::relu6 ||
                            activation == Activation::sigmoid || activation == Activation::hsigmoid;
  if (p.value != 0 || !non_negative)
    return cat("reads ", words.pad, "; ", words.max_pool, " pads with -inf, which padding with ", number_text(p.value),
               " equals only as zero padding of a non-negative map, and '", producer, "' has activation ", to_string(activation));
  if (p.top + l.rows.pad_before >= l.rows.kernel || p.bottom + l.rows.pad_after >= l.rows.kernel ||
      p.left + l.cols.pad_before >= l.cols.kernel || p.right + l.cols.pad_after >= l.cols.kernel)
    return "reads " + words.pad + ", which with the pool's own padding fills a whole window (padding >= kernel)";
  return std::nullopt;
}

}  // namespace pinfuse::import_detail
