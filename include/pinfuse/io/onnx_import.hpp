#pragma once
// Importing ONNX models: import_onnx(model) and import_onnx_file(path) build a
// shape-checked pinfuse::Network from an onnx::ModelProto.
//
// OPTIONAL PART OF PINFUSE. This header needs the ONNX and protobuf C++
// libraries (Debian 12: libonnx-dev and libprotobuf-dev). Link the CMake target
// pinfuse::onnx instead of pinfuse::pinfuse: it exists when CMake found both
// (option PINFUSE_WITH_ONNX, AUTO by default) and it defines PINFUSE_HAS_ONNX=1.
//
// How the import works
//  1. ONNX shape inference (with data propagation) runs on a copy of the model
//     whose symbolic batch dimensions are set to 1. Shape arithmetic that ONNX 1.12
//     leaves unknown (Shape -> Gather -> Concat -> Reshape, as PyTorch exports
//     x.view(x.size(0), -1)) is evaluated, made constant, and inference runs again.
//     Dynamic input dimensions ([?, 3, ?, ?]) must be fixed by OnnxImportOptions::input_dims
//     (`pinfuse import --input image=1x3x640x640`); the error for an unknown size says so.
//     Shape arithmetic keeps its element type: a Cast to INT32 folds to an INT32 constant;
//     sizes scaled in float (Cast, Mul, Floor, Cast back) fold too.
//  2. Graph inputs that are not initializers become "input" layers. A tensor
//     [1, C, H, W] is our [H, W, C]; a tensor [1, N] is our [1, 1, N]. The batch
//     must be 1 or symbolic; other ranks are not supported.
//  3. Nodes are imported in graph order by a table from op type to handler:
//       Conv                      -> conv2d (pads [t, l, b, r] -> [top, bottom, left, right];
//                                    auto_pad SAME_UPPER -> "same", SAME_LOWER and VALID -> explicit)
//       ConvTranspose             -> conv2d_transpose (output_padding and output_shape become padding;
//                                    no dilation)
//       Gemm, MatMul              -> fc, when the weight is a constant and the input is [1, K]
//                                    (a Flatten/Reshape of a [1, C, H, W] map to [1, C*H*W] is fine);
//                                    MatMul of a map whose last axis holds its channels (nn.Linear on
//                                    a permuted map) by [C_in, C_out] weights -> a 1x1 conv2d
//       LayerNormalization        -> layer_norm, over the channels alone (the last axis of a
//                                    channels-last map or of a [1, N] vector); before opset 17 the
//                                    nodes PyTorch writes for it (io/detail/onnx/layer_norm.hpp),
//                                    matched from their first ReduceMean over the channels
//       MaxPool, AveragePool      -> pool; ceil_mode is emulated with extra bottom/right padding,
//                                    which gives ONNX's output size (ceil((in + pads - k) / s) + 1)
//       GlobalAveragePool/MaxPool -> global pool; ReduceMean/ReduceMax over axes [2, 3] too
//       Add, Sum / Mul            -> add / mul for two or more feature maps (Mul may broadcast
//                                    [1, C, 1, 1]). With one feature map and constants (a bias add,
//                                    a scale, also Sub and Div) the node is folded: it passes the
//                                    feature map through. A per-channel constant added right after
//                                    a conv2d/conv2d_transpose/fc without bias gives it a bias.
//       Pad (constant, H and W)   -> folded into the Conv, AveragePool or MaxPool that reads it (its
//                                    padding grows; auto_pad SAME is resolved on the padded size).
//                                    Exact only: zero padding before a Conv; zero padding before an
//                                    AveragePool without padding of its own or with count_include_pad
//                                    = 1; before a MaxPool, -inf (or float lowest) padding, or zero
//                                    padding of a map that cannot be negative (the producer's activation
//                                    is relu, relu6, sigmoid or hsigmoid) and leaves a real element in
//                                    every window (padding < kernel on each side). Otherwise, and for
//                                    a Pad of the channels or one read by other ops: a pad layer.
//       Concat (axis 1)           -> concat; constant operands (zeros, anchors) give it constant_channels,
//                                    channels the layer appends from its weights
//       Split (axis 1)            -> one slice per used output; Slice of the channel axis -> slice
//       Resize, Upsample          -> resize to any size (mode nearest -> nearest, linear -> bilinear): by
//                                    the constant scales, else to the inferred size; coordinate mode
//                                    and nearest_mode carry over
//       DepthToSpace, SpaceToDepth -> depth_to_space (DCR or CRD), space_to_depth
//       BatchNormalization        -> folded. Right after a conv2d/conv2d_transpose/fc that has no
//                                    other consumer it gives that layer a bias; elsewhere it is a
//                                    per-channel scale and shift and passes through like a constant Mul.
//       Elementwise ops: Relu, Clip, Sigmoid, Tanh, Erf, Exp, Log, Sqrt, Pow, Softplus, HardSigmoid,
//       HardSwish, LeakyRelu, Elu, Selu, Celu, PRelu, Add, Sub, Mul, Div, Min, Max, ...
//                                 -> activations, by what they compute (io/detail/onnx/activations.hpp): the
//                                    nodes from one that reads a feature map x, through the nodes after
//                                    it that read only x, their outputs and scalar constants, are
//                                    evaluated as a function of x at sample points; the largest such
//                                    region (its inner values read by nobody else) that computes a known
//                                    activation becomes that activation: relu, relu6, leaky_relu, elu,
//                                    sigmoid, tanh, softplus, hsigmoid, hswish, swish, gelu, mish.
//                                    So x * Clip(x + 3, 0, 6) / 6 (PaddlePaddle) and x * HardSigmoid(x)
//                                    are hswish, x * 0.5 * (1 + Erf(x / sqrt 2)) and its tanh form are
//                                    gelu, x * Tanh(Softplus(x)) is mish. A scale and shift (a * x + b)
//                                    folds like a constant Mul/Add. PRelu with per-channel slopes is
//                                    prelu. Max or Min of one map and scalar constants, and Clip by
//                                    constant bounds, that compute no known activation are clamp
//                                    (LeakyRelu then Max(x, -0.4), as Keras' tf.math.maximum exports).
//                                    An activation is fused into its producer when that is a
//                                    conv2d/conv2d_transpose/fc/add/mul with no activation and no other
//                                    consumer, else it is an "activation" layer. An elementwise op that
//                                    is part of no known activation and not an add/mul is an error.
//       Transpose of a 4-D map    -> folded: it changes the map's layout, which the importer tracks
//                                    (a list of the NCHW axis each ONNX axis holds). Elementwise ops,
//                                    activations, Pad, Resize, ReduceMean/Max (their axes read through
//                                    the layout), LayerNormalization, and Concat, Split and Slice along the
//                                    layout's channel axis take maps in any layout, a MatMul one whose
//                                    last axis holds the channels; every other op needs NCHW, and a map in
//                                    another layout is an error there ("a transpose that reorders
//                                    data"). A Reshape of a 4-D map to 4-D dims that only moves size-1
//                                    axes (the longer axes keep their order) is the Transpose it amounts
//                                    to: tf2onnx writes NHWC -> NCHW of a 1-channel map, [1, H, W, 1] ->
//                                    [1, 1, H, W], and NCHW -> NHWC of a 1x1 map so. A 4-D graph input
//                                    is NHWC when it reaches only Transposes (or such Reshapes) with perm
//                                    [0, 3, 1, 2] through Pads and dims-keeping ops (tf2onnx).
//       Reshape, Flatten, Squeeze, Unsqueeze, Identity, Cast, Dropout, Transpose
//                                 -> folded when they only drop or restore size-1 axes, or flatten
//                                    a map to [1, N] (or [N]) for a Gemm/MatMul (a Transpose of a rank
//                                    other than 4: only when just size-1 axes move)
//       Reshape [1,C,H,W] -> [1,g,C/g,H,W], Transpose perm [0,2,1,3,4], Reshape back
//                                 -> shuffle with groups g (ShuffleNet's channel shuffle)
//       Softmax, LogSoftmax       -> folded (no shape change, no MACs)
//     A node that reads no feature map (a Constant, shape arithmetic on Shape's
//     output, a computation on initializers) is a constant: it becomes no layer.
//  4. The outputs become "output" layers (io/detail/onnx/outputs.hpp): the values
//     OnnxImportOptions::outputs names (`pinfuse import --outputs a,b`), or else the
//     graph outputs without the post-processing after the network: data-dependent
//     ArgMax, ArgMin, TopK, NonMaxSuppression, NonZero, RoiAlign, Where, comparisons,
//     logic ops, Gather/ScatterND/Elements, CumSum, Mod, and a Reshape or Squeeze that drops
//     a size-1 axis of a map into a 3-D sequence (a text recognizer's transformer and CTC
//     head: PP-OCR's [1, C, 1, W] -> [1, C, W]); every node after them; and
//     every node before them, except Conv, ConvTranspose, Gemm, MatMul, pools,
//     BatchNormalization, Resize and Upsample, whose data only the dropped nodes read
//     (not before a sequence head: it starts at its Reshape). The values the dropped nodes
//     read then become outputs, and a note (OnnxImportOptions::notes) says what was
//     dropped, and where a sequence head starts. Nodes that no output needs are
//     not imported.
//  5. Every problem (an unsupported operator, attribute, input or shape) is
//     collected; after the last node one input_error reports them all. Its
//     where() is the first problem's place, "node 'NAME' (OpType)" (NAME is the
//     node's name, or its first output when the node has no name), or
//     "graph input 'x'" / "graph output 'y'"; its reason() lists the others, one a line.
//     An unsupported op type is one problem, with the count and the first node names,
//     and so is the same problem (names aside) of several nodes of one op type. A node
//     that reads a failed node's output is only checked for its op type, except after an
//     elementwise node that keeps its input's dims: that passes the map on.
//  6. pinfuse::infer_shapes runs on the result, and every layer's inferred shape
//     is checked against ONNX's shape of the value it produces; a difference is
//     an input_error naming the node. (The importer also checks that weights fit
//     their input's channels, which ONNX 1.12's inference does not.)
// Layers take the node's name (or its first output's name); graph inputs and
// outputs keep theirs. dtype_bytes comes from the element type of the first
// graph input (float32: 4) unless OnnxImportOptions says otherwise. Weights are
// never read, only their shapes; constant data is read for Clip bounds and Slice.
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/onnx/importer.hpp"
#include "pinfuse/io/files.hpp"
#include "pinfuse/io/onnx/options.hpp"

namespace pinfuse {

/// Builds a shape-checked Network from an ONNX model (see the top of this file).
/// Throws input_error listing every unsupported node.
inline Network import_onnx(const onnx::ModelProto& model, const OnnxImportOptions& options = {}) {
  return onnx_import_detail::Importer(model, options).run();
}

/// Reads and imports an ONNX file; errors name the file, then the node.
inline Network import_onnx_file(const std::string& path, const OnnxImportOptions& options = {}) {
  const std::string bytes = io::read_text_file(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    throw input_error(path, "is not an ONNX model: its protobuf data does not parse (a truncated or corrupt file?)");
  OnnxImportOptions opt = options;
  if (opt.name.empty()) opt.name = std::filesystem::path(path).stem().string();
  try {
    return import_onnx(model, opt);
  } catch (const input_error& e) {
    rethrow_at(e, e.where().empty() ? path : path + ": " + e.where());
  }
}

}  // namespace pinfuse
