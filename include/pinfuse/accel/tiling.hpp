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

/// Upsampling by an integer `scale`. Nearest: output row r reads row floor(r / scale).
/// Bilinear (half-pixel centres): row r samples (r + 0.5) / scale - 0.5, i.e. its floor and the next row.
inline RowRange resize_input_rows(int scale, ResizeMode mode, RowRange out, int in_height) {
  if (out.empty()) return {};
  if (mode == ResizeMode::nearest) return {out.begin / scale, (out.end - 1) / scale + 1};
  const auto src = [&](int r) { return static_cast<int>(std::floor((r + 0.5) / scale - 0.5)); };
  return {std::max(src(out.begin), 0), std::min(src(out.end - 1) + 2, in_height)};
}

/// Tile `tile` of `tiles` owns rows [floor(tile * H / tiles), floor((tile + 1) * H / tiles)):
/// every output of a group is split into the same number of near-equal shares.
inline RowRange tile_share(int tile, int tiles, int height) {
  return {static_cast<int>(static_cast<long long>(tile) * height / tiles),
          static_cast<int>(static_cast<long long>(tile + 1) * height / tiles)};
}

}  // namespace pinfuse
