// The ONNX importer on models built here (ONNX text syntax plus random weights):
// layer kinds, shapes, MACs and parameters; the round trip through model_to_json;
// solving and validating every strategy; and the errors for what it cannot import.
#include <catch2/catch.hpp>

#if PINFUSE_HAS_ONNX

#include <onnx/defs/parser.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/onnx_import.hpp"
#include "pinfuse/model/statistics.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/imported_network.hpp"

using namespace pinfuse;
using namespace pinfuse::testing;

namespace {

using Weights = std::vector<std::pair<std::string, std::vector<std::int64_t>>>;

/// Parses the ONNX text syntax and adds float initializers of the given shapes (small random values).
onnx::ModelProto onnx_model(const char* text, const Weights& weights = {}) {
  onnx::ModelProto m;
  const auto status = onnx::OnnxParser::Parse(m, text);
  INFO(status.ErrorMessage());
  REQUIRE(status.IsOK());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-0.1f, 0.1f);
  for (const auto& [name, dims] : weights) {
    onnx::TensorProto& t = *m.mutable_graph()->add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (const std::int64_t d : dims) {
      t.add_dims(d);
      n *= d;
    }
    for (std::int64_t i = 0; i < n; ++i) t.add_float_data(value(rng));
  }
  return m;
}

/// Importing `m` throws an input_error at `where` whose reason contains `reason`.
void check_import_error(const onnx::ModelProto& m, const std::string& where, const std::string& reason) {
  try {
    import_onnx(m);
    FAIL("no error");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.where() == where);
    CHECK_THAT(e.reason(), Catch::Contains(reason));
  }
}

/// Names every node after its first output, with a prefix, so errors show node names.
void name_nodes(onnx::ModelProto& m, const std::string& prefix) {
  for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node()) n.set_name(prefix + n.output(0));
}

const char* const conv_bn_relu_text = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  chain (float[N, 3, 32, 32] image) => (out) <float lo = {0.0}, float hi = {6.0}> {
    c1 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (image, w1)
    b1 = BatchNormalization (c1, s1, o1, m1, v1)
    r1 = Relu (b1)
    c2 = Conv <kernel_shape = [3, 3], strides = [2, 2], auto_pad = "SAME_UPPER"> (r1, w2, bias2)
    b2 = BatchNormalization (c2, s2, o2, m2, v2)
    r2 = Clip (b2, lo, hi)
    p = MaxPool <kernel_shape = [3, 3], strides = [2, 2], ceil_mode = 1> (r2)
    c3 = Conv <kernel_shape = [1, 1]> (p, w3)
    b3 = BatchNormalization (c3, s3, o3, m3, v3)
    l3 = LeakyRelu <alpha = 0.1> (b3)
    out = Identity (l3)
  })";

Weights bn(const std::string& i, std::int64_t c) {
  return {{"s" + i, {c}}, {"o" + i, {c}}, {"m" + i, {c}}, {"v" + i, {c}}};
}

onnx::ModelProto conv_bn_relu() {
  Weights w{{"w1", {16, 3, 3, 3}}, {"w2", {32, 16, 3, 3}}, {"bias2", {32}}, {"w3", {24, 32, 1, 1}}};
  for (const auto& [i, c] : {std::pair{"1", 16}, std::pair{"2", 32}, std::pair{"3", 24}})
    for (auto& x : bn(i, c)) w.push_back(x);
  return onnx_model(conv_bn_relu_text, w);
}

/// A [N, 3, H, W] input, and tf2onnx's flatten: Shape -> Cast(INT32) -> Gather -> Unsqueeze ->
/// Concat with an INT32 -1 -> Cast(INT64) -> Reshape; fits a 31x31 input.
onnx::ModelProto dynamic_model() {
  return onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    dynamic (float[N, 3, H, W] x) => (y) <int32 zero = {0}, int32[1] minus1 = {-1}, int64[1] axes = {0}> {
      c = Conv <kernel_shape = [3, 3], strides = [2, 2]> (x, w, b)
      s = Shape (c)
      s32 = Cast <to = 6> (s)
      n = Gather <axis = 0> (s32, zero)
      n1 = Unsqueeze (n, axes)
      t32 = Concat <axis = 0> (n1, minus1)
      t = Cast <to = 7> (t32)
      f = Reshape (c, t)
      y = Gemm <transB = 1> (f, wf, bf)
    })",
                                        {{"w", {8, 3, 3, 3}}, {"b", {8}}, {"wf", {5, 8 * 15 * 15}}, {"bf", {5}}});
}

}  // namespace

TEST_CASE("ONNX conv-bn-relu chain: BatchNorm and activations fold into the convolutions", "[onnx]") {
  const Network g = import_onnx(conv_bn_relu());
  CHECK(model_info(g).name == "chain");
  CHECK(model_info(g).dtype_bytes == 4);  // float32
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "pool", "conv2d", "output"});
  const LayerId c1 = find(g, "c1"), c2 = find(g, "c2"), p = find(g, "p"), c3 = find(g, "c3");
  CHECK(g[find(g, "image")].output == Shape{32, 32, 3});
  CHECK(g[c1].output == Shape{32, 32, 16});
  CHECK(g[c1].bias);  // BatchNorm folded into the bias
  CHECK(g[c1].activation == Activation::relu);
  CHECK(g[c2].output == Shape{16, 16, 32});
  CHECK(g[c2].rows.same);
  CHECK(g[c2].activation == Activation::relu6);
  CHECK(g[p].output == Shape{8, 8, 32});  // ceil_mode: ceil((16 - 3) / 2) + 1
  CHECK(g[p].rows.pad_after == 1);
  CHECK(g[c3].activation == Activation::leaky_relu);
  CHECK(g[c3].bias);
  CHECK(input_names(g, find(g, "out")) == std::vector<std::string>{"c3"});
  CHECK(macs(g, c1) == 32ull * 32 * 16 * 3 * 9);
  CHECK(macs(g, c2) == 16ull * 16 * 32 * 16 * 9);
  CHECK(macs(g, c3) == 8ull * 8 * 24 * 32);
  CHECK(params(g, c1) == 16ull * 3 * 9 + 16);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX depthwise-separable block: residual add, SE, swish, hard-swish and a folded bias", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    block (float[1, 16, 20, 20] x) => (y) {
      e = Conv <kernel_shape = [1, 1]> (x, we, be)
      es = Sigmoid (e)
      ea = Mul (e, es)
      d = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1], group = 64> (ea, wd)
      da = HardSwish (d)
      sq = GlobalAveragePool (da)
      s1 = Conv <kernel_shape = [1, 1]> (sq, ws1, bs1)
      s1r = Relu (s1)
      s2 = Conv <kernel_shape = [1, 1]> (s1r, ws2, bs2)
      s2h = HardSigmoid <alpha = 0.1666667, beta = 0.5> (s2)
      se = Mul (da, s2h)
      p = Conv <kernel_shape = [1, 1]> (se, wp)
      pb = Add (p, bp)
      y0 = Add (x, pb)
      y = Relu (y0)
    })",
                                           {{"we", {64, 16, 1, 1}}, {"be", {64}}, {"wd", {64, 1, 3, 3}},
                                            {"ws1", {16, 64, 1, 1}}, {"bs1", {16}}, {"ws2", {64, 16, 1, 1}},
                                            {"bs2", {64}}, {"wp", {16, 64, 1, 1}}, {"bp", {16, 1, 1}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "pool", "conv2d", "conv2d", "mul",
                                             "conv2d", "add", "output"});
  const LayerId e = find(g, "e"), d = find(g, "d"), sq = find(g, "sq"), se = find(g, "se"), p = find(g, "p"),
                y0 = find(g, "y0");
  CHECK(g[e].activation == Activation::swish);  // x * sigmoid(x)
  CHECK(g[d].activation == Activation::hswish);
  CHECK(g[d].is_depthwise(64));
  CHECK(g[sq].global_pool);
  CHECK(g[sq].output == Shape{1, 1, 64});
  CHECK(g[find(g, "s1")].activation == Activation::relu);
  CHECK(g[find(g, "s2")].activation == Activation::hsigmoid);
  CHECK(input_names(g, se) == std::vector<std::string>{"d", "s2"});
  CHECK(g[se].output == Shape{20, 20, 64});
  CHECK(g[p].bias);  // the constant Add after a bias-free conv
  CHECK(input_names(g, y0) == std::vector<std::string>{"x", "p"});
  CHECK(g[y0].activation == Activation::relu);
  CHECK(macs(g, e) == 20ull * 20 * 64 * 16);
  CHECK(macs(g, d) == 20ull * 20 * 64 * 9);
  CHECK(params(g, d) == 64ull * 9);
  CHECK(totals(g).macs == 20ull * 20 * 64 * 16 * 2 + 20ull * 20 * 64 * 9 + 2 * 64 * 16);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX inception-like block: branches, dilation, asymmetric pads and a concat", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    inception (float[1, 32, 28, 20] x) => (y) {
      b1 = Conv <kernel_shape = [1, 1]> (x, w1, c1)
      b1r = Relu (b1)
      b2a = Conv <kernel_shape = [1, 1]> (x, w2a)
      b2ar = Relu (b2a)
      b2 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (b2ar, w2)
      b2r = Relu (b2)
      b3 = Conv <kernel_shape = [3, 3], dilations = [2, 2], pads = [2, 2, 2, 2]> (x, w3)
      b3r = Relu (b3)
      b4p = MaxPool <kernel_shape = [3, 3], strides = [1, 1], pads = [1, 1, 1, 1]> (x)
      b4 = Conv <kernel_shape = [1, 1]> (b4p, w4)
      b4r = Relu (b4)
      b5 = Conv <kernel_shape = [3, 3], pads = [1, 2, 1, 0]> (x, w5)
      y = Concat <axis = 1> (b1r, b2r, b3r, b4r, b5)
    })",
                                           {{"w1", {16, 32, 1, 1}}, {"c1", {16}}, {"w2a", {24, 32, 1, 1}},
                                            {"w2", {32, 24, 3, 3}}, {"w3", {8, 32, 3, 3}}, {"w4", {8, 32, 1, 1}},
                                            {"w5", {4, 32, 3, 3}}}));
  const LayerId y = find(g, "y"), b3 = find(g, "b3"), b4p = find(g, "b4p"), b5 = find(g, "b5");
  CHECK(g[y].kind == LayerKind::concat);
  CHECK(input_names(g, y) == std::vector<std::string>{"b1", "b2", "b3", "b4", "b5"});
  CHECK(g[y].output == Shape{28, 20, 68});
  CHECK(g[b3].rows.dilation == 2);
  CHECK(g[b4p].rows.stride == 1);
  // ONNX pads [top, left, bottom, right] = [1, 2, 1, 0]
  CHECK(g[b5].rows.pad_before == 1);
  CHECK(g[b5].rows.pad_after == 1);
  CHECK(g[b5].cols.pad_before == 2);
  CHECK(g[b5].cols.pad_after == 0);
  CHECK(g[find(g, "y_output")].kind == LayerKind::output);
  CHECK(macs(g, b3) == 28ull * 20 * 8 * 32 * 9);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX classifier: GlobalAveragePool, Flatten, Squeeze, Gemm, MatMul + bias, Dropout, Softmax", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    classifier (float[1, 3, 16, 16] x) => (prob, logits2, q) {
      c = Conv <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (x, wc, bc)
      cr = Relu (c)
      g = GlobalAveragePool (cr)
      gs = Sigmoid (g)
      f = Flatten (gs)
      h = Gemm <transB = 1> (f, w1, b1)
      hr = Relu (h)
      hd = Dropout (hr)
      logits = Gemm (hd, w2, b2)
      prob = Softmax <axis = 1> (logits)
      vf = Flatten (cr)
      v = MatMul (vf, w3)
      logits2 = Add (v, b3)
      gq = Squeeze (g)
      q = MatMul (gq, w4)
    })",
                                           {{"wc", {8, 3, 3, 3}}, {"bc", {8}}, {"w1", {32, 8}}, {"b1", {32}},
                                            {"w2", {32, 10}}, {"b2", {10}}, {"w3", {512, 5}}, {"b3", {5}},
                                            {"w4", {8, 3}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pool", "activation", "fc", "fc", "fc", "fc", "output",
                                             "output", "output"});
  CHECK(input_names(g, find(g, "q")) == std::vector<std::string>{"g"});  // Squeeze to [8] folds
  CHECK(g[find(g, "q")].output == Shape{1, 1, 3});
  const LayerId c = find(g, "c"), gs = find(g, "gs"), h = find(g, "h"), logits = find(g, "logits"), v = find(g, "v");
  CHECK(g[c].activation == Activation::relu);
  CHECK(g[gs].activation == Activation::sigmoid);  // after a pool: a layer of its own
  CHECK(g[h].filters == 32);
  CHECK(g[h].activation == Activation::relu);
  CHECK(g[logits].output == Shape{1, 1, 10});
  CHECK(input_names(g, find(g, "prob")) == std::vector<std::string>{"logits"});
  CHECK(input_names(g, v) == std::vector<std::string>{"c"});  // fc flattens the [8, 8, 8] map itself
  CHECK(g[v].bias);                                          // MatMul + Add
  CHECK(input_names(g, find(g, "logits2")) == std::vector<std::string>{"v"});
  CHECK(macs(g, h) == 8ull * 32);
  CHECK(macs(g, v) == 512ull * 5);
  CHECK(params(g, v) == 512ull * 5 + 5);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX U-Net-like decoder: Resize by scales and sizes, skip concat, average pool", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    unet (float[1, 3, 32, 32] x) => (ys) <float[4] up = {1.0, 1.0, 2.0, 2.0}, int64[4] sizes = {1, 8, 32, 32}> {
      e1 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w1, b1)
      e1r = Relu (e1)
      d1 = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (e1r)
      e2 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (d1, w2, b2)
      e2r = Relu (e2)
      u1 = Resize <mode = "nearest"> (e2r, , up)
      cat = Concat <axis = 1> (u1, e1r)
      e3 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (cat, w3, b3)
      e3r = Relu (e3)
      d2 = AveragePool <kernel_shape = [2, 2], strides = [2, 2]> (e3r)
      u2 = Resize <mode = "linear"> (d2, , , sizes)
      y = Conv <kernel_shape = [1, 1]> (u2, w4, b4)
      ys = Sigmoid (y)
    })",
                                           {{"w1", {8, 3, 3, 3}}, {"b1", {8}}, {"w2", {16, 8, 3, 3}}, {"b2", {16}},
                                            {"w3", {8, 24, 3, 3}}, {"b3", {8}}, {"w4", {2, 8, 1, 1}}, {"b4", {2}}}));
  const LayerId u1 = find(g, "u1"), u2 = find(g, "u2"), cat = find(g, "cat"), d2 = find(g, "d2");
  CHECK(g[u1].kind == LayerKind::resize);
  CHECK(g[u1].scale_h == 2);
  CHECK(g[u1].resize_mode == ResizeMode::nearest);
  CHECK(g[u1].output == Shape{32, 32, 16});
  CHECK(input_names(g, cat) == std::vector<std::string>{"u1", "e1"});
  CHECK(g[cat].output == Shape{32, 32, 24});
  CHECK(g[d2].pool_mode == PoolMode::avg);
  CHECK(g[u2].resize_mode == ResizeMode::bilinear);
  CHECK(g[u2].output == Shape{32, 32, 8});
  CHECK(g[find(g, "y")].activation == Activation::sigmoid);
  CHECK(input_names(g, find(g, "ys")) == std::vector<std::string>{"y"});
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX ConvTranspose: pads, output_padding, SAME, output_shape and groups", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    decoder (float[1, 16, 8, 8] x) => (y) {
      t1 = ConvTranspose <kernel_shape = [4, 4], strides = [2, 2], pads = [1, 1, 1, 1]> (x, w1, b1)
      t1r = Relu (t1)
      t2 = ConvTranspose <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], output_padding = [1, 1]> (t1r, w2)
      t3 = ConvTranspose <kernel_shape = [3, 3], strides = [3, 3], auto_pad = "SAME_UPPER", group = 2> (t2, w3)
      y = ConvTranspose <kernel_shape = [2, 2], strides = [2, 2], output_shape = [191, 191]> (t3, w4)
    })",
                                           {{"w1", {16, 8, 4, 4}}, {"b1", {8}}, {"w2", {8, 4, 3, 3}},
                                            {"w3", {4, 1, 3, 3}}, {"w4", {2, 3, 2, 2}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d_transpose", "conv2d_transpose", "conv2d_transpose",
                                             "conv2d_transpose", "output"});
  const LayerId t1 = find(g, "t1"), t2 = find(g, "t2"), t3 = find(g, "t3"), y = find(g, "y");
  CHECK(g[t1].output == Shape{16, 16, 8});
  CHECK(g[t1].activation == Activation::relu);
  CHECK(g[t2].output == Shape{32, 32, 4});  // 15 * 2 + 1 + 3 - 2
  CHECK(g[t2].rows.pad_after == 0);         // output_padding 1 taken off the end padding
  CHECK(g[t3].output == Shape{96, 96, 2});
  CHECK(g[t3].groups == 2);
  CHECK(g[y].output == Shape{191, 191, 3});
  CHECK(macs(g, t1) == 8ull * 8 * 16 * 8 * 16);
  CHECK(params(g, t3) == 3ull * 3 * (4 / 2) * 2);  // kh * kw * (C_in / groups) * C_out, no bias
  check_round_trip_and_solve(g);
}

namespace {

/// A ConvNeXt block as PyTorch exports it: a depthwise 7x7 conv, a permute to NHWC, a
/// LayerNorm over the channels (`norm`: its nodes before opset 17, LayerNormalization
/// after), Linear - GELU - Linear on the channels-last map, a permute back, the layer
/// scale and the residual add.
onnx::ModelProto convnext_block(int opset, const std::string& norm) {
  const std::string text = "<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) + R"(]>
    block (float[1, 8, 16, 16] image) => (out)
        <float two = {2.0}, float eps = {0.000001}, float sqrt2 = {1.4142135}, float one = {1.0}, float half = {0.5}> {
      dw = Conv <kernel_shape = [7, 7], pads = [3, 3, 3, 3], group = 8> (image, wdw, bdw)
      t = Transpose <perm = [0, 2, 3, 1]> (dw)
)" + norm + R"(
      l1 = MatMul (normed, w1)
      l1b = Add (bias1, l1)
      h = Div (l1b, sqrt2)
      er = Erf (h)
      ea = Add (er, one)
      gm = Mul (l1b, ea)
      gl = Mul (gm, half)
      l2 = MatMul (gl, w2)
      l2b = Add (bias2, l2)
      back = Transpose <perm = [0, 3, 1, 2]> (l2b)
      sc = Mul (layer_scale, back)
      out = Add (sc, image)
    })";
  onnx::ModelProto m = onnx_model(text.c_str(), {{"wdw", {8, 1, 7, 7}}, {"bdw", {8}}, {"gamma", {8}}, {"beta", {8}},
                                                  {"w1", {8, 32}}, {"bias1", {32}}, {"w2", {32, 8}}, {"bias2", {8}},
                                                  {"layer_scale", {8, 1, 1}}});
  return m;
}

/// F.layer_norm as PyTorch exports it before opset 17.
const char* const layer_norm_nodes = R"(
      m = ReduceMean <axes = [-1]> (t)
      d = Sub (t, m)
      q = Pow (d, two)
      v = ReduceMean <axes = [-1]> (q)
      e = Add (v, eps)
      s = Sqrt (e)
      y = Div (d, s)
      g = Mul (y, gamma)
      normed = Add (g, beta))";

/// layer_norm_nodes with each node `from` written as `to` (a node changed, or removed with "").
std::string layer_norm_variant(const std::vector<std::pair<std::string, std::string>>& changes) {
  std::string text = layer_norm_nodes;
  for (const auto& [from, to] : changes) {
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("ONNX ConvNeXt block: a LayerNorm over the channels (as nodes or one node) and Linears on NHWC maps", "[onnx]") {
  const std::vector<std::pair<std::string, onnx::ModelProto>> spellings{
      {"nodes, opset 13", convnext_block(13, layer_norm_nodes)},
      {"squared by Mul, divided by Reciprocal",
       convnext_block(13, R"(
      m = ReduceMean <axes = [3]> (t)
      d = Sub (t, m)
      q = Mul (d, d)
      v = ReduceMean <axes = [-1], keepdims = 1> (q)
      e = Add (v, eps)
      s = Sqrt (e)
      r = Reciprocal (s)
      y = Mul (d, r)
      g = Mul (y, gamma)
      normed = Add (g, beta))")},
      {"LayerNormalization, opset 17",
       convnext_block(17, R"(
      normed = LayerNormalization <axis = -1, epsilon = 0.000001> (t, gamma, beta))")}};
  for (const auto& [spelling, model] : spellings) {
    INFO(spelling);
    ImportSummary summary;
    OnnxImportOptions options;
    options.summary = &summary;
    const Network g = import_onnx(model, options);
    REQUIRE(kinds(g) == std::vector<std::string>{"input", "conv2d", "layer_norm", "conv2d", "conv2d", "add", "output"});
    const LayerId dw = find(g, "dw"), norm = find(g, "normed"), l1 = find(g, "l1"), l2 = find(g, "l2");
    CHECK(g[norm].output == Shape{16, 16, 8});
    CHECK(g[norm].norm_scale);
    CHECK(g[norm].bias);
    CHECK(input_names(g, norm) == std::vector<std::string>{"dw"});
    CHECK(params(g, norm) == 2 * 8);
    CHECK(macs(g, norm) == 0);
    CHECK(vector_ops_per_row(g, norm) == 16ull * (8 * 7 + 7));  // W * (C * (5 + scale + bias) + 7)
    // The Linears are 1x1 convs over the channels, with their biases; GELU fuses into the first.
    CHECK(g[l1].output == Shape{16, 16, 32});
    CHECK(g[l1].rows.kernel == 1);
    CHECK(g[l1].bias);
    CHECK(g[l1].activation == Activation::gelu);
    CHECK(input_names(g, l1) == std::vector<std::string>{"normed"});
    CHECK(g[l2].output == Shape{16, 16, 8});
    CHECK(g[l2].bias);
    CHECK(macs(g, l1) == 16ull * 16 * 32 * 8);
    CHECK(params(g, l2) == 32ull * 8 + 8);
    CHECK(input_names(g, find(g, "out")) == std::vector<std::string>{"l2", "image"});
    CHECK(totals(g).params == 8ull * 49 + 8 + 16 + 8 * 32 + 32 + 32 * 8 + 8);
    CHECK(summary.fused.count("layer norm") == (spelling.find("nodes") != std::string::npos ||
                                                spelling.find("Reciprocal") != std::string::npos));
    // A layer_norm is never split into channel chunks, at any SPM size: each output reads all
    // channels of its pixel.
    const ReferenceAccelerator accel(g, Hardware{});
    const std::vector<std::size_t> alone{norm};
    const std::vector<BoundaryFm> in{{dw, Residence::dram}}, out{{norm, Residence::dram}};
    int fits = 0;
    for (std::uint64_t bytes = 256; bytes <= 64 * 1024; bytes += 256) {
      const auto cost = accel.evaluate(GroupQuery{alone, in, out, bytes});
      if (!cost) continue;
      ++fits;
      const auto chunks = cost->tiling.find("channel_chunks");
      CHECK((chunks == cost->tiling.end() || chunks->second == 1));
    }
    CHECK(fits > 0);
    check_round_trip_and_solve(g);
  }
}

TEST_CASE("ONNX layer norms without gamma and beta, over NCHW maps, and constants that only look per-channel",
          "[onnx]") {
  // No scale and shift: a layer_norm without parameters.
  const Network bare = import_onnx(convnext_block(
      13, layer_norm_variant({{"y = Div (d, s)", "normed = Div (d, s)"}, {"g = Mul (y, gamma)", ""}, {"normed = Add (g, beta)", ""}})));
  const LayerId n = find(bare, "normed");
  CHECK(bare[n].kind == LayerKind::layer_norm);
  CHECK(!bare[n].norm_scale);
  CHECK(!bare[n].bias);
  CHECK(params(bare, n) == 0);
  check_round_trip_and_solve(bare);
  // Over the channels of an NCHW map (axis 1), gamma and beta [C, 1, 1]; on an 8x8 map of 8
  // channels a [C] constant broadcasts along W, not along the channels: it is no gamma (a
  // constant Mul that folds into the map) and the layer has no scale.
  const auto nchw = [](std::vector<std::int64_t> gamma) {
    return onnx_model(R"(
      <ir_version: 8, opset_import: ["" : 13]>
      nchw (float[1, 8, 8, 8] image) => (out) <float two = {2.0}, float eps = {0.00001}> {
        c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (image, wc)
        m = ReduceMean <axes = [1]> (c)
        d = Sub (c, m)
        q = Pow (d, two)
        v = ReduceMean <axes = [1]> (q)
        e = Add (v, eps)
        s = Sqrt (e)
        y = Div (d, s)
        g = Mul (y, gamma)
        n = Add (g, beta)
        out = Conv <kernel_shape = [1, 1]> (n, wo)
      })",
                      {{"wc", {8, 8, 3, 3}}, {"wo", {4, 8, 1, 1}}, {"gamma", std::move(gamma)}, {"beta", {8, 1, 1}}});
  };
  const Network along_w = import_onnx(nchw({8}));  // [C] broadcasts along W
  CHECK(kinds(along_w) == std::vector<std::string>{"input", "conv2d", "layer_norm", "conv2d", "output"});
  CHECK(!along_w[find(along_w, "y")].norm_scale);
  CHECK(!along_w[find(along_w, "y")].bias);  // the Add is not right after the normalization
  const Network along_c = import_onnx(nchw({8, 1, 1}));
  const LayerId norm = find(along_c, "n");
  CHECK(along_c[norm].kind == LayerKind::layer_norm);
  CHECK(along_c[norm].norm_scale);
  CHECK(along_c[norm].bias);
  CHECK(params(along_c, norm) == 16);
  check_round_trip_and_solve(along_c);
}

TEST_CASE("ONNX normalizations over the channels that are no layer_norm are errors that say why", "[onnx]") {
  const auto fails = check_import_error;
  // The mean subtracted and nothing more: its result goes on to the Linear.
  fails(convnext_block(13, R"(
      m = ReduceMean <axes = [-1]> (t)
      normed = Sub (t, m))"),
        "node 'm' (ReduceMean)",
        "starts no layer normalization: 'normed' is not read by exactly a square (Pow by 2, or Mul by itself) and a Div");
  // The variance's mean over other axes than the first mean's.
  fails(convnext_block(13, layer_norm_variant({{"v = ReduceMean <axes = [-1]>", "v = ReduceMean <axes = [1, 2]>"}})),
        "node 'm' (ReduceMean)", "node 'v' (ReduceMean) does not reduce the axes the mean reduces");
  // A mean that drops the reduced axis, a Sub of three inputs, an epsilon of one value per channel.
  fails(convnext_block(13, layer_norm_variant({{"m = ReduceMean <axes = [-1]>", "m = ReduceMean <axes = [-1], keepdims = 0>"},
                                               {"v = ReduceMean <axes = [-1]>", "v = ReduceMean <axes = [-1], keepdims = 0>"}})),
        "node 'm' (ReduceMean)", "node 'm' (ReduceMean) drops the reduced axis (keepdims = 0)");
  fails(convnext_block(13, layer_norm_variant({{"d = Sub (t, m)", "d = Sub (t, m, t)"}})),
        "node 'm' (ReduceMean)", "node 'd' (Sub) does not subtract the mean from 't'");
  fails(convnext_block(13, layer_norm_variant({{"e = Add (v, eps)", "e = Add (v, gamma)"}})),
        "node 'm' (ReduceMean)", "node 'e' (Add) does not add a scalar constant (epsilon) to the variance");
  // A ReduceMax in place of the mean computes no layer normalization.
  fails(convnext_block(13, layer_norm_variant({{"m = ReduceMean", "m = ReduceMax"}})),
        "node 'm' (ReduceMax)", "ReduceMax over the NCHW axes [1]; only the spatial axes H and W (a global pool)");
  // LayerNormalization over H, W and C of an NHWC map (axis 1); one whose Mean output is used; a B of one value.
  fails(convnext_block(17, R"(
      normed = LayerNormalization <axis = 1> (t, gamma, beta))"),
        "node 'normed' (LayerNormalization)", "only a normalization over the channels alone");
  fails(convnext_block(17, R"(
      n0, mean = LayerNormalization <axis = -1> (t, gamma, beta)
      normed = Add (n0, mean))"),
        "node 'n0' (LayerNormalization)", "output 1 ('mean') is used");
  onnx::ModelProto one_b = convnext_block(17, R"(
      normed = LayerNormalization <axis = -1> (t, gamma, b1))");
  onnx::TensorProto& b1 = *one_b.mutable_graph()->add_initializer();
  b1.set_name("b1");
  b1.set_data_type(onnx::TensorProto::FLOAT);
  b1.add_dims(1);
  b1.add_float_data(0.f);
  fails(one_b, "node 'normed' (LayerNormalization)", "the B 'b1' is [1]; a layer_norm has one value per channel (8)");
  // A Linear whose weights do not fit the map's channels.
  onnx::ModelProto wide = convnext_block(13, layer_norm_nodes);
  for (onnx::TensorProto& t : *wide.mutable_graph()->mutable_initializer())
    if (t.name() == "w1") {
      t.clear_dims();
      t.add_dims(4);
      t.add_dims(64);
    }
  fails(wide, "node 'l1' (MatMul)", "expect 4 input channels");
}

TEST_CASE("ONNX ShuffleNet unit: Split, Slice and the Reshape-Transpose-Reshape channel shuffle", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    shuffle (float[1, 16, 8, 8] x) => (y, z)
        <int64[5] s5 = {1, 2, 8, 8, 8}, int64[4] s4 = {1, 16, 8, 8}, int64[1] st = {4}, int64[1] en = {12},
         int64[1] ax = {1}> {
      a, b = Split <axis = 1> (x)
      bc = Conv <kernel_shape = [1, 1]> (b, wb, bb)
      bcr = Relu (bc)
      cat = Concat <axis = 1> (a, bcr)
      r1 = Reshape (cat, s5)
      t = Transpose <perm = [0, 2, 1, 3, 4]> (r1)
      y = Reshape (t, s4)
      z = Slice (y, st, en, ax)
    })",
                                           {{"wb", {8, 8, 1, 1}}, {"bb", {8}}}));
  const LayerId a = find(g, "a"), b = find(g, "b"), shuffle = find(g, "y"), z = find(g, "z");
  CHECK(g[a].kind == LayerKind::slice);
  CHECK((g[a].slice_begin == 0 && g[a].slice_end == 8));
  CHECK((g[b].slice_begin == 8 && g[b].slice_end == 16));
  CHECK(g[shuffle].kind == LayerKind::shuffle);
  CHECK(g[shuffle].groups == 2);
  CHECK(input_names(g, shuffle) == std::vector<std::string>{"cat"});
  CHECK(g[z].kind == LayerKind::slice);
  CHECK((g[z].slice_begin == 4 && g[z].slice_end == 12));
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX opset 9: Upsample, Clip and Flatten-Reshape round trips fold", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 4, opset_import: ["" : 9]>
    old (float[1, 4, 6, 6] x) => (y) <float[4] scales = {1.0, 1.0, 3.0, 2.0}, int64[4] back = {1, 4, 6, 6}> {
      c = Conv <kernel_shape = [1, 1]> (x, w)
      r = Clip <min = 0.0, max = 6.0> (c)
      f = Flatten (r)
      u = Reshape (f, back)
      y = Upsample <mode = "nearest"> (u, scales)
    })",
                                           {{"w", {4, 4, 1, 1}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "resize", "output"});
  const LayerId y = find(g, "y");
  CHECK(g[find(g, "c")].activation == Activation::relu6);
  CHECK((g[y].scale_h == 3 && g[y].scale_w == 2));
  CHECK(g[y].output == Shape{18, 12, 4});
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX shape arithmetic (PyTorch's x.view(x.size(0), -1)) is constant and the Reshape folds", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    view (float[1, 4, 5, 5] x) => (y) <int64 zero = {0}, int64[1] minus1 = {-1}, int64[1] axes = {0}> {
      c = Conv <kernel_shape = [3, 3]> (x, w, b)
      s = Shape (c)
      n = Gather <axis = 0> (s, zero)
      n1 = Unsqueeze (n, axes)
      target = Concat <axis = 0> (n1, minus1)
      f = Reshape (c, target)
      y = Gemm <transB = 1> (f, wf, bf)
    })",
                                           {{"w", {6, 4, 3, 3}}, {"b", {6}}, {"wf", {7, 54}}, {"bf", {7}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "fc", "output"});
  CHECK(macs(g, find(g, "y")) == 3ull * 3 * 6 * 7);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX dynamic input dims are fixed by input_dims, shape arithmetic in INT32 folds with its type", "[onnx]") {
  const onnx::ModelProto m = dynamic_model();
  try {
    import_onnx(m);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(e.where() == "graph input 'x'");
    CHECK_THAT(e.reason(), Catch::Contains("[?, 3, ?, ?]") && Catch::Contains("--input x=1x3x224x224"));
  }
  OnnxImportOptions options;
  options.input_dims["x"] = {1, 3, 31, 31};
  const Network g = import_onnx(m, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "fc", "output"});
  CHECK(g[find(g, "x")].output == Shape{31, 31, 3});
  CHECK(macs(g, find(g, "c")) == 15ull * 15 * 8 * 3 * 9);
  CHECK(params(g, find(g, "y")) == 8ull * 15 * 15 * 5 + 5);
  check_round_trip_and_solve(g);

  options.input_dims["x"] = {1, 4, 31, 31};
  options.input_dims["z"] = {1, 4};
  try {
    import_onnx(m, options);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(e.where() == "graph input 'x'");
    CHECK_THAT(e.reason(), Catch::Contains("differs in a fixed dimension") && Catch::Contains("--input z: names no graph input"));
  }
}

TEST_CASE("ONNX tf2onnx layout: an NHWC input, transposes around ops and an NHWC concat fold away", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    nhwc (uint8[N, 32, 32, 3] image) => (y, gp, up)
        <float mean = {0.5}, float[1, 1, 1, 8] scale = {1, 2, 3, 4, 5, 6, 7, 8}, int64[8] p = {0, 1, 1, 0, 0, 1, 1, 0},
         int64[1] st = {4}, int64[1] en = {12}, int64[1] ax = {3}, float[4] up2 = {1.0, 2.0, 2.0, 1.0}> {
      f = Cast <to = 1> (image)
      n = Sub (f, mean)
      np = Pad (n, p)
      t = Transpose <perm = [0, 3, 1, 2]> (np)
      c1 = Conv <kernel_shape = [3, 3]> (t, w1, b1)
      c1t = Transpose <perm = [0, 2, 3, 1]> (c1)
      r1 = Relu (c1t)
      s1 = Mul (r1, scale)
      a = Transpose <perm = [0, 3, 1, 2]> (s1)
      c2 = Conv <kernel_shape = [1, 1]> (a, w2, b2)
      c2t = Transpose <perm = [0, 2, 3, 1]> (c2)
      sum = Add (c2t, r1)
      cat = Concat <axis = 3> (sum, r1)
      ct = Transpose <perm = [0, 3, 1, 2]> (cat)
      c3 = Conv <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (ct, w3, b3)
      y = Transpose <perm = [0, 2, 3, 1]> (c3)
      gp = ReduceMean <axes = [1, 2], keepdims = 0> (y)
      half_a, half_b = Split <axis = 3> (cat)
      part = Slice (cat, st, en, ax)
      both = Add (half_b, part)
      up = Resize (both, , up2)
    })",
                                           {{"w1", {8, 3, 3, 3}}, {"b1", {8}}, {"w2", {8, 8, 1, 1}}, {"b2", {8}},
                                            {"w3", {4, 16, 3, 3}}, {"b3", {4}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "add", "concat", "conv2d", "pool", "slice",
                                             "slice", "add", "resize", "output", "output", "output"});
  // NHWC Split, Slice (axis 3) and Resize (scales [1, 2, 2, 1]).
  CHECK((g[find(g, "half_b")].slice_begin == 8 && g[find(g, "half_b")].slice_end == 16));
  CHECK((g[find(g, "part")].slice_begin == 4 && g[find(g, "part")].slice_end == 12));
  CHECK(g[find(g, "up")].scale_h == 2);
  CHECK(g[find(g, "up")].output == Shape{64, 64, 8});
  CHECK(g[find(g, "image")].output == Shape{32, 32, 3});
  CHECK(g[find(g, "gp")].global_pool);  // a ReduceMean over NHWC's H and W
  CHECK(g[find(g, "gp")].output == Shape{1, 1, 4});
  CHECK(model_info(g).dtype_bytes == 1);  // the uint8 input
  CHECK(g[find(g, "c1")].activation == Activation::relu);
  CHECK((g[find(g, "c1")].rows.pad_before == 1 && g[find(g, "c1")].cols.pad_after == 1));  // the NHWC Pad
  CHECK(input_names(g, find(g, "c2")) == std::vector<std::string>{"c1"});
  CHECK(input_names(g, find(g, "sum")) == std::vector<std::string>{"c2", "c1"});
  CHECK(input_names(g, find(g, "cat")) == std::vector<std::string>{"sum", "c1"});
  CHECK(g[find(g, "cat")].output == Shape{32, 32, 16});
  CHECK(g[find(g, "c3")].output == Shape{16, 16, 4});
  CHECK(input_names(g, find(g, "y")) == std::vector<std::string>{"c3"});
  CHECK(totals(g).macs == 32ull * 32 * (8 * 3 * 9 + 8 * 8) + 16ull * 16 * 4 * 16 * 9);
  CHECK(totals(g).params == 8ull * 27 + 8 + 8 * 8 + 8 + 4 * 16 * 9 + 4);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX Pad nodes fold into the next Conv or pool's padding where that is exact", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    padded (float[1, 3, 32, 32] x) => (y)
        <int64[8] p1 = {0, 0, 0, 0, 0, 0, 1, 1}, int64[8] p2 = {0, 0, 1, 1, 0, 0, 1, 1},
         int64[8] p3 = {0, 1, 0, 0, 0, 1, 0, 0}, float ninf = {-3.4028235e38}, int64[8] p4 = {0, 0, 0, 0, 0, 1, 1, 0}> {
      a = Pad (x, p1)
      c1 = Conv <kernel_shape = [3, 3], strides = [2, 2]> (a, w1, b1)
      r1 = Relu (c1)
      b = Pad (r1, p2)
      m = MaxPool <kernel_shape = [3, 3], strides = [2, 2]> (b)
      c = Pad (m, p2)
      c2 = Conv <kernel_shape = [3, 3], auto_pad = "SAME_UPPER"> (c, w2)
      d = Pad (c2, p2, ninf)
      m2 = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (d)
      e = Pad (m2, p1)
      y = AveragePool <kernel_shape = [2, 2], strides = [2, 2]> (e)
    })",
                                           {{"w1", {8, 3, 3, 3}}, {"b1", {8}}, {"w2", {8, 8, 3, 3}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pool", "conv2d", "pool", "pool", "output"});
  const LayerId c1 = find(g, "c1"), m = find(g, "m"), c2 = find(g, "c2"), m2 = find(g, "m2"), y = find(g, "y");
  CHECK(input_names(g, c1) == std::vector<std::string>{"x"});
  CHECK((g[c1].rows.pad_before == 0 && g[c1].rows.pad_after == 1 && g[c1].cols.pad_after == 1));  // tf2onnx's SAME, stride 2
  CHECK(g[c1].output == Shape{16, 16, 8});
  CHECK((g[m].rows.pad_before == 1 && g[m].cols.pad_after == 1));  // zero padding of a ReLU map
  CHECK(g[m].output == Shape{8, 8, 8});
  CHECK((g[c2].rows.same == false && g[c2].rows.pad_before == 2 && g[c2].rows.pad_after == 2));  // SAME on 10, then the Pad
  CHECK(g[c2].output == Shape{10, 10, 8});
  CHECK(g[m2].output == Shape{6, 6, 8});  // -inf padding: the pool's own
  CHECK(g[y].output == Shape{3, 3, 8});
  CHECK(macs(g, c1) == 16ull * 16 * 8 * 27);
  CHECK(macs(g, c2) == 10ull * 10 * 8 * 8 * 9);
  CHECK(params(g, c2) == 8ull * 8 * 9);
  check_round_trip_and_solve(g);

  const auto fails = [](const std::string& body, const std::string& where, const std::string& reason) {
    std::string text = R"(<ir_version: 8, opset_import: ["" : 13]>
      g (float[1, 4, 8, 8] x) => (y) <int64[8] p = {0, 0, 1, 1, 0, 0, 1, 1}, int64[8] pc = {0, 2, 1, 0, 0, 0, 0, 0},
                                      float one = {1.0}> {
        c = Conv <kernel_shape = [1, 1]> (x, w)
        )";
    text += body;
    text += " }";
    INFO(text);
    check_import_error(onnx_model(text.c_str(), {{"w", {4, 4, 1, 1}}}), where, reason);
  };
  fails("a = Pad <mode = \"reflect\"> (c, p)\n y = Conv <kernel_shape = [3, 3]> (a, w)", "node 'a' (Pad)",
        "mode 'reflect' is not supported");
}

TEST_CASE("ONNX Pads that do not fold, and Pads of the channels, are pad layers", "[onnx][pad]") {
  // Each case: a 1x1 conv c (4 channels, no activation), a Pad, and its reader y.
  const auto padded = [](const std::string& body) {
    std::string text = R"(<ir_version: 8, opset_import: ["" : 13]>
      g (float[1, 4, 8, 8] x) => (y) <int64[8] p = {0, 0, 1, 2, 0, 0, 1, 0}, int64[8] pc = {0, 2, 1, 0, 0, 0, 0, 0},
                                      float one = {1.0}> {
        c = Conv <kernel_shape = [1, 1]> (x, w)
        )";
    text += body;
    text += " }";
    INFO(text);
    ImportSummary summary;
    ImportOptions options;
    options.summary = &summary;
    const Network g = import_onnx(onnx_model(text.c_str(), {{"w", {4, 4, 1, 1}}}), options);
    check_round_trip_and_solve(g);
    return std::pair{g, summary};
  };
  {  // -inf is not zero: a max pool of a map that may be negative
    const auto [g, s] = padded("a = Pad (c, p)\n y = MaxPool <kernel_shape = [3, 3]> (a)");
    CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pad", "pool", "output"});
    const Layer& a = g[find(g, "a")];
    CHECK((a.rows.pad_before == 1 && a.rows.pad_after == 1 && a.cols.pad_before == 2 && a.cols.pad_after == 0));
    CHECK(a.output == Shape{10, 10, 4});
    CHECK(g[find(g, "y")].rows.pad_before == 0);
    CHECK(g[find(g, "y")].output == Shape{8, 8, 4});
    CHECK(s.folded.count("Pad") == 0);
    CHECK(s.layers_by_kind.at("pad") == 1);
  }
  {  // padding with 1 before a Conv
    const auto [g, s] = padded("a = Pad (c, p, one)\n y = Conv <kernel_shape = [3, 3]> (a, w)");
    CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pad", "conv2d", "output"});
    CHECK(g[find(g, "a")].pad_value == 1);
    CHECK(g[find(g, "y")].output == Shape{8, 8, 4});
    CHECK(macs(g, find(g, "y")) == 8ull * 8 * 4 * 4 * 9);
  }
  {  // read by an activation: nothing to fold into
    const auto [g, s] = padded("a = Pad (c, p)\n y = Relu (a)");
    CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pad", "activation", "output"});
  }
  {  // the channels and H at once: [C 2 before, H 1 before]
    const auto [g, s] = padded("a = Pad (c, pc)\n y = Relu (a)");
    const Layer& a = g[find(g, "a")];
    CHECK((a.pad_channels_before == 2 && a.pad_channels_after == 0 && a.rows.pad_before == 1));
    CHECK(a.output == Shape{9, 8, 6});
    CHECK(params(g, find(g, "a")) == 0);
  }
  {  // an average pool that does not count its own padding
    const auto [g, s] = padded("a = Pad (c, p)\n y = AveragePool <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (a)");
    CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pad", "pool", "output"});
    CHECK(g[find(g, "y")].output == Shape{10, 10, 4});
  }
  {  // a zero Pad read by a Conv still folds, and the summary says so
    const auto [g, s] = padded("a = Pad (c, p)\n y = Conv <kernel_shape = [3, 3]> (a, w)");
    CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "output"});
    CHECK(s.folded.at("Pad") == 1);
  }
}

TEST_CASE("ONNX PyTorch's pixel_unshuffle and pixel_shuffle as Reshape-Transpose-Reshape", "[onnx][pad]") {
  ImportSummary summary;
  ImportOptions options;
  options.summary = &summary;
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    shuffles (float[1, 3, 12, 16] x) => (y) <int64[6] s6 = {1, 3, 6, 2, 8, 2}, int64[4] s4 = {1, 12, 6, 8},
                                             int64[6] d6 = {1, 4, 2, 2, 6, 8}, int64[4] d4 = {1, 4, 12, 16}> {
      a = Reshape (x, s6)
      b = Transpose <perm = [0, 1, 3, 5, 2, 4]> (a)
      u = Reshape (b, s4)
      c = Conv <kernel_shape = [1, 1]> (u, w)
      e = Reshape (c, d6)
      f = Transpose <perm = [0, 1, 4, 2, 5, 3]> (e)
      y = Reshape (f, d4)
    })",
                                           {{"w", {16, 12, 1, 1}}}),
                                options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "space_to_depth", "conv2d", "depth_to_space", "output"});
  const Layer& u = g[find(g, "u")];
  CHECK((u.block == 2 && u.depth_order == DepthOrder::crd && u.output == Shape{6, 8, 12}));
  const Layer& y = g[boost::num_vertices(g) - 2];
  CHECK((y.kind == LayerKind::depth_to_space && y.block == 2 && y.depth_order == DepthOrder::crd));
  CHECK(y.output == Shape{12, 16, 4});
  CHECK(summary.fused.at("pixel unshuffle") == 1);
  CHECK(summary.fused.at("pixel shuffle") == 1);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX DepthToSpace, SpaceToDepth and Resize by non-integer and down-scaling factors", "[onnx][pad]") {
  ImportSummary summary;
  ImportOptions options;
  options.summary = &summary;
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    sr (float[1, 3, 12, 16] x) => (y) <float[4] half = {1.0, 1.0, 0.5, 0.5}, float[4] up = {1.0, 1.0, 1.5, 1.5},
                                       int64[4] size = {1, 12, 10, 7}> {
      s = SpaceToDepth <blocksize = 2> (x)
      c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (s, w)
      r = Relu (c)
      d = DepthToSpace <blocksize = 2, mode = "CRD"> (r)
      n = Resize <mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"> (d, , half)
      b = Resize <mode = "linear", coordinate_transformation_mode = "pytorch_half_pixel"> (n, , up)
      a = Resize <mode = "linear", coordinate_transformation_mode = "align_corners"> (b, , , size)
      y = Resize <mode = "nearest"> (a, , , size)
    })",
                                           {{"w", {48, 12, 3, 3}}}),
                                options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "space_to_depth", "conv2d", "depth_to_space", "resize", "resize",
                                             "resize", "output"});
  CHECK(g[find(g, "s")].output == Shape{6, 8, 12});
  CHECK(g[find(g, "d")].output == Shape{12, 16, 12});
  CHECK(g[find(g, "d")].depth_order == DepthOrder::crd);
  const Layer& n = g[find(g, "n")];
  CHECK((n.scale_h == 0.5 && n.size_h == 0 && n.coordinates == ResizeCoordinates::asymmetric && n.rounding == NearestRounding::floor));
  CHECK(n.output == Shape{6, 8, 12});
  const Layer& b = g[find(g, "b")];
  CHECK((b.scale_h == 1.5 && b.resize_mode == ResizeMode::bilinear && b.coordinates == ResizeCoordinates::pytorch_half_pixel));
  CHECK(b.output == Shape{9, 12, 12});
  const Layer& a = g[find(g, "a")];
  CHECK((a.size_h == 10 && a.size_w == 7 && a.coordinates == ResizeCoordinates::align_corners));
  CHECK(a.output == Shape{10, 7, 12});
  CHECK(find(g, "y") == boost::num_vertices(g) - 1);  // the same size again: folded away, y names the output
  CHECK(macs(g, find(g, "c")) == 6ull * 8 * 48 * 12 * 9);
  CHECK(summary.format == "ONNX");
  CHECK(summary.nodes == 8);
  CHECK(summary.layers_by_kind.at("resize") == 3);
  CHECK(summary.macs == totals(g).macs);
  CHECK(summary.params == 48u * 12 * 9);
  CHECK(summary.folded.at("Relu") == 1);
  CHECK(summary.folded.at("Resize") == 1);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX activation spellings fuse into one activation each", "[onnx]") {
  // Each block: a 1x1 conv (8 -> 8 channels, bias), then one spelling of an activation. A Constant
  // node after the first node of its activation (PyTorch writes them so) is seen too.
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    spellings (float[1, 8, 6, 6] x) => (y)
        <float three = {3.0}, float zero = {0.0}, float six = {6.0}, float sixth = {0.16666667}, float half = {0.5},
         float one = {1.0}, float sqrt2 = {1.4142135}, float k = {0.044715}, float c = {0.7978846}, float p3 = {3.0}> {
      a = Conv <kernel_shape = [1, 1]> (x, w, b)
      a1 = Add (a, three)
      a2 = Clip (a1, zero, six)
      a3 = Mul (a, a2)
      hswish = Div (a3, six)
      b0 = Conv <kernel_shape = [1, 1]> (hswish, w, b)
      b1 = Add (b0, three)
      b2 = Relu (b1)
      b3 = Min (b2, six)
      hsig = Mul (b3, sixth)
      c0 = Conv <kernel_shape = [1, 1]> (hsig, w, b)
      c1 = Div (c0, sqrt2)
      c2 = Erf (c1)
      one_late = Constant <value = float {1.0}> ()
      c3 = Add (c2, one_late)
      c4 = Mul (c0, c3)
      gelu = Mul (c4, half)
      d0 = Conv <kernel_shape = [1, 1]> (gelu, w, b)
      d1 = Pow (d0, p3)
      d2 = Mul (d1, k)
      d3 = Add (d0, d2)
      d4 = Mul (d3, c)
      d5 = Tanh (d4)
      d6 = Add (d5, one)
      d7 = Mul (d0, half)
      gelu_tanh = Mul (d7, d6)
      e0 = Conv <kernel_shape = [1, 1]> (gelu_tanh, w, b)
      e1 = Softplus (e0)
      e2 = Tanh (e1)
      mish = Mul (e0, e2)
      f0 = Conv <kernel_shape = [1, 1]> (mish, w, b)
      f1 = Sigmoid (f0)
      silu = Mul (f1, f0)
      g0 = Conv <kernel_shape = [1, 1]> (silu, w, b)
      hsig02 = HardSigmoid <alpha = 0.2, beta = 0.5> (g0)
      h0 = Conv <kernel_shape = [1, 1]> (hsig02, w, b)
      elu = Elu <alpha = 0.5> (h0)
      i0 = Conv <kernel_shape = [1, 1]> (elu, w, b)
      prelu = PRelu (i0, slopes)
      j0 = Conv <kernel_shape = [1, 1]> (prelu, w, b)
      sp = Softplus (j0)
      t = Tanh (sp)
      lr = LeakyRelu <alpha = 0.2> (t)
      k0 = Conv <kernel_shape = [1, 1]> (lr, w)
      k1 = Mul (k0, six)
      shifted = Add (k1, three)
      y = Clip (shifted, zero, six)
    })",
                                           {{"w", {8, 8, 1, 1}}, {"b", {8}}, {"slopes", {8, 1, 1}}}));
  // conv -> the activation fused into it
  using enum Activation;
  const std::vector<std::pair<std::string, Activation>> fused{
      {"a", hswish},     {"b0", hsigmoid}, {"c0", gelu},  {"d0", gelu},     {"e0", mish},  {"f0", swish},
      {"g0", hsigmoid}, {"h0", elu},      {"i0", prelu}, {"j0", softplus}, {"k0", relu6}};
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "conv2d", "conv2d", "conv2d", "conv2d",
                                             "conv2d", "conv2d", "conv2d", "conv2d", "activation", "activation",
                                             "conv2d", "output"});
  for (const auto& [layer, function] : fused) {
    INFO(layer);
    CHECK(g[find(g, layer)].activation == function);
  }
  CHECK(input_names(g, find(g, "b0")) == std::vector<std::string>{"a"});
  CHECK(input_names(g, find(g, "t")) == std::vector<std::string>{"j0"});  // tanh(softplus(x)) alone is no activation
  CHECK(g[find(g, "t")].activation == Activation::tanh);
  CHECK(g[find(g, "lr")].activation == Activation::leaky_relu);
  CHECK(g[find(g, "k0")].bias);  // the shift after the scale
  CHECK(input_names(g, find(g, "y")) == std::vector<std::string>{"k0"});
  CHECK(totals(g).macs == 11ull * 6 * 6 * 8 * 8);
  CHECK(totals(g).params == 11ull * (8 * 8 + 8));
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX tf2onnx layout by Reshapes that move size-1 axes, and Max, Min and Clip by constants as clamps", "[onnx]") {
  // openWakeWord's embedding model (tf2onnx 1.12): NHWC -> NCHW of a 1-channel input and
  // NCHW -> NHWC of a 1x1 output written as Reshapes, and Keras' tf.math.maximum after LeakyRelu.
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    tf2onnx (float[N, 16, 12, 1] input_1) => (out)
        <int64[4] s_in = {-1, 1, 16, 12}, int64[4] s_out = {-1, 1, 1, 8}, float[1, 1, 1, 1] lo = {-0.4}, float lo0 = {-0.4},
         float hi = {6.5}> {
      r = Reshape (input_1, s_in)
      c1 = Conv <kernel_shape = [3, 3], pads = [0, 1, 0, 1]> (r, w1, b1)
      l1 = LeakyRelu <alpha = 0.2> (c1)
      m1 = Max (l1, lo)
      p = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (m1)
      q = Clip (p, lo0)
      c2 = Conv <kernel_shape = [7, 6]> (q, w2)
      n2 = Min (c2, hi)
      out = Reshape (n2, s_out)
    })",
                                           {{"w1", {4, 1, 3, 3}}, {"b1", {4}}, {"w2", {8, 4, 7, 6}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "activation", "pool", "activation", "conv2d", "output"});
  CHECK(g[find(g, "input_1")].output == Shape{16, 12, 1});  // NHWC: the Reshape is NHWC -> NCHW
  CHECK(g[find(g, "c1")].output == Shape{14, 12, 4});
  CHECK(g[find(g, "c1")].activation == Activation::leaky_relu);
  CHECK(g[find(g, "m1")].activation == Activation::clamp);  // after the fused leaky_relu: a layer
  CHECK(g[find(g, "q")].activation == Activation::clamp);   // Clip with only a lower bound, after a pool: a layer
  CHECK(g[find(g, "c2")].activation == Activation::clamp);  // Min after a conv without activation: fused
  CHECK(g[find(g, "out")].output == Shape{1, 1, 8});
  CHECK(input_names(g, find(g, "out")) == std::vector<std::string>{"c2"});
  CHECK(totals(g).macs == 14ull * 12 * 4 * 9 + 8ull * 4 * 7 * 6);
  CHECK(totals(g).params == 4ull * 9 + 4 + 8 * 4 * 7 * 6);
  CHECK(vector_ops_per_row(g, find(g, "m1")) == 12ull * 4 * 2);  // clamp: max and min per element
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX post-processing after the network is dropped with a note, outputs end the network elsewhere", "[onnx]") {
  const onnx::ModelProto m = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    detector (float[1, 3, 16, 16] x) => (cls, top) <int64[3] s3 = {1, 4, 256}, int64[1] k = {5}> {
      c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w, b)
      r = Relu (c)
      h = Conv <kernel_shape = [1, 1]> (r, wh, bh)
      s = Sigmoid (h)
      f = Reshape (s, s3)
      cls = ArgMax <axis = 1> (f)
      best = ReduceMax <axes = [1], keepdims = 0> (f)
      score, top = TopK (best, k)
    })",
                                        {{"w", {8, 3, 3, 3}}, {"b", {8}}, {"wh", {4, 8, 1, 1}}, {"bh", {4}}});
  std::vector<std::string> notes;
  OnnxImportOptions options;
  options.notes = &notes;
  const Network g = import_onnx(m, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "output"});
  CHECK(input_names(g, find(g, "h_output")) == std::vector<std::string>{"h"});
  CHECK(totals(g).macs == 16ull * 16 * (8 * 27 + 4 * 8));
  CHECK(totals(g).params == 8ull * 27 + 8 + 4 * 8 + 4);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "dropped the post-processing after the network: Sigmoid x1, Reshape x1, ArgMax x1, ReduceMax x1, TopK x1; "
        "outputs are now 'h' (choose others with --outputs)");
  check_round_trip_and_solve(g);

  notes.clear();
  options.outputs = {"r", "s"};
  const Network cut = import_onnx(m, options);
  CHECK(kinds(cut) == std::vector<std::string>{"input", "conv2d", "conv2d", "output", "output"});
  CHECK(cut[find(cut, "h")].activation == Activation::sigmoid);
  CHECK(input_names(cut, find(cut, "r")) == std::vector<std::string>{"c"});
  CHECK(cut[find(cut, "c")].activation == Activation::relu);
  CHECK(notes.empty());

  options.outputs = {"nowhere"};
  CHECK_THROWS_WITH(import_onnx(m, options), Catch::Contains("--outputs nowhere: names no value of the model"));
}

TEST_CASE("ONNX a sequence head (PP-OCR's recognizers) is dropped with a note that says where it starts", "[onnx]") {
  // The map's one row becomes a sequence: Reshape [1, C, 1, W] -> [1, C, W], Transpose, MatMul;
  // back to a map, a shortcut Concat with the CNN's output, a conv, and the CTC classifier.
  onnx::ModelProto m = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    recognizer (float[1, 3, 8, 16] x) => (y) <int64[3] s3 = {1, 8, 8}, int64[4] s4 = {1, 8, 1, 8}, int64[1] ax = {2}> {
      c = Conv <kernel_shape = [3, 3], strides = [2, 1], pads = [1, 1, 1, 1]> (x, w)
      p = AveragePool <kernel_shape = [4, 2], strides = [4, 2]> (c)
      r = Reshape (p, s3)
      t = Transpose <perm = [0, 2, 1]> (r)
      mm = MatMul (t, wm)
      tb = Transpose <perm = [0, 2, 1]> (mm)
      back = Reshape (tb, s4)
      cat = Concat <axis = 1> (p, back)
      h = Conv <kernel_shape = [1, 1]> (cat, wh)
      sq = Squeeze (h, ax)
      tt = Transpose <perm = [0, 2, 1]> (sq)
      y = Softmax <axis = 2> (tt)
    })",
                                  {{"w", {8, 3, 3, 3}}, {"wm", {8, 8}}, {"wh", {4, 16, 1, 1}}});
  name_nodes(m, "n_");
  std::vector<std::string> notes;
  OnnxImportOptions options;
  options.notes = &notes;
  const Network g = import_onnx(m, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pool", "output"});
  CHECK(g[find(g, "n_p")].output == Shape{1, 8, 8});
  CHECK(totals(g).macs == 4ull * 16 * 8 * 27);
  CHECK(totals(g).params == 8ull * 27);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "dropped the post-processing after the network (a sequence head from node 'n_r' (Reshape), which turns the map "
        "[1, 8, 1, 8] into the sequence [1, 8, 8]): Reshape x2, Transpose x3, MatMul x1, Concat x1, Conv x1, Squeeze x1, "
        "Softmax x1; outputs are now 'p' (choose others with --outputs)");
  check_round_trip_and_solve(g);

  options.outputs = {"h"};  // the head asked for: the Reshape says what it cannot map and where to cut
  try {
    import_onnx(m, options);
    FAIL("no error");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.where() == "node 'n_r' (Reshape)");
    CHECK_THAT(e.reason(), Catch::StartsWith("turns [1, 8, 1, 8] into [1, 8, 8], a tensor of rank 3") &&
                               Catch::Contains("end the network before this node with --outputs p"));
  }

  // A detector's box predictions, Reshape [1, 4A, H, W] -> [1, H*W*A, 1, 4], concatenated and
  // squeezed: glue before the post-processing; the Squeeze reads reshaped boxes, not a map.
  notes.clear();
  options.outputs.clear();
  const Network boxes = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    detector (float[1, 3, 4, 4] x) => (best) <int64[4] s4 = {1, 32, 1, 4}, int64[1] ax = {2}> {
      c = Conv <kernel_shape = [1, 1]> (x, w)
      r = Reshape (c, s4)
      cat = Concat <axis = 1> (r, r)
      sq = Squeeze (cat, ax)
      best = ArgMax <axis = 2> (sq)
    })",
                                                {{"w", {8, 3, 1, 1}}}),
                                    options);
  CHECK(kinds(boxes) == std::vector<std::string>{"input", "conv2d", "output"});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "dropped the post-processing after the network: Reshape x1, Concat x1, Squeeze x1, ArgMax x1; "
                    "outputs are now 'c' (choose others with --outputs)");
}

TEST_CASE("ONNX a detector's predictions reshaped for its decoder (torchvision's SSD) are cut off with a note", "[onnx]") {
  // Two levels; each head's conv predicts 2 anchors x 4 box values per pixel, reshaped
  // [1, 8, H, W] -> [1, 2, 4, H, W] (rank 5), moved to [1, 2, H, W, 4], flattened to
  // [1, 2HW, 4] and concatenated: no op of the network or of post-processing follows.
  onnx::ModelProto m = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    ssd (float[1, 3, 8, 8] x) => (boxes)
        <int64[5] a5 = {1, 2, 4, 8, 8}, int64[3] a3 = {1, 128, 4}, int64[5] b5 = {1, 2, 4, 4, 4}, int64[3] b3 = {1, 32, 4}> {
      c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w)
      d = Conv <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (c, wd)
      ha = Conv <kernel_shape = [1, 1]> (c, wa)
      hb = Conv <kernel_shape = [1, 1]> (d, wb)
      ra = Reshape (ha, a5)
      ta = Transpose <perm = [0, 1, 3, 4, 2]> (ra)
      fa = Reshape (ta, a3)
      rb = Reshape (hb, b5)
      tb = Transpose <perm = [0, 1, 3, 4, 2]> (rb)
      fb = Reshape (tb, b3)
      boxes = Concat <axis = 1> (fa, fb)
    })",
                                  {{"w", {8, 3, 3, 3}}, {"wd", {8, 8, 3, 3}}, {"wa", {8, 8, 1, 1}}, {"wb", {8, 8, 1, 1}}});
  name_nodes(m, "n_");
  std::vector<std::string> notes;
  OnnxImportOptions options;
  options.notes = &notes;
  const Network g = import_onnx(m, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "conv2d", "conv2d", "output", "output"});
  CHECK(input_names(g, find(g, "ha")) == std::vector<std::string>{"n_ha"});
  CHECK(input_names(g, find(g, "hb")) == std::vector<std::string>{"n_hb"});
  CHECK(totals(g).macs == 64ull * 8 * 27 + 16ull * 8 * 72 + 64ull * 8 * 8 + 16ull * 8 * 8);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "dropped the post-processing after the network (2 reshapes of predictions for a decoder, the first node 'n_ra' "
        "(Reshape), which turns the map [1, 8, 8, 8] into [1, 2, 4, 8, 8]): Reshape x4, Transpose x2, Concat x1; "
        "outputs are now 'ha', 'hb' (choose others with --outputs)");
  check_round_trip_and_solve(g);

  // A MatMul after the reshapes is the network's (an op no layout tail holds): no tail to cut. (A map made
  // again after them, a pixel shuffle at the end of a network, is in "ONNX PyTorch's pixel_unshuffle ...".)
  onnx::ModelProto inside = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    mixed (float[1, 3, 8, 8] x) => (y) <int64[5] a5 = {1, 2, 4, 8, 8}, int64[3] a3 = {1, 8, 64}> {
      c = Conv <kernel_shape = [1, 1]> (x, w)
      r = Reshape (c, a5)
      f = Reshape (r, a3)
      y = MatMul (f, wm)
    })",
                                       {{"w", {8, 3, 1, 1}}, {"wm", {64, 4}}});
  name_nodes(inside, "n_");
  notes.clear();
  CHECK_THROWS_WITH(import_onnx(inside, options), Catch::Contains("node 'n_r' (Reshape): turns [1, 8, 8, 8] into "
                                                                  "[1, 2, 4, 8, 8], a tensor of rank 5"));
}

TEST_CASE("ONNX PyTorch's F.pad: pads computed by ConstantOfShape, Reshape, Slice step -1 and Transpose fold", "[onnx]") {
  // torch pads (left 1, right 2, top 1, bottom 0) become ONNX's [0, 0, 1, 1, 0, 0, 0, 2]; the
  // scalar rank minus a [1] tensor is a [1] tensor, as ConstantOfShape needs.
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    fpad (float[1, 3, 16, 16] x) => (y)
        <int64[1] zero = {0}, int64[4] given = {1, 2, 1, 0}, int64[2] pairs = {-1, 2}, int64[1] st = {-1},
         int64[1] en = {-9223372036854775807}, int64[1] ax = {0}, int64[1] stp = {-1}, int64[1] flat = {-1}> {
      s = Shape (x)
      rank = Size (s)
      four = Sub (rank, zero)
      z = ConstantOfShape <value = int64[1] {0}> (four)
      all = Concat <axis = 0> (given, z)
      r = Reshape (all, pairs)
      rev = Slice (r, st, en, ax, stp)
      t = Transpose <perm = [1, 0]> (rev)
      p = Reshape (t, flat)
      pads = Cast <to = 7> (p)
      a = Pad (x, pads)
      y = Conv <kernel_shape = [3, 3]> (a, w, b)
    })",
                                           {{"w", {8, 3, 3, 3}}, {"b", {8}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "output"});
  const Layer& y = g[find(g, "y")];
  CHECK((y.rows.pad_before == 1 && y.rows.pad_after == 0 && y.cols.pad_before == 1 && y.cols.pad_after == 2));
  CHECK(y.output == Shape{15, 17, 8});
  CHECK(macs(g, find(g, "y")) == 15ull * 17 * 8 * 27);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX tf2onnx's Resize sizes computed in floating point from the input's shape fold", "[onnx]") {
  OnnxImportOptions options;
  options.input_dims["x"] = {1, 3, 20, 30};
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    upsample (float[N, 3, H, W] x) => (y)
        <int64[1] zero = {0}, int64[1] two = {2}, int64[1] four = {4}, float scale = {2.0}> {
      c = Conv <kernel_shape = [1, 1]> (x, w)
      s = Shape (c)
      nc = Slice (s, zero, two)
      hw = Slice (s, two, four)
      hwf = Cast <to = 1> (hw)
      up = Mul (hwf, scale)
      upf = Floor (up)
      upi = Cast <to = 7> (upf)
      sizes = Concat <axis = 0> (nc, upi)
      y = Resize <mode = "nearest"> (c, , , sizes)
    })",
                                           {{"w", {8, 3, 1, 1}}}),
                                options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "resize", "output"});
  CHECK((g[find(g, "y")].size_h == 40 && g[find(g, "y")].size_w == 60));  // by sizes: mapped by in / out
  CHECK(g[find(g, "y")].coordinates == ResizeCoordinates::half_pixel);         // ONNX's defaults
  CHECK(g[find(g, "y")].rounding == NearestRounding::round_prefer_floor);
  CHECK(g[find(g, "y")].output == Shape{40, 60, 8});
  CHECK(macs(g, find(g, "c")) == 20ull * 30 * 8 * 3);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX constant operands of Concat add channels the layer produces, a Pad of the channels is a pad", "[onnx]") {
  const Network g = import_onnx(onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    constants (float[1, 8, 8, 8] x) => (y) <int64[8] pc = {0, 2, 0, 0, 0, 2, 0, 0}> {
      c = Conv <kernel_shape = [1, 1]> (x, w)
      cat = Concat <axis = 1> (c, zeros)
      p = Pad (cat, pc)
      d = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (p, w2, b2)
      dr = Relu (d)
      y = Concat <axis = 1> (dr, zeros, c)
    })",
                                           {{"w", {8, 8, 1, 1}}, {"zeros", {1, 4, 8, 8}}, {"w2", {8, 16, 3, 3}}, {"b2", {8}}}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "concat", "pad", "conv2d", "concat", "output"});
  const LayerId cat = find(g, "cat"), p = find(g, "p"), y = find(g, "y");
  CHECK(g[cat].constant_channels == 4);
  CHECK(g[cat].output == Shape{8, 8, 12});
  CHECK(input_names(g, cat) == std::vector<std::string>{"c"});
  CHECK((g[p].pad_channels_before == 2 && g[p].pad_channels_after == 2));  // zeros, not parameters
  CHECK(g[p].output == Shape{8, 8, 16});
  CHECK(input_names(g, y) == std::vector<std::string>{"d", "c"});
  CHECK(g[y].output == Shape{8, 8, 20});
  CHECK(params(g, cat) == 8ull * 8 * 4);
  CHECK(params(g, y) == 8ull * 8 * 4);
  CHECK(macs(g, find(g, "d")) == 8ull * 8 * 8 * 16 * 9);
  CHECK(totals(g).params == 8ull * 8 + 2 * 8 * 8 * 4 + 8 * 16 * 9 + 8);
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX graph outputs whose unknown dims are written as -1 (older paddle2onnx) import", "[onnx]") {
  onnx::ModelProto m = onnx_model(R"(
    <ir_version: 7, opset_import: ["" : 11]>
    det (float[1, 3, 16, 16] x) => (y) {
      c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w)
      y = Sigmoid (c)
    })",
                                  {{"w", {4, 3, 3, 3}}});
  // As PP-OCRv3's detector declares it: [-1, 1, -1, -1] style, here [-1, 4, -1, -1].
  auto& shape = *m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape.clear_dim();
  for (const std::int64_t d : {-1, 4, -1, -1}) shape.add_dim()->set_dim_value(d);
  const Network g = import_onnx(m);
  const std::vector<std::string> k = kinds(g);
  CHECK(std::count(k.begin(), k.end(), "conv2d") == 1);
  CHECK(totals(g).macs == 16u * 16u * 4u * 3u * 9u);  // H * W * C_out * C_in * k * k
}

TEST_CASE("ONNX paddle2onnx-style net: dynamic dims, hard-swish as Clip and Div, SE, ArgMax decoding", "[onnx]") {
  const onnx::ModelProto m = onnx_model(R"(
    <ir_version: 7, opset_import: ["" : 11]>
    ocr (float[DynamicDimension0, 3, DynamicDimension1, DynamicDimension2] x) => (label)
        <float three = {3.0}, float zero = {0.0}, float six = {6.0}, int64[1] axes = {2}> {
      c = Conv <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (x, w1)
      bn = BatchNormalization (c, s1, o1, m1, v1)
      t1 = Add (bn, three)
      t2 = Clip (t1, zero, six)
      t3 = Mul (bn, t2)
      hs = Div (t3, six)
      dw = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1], group = 16> (hs, wd, bd)
      se = GlobalAveragePool (dw)
      se1 = Conv <kernel_shape = [1, 1]> (se, ws1, bs1)
      se1r = Relu (se1)
      se2 = Conv <kernel_shape = [1, 1]> (se1r, ws2, bs2)
      gate = HardSigmoid <alpha = 0.2, beta = 0.5> (se2)
      scaled = Mul (dw, gate)
      head = Conv <kernel_shape = [1, 1]> (scaled, wh, bh)
      prob = Softmax <axis = 1> (head)
      label = ArgMax <axis = 1, keepdims = 0> (prob)
    })",
                                        {{"w1", {16, 3, 3, 3}}, {"s1", {16}}, {"o1", {16}}, {"m1", {16}}, {"v1", {16}},
                                         {"wd", {16, 1, 3, 3}}, {"bd", {16}}, {"ws1", {4, 16, 1, 1}}, {"bs1", {4}},
                                         {"ws2", {16, 4, 1, 1}}, {"bs2", {16}}, {"wh", {37, 16, 1, 1}}, {"bh", {37}}});
  CHECK_THROWS_WITH(import_onnx(m), Catch::Contains("--input x=1x3x224x224"));
  OnnxImportOptions options;
  options.input_dims["x"] = {1, 3, 32, 320};
  std::vector<std::string> notes;
  options.notes = &notes;
  const Network g = import_onnx(m, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "pool", "conv2d", "conv2d", "mul", "conv2d",
                                             "output"});
  CHECK(g[find(g, "c")].activation == Activation::hswish);
  CHECK(g[find(g, "c")].bias);
  CHECK(g[find(g, "se2")].activation == Activation::hsigmoid);
  CHECK(g[find(g, "head")].output == Shape{16, 160, 37});
  CHECK(totals(g).macs == 16ull * 160 * (16 * 27 + 16 * 9 + 37 * 16) + 2 * 16 * 4);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Contains("Softmax x1, ArgMax x1; outputs are now 'head'"));
  check_round_trip_and_solve(g);
}

TEST_CASE("ONNX import lists every unsupported node in one input_error", "[onnx]") {
  onnx::ModelProto m = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    bad (float[1, 8, 4, 4] x) => (y, rnn) {
      a = Conv <kernel_shape = [1, 1]> (x, w1)
      mix = Einsum <equation = "bchw->bchw"> (a)
      mix2 = Einsum <equation = "bchw->bchw"> (mix)
      rnn = LSTM <hidden_size = 4> (mix2, lw, lr)
      squash = Hardmax (a)
      y = Add (squash, a)
      unused = Einsum <equation = "bchw->bchw"> (a)
    })",
                                  {{"w1", {8, 8, 1, 1}}, {"lw", {1, 16, 8}}, {"lr", {1, 16, 4}}});
  name_nodes(m, "n_");
  try {
    import_onnx(m);
    FAIL("no error");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.where() == "node 'n_mix' (Einsum)");
    CHECK_THAT(e.reason(), Catch::StartsWith("operator Einsum is not supported (2 nodes: 'n_mix', 'n_mix2')"));
    CHECK_THAT(e.reason(), Catch::Contains("2 more problems"));
    CHECK_THAT(e.reason(), Catch::Contains("node 'n_rnn' (LSTM): operator LSTM is not supported"));
    CHECK_THAT(e.reason(), Catch::Contains("node 'n_squash' (Hardmax): operator Hardmax is not supported"));
    CHECK_THAT(e.what(), !Catch::Contains("n_y") && !Catch::Contains("n_a'"));
  }
}

TEST_CASE("ONNX import counts the same problem of several nodes once and checks the nodes after them", "[onnx]") {
  // Each Pow computes no activation; the map passes on, so the Conv after them is checked too.
  try {
    import_onnx(onnx_model(R"(
      <ir_version: 8, opset_import: ["" : 13]>
      g (float[1, 3, 8, 8] x) => (y) <float e = {3.0}> {
        a = Pow (x, e)
        c = Relu (a)
        b = Pow (c, e)
        y = Conv <kernel_shape = [3, 3]> (b, w)
      })",
                           {{"w", {4, 5, 3, 3}}}));
    FAIL("no error");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.where() == "node 'a' (Pow)");
    CHECK_THAT(e.reason(), Catch::StartsWith("Pow of 'x' computes, alone and with the elementwise nodes after it, no "
                                             "activation pinfuse knows") &&
                               Catch::Contains("(2 nodes: 'a', 'b'); 1 more problem:") &&
                               Catch::Contains("node 'y' (Conv): the weights 'w' expect 5 input channels, but 'b' has 3"));
  }
}

TEST_CASE("ONNX a Shape of an untyped value is an error naming its cause, not a crash in ONNX's inference",
          "[onnx]") {
  // ONNX 1.12's Shape-15 (opset 15 on) reads its input's type without checking it in data propagation:
  // a value is untyped where an op ONNX does not know made it, directly or through an op whose inference
  // then failed (found by fuzzing: fuzz/regressions/onnx_bytes/shape_of_unknown_op.onnx).
  for (const char* between : {"", "q = Relu (p)"}) {
    INFO(between);
    std::string text = R"(
      <ir_version: 8, opset_import: ["" : 15]>
      g (float[1, 3, 8, 8] x) => (y) <int64 zero = {0}, int64[1] axes = {0}, int64[1] minus1 = {-1}> {
        c = Conv <kernel_shape = [1, 1]> (x, w)
        p = XlobalAveragePool (c)
        )";
    text += between;
    text += std::string(R"(
        s = Shape ()") + (*between ? "q" : "p") + R"()
        n = Gather <axis = 0> (s, zero)
        n1 = Unsqueeze (n, axes)
        t = Concat <axis = 0> (n1, minus1)
        f = Reshape (p, t)
        y = Gemm <transB = 1> (f, wf)
      })";
    check_import_error(onnx_model(text.c_str(), {{"w", {4, 3, 1, 1}}, {"wf", {5, 4}}}), "node 'p' (XlobalAveragePool)",
                       "operator XlobalAveragePool is not supported");
  }
}

TEST_CASE("ONNX import rejects a batch other than 1, unsupported attributes and layouts", "[onnx]") {
  const auto fails = [](const char* body, const Weights& w, const std::string& where, const std::string& reason) {
    std::string text = R"(<ir_version: 8, opset_import: ["" : 13]>)";
    text += body;
    INFO(text);
    check_import_error(onnx_model(text.c_str(), w), where, reason);
  };
  fails("g (float[4, 3, 8, 8] x) => (y) { y = Relu (x) }", {}, "graph input 'x'", "batch size 4");
  fails("g (float[1, 3, 8] x) => (y) { y = Relu (x) }", {}, "graph input 'x'", "[N, C, H, W]");
  fails("g (float[1, 3, 8, 8] x) => (y) <float e = {3.0}> { y = Pow (x, e) }", {}, "node 'y' (Pow)",
        "computes, alone and with the elementwise nodes after it, no activation pinfuse knows");
  fails("g (float[1, 3, 8, 8] x) => (y) { a = Relu (x)\n b = Sigmoid (x)\n y = Max (a, b) }", {}, "node 'y' (Max)",
        "Max of 2 feature maps is not supported; only Max of one map and scalar constants (a clamp)");
  fails("g (float[1, 3, 8, 8] x) => (y) <float[1, 3, 1, 1] lo = {0.1, 0.2, 0.3}> { y = Max (x, lo) }", {},
        "node 'y' (Max)", "the constant 'lo' is no scalar");
  fails("g (float[1, 3, 8, 8] x) => (y) <float[4] s = {1.0, 1.0, 1.5, 1.5}> { y = Resize <mode = \"cubic\"> (x, , s) }", {},
        "node 'y' (Resize)", "mode 'cubic' is not supported");
  fails("g (float[1, 3, 8, 8] x) => (y) { p = GlobalAveragePool (x)\n y = Add (x, p) }", {}, "node 'y' (Add)",
        "add needs equal shapes");
  fails("g (float[1, 3, 8, 8] x) => (y) { t = Transpose <perm = [0, 2, 3, 1]> (x)\n y = Conv <kernel_shape = [1, 1]> (t, w) }",
        {{"w", {4, 8, 1, 1}}}, "node 'y' (Conv)", "in layout NHWC (transposed); Conv needs NCHW");
  fails("g (float[1, 3, 8, 8] x) => (y) { t = Transpose <perm = [0, 2, 3, 1]> (x)\n y = ReduceMean <axes = [3]> (t) }", {},
        "node 'y' (ReduceMean)", "ReduceMean over the channels (NCHW axis 1) starts no layer normalization");
  fails("g (float[1, 8, 4, 4] x) => (y) <int64[3] s = {1, 8, 16}> { y = Reshape (x, s) }", {}, "node 'y' (Reshape)",
        "a tensor of rank 3 (a sequence or a matrix, not an image)");
  fails("g (float[1, 8, 4, 4] x) => (y) <int64[4] s = {1, 4, 8, 4}> { y = Reshape (x, s) }", {}, "node 'y' (Reshape)",
        "moves data between the map's axes");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Concat <axis = 2> (x, x) }", {}, "node 'y' (Concat)", "channel axis");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <kernel_shape = [3]> (x, w) }", {{"w", {4, 3, 3}}},
        "node 'y' (Conv)", "input X is of rank 4, weight tensor W of rank 3");
  fails("g (float[1, 3, 8] x) => (y) { y = Conv <kernel_shape = [3]> (x, w) }", {{"w", {4, 3, 3}}}, "graph input 'x'",
        "[N, C, H, W]");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = ConvTranspose <kernel_shape = [3, 3], dilations = [2, 2]> (x, w) }",
        {{"w", {3, 2, 3, 3}}}, "node 'y' (ConvTranspose)", "dilated");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <kernel_shape = [1, 1]> (x, x) }", {}, "node 'y' (Conv)",
        "must be a constant");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = MatMul (x, w) }", {{"w", {8, 5}}}, "node 'y' (MatMul)", "[1, K]");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <kernel_shape = [3, 3]> (x, w) }", {{"w", {4, 5, 3, 3}}},
        "node 'y' (Conv)", "the weights 'w' expect 5 input channels, but 'x' has 3");
  fails("g (float[1, 3, 8, 8] x) => (y) { p = MaxPool <kernel_shape = [2, 2]> (x)\n y = Add (x, p) }", {},
        "node 'y' (Add)", "ONNX shape inference found no complete shape for 'y' (ONNX: ");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = com.acme.Fancy (x) }", {}, "node 'y' (Fancy)", "custom operator domain");
  // Checked before ONNX's shape inference, which divides by strides (SIGFPE) and trusts the rest.
  fails("g (float[1, 3, 8, 8] x) => (y) { y = MaxPool <kernel_shape = [2, 2], strides = [0, 0]> (x) }", {},
        "node 'y' (MaxPool)", "attribute 'strides' holds 0");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <kernel_shape = [1, 1], strides = [1, 0]> (x, w) }", {{"w", {4, 3, 1, 1}}},
        "node 'y' (Conv)", "attribute 'strides' holds 0");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <kernel_shape = [1, 1], group = 0> (x, w) }", {{"w", {4, 3, 1, 1}}},
        "node 'y' (Conv)", "attribute 'group' holds 0");
  // Ranks that ONNX's Conv inference indexes by without checking (fuzz findings).
  fails("g (float[8, 8] x) => (y) { y = Conv (x, w) }", {{"w", {4, 3, 3, 3}}}, "node 'y' (Conv)", "input X is of rank 2");
  fails("g (float[3, 8, 8] x) => (y) { y = Conv (x, w) }", {{"w", {4, 3, 3, 3}}}, "node 'y' (Conv)",
        "input X is of rank 3, weight tensor W of rank 4");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Conv <auto_pad = \"SAME_UPPER\"> (x, b) }", {{"b", {4}}}, "node 'y' (Conv)",
        "weight tensor W is of rank 1");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = MaxPool <kernel_shape = [2, 2], strides = [1, 1, 1]> (x) }", {},
        "node 'y' (MaxPool)", "attribute 'strides' has 3 values");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Relu (x)\n y = Sigmoid (x) }", {}, "node 'y' (Sigmoid)",
        "which an earlier node or initializer produces too");
  // ONNX's shape inference with data propagation dereferences an undefined value's type (a fuzz finding).
  fails("g (float[1, 3, 8, 8] x) => (y) { s = Shape (g)\n y = Relu (x) }", {}, "node 's' (Shape)",
        "reads 'g', which is no graph input, initializer or output of an earlier node");
  fails("g (float[1, 3, 8, 8] x) => (y) { y = Relu (r)\n r = Relu (x) }", {}, "node 'y' (Relu)",
        "reads 'r', which is no graph input");
  onnx::ModelProto future = onnx_model("<ir_version: 8, opset_import: [\"\" : 13]> g (float[1, 3, 8, 8] x) => (y) { y = Relu (x) }");
  future.mutable_opset_import(0)->set_version(1000);
  CHECK_THROWS_WITH(import_onnx(future), Catch::Contains("version 1000") && Catch::Contains("newer than"));
  onnx::ModelProto not_utf8 = onnx_model("<ir_version: 8, opset_import: [\"\" : 13]> g (float[1, 3, 8, 8] x) => (y) { y = Relu (x) }");
  not_utf8.mutable_graph()->mutable_node(0)->set_name("bad\xff");
  CHECK_THROWS_WITH(import_onnx(not_utf8), Catch::Contains("not valid UTF-8"));
}

TEST_CASE("ONNX files: a good file imports under its file name, bad files are input_errors", "[onnx]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "pinfuse_onnx_test";
  std::filesystem::create_directories(dir);
  std::string bytes;
  REQUIRE(conv_bn_relu().SerializeToString(&bytes));
  const auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
    return (dir / name).string();
  };
  const Network g = import_onnx_file(write("tiny_chain.onnx", bytes));
  CHECK(model_info(g).name == "tiny_chain");
  CHECK(boost::num_vertices(g) == 6);
  OnnxImportOptions int8;
  int8.dtype_bytes = 1;
  CHECK(model_info(import_onnx_file((dir / "tiny_chain.onnx").string(), int8)).dtype_bytes == 1);

  const std::string truncated = write("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_MATCHES(import_onnx_file(truncated), input_error,
                       Catch::Matchers::Predicate<input_error>(
                           [&](const input_error& e) { return e.where() == truncated; }, "names the file"));
  CHECK_THROWS_WITH(import_onnx_file(truncated), Catch::Contains("does not parse"));
  CHECK_THROWS_WITH(import_onnx_file(write("empty.onnx", "")), Catch::Contains("no ONNX graph"));
  CHECK_THROWS_WITH(import_onnx_file((dir / "missing.onnx").string()), Catch::Contains("cannot open"));
  std::filesystem::remove_all(dir);
}

// Writes the files the command-line tests import into $PINFUSE_ONNX_FILES (tests/CMakeLists.txt
// runs it as a fixture), or into the temporary directory: never into the working directory.
TEST_CASE("write ONNX files for the command-line tests", "[.onnx_files]") {
  const char* env = std::getenv("PINFUSE_ONNX_FILES");
  const std::filesystem::path dir = env ? env : std::filesystem::temp_directory_path() / "pinfuse_onnx_files";
  std::filesystem::create_directories(dir);
  std::string bytes;
  REQUIRE(conv_bn_relu().SerializeToString(&bytes));
  std::ofstream(dir / "tiny_chain.onnx", std::ios::binary) << bytes;
  std::ofstream(dir / "truncated.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  onnx::ModelProto bad = onnx_model(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    bad (float[1, 8, 4, 4] x) => (y) { a = Einsum <equation = "bchw->bchw"> (x)
      y = Tanh (a) })");
  name_nodes(bad, "");
  REQUIRE(bad.SerializeToString(&bytes));
  std::ofstream(dir / "unsupported.onnx", std::ios::binary) << bytes;
  REQUIRE(dynamic_model().SerializeToString(&bytes));
  std::ofstream(dir / "dynamic.onnx", std::ios::binary) << bytes;
}

#endif  // PINFUSE_HAS_ONNX
