// Properties of the reference accelerator (accel/reference_accelerator.hpp) on
// small hand-built networks and on random ones.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pinfuse/accel/buffer_kinds.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/replay.hpp"
#include "support/imported_network.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;
using pinfuse::testing::conv_layer;
using pinfuse::testing::simple_layer;

namespace {

/// Owns what a GroupQuery points into.
struct Query {
  std::vector<std::size_t> layers;
  std::vector<BoundaryFm> inputs;
  std::vector<BoundaryFm> outputs;
  std::uint64_t available = 1u << 20;
  std::uint64_t alignment = 64;
  Objective objective = Objective::latency;
  GroupQuery view() const { return GroupQuery{layers, inputs, outputs, available, alignment, objective}; }
};

/// The group of positions [begin, end) of `p`, every boundary FM in DRAM.
Query group_query(const Problem& p, int begin, int end) {
  Query q;
  for (int pos = begin; pos < end; ++pos) q.layers.push_back(p.order[std::size_t(pos)]);
  const detail::GroupBoundary b = detail::group_boundary(p, begin, end);
  for (const int fm : b.inputs) q.inputs.push_back({p.fms[std::size_t(fm)].vertex, Residence::dram});
  for (const int fm : b.outputs) q.outputs.push_back({p.fms[std::size_t(fm)].vertex, Residence::dram});
  return q;
}

/// The whole chain in one group: input -> layers... -> output.
struct Chain {
  Network net;
  LayerId input = 0;
  std::vector<LayerId> layers;
  Query all() const {
    Query q;
    q.layers = layers;
    q.inputs = {{input, Residence::dram}};
    q.outputs = {{layers.back(), Residence::dram}};
    return q;
  }
};

Chain chain(Shape in, const std::vector<Layer>& layers) {
  Chain c;
  Layer input = simple_layer("in", LayerKind::input);
  input.output = in;
  c.input = add_layer(c.net, input);
  LayerId last = c.input;
  for (const Layer& l : layers) c.layers.push_back(last = add_layer(c.net, l, {last}));
  add_layer(c.net, simple_layer("out", LayerKind::output), {last});
  infer_shapes(c.net);
  return c;
}

Layer fc_layer(const std::string& name, int units) {
  Layer l = simple_layer(name, LayerKind::fc);
  l.filters = units;
  return l;
}

std::int64_t tiling(const GroupCost& c, const std::string& key) {
  const auto it = c.tiling.find(key);
  REQUIRE(it != c.tiling.end());
  return it->second;
}

/// `hw` with halo recompute only (no caching, §2a).
Hardware recompute_only(Hardware hw) {
  hw.halo_caching = false;
  return hw;
}

std::uint64_t sum_of(const std::vector<Buffer>& buffers) {
  std::uint64_t sum = 0;
  for (const Buffer& b : buffers) sum += b.bytes;
  return sum;
}

}  // namespace

TEST_CASE("a single 1x1 conv in one tile moves input, output and weights exactly once", "[accelerator]") {
  const Chain c = chain({8, 16, 16}, {conv_layer("pw", 32, 1, 1)});
  Hardware hw;
  hw.double_buffering = false;  // serialized: every extra tile only adds DMA setups, so one tile is best
  const ReferenceAccelerator accel(c.net, hw);
  const Query q = c.all();
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  CHECK(tiling(*cost, tiling_key::row_tiles) == 1);
  CHECK(tiling(*cost, tiling_key::channel_chunks) == 1);
  CHECK(cost->offchip.fm_read == fm_bytes(c.net, c.input));               // 8 * 16 * 16
  CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers[0]));          // 8 * 16 * 32
  CHECK(cost->offchip.weights == weight_bytes(c.net, c.layers[0]));       // 16 * 32 + 32
  CHECK(cost->offchip.weights == 16 * 32 + 32);
  CHECK(cost->recompute_macs == 0);
  // load: DMA(input) + DMA(weights); compute: ceil(8 rows * 8192 MACs / (1024 * 0.9)); store: DMA(output)
  const std::uint64_t expected = accel.dma_cycles(2048) + accel.dma_cycles(544) + 72 + accel.dma_cycles(4096);
  CHECK(cost->latency_cycles == expected);
  // One tile, no double buffering: input, output and weights each fit once.
  CHECK(cost->footprint() == 2048 + 4096 + 576);
}

TEST_CASE("a pointwise conv moves each FM byte once whatever the tiling", "[accelerator]") {
  const Chain c = chain({16, 16, 16}, {conv_layer("pw", 32, 1, 1)});
  const ReferenceAccelerator accel(c.net, Hardware{});
  Query q = c.all();
  for (const std::uint64_t available : {1u << 20, 40000u, 12000u, 6000u}) {
    q.available = available;
    INFO("available " << available);
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    CHECK(cost->offchip.fm_read == fm_bytes(c.net, c.input));
    CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers[0]));
    CHECK(cost->recompute_macs == 0);
  }
}

TEST_CASE("buffer names are the ones plan files carry (docs/plan-format.md)", "[accelerator]") {
  CHECK(buffer_name(BufferKind::weights, "conv3") == "weights");
  CHECK(buffer_name(BufferKind::tmp, "conv3") == "tmp:conv3");
  CHECK(buffer_name(BufferKind::in, "conv3") == "in:conv3");
  CHECK(buffer_name(BufferKind::out, "conv3") == "out:conv3");
}

TEST_CASE("pinned boundary FMs cost no FM traffic and no tile buffers", "[accelerator]") {
  const Chain c = chain({16, 16, 8}, {conv_layer("a", 16, 3, 1), conv_layer("b", 8, 1, 1)});
  const ReferenceAccelerator accel(c.net, Hardware{});
  Query q = c.all();
  const auto buffer_named = [](const GroupCost& cost, const std::string& name) {
    return std::any_of(cost.buffers.begin(), cost.buffers.end(), [&](const Buffer& b) { return b.name == name; });
  };
  SECTION("pinned input") {
    q.inputs[0].where = Residence::pinned;
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    CHECK(cost->offchip.fm_read == 0);
    CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers.back()));
    CHECK(!buffer_named(*cost, buffer_name(BufferKind::in, "in")));
    CHECK(buffer_named(*cost, buffer_name(BufferKind::out, "b")));
  }
  SECTION("pinned output") {
    q.outputs[0].where = Residence::pinned;
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    CHECK(cost->offchip.fm_read >= fm_bytes(c.net, c.input));
    CHECK(cost->offchip.fm_write == 0);
    CHECK(buffer_named(*cost, buffer_name(BufferKind::in, "in")));
    CHECK(!buffer_named(*cost, buffer_name(BufferKind::out, "b")));
  }
  SECTION("both pinned") {
    q.inputs[0].where = Residence::pinned;
    q.outputs[0].where = Residence::pinned;
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    CHECK(cost->offchip.fm() == 0);
    CHECK(cost->offchip.weights == weight_bytes(c.net, c.layers[0]) + weight_bytes(c.net, c.layers[1]));
  }
}

TEST_CASE("every cost fits the bytes available and its buffers are aligned", "[accelerator][property]") {
  std::mt19937 rng(7);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int answered = 0, refused = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const Network g = pinfuse::testing::random_network(rng, pick(2, 7), trial % 2 == 1);
    Hardware hw;
    hw.double_buffering = pick(0, 1) == 1;
    hw.fused_weights = static_cast<WeightPolicy>(pick(0, 2));
    const ReferenceAccelerator accel(g, hw);
    const Problem p = make_problem(g);
    for (int k = 0; k < 10; ++k) {
      const int begin = pick(0, int(p.size()) - 1);
      Query q = group_query(p, begin, pick(begin + 1, int(p.size())));
      for (BoundaryFm& b : q.inputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      for (BoundaryFm& b : q.outputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      q.alignment = std::uint64_t(1) << pick(0, 7);
      q.available = std::uint64_t(pick(0, 4000));
      q.objective = pick(0, 1) ? Objective::latency : Objective::offchip_bytes;
      INFO("trial " << trial << ", " << q.layers.size() << " layers from position " << begin << ", available "
                    << q.available << ", alignment " << q.alignment);
      const std::optional<GroupCost> cost = accel.evaluate(q.view());
      if (!cost) {
        ++refused;
        continue;
      }
      ++answered;
      CHECK(sum_of(cost->buffers) <= q.available);
      CHECK(cost->footprint() == sum_of(cost->buffers));
      for (const Buffer& b : cost->buffers) {
        INFO("buffer " << b.name);
        CHECK(b.bytes > 0);
        CHECK(b.bytes % q.alignment == 0);
      }
      // The traffic contract of the CostModel concept.
      std::uint64_t dram_out = 0;
      bool dram_in = false;
      for (const BoundaryFm& b : q.outputs)
        if (b.where == Residence::dram) dram_out += fm_bytes(g, b.vertex);
      for (const BoundaryFm& b : q.inputs) dram_in = dram_in || b.where == Residence::dram;
      CHECK(cost->offchip.fm_write == dram_out);
      CHECK((cost->offchip.fm_read > 0) == dram_in);  // these random networks' windows all reach their inputs
      if (tiling(*cost, tiling_key::row_tiles) == 1) CHECK(cost->recompute_macs == 0);
    }
  }
  CHECK(answered > 100);
  CHECK(refused > 10);
}

TEST_CASE("two fused 3x3 convs under a small budget tile and recompute the halo", "[accelerator]") {
  const Chain c = chain({32, 32, 8}, {conv_layer("a", 8, 3, 1), conv_layer("b", 8, 3, 1)});
  const ReferenceAccelerator accel(c.net, recompute_only(Hardware{}));
  Query q = c.all();
  q.available = 6144;  // one tile needs the whole 8 KiB input, intermediate and output
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  const int tiles = int(tiling(*cost, tiling_key::row_tiles));
  CHECK(tiles > 1);
  CHECK(cost->recompute_macs > 0);
  CHECK(cost->footprint() <= q.available);
  // Recompute re-derived from the tiling formulas: "a" computes the rows "b"'s share reads.
  long long computed = 0;
  for (int t = 0; t < tiles; ++t) computed += window_input_rows(c.net[c.layers[1]].rows, tile_share(t, tiles, 32), 32).size();
  CHECK(cost->recompute_macs == std::uint64_t(computed - 32) * macs_per_row(c.net, c.layers[0]));
  // Tiles of the input overlap too: more than the input is read.
  CHECK(cost->offchip.fm_read > fm_bytes(c.net, c.input));
}

namespace {
/// docs/reference-accelerator.md's worked example: two 3x3 convs (padding 1) on a 16x16x8 map.
Chain worked_example() {
  Layer c1 = conv_layer("c1", 8, 3, 1), c2 = conv_layer("c2", 8, 3, 1);
  c1.rows = c1.cols = c2.rows = c2.cols = Window1D{3, 1, 1, 1, 1, false};  // padding 1
  return chain({16, 16, 8}, {c1, c2});
}
/// Its group at 7000 available bytes, for the fewest bytes moved: two tiles, resident weights.
GroupCost two_tile_cost(const ReferenceAccelerator& accel, Query& q) {
  q.available = 7000;
  q.objective = Objective::offchip_bytes;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  REQUIRE(tiling(*cost, tiling_key::row_tiles) == 2);
  REQUIRE(tiling(*cost, tiling_key::weights_streamed) == 0);
  return *cost;
}
}  // namespace

TEST_CASE("docs/reference-accelerator.md's worked example: two 3x3 convs in two tiles", "[accelerator]") {
  const Chain c = worked_example();
  const ReferenceAccelerator accel(c.net, recompute_only(Hardware{}));
  Query q = c.all();
  // One tile needs 7360 B (3 x 2048 + 1216 of weights), two tiles 6976 B; fewest bytes moved picks two.
  const GroupCost cost = two_tile_cost(accel, q);
  CHECK(cost.recompute_macs == 18432);  // c1 computes rows [0, 9) and [7, 16): 2 rows twice
  CHECK(cost.offchip.fm_read == 2560);  // input rows [0, 10) and [6, 16) of 128 B
  CHECK(cost.offchip.fm_write == 2048);
  CHECK(cost.footprint() == 6976);
  CHECK(tiling(cost, tiling_key::halo_cached) == 0);
  CHECK(tiling(cost, tiling_key::cache_bytes) == 0);
}

TEST_CASE("docs/reference-accelerator.md's worked example cached: c1 computes 16 rows, 2 of them kept", "[accelerator][halo]") {
  // §2a: c1 holds [0, 9) and [7, 16); rows [7, 9), (3 - 1) * 1 + 1 - 1 = 2 rows
  // of 128 B, stay in its 9-row ring, so it computes [0, 9) and [9, 16).
  const Chain c = worked_example();
  const ReferenceAccelerator accel(c.net, Hardware{});
  Query q = c.all();
  const GroupCost cost = two_tile_cost(accel, q);
  CHECK(tiling(cost, tiling_key::halo_cached) == 1);
  CHECK(tiling(cost, tiling_key::cache_bytes) == 2 * 128);
  CHECK(cost.recompute_macs == 0);
  CHECK(cost.offchip.fm_read == 2304);  // input rows [0, 10) and, for c1's rows [9, 16), [8, 16)
  CHECK(cost.offchip.fm_write == 2048);
  CHECK(cost.footprint() == 6976);      // tmp:c1 is the 9-row ring, as recompute's tile buffer
  const std::optional<GroupCost> recomputed = ReferenceAccelerator(c.net, recompute_only(Hardware{})).evaluate(q.view());
  REQUIRE(recomputed);
  CHECK(cost.latency_cycles < recomputed->latency_cycles);  // c1's 2 rows fewer in tile 1
}

namespace {
/// The rows layer l writes to its own FM over a group's commands, as a count per row.
std::vector<int> rows_written(const std::vector<Command>& commands, LayerId l, int height, std::uint64_t row_bytes) {
  std::vector<int> count(std::size_t(height), 0);
  for (const Command& c : commands)
    if (c.kind == CommandKind::compute && c.layer == l)
      for (const Region& w : c.writes) {
        if (w.tensor != TensorRef{TensorKind::fm, l}) continue;
        for (std::uint64_t row = w.offset / row_bytes; row < (w.offset + w.bytes()) / row_bytes; ++row) ++count[row];
      }
  return count;
}

/// The commands of `cost`, its buffers packed from SPM byte 0 on, boundary FMs in DRAM.
std::vector<Command> packed_commands(const ReferenceAccelerator& accel, const Query& q, const GroupCost& cost) {
  std::vector<std::uint64_t> at;
  std::uint64_t next = 0;
  for (const Buffer& b : cost.buffers) {
    at.push_back(next);
    next += b.bytes;
  }
  const std::vector<std::uint64_t> inputs(q.inputs.size(), 0), outputs(q.outputs.size(), 0);
  return accel.commands(q.view(), cost, {at, inputs, outputs});
}
}  // namespace

TEST_CASE("cached and recomputed tiles compute the same rows, cached ones each row once", "[accelerator][halo][property]") {
  // Random chains of windows whose reads leave no row out (stride <= kernel, and
  // dilation only at stride 1): brute force, row by row from the output back,
  // gives the rows each layer must compute; every tiling must compute all of
  // them and no others, and with caching none twice.
  std::mt19937 rng(17);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int cached = 0, recomputed = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<Layer> layers;
    const int n = pick(2, 4), in_height = pick(12, 40);
    for (int k = 0, height = in_height; k < n; ++k) {
      const int kernel = 2 * pick(0, 2) + 1, stride = std::min(pick(1, 2), kernel), dilation = stride == 1 ? pick(1, 2) : 1;
      Window1D w{kernel, stride, dilation, pick(0, kernel / 2), pick(0, kernel / 2), false};
      // At least 2 output rows, so that a dilated reader leaves no row of its input out.
      if ((height + w.pad_before + w.pad_after - (kernel - 1) * dilation - 1) / stride + 1 < 2) w = Window1D{};
      height = (height + w.pad_before + w.pad_after - (w.kernel - 1) * w.dilation - 1) / w.stride + 1;
      Layer l = conv_layer("c" + std::to_string(k), 4, w.kernel, w.stride);
      l.rows = w;
      l.cols = Window1D{};  // k x 1: the width stays
      layers.push_back(l);
    }
    const Chain c = chain({in_height, 6, 4}, layers);
    // The rows each layer must compute: all of the last one's, then what its reader reads.
    const ReferenceAccelerator windows(c.net, Hardware{});
    std::vector<std::vector<char>> must(layers.size());
    for (std::size_t i = layers.size(); i-- > 0;) {
      must[i].assign(std::size_t(c.net[c.layers[i]].output.h), i + 1 == layers.size());
      if (i + 1 == layers.size()) continue;
      for (int r = 0; r < c.net[c.layers[i + 1]].output.h; ++r)
        if (must[i + 1][std::size_t(r)]) {
          const RowRange in = windows.input_rows(c.layers[i + 1], 0, {r, r + 1});
          for (int row = in.begin; row < in.end; ++row) must[i][std::size_t(row)] = 1;
        }
    }
    for (const bool caching : {true, false}) {
      Hardware hw;
      hw.halo_caching = caching;
      const ReferenceAccelerator accel(c.net, hw);
      Query q = c.all();
      q.objective = Objective::offchip_bytes;
      for (q.available = 1u << 16; q.available >= 256; q.available = q.available * 2 / 3) {
        const std::optional<GroupCost> cost = accel.evaluate(q.view());
        if (!cost || tiling(*cost, tiling_key::row_tiles) == 1) continue;
        INFO("trial " << trial << ", " << tiling(*cost, tiling_key::row_tiles) << " tiles, available " << q.available);
        const bool halo_cached = tiling(*cost, tiling_key::halo_cached) != 0;
        CHECK((!halo_cached || caching));
        (halo_cached ? cached : recomputed) += 1;
        const std::vector<Command> commands = packed_commands(accel, q, *cost);
        for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
          const Shape out = c.net[c.layers[i]].output;
          const std::vector<int> count = rows_written(commands, c.layers[i], out.h, std::uint64_t(out.w) * std::uint64_t(out.c));
          for (int r = 0; r < out.h; ++r) {
            INFO("layer " << i << " row " << r);
            CHECK((count[std::size_t(r)] > 0) == (must[i][std::size_t(r)] != 0));
            if (halo_cached) CHECK(count[std::size_t(r)] <= 1);
          }
        }
        if (halo_cached) CHECK(cost->recompute_macs == 0);
      }
    }
  }
  CHECK(cached > 20);
  CHECK(recomputed > 20);
}

TEST_CASE("two fused 1x1 convs tile without recompute", "[accelerator]") {
  const Chain c = chain({32, 32, 8}, {conv_layer("a", 8, 1, 1), conv_layer("b", 8, 1, 1)});
  const ReferenceAccelerator accel(c.net, Hardware{});
  Query q = c.all();
  q.available = 6144;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  CHECK(tiling(*cost, tiling_key::row_tiles) > 1);
  CHECK(cost->recompute_macs == 0);
  CHECK(cost->offchip.fm_read == fm_bytes(c.net, c.input));
  CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers.back()));
}

TEST_CASE("recompute grows with the number of tiles a budget forces", "[accelerator]") {
  const Chain c = chain({32, 32, 8}, {conv_layer("a", 8, 3, 1), conv_layer("b", 8, 3, 1), conv_layer("c", 8, 3, 1)});
  const ReferenceAccelerator accel(c.net, recompute_only(Hardware{}));
  Query q = c.all();
  std::uint64_t previous_recompute = 0;
  int previous_tiles = 1;
  std::vector<int> seen;
  for (const std::uint64_t available : {60000u, 20000u, 12000u, 8000u}) {
    q.available = available;
    q.objective = Objective::offchip_bytes;  // fewest tiles that fit
    INFO("available " << available);
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    const int tiles = int(tiling(*cost, tiling_key::row_tiles));
    CHECK(tiles >= previous_tiles);
    if (tiles > previous_tiles) CHECK(cost->recompute_macs > previous_recompute);
    if (tiles == 1) CHECK(cost->recompute_macs == 0);
    previous_tiles = tiles;
    previous_recompute = cost->recompute_macs;
    seen.push_back(tiles);
  }
  CHECK(seen.front() == 1);  // the largest budget holds the whole group
  CHECK(seen.back() > 4);
}

TEST_CASE("serialized DMA is never faster than double buffering when memory does not bind", "[accelerator][property]") {
  std::mt19937 rng(11);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 100; ++trial) {
    const Network g = pinfuse::testing::random_network(rng, pick(2, 7), trial % 2 == 1);
    Hardware overlapped;
    overlapped.fused_weights = static_cast<WeightPolicy>(pick(0, 2));
    overlapped.dma_setup_cycles = std::uint64_t(pick(0, 100));
    overlapped.dram_bytes_per_cycle = pick(1, 32);
    overlapped.macs_per_cycle = pick(1, 256);
    Hardware serialized = overlapped;
    serialized.double_buffering = false;
    const ReferenceAccelerator fast(g, overlapped), slow(g, serialized);
    const Problem p = make_problem(g);
    for (int k = 0; k < 8; ++k) {
      const int begin = pick(0, int(p.size()) - 1);
      Query q = group_query(p, begin, pick(begin + 1, int(p.size())));
      for (BoundaryFm& b : q.inputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      for (BoundaryFm& b : q.outputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      q.available = std::uint64_t(1) << 30;
      q.objective = Objective::latency;
      INFO("trial " << trial << ", " << q.layers.size() << " layers from position " << begin);
      const std::optional<GroupCost> a = fast.evaluate(q.view()), b = slow.evaluate(q.view());
      REQUIRE(a);
      REQUIRE(b);
      CHECK(b->latency_cycles >= a->latency_cycles);
    }
  }
}

TEST_CASE("too few bytes available means no cost", "[accelerator]") {
  const Chain c = chain({32, 32, 8}, {conv_layer("a", 8, 3, 1), conv_layer("b", 8, 3, 1)});
  const ReferenceAccelerator accel(c.net, Hardware{});
  Query q = c.all();
  for (const std::uint64_t available : {0u, 64u, 1024u}) {
    q.available = available;
    INFO("available " << available);
    CHECK_FALSE(accel.evaluate(q.view()));
  }
  // Even with every FM pinned, the weights need room.
  q.inputs[0].where = q.outputs[0].where = Residence::pinned;
  q.available = 64;
  CHECK_FALSE(accel.evaluate(q.view()));
}

TEST_CASE("an fc layer whose weights exceed the SPM left runs in output-channel chunks", "[accelerator]") {
  const Chain c = chain({1, 1, 1024}, {fc_layer("fc", 1000)});
  const std::uint64_t weights = weight_bytes(c.net, c.layers[0]);
  REQUIRE(weights == 1024 * 1000 + 1000);
  for (const bool double_buffering : {true, false}) {
    Hardware hw;
    hw.double_buffering = double_buffering;
    const ReferenceAccelerator accel(c.net, hw);
    Query q = c.all();
    q.available = 256 * 1024;
    INFO("double buffering " << double_buffering);
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    CHECK(tiling(*cost, tiling_key::channel_chunks) > 1);
    CHECK(cost->footprint() <= q.available);
    CHECK(cost->offchip.weights == weights);  // each weight still read once
    CHECK(cost->offchip.fm_read == fm_bytes(c.net, c.input));  // the single input tile stays
    CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers[0]));
  }
}

namespace {

/// §5c and §6 spelled out over all c x T steps of one 1x1 stride-1 conv or fc,
/// input and output in DRAM, run in `tiles` row tiles and `chunks` output-channel chunks,
/// chunk-outer or input-stationary (tile-outer: a tile's input once, each chunk's weights per tile) [cyc].
std::uint64_t chunked_latency(const ReferenceAccelerator& accel, const Chain& c, int tiles, int chunks, bool overlap,
                              bool input_stationary) {
  const LayerId l = c.layers[0];
  const Layer& layer = c.net[l];
  const std::uint64_t channels = std::uint64_t(layer.output.c), per_chunk = (channels + chunks - 1) / chunks;
  const std::uint64_t in_row = fm_bytes(c.net, c.input) / std::uint64_t(c.net[c.input].output.h);    // [B/row]
  const std::uint64_t out_row = fm_bytes(c.net, l) / std::uint64_t(layer.output.h);                   // [B/row]
  const std::uint64_t channel_weights = weight_bytes(c.net, l) / channels;                            // [B/channel]
  const Hardware& hw = accel.hardware();
  const double util = layer.kind == LayerKind::fc ? hw.fc_utilization : hw.conv_utilization;
  const double cycles_per_row = double(macs_per_row(c.net, l)) / (hw.macs_per_cycle * util);  // [cyc/row]
  struct Step {
    std::uint64_t load, compute, store;
  };
  std::vector<Step> steps;
  const auto step = [&](std::uint64_t j, int t) {
    const std::uint64_t share = std::min(per_chunk, channels - j * per_chunk);  // C_j
    const std::uint64_t rows = std::uint64_t(tile_share(t, tiles, layer.output.h).size());
    const std::uint64_t compute = std::uint64_t(std::ceil(double(rows) * cycles_per_row));
    const bool input = input_stationary ? j == 0 : tiles > 1 || j == 0;  // the tile's input rows
    const bool weights = input_stationary || t == 0;                     // the chunk's weights
    steps.push_back({(input ? accel.dma_cycles(rows * in_row) : 0) + (weights ? accel.dma_cycles(share * channel_weights) : 0),
                     (compute * share + channels - 1) / channels, accel.dma_cycles(rows * out_row / channels * share)});
  };
  if (input_stationary)
    for (int t = 0; t < tiles; ++t)
      for (std::uint64_t j = 0; j < std::uint64_t(chunks); ++j) step(j, t);
  else
    for (std::uint64_t j = 0; j < std::uint64_t(chunks); ++j)
      for (int t = 0; t < tiles; ++t) step(j, t);
  std::uint64_t latency = overlap ? steps.front().load + steps.back().store : 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::uint64_t dma = (i + 1 < steps.size() ? steps[i + 1].load : 0) + (i > 0 ? steps[i - 1].store : 0);
    latency += overlap ? std::max(steps[i].compute, dma) : steps[i].load + steps[i].compute + steps[i].store;
  }
  return latency;
}

}  // namespace

TEST_CASE("a conv or fc in channel chunks costs the pipeline of all its chunk-tile steps", "[accelerator]") {
  const Chain conv = chain({32, 8, 256}, {conv_layer("pw", 512, 1, 1)});
  const Chain fc = chain({1, 1, 1024}, {fc_layer("fc", 1000)});
  int one_tile = 0, several_tiles = 0, stationary = 0;  // answers with at least 4 chunks
  for (const Chain* c : {&conv, &fc})
    for (const bool double_buffering : {true, false}) {
      Hardware hw;
      hw.double_buffering = double_buffering;
      const ReferenceAccelerator accel(c->net, hw);
      Query q = c->all();
      for (double available = 4096; available < 512 * 1024; available *= 1.1) {
        q.available = std::uint64_t(available);
        const std::optional<GroupCost> cost = accel.evaluate(q.view());
        if (!cost || tiling(*cost, tiling_key::channel_chunks) == 1) continue;
        const int tiles = int(tiling(*cost, tiling_key::row_tiles)), chunks = int(tiling(*cost, tiling_key::channel_chunks));
        const bool input_stationary = tiling(*cost, tiling_key::input_stationary) != 0;
        INFO(c->net[c->layers[0]].name << ", available " << q.available << ", " << tiles << " tiles, " << chunks << " chunks"
                                       << (input_stationary ? ", input-stationary" : ""));
        CHECK(cost->latency_cycles ==
              chunked_latency(accel, *c, tiles, chunks, tiling(*cost, tiling_key::double_buffered) != 0, input_stationary));
        (tiles == 1 ? one_tile : several_tiles) += chunks >= 4;
        stationary += input_stationary && chunks >= 4;
      }
    }
  CHECK(one_tile > 0);
  CHECK(several_tiles > 0);
  CHECK(stationary > 0);
}

namespace {

/// The single layer of `c`, asked with `spm_bytes` available, runs in channel chunks that load only
/// their own channels of the input (sliced, §5c): each FM byte and weight moves once. Every
/// strategy's plan at the default 1 MiB validates and replays. Returns the chunk count.
std::int64_t check_sliced_chunks(const Chain& c, std::uint64_t spm_bytes) {
  Hardware hw;
  hw.spm_bytes = spm_bytes;
  const ReferenceAccelerator accel(c.net, hw);
  Query q = c.all();
  q.available = hw.spm_bytes;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  CHECK(tiling(*cost, tiling_key::channel_chunks) > 1);
  CHECK(cost->footprint() <= q.available);
  CHECK(cost->offchip.fm_read == fm_bytes(c.net, c.input));  // each input byte once: chunks load their channels
  CHECK(cost->offchip.fm_write == fm_bytes(c.net, c.layers[0]));
  CHECK(cost->offchip.weights == weight_bytes(c.net, c.layers[0]));
  pinfuse::testing::check_round_trip_and_solve(c.net);
  return tiling(*cost, tiling_key::channel_chunks);
}

}  // namespace

TEST_CASE("a depthwise conv whose input rows cannot shrink runs in chunks of input and output channels", "[accelerator]") {
  // PP-OCRv3's recognizer at fp32: a 5x5 depthwise conv, stride (1, 2), on a 3-row map. Every
  // output row reads all 3 input rows (983,040 B), which with an output row leave no room in
  // 1 MiB; chunks of channels hold only their channels of both.
  Layer dw = conv_layer("dw", 512, 5, 1, 512);
  dw.cols.stride = 2;
  dw.rows.same = dw.cols.same = false;
  dw.rows.pad_before = dw.rows.pad_after = dw.cols.pad_before = dw.cols.pad_after = 2;
  Chain c = chain({3, 160, 512}, {dw});
  c.net[boost::graph_bundle].dtype_bytes = 4;
  REQUIRE(c.net[c.layers[0]].output == Shape{3, 80, 512});
  check_sliced_chunks(c, Hardware{}.spm_bytes);
}

TEST_CASE("a grouped conv runs in chunks of whole groups, each with its own input channels", "[accelerator]") {
  // ResNeXt-50's layer4.0 conv2 at fp32: 3x3, stride 2, 32 groups of 32 channels on 14x14x1024. Its weights
  // (1.18 MB) fit neither 512 KiB nor 1 MiB whole; chunks of groups hold their filters, input and output channels.
  Chain c = chain({14, 14, 1024}, {conv_layer("g", 1024, 3, 2, 32)});
  c.net[boost::graph_bundle].dtype_bytes = 4;
  CHECK(check_sliced_chunks(c, 512 << 10) <= 32);  // chunks of whole groups
}

TEST_CASE("an activation or an add whose rows do not fit whole runs in chunks of channels", "[accelerator]") {
  // FCN-ResNet50's dilated last stage at fp32: 28x28 maps of 2048 channels, 229,376 B a row. A layer
  // reading one such row and writing one needs 448 KiB in whole rows, beyond 256 KiB; chunks of
  // channels hold their channels of both. (Before, torchvision's FCN-ResNet50 had no plan at 512 KiB.)
  Layer relu = simple_layer("relu", LayerKind::activation);
  relu.activation = Activation::relu;
  Chain c = chain({28, 28, 2048}, {relu});
  c.net[boost::graph_bundle].dtype_bytes = 4;
  check_sliced_chunks(c, 256 << 10);

  // An add of two such maps: each chunk loads its channels of both inputs.
  Network net;
  Layer input = simple_layer("in", LayerKind::input);
  input.output = {28, 28, 2048};
  const LayerId in = add_layer(net, input);
  const LayerId a = add_layer(net, conv_layer("a", 2048, 1, 1, 2048), {in});
  const LayerId b = add_layer(net, conv_layer("b", 2048, 1, 1, 2048), {in});
  const LayerId sum = add_layer(net, simple_layer("sum", LayerKind::add), {a, b});
  add_layer(net, simple_layer("out", LayerKind::output), {sum});
  net[boost::graph_bundle].dtype_bytes = 4;
  infer_shapes(net);
  Hardware hw;
  hw.spm_bytes = 256 << 10;
  const ReferenceAccelerator accel(net, hw);
  Query q;
  q.layers = {sum};
  q.inputs = {{a, Residence::dram}, {b, Residence::dram}};
  q.outputs = {{sum, Residence::dram}};
  q.available = hw.spm_bytes;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  CHECK(tiling(*cost, tiling_key::channel_chunks) > 1);
  CHECK(cost->footprint() <= q.available);
  CHECK(cost->offchip.fm_read == fm_bytes(net, a) + fm_bytes(net, b));  // each input byte once
  CHECK(cost->offchip.fm_write == fm_bytes(net, sum));
  CHECK(cost->offchip.weights == 0);
  pinfuse::testing::check_round_trip_and_solve(net);
  const Scratchpad spm = scratchpad_of(hw);  // and at 256 KiB, every layer in chunks, each plan replayed
  for (const Plan& plan : {solve_joint(net, accel, spm), solve_layerwise(net, accel, spm)}) {
    INFO(plan.strategy);
    CHECK(validate_plan(net, plan, accel, spm).ok());
    CHECK(replay_program(net, plan, build_program(net, plan, accel, spm), spm).ok());
  }
}

TEST_CASE("batched queries answer like single ones, deterministically", "[accelerator]") {
  std::mt19937 rng(3);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 40; ++trial) {
    const Network g = pinfuse::testing::random_network(rng, pick(2, 6), true);
    const ReferenceAccelerator accel(g, Hardware{});
    const Problem p = make_problem(g);
    const int begin = pick(0, int(p.size()) - 1);
    const Query base = group_query(p, begin, pick(begin + 1, int(p.size())));
    std::vector<Query> variants;
    for (int k = 0; k < 6; ++k) {
      Query q = base;
      for (BoundaryFm& b : q.inputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      for (BoundaryFm& b : q.outputs) b.where = pick(0, 1) ? Residence::pinned : Residence::dram;
      q.available = std::uint64_t(pick(0, 6000));
      variants.push_back(q);
    }
    std::vector<GroupQuery> views;
    for (const Query& q : variants) views.push_back(q.view());
    const std::vector<std::optional<GroupCost>> batch = accel.evaluate_batch(views);
    REQUIRE(batch.size() == views.size());
    for (std::size_t k = 0; k < views.size(); ++k) {
      INFO("trial " << trial << ", variant " << k);
      CHECK(batch[k] == accel.evaluate(views[k]));
      CHECK(accel.evaluate(views[k]) == accel.evaluate(views[k]));
    }
  }
}

TEST_CASE("a concat fused with its producers is written in place", "[accelerator][concat]") {
  // squeeze -> {expand1x1, expand3x3} -> concat: a SqueezeNet fire module.
  Network net;
  Layer input = simple_layer("in", LayerKind::input);
  input.output = {28, 28, 64};
  const LayerId in = add_layer(net, input);
  const LayerId squeeze = add_layer(net, conv_layer("squeeze", 16, 1, 1), {in});
  const LayerId e1 = add_layer(net, conv_layer("expand1x1", 64, 1, 1), {squeeze});
  const LayerId e3 = add_layer(net, conv_layer("expand3x3", 64, 3, 1), {squeeze});
  const LayerId concat = add_layer(net, simple_layer("concat", LayerKind::concat), {e1, e3});
  add_layer(net, simple_layer("out", LayerKind::output), {concat});
  infer_shapes(net);
  const ReferenceAccelerator accel(net, Hardware{});
  const auto names = [&](const GroupCost& c) {
    std::vector<std::string> n;
    for (const Buffer& b : c.buffers) n.push_back(b.name);
    return n;
  };
  Query fused;
  fused.layers = {squeeze, e1, e3, concat};
  fused.inputs = {{in, Residence::dram}};
  fused.outputs = {{concat, Residence::dram}};
  const std::optional<GroupCost> in_place = accel.evaluate(fused.view());
  REQUIRE(in_place);
  // The expands write into the concat's out buffer: no buffers of their own.
  CHECK(names(*in_place) == std::vector<std::string>{buffer_name(BufferKind::weights, ""), buffer_name(BufferKind::tmp, "squeeze"),
                                                   buffer_name(BufferKind::in, "in"), buffer_name(BufferKind::out, "concat")});

  // When expand1x1 is also needed after the group it keeps its own buffer, and
  // the concat copies: more SPM and more cycles than in place.
  Query copied = fused;
  copied.outputs = {{e1, Residence::dram}, {concat, Residence::dram}};
  const std::optional<GroupCost> copy = accel.evaluate(copied.view());
  REQUIRE(copy);
  const std::vector<std::string> copy_names = names(*copy);
  CHECK(std::count(copy_names.begin(), copy_names.end(), "tmp:expand1x1") == 1);
  CHECK(std::count(copy_names.begin(), copy_names.end(), "tmp:expand3x3") == 1);
}

namespace {

/// Energy constants that tell the five terms apart, one fractional to check the rounding up.
Hardware energy_hardware() {
  Hardware hw;
  hw.dram_pj_per_byte = 100;
  hw.spm_read_pj_per_byte = 10;
  hw.spm_write_pj_per_byte = 20;
  hw.mac_pj = 0.3;
  hw.vector_op_pj = 0.25;
  return hw;
}

}  // namespace

TEST_CASE("energy of the worked example, term by term", "[accelerator][energy]") {
  // The worked example above (docs/reference-accelerator.md §2): int8 16x16x8
  // input, c1 and c2 3x3 convs with 8 filters, padding 1, fused, T = 2, weights
  // resident. Rows are 128 B; Wt = 584 B per conv; macs_row = 16*8*8*9 = 9216.
  //   tile 0: input [0,10) loaded, c1 computes [0,9), c2 [0,8)
  //   tile 1: input [6,16) loaded, c1 computes [7,16), c2 [8,16)
  // Traffic: fm_read 2560, fm_write 2048, weights 1168: 5776 B.
  //   dram      = 5776 B * 100 pJ/B                                   = 577600 pJ
  // SPM reads: DMA out 2048; c1 reads 10 + 10 input rows (2560), c2 reads c1's
  // rows [0,9) and [7,16) (2304); each tile reads both convs' weights (2 * 1168):
  //   spm_read  = (2048 + 2560 + 2304 + 2336) B * 10 pJ/B = 9248 * 10    = 92480 pJ
  // SPM writes: DMA in 2560 + 1168; c1 writes 18 rows (2304), c2 16 rows (2048):
  //   spm_write = (3728 + 4352) B * 20 pJ/B = 8080 * 20                = 161600 pJ
  // MACs: (18 + 16) rows * 9216 = 313344 (recompute 18432 included):
  //   mac       = ceil(313344 * 0.3 pJ) = ceil(94003.2)                = 94004 pJ
  //   vector    = 0 (no vector layer)
  const Chain c = worked_example();
  const ReferenceAccelerator accel(c.net, recompute_only(energy_hardware()));
  Query q = c.all();
  const GroupCost cost = two_tile_cost(accel, q);
  CHECK(cost.energy.dram == 577600);
  CHECK(cost.energy.spm_read == 92480);
  CHECK(cost.energy.spm_write == 161600);
  CHECK(cost.energy.mac == 94004);
  CHECK(cost.energy.vector == 0);
  CHECK(cost.energy.total() == 577600 + 92480 + 161600 + 94004);

  SECTION("a pinned input: no DRAM read, no DMA write, the compute still reads it") {
    // Without the input's tile buffers, T = 1 takes 1216 + 2048 + 2048 = 5312 B
    // and T = 2 takes 1216 + 1152 + 2 * 1024 = 4416 B: 5000 B forces T >= 2.
    q.inputs[0].where = Residence::pinned;
    q.available = 5000;
    const std::optional<GroupCost> pinned = accel.evaluate(q.view());
    REQUIRE(pinned);
    REQUIRE(tiling(*pinned, tiling_key::row_tiles) == 2);
    CHECK(pinned->energy.dram == (2048 + 1168) * 100);
    CHECK(pinned->energy.spm_read == 92480);
    CHECK(pinned->energy.spm_write == (1168 + 4352) * 20);
    CHECK(pinned->energy.mac == 94004);
  }
}

TEST_CASE("energy of a vector layer: its element ops, and the same bytes whatever the tiling", "[accelerator][energy]") {
  // One relu6 activation over an int8 8x8x4 input: rows of 32 B, 2 ops per
  // element, 8 rows * 8*4*2 = 512 ops. It reads its input rows once (no halo)
  // and writes its output once, at any T:
  //   dram      = (256 + 256) B * 100 pJ/B               = 51200 pJ
  //   spm_read  = (256 DMA out + 256 compute) B * 10      = 5120 pJ
  //   spm_write = (256 DMA in + 256 compute) B * 20       = 10240 pJ
  //   mac       = 0
  //   vector    = 512 ops * 0.25 pJ                       = 128 pJ
  Layer relu6 = simple_layer("act", LayerKind::activation);
  relu6.activation = Activation::relu6;
  const Chain c = chain({8, 8, 4}, {relu6});
  const ReferenceAccelerator accel(c.net, energy_hardware());
  for (const std::uint64_t available : {std::uint64_t{1} << 20, std::uint64_t{256}}) {
    Query q = c.all();
    q.available = available;
    const std::optional<GroupCost> cost = accel.evaluate(q.view());
    REQUIRE(cost);
    INFO("row_tiles " << tiling(*cost, tiling_key::row_tiles));
    CHECK(cost->energy == EnergyPj{51200, 5120, 10240, 0, 128});
  }
}

TEST_CASE("energy of a global pool that accumulates over row tiles: its work once, its partial sums per tile",
          "[accelerator][energy]") {
  // A global average pool over an int8 4x4x2 input (rows of 8 B): output 1x1x2
  // (2 B), 2 * 4 * 4 = 32 vector ops. With 17 B available (alignment 1) only
  // T = 4, single-buffered, fits (8 B input tile + 2 B partial sums; T = 2 and
  // double buffering need 18 B), so each tile folds one input row in:
  //   dram      = (32 DMA in + 2 DMA out) B * 100                 = 3400 pJ
  //   spm_read  = (2 DMA out + 4 * 8 compute reads) B * 10        = 340 pJ
  //   spm_write = (32 DMA in + 4 * 2 partial sums) B * 20         = 800 pJ
  //   vector    = 32 ops * 0.25 pJ                                = 8 pJ
  Layer pool = simple_layer("gap", LayerKind::pool);
  pool.global_pool = true;
  const Chain c = chain({4, 4, 2}, {pool});
  const ReferenceAccelerator accel(c.net, energy_hardware());
  Query q = c.all();
  q.alignment = 1;
  q.available = 17;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  REQUIRE(tiling(*cost, tiling_key::row_tiles) == 4);
  REQUIRE(tiling(*cost, tiling_key::double_buffered) == 0);
  CHECK(cost->energy == EnergyPj{3400, 340, 800, 0, 8});
}

TEST_CASE("energy of an fc in output-channel chunks: each chunk re-reads the input", "[accelerator][energy]") {
  // An fc of 1000 units over an int8 1x1x1024 input: weights 1024 * 1000 + 1000
  // bias = 1025000 B, 1024000 MACs, output 1000 B. In 256 KiB it runs in c > 1
  // chunks of one tile (T = 1); it accumulates (§2), so it writes its 1000 B of
  // partial sums once, and every chunk reads the 1024 B input tile:
  //   dram      = (1024 + 1000 + 1025000) B * 100 = 1027024 * 100           = 102702400 pJ
  //   spm_read  = (1000 DMA out + c * 1024 input + 1025000 weights) B * 10   = (1026000 + 1024 c) * 10 pJ
  //   spm_write = (1024 + 1025000 DMA in + 1000 partial sums) B * 20         = 20540480 pJ
  //   mac       = 1024000 * 0.3 pJ                                           = 307200 pJ
  const Chain c = chain({1, 1, 1024}, {fc_layer("fc", 1000)});
  const ReferenceAccelerator accel(c.net, energy_hardware());
  Query q = c.all();
  q.available = 256 * 1024;
  const std::optional<GroupCost> cost = accel.evaluate(q.view());
  REQUIRE(cost);
  REQUIRE(tiling(*cost, tiling_key::row_tiles) == 1);
  const std::uint64_t chunks = std::uint64_t(tiling(*cost, tiling_key::channel_chunks));
  REQUIRE(chunks > 1);
  CHECK(cost->energy == EnergyPj{102702400, (1026000 + 1024 * chunks) * 10, 20540480, 307200, 0});
}

TEST_CASE("the energy objective picks the least-energy way to run a group, ties by latency", "[accelerator][energy]") {
  std::mt19937 rng(77);
  for (int trial = 0; trial < 40; ++trial) {
    const Network g = pinfuse::testing::random_network(rng, 4, trial % 2 == 1);
    const Hardware hw = pinfuse::testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Problem p = make_problem(g);
    const int n = int(p.size());
    for (int begin = 0; begin < n; ++begin)
      for (int end = begin + 1; end <= n; ++end) {
        Query q = group_query(p, begin, end);
        q.available = hw.spm_bytes;
        q.alignment = hw.spm_alignment;
        q.objective = Objective::latency;
        const std::optional<GroupCost> fast = accel.evaluate(q.view());
        q.objective = Objective::energy;
        const std::optional<GroupCost> frugal = accel.evaluate(q.view());
        REQUIRE(bool(fast) == bool(frugal));
        if (!fast) continue;
        INFO("trial " << trial << ", group [" << begin << ", " << end << ")");
        CHECK(frugal->energy.total() <= fast->energy.total());
        if (frugal->energy.total() == fast->energy.total()) CHECK(frugal->latency_cycles <= fast->latency_cycles);
        else CHECK(frugal->latency_cycles >= fast->latency_cycles);
      }
  }
}
