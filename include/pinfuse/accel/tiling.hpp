#pragma once
// Row tiling formulas: which input rows a range of output rows needs.
// A tile is a range of rows [begin, end) over the full width and all channels,
// so its bytes are contiguous in an HWC feature map.
#include <algorithm>
#include <cmath>

#include "pinfuse/core/layer.hpp"

namespace pinfuse {

struct RowRange {
  int begin = 0;
  int end = 0;  ///< one past the last row
  bool empty() const { return begin >= end; }
  int size() const { return empty() ? 0 : end - begin; }
  friend bool operator==(const RowRange&, const RowRange&) = default;
};

/// Smallest range covering both (an empty range covers nothing).
inline RowRange hull(RowRange a, RowRange b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

/// DESIGN.md's formula: t output rows of a window (kernel k, stride s, dilation d)
/// read (t - 1) * s + (k - 1) * d + 1 input rows, padding rows included.
constexpr int input_rows_for(int t, int k, int s, int d) { return t < 1 ? 0 : (t - 1) * s + (k - 1) * d + 1; }

/// The same per position: output rows [b, e) read input rows
/// [b * s - pad, (e - 1) * s - pad + (k - 1) * d + 1), clipped to [0, in_height)
/// because padding rows are not stored.
inline RowRange window_input_rows(const Window1D& w, RowRange out, int in_height) {
  if (out.empty()) return {};
  const int first = out.begin * w.stride - w.pad_before;
  const int last = first + input_rows_for(out.size(), w.kernel, w.stride, w.dilation);
  return {std::max(first, 0), std::min(last, in_height)};
}

/// Transposed window: input row i feeds output rows [i*s - pad, i*s - pad + k), so
/// output rows [b, e) read input rows [ceil((b + pad - k + 1) / s), floor((e - 1 + pad) / s) + 1),
/// clipped to [0, in_height).
inline RowRange transpose_input_rows(const Window1D& w, RowRange out, int in_height) {
  if (out.empty()) return {};
  const auto floor_div = [](int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  const int first = -floor_div(-(out.begin + w.pad_before - w.kernel + 1), w.stride);  // ceil
  const int last = floor_div(out.end - 1 + w.pad_before, w.stride) + 1;
  return {std::max(first, 0), std::min(last, in_height)};
}

/// One axis of a resize, as its rows map: output row r reads the input rows
/// around source coordinate x(r) (ResizeCoordinates). `scale` [output rows per
/// input row] is the layer's when it gives one; 0 when it gives the output size,
/// and then x(r) is computed from `in` and `out` exactly (integer numerator and
/// denominator, each below 2^53, divided once: floor and rounding at .5 are exact).
struct ResizeAxis {
  ResizeMode mode = ResizeMode::nearest;
  ResizeCoordinates coordinates = ResizeCoordinates::mode_default;
  NearestRounding rounding = NearestRounding::floor;
  double scale = 0;
  int in = 1;   ///< input rows
  int out = 1;  ///< output rows
};

/// The source coordinate x(r) of output row r [input rows, fractional].
inline double resize_source(const ResizeAxis& a, int r) {
  ResizeCoordinates c = a.coordinates;
  if (c == ResizeCoordinates::mode_default)
    c = a.mode == ResizeMode::nearest ? ResizeCoordinates::asymmetric : ResizeCoordinates::half_pixel;
  if ((c == ResizeCoordinates::pytorch_half_pixel || c == ResizeCoordinates::align_corners) && a.out == 1) return 0;
  const long long row = r, in = a.in, out = a.out;
  if (c == ResizeCoordinates::align_corners) return double(row * (in - 1)) / double(out - 1);
  const bool half = c != ResizeCoordinates::asymmetric;
  if (a.scale > 0) return half ? (row + 0.5) / a.scale - 0.5 : double(row) / a.scale;
  return half ? double((2 * row + 1) * in - out) / double(2 * out) : double(row * in) / double(out);
}

/// The input rows output row r reads, before clipping: nearest, the one row its
/// rounding picks; bilinear, floor(x) and floor(x) + 1 (the second even when its
/// weight is 0). Both ends are non-decreasing in r.
inline RowRange resize_source_rows(const ResizeAxis& a, int r) {
  const double x = resize_source(a, r);
  if (a.mode == ResizeMode::bilinear) {
    const int lo = static_cast<int>(std::floor(x));
    return {lo, lo + 2};
  }
  double pick = 0;
  switch (a.rounding) {
    case NearestRounding::floor: pick = std::floor(x); break;
    case NearestRounding::ceil: pick = std::ceil(x); break;
    case NearestRounding::round_prefer_floor: pick = std::ceil(x - 0.5); break;
    case NearestRounding::round_prefer_ceil: pick = std::floor(x + 0.5); break;
  }
  return {static_cast<int>(pick), static_cast<int>(pick) + 1};
}

/// Resize: output rows [b, e) read input rows [lo(b), hi(e - 1)), the rows of
/// resize_source_rows clamped into [0, in) (an edge row stands for the rows past
/// the edge). Nearest with an integer upscale σ and asymmetric coordinates is
/// [floor(b/σ), floor((e-1)/σ) + 1); bilinear half-pixel is
/// [max(floor((b + 0.5)/σ - 0.5), 0), min(floor((e - 0.5)/σ - 0.5) + 2, in)).
inline RowRange resize_input_rows(const ResizeAxis& a, RowRange out) {
  if (out.empty() || a.in < 1) return {};
  const auto clamp_row = [&](int row) { return std::clamp(row, 0, a.in - 1); };
  const RowRange first = resize_source_rows(a, out.begin), last = resize_source_rows(a, out.end - 1);
  return {clamp_row(first.begin), clamp_row(last.end - 1) + 1};
}

/// depth_to_space with block b: output row r comes from input row floor(r / b),
/// so rows [b0, e) read [floor(b0 / b), floor((e - 1) / b) + 1).
inline RowRange depth_to_space_input_rows(int block, RowRange out) {
  if (out.empty()) return {};
  return {out.begin / block, (out.end - 1) / block + 1};
}

/// space_to_depth with block b: output row r gathers input rows [r·b, (r + 1)·b),
/// so rows [b0, e) read [b0·b, e·b) (b divides the input height).
inline RowRange space_to_depth_input_rows(int block, RowRange out) {
  if (out.empty()) return {};
  return {out.begin * block, out.end * block};
}

/// pad with `top` rows before the input: output row r is input row r - top or a
/// padding row, so rows [b, e) read [b - top, e - top) clipped to [0, in_height)
/// (a window of kernel 1 with top padding `top`: window_input_rows).
inline RowRange pad_input_rows(int top, RowRange out, int in_height) {
  return window_input_rows(Window1D{1, 1, 1, top, 0, false}, out, in_height);
}

/// Tile `tile` of `tiles` owns rows [floor(tile * H / tiles), floor((tile + 1) * H / tiles)):
/// every output of a group is split into the same number of near-equal shares.
inline RowRange tile_share(int tile, int tiles, int height) {
  return {static_cast<int>(static_cast<long long>(tile) * height / tiles),
          static_cast<int>(static_cast<long long>(tile + 1) * height / tiles)};
}

}  // namespace pinfuse
