// pad, depth_to_space, space_to_depth, resize to any size and the activations'
// vector cost: shapes, counts, the rows each output row range reads (against a
// row-by-row reference), and plans of models using them that are exact (brute
// force), validate and replay byte-exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/brute_force.hpp"
#include "support/program_checks.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;

namespace {

Network load(const std::string& layers) {
  return read_model(nlohmann::json::parse(R"({"format": "pinfuse-model", "version": 1, "name": "kinds", "layers": [)" + layers +
                                          "]}"));
}

/// ONNX's Resize, written from the operator's definition (onnx/reference/ops/op_resize.py), one output
/// row at a time: the input rows output row r reads. `scale` is the given scale, or 0 for sizes (then
/// scale = out / in). Bilinear reads floor(x) and floor(x) + 1, clamped into the input.
std::set<int> onnx_rows(ResizeMode mode, ResizeCoordinates c, NearestRounding rounding, double scale, int in, int out, int r) {
  const long double s = scale > 0 ? (long double)scale : (long double)out / (long double)in;
  long double x = 0;
  if (c == ResizeCoordinates::mode_default) c = mode == ResizeMode::nearest ? ResizeCoordinates::asymmetric : ResizeCoordinates::half_pixel;
  switch (c) {
    case ResizeCoordinates::asymmetric: x = r / s; break;
    case ResizeCoordinates::half_pixel: x = (r + 0.5L) / s - 0.5L; break;
    case ResizeCoordinates::pytorch_half_pixel: x = out > 1 ? (r + 0.5L) / s - 0.5L : 0; break;
    case ResizeCoordinates::align_corners: x = out > 1 ? (long double)r * (in - 1) / (out - 1) : 0; break;
    case ResizeCoordinates::mode_default: break;
  }
  // Exact sizes: the quotient of integers, snapped where long double rounding leaves it a hair off.
  if (std::fabs(x * 2 - std::round(x * 2)) < 1e-9L) x = std::round(x * 2) / 2;
  const auto clamp = [&](long double i) { return int(std::min<long double>(std::max<long double>(i, 0), in - 1)); };
  if (mode == ResizeMode::bilinear) return {clamp(std::floor(x)), clamp(std::floor(x) + 1)};
  long double i = 0;
  switch (rounding) {
    case NearestRounding::floor: i = std::floor(x); break;
    case NearestRounding::ceil: i = std::ceil(x); break;
    case NearestRounding::round_prefer_floor: i = x == std::floor(x) + 0.5L ? std::floor(x) : std::round(x); break;
    case NearestRounding::round_prefer_ceil: i = x == std::floor(x) + 0.5L ? std::ceil(x) : std::round(x); break;
  }
  return {clamp(i)};
}

}  // namespace

TEST_CASE("resize rows: every output row range reads the hull of its rows' ONNX source rows", "[tiling][resize]") {
  int cases = 0;
  for (const ResizeMode mode : {ResizeMode::nearest, ResizeMode::bilinear})
    for (int c = 0; c <= 4; ++c)
      for (int rounding = 0; rounding <= (mode == ResizeMode::nearest ? 3 : 0); ++rounding)
        for (int in = 1; in <= 9; ++in)
          for (const double scale : {0.0, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0})
            for (int out = 1; out <= 2 * in + 1; ++out) {
              if (scale > 0 && out != int(std::floor(in * scale))) continue;  // a scale fixes the size
              const ResizeAxis a{mode, static_cast<ResizeCoordinates>(c), static_cast<NearestRounding>(rounding), scale, in, out};
              for (int b = 0; b < out; ++b)
                for (int e = b + 1; e <= out; ++e) {
                  int lo = in, hi = -1;
                  for (int r = b; r < e; ++r)
                    for (const int row : onnx_rows(a.mode, a.coordinates, a.rounding, scale, in, out, r)) {
                      lo = std::min(lo, row);
                      hi = std::max(hi, row);
                    }
                  INFO("mode " << int(mode) << " coordinates " << c << " rounding " << rounding << " in " << in << " out "
                               << out << " scale " << scale << " rows [" << b << ", " << e << ")");
                  CHECK(resize_input_rows(a, {b, e}) == RowRange{lo, hi + 1});
                  ++cases;
                }
            }
  CHECK(cases > 20000);
}

TEST_CASE("resize rows by hand: downscales, 1.5x, TFLite's half-pixel nearest", "[tiling][resize]") {
  using C = ResizeCoordinates;
  using R = NearestRounding;
  // nearest 0.5, asymmetric: row r reads 2r
  CHECK(resize_input_rows({ResizeMode::nearest, C::mode_default, R::floor, 0.5, 8, 4}, {1, 3}) == RowRange{2, 5});
  // bilinear 0.5, half-pixel: x = 2r + 0.5 reads 2r and 2r + 1
  CHECK(resize_input_rows({ResizeMode::bilinear, C::mode_default, R::floor, 0.5, 8, 4}, {1, 2}) == RowRange{2, 4});
  // bilinear 4 -> 6 rows by size, half-pixel: x = (r + 0.5) / 1.5 - 0.5 = -1/6, 1/2, 7/6, 11/6, 5/2, 19/6
  const ResizeAxis up{ResizeMode::bilinear, C::half_pixel, R::floor, 0, 4, 6};
  CHECK(resize_input_rows(up, {0, 1}) == RowRange{0, 1});
  CHECK(resize_input_rows(up, {2, 4}) == RowRange{1, 3});
  CHECK(resize_input_rows(up, {5, 6}) == RowRange{3, 4});
  // align corners 4 -> 6: x = 3r / 5
  CHECK(resize_input_rows({ResizeMode::bilinear, C::align_corners, R::floor, 0, 4, 6}, {4, 5}) == RowRange{2, 4});
  // TFLite nearest with half_pixel_centers, 3 -> 2: floor((r + 0.5) * 1.5) = 0, 2
  CHECK(resize_input_rows({ResizeMode::nearest, C::half_pixel, R::round_prefer_ceil, 0, 3, 2}, {1, 2}) == RowRange{2, 3});
  CHECK(resize_input_rows({ResizeMode::nearest, C::half_pixel, R::round_prefer_ceil, 0, 3, 2}, {0, 1}) == RowRange{0, 1});
}

TEST_CASE("pad, depth_to_space and space_to_depth rows against a row-by-row map", "[tiling][pad]") {
  for (int in = 1; in <= 8; ++in)
    for (int top = 0; top <= 3; ++top)
      for (int bottom = 0; bottom <= 2; ++bottom) {
        const int out = in + top + bottom;
        for (int b = 0; b < out; ++b)
          for (int e = b + 1; e <= out; ++e) {
            RowRange expected;  // output row r is input row r - top, or padding
            for (int r = b; r < e; ++r)
              if (r - top >= 0 && r - top < in) expected = hull(expected, {r - top, r - top + 1});
            const RowRange got = pad_input_rows(top, {b, e}, in);
            if (expected.empty()) CHECK(got.empty());
            else CHECK(got == expected);
          }
      }
  for (int block = 1; block <= 4; ++block)
    for (int in = 1; in <= 6; ++in)
      for (int b = 0; b < in * block; ++b)
        for (int e = b + 1; e <= in * block; ++e) {
          RowRange d2s, s2d;
          for (int r = b; r < e; ++r) d2s = hull(d2s, {r / block, r / block + 1});  // output row r = input row r / b
          CHECK(depth_to_space_input_rows(block, {b, e}) == d2s);
          if (e <= in) {
            for (int r = b; r < e; ++r) s2d = hull(s2d, {r * block, (r + 1) * block});  // output row r = input rows r*b ..
            CHECK(space_to_depth_input_rows(block, {b, e}) == s2d);
          }
        }
}

TEST_CASE("pad, depth_to_space, space_to_depth and resize infer shapes, count work and round-trip", "[model][pad]") {
  const Network g = load(R"(
      {"name": "in", "type": "input", "shape": [9, 10, 3]},
      {"name": "p", "type": "pad", "inputs": ["in"], "padding": [1, 0, 2, 2], "channels": [0, 1]},
      {"name": "s2d", "type": "space_to_depth", "inputs": ["p"], "block": 2},
      {"name": "conv", "type": "conv2d", "inputs": ["s2d"], "filters": 36, "kernel": 3, "padding": "same"},
      {"name": "d2s", "type": "depth_to_space", "inputs": ["conv"], "block": 3, "order": "crd"},
      {"name": "down", "type": "resize", "inputs": ["d2s"], "scale": 0.5, "mode": "bilinear"},
      {"name": "up", "type": "resize", "inputs": ["down"], "scale": [1.5, 2.5], "coordinates": "align_corners"},
      {"name": "to", "type": "resize", "inputs": ["up"], "size": [7, 11], "rounding": "round_prefer_floor",
       "coordinates": "half_pixel"},
      {"name": "act", "type": "activation", "inputs": ["to"], "function": "mish"},
      {"name": "out", "type": "output", "inputs": ["act"]})");
  CHECK(g[1].output == Shape{10, 14, 4});
  CHECK(g[2].output == Shape{5, 7, 16});
  CHECK(g[4].output == Shape{15, 21, 4});  // 36 / 3^2 channels
  CHECK(g[5].output == Shape{7, 10, 4});   // floor(15 * 0.5), floor(21 * 0.5)
  CHECK(g[6].output == Shape{10, 25, 4});  // floor(7 * 1.5), floor(10 * 2.5)
  CHECK(g[7].output == Shape{7, 11, 4});
  // vector work: one op per output element for the data movers, mish 14 per element
  CHECK(vector_ops_per_row(g, 1) == 14u * 4);
  CHECK(vector_ops_per_row(g, 4) == 21u * 4);
  CHECK(vector_ops_per_row(g, 8) == 14u * 11 * 4);
  CHECK(totals(g).params == 3u * 3 * 16 * 36 + 36);
  const Network back = read_model(model_to_json(g));
  REQUIRE(boost::num_vertices(back) == boost::num_vertices(g));
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) CHECK(back[v] == g[v]);
  const nlohmann::json j = model_to_json(g);
  CHECK(j["layers"][1]["padding"] == nlohmann::json({1, 0, 2, 2}));
  CHECK(j["layers"][4]["order"] == "crd");
  CHECK(j["layers"][7]["size"] == nlohmann::json({7, 11}));
  CHECK(j["layers"][7]["rounding"] == "round_prefer_floor");
  CHECK(!j["layers"][5].contains("coordinates"));
}

TEST_CASE("model-format.md's espcn_like example has the documented shapes and counts", "[model][pad]") {
  // Read the example from the document itself, so the two cannot drift apart.
  std::ifstream in(std::string(PINFUSE_SOURCE_DIR) + "/docs/model-format.md");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t name = text.find("\"espcn_like\"");
  REQUIRE(name != std::string::npos);
  const std::size_t begin = text.rfind("```json\n", name), end = text.find("```", name);
  REQUIRE((begin != std::string::npos && end != std::string::npos));
  const std::size_t body = begin + std::string("```json\n").size();
  const Network g = read_model(nlohmann::json::parse(text.substr(body, end - body)));
  const auto at = [&](const char* n) {
    for (LayerId v = 0; v < boost::num_vertices(g); ++v)
      if (g[v].name == n) return g[v].output;
    FAIL("no layer " << n);
    return Shape{};
  };
  CHECK(at("unshuffle") == Shape{48, 48, 4});
  CHECK(at("c2") == Shape{46, 46, 16});
  CHECK(at("p2") == Shape{48, 48, 16});
  CHECK(at("shuffle") == Shape{144, 144, 4});
  CHECK(at("smooth") == Shape{216, 216, 4});
  CHECK(totals(g).macs == 29067264u);  // 48*48*32*4*25 + 46*46*16*32*9 + 48*48*36*16*9
  CHECK(totals(g).params == 13076u);   // 3232 + 4624 + 5220
  const Hardware hw;
  const ReferenceAccelerator accel(g, hw);
  const Plan plan = solve(Strategy::joint, g, accel, scratchpad_of(hw));
  CHECK(validate_plan(g, plan, accel, scratchpad_of(hw)).ok());
  CHECK(replay_program(g, plan, build_program(g, plan, accel, scratchpad_of(hw)), scratchpad_of(hw)).ok());
}

TEST_CASE("every activation the model format names reads back as itself and has a vector cost", "[model][activation]") {
  for (const std::string_view name : activation_names) {
    INFO(name);
    const std::optional<Activation> f = parse_activation(name);
    REQUIRE(f.has_value());
    CHECK(to_string(*f) == name);
    const Network g = load(R"({"name": "in", "type": "input", "shape": [4, 5, 6]},
                             {"name": "a", "type": "activation", "inputs": ["in"], "function": ")" +
                           std::string(name) + R"("})");
    CHECK(g[1].activation == *f);
    CHECK(vector_ops_per_row(g, 1) == activation_ops_per_element(*f) * 5 * 6);
    Hardware hw;
    hw.vector_elements_per_cycle = 10;
    const ReferenceAccelerator accel(g, hw);
    // cycles = ceil(H * W * C * ops per element / elements per cycle)
    CHECK(accel.compute_cycles(1) == (4 * 5 * 6 * activation_ops_per_element(*f) + 9) / 10);
  }
  CHECK(to_string(Activation::relu_n1_to_1) == "relu_n1_to_1");
  CHECK(!parse_activation("softmax"));
  CHECK(activation_ops_per_element(Activation::mish) > activation_ops_per_element(Activation::relu));
}

TEST_CASE("layer_norm layers infer shapes, count work and parameters, round-trip and name bad fields", "[model]") {
  const Network g = load(R"(
      {"name": "in", "type": "input", "shape": [5, 6, 4]},
      {"name": "n1", "type": "layer_norm", "inputs": ["in"]},
      {"name": "n2", "type": "layer_norm", "inputs": ["n1"], "scale": false},
      {"name": "n3", "type": "layer_norm", "inputs": ["n2"], "scale": false, "bias": false},
      {"name": "out", "type": "output", "inputs": ["n3"]})");
  for (const LayerId v : {1, 2, 3}) {
    CHECK(g[v].output == Shape{5, 6, 4});
    CHECK(macs(g, v) == 0);
  }
  // W * (C * (5 + scale + bias) + 7) vector ops per row; C parameters per learned scale and shift
  CHECK(vector_ops_per_row(g, 1) == 6u * (4 * 7 + 7));
  CHECK(vector_ops_per_row(g, 2) == 6u * (4 * 6 + 7));
  CHECK(vector_ops_per_row(g, 3) == 6u * (4 * 5 + 7));
  CHECK(params(g, 1) == 8);
  CHECK(params(g, 2) == 4);
  CHECK(params(g, 3) == 0);
  const nlohmann::json j = model_to_json(g);
  CHECK(!j["layers"][1].contains("scale"));
  CHECK(!j["layers"][1].contains("bias"));
  CHECK(j["layers"][2]["scale"] == false);
  CHECK(!j["layers"][2].contains("bias"));
  CHECK(j["layers"][3]["bias"] == false);
  const Network back = read_model(j);
  REQUIRE(boost::num_vertices(back) == boost::num_vertices(g));
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) CHECK(back[v] == g[v]);
  const auto one = [](const char* layer) {
    return load(std::string(R"({"name": "in", "type": "input", "shape": [6, 6, 6]}, )") + layer);
  };
  CHECK_THROWS_WITH(one(R"({"name": "n", "type": "layer_norm", "inputs": ["in"], "kernel": 1})"),
                    Catch::Contains("/layers/1") && Catch::Contains("kernel"));
  CHECK_THROWS_WITH(one(R"({"name": "n", "type": "layer_norm", "inputs": ["in"], "scale": 1})"),
                    Catch::Contains("/layers/1/scale"));
  CHECK_THROWS_WITH(one(R"({"name": "n", "type": "layer_norm", "inputs": ["in", "in"]})"),
                    Catch::Contains("/layers/1") && Catch::Contains("layer_norm takes 1 input(s), got 2"));
}

TEST_CASE("bad pads, block sizes and resizes name the layer and the reason", "[model][pad]") {
  const auto one = [](const char* layer) {
    return load(std::string(R"({"name": "in", "type": "input", "shape": [6, 6, 6]}, )") + layer);
  };
  CHECK_THROWS_WITH(one(R"({"name": "d", "type": "depth_to_space", "inputs": ["in"], "block": 2})"),
                    Catch::Contains("/layers/1") && Catch::Contains("divide the channels"));
  CHECK_THROWS_WITH(one(R"({"name": "s", "type": "space_to_depth", "inputs": ["in"], "block": 4})"),
                    Catch::Contains("/layers/1") && Catch::Contains("divide the input H"));
  CHECK_THROWS_WITH(one(R"({"name": "r", "type": "resize", "inputs": ["in"], "scale": 0.1})"),
                    Catch::Contains("/layers/1") && Catch::Contains("leaves no output"));
  CHECK_THROWS_WITH(one(R"({"name": "r", "type": "resize", "inputs": ["in"], "scale": 2, "size": [3, 3]})"),
                    Catch::Contains("/layers/1") && Catch::Contains("either"));
  CHECK_THROWS_WITH(one(R"({"name": "r", "type": "resize", "inputs": ["in"], "scale": 0})"),
                    Catch::Contains("/layers/1/scale") && Catch::Contains("> 0"));
  CHECK_THROWS_WITH(one(R"({"name": "r", "type": "resize", "inputs": ["in"], "size": 4, "mode": "bilinear", "rounding": "ceil"})"),
                    Catch::Contains("/layers/1/rounding") && Catch::Contains("only a nearest"));
  CHECK_THROWS_WITH(one(R"({"name": "p", "type": "pad", "inputs": ["in"], "padding": -1})"),
                    Catch::Contains("/layers/1/padding"));
  CHECK_THROWS_WITH(one(R"({"name": "p", "type": "pad", "inputs": ["in"], "channels": [1]})"),
                    Catch::Contains("/layers/1/channels") && Catch::Contains("[before, after]"));
}

TEST_CASE("models with the new kinds: exact solvers equal brute force, plans validate", "[solver][pad][property]") {
  for (std::uint32_t seed = 1; seed <= 120; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const Network g = testing::random_cnn_kinds_network(rng, std::uniform_int_distribution<int>(2, 7)(rng));
    const Hardware hw = testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO("seed " << seed << ", SPM " << hw.spm_bytes << " B");
    for (const auto& [strategy, space] : {std::pair{Strategy::layerwise, testing::BruteForceSpace{false, false}},
                                         std::pair{Strategy::fusion, testing::BruteForceSpace{true, false}},
                                         std::pair{Strategy::pinning, testing::BruteForceSpace{false, true}},
                                         std::pair{Strategy::joint, testing::BruteForceSpace{true, true}}}) {
      SolveOptions opt;
      opt.order_mode = OrderMode::file;
      const auto expected = testing::brute_force(g, accel, spm, space, opt.objective);
      if (!expected) {
        CHECK_THROWS_AS(solve(strategy, g, accel, spm, opt), no_plan_fits);
        continue;
      }
      const Plan plan = solve(strategy, g, accel, spm, opt);
      CHECK(score_of(plan.totals, plan.objective) == *expected);
      CHECK(validate_plan(g, plan, accel, spm).ok());
      const ReplayReport r = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
      CHECK(r.ok());
    }
  }
}

TEST_CASE("random groupings and pins of models with the new kinds replay byte-exactly and read every row they need",
          "[program][pad][property]") {
  std::size_t plans = 0, multi_tile = 0;
  std::set<LayerKind> tiled;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const Network g = testing::random_cnn_kinds_network(rng, pick(2, 8));
    const Problem p = make_problem(g);
    for (int trial = 0; trial < 3; ++trial) {
      const Hardware hw = testing::random_hardware(rng, g);
      const ReferenceAccelerator accel(g, hw);
      const Scratchpad spm = scratchpad_of(hw);
      const std::optional<Plan> random_plan = testing::random_laid_out_plan(p, accel, spm, rng);
      if (!random_plan) continue;
      const Plan& plan = *random_plan;
      INFO("seed " << seed << " trial " << trial);  // (random pins may stay inside a group: no validate_plan)
      const Program prog = build_program(g, plan, accel, spm);
      const ReplayReport r = replay_program(g, plan, prog, spm);
      CHECK(r.ok());
      CHECK(testing::missing_input_rows(g, accel, prog) == "");
      ++plans;
      for (const PlannedGroup& grp : plan.groups)
        if (grp.cost.tiling.at(tiling_key::row_tiles) > 1) {
          ++multi_tile;
          for (const LayerId l : grp.layers) tiled.insert(g[l].kind);
        }
    }
  }
  CHECK(plans > 300);
  CHECK(multi_tile > 50);
  for (const LayerKind k : {LayerKind::pad, LayerKind::depth_to_space, LayerKind::space_to_depth, LayerKind::resize})
    CHECK(tiled.count(k) == 1);  // every new kind ran in a tiled group
}

namespace {

/// The random model with each activation layer made a layer_norm (the same shape; with a
/// scale and a shift on alternate ones): layer normalizations between convs, pads, block
/// shuffles, resizes and residual adds.
Network with_layer_norms(Network g) {
  bool affine = true;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v)
    if (g[v].kind == LayerKind::activation) {
      g[v].kind = LayerKind::layer_norm;
      g[v].activation = Activation::none;
      g[v].norm_scale = g[v].bias = affine;
      affine = !affine;
    }
  infer_shapes(g);
  return g;
}

}  // namespace

TEST_CASE("models with layer normalizations: exact solvers equal brute force, plans replay and read every row",
          "[solver][program][property]") {
  std::size_t norms = 0, tiled_norms = 0;
  for (std::uint32_t seed = 1; seed <= 90; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const Network g = with_layer_norms(testing::random_cnn_kinds_network(rng, std::uniform_int_distribution<int>(2, 7)(rng)));
    const Hardware hw = testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO("seed " << seed << ", SPM " << hw.spm_bytes << " B");
    for (LayerId v = 0; v < boost::num_vertices(g); ++v) norms += g[v].kind == LayerKind::layer_norm;
    SolveOptions opt;
    opt.order_mode = OrderMode::file;
    const auto expected = testing::brute_force(g, accel, spm, testing::BruteForceSpace{true, true}, opt.objective);
    if (!expected) {
      CHECK_THROWS_AS(solve(Strategy::joint, g, accel, spm, opt), no_plan_fits);
      continue;
    }
    const Plan plan = solve(Strategy::joint, g, accel, spm, opt);
    CHECK(score_of(plan.totals, plan.objective) == *expected);
    CHECK(validate_plan(g, plan, accel, spm).ok());
    const Program prog = build_program(g, plan, accel, spm);
    CHECK(replay_program(g, plan, prog, spm).ok());
    CHECK(testing::missing_input_rows(g, accel, prog) == "");
    for (const PlannedGroup& grp : plan.groups)
      for (const LayerId l : grp.layers)
        if (g[l].kind == LayerKind::layer_norm) {
          CHECK(grp.cost.tiling.at(tiling_key::channel_chunks) == 1);  // it reads every channel of its pixels
          tiled_norms += grp.cost.tiling.at(tiling_key::row_tiles) > 1;
        }
  }
  CHECK(norms >= 30 / pinfuse::testing::seed_step);  // 63 of 90 seeds
  CHECK(tiled_norms >= 9 / pinfuse::testing::seed_step);  // 29 of 90 seeds
}
