// slice, shuffle and conv2d_transpose: shapes, counts and the rows a transposed window reads.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/accel/tiling.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/joint.hpp"

using namespace pinfuse;

TEST_CASE("transposed window rows equal the rows whose kernel taps land on the output", "[tiling][transpose]") {
  for (int k = 1; k <= 9; ++k)
    for (int s = 1; s <= 4; ++s)
      for (int pad = 0; pad < k; ++pad) {
        const int in_h = 7;
        const Window1D w{k, s, 1, pad, pad, false};
        const int out_h = (in_h - 1) * s + k - 2 * pad;
        for (int b = 0; b < out_h; ++b)
          for (int e = b + 1; e <= out_h; ++e) {
            // brute force: input row i writes output rows [i*s - pad, i*s - pad + k)
            RowRange expected;
            for (int i = 0; i < in_h; ++i) {
              const int lo = i * s - pad, hi = lo + k;
              if (lo < e && hi > b) expected = hull(expected, RowRange{i, i + 1});
            }
            INFO("k " << k << " s " << s << " pad " << pad << " out [" << b << ", " << e << ")");
            const RowRange got = transpose_input_rows(w, {b, e}, in_h);
            // the formula gives the hull; an empty expectation means only padding rows
            if (expected.empty()) CHECK(got.empty());
            else CHECK(got == expected);
          }
      }
}

TEST_CASE("slice, shuffle and conv2d_transpose infer shapes, count work and solve", "[model][transpose]") {
  const Network g = read_model(nlohmann::json::parse(R"({
    "format": "pinfuse-model", "version": 1, "name": "kinds",
    "layers": [
      {"name": "in", "type": "input", "shape": [10, 12, 8]},
      {"name": "left", "type": "slice", "inputs": ["in"], "begin": 0, "end": 4},
      {"name": "right", "type": "slice", "inputs": ["in"], "begin": 4, "end": 8},
      {"name": "conv", "type": "conv2d", "inputs": ["right"], "filters": 4, "kernel": 3, "padding": "same"},
      {"name": "cat", "type": "concat", "inputs": ["left", "conv"]},
      {"name": "mix", "type": "shuffle", "inputs": ["cat"], "groups": 2},
      {"name": "up", "type": "conv2d_transpose", "inputs": ["mix"], "filters": 3, "kernel": 4, "stride": 2, "padding": 1},
      {"name": "same_up", "type": "conv2d_transpose", "inputs": ["up"], "filters": 2, "kernel": 3, "stride": 3, "padding": "same"},
      {"name": "out", "type": "output", "inputs": ["same_up"]}
    ]})"));
  CHECK(g[1].output == Shape{10, 12, 4});
  CHECK(g[5].output == Shape{10, 12, 8});
  CHECK(g[6].output == Shape{20, 24, 3});  // (10 - 1) * 2 + 4 - 2
  CHECK(g[7].output == Shape{60, 72, 2});  // "same": in * stride
  CHECK(macs(g, 6) == 10ull * 12 * 8 * 3 * 4 * 4);
  CHECK(params(g, 6) == 4ull * 4 * 8 * 3 + 3);
  const Hardware hw;
  const ReferenceAccelerator accel(g, hw);
  const Plan plan = solve_joint(g, accel, scratchpad_of(hw));
  CHECK(validate_plan(g, plan, accel, scratchpad_of(hw)).ok());
}

TEST_CASE("bad slices and shuffles name the layer", "[model][transpose]") {
  const auto load = [](const char* layer) {
    return read_model(nlohmann::json::parse(std::string(R"({"format": "pinfuse-model", "version": 1, "name": "x",
      "layers": [{"name": "in", "type": "input", "shape": [4, 4, 6]}, )") + layer + "]}"));
  };
  CHECK_THROWS_WITH(load(R"({"name": "s", "type": "slice", "inputs": ["in"], "begin": 4, "end": 9})"),
                    Catch::Contains("/layers/1") && Catch::Contains("channel range"));
  CHECK_THROWS_WITH(load(R"({"name": "s", "type": "shuffle", "inputs": ["in"], "groups": 4})"),
                    Catch::Contains("/layers/1") && Catch::Contains("divide"));
  CHECK_THROWS_WITH(load(R"({"name": "t", "type": "conv2d_transpose", "inputs": ["in"], "filters": 2, "kernel": 1, "padding": 3})"),
                    Catch::Contains("/layers/1") && Catch::Contains("empty output"));
}
