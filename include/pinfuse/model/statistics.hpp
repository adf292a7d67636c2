#pragma once
// Work and size of each layer of a pinfuse::Network (after infer_shapes()).
#include <cstdint>

#include "pinfuse/model/network.hpp"

namespace pinfuse {

/// Channels of the (first) input feature map of `v`; 0 for an input layer.
inline int input_channels(const Network& g, LayerId v) {
  const auto in = inputs_of(g, v);
  return in.empty() ? 0 : g[in.front()].output.c;
}

/// Multiply-accumulates per output row (one row = W_out x C_out outputs):
///   conv2d: W_out * C_out * (C_in / groups) * k_h * k_w
///   fc:     C_out * (H_in * W_in * C_in)   (its output has a single row)
/// Other kinds have no MACs (they run on the vector unit).
inline std::uint64_t macs_per_row(const Network& g, LayerId v) {
  const Layer& l = g[v];
  if (l.kind == LayerKind::conv2d)
    return std::uint64_t(l.output.w) * std::uint64_t(l.filters) *
           std::uint64_t(input_channels(g, v) / l.groups) * std::uint64_t(l.rows.kernel) *
           std::uint64_t(l.cols.kernel);
  if (l.kind == LayerKind::fc) return std::uint64_t(l.filters) * g[inputs_of(g, v).front()].output.elements();
  return 0;
}

/// Vector-unit element operations per output row (pool: one per window tap;
/// add/mul: one per extra operand; concat/resize/activation: one copy per element).
inline std::uint64_t vector_ops_per_row(const Network& g, LayerId v) {
  const Layer& l = g[v];
  const std::uint64_t row = std::uint64_t(l.output.w) * std::uint64_t(l.output.c);
  switch (l.kind) {
    case LayerKind::pool: return row * std::uint64_t(l.rows.kernel) * std::uint64_t(l.cols.kernel);
    case LayerKind::add:
    case LayerKind::mul: return row * (inputs_of(g, v).size() - 1);
    case LayerKind::concat:
    case LayerKind::resize:
    case LayerKind::activation: return row;
    default: return 0;
  }
}

inline std::uint64_t macs(const Network& g, LayerId v) { return macs_per_row(g, v) * std::uint64_t(g[v].output.h); }

/// Trainable parameters (BatchNorm folded into the bias):
///   conv2d: k_h * k_w * (C_in / groups) * C_out (+ C_out bias);  fc: C_in_flat * units (+ units).
inline std::uint64_t params(const Network& g, LayerId v) {
  const Layer& l = g[v];
  if (l.kind != LayerKind::conv2d && l.kind != LayerKind::fc) return 0;
  const std::uint64_t bias = l.bias ? std::uint64_t(l.filters) : 0;
  if (l.kind == LayerKind::fc) return std::uint64_t(l.filters) * g[inputs_of(g, v).front()].output.elements() + bias;
  return std::uint64_t(l.rows.kernel) * std::uint64_t(l.cols.kernel) * std::uint64_t(input_channels(g, v) / l.groups) *
             std::uint64_t(l.filters) + bias;
}

/// Bytes of the layer's weights in memory: params * dtype_bytes.
inline std::uint64_t weight_bytes(const Network& g, LayerId v) {
  return params(g, v) * std::uint64_t(model_info(g).dtype_bytes);
}

struct ModelTotals {
  std::uint64_t macs = 0;
  std::uint64_t params = 0;
  std::uint64_t compute_layers = 0;
};

inline ModelTotals totals(const Network& g) {
  ModelTotals t;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    t.macs += macs(g, v);
    t.params += params(g, v);
    t.compute_layers += layer_role(g, v) == LayerRole::compute ? 1 : 0;
  }
  return t;
}

}  // namespace pinfuse
