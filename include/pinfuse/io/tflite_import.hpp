#pragma once
// Importing TensorFlow Lite models: import_tflite(bytes) and import_tflite_file(path)
// build a shape-checked pinfuse::Network from a .tflite flatbuffer.
//
// OPTIONAL PART OF PINFUSE. This header needs flatbuffers (Debian 12: libflatbuffers-dev)
// and the header that flatc (flatbuffers-compiler) generates from io/detail/tflite/schema.fbs,
// a subset of TFLite's published schema. Link the CMake target pinfuse::tflite instead of
// pinfuse::pinfuse: it exists when CMake found both (option PINFUSE_WITH_TFLITE, AUTO by
// default), generates the header, and defines PINFUSE_HAS_TFLITE=1.
//
// How the import works
//  1. flatbuffers::Verifier checks the whole buffer before anything is read; then every
//     index the file holds (a tensor of an operator or of the subgraph, a tensor's buffer,
//     an operator's opcode) is range-checked (io/detail/tflite/schema_access.hpp). A bad or
//     truncated file is an input_error.
//  2. Subgraph 0 is imported. Its inputs become "input" layers: [1, H, W, C] (NHWC) is our
//     [H, W, C], [1, N] is [1, 1, N]. TFLite stores one static size per tensor; a dynamic
//     dimension (-1 in shape_signature) must be confirmed with ImportOptions::input_dims
//     (`pinfuse import --input image=1x224x224x3`, the stored size: the file's tensors are
//     sized for it). Tensors that hold data (weights, axes, paddings) are constants.
//  3. Operators are imported in order by a table from op code to handler (io/detail/tflite/importer.hpp):
//       CONV_2D                   -> conv2d (weights [O, kh, kw, I]; groups = C / I); SAME -> "same"
//       DEPTHWISE_CONV_2D         -> conv2d with groups = C (weights [1, kh, kw, C * multiplier])
//       TRANSPOSE_CONV            -> conv2d_transpose; the padding comes from the output size:
//                                    total = s * (in - 1) + k - out, before = total / 2, the rest after;
//                                    MediaPipe's custom Convolution2DTransposeBias too (strides from its
//                                    custom options, TfLiteTransposeConvParams)
//       FULLY_CONNECTED           -> fc on a map of K elements (weights [N, K]; the map is flattened);
//                                    with keep_num_dims on a [1, H, W, K] map: a 1x1 conv2d
//       AVERAGE_POOL_2D, MAX_POOL_2D -> pool; MEAN / REDUCE_MAX over axes [1, 2] -> global pool
//       ADD / MUL                 -> add / mul for two feature maps (MUL may broadcast [1, 1, 1, C]);
//                                    with a constant operand (also SUB) the op folds (passes the map on)
//       CONCATENATION (channels)  -> concat; constant operands give it constant_channels
//       PAD, PADV2 (H and W)      -> folded into the convolution or pool that reads the map, where exact
//                                    (io/detail/import/pad.hpp, as for ONNX; TFLite's average pool does not count
//                                    its own SAME padding). Channel padding, and padding that does not
//                                    fold, -> a pad layer.
//       RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR -> resize to the output size (align_corners,
//                                    half_pixel_centers or neither)
//       DEPTH_TO_SPACE / SPACE_TO_DEPTH -> depth_to_space (DCR) / space_to_depth
//       Fused activations (options): RELU, RELU6, RELU_N1_TO_1, TANH -> the layer's activation
//                                    (relu, relu6, relu_n1_to_1, tanh); on a pool or concat, an
//                                    activation layer after it
//       RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, PRELU, ELU, GELU
//                                 -> fused into the producer (conv2d, conv2d_transpose, fc, add, mul
//                                    without activation and without other readers), else an activation layer
//       MAXIMUM, MINIMUM of a map and a constant scalar -> the activation clamp (fused or a layer, as above)
//       RESHAPE, SQUEEZE, EXPAND_DIMS, QUANTIZE, DEQUANTIZE, SOFTMAX, LOG_SOFTMAX
//                                 -> folded when they only drop or restore size-1 axes, or flatten a map
//                                    for FULLY_CONNECTED (int8 models: QUANTIZE/DEQUANTIZE are no layers)
//     An operator that reads no feature map computes a constant: DEQUANTIZE of float16 weights is a
//     weight, not a feature map.
//  4. The outputs become "output" layers (io/detail/import/outputs.hpp): ImportOptions::outputs, or the
//     subgraph outputs without the post-processing after the network (ARG_MAX, TOPK_V2,
//     NON_MAX_SUPPRESSION_*, comparisons, the custom TFLite_Detection_PostProcess of SSD
//     detectors, ..., and a sequence head from a RESHAPE or SQUEEZE that drops a size-1 axis of a
//     map into a 3-D tensor), with the glue before them whose data only they read. A note says
//     what was dropped, and where a sequence head starts.
//  5. Every problem is collected and reported in one input_error: each unsupported op once, with
//     its count and first outputs, and so the same problem (names aside) of several ops of one
//     type; custom ops are named "NAME (custom)".
//  6. pinfuse::infer_shapes runs on the result and every layer's shape is checked against the
//     tensor it produces.
// dtype_bytes is the element size of most feature maps (int8/uint8: 1, float16: 2, float32: 4)
// unless ImportOptions says otherwise. Weights are never read, only their shapes; constant data
// is read for axes, paddings and the padding value.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/files.hpp"
#include "pinfuse/io/import/options.hpp"
#include "pinfuse/io/detail/tflite/importer.hpp"
#include "pinfuse/io/detail/tflite/schema_access.hpp"

namespace pinfuse {

using TfliteImportOptions = ImportOptions;

/// Builds a shape-checked Network from a TFLite flatbuffer of `size` bytes (see the top of this
/// file). Throws input_error for a bad file, listing every unsupported operator.
inline Network import_tflite(const std::uint8_t* data, std::size_t size, const ImportOptions& options = {}) {
  const tflite_import_detail::ModelAccess model(data, size);
  return tflite_import_detail::Importer(model, options).run();
}

/// Reads and imports a .tflite file; errors name the file, then the operator.
inline Network import_tflite_file(const std::string& path, const ImportOptions& options = {}) {
  const std::string bytes = io::read_text_file(path);
  ImportOptions opt = options;
  if (opt.name.empty()) opt.name = std::filesystem::path(path).stem().string();
  try {
    return import_tflite(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), opt);
  } catch (const input_error& e) {
    rethrow_at(e, e.where().empty() ? path : path + ": " + e.where());
  }
}

}  // namespace pinfuse
