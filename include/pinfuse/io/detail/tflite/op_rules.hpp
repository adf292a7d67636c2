#pragma once
// TFLite import: what TFLite's ops mean to pinfuse by name. The ops that start the
// post-processing after the network and the ops of the network itself (for
// io/detail/import/outputs.hpp), and the activations, fused or standalone.
#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "pinfuse/core/layer.hpp"
#include "pinfuse/io/detail/tflite/schema_generated.h"

namespace pinfuse::tflite_import_detail {

/// Ops that start post-processing: what follows them (and the glue that feeds only them) is
/// cut off by default. Custom ops are named "NAME (custom)" (ModelAccess::op_name).
inline bool is_post_processing_op(std::string_view op) {
  static constexpr std::array<std::string_view, 23> ops{
      "ARG_MAX", "ARG_MIN", "TOPK_V2", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "WHERE", "UNIQUE",
      "GATHER_ND", "SCATTER_ND", "GREATER", "LESS", "EQUAL", "NOT_EQUAL", "GREATER_EQUAL", "LESS_EQUAL",
      "LOGICAL_NOT", "LOGICAL_AND", "LOGICAL_OR", "CUMSUM", "FLOOR_MOD", "SELECT", "SELECT_V2",
      "TFLite_Detection_PostProcess (custom)"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

/// Ops a layout tail may hold (a detector's predictions rearranged and decoded): layout and elementwise ops.
inline bool is_layout_tail_op(std::string_view op) {
  static constexpr std::array<std::string_view, 28> ops{
      "RESHAPE", "TRANSPOSE", "CONCATENATION", "SPLIT", "SPLIT_V", "SLICE", "STRIDED_SLICE", "SQUEEZE", "EXPAND_DIMS",
      "PACK", "UNPACK", "GATHER", "TILE", "CAST", "LOGISTIC", "SOFTMAX", "MUL", "ADD", "SUB", "DIV", "POW", "EXP",
      "SQRT", "NEG", "RELU", "RELU6", "TANH", "DEQUANTIZE"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

/// Ops with weights or windows, the CNN itself, never cut off as post-processing glue; and
/// custom ops other than post-processing, whose meaning is unknown (e.g. a compiled
/// accelerator subgraph, edgetpu-custom-op), so that they are reported, not dropped.
inline bool is_network_op(std::string_view op) {
  static constexpr std::array<std::string_view, 10> ops{
      "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN",
      "REDUCE_MAX", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"};
  return std::find(ops.begin(), ops.end(), op) != ops.end() || (op.ends_with(" (custom)") && !is_post_processing_op(op));
}

/// Ops that read only a feature map's shape, which is static in TFLite: their outputs are constants.
inline bool is_shape_op(std::string_view op) { return op == "SHAPE" || op == "RANK"; }

/// The activation of the format that a standalone activation op computes.
inline std::optional<Activation> activation_of(tflite_schema::BuiltinOperator op) {
  using B = tflite_schema::BuiltinOperator;
  switch (op) {
    case B::RELU: return Activation::relu;
    case B::RELU6: return Activation::relu6;
    case B::RELU_N1_TO_1: return Activation::relu_n1_to_1;
    case B::LOGISTIC: return Activation::sigmoid;
    case B::TANH: return Activation::tanh;
    case B::HARD_SWISH: return Activation::hswish;
    case B::LEAKY_RELU: return Activation::leaky_relu;
    case B::PRELU: return Activation::prelu;
    case B::ELU: return Activation::elu;
    case B::GELU: return Activation::gelu;
    default: return std::nullopt;
  }
}

/// The activation of the format that a fused activation is (none for NONE): that of the op of
/// the same name; nothing for SIGN_BIT.
inline std::optional<Activation> fused_activation(tflite_schema::ActivationFunctionType f) {
  using A = tflite_schema::ActivationFunctionType;
  using B = tflite_schema::BuiltinOperator;
  static constexpr std::array<std::pair<A, B>, 4> as_op{
      {{A::RELU, B::RELU}, {A::RELU_N1_TO_1, B::RELU_N1_TO_1}, {A::RELU6, B::RELU6}, {A::TANH, B::TANH}}};
  if (f == A::NONE) return Activation::none;
  for (const auto& [a, b] : as_op)
    if (a == f) return activation_of(b);
  return std::nullopt;
}

}  // namespace pinfuse::tflite_import_detail
