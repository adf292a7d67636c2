#pragma once
// Work and size of each layer of a pinfuse::Network (after infer_shapes()).
#include <cstdint>

#include "pinfuse/core/checked.hpp"
#include "pinfuse/model/activation_ops.hpp"

#include "pinfuse/model/network.hpp"

namespace pinfuse {

/// Channels of the (first) input feature map of `v`; 0 for an input layer.
inline int input_channels(const Network& g, LayerId v) {
  const auto in = inputs_of(g, v);
  return in.empty() ? 0 : g[in.front()].output.c;
}

/// Multiply-accumulates of the whole layer:
///   conv2d:           H_out * W_out * C_out * (C_in / groups) * k_h * k_w
///   conv2d_transpose: H_in * W_in * C_in * (C_out / groups) * k_h * k_w  (every input scatters a kernel)
///   fc:               C_out * (H_in * W_in * C_in)
/// Other kinds have no MACs (they run on the vector unit). Past 2^48: limit_error.
inline std::uint64_t macs(const Network& g, LayerId v) {
  const Layer& l = g[v];
  const auto at = [&] { return "layer '" + l.name + "'"; };
  const auto product = [&](std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    return checked_mul(checked_mul(a, b, "MACs", at), c, "MACs", at);
  };
  const std::uint64_t taps = checked_mul(std::uint64_t(l.rows.kernel), std::uint64_t(l.cols.kernel), "kernel taps", at);
  switch (l.kind) {
    case LayerKind::conv2d:
      return product(l.output.elements(), std::uint64_t(input_channels(g, v) / l.groups), taps);
    case LayerKind::conv2d_transpose:
      return product(g[inputs_of(g, v).front()].output.elements(), std::uint64_t(l.filters / l.groups), taps);
    case LayerKind::fc: return product(std::uint64_t(l.filters), g[inputs_of(g, v).front()].output.elements(), 1);
    default: return 0;
  }
}

/// MACs per output row (one row = W_out x C_out outputs): exact for conv2d and fc,
/// the average for conv2d_transpose (rows differ by which kernel taps land on them).
inline std::uint64_t macs_per_row(const Network& g, LayerId v) {
  return g[v].output.h > 0 ? macs(g, v) / std::uint64_t(g[v].output.h) : 0;
}

/// Vector-unit operations of one output row of a layer_norm, which normalizes each pixel's
/// C channels: y = (x - mean) / sqrt(var + eps) * gamma + beta, mean and var over the C channels.
///   per element: add (the mean's sum), sub (x - mean), mul (squared), add (the variance's
///                sum), mul (by 1 / sqrt(var + eps)); mul by gamma (norm_scale), add beta (bias)
///   per pixel:   two muls by 1/C, add eps, and 1 / sqrt from a table (4 ops, activation_ops.hpp)
///   ops per row = W_out * (C * (5 + norm_scale + bias) + 7)                                   [op]
inline std::uint64_t layer_norm_ops_per_row(const Layer& l) {
  const std::uint64_t per_element = 5 + (l.norm_scale ? 1 : 0) + (l.bias ? 1 : 0);
  return std::uint64_t(l.output.w) * (std::uint64_t(l.output.c) * per_element + 7);
}

/// Vector-unit element operations per output row (pool: one per window tap;
/// add/mul: one per extra operand; activation: activation_ops_per_element of its
/// function per element; concat/resize/slice/shuffle/pad/depth_to_space/space_to_depth:
/// one copy per output element, a pad's padding included; layer_norm: see layer_norm_ops_per_row).
inline std::uint64_t vector_ops_per_row(const Network& g, LayerId v) {
  const Layer& l = g[v];
  const std::uint64_t row = std::uint64_t(l.output.w) * std::uint64_t(l.output.c);
  switch (l.kind) {
    case LayerKind::pool: return row * std::uint64_t(l.rows.kernel) * std::uint64_t(l.cols.kernel);
    case LayerKind::add:
    case LayerKind::mul: return row * (inputs_of(g, v).size() - 1);
    case LayerKind::activation: return row * activation_ops_per_element(l.activation);
    case LayerKind::layer_norm: return layer_norm_ops_per_row(l);
    case LayerKind::concat:
    case LayerKind::resize:
    case LayerKind::slice:
    case LayerKind::shuffle:
    case LayerKind::pad:
    case LayerKind::depth_to_space:
    case LayerKind::space_to_depth: return row;
    default: return 0;
  }
}


/// Trainable parameters (BatchNorm folded into the bias):
///   conv2d, conv2d_transpose: k_h * k_w * (C_in / groups) * C_out (+ C_out bias);
///   fc: C_in_flat * units (+ units);
///   concat: H_out * W_out * constant_channels (the constant data it appends);
///   layer_norm: C (gamma, if norm_scale) + C (beta, if bias).
inline std::uint64_t params(const Network& g, LayerId v) {
  const Layer& l = g[v];
  const auto at = [&] { return "layer '" + l.name + "'"; };
  const auto mul = [&](std::uint64_t a, std::uint64_t b) { return checked_mul(a, b, "parameters", at); };
  if (l.kind == LayerKind::layer_norm) return std::uint64_t(l.output.c) * ((l.norm_scale ? 1 : 0) + (l.bias ? 1 : 0));
  if (l.kind == LayerKind::concat)
    return mul(mul(std::uint64_t(l.output.h), std::uint64_t(l.output.w)), std::uint64_t(l.constant_channels));
  if (l.kind != LayerKind::conv2d && l.kind != LayerKind::conv2d_transpose && l.kind != LayerKind::fc) return 0;
  const std::uint64_t bias = l.bias ? std::uint64_t(l.filters) : 0;
  const std::uint64_t weights =
      l.kind == LayerKind::fc
          ? mul(std::uint64_t(l.filters), g[inputs_of(g, v).front()].output.elements())
          : mul(mul(mul(std::uint64_t(l.rows.kernel), std::uint64_t(l.cols.kernel)),
                    std::uint64_t(input_channels(g, v) / l.groups)),
                std::uint64_t(l.filters));
  return checked_add(weights, bias, "parameters", at);
}

/// Bytes of the layer's weights in memory: params * dtype_bytes.
inline std::uint64_t weight_bytes(const Network& g, LayerId v) {
  return checked_mul(params(g, v), std::uint64_t(model_info(g).dtype_bytes), "weight bytes",
                     [&] { return "layer '" + g[v].name + "'"; });
}

struct ModelTotals {
  std::uint64_t macs = 0;
  std::uint64_t params = 0;
  std::uint64_t compute_layers = 0;
};

inline ModelTotals totals(const Network& g) {
  ModelTotals t;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    t.macs = checked_add(t.macs, macs(g, v), "MACs of the model", "model");
    t.params = checked_add(t.params, params(g, v), "parameters of the model", "model");
    t.compute_layers += layer_role(g, v) == LayerRole::compute ? 1 : 0;
  }
  return t;
}

}  // namespace pinfuse
