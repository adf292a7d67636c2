// The TFLite importer on flatbuffers written here with flatbuffers' FlatBufferBuilder (the
// tables of io/detail/tflite/schema.fbs): each op handler with its layer kinds, NHWC shapes, MACs
// and parameters; int8 (QUANTIZE/DEQUANTIZE around the graph) and float16 weights
// (DEQUANTIZE of constants); dynamic input dims; post-processing dropped; the round trip
// through model_to_json with every strategy solved; and the errors for bad files.
#include <catch2/catch.hpp>

#if PINFUSE_HAS_TFLITE

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/io/tflite_import.hpp"
#include "pinfuse/model/statistics.hpp"
#include "support/imported_network.hpp"

using namespace pinfuse;
using namespace pinfuse::testing;
namespace fb = pinfuse::tflite_schema;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// Writes a TFLite model: tensors (with zero-filled data for constants), operators, one subgraph.
class TfliteWriter {
 public:
  TfliteWriter() { buffers_.push_back(fb::CreateBuffer(b_)); }  // buffer 0: the empty one

  /// A tensor without data (a feature map); `signature`: shape_signature with -1 for dynamic dims.
  int tensor(const std::string& name, const std::vector<int>& shape, fb::TensorType type = fb::TensorType::FLOAT32,
             const std::vector<int>& signature = {}) {
    return add_tensor(name, shape, type, 0, signature);
  }
  /// A constant of `shape` (weights): zero data of the right size.
  int weights(const std::string& name, const std::vector<int>& shape, fb::TensorType type = fb::TensorType::FLOAT32) {
    std::size_t n = 1;
    for (const int d : shape) n *= std::size_t(d);
    return add_tensor(name, shape, type, data(Bytes(n * std::size_t(pinfuse::tflite_import_detail::element_bytes(type)), 0)));
  }
  /// An INT32 constant holding `values` (axes, paddings, sizes), of shape `shape` (default [N]).
  int ints(const std::string& name, const std::vector<std::int32_t>& values, std::vector<int> shape = {}) {
    Bytes bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    if (shape.empty()) shape = {int(values.size())};
    return add_tensor(name, shape, fb::TensorType::INT32, data(bytes));
  }

  void op(fb::BuiltinOperator code, const std::vector<int>& inputs, const std::vector<int>& outputs,
          fb::BuiltinOptions type = fb::BuiltinOptions::NONE, flatbuffers::Offset<void> options = 0,
          const std::string& custom = "", const Bytes& custom_options = {}) {
    const std::string key = std::to_string(int(code)) + custom;
    if (!codes_.count(key)) {
      const auto name = custom.empty() ? 0 : b_.CreateString(custom);
      const auto small = std::int8_t(std::min(int(code), int(fb::BuiltinOperator::PLACEHOLDER_FOR_GREATER_OP_CODES)));
      codes_[key] = int(code_list_.size());
      code_list_.push_back(fb::CreateOperatorCode(b_, small, name, 1, code));
    }
    const auto custom_bytes = custom_options.empty() ? 0 : b_.CreateVector(custom_options);
    ops_.push_back(fb::CreateOperator(b_, std::uint32_t(codes_[key]), b_.CreateVector(inputs), b_.CreateVector(outputs),
                                      type, options, custom_bytes));
  }

  flatbuffers::FlatBufferBuilder& builder() { return b_; }

  Bytes finish(const std::vector<int>& inputs, const std::vector<int>& outputs) {
    const auto graph = fb::CreateSubGraph(b_, b_.CreateVector(tensors_), b_.CreateVector(inputs), b_.CreateVector(outputs),
                                          b_.CreateVector(ops_), b_.CreateString("main"));
    const std::vector<flatbuffers::Offset<fb::SubGraph>> graphs{graph};
    fb::FinishModelBuffer(b_, fb::CreateModel(b_, 3, b_.CreateVector(code_list_), b_.CreateVector(graphs),
                                              b_.CreateString("written by the test"), b_.CreateVector(buffers_)));
    return Bytes(b_.GetBufferPointer(), b_.GetBufferPointer() + b_.GetSize());
  }

 private:
  std::uint32_t data(const Bytes& bytes) {
    buffers_.push_back(fb::CreateBuffer(b_, b_.CreateVector(bytes)));
    return std::uint32_t(buffers_.size() - 1);
  }
  int add_tensor(const std::string& name, const std::vector<int>& shape, fb::TensorType type, std::uint32_t buffer,
                 const std::vector<int>& signature = {}) {
    const auto sig = signature.empty() ? 0 : b_.CreateVector(signature);
    tensors_.push_back(fb::CreateTensor(b_, b_.CreateVector(shape), type, buffer, b_.CreateString(name), sig));
    return int(tensors_.size() - 1);
  }

  flatbuffers::FlatBufferBuilder b_;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors_;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> code_list_;
  std::map<std::string, int> codes_;
  std::vector<flatbuffers::Offset<fb::Operator>> ops_;
};

using B = fb::BuiltinOperator;
using O = fb::BuiltinOptions;
using A = fb::ActivationFunctionType;

Network import(const Bytes& bytes, const ImportOptions& options = {}) {
  return import_tflite(bytes.data(), bytes.size(), options);
}

/// A small NHWC CNN on a 12x16 input (H != W, so that a swap of H and W shows) that uses
/// every op family: conv, depthwise conv, PAD folded into a max pool, residual ADD with a
/// fused ReLU, HARD_SWISH, CONCATENATION, RESIZE_BILINEAR, TRANSPOSE_CONV, MEAN, FULLY_CONNECTED, SOFTMAX.
Bytes cnn() {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("image", {1, 12, 16, 3});
  const int c1 = t.tensor("c1", {1, 12, 16, 8}), d1 = t.tensor("d1", {1, 6, 8, 8}), p = t.tensor("p", {1, 8, 10, 8});
  const int mp = t.tensor("mp", {1, 6, 8, 8}), c2 = t.tensor("c2", {1, 6, 8, 8}), a = t.tensor("a", {1, 6, 8, 8});
  const int h = t.tensor("h", {1, 6, 8, 8}), cat = t.tensor("cat", {1, 6, 8, 16}), up = t.tensor("up", {1, 12, 16, 16});
  const int tc = t.tensor("tc", {1, 24, 32, 4}), m = t.tensor("m", {1, 4}), f = t.tensor("f", {1, 10});
  const int s = t.tensor("probs", {1, 10});
  t.op(B::CONV_2D, {x, t.weights("w1", {8, 3, 3, 3}), t.weights("b1", {8})}, {c1}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1, A::RELU6).Union());
  t.op(B::DEPTHWISE_CONV_2D, {c1, t.weights("w2", {1, 3, 3, 8}), t.weights("b2", {8})}, {d1}, O::DepthwiseConv2DOptions,
       fb::CreateDepthwiseConv2DOptions(b, fb::Padding::SAME, 2, 2, 1, A::RELU).Union());
  t.op(B::PAD, {d1, t.ints("pads", {0, 0, 1, 1, 1, 1, 0, 0}, {4, 2})}, {p});
  t.op(B::MAX_POOL_2D, {p}, {mp}, O::Pool2DOptions, fb::CreatePool2DOptions(b, fb::Padding::VALID, 1, 1, 3, 3).Union());
  t.op(B::CONV_2D, {mp, t.weights("w3", {8, 1, 1, 8}), -1}, {c2}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::VALID, 1, 1).Union());
  t.op(B::ADD, {c2, d1}, {a}, O::AddOptions, fb::CreateAddOptions(b, A::RELU).Union());
  t.op(B::HARD_SWISH, {a}, {h});
  t.op(B::CONCATENATION, {h, d1}, {cat}, O::ConcatenationOptions, fb::CreateConcatenationOptions(b, -1).Union());
  t.op(B::RESIZE_BILINEAR, {cat, t.ints("size", {12, 16})}, {up});
  t.op(B::TRANSPOSE_CONV, {t.ints("out_shape", {1, 24, 32, 4}), t.weights("w4", {4, 2, 2, 16}), up}, {tc},
       O::TransposeConvOptions, fb::CreateTransposeConvOptions(b, fb::Padding::SAME, 2, 2).Union());
  t.op(B::MEAN, {tc, t.ints("axes", {1, 2})}, {m}, O::ReducerOptions, fb::CreateReducerOptions(b, false).Union());
  t.op(B::FULLY_CONNECTED, {m, t.weights("w5", {10, 4}), t.weights("b5", {10})}, {f}, O::FullyConnectedOptions,
       fb::CreateFullyConnectedOptions(b).Union());
  t.op(B::SOFTMAX, {f}, {s});
  return t.finish({x}, {s});
}

}  // namespace

TEST_CASE("TFLite CNN ops map to layers with NHWC shapes, MACs and parameters", "[tflite]") {
  const Network g = import(cnn());
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "pool", "conv2d", "add", "activation", "concat",
                                             "resize", "conv2d_transpose", "pool", "fc", "output"});
  CHECK(model_info(g).name == "main");
  CHECK(model_info(g).dtype_bytes == 4);
  const Layer& c1 = g[find(g, "c1")];
  CHECK(c1.output == Shape{12, 16, 8});
  CHECK(c1.activation == Activation::relu6);
  CHECK(c1.rows.pad_before + c1.rows.pad_after == 2);  // SAME, resolved by infer_shapes
  const Layer& d1 = g[find(g, "d1")];
  CHECK(d1.groups == 8);
  CHECK(d1.output == Shape{6, 8, 8});
  const Layer& mp = g[find(g, "mp")];  // the PAD folded: 1 on each side of a 3x3 VALID max pool
  CHECK(mp.pool_mode == PoolMode::max);
  CHECK(mp.rows == Window1D{3, 1, 1, 1, 1, false});
  CHECK(mp.cols == Window1D{3, 1, 1, 1, 1, false});
  CHECK(input_names(g, find(g, "mp")) == std::vector<std::string>{"d1"});
  CHECK_FALSE(g[find(g, "c2")].bias);
  CHECK(g[find(g, "a")].activation == Activation::relu);
  CHECK(g[find(g, "h")].activation == Activation::hswish);
  CHECK(input_names(g, find(g, "cat")) == std::vector<std::string>{"h", "d1"});
  CHECK((g[find(g, "up")].size_h == 12 && g[find(g, "up")].size_w == 16));
  CHECK(g[find(g, "up")].resize_mode == ResizeMode::bilinear);
  CHECK(g[find(g, "up")].coordinates == ResizeCoordinates::asymmetric);  // neither align_corners nor half_pixel_centers
  const Layer& tc = g[find(g, "tc")];
  CHECK(tc.output == Shape{24, 32, 4});
  CHECK(tc.rows.pad_before + tc.rows.pad_after == 0);  // k = s = 2: out = 2 * in
  CHECK(g[find(g, "m")].global_pool);
  CHECK(g[find(g, "f")].filters == 10);
  CHECK(input_names(g, find(g, "probs")) == std::vector<std::string>{"f"});  // SOFTMAX folded
  // MACs: conv 12*16*8*27 + depthwise 6*8*8*9 + 1x1 6*8*8*8 + transposed (per input pixel) 12*16*16*4*2*2 + fc 4*10.
  const ModelTotals totals = pinfuse::totals(g);
  CHECK(totals.macs == 41472u + 3456u + 3072u + 49152u + 40u);
  // Parameters: weights and biases 216+8, 72+8, 64, 256, 40+10.
  CHECK(totals.params == 224u + 80u + 64u + 256u + 50u);
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite grouped conv, pool with a fused ReLU, SE block, channel PAD, constant concat, 1x1 FC", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 8, 8, 4}), g1 = t.tensor("g", {1, 8, 8, 8}), ap = t.tensor("ap", {1, 4, 4, 8});
  const int se = t.tensor("se", {1, 1, 1, 8}), fc1 = t.tensor("fc1", {1, 1, 1, 8}), sc = t.tensor("sc", {1, 4, 4, 8});
  const int pc = t.tensor("pc", {1, 4, 4, 12}), cc = t.tensor("cc", {1, 4, 4, 14}), s1 = t.tensor("s1", {1, 4, 4, 14});
  const int pw = t.tensor("pw", {1, 4, 4, 6}), mx = t.tensor("mx", {1, 6});
  t.op(B::CONV_2D, {x, t.weights("w1", {8, 3, 3, 2}), -1}, {g1}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::AVERAGE_POOL_2D, {g1}, {ap}, O::Pool2DOptions,
       fb::CreatePool2DOptions(b, fb::Padding::VALID, 2, 2, 2, 2, A::RELU).Union());
  t.op(B::MEAN, {ap, t.ints("axes", {1, 2})}, {se}, O::ReducerOptions, fb::CreateReducerOptions(b, true).Union());
  t.op(B::FULLY_CONNECTED, {se, t.weights("w2", {8, 8}), -1}, {fc1}, O::FullyConnectedOptions,
       fb::CreateFullyConnectedOptions(b, A::NONE, true).Union());
  t.op(B::MUL, {ap, fc1}, {sc}, O::MulOptions, fb::CreateMulOptions(b).Union());
  t.op(B::PAD, {sc, t.ints("pads", {0, 0, 0, 0, 0, 0, 0, 4}, {4, 2})}, {pc});
  t.op(B::CONCATENATION, {pc, t.weights("zeros", {1, 4, 4, 2})}, {cc}, O::ConcatenationOptions,
       fb::CreateConcatenationOptions(b, 3).Union());
  t.op(B::SUB, {cc, t.weights("mean", {14})}, {s1}, O::SubOptions, fb::CreateSubOptions(b).Union());
  t.op(B::FULLY_CONNECTED, {s1, t.weights("w3", {6, 14}), -1}, {pw}, O::FullyConnectedOptions,
       fb::CreateFullyConnectedOptions(b, A::NONE, true).Union());
  t.op(B::REDUCE_MAX, {pw, t.ints("axes2", {1, 2})}, {mx}, O::ReducerOptions, fb::CreateReducerOptions(b, false).Union());
  const Network g = import(t.finish({x}, {mx}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "pool", "activation", "pool", "fc", "mul", "pad",
                                             "concat", "conv2d", "pool", "output"});
  CHECK(g[find(g, "g")].groups == 2);
  CHECK(g[find(g, "ap")].pool_mode == PoolMode::avg);
  CHECK(g[find(g, "ap_relu")].activation == Activation::relu);
  CHECK(input_names(g, find(g, "sc")) == std::vector<std::string>{"ap_relu", "fc1"});
  CHECK(g[find(g, "pc")].pad_channels_after == 4);  // zero channels: no parameters
  CHECK(g[find(g, "cc")].constant_channels == 2);
  CHECK(input_names(g, find(g, "pw")) == std::vector<std::string>{"cc"});  // the SUB of a constant folded
  CHECK(g[find(g, "pw")].rows.kernel == 1);
  CHECK(g[find(g, "mx")].pool_mode == PoolMode::max);
  // MACs: grouped conv 8*8*8*(3*3*2), fc 8*8, per-pixel fc as 1x1 conv 4*4*6*14.
  CHECK(pinfuse::totals(g).macs == 9216u + 64u + 1344u);
  // Parameters: 144 + 64 + 84 weights, and the constant channels of the concat, 4*4*2.
  CHECK(pinfuse::totals(g).params == 144u + 64u + 84u + 32u);
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite DEPTH_TO_SPACE, SPACE_TO_DEPTH, resizes to any size and a PAD read by an ADD", "[tflite][pad]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 12, 16, 3}), s2d = t.tensor("s2d", {1, 6, 8, 12}), c = t.tensor("c", {1, 6, 8, 12});
  const int d2s = t.tensor("d2s", {1, 12, 16, 3}), p = t.tensor("p", {1, 14, 18, 3}), a = t.tensor("a", {1, 14, 18, 3});
  const int down = t.tensor("down", {1, 9, 12, 3}), up = t.tensor("up", {1, 20, 25, 3});
  t.op(B::SPACE_TO_DEPTH, {x}, {s2d}, O::SpaceToDepthOptions, fb::CreateSpaceToDepthOptions(b, 2).Union());
  t.op(B::CONV_2D, {s2d, t.weights("w", {12, 3, 3, 12}), t.weights("bias", {12})}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1, A::RELU).Union());
  t.op(B::DEPTH_TO_SPACE, {c}, {d2s}, O::DepthToSpaceOptions, fb::CreateDepthToSpaceOptions(b, 2).Union());
  t.op(B::PAD, {d2s, t.ints("pads", {0, 0, 1, 1, 1, 1, 0, 0}, {4, 2})}, {p});
  t.op(B::ADD, {p, p}, {a}, O::AddOptions, fb::CreateAddOptions(b).Union());
  t.op(B::RESIZE_NEAREST_NEIGHBOR, {a, t.ints("size1", {9, 12})}, {down}, O::ResizeNearestNeighborOptions,
       fb::CreateResizeNearestNeighborOptions(b, false, true).Union());
  t.op(B::RESIZE_BILINEAR, {down, t.ints("size2", {20, 25})}, {up}, O::ResizeBilinearOptions,
       fb::CreateResizeBilinearOptions(b, true, false).Union());
  ImportSummary summary;
  ImportOptions options;
  options.summary = &summary;
  const Network g = import(t.finish({x}, {up}), options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "space_to_depth", "conv2d", "depth_to_space", "pad", "add", "resize",
                                             "resize", "output"});
  CHECK(g[find(g, "s2d")].block == 2);
  CHECK(g[find(g, "d2s")].output == Shape{12, 16, 3});
  CHECK(g[find(g, "d2s")].depth_order == DepthOrder::dcr);
  CHECK(g[find(g, "p")].output == Shape{14, 18, 3});  // read by an ADD: a pad layer, not folded
  const Layer& dn = g[find(g, "down")];
  CHECK((dn.size_h == 9 && dn.coordinates == ResizeCoordinates::half_pixel && dn.rounding == NearestRounding::round_prefer_ceil));
  const Layer& u = g[find(g, "up")];
  CHECK((u.output == Shape{20, 25, 3} && u.coordinates == ResizeCoordinates::align_corners));
  CHECK(summary.format == "TFLite");
  CHECK(summary.nodes == 7);
  CHECK(summary.layers_by_kind.at("pad") == 1);
  CHECK(summary.macs == 6u * 8 * 12 * 12 * 9);
  CHECK(summary.params == 12u * 9 * 12 + 12);
  CHECK(summary.folded.empty());  // the fused ReLU is an option, not an operator
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite custom Convolution2DTransposeBias (MediaPipe) is a conv2d_transpose with a bias", "[tflite]") {
  TfliteWriter t;
  const int x = t.tensor("x", {1, 5, 7, 8}), y = t.tensor("y", {1, 10, 14, 3});
  const std::int32_t params[3] = {1, 2, 2};  // TfLiteTransposeConvParams: padding SAME, stride_w, stride_h
  Bytes options(sizeof params);
  std::memcpy(options.data(), params, sizeof params);
  t.op(B::CUSTOM, {x, t.weights("w", {3, 4, 4, 8}), t.weights("b", {3})}, {y}, O::NONE, 0, "Convolution2DTransposeBias",
       options);
  const Network g = import(t.finish({x}, {y}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d_transpose", "output"});
  const Layer& l = g[find(g, "y")];
  CHECK(l.output == Shape{10, 14, 3});
  CHECK(l.bias);
  CHECK(l.rows == Window1D{4, 2, 1, 1, 1, false});  // total = 2 * (5 - 1) + 4 - 10 = 2
  CHECK(pinfuse::totals(g).params == 3u * 16 * 8 + 3);
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite int8 model: QUANTIZE and DEQUANTIZE around the graph are no layers, elements are 1 byte", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 8, 8, 3}), q = t.tensor("q", {1, 8, 8, 3}, fb::TensorType::INT8);
  const int c = t.tensor("c", {1, 8, 8, 4}, fb::TensorType::INT8), r = t.tensor("r", {1, 256}, fb::TensorType::INT8);
  const int f = t.tensor("f", {1, 5}, fb::TensorType::INT8), y = t.tensor("y", {1, 5});
  t.op(B::QUANTIZE, {x}, {q});
  t.op(B::CONV_2D, {q, t.weights("w", {4, 3, 3, 3}, fb::TensorType::INT8), t.weights("b", {4}, fb::TensorType::INT32)},
       {c}, O::Conv2DOptions, fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1, A::RELU).Union());
  t.op(B::RESHAPE, {c, t.ints("shape", {1, 256})}, {r});
  t.op(B::FULLY_CONNECTED, {r, t.weights("wf", {5, 256}, fb::TensorType::INT8)}, {f}, O::FullyConnectedOptions,
       fb::CreateFullyConnectedOptions(b).Union());
  t.op(B::DEQUANTIZE, {f}, {y});
  const Network g = import(t.finish({x}, {y}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "fc", "output"});
  CHECK(model_info(g).dtype_bytes == 1);
  CHECK(input_names(g, find(g, "c")) == std::vector<std::string>{"x"});
  CHECK(pinfuse::totals(g).macs == 8u * 8 * 4 * 27 + 256u * 5);
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite float16 weights: DEQUANTIZE of a constant is a weight, not a feature map", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 10, 6, 4});
  const int w16 = t.weights("w16", {6, 3, 3, 4}, fb::TensorType::FLOAT16), w = t.tensor("w", {6, 3, 3, 4});
  const int b16 = t.weights("b16", {6}, fb::TensorType::FLOAT16), bias = t.tensor("bias", {6});
  const int y = t.tensor("y", {1, 4, 2, 6});
  t.op(B::DEQUANTIZE, {w16}, {w});
  t.op(B::DEQUANTIZE, {b16}, {bias});
  t.op(B::CONV_2D, {x, w, bias}, {y}, O::Conv2DOptions, fb::CreateConv2DOptions(b, fb::Padding::VALID, 2, 2).Union());
  const Network g = import(t.finish({x}, {y}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "output"});
  CHECK(g[find(g, "y")].output == Shape{4, 2, 6});
  CHECK(model_info(g).dtype_bytes == 4);  // float32 feature maps
  CHECK(pinfuse::totals(g).params == 6u * 36 + 6);
}

TEST_CASE("TFLite activations as ops (and LOGISTIC-MUL swish) fuse into their producer or become layers", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  std::map<std::string, int> m;  // every map is [1, 4, 4, 2]
  for (const char* name : {"x", "c0", "sg", "sw", "c", "l", "e", "p", "s", "k"}) m[name] = t.tensor(name, {1, 4, 4, 2});
  const int x = m["x"], c0 = m["c0"], sg = m["sg"], sw = m["sw"], c = m["c"], l = m["l"], e = m["e"], p = m["p"];
  const int s = m["s"], k = m["k"];
  t.op(B::CONV_2D, {x, t.weights("w0", {2, 1, 1, 2}), -1}, {c0}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::LOGISTIC, {c0}, {sg});
  t.op(B::MUL, {sg, c0}, {sw}, O::MulOptions, fb::CreateMulOptions(b).Union());  // swish: x * sigmoid(x)
  t.op(B::CONV_2D, {sw, t.weights("w", {2, 1, 1, 2}), -1}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::LEAKY_RELU, {c}, {l}, O::LeakyReluOptions, fb::CreateLeakyReluOptions(b, 0.1f).Union());
  t.op(B::ELU, {l}, {e});
  t.op(B::PRELU, {e, t.weights("slopes", {1, 1, 2})}, {p});
  t.op(B::LOGISTIC, {p}, {s});
  t.op(B::CONV_2D, {s, t.weights("w2", {2, 1, 1, 2}), -1}, {k}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1, A::RELU_N1_TO_1).Union());
  const Network g = import(t.finish({x}, {k}));
  CHECK(kinds(g) ==
        std::vector<std::string>{"input", "conv2d", "conv2d", "activation", "activation", "activation", "conv2d", "output"});
  CHECK(g[find(g, "c0")].activation == Activation::swish);
  CHECK(input_names(g, find(g, "c")) == std::vector<std::string>{"c0"});
  CHECK(g[find(g, "c")].activation == Activation::leaky_relu);
  CHECK(g[find(g, "e")].activation == Activation::elu);
  CHECK(g[find(g, "p")].activation == Activation::prelu);
  CHECK(g[find(g, "s")].activation == Activation::sigmoid);
  CHECK(g[find(g, "k")].activation == Activation::relu_n1_to_1);
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite MAXIMUM and MINIMUM of a map and a constant scalar are clamps", "[tflite]") {
  // openWakeWord's embedding model: Keras' tf.math.maximum(x, -0.4) after each LeakyReLU.
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 6, 5, 1}), c = t.tensor("c", {1, 6, 5, 4}), l = t.tensor("l", {1, 6, 5, 4});
  const int mx = t.tensor("mx", {1, 6, 5, 4}), c2 = t.tensor("c2", {1, 6, 5, 2}), mn = t.tensor("mn", {1, 6, 5, 2});
  t.op(B::CONV_2D, {x, t.weights("w", {4, 3, 3, 1}), t.weights("bias", {4})}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::LEAKY_RELU, {c}, {l}, O::LeakyReluOptions, fb::CreateLeakyReluOptions(b, 0.2f).Union());
  t.op(B::MAXIMUM, {l, t.weights("lo", {1, 1, 1, 1})}, {mx});
  t.op(B::CONV_2D, {mx, t.weights("w2", {2, 1, 1, 4}), -1}, {c2}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::MINIMUM, {t.weights("hi", {}), c2}, {mn});
  const Network g = import(t.finish({x}, {mn}));
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "activation", "conv2d", "output"});
  CHECK(g[find(g, "c")].activation == Activation::leaky_relu);
  CHECK(g[find(g, "mx")].activation == Activation::clamp);  // after the fused leaky_relu: a layer
  CHECK(g[find(g, "c2")].activation == Activation::clamp);  // fused into the conv
  CHECK(totals(g).macs == 6ull * 5 * 4 * 9 + 6ull * 5 * 2 * 4);
  CHECK(totals(g).params == 4ull * 9 + 4 + 2 * 4);
  check_round_trip_and_solve(g);

  TfliteWriter u;
  const int y = u.tensor("y", {1, 4, 4, 2}), z = u.tensor("z", {1, 4, 4, 2}), v = u.tensor("v", {1, 4, 4, 2});
  u.op(B::MAXIMUM, {y, u.weights("per_channel", {1, 1, 1, 2})}, {z});
  u.op(B::MINIMUM, {y, z}, {v});
  try {
    import(u.finish({y}, {v}));
    FAIL("no error");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.where() == "operator 0 (MAXIMUM) -> 'z'");
    CHECK_THAT(e.reason(), Catch::StartsWith("the constant 'per_channel' is [1, 1, 1, 2]; only a scalar bound"));
    CHECK_THAT(e.reason(), !Catch::Contains("MINIMUM"));  // it reads the failed MAXIMUM: not checked
  }
}

TEST_CASE("TFLite a sequence head after a map of one row is dropped with a note", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 4, 8, 3}), c = t.tensor("c", {1, 1, 8, 4}), r = t.tensor("r", {1, 8, 4});
  const int f = t.tensor("f", {1, 8, 5}), s = t.tensor("s", {1, 8, 5});
  t.op(B::CONV_2D, {x, t.weights("w", {4, 4, 1, 3}), -1}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::VALID, 1, 1).Union());
  t.op(B::RESHAPE, {c, t.ints("shape", {1, 8, 4})}, {r});
  t.op(B::FULLY_CONNECTED, {r, t.weights("wf", {5, 4}), -1}, {f}, O::FullyConnectedOptions,
       fb::CreateFullyConnectedOptions(b).Union());
  t.op(B::SOFTMAX, {f}, {s});
  std::vector<std::string> notes;
  ImportOptions options;
  options.notes = &notes;
  const Network g = import(t.finish({x}, {s}), options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "output"});
  CHECK(totals(g).macs == 8ull * 4 * 4 * 3);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "dropped the post-processing after the network (a sequence head from operator 1 (RESHAPE) -> 'r', which turns the "
        "map [1, 1, 8, 4] into the sequence [1, 8, 4]): RESHAPE x1, FULLY_CONNECTED x1, SOFTMAX x1; outputs are now 'c' "
        "(choose others with --outputs)");

  // An SSD's box predictions, RESHAPE [1, H, W, 4A] -> [1, H*W*A, 1, 4], concatenated and squeezed:
  // glue before the post-processing; the SQUEEZE reads no map but reshaped boxes, no sequence head.
  TfliteWriter u;
  const int y = u.tensor("y", {1, 2, 2, 3}), k = u.tensor("k", {1, 2, 2, 8}), kr = u.tensor("kr", {1, 8, 1, 2});
  const int kc = u.tensor("kc", {1, 16, 1, 2}), ks = u.tensor("ks", {1, 16, 2});
  const int am = u.tensor("am", {1, 16}, fb::TensorType::INT32);
  u.op(B::CONV_2D, {y, u.weights("wk", {8, 1, 1, 3}), -1}, {k}, O::Conv2DOptions,
       fb::CreateConv2DOptions(u.builder(), fb::Padding::SAME, 1, 1).Union());
  u.op(B::RESHAPE, {k, u.ints("shape", {1, 8, 1, 2})}, {kr});
  u.op(B::CONCATENATION, {kr, kr}, {kc}, O::ConcatenationOptions, fb::CreateConcatenationOptions(u.builder(), 1).Union());
  u.op(B::SQUEEZE, {kc}, {ks});
  u.op(B::ARG_MAX, {ks, u.ints("axis", {2}, {1})}, {am});
  notes.clear();
  CHECK(kinds(import(u.finish({y}, {am}), options)) == std::vector<std::string>{"input", "conv2d", "output"});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "dropped the post-processing after the network: RESHAPE x1, CONCATENATION x1, SQUEEZE x1, ARG_MAX x1; "
                    "outputs are now 'k' (choose others with --outputs)");
}

TEST_CASE("TFLite an SSD's raw predictions reshaped for its decoder are cut off with a note", "[tflite]") {
  // Two levels' box predictions, RESHAPE [1, H, W, 2 * 4] -> [1, H * W * 2, 4] and concatenated
  // into the graph output, with no post-processing op after them (a model exported without
  // TFLite_Detection_PostProcess).
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 4, 4, 3}), c = t.tensor("c", {1, 4, 4, 8}), d = t.tensor("d", {1, 2, 2, 8});
  const int rc = t.tensor("rc", {1, 32, 4}), rd = t.tensor("rd", {1, 8, 4}), boxes = t.tensor("boxes", {1, 40, 4});
  t.op(B::CONV_2D, {x, t.weights("w", {8, 1, 1, 3}), -1}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::CONV_2D, {c, t.weights("wd", {8, 1, 1, 8}), -1}, {d}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 2, 2).Union());
  t.op(B::RESHAPE, {c, t.ints("sc", {1, 32, 4})}, {rc});
  t.op(B::RESHAPE, {d, t.ints("sd", {1, 8, 4})}, {rd});
  t.op(B::CONCATENATION, {rc, rd}, {boxes}, O::ConcatenationOptions, fb::CreateConcatenationOptions(b, 1).Union());
  std::vector<std::string> notes;
  ImportOptions options;
  options.notes = &notes;
  const Network g = import(t.finish({x}, {boxes}), options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "conv2d", "output", "output"});
  CHECK(totals(g).macs == 16ull * 8 * 3 + 4ull * 8 * 8);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "dropped the post-processing after the network (2 reshapes of predictions for a decoder, the first operator 2 "
        "(RESHAPE) -> 'rc', which turns the map [1, 4, 4, 8] into [1, 32, 4]): RESHAPE x2, CONCATENATION x1; outputs "
        "are now 'c', 'd' (choose others with --outputs)");
  check_round_trip_and_solve(g);
}

TEST_CASE("TFLite post-processing after the network is dropped with a note, --outputs ends it elsewhere", "[tflite]") {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 8, 8, 3}), c = t.tensor("c", {1, 8, 8, 4}), r = t.tensor("r", {1, 64, 4});
  const int am = t.tensor("am", {1, 64}, fb::TensorType::INT32);
  t.op(B::CONV_2D, {x, t.weights("w", {4, 3, 3, 3}), -1}, {c}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  t.op(B::RESHAPE, {c, t.ints("shape", {1, 64, 4})}, {r});
  t.op(B::ARG_MAX, {r, t.ints("axis", {2}, {1})}, {am});
  const Bytes bytes = t.finish({x}, {am});
  std::vector<std::string> notes;
  ImportOptions options;
  options.notes = &notes;
  const Network g = import(bytes, options);
  CHECK(kinds(g) == std::vector<std::string>{"input", "conv2d", "output"});
  REQUIRE(notes.size() == 1);  // the RESHAPE is the ARG_MAX's glue, no layout tail (post-processing follows it)
  CHECK(notes[0] == "dropped the post-processing after the network: RESHAPE x1, ARG_MAX x1; outputs are now 'c' (choose "
                    "others with --outputs)");
  options.outputs = {"x"};
  CHECK(kinds(import(bytes, options)) == std::vector<std::string>{"input", "output"});
  options.outputs = {"nothing"};
  CHECK_THROWS_WITH(import(bytes, options), Catch::Contains("--outputs nothing: names no value"));
}

namespace {

/// A conv on an input of dynamic size ([-1, -1, -1, 3]), stored as [1, 9, 9, 3].
Bytes dynamic_tflite_model() {
  TfliteWriter t;
  auto& b = t.builder();
  const int x = t.tensor("x", {1, 9, 9, 3}, fb::TensorType::FLOAT32, {-1, -1, -1, 3}), y = t.tensor("y", {1, 9, 9, 2});
  t.op(B::CONV_2D, {x, t.weights("w", {2, 3, 3, 3}), -1}, {y}, O::Conv2DOptions,
       fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
  return t.finish({x}, {y});
}

}  // namespace

TEST_CASE("TFLite dynamic input dims: the error names --input, the stored size confirms them", "[tflite]") {
  const Bytes bytes = dynamic_tflite_model();
  CHECK_THROWS_WITH(import(bytes), Catch::Contains("graph input 'x': is [?, ?, ?, 3]") &&
                                       Catch::Contains("--input x=1x224x224x3"));
  ImportOptions options;
  options.input_dims = {{"x", {1, 9, 9, 3}}};
  CHECK(boost::num_vertices(import(bytes, options)) == 3);
  options.input_dims = {{"x", {1, 32, 32, 3}}};
  CHECK_THROWS_WITH(import(bytes, options), Catch::Contains("is stored as [1, 9, 9, 3]"));
  options.input_dims = {{"z", {1, 9, 9, 3}}};
  CHECK_THROWS_WITH(import(bytes, options), Catch::Contains("--input z: names no graph input"));
}

namespace {

/// Two L2_NORMALIZATION ops, a custom op and a LOCAL_RESPONSE_NORMALIZATION.
Bytes unsupported_model() {
  TfliteWriter t;
  const int x = t.tensor("x", {1, 8, 8, 16}), a = t.tensor("a", {1, 8, 8, 16}), b = t.tensor("b", {1, 8, 8, 16});
  const int c = t.tensor("c", {1, 8, 8, 16});
  t.op(B::L2_NORMALIZATION, {x}, {a});
  t.op(B::L2_NORMALIZATION, {a}, {b});
  t.op(B::CUSTOM, {b}, {c}, O::NONE, 0, "MyFancyOp");
  const int y = t.tensor("y", {1, 8, 8, 16}), z = t.tensor("z", {1, 8, 8, 16});
  t.op(B::LOCAL_RESPONSE_NORMALIZATION, {x}, {y});
  t.op(B::ADD, {y, x}, {z});
  return t.finish({x}, {c, z});
}

}  // namespace

TEST_CASE("TFLite import lists every unsupported op in one input_error", "[tflite]") {
  try {
    import(unsupported_model());
    FAIL("no error");
  } catch (const input_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.where() == "operator 0 (L2_NORMALIZATION) -> 'a'");
    CHECK_THAT(what, Catch::Contains("operator L2_NORMALIZATION is not supported (2 nodes: 'a', 'b')"));
    CHECK_THAT(what, Catch::Contains("operator MyFancyOp (custom) is not supported"));
    CHECK_THAT(what, Catch::Contains("operator LOCAL_RESPONSE_NORMALIZATION is not supported"));
    CHECK_THAT(what, Catch::Contains("2 more problems"));
  }
}

TEST_CASE("TFLite bad files: truncated, corrupt, not TFLite, out-of-range indices are input_errors", "[tflite]") {
  const Bytes good = cnn();
  const Bytes truncated(good.begin(), good.begin() + std::ptrdiff_t(good.size() / 2));
  CHECK_THROWS_WITH(import(truncated), Catch::Contains("fail flatbuffers' verifier"));
  CHECK_THROWS_WITH(import(Bytes(good.begin(), good.begin() + 6)), Catch::Contains("no \"TFL3\" file identifier"));
  const std::string onnx_like = "\x08\x07\x12\x04test";
  CHECK_THROWS_WITH(import(Bytes(onnx_like.begin(), onnx_like.end())), Catch::Contains("is not a TFLite model"));
  // Corrupt: every 4-byte word past the header in turn set to 0x7fffffff (offsets and sizes far out of the
  // buffer); each must give a model or an input_error, never another exception or a crash.
  for (std::size_t at = 8; at + 4 <= good.size(); at += 4) {
    Bytes bad = good;
    for (std::size_t k = 0; k < 4; ++k) bad[at + k] = k == 3 ? 0x7f : 0xff;
    try {
      import(bad);
    } catch (const input_error&) {
    }
  }

  // A conv whose input is tensor `input` (nothing: the graph input).
  const auto one_conv = [](std::optional<int> input) {
    TfliteWriter t;
    auto& b = t.builder();
    const int x = t.tensor("x", {1, 4, 4, 1}), y = t.tensor("y", {1, 4, 4, 1}), w = t.weights("w", {1, 1, 1, 1});
    t.op(B::CONV_2D, {input.value_or(x), w, -1}, {y}, O::Conv2DOptions,
         fb::CreateConv2DOptions(b, fb::Padding::SAME, 1, 1).Union());
    return t.finish({x}, {y});
  };
  CHECK_NOTHROW(import(one_conv(std::nullopt)));
  CHECK_THROWS_WITH(import(one_conv(99)), Catch::Contains("operator 0 input 0: is tensor 99, but subgraph 0 has 3 tensors"));
  CHECK_THROWS_WITH(import(one_conv(-2)), Catch::Contains("operator 0 input 0: is tensor -2"));

  TfliteWriter t;  // a tensor name that is not UTF-8
  const int x = t.tensor("x", {1, 4, 4, 1}), y = t.tensor("y\xff\xfe", {1, 4, 4, 1});
  t.op(B::RELU, {x}, {y});
  CHECK_THROWS_WITH(import(t.finish({x}, {y})), Catch::Contains("tensor 1: its name is not valid UTF-8"));
}

TEST_CASE("TFLite files: out-of-range buffer and opcode indices are input_errors", "[tflite]") {
  for (const bool opcode : {false, true}) {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<flatbuffers::Offset<fb::Tensor>> tensors{
        fb::CreateTensor(b, b.CreateVector(std::vector<int>{1, 4, 4, 1}), fb::TensorType::FLOAT32, opcode ? 0 : 7,
                         b.CreateString("x"))};
    const std::vector<flatbuffers::Offset<fb::Operator>> ops{fb::CreateOperator(
        b, opcode ? 5 : 0, b.CreateVector(std::vector<int>{0}), b.CreateVector(std::vector<int>{0}))};
    const std::vector<flatbuffers::Offset<fb::OperatorCode>> codes{
        fb::CreateOperatorCode(b, 0, 0, 1, fb::BuiltinOperator::RELU)};
    const std::vector<flatbuffers::Offset<fb::SubGraph>> graphs{
        fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(std::vector<int>{0}),
                           b.CreateVector(std::vector<int>{0}), b.CreateVector(ops))};
    const std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(b)};
    fb::FinishModelBuffer(b, fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(graphs), 0, b.CreateVector(buffers)));
    const Bytes bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    if (opcode)
      CHECK_THROWS_WITH(import(bytes), Catch::Contains("operator 0: has opcode index 5, but the model has 1 operator codes"));
    else
      CHECK_THROWS_WITH(import(bytes), Catch::Contains("tensor 0: refers to buffer 7, but the model has 1 buffers"));
  }
}

TEST_CASE("TFLite files: a good file imports under its file name, a missing one is an input_error", "[tflite]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "pinfuse_tflite_test";
  std::filesystem::create_directories(dir);
  const Bytes bytes = cnn();
  std::ofstream(dir / "tiny_cnn.tflite", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  CHECK(model_info(import_tflite_file((dir / "tiny_cnn.tflite").string())).name == "tiny_cnn");
  CHECK_THROWS_WITH(import_tflite_file((dir / "missing.tflite").string()), Catch::Contains("cannot open the file"));
}

// Writes the files the command-line tests import into $PINFUSE_TFLITE_FILES (tests/CMakeLists.txt
// runs it as a fixture), or into the temporary directory: never into the working directory.
TEST_CASE("write TFLite files for the command-line tests", "[.tflite_files]") {
  const char* env = std::getenv("PINFUSE_TFLITE_FILES");
  const std::filesystem::path dir = env ? env : std::filesystem::temp_directory_path() / "pinfuse_tflite_files";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const Bytes& bytes, std::size_t size) {
    std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(size));
  };
  const Bytes good = cnn(), bad = unsupported_model(), dynamic = dynamic_tflite_model();
  write("tiny_cnn.tflite", good, good.size());
  write("dynamic.tflite", dynamic, dynamic.size());
  write("truncated.tflite", good, good.size() / 2);
  write("unsupported.tflite", bad, bad.size());
}

#endif  // PINFUSE_HAS_TFLITE
