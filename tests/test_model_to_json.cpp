// model_to_json is the inverse of read_model: every bundled model and a model
// using every field survive read -> write -> read, and defaults are left out.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/bundled.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/model/statistics.hpp"

using namespace pinfuse;

namespace {

void check_same(const Network& a, const Network& b) {
  REQUIRE(boost::num_vertices(a) == boost::num_vertices(b));
  CHECK(model_info(a).name == model_info(b).name);
  CHECK(model_info(a).dtype_bytes == model_info(b).dtype_bytes);
  for (LayerId v = 0; v < boost::num_vertices(a); ++v) {
    INFO("layer " << a[v].name);
    CHECK(a[v] == b[v]);  // every field, windows included
    std::vector<LayerId> in_a = inputs_of(a, v), in_b = inputs_of(b, v);
    CHECK(in_a == in_b);
    CHECK(macs(a, v) == macs(b, v));
    CHECK(params(a, v) == params(b, v));
  }
}

}  // namespace

TEST_CASE("model_to_json round-trips every bundled model", "[model][json]") {
  int models = 0;
  for (const auto& path : pinfuse::testing::bundled_models()) {
    INFO(path.string());
    const Network g = load_model(path.string());
    const nlohmann::json doc = model_to_json(g);
    const Network back = read_model(doc);
    check_same(g, back);
    CHECK(model_to_json(back) == doc);
    ++models;
  }
  CHECK(models >= 3);
}

TEST_CASE("model_to_json writes every field and leaves defaults out", "[model][json]") {
  const nlohmann::json doc = nlohmann::json::parse(R"({
    "format": "pinfuse-model", "version": 1, "name": "all_fields", "dtype_bytes": 2,
    "layers": [
      {"name": "in", "type": "input", "shape": [17, 12, 8]},
      {"name": "c", "type": "conv2d", "inputs": ["in"], "filters": 8, "kernel": [3, 1], "stride": [2, 1],
       "dilation": [1, 2], "padding": [1, 0, 2, 1], "groups": 2, "bias": false, "activation": "hswish"},
      {"name": "s", "type": "conv2d", "inputs": ["c"], "filters": 8, "kernel": 3, "stride": 2, "padding": "same"},
      {"name": "p", "type": "pool", "inputs": ["s"], "mode": "avg", "kernel": 3, "stride": 1, "padding": 1},
      {"name": "q", "type": "pool", "inputs": ["p"], "mode": "max", "kernel": 2},
      {"name": "g", "type": "pool", "inputs": ["q"], "mode": "avg", "global": true},
      {"name": "f", "type": "fc", "inputs": ["g"], "units": 8, "activation": "sigmoid"},
      {"name": "m", "type": "mul", "inputs": ["s", "f"], "activation": "relu"},
      {"name": "a", "type": "add", "inputs": ["m", "s"]},
      {"name": "l", "type": "slice", "inputs": ["a"], "begin": 2, "end": 6},
      {"name": "r", "type": "slice", "inputs": ["a"], "begin": 0, "end": 4},
      {"name": "cat", "type": "concat", "inputs": ["l", "r"]},
      {"name": "sh", "type": "shuffle", "inputs": ["cat"], "groups": 2},
      {"name": "up", "type": "resize", "inputs": ["sh"], "scale": [2, 3], "mode": "bilinear"},
      {"name": "t", "type": "conv2d_transpose", "inputs": ["up"], "filters": 4, "kernel": 4, "stride": 2, "padding": 1},
      {"name": "act", "type": "activation", "inputs": ["t"], "function": "relu6"},
      {"name": "out", "type": "output", "inputs": ["act"]}
    ]})");
  const Network g = read_model(doc);
  const nlohmann::json written = model_to_json(g);
  check_same(g, read_model(written));
  const nlohmann::json& layers = written.at("layers");
  CHECK(written.at("dtype_bytes") == 2);
  // The document above leaves out every default, so the writer gives it back as it is.
  REQUIRE(layers.size() == doc["layers"].size());
  for (std::size_t i = 0; i < layers.size(); ++i) CHECK(layers[i] == doc["layers"][i]);
}
