// The bundled model zoo (models/*.json, written by scripts/make_models.py):
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
    {"densenet121", 2.83e9, 7.98e6, 0.03},                   // torchvision densenet121
    {"ssdlite320_mobilenet_v3_large", 0.58e9, 3.44e6, 0.03}, // torchvision
    // Ultralytics YOLOv5s with BatchNorm fused: 7,225,885 params, 16.4 GFLOPs (2 per MAC).
    {"yolov5s", 8.2e9, 7225885, 0.03},
    // LinkNet: 11.5M params (Chaurasia & Culurciello 2017); their 21.2 GFLOPs are for
    // 640x360, so the MACs reference is our own figure (see the docs).
    {"linknet", 10.82e9, 11.5e6, 0.03},
};

struct Exact {
  const char* name;
  std::uint64_t macs;
  std::uint64_t params;
  std::size_t layers;   ///< entries of "layers" in the file
  std::size_t outputs;  ///< output layers
  const char* output;   ///< one output layer...
  Shape shape;          ///< ...and its shape
};

// As printed by scripts/make_models.py (computed in Python from the format's formulas).
const Exact exact[] = {
    {"mobilenet_v1", 568740352u, 4221032u, 31, 1, "output", {1, 1, 1000}},
    {"mobilenet_v2", 300774272u, 3487816u, 66, 1, "output", {1, 1, 1000}},
    {"resnet18", 1814073344u, 11684712u, 33, 1, "output", {1, 1, 1000}},
    {"mobilenet_v3_small", 56510400u, 2536800u, 81, 1, "output", {1, 1, 1000}},
    {"mobilenet_v3_large", 216589760u, 5470832u, 93, 1, "output", {1, 1, 1000}},
    {"efficientnet_b0", 385814752u, 5267540u, 126, 1, "output", {1, 1, 1000}},
    {"resnet50", 4089184256u, 25530472u, 74, 1, "output", {1, 1, 1000}},
    {"squeezenet", 349151936u, 1235496u, 40, 1, "output", {1, 1, 1000}},
    {"shufflenet_v2", 144907992u, 2270514u, 119, 1, "output", {1, 1, 1000}},
    {"inception_v3", 5713216096u, 23817352u, 122, 1, "output", {1, 1, 1000}},
    {"googlenet", 1498376192u, 6617624u, 83, 1, "output", {1, 1, 1000}},
    {"unet", 48171581440u, 31031810u, 33, 1, "output", {256, 256, 2}},
    {"fsrcnn", 717926400u, 12637u, 10, 1, "output", {480, 480, 1}},
    {"densenet121", 2834161664u, 7902696u, 248, 1, "output", {1, 1, 1000}},
    {"ssdlite320_mobilenet_v3_large", 583171904u, 3423588u, 137, 12, "cls0_out", {20, 20, 546}},
    {"yolov5s", 8216780800u, 7225885u, 89, 3, "out_p3", {80, 80, 255}},
    {"linknet", 10817110016u, 11528876u, 50, 1, "output", {512, 512, 12}},
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
    std::size_t outputs = 0;
    for (LayerId v = 0; v < boost::num_vertices(g); ++v) outputs += g[v].kind == LayerKind::output;
    CHECK(outputs == e.outputs);
    CHECK(g[find_layer(g, e.output)].output == e.shape);
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
  SECTION("DenseNet-121: each dense layer reads the concat of its block so far") {
    const Network g = with_shapes("densenet121", {{"pool0", {56, 56, 64}}, {"b1_l2_concat", {56, 56, 96}},
                                                  {"b1_l6_conv2", {56, 56, 32}}, {"b1_concat", {56, 56, 256}},
                                                  {"t1_pool", {28, 28, 128}}, {"b2_concat", {28, 28, 512}},
                                                  {"b3_concat", {14, 14, 1024}}, {"t3_pool", {7, 7, 512}},
                                                  {"b4_l16_concat", {7, 7, 992}}, {"b4_concat", {7, 7, 1024}}});
    CHECK(inputs_of(g, find_layer(g, "b4_l16_concat")).size() == 16);  // block input + 15 layers
    CHECK(inputs_of(g, find_layer(g, "b4_concat")).size() == 17);
    CHECK(g[find_layer(g, "b3_l24_relu")].kind == LayerKind::activation);  // pre-activation ReLU
  }
  SECTION("SSDLite320: six maps, each with a class and a box head") {
    const Network g = with_shapes("ssdlite320_mobilenet_v3_large",
                                  {{"b13_expand", {20, 20, 672}}, {"conv_last", {10, 10, 480}},
                                   {"extra1_expand", {5, 5, 512}}, {"extra2_expand", {3, 3, 256}},
                                   {"extra3_expand", {2, 2, 256}}, {"extra4_expand", {1, 1, 128}},
                                   {"cls0_out", {20, 20, 546}}, {"box0_out", {20, 20, 24}},
                                   {"cls5_out", {1, 1, 546}}, {"box5_out", {1, 1, 24}}});
    // the C4 map feeds the rest of the backbone and both of its heads
    const LayerId c4 = find_layer(g, "b13_expand");
    CHECK(boost::out_degree(c4, g) == 3);
  }
  SECTION("YOLOv5s: SPPF, upsample-and-concat FPN and PAN") {
    with_shapes("yolov5s", {{"l0_conv", {320, 320, 32}}, {"l9_pool3", {20, 20, 256}}, {"l9_concat", {20, 20, 1024}},
                            {"l11_up", {40, 40, 256}}, {"l12_concat", {40, 40, 512}}, {"l16_concat", {80, 80, 256}},
                            {"l19_concat", {40, 40, 256}}, {"l22_concat", {20, 20, 512}},
                            {"out_p3", {80, 80, 255}}, {"out_p4", {40, 40, 255}}, {"out_p5", {20, 20, 255}}});
  }
  SECTION("LinkNet: transposed convs back up to the encoder maps they are added to") {
    const Network g = with_shapes("linknet", {{"maxpool", {128, 128, 64}}, {"e4_b2_add", {16, 16, 512}},
                                              {"d4_up", {32, 32, 128}}, {"d4_add", {32, 32, 256}},
                                              {"d2_add", {128, 128, 64}}, {"d1_up", {128, 128, 16}},
                                              {"d1_add", {128, 128, 64}}, {"final_up1", {256, 256, 32}},
                                              {"final_up2", {512, 512, 12}}});
    CHECK(macs(g, find_layer(g, "d4_up")) == 16u * 16u * 128u * 128u * 9u);
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
