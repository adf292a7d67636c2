#pragma once
// Layers and tensor shapes of the bundled model (pinfuse::Network).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinfuse {

/// A feature-map shape, batch 1: height x width x channels.
struct Shape {
  int h = 0;
  int w = 0;
  int c = 0;
  std::uint64_t elements() const { return std::uint64_t(h) * std::uint64_t(w) * std::uint64_t(c); }
  friend bool operator==(const Shape&, const Shape&) = default;
};

enum class LayerKind {
  input, conv2d, pool, add, mul, concat, fc, resize, activation, output, slice, shuffle, conv2d_transpose,
  pad, depth_to_space, space_to_depth, layer_norm
};
enum class PoolMode { max, avg };
enum class ResizeMode { nearest, bilinear };
/// How a resize maps output coordinate r to an input coordinate x (ONNX's
/// coordinate_transformation_mode; `ratio` is in/out along the axis):
///   asymmetric:         x = r * ratio
///   half_pixel:         x = (r + 0.5) * ratio - 0.5
///   pytorch_half_pixel: half_pixel, and x = 0 when the output has one row
///   align_corners:      x = r * (in - 1) / (out - 1), and x = 0 when the output has one row
/// mode_default is asymmetric for nearest and half_pixel for bilinear.
enum class ResizeCoordinates { mode_default, asymmetric, half_pixel, pytorch_half_pixel, align_corners };
/// Which input row a nearest resize takes for coordinate x (ONNX's nearest_mode).
enum class NearestRounding { floor, ceil, round_prefer_floor, round_prefer_ceil };
/// depth_to_space channel order (ONNX DepthToSpace mode): DCR (TensorFlow) or CRD (PyTorch PixelShuffle).
enum class DepthOrder { dcr, crd };

/// The function an activation layer applies, or that a conv2d, conv2d_transpose, fc, add or
/// mul applies to its result (fused); none: no function. Its vector-unit cost is
/// activation_ops_per_element (model/activation_ops.hpp).
enum class Activation {
  none, relu, relu6, hswish, hsigmoid, sigmoid, swish, leaky_relu, prelu, elu, tanh, softplus, gelu, mish,
  relu_n1_to_1, clamp
};

/// The model format's name of each Activation, in the enum's order.
inline constexpr std::array<std::string_view, 16> activation_names{
    "none", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish", "leaky_relu", "prelu", "elu", "tanh", "softplus",
    "gelu", "mish", "relu_n1_to_1", "clamp"};
static_assert(activation_names.size() == std::size_t(Activation::clamp) + 1, "one name per Activation");

/// What a vertex is to the solvers: it brings data in, computes, or marks a model output.
enum class LayerRole { input, compute, output };

constexpr std::string_view to_string(LayerKind k) {
  switch (k) {
    case LayerKind::input: return "input";
    case LayerKind::conv2d: return "conv2d";
    case LayerKind::pool: return "pool";
    case LayerKind::add: return "add";
    case LayerKind::mul: return "mul";
    case LayerKind::concat: return "concat";
    case LayerKind::fc: return "fc";
    case LayerKind::resize: return "resize";
    case LayerKind::activation: return "activation";
    case LayerKind::output: return "output";
    case LayerKind::slice: return "slice";
    case LayerKind::shuffle: return "shuffle";
    case LayerKind::conv2d_transpose: return "conv2d_transpose";
    case LayerKind::pad: return "pad";
    case LayerKind::depth_to_space: return "depth_to_space";
    case LayerKind::space_to_depth: return "space_to_depth";
    case LayerKind::layer_norm: return "layer_norm";
  }
  return "?";
}

constexpr std::string_view to_string(Activation a) { return activation_names[std::size_t(a)]; }

/// The Activation the model format names `name`; nothing for a name that is no activation.
constexpr std::optional<Activation> parse_activation(std::string_view name) {
  const auto it = std::find(activation_names.begin(), activation_names.end(), name);
  if (it == activation_names.end()) return std::nullopt;
  return static_cast<Activation>(it - activation_names.begin());
}

constexpr LayerRole role_of(LayerKind k) {
  return k == LayerKind::input ? LayerRole::input
         : k == LayerKind::output ? LayerRole::output
                                  : LayerRole::compute;
}

/// A sliding window along one spatial axis (conv2d and pool layers).
struct Window1D {
  int kernel = 1;
  int stride = 1;
  int dilation = 1;
  int pad_before = 0;
  int pad_after = 0;
  bool same = false;  ///< TensorFlow SAME padding, resolved by infer_shapes()
  friend bool operator==(const Window1D&, const Window1D&) = default;
};

/// One layer. Fields that do not apply to a kind keep their defaults.
struct Layer {
  std::string name;
  LayerKind kind = LayerKind::input;
  Window1D rows;            ///< window along H (conv2d, pool, conv2d_transpose); pad: the rows added (kernel 1)
  Window1D cols;            ///< window along W (conv2d, pool, conv2d_transpose); pad: the columns added
  int filters = 0;          ///< conv2d / conv2d_transpose output channels, fc units
  int groups = 1;           ///< conv groups (== channels for depthwise); shuffle groups
  int slice_begin = 0;      ///< slice: channels [slice_begin, slice_end)
  int slice_end = 0;
  int constant_channels = 0;  ///< concat: channels of constant data it appends, held as its weights
  bool bias = true;         ///< conv2d / fc bias; layer_norm: a learned per-channel shift (beta)
  bool norm_scale = true;   ///< layer_norm: a learned per-channel scale (gamma)
  PoolMode pool_mode = PoolMode::max;
  bool global_pool = false; ///< pool over the whole input
  double scale_h = 1;       ///< resize factors (output per input row / column) when no size is given
  double scale_w = 1;
  int size_h = 0;           ///< resize output size; 0: floor(input * scale)
  int size_w = 0;
  ResizeMode resize_mode = ResizeMode::nearest;
  ResizeCoordinates coordinates = ResizeCoordinates::mode_default;
  NearestRounding rounding = NearestRounding::floor;
  int pad_channels_before = 0;  ///< pad: channels added before / after the input's
  int pad_channels_after = 0;
  double pad_value = 0;     ///< pad: the constant padded with
  int block = 1;            ///< depth_to_space / space_to_depth block size
  DepthOrder depth_order = DepthOrder::dcr;  ///< depth_to_space channel order
  Activation activation = Activation::none;
  Shape output;             ///< inferred by infer_shapes(), or given for inputs

  bool is_depthwise(int in_channels) const {
    return kind == LayerKind::conv2d && groups > 1 && groups == in_channels && filters == in_channels;
  }
  friend bool operator==(const Layer&, const Layer&) = default;
};

/// Whole-model attributes, the graph property of pinfuse::Network.
struct ModelInfo {
  std::string name;
  int dtype_bytes = 1;  ///< bytes per feature-map and weight element
};

/// Edge property: which input slot of the target layer the edge feeds (concat order).
struct InputSlot {
  int slot = 0;
};

}  // namespace pinfuse
