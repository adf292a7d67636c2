#pragma once
// Shape inference and checking for pinfuse::Network.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pinfuse/core/checked.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/topological_order.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/statistics.hpp"

namespace pinfuse {

/// Resolves TensorFlow "same" padding: out = ceil(in / stride) and the total
/// padding (out - 1) * stride + dilation * (kernel - 1) + 1 - in, split floor/ceil.
/// In 64 bits: every term is below 2^62 for int fields >= 1.
inline void resolve_same_padding(Window1D& w, int in) {
  const std::int64_t out = (std::int64_t(in) + w.stride - 1) / w.stride;
  const std::int64_t total = std::max<std::int64_t>(
      (out - 1) * w.stride + std::int64_t(w.dilation) * (w.kernel - 1) + 1 - in, 0);
  const auto where = [&] { return std::string("\"same\" padding"); };
  w.pad_before = checked_extent(total / 2, "padding", where);
  w.pad_after = checked_extent(total - total / 2, "padding", where);
}

/// Output length of a window along one axis: floor((in + pads - d*(k-1) - 1) / s) + 1,
/// 0 when the window does not fit (in 64 bits, so it is at most `in + pads`).
constexpr std::int64_t window_output(const Window1D& w, int in) {
  const std::int64_t span =
      std::int64_t(in) + w.pad_before + w.pad_after - std::int64_t(w.dilation) * (w.kernel - 1) - 1;
  return span < 0 ? 0 : span / w.stride + 1;
}

/// Output length of a transposed window: (in - 1) * s + k - pads; "same" gives
/// in * s (total padding k - s; when k < s the negative rest is output padding).
/// In 64 bits; the caller checks that it fits a Shape.
inline std::int64_t transpose_output(Window1D& w, int in) {
  if (w.same) {
    const int total = w.kernel - w.stride;
    w.pad_before = std::max(total, 0) / 2;
    w.pad_after = total - w.pad_before;
  }
  return (std::int64_t(in) - 1) * w.stride + w.kernel - w.pad_before - w.pad_after;
}

/// Describes a layer for an error message; the JSON reader passes one that
/// answers with the layer's JSON pointer.
using LayerLocator = std::function<std::string(LayerId)>;

/// Infers every layer's output shape (inputs carry theirs), resolves "same"
/// padding, and checks arity, shape compatibility and that every size and MAC
/// count, per layer and summed over the model, is at most 2^48. Throws
/// input_error (limit_error for a count past the limit).
inline void infer_shapes(Network& g, const LayerLocator& where = {}) {
  const auto place = [&](LayerId v) { return where ? where(v) : "layer '" + g[v].name + "'"; };
  const std::uint64_t dtype_bytes = std::uint64_t(model_info(g).dtype_bytes);
  std::uint64_t all_fm_bytes = 0, all_macs = 0, all_weight_bytes = 0;
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
      const std::int64_t out = window_output(w, extent);
      if (out < 1)
        fail(std::string("the window (kernel ") + std::to_string(w.kernel) + ", dilation " +
             std::to_string(w.dilation) + ") does not fit the input " + axis + " of " + std::to_string(extent));
      return checked_extent(out, std::string("output ") + axis, [&] { return place(v); });
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
        std::int64_t channels = layer.constant_channels;
        for (const LayerId u : in) {
          if (g[u].output.h != first.h || g[u].output.w != first.w)
            fail("concat inputs must have equal H and W; '" + g[u].name + "' differs");
          channels += g[u].output.c;  // < 2^31 inputs of < 2^31 channels each: no 64-bit wrap
        }
        layer.output = {first.h, first.w, checked_extent(channels, "output channels", [&] { return place(v); })};
        break;
      }
      case LayerKind::fc:
        need_inputs(1, 1);
        if (layer.filters < 1) fail("units must be >= 1");
        layer.output = {1, 1, layer.filters};
        break;
      case LayerKind::resize: {
        need_inputs(1, 1);
        // Output size: the given size, else floor(input * scale) (ONNX's rule) [rows, columns].
        const auto axis = [&](int size, double scale, int in_extent, const char* name) {
          if (size < 0) fail(std::string("the output ") + name + " must be >= 1");
          if (size > 0) return size;
          if (!(scale > 0) || !std::isfinite(scale)) fail(std::string("the scale along ") + name + " must be a number > 0");
          const double out = std::floor(double(in_extent) * scale);
          if (out < 1) {
            char text[32];
            std::snprintf(text, sizeof text, "%g", scale);
            fail(std::string("scale ") + text + " along " + name + " leaves no output of the input's " + std::to_string(in_extent));
          }
          if (out > double(INT_MAX)) {  // as checked_extent says it: a limit_error
            char text[32];
            std::snprintf(text, sizeof text, "%.0f", out);
            throw limit_error(place(v), std::string("output ") + name + " of " + text + " exceeds " + std::to_string(INT_MAX));
          }
          return checked_extent(std::int64_t(out), std::string("output ") + name, [&] { return place(v); });
        };
        layer.output = {axis(layer.size_h, layer.scale_h, first.h, "H"), axis(layer.size_w, layer.scale_w, first.w, "W"), first.c};
        break;
      }
      case LayerKind::pad: {
        need_inputs(1, 1);
        // pad: H + top + bottom, W + left + right, C + before + after; padding only adds.
        const Window1D one{};  // kernel, stride, dilation 1
        for (const Window1D* w : {&layer.rows, &layer.cols})
          if (w->kernel != one.kernel || w->stride != one.stride || w->dilation != one.dilation || w->same ||
              w->pad_before < 0 || w->pad_after < 0)
            fail("padding must be >= 0 (a pad layer has no window)");
        if (layer.pad_channels_before < 0 || layer.pad_channels_after < 0) fail("channel padding must be >= 0");
        const auto grown = [&](int extent, int before, int after, const char* name) {
          return checked_extent(std::int64_t(extent) + before + after, std::string("output ") + name, [&] { return place(v); });
        };
        layer.output = {grown(first.h, layer.rows.pad_before, layer.rows.pad_after, "H"),
                        grown(first.w, layer.cols.pad_before, layer.cols.pad_after, "W"),
                        grown(first.c, layer.pad_channels_before, layer.pad_channels_after, "channels")};
        break;
      }
      case LayerKind::depth_to_space: {
        need_inputs(1, 1);
        // [H, W, C] -> [H * b, W * b, C / b^2].
        const std::int64_t b = layer.block, square = b * b;  // block <= 2^20 when read: no wrap
        if (b < 1 || first.c % square != 0)
          fail("block " + std::to_string(layer.block) + " squared must divide the channels (" + std::to_string(first.c) + ")");
        layer.output = {checked_extent(first.h * b, "output H", [&] { return place(v); }),
                        checked_extent(first.w * b, "output W", [&] { return place(v); }), int(first.c / square)};
        break;
      }
      case LayerKind::space_to_depth: {
        need_inputs(1, 1);
        // [H, W, C] -> [H / b, W / b, C * b^2]; b must divide H and W.
        const std::int64_t b = layer.block;
        if (b < 1 || first.h % b != 0 || first.w % b != 0)
          fail("block " + std::to_string(layer.block) + " must divide the input H (" + std::to_string(first.h) + ") and W (" +
               std::to_string(first.w) + ")");
        layer.output = {int(first.h / b), int(first.w / b),
                        checked_extent(first.c * b * b, "output channels", [&] { return place(v); })};
        break;
      }
      case LayerKind::conv2d_transpose: {
        need_inputs(1, 1);
        if (layer.filters < 1) fail("filters must be >= 1");
        if (layer.groups < 1 || first.c % layer.groups != 0 || layer.filters % layer.groups != 0)
          fail("groups (" + std::to_string(layer.groups) + ") must divide the input channels (" +
               std::to_string(first.c) + ") and the filters (" + std::to_string(layer.filters) + ")");
        if (layer.rows.dilation != 1 || layer.cols.dilation != 1) fail("conv2d_transpose does not support dilation");
        if (layer.rows.kernel < 1 || layer.rows.stride < 1 || layer.cols.kernel < 1 || layer.cols.stride < 1)
          fail("kernel and stride must be >= 1");
        const std::int64_t h = transpose_output(layer.rows, first.h), w = transpose_output(layer.cols, first.w);
        if (h < 1 || w < 1) fail("kernel, stride and padding give an empty output");
        layer.output = {checked_extent(h, "output H", [&] { return place(v); }),
                        checked_extent(w, "output W", [&] { return place(v); }), layer.filters};
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
      case LayerKind::layer_norm:
      case LayerKind::output:
        need_inputs(1, 1);
        layer.output = first;
        break;
    }
    // Every count the solvers add up stays within quantity_limit (core/checked.hpp),
    // per layer and summed over the model, so later sums are exact.
    try {
      const auto at = [&] { return place(v); };
      const std::uint64_t elements = checked_mul(
          checked_mul(std::uint64_t(layer.output.h), std::uint64_t(layer.output.w), "output elements", at),
          std::uint64_t(layer.output.c), "output elements", at);
      all_fm_bytes = checked_add(all_fm_bytes, checked_mul(elements, dtype_bytes, "output bytes", at),
                                 "feature-map bytes of the model", "model");
      all_macs = checked_add(all_macs, macs(g, v), "MACs of the model", "model");
      all_weight_bytes = checked_add(all_weight_bytes, weight_bytes(g, v), "weight bytes of the model", "model");
    } catch (const limit_error& e) {
      throw limit_error(e.where() == "model" ? e.where() : place(v), e.reason());
    }
  }
}

}  // namespace pinfuse
