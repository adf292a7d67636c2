// The model reader (io/model_json.hpp) and model statistics: the bundled models
// load with their published sizes, and every kind of bad input is reported
// with the JSON pointer of the problem.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/bundled.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/model/statistics.hpp"

using namespace pinfuse;
using pinfuse::testing::find_layer;
using nlohmann::json;
using namespace nlohmann::literals;

namespace {

const std::string models_dir = PINFUSE_SOURCE_DIR "/models/";

/// A small valid model the bad-input cases below each break in one place.
json valid_model() {
  return R"({
    "format": "pinfuse-model",
    "version": 1,
    "name": "small",
    "layers": [
      {"name": "in", "type": "input", "shape": [8, 8, 4]},
      {"name": "c1", "type": "conv2d", "inputs": ["in"], "filters": 8, "kernel": 3, "padding": "same"},
      {"name": "c2", "type": "conv2d", "inputs": ["c1"], "filters": 8, "kernel": 1},
      {"name": "sum", "type": "add", "inputs": ["c1", "c2"]},
      {"name": "out", "type": "output", "inputs": ["sum"]}
    ]
  })"_json;
}

/// Reads `doc`, which must fail at `where` with a reason containing `cause`.
void expect_model_rejected(const json& doc, const std::string& where, const std::string& cause) {
  try {
    read_model(doc);
    FAIL("read_model accepted the model; expected an error at " << where);
  } catch (const input_error& e) {
    INFO("what(): " << e.what());
    CHECK(e.where() == where);
    CHECK_THAT(e.reason(), Catch::Contains(cause, Catch::CaseSensitive::No));
  }
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the small valid model used by the bad-input cases loads", "[model_json]") {
  const Network g = read_model(valid_model());
  CHECK(boost::num_vertices(g) == 5);
  CHECK(g[find_layer(g, "c1")].output == Shape{8, 8, 8});
  CHECK(g[find_layer(g, "sum")].output == Shape{8, 8, 8});
  CHECK(model_info(g).name == "small");
  CHECK(model_info(g).dtype_bytes == 1);
}

TEST_CASE("bundled models load with their published MACs and parameters (within 2%)", "[model_json][models]") {
  struct Published {
    const char* file;
    double macs;
    double params;
  };
  const Published models[] = {
      {"mobilenet_v1.json", 569e6, 4.2e6},
      {"mobilenet_v2.json", 300e6, 3.47e6},
      {"resnet18.json", 1.82e9, 11.69e6},
  };
  for (const Published& m : models) {
    INFO(m.file);
    const Network g = load_model(models_dir + m.file);
    const ModelTotals t = totals(g);
    CHECK(double(t.macs) == Approx(m.macs).epsilon(0.02));
    CHECK(double(t.params) == Approx(m.params).epsilon(0.02));
    // The per-layer functions add up to the totals.
    std::uint64_t sum_macs = 0, sum_params = 0;
    for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
      sum_macs += macs(g, v);
      sum_params += params(g, v);
    }
    CHECK(sum_macs == t.macs);
    CHECK(sum_params == t.params);
  }
}

TEST_CASE("bundled models have the exact counts docs/model-format.md lists", "[model_json][models]") {
  CHECK(totals(load_model(models_dir + "mobilenet_v1.json")).macs == 568740352u);
  CHECK(totals(load_model(models_dir + "mobilenet_v1.json")).params == 4221032u);
  CHECK(totals(load_model(models_dir + "mobilenet_v2.json")).macs == 300774272u);
  CHECK(totals(load_model(models_dir + "mobilenet_v2.json")).params == 3487816u);
  CHECK(totals(load_model(models_dir + "resnet18.json")).macs == 1814073344u);
  CHECK(totals(load_model(models_dir + "resnet18.json")).params == 11684712u);
  CHECK(totals(load_model(models_dir + "mobilenet_v2.json")).compute_layers == 64u);
  CHECK(totals(load_model(models_dir + "mobilenet_v1.json")).compute_layers == 29u);
}

TEST_CASE("inferred shapes of the bundled models", "[model_json][models]") {
  SECTION("MobileNetV1") {
    const Network g = load_model(models_dir + "mobilenet_v1.json");
    CHECK(g[find_layer(g, "conv1")].output == Shape{112, 112, 32});
    CHECK(g[find_layer(g, "b13_pw")].output == Shape{7, 7, 1024});
    CHECK(g[find_layer(g, "pool")].output == Shape{1, 1, 1024});
    CHECK(g[find_layer(g, "fc")].output == Shape{1, 1, 1000});
  }
  SECTION("MobileNetV2") {
    const Network g = load_model(models_dir + "mobilenet_v2.json");
    CHECK(g[find_layer(g, "conv1")].output == Shape{112, 112, 32});
    CHECK(g[find_layer(g, "b1_project")].output == Shape{112, 112, 16});
    CHECK(g[find_layer(g, "conv_last")].output == Shape{7, 7, 1280});
    CHECK(g[find_layer(g, "output")].output == Shape{1, 1, 1000});
    // "same" padding of the stride-2 stem resolves to 0 before, 1 after.
    const Layer& stem = g[find_layer(g, "conv1")];
    CHECK(stem.rows.pad_before == 0);
    CHECK(stem.rows.pad_after == 1);
  }
  SECTION("ResNet-18") {
    const Network g = load_model(models_dir + "resnet18.json");
    CHECK(g[find_layer(g, "conv1")].output == Shape{112, 112, 64});
    CHECK(g[find_layer(g, "maxpool")].output == Shape{56, 56, 64});
    CHECK(g[find_layer(g, "s4_b2_add")].output == Shape{7, 7, 512});
    CHECK(g[find_layer(g, "fc")].output == Shape{1, 1, 1000});
  }
}

TEST_CASE("model-format.md's tiny example has the documented shapes and counts", "[model_json]") {
  const Network g = read_model(R"({
    "format": "pinfuse-model", "version": 1, "name": "tiny_example", "dtype_bytes": 1,
    "layers": [
      {"name": "image", "type": "input", "shape": [32, 32, 3]},
      {"name": "stem", "type": "conv2d", "inputs": ["image"], "filters": 16, "kernel": 3, "stride": 2, "padding": "same", "activation": "hswish"},
      {"name": "dw", "type": "conv2d", "inputs": ["stem"], "filters": 16, "kernel": 3, "padding": 1, "groups": 16, "activation": "relu"},
      {"name": "se_pool", "type": "pool", "inputs": ["dw"], "mode": "avg", "global": true},
      {"name": "se_reduce", "type": "conv2d", "inputs": ["se_pool"], "filters": 4, "kernel": 1, "activation": "relu"},
      {"name": "se_expand", "type": "conv2d", "inputs": ["se_reduce"], "filters": 16, "kernel": 1, "activation": "hsigmoid"},
      {"name": "se_scale", "type": "mul", "inputs": ["dw", "se_expand"]},
      {"name": "branch", "type": "pool", "inputs": ["stem"], "mode": "max", "kernel": 3, "stride": 1, "padding": "same"},
      {"name": "cat", "type": "concat", "inputs": ["se_scale", "branch"]},
      {"name": "up", "type": "resize", "inputs": ["cat"], "scale": 2, "mode": "bilinear"},
      {"name": "head", "type": "conv2d", "inputs": ["up"], "filters": 8, "kernel": [1, 1], "bias": false},
      {"name": "prob", "type": "activation", "inputs": ["head"], "function": "sigmoid"},
      {"name": "out", "type": "output", "inputs": ["prob"]}
    ]
  })"_json);
  CHECK(g[find_layer(g, "stem")].output == Shape{16, 16, 16});
  CHECK(g[find_layer(g, "se_pool")].output == Shape{1, 1, 16});
  CHECK(g[find_layer(g, "se_scale")].output == Shape{16, 16, 16});
  CHECK(g[find_layer(g, "cat")].output == Shape{16, 16, 32});
  CHECK(g[find_layer(g, "up")].output == Shape{32, 32, 32});
  CHECK(g[find_layer(g, "out")].output == Shape{32, 32, 8});
  CHECK(params(g, find_layer(g, "stem")) == 448);
  CHECK(macs(g, find_layer(g, "stem")) == 110592);
  CHECK(macs(g, find_layer(g, "dw")) == 36864);
  CHECK(params(g, find_layer(g, "head")) == 256);
  CHECK(totals(g).params == 1012);
  CHECK(totals(g).macs == 409728);
}

TEST_CASE("bad models are rejected with the JSON pointer of the problem", "[model_json][errors]") {
  json doc = valid_model();

  SECTION("the document is not an object") {
    // The root's pointer is reported as "/" (RFC 6901 would spell it "").
    expect_model_rejected(R"([1, 2])"_json, "/", "object");
  }
  SECTION("wrong format string") {
    doc["format"] = "pinfuse-modell";
    expect_model_rejected(doc, "/format", "pinfuse-model");
  }
  SECTION("unsupported version") {
    doc["version"] = 2;
    expect_model_rejected(doc, "/version", "between 1 and 1");
  }
  SECTION("unknown top-level field") {
    doc["extra"] = 1;
    expect_model_rejected(doc, "/extra", "unknown field 'extra'");
  }
  SECTION("missing layers") {
    doc.erase("layers");
    expect_model_rejected(doc, "/", "'layers'");
  }
  SECTION("empty layers") {
    doc["layers"] = json::array();
    expect_model_rejected(doc, "/layers", "at least one layer");
  }
  SECTION("duplicate layer name") {
    doc["layers"][2]["name"] = "c1";
    expect_model_rejected(doc, "/layers/2/name", "duplicate layer name 'c1'");
  }
  SECTION("unknown layer type") {
    doc["layers"][1]["type"] = "conv3d";
    expect_model_rejected(doc, "/layers/1/type", "conv3d");
  }
  SECTION("conv2d without filters") {
    doc["layers"][1].erase("filters");
    expect_model_rejected(doc, "/layers/1", "'filters'");
  }
  SECTION("kernel 0") {
    doc["layers"][1]["kernel"] = 0;
    expect_model_rejected(doc, "/layers/1/kernel", "got 0");
  }
  SECTION("kernel with three values") {
    doc["layers"][1]["kernel"] = {1, 2, 3};
    expect_model_rejected(doc, "/layers/1/kernel", "pair");
  }
  SECTION("a negative stride inside a pair names the element") {
    doc["layers"][1]["stride"] = {1, -1};
    expect_model_rejected(doc, "/layers/1/stride/1", "got -1");
  }
  SECTION("padding \"full\"") {
    doc["layers"][1]["padding"] = "full";
    expect_model_rejected(doc, "/layers/1/padding", "\"full\"");
  }
  SECTION("padding with two values") {
    doc["layers"][1]["padding"] = {1, 1};
    expect_model_rejected(doc, "/layers/1/padding", "[top, bottom, left, right]");
  }
  SECTION("unknown input name") {
    doc["layers"][3]["inputs"][1] = "c3";
    expect_model_rejected(doc, "/layers/3/inputs/1", "'c3'");
  }
  SECTION("a layer reading its own output") {
    doc["layers"][2]["inputs"][0] = "c2";
    expect_model_rejected(doc, "/layers/2/inputs/0", "own output");
  }
  SECTION("a cycle a -> b -> a") {
    doc["layers"] = R"([
      {"name": "in", "type": "input", "shape": [8, 8, 4]},
      {"name": "a", "type": "conv2d", "inputs": ["b"], "filters": 4, "kernel": 1},
      {"name": "b", "type": "conv2d", "inputs": ["a"], "filters": 4, "kernel": 1},
      {"name": "out", "type": "output", "inputs": ["b"]}
    ])"_json;
    try {
      read_model(doc);
      FAIL("a cyclic model was accepted");
    } catch (const input_error& e) {
      INFO("what(): " << e.what());
      // The cycle is reported by layer name (topological_order), not by JSON pointer.
      CHECK((e.where() == "layer 'a'" || e.where() == "layer 'b'"));
      CHECK_THAT(e.reason(), Catch::Contains("cycle"));
    }
  }
  SECTION("groups not dividing the input channels") {
    doc["layers"][1]["groups"] = 3;
    expect_model_rejected(doc, "/layers/1", "groups (3) must divide the input channels (4)");
  }
  SECTION("add of mismatched shapes") {
    doc["layers"][2]["filters"] = 6;
    expect_model_rejected(doc, "/layers/3", "equal shapes");
  }
  SECTION("concat of different heights") {
    doc["layers"][2]["stride"] = 2;
    doc["layers"][3]["type"] = "concat";
    expect_model_rejected(doc, "/layers/3", "equal H and W");
  }
  SECTION("a window larger than the input") {
    doc["layers"][1]["kernel"] = 9;
    doc["layers"][1].erase("padding");
    expect_model_rejected(doc, "/layers/1", "does not fit");
  }
  SECTION("a window larger than the input with dilation") {
    doc["layers"][1]["dilation"] = 4;  // 3x3 dilated by 4 spans 9 rows; "same" padding still fits
    REQUIRE_NOTHROW(read_model(doc));
    doc["layers"][1]["padding"] = "valid";
    expect_model_rejected(doc, "/layers/1", "does not fit");
  }
  SECTION("unknown field in a layer") {
    // model-format.md's table lists unknown fields under "/layers/3"; the reader
    // points at the field itself, which is the more exact pointer.
    doc["layers"][2]["kernal"] = 1;
    expect_model_rejected(doc, "/layers/2/kernal", "unknown field 'kernal'");
  }
  SECTION("global pool with a kernel") {
    doc["layers"][2] = R"({"name": "c2", "type": "pool", "inputs": ["c1"], "mode": "avg", "global": true, "kernel": 2})"_json;
    expect_model_rejected(doc, "/layers/2", "global pool");
  }
  SECTION("wrong number of inputs") {
    doc["layers"][2]["inputs"] = {"c1", "in"};
    expect_model_rejected(doc, "/layers/2", "takes 1 input");
  }
  SECTION("an input layer with inputs") {
    doc["layers"][0]["inputs"] = json::array();
    expect_model_rejected(doc, "/layers/0/inputs", "unknown field 'inputs'");
  }
  SECTION("a shape with a zero") {
    doc["layers"][0]["shape"] = {8, 0, 4};
    expect_model_rejected(doc, "/layers/0/shape/1", "got 0");
  }
  SECTION("an unknown activation") {
    doc["layers"][1]["activation"] = "swiglu";
    expect_model_rejected(doc, "/layers/1/activation", "\"swiglu\"");
  }
}

TEST_CASE("layers may name inputs that appear later in the file", "[model_json]") {
  json doc = valid_model();
  std::swap(doc["layers"][1], doc["layers"][4]);  // "out" first, "c1" last
  const Network g = read_model(doc);
  CHECK(g[find_layer(g, "out")].output == Shape{8, 8, 8});
}

TEST_CASE("load_model errors name the file", "[model_json][errors]") {
  SECTION("a missing file") {
    const std::string path = models_dir + "no_such_model.json";
    try {
      load_model(path);
      FAIL("a missing file was loaded");
    } catch (const input_error& e) {
      CHECK(e.where().rfind(path, 0) == 0);
      CHECK_THAT(e.reason(), Catch::Contains("open"));
    }
  }
  SECTION("malformed (truncated) JSON") {
    const std::string text = valid_model().dump(2);
    const std::string path = write_temp("test_model_json_truncated.json", text.substr(0, text.size() / 2));
    try {
      load_model(path);
      FAIL("truncated JSON was loaded");
    } catch (const input_error& e) {
      CHECK(e.where().rfind(path, 0) == 0);
      CHECK_THAT(e.reason(), Catch::Contains("malformed JSON"));
    }
    std::remove(path.c_str());
  }
  SECTION("a model error inside a file: the file, then the JSON pointer") {
    json doc = valid_model();
    doc["layers"][1]["kernel"] = 0;
    const std::string path = write_temp("test_model_json_kernel0.json", doc.dump());
    try {
      load_model(path);
      FAIL("kernel 0 was accepted");
    } catch (const input_error& e) {
      CHECK(e.where() == path + ":/layers/1/kernel");
    }
    std::remove(path.c_str());
  }
}

// An `output` marker produces no feature map (core/problem.hpp skips it), so a
// layer reading one is an error; it once made the solvers index out of bounds.
TEST_CASE("a layer reading an output marker is rejected", "[model_json][errors]") {
  json doc = valid_model();
  doc["layers"] = R"([
    {"name": "in", "type": "input", "shape": [8, 8, 4]},
    {"name": "c1", "type": "conv2d", "inputs": ["in"], "filters": 4, "kernel": 1},
    {"name": "o1", "type": "output", "inputs": ["c1"]},
    {"name": "c2", "type": "conv2d", "inputs": ["o1"], "filters": 4, "kernel": 1},
    {"name": "o2", "type": "output", "inputs": ["c2"]}
  ])"_json;
  try {
    read_model(doc);
    FAIL("read_model accepted a conv2d that reads the output marker 'o1'");
  } catch (const input_error& e) {
    INFO("what(): " << e.what());
    CHECK(e.where() == "/layers/3/inputs/0");
  }
}
