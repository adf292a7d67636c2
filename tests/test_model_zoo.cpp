// The bundled model zoo (examples/models/*.json, written by scripts/make_models.py):
// every model loads, its MACs and parameters are within tolerance of the
// published figures, and it has the exact counts and shapes the generator
// computed independently in Python.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/bundled.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/model/statistics.hpp"

using namespace pinfuse;
using pinfuse::testing::find_layer;
using pinfuse::testing::model_path;

namespace {

struct Published {
  const char* name;
  double macs;       ///< published MACs (multiply-adds), see docs/model-format.md for the sources
  double params;     ///< published parameter count
  double tolerance;  ///< relative
};

// Sources and deviations: docs/model-format.md, "Bundled models".
const Published zoo[] = {
    {"mobilenet_v1", 569e6, 4.2e6, 0.03},         // Howard et al. 2017
    {"mobilenet_v2", 300e6, 3.47e6, 0.03},        // Sandler et al. 2018 / TF-slim
    {"resnet18", 1.82e9, 11.7e6, 0.03},           // He et al. 2016 / torchvision
    {"mobilenet_v3_small", 56e6, 2.5e6, 0.03},    // Howard et al. 2019, Table 3
    {"mobilenet_v3_large", 219e6, 5.4e6, 0.03},   // Howard et al. 2019, Table 3
    {"efficientnet_b0", 390e6, 5.3e6, 0.03},      // Tan & Le 2019
    {"resnet50", 4.1e9, 25.6e6, 0.03},            // He et al. 2016 / torchvision
    {"squeezenet", 0.35e9, 1.24e6, 0.03},         // torchvision squeezenet1_1
    {"shufflenet_v2", 146e6, 2.3e6, 0.03},        // Ma et al. 2018, Table 5
    {"inception_v3", 5.71e9, 23.8e6, 0.03},       // torchvision, without the aux head
    {"googlenet", 1.50e9, 6.62e6, 0.03},          // torchvision (3x3 third branch), without the aux heads
    // U-Net: 31.0M params (Ronneberger et al. 2015); no published MACs for this
    // configuration, so the reference is our own figure (see the docs).
    {"unet", 48.17e9, 31.0e6, 0.03},
    // FSRCNN(56, 12, 4): 12,464 weights (Dong et al. 2016, no biases);
    // MACs = 12,464 per low-resolution pixel x 240 x 240.
    {"fsrcnn", 12464.0 * 240 * 240, 12464, 0.03},
};

struct Exact {
  const char* name;
  std::uint64_t macs;
  std::uint64_t params;
  std::size_t layers;  ///< entries of "layers" in the file
  Shape output;        ///< shape of the model output
};

// As printed by scripts/make_models.py (computed in Python from the format's formulas).
const Exact exact[] = {
    {"mobilenet_v1", 568740352u, 4221032u, 31, {1, 1, 1000}},
    {"mobilenet_v2", 300774272u, 3487816u, 66, {1, 1, 1000}},
    {"resnet18", 1814073344u, 11684712u, 33, {1, 1, 1000}},
    {"mobilenet_v3_small", 56510400u, 2536800u, 81, {1, 1, 1000}},
    {"mobilenet_v3_large", 216589760u, 5470832u, 93, {1, 1, 1000}},
    {"efficientnet_b0", 385814752u, 5267540u, 126, {1, 1, 1000}},
    {"resnet50", 4089184256u, 25530472u, 74, {1, 1, 1000}},
    {"squeezenet", 349151936u, 1235496u, 40, {1, 1, 1000}},
    {"shufflenet_v2", 144907992u, 2270514u, 119, {1, 1, 1000}},
    {"inception_v3", 5713216096u, 23817352u, 122, {1, 1, 1000}},
    {"googlenet", 1498376192u, 6617624u, 83, {1, 1, 1000}},
    {"unet", 48171581440u, 31031810u, 33, {256, 256, 2}},
    {"fsrcnn", 717926400u, 12637u, 10, {480, 480, 1}},
};

}  // namespace

TEST_CASE("every bundled model is in the zoo table", "[zoo]") {
  std::vector<std::string> files;
  for (const auto& path : pinfuse::testing::bundled_models()) files.push_back(path.stem().string());
  CHECK(files.size() == std::size(zoo));
  for (const std::string& file : files) {
    INFO(file);
    CHECK(std::any_of(std::begin(zoo), std::end(zoo), [&](const Published& p) { return file == p.name; }));
    CHECK(std::any_of(std::begin(exact), std::end(exact), [&](const Exact& e) { return file == e.name; }));
  }
}

TEST_CASE("bundled models are within tolerance of their published MACs and parameters", "[zoo]") {
  for (const Published& p : zoo) {
    INFO(p.name);
    Network g;
    REQUIRE_NOTHROW(g = load_model(model_path(p.name)));
    CHECK(model_info(g).name == p.name);
    const ModelTotals t = totals(g);
    CHECK(double(t.macs) == Approx(p.macs).epsilon(p.tolerance));
    CHECK(double(t.params) == Approx(p.params).epsilon(p.tolerance));
  }
}

TEST_CASE("bundled models have the exact counts, sizes and output shapes of the generator", "[zoo]") {
  for (const Exact& e : exact) {
    INFO(e.name);
    const Network g = load_model(model_path(e.name));
    const ModelTotals t = totals(g);
    CHECK(t.macs == e.macs);
    CHECK(t.params == e.params);
    CHECK(boost::num_vertices(g) == e.layers);
    CHECK(g[find_layer(g, "output")].output == e.output);
  }
}

namespace {

/// Loads a bundled model and checks the output shapes of the named layers.
Network with_shapes(const char* model, std::initializer_list<std::pair<const char*, Shape>> expected) {
  Network g = load_model(model_path(model));
  for (const auto& [layer, shape] : expected) {
    INFO(model << " " << layer);
    CHECK(g[find_layer(g, layer)].output == shape);
  }
  return g;
}

}  // namespace

// Output shapes of named layers, as the published architectures give them.
TEST_CASE("inferred shapes of the zoo models", "[zoo]") {
  SECTION("MobileNetV3-Large: squeeze-excite broadcast") {
    with_shapes("mobilenet_v3_large", {{"b4_dw", {28, 28, 72}},
                                       {"b4_se_reduce", {1, 1, 24}},  // make_divisible(72 / 4, 8)
                                       {"b4_se_scale", {28, 28, 72}},
                                       {"conv_head", {1, 1, 1280}}});
  }
  SECTION("SqueezeNet 1.1: the ceil-mode pools divide evenly at 224") {
    with_shapes("squeezenet", {{"conv1", {111, 111, 64}}, {"pool1", {55, 55, 64}}, {"pool3", {27, 27, 128}},
                               {"pool5", {13, 13, 256}}, {"fire9_concat", {13, 13, 512}}});
  }
  SECTION("ShuffleNetV2: channel split, concat and shuffle") {
    const Network g = with_shapes("shufflenet_v2", {{"s2_u1_shuffle", {28, 28, 116}}, {"s2_u2_split_a", {28, 28, 58}},
                                                    {"s2_u2_split_b", {28, 28, 58}}, {"s4_u4_shuffle", {7, 7, 464}}});
    const Layer& split = g[find_layer(g, "s3_u2_split_b")];
    CHECK(split.slice_begin == 116);
    CHECK(split.slice_end == 232);
  }
  SECTION("Inception-v3: asymmetric kernels and concats") {
    with_shapes("inception_v3", {{"pool2", {35, 35, 192}}, {"m5d_concat", {35, 35, 288}}, {"m6a_concat", {17, 17, 768}},
                                 {"m6e_7x7dbl_5", {17, 17, 192}}, {"m7a_concat", {8, 8, 1280}}, {"m7c_concat", {8, 8, 2048}}});
  }
  SECTION("GoogLeNet: ceil-mode pools and four-branch concats") {
    with_shapes("googlenet", {{"conv1", {112, 112, 64}}, {"pool1", {56, 56, 64}}, {"pool2", {28, 28, 192}},
                              {"i3a_concat", {28, 28, 256}}, {"i3b_concat", {28, 28, 480}}, {"pool3", {14, 14, 480}},
                              {"i4e_concat", {14, 14, 832}}, {"pool4", {7, 7, 832}}, {"i5b_concat", {7, 7, 1024}}});
  }
  SECTION("U-Net: transposed convs double H and W") {
    const Network g = with_shapes("unet", {{"mid_conv2", {16, 16, 1024}}, {"u4_up", {32, 32, 512}},
                                           {"u4_concat", {32, 32, 1024}}, {"u1_conv2", {256, 256, 64}}});
    CHECK(macs(g, find_layer(g, "u4_up")) == 16u * 16u * 1024u * 512u * 4u);
    CHECK(params(g, find_layer(g, "u4_up")) == 2u * 2u * 1024u * 512u + 512u);
  }
  SECTION("FSRCNN: the 9x9 stride-2 deconvolution gives 480x480") {
    const Network g = with_shapes("fsrcnn", {{"expand", {240, 240, 56}}, {"deconv", {480, 480, 1}}});
    const Layer& deconv = g[find_layer(g, "deconv")];
    CHECK(deconv.rows.pad_before == 4);
    CHECK(deconv.rows.pad_after == 3);
    CHECK(macs(g, find_layer(g, "deconv")) == 240u * 240u * 56u * 81u);
  }
}

TEST_CASE("model-format.md's slice/shuffle/conv2d_transpose example has the documented shapes and counts", "[zoo]") {
  // Read the example from the document itself, so the two cannot drift apart.
  std::ifstream in(std::string(PINFUSE_SOURCE_DIR) + "/docs/model-format.md");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t name = text.find("\"shuffle_up_example\"");
  REQUIRE(name != std::string::npos);
  const std::size_t begin = text.rfind("```json\n", name);
  const std::size_t end = text.find("```", name);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::size_t body = begin + std::string("```json\n").size();
  const Network g = read_model(nlohmann::json::parse(text.substr(body, end - body)));

  CHECK(g[find_layer(g, "left")].output == Shape{16, 16, 4});
  CHECK(g[find_layer(g, "right")].output == Shape{16, 16, 4});
  CHECK(g[find_layer(g, "cat")].output == Shape{16, 16, 8});
  CHECK(g[find_layer(g, "mix")].output == Shape{16, 16, 8});
  CHECK(g[find_layer(g, "up")].output == Shape{32, 32, 4});
  const Layer& up_same = g[find_layer(g, "up_same")];
  CHECK(up_same.output == Shape{32, 32, 4});
  CHECK(up_same.rows.pad_before == 0);
  CHECK(up_same.rows.pad_after == 1);
  CHECK(g[find_layer(g, "out")].output == Shape{32, 32, 4});
  CHECK(params(g, find_layer(g, "branch")) == 148);
  CHECK(macs(g, find_layer(g, "branch")) == 36864);
  CHECK(params(g, find_layer(g, "up")) == 132);
  CHECK(macs(g, find_layer(g, "up")) == 32768);
  CHECK(params(g, find_layer(g, "up_same")) == 292);
  CHECK(macs(g, find_layer(g, "up_same")) == 73728);
  CHECK(totals(g).params == 572);
  CHECK(totals(g).macs == 143360);
}
