// Row tiling formulas (accel/tiling.hpp): the halo formula of DESIGN.md, its
// per-position form clipped at the borders, resize rows, and tile shares.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/model/shape_inference.hpp"

using namespace pinfuse;

namespace {

Window1D window(int kernel, int stride, int dilation, int pad_before, int pad_after) {
  return Window1D{kernel, stride, dilation, pad_before, pad_after, false};
}

/// Input rows output row r of `w` reads, padding rows included (may be < 0 or >= height).
std::vector<int> taps(const Window1D& w, int r) {
  std::vector<int> rows;
  for (int j = 0; j < w.kernel; ++j) rows.push_back(r * w.stride - w.pad_before + j * w.dilation);
  return rows;
}

}  // namespace

TEST_CASE("input_rows_for is (t - 1) * s + (k - 1) * d + 1", "[tiling]") {
  CHECK(input_rows_for(1, 3, 1, 1) == 3);
  CHECK(input_rows_for(4, 3, 1, 1) == 6);
  CHECK(input_rows_for(4, 3, 2, 1) == 9);   // 3 * 2 + 2 + 1
  CHECK(input_rows_for(4, 3, 1, 2) == 8);   // 3 + 2 * 2 + 1
  CHECK(input_rows_for(3, 7, 2, 1) == 11);  // 2 * 2 + 6 + 1
  CHECK(input_rows_for(5, 3, 2, 2) == 13);  // 4 * 2 + 2 * 2 + 1
  CHECK(input_rows_for(5, 1, 1, 1) == 5);   // pointwise: no halo
  CHECK(input_rows_for(5, 1, 2, 1) == 9);   // strided 1x1: rows in between are skipped but spanned
  CHECK(input_rows_for(0, 3, 1, 1) == 0);   // no output rows read nothing
  static_assert(input_rows_for(2, 3, 1, 1) == 4, "usable in constant expressions");
}

TEST_CASE("window_input_rows clips the padded window at the borders", "[tiling]") {
  SECTION("3x3, stride 1, padding 1 on 8 rows") {
    const Window1D w = window(3, 1, 1, 1, 1);
    CHECK(window_input_rows(w, {0, 1}, 8) == RowRange{0, 2});  // row -1 is padding
    CHECK(window_input_rows(w, {7, 8}, 8) == RowRange{6, 8});  // row 8 is padding
    CHECK(window_input_rows(w, {3, 5}, 8) == RowRange{2, 6});  // interior: 2 + 2 rows of halo
    CHECK(window_input_rows(w, {0, 8}, 8) == RowRange{0, 8});
  }
  SECTION("3x3, stride 2, TensorFlow SAME (pad 0 before, 1 after) on 8 rows") {
    Window1D w = window(3, 2, 1, 0, 0);
    w.same = true;
    resolve_same_padding(w, 8);
    REQUIRE(w.pad_before == 0);
    REQUIRE(w.pad_after == 1);
    REQUIRE(window_output(w, 8) == 4);
    CHECK(window_input_rows(w, {0, 2}, 8) == RowRange{0, 5});  // rows 0..2 and 2..4
    CHECK(window_input_rows(w, {3, 4}, 8) == RowRange{6, 8});  // rows 6, 7 and padding
    CHECK(window_input_rows(w, {1, 2}, 8) == RowRange{2, 5});
  }
  SECTION("3x3, dilation 2, padding 2 on 10 rows") {
    const Window1D w = window(3, 1, 2, 2, 2);
    REQUIRE(window_output(w, 10) == 10);
    CHECK(window_input_rows(w, {0, 1}, 10) == RowRange{0, 3});   // taps -2, 0, 2
    CHECK(window_input_rows(w, {9, 10}, 10) == RowRange{7, 10}); // taps 7, 9, 11
    CHECK(window_input_rows(w, {4, 6}, 10) == RowRange{2, 8});   // taps 2,4,6 and 3,5,7
  }
  SECTION("3x3, stride 2, dilation 2, padding 2") {
    const Window1D w = window(3, 2, 2, 2, 2);
    CHECK(window_input_rows(w, {1, 3}, 10) == RowRange{0, 7});  // taps 0,2,4 and 2,4,6
    CHECK(window_input_rows(w, {0, 1}, 10) == RowRange{0, 3});  // taps -2, 0, 2
  }
  SECTION("7x7, stride 2, padding 3 (ResNet stem) at the top border") {
    const Window1D w = window(7, 2, 1, 3, 3);
    CHECK(window_input_rows(w, {0, 1}, 224) == RowRange{0, 4});
    CHECK(window_input_rows(w, {0, 4}, 224) == RowRange{0, input_rows_for(4, 7, 2, 1) - 3});
    CHECK(window_input_rows(w, {10, 14}, 224) == RowRange{17, 17 + input_rows_for(4, 7, 2, 1)});
  }
  SECTION("an empty output range reads nothing") {
    CHECK(window_input_rows(window(3, 1, 1, 1, 1), {4, 4}, 8).empty());
  }
}

TEST_CASE("tiled window reads together cover the rows the whole output reads", "[tiling][property]") {
  std::mt19937 rng(20230225);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int windows = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int k = pick(1, 7), s = pick(1, 3), d = pick(1, 3);
    const int span = (k - 1) * d;
    const Window1D w = window(k, s, d, pick(0, span), pick(0, span));
    const int in_h = pick(1, 40);
    const int out_h = window_output(w, in_h);
    if (out_h < 1) continue;
    ++windows;
    INFO("k " << k << " s " << s << " d " << d << " pad " << w.pad_before << "/" << w.pad_after << " in " << in_h
              << " out " << out_h);

    // A random split of [0, out_h) into consecutive tiles.
    std::vector<int> cuts{0, out_h};
    for (int c = pick(0, std::min(out_h - 1, 6)); c > 0; --c) cuts.push_back(pick(1, out_h - 1));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    const RowRange whole = window_input_rows(w, {0, out_h}, in_h);
    std::vector<int> covered(std::size_t(in_h), 0);
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      const RowRange out{cuts[i], cuts[i + 1]};
      const RowRange in = window_input_rows(w, out, in_h);
      INFO("tile [" << out.begin << ", " << out.end << ") reads [" << in.begin << ", " << in.end << ")");
      CHECK(in.begin >= whole.begin);
      CHECK(in.end <= whole.end);
      for (int r = in.begin; r < in.end; ++r) ++covered[std::size_t(r)];
      // Every stored row a tap of the tile touches is loaded.
      for (int r = out.begin; r < out.end; ++r)
        for (const int row : taps(w, r))
          if (row >= 0 && row < in_h) CHECK((row >= in.begin && row < in.end));
      // Away from the borders the tile reads exactly the formula's rows.
      const int first = out.begin * s - w.pad_before;
      const int rows = input_rows_for(out.size(), k, s, d);
      if (first >= 0 && first + rows <= in_h) CHECK(in.size() == rows);
      else CHECK(in.size() < rows);
    }
    // No row the whole output reads is missed. When the stride is longer than the
    // window, rows between windows are read by no one: the whole output's range
    // spans them but needs none, and neither do the tiles.
    std::vector<int> needed(std::size_t(in_h), 0);
    for (int r = 0; r < out_h; ++r)
      for (const int row : taps(w, r))
        if (row >= 0 && row < in_h) needed[std::size_t(row)] = 1;
    const bool gaps = s > span + 1;
    for (int r = whole.begin; r < whole.end; ++r) {
      INFO("input row " << r);
      if (needed[std::size_t(r)] || !gaps) CHECK(covered[std::size_t(r)] > 0);
    }
    for (int r = 0; r < in_h; ++r)
      if (needed[std::size_t(r)]) CHECK((r >= whole.begin && r < whole.end));
  }
  CHECK(windows > 1000);
}

/// resize_input_rows of an integer upscale with the mode's default coordinates.
static RowRange upscale_rows(int scale, ResizeMode mode, RowRange out, int in_h) {
  return resize_input_rows(ResizeAxis{mode, ResizeCoordinates::mode_default, NearestRounding::floor, double(scale), in_h, in_h * scale},
                           out);
}

TEST_CASE("resize_input_rows for nearest and bilinear upsampling", "[tiling]") {
  SECTION("nearest reads floor(r / scale)") {
    CHECK(upscale_rows(2, ResizeMode::nearest, {0, 4}, 4) == RowRange{0, 2});
    CHECK(upscale_rows(2, ResizeMode::nearest, {3, 5}, 4) == RowRange{1, 3});
    CHECK(upscale_rows(3, ResizeMode::nearest, {2, 7}, 4) == RowRange{0, 3});
    CHECK(upscale_rows(3, ResizeMode::nearest, {11, 12}, 4) == RowRange{3, 4});
    CHECK(upscale_rows(2, ResizeMode::nearest, {0, 8}, 4) == RowRange{0, 4});
  }
  SECTION("bilinear (half-pixel centres) reads the two rows around (r + 0.5) / scale - 0.5") {
    CHECK(upscale_rows(2, ResizeMode::bilinear, {0, 1}, 4) == RowRange{0, 1});  // samples -0.25: clamped
    CHECK(upscale_rows(2, ResizeMode::bilinear, {1, 2}, 4) == RowRange{0, 2});  // samples 0.25
    CHECK(upscale_rows(2, ResizeMode::bilinear, {2, 4}, 4) == RowRange{0, 3});  // samples 0.75, 1.25
    CHECK(upscale_rows(2, ResizeMode::bilinear, {7, 8}, 4) == RowRange{3, 4});  // samples 3.25: clamped
    CHECK(upscale_rows(2, ResizeMode::bilinear, {0, 8}, 4) == RowRange{0, 4});
    CHECK(upscale_rows(4, ResizeMode::bilinear, {5, 6}, 3) == RowRange{0, 2});  // samples 0.875
  }
  SECTION("tiles of the upsampled output together read every input row") {
    for (const ResizeMode mode : {ResizeMode::nearest, ResizeMode::bilinear})
      for (int scale = 1; scale <= 4; ++scale)
        for (int in_h = 1; in_h <= 9; ++in_h) {
          const int out_h = in_h * scale;
          CHECK(upscale_rows(scale, mode, {0, out_h}, in_h) == RowRange{0, in_h});
          for (int tiles = 1; tiles <= out_h; ++tiles) {
            std::vector<int> covered(std::size_t(in_h), 0);
            for (int t = 0; t < tiles; ++t) {
              const RowRange r = upscale_rows(scale, mode, tile_share(t, tiles, out_h), in_h);
              CHECK(r.begin >= 0);
              CHECK(r.end <= in_h);
              for (int row = r.begin; row < r.end; ++row) covered[std::size_t(row)] = 1;
            }
            CHECK(std::count(covered.begin(), covered.end(), 1) == in_h);
          }
        }
  }
}

TEST_CASE("tile_share splits the rows 0..H into contiguous near-equal shares", "[tiling][property]") {
  for (int height = 1; height <= 40; ++height)
    for (int tiles = 1; tiles <= height; ++tiles) {
      INFO("H " << height << ", " << tiles << " tiles");
      int next = 0, smallest = height, largest = 0;
      for (int t = 0; t < tiles; ++t) {
        const RowRange share = tile_share(t, tiles, height);
        CHECK(share.begin == next);  // contiguous and disjoint
        CHECK(!share.empty());
        smallest = std::min(smallest, share.size());
        largest = std::max(largest, share.size());
        next = share.end;
      }
      CHECK(next == height);  // covers everything
      CHECK(largest - smallest <= 1);
      CHECK(smallest == height / tiles);
    }
}

TEST_CASE("tile_share with more tiles than rows leaves some shares empty but still partitions", "[tiling]") {
  for (int height = 1; height <= 6; ++height)
    for (int tiles = height + 1; tiles <= 12; ++tiles) {
      int next = 0, filled = 0;
      for (int t = 0; t < tiles; ++t) {
        const RowRange share = tile_share(t, tiles, height);
        CHECK(share.begin == next);
        CHECK(share.size() <= 1);
        filled += share.size();
        next = std::max(next, share.end);
      }
      CHECK(filled == height);
      CHECK(next == height);
    }
}

TEST_CASE("hull covers both ranges and ignores empty ones", "[tiling]") {
  CHECK(hull({2, 5}, {4, 9}) == RowRange{2, 9});
  CHECK(hull({6, 9}, {0, 2}) == RowRange{0, 9});
  CHECK(hull({}, {3, 4}) == RowRange{3, 4});
  CHECK(hull({3, 4}, {7, 7}) == RowRange{3, 4});
}
