#pragma once
// Shape inference and checking for pinfuse::Network.
#include <functional>
#include <string>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/core/topological_order.hpp"
#include "pinfuse/model/network.hpp"

namespace pinfuse {

/// Resolves TensorFlow "same" padding: out = ceil(in / stride) and the total
/// padding (out - 1) * stride + dilation * (kernel - 1) + 1 - in, split floor/ceil.
inline void resolve_same_padding(Window1D& w, int in) {
  const int out = (in + w.stride - 1) / w.stride;
  const int total = std::max((out - 1) * w.stride + w.dilation * (w.kernel - 1) + 1 - in, 0);
  w.pad_before = total / 2;
  w.pad_after = total - total / 2;
}

/// Output length of a window along one axis: floor((in + pads - d*(k-1) - 1) / s) + 1.
constexpr int window_output(const Window1D& w, int in) {
  const int span = in + w.pad_before + w.pad_after - w.dilation * (w.kernel - 1) - 1;
  return span < 0 ? 0 : span / w.stride + 1;
}

/// Output length of a transposed window: (in - 1) * s + k - pads; "same" gives
/// in * s (total padding k - s; when k < s the negative rest is output padding).
inline int transpose_output(Window1D& w, int in) {
  if (w.same) {
    const int total = w.kernel - w.stride;
    w.pad_before = std::max(total, 0) / 2;
    w.pad_after = total - w.pad_before;
  }
  return (in - 1) * w.stride + w.kernel - w.pad_before - w.pad_after;
}

/// Describes a layer for an error message; the JSON reader passes one that
/// answers with the layer's JSON pointer.
using LayerLocator = std::function<std::string(LayerId)>;

/// Infers every layer's output shape (inputs carry theirs), resolves "same"
/// padding, and checks arity and shape compatibility. Throws input_error.
inline void infer_shapes(Network& g, const LayerLocator& where = {}) {
  const auto place = [&](LayerId v) { return where ? where(v) : "layer '" + g[v].name + "'"; };
  for (const LayerId v : topological_order(g)) {
    Layer& layer = g[v];
    const std::vector<LayerId> in = inputs_of(g, v);
    const auto fail = [&](const std::string& why) { throw input_error(place(v), why); };
    const auto need_inputs = [&](std::size_t lo, std::size_t hi) {
      if (in.size() < lo || in.size() > hi)
        fail(std::string(to_string(layer.kind)) + " takes " +
             (lo == hi ? std::to_string(lo) : std::to_string(lo) + " or more") + " input(s), got " +
             std::to_string(in.size()));
    };
    for (const LayerId u : in)
      if (g[u].kind == LayerKind::output) fail("reads '" + g[u].name + "', an output marker, which produces no feature map");
    const Shape first = in.empty() ? Shape{} : g[in.front()].output;
    const auto window_out = [&](Window1D& w, int extent, const char* axis) {
      if (w.kernel < 1 || w.stride < 1 || w.dilation < 1 || w.pad_before < 0 || w.pad_after < 0)
        fail(std::string("kernel, stride and dilation must be >= 1 and padding >= 0 along ") + axis);
      if (w.same) resolve_same_padding(w, extent);
      const int out = window_output(w, extent);
      if (out < 1)
        fail(std::string("the window (kernel ") + std::to_string(w.kernel) + ", dilation " +
             std::to_string(w.dilation) + ") does not fit the input " + axis + " of " + std::to_string(extent));
      return out;
    };
    switch (layer.kind) {
      case LayerKind::input:
        need_inputs(0, 0);
        if (layer.output.h < 1 || layer.output.w < 1 || layer.output.c < 1)
          fail("an input shape needs H, W and C >= 1");
        break;
      case LayerKind::conv2d:
        need_inputs(1, 1);
        if (layer.filters < 1) fail("filters must be >= 1");
        if (layer.groups < 1 || first.c % layer.groups != 0 || layer.filters % layer.groups != 0)
          fail("groups (" + std::to_string(layer.groups) + ") must divide the input channels (" +
               std::to_string(first.c) + ") and the filters (" + std::to_string(layer.filters) + ")");
        layer.output = {window_out(layer.rows, first.h, "H"), window_out(layer.cols, first.w, "W"), layer.filters};
        break;
      case LayerKind::pool:
        need_inputs(1, 1);
        if (layer.global_pool) {
          layer.rows = {first.h, 1, 1, 0, 0, false};
          layer.cols = {first.w, 1, 1, 0, 0, false};
        }
        layer.output = {window_out(layer.rows, first.h, "H"), window_out(layer.cols, first.w, "W"), first.c};
        break;
      case LayerKind::add:
      case LayerKind::mul: {
        need_inputs(2, SIZE_MAX);
        Shape out = first;
        for (const LayerId u : in) {
          const Shape s = g[u].output;
          const bool broadcast = layer.kind == LayerKind::mul && s.h == 1 && s.w == 1 && s.c == out.c;
          if (layer.kind == LayerKind::mul && out.h == 1 && out.w == 1 && s.c == out.c) out = s;
          else if (!(s == out) && !broadcast)
            fail("inputs must have equal shapes" +
                 std::string(layer.kind == LayerKind::mul ? " (or [1, 1, C] broadcast)" : "") + "; '" + g[u].name +
                 "' is [" + std::to_string(s.h) + ", " + std::to_string(s.w) + ", " + std::to_string(s.c) + "]");
        }
        layer.output = out;
        break;
      }
      case LayerKind::concat: {
        if (layer.constant_channels < 0) fail("constant_channels must be >= 0");
        need_inputs(layer.constant_channels > 0 ? 1 : 2, SIZE_MAX);
        Shape out{first.h, first.w, layer.constant_channels};
        for (const LayerId u : in) {
          if (g[u].output.h != out.h || g[u].output.w != out.w)
            fail("concat inputs must have equal H and W; '" + g[u].name + "' differs");
          out.c += g[u].output.c;
        }
        layer.output = out;
        break;
      }
      case LayerKind::fc:
        need_inputs(1, 1);
        if (layer.filters < 1) fail("units must be >= 1");
        layer.output = {1, 1, layer.filters};
        break;
      case LayerKind::resize:
        need_inputs(1, 1);
        if (layer.scale_h < 1 || layer.scale_w < 1) fail("scale must be >= 1");
        layer.output = {first.h * layer.scale_h, first.w * layer.scale_w, first.c};
        break;
      case LayerKind::conv2d_transpose: {
        need_inputs(1, 1);
        if (layer.filters < 1) fail("filters must be >= 1");
        if (layer.groups < 1 || first.c % layer.groups != 0 || layer.filters % layer.groups != 0)
          fail("groups (" + std::to_string(layer.groups) + ") must divide the input channels (" +
               std::to_string(first.c) + ") and the filters (" + std::to_string(layer.filters) + ")");
        if (layer.rows.dilation != 1 || layer.cols.dilation != 1) fail("conv2d_transpose does not support dilation");
        const int h = transpose_output(layer.rows, first.h), w = transpose_output(layer.cols, first.w);
        if (layer.rows.kernel < 1 || layer.rows.stride < 1 || layer.cols.kernel < 1 || layer.cols.stride < 1 || h < 1 || w < 1)
          fail("kernel, stride and padding give an empty output");
        layer.output = {h, w, layer.filters};
        break;
      }
      case LayerKind::slice:
        need_inputs(1, 1);
        if (layer.slice_begin < 0 || layer.slice_begin >= layer.slice_end || layer.slice_end > first.c)
          fail("slice [" + std::to_string(layer.slice_begin) + ", " + std::to_string(layer.slice_end) +
               ") is not a non-empty channel range of the input's " + std::to_string(first.c) + " channels");
        layer.output = {first.h, first.w, layer.slice_end - layer.slice_begin};
        break;
      case LayerKind::shuffle:
        need_inputs(1, 1);
        if (layer.groups < 1 || first.c % layer.groups != 0)
          fail("groups (" + std::to_string(layer.groups) + ") must divide the channels (" + std::to_string(first.c) + ")");
        layer.output = first;
        break;
      case LayerKind::activation:
      case LayerKind::output:
        need_inputs(1, 1);
        layer.output = first;
        break;
    }
  }
}

}  // namespace pinfuse
