#pragma once
// TFLite import, the importer. Walks subgraph 0's operators in order and builds the
// Network, one handler per family of ops (see io/tflite_import.hpp).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/tflite/import_state.hpp"
#include "pinfuse/io/detail/tflite/op_rules.hpp"
#include "pinfuse/io/detail/tflite/schema_access.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::tflite_import_detail {

class Importer : ImportState {
 public:
  using ImportState::ImportState;

  Network run() {
    name_tensors();
    prepare_inputs();
    choose_outputs();
    count_uses();
    g_[boost::graph_bundle].name = !options_.name.empty() ? options_.name : !m_.name().empty() ? m_.name() : "tflite_model";
    for (std::size_t i = 0; i < m_.op_count(); ++i)
      if (!skip_.count(int(i))) import_op(i);
    add_outputs();
    problems_.report();
    g_[boost::graph_bundle].dtype_bytes = options_.dtype_bytes > 0 ? options_.dtype_bytes : feature_map_bytes();
    layers_.infer();
    cross_check();
    if (options_.summary) {
      summary_.format = "TFLite";
      summary_.nodes = m_.op_count();
      count_network(summary_, g_);
      *options_.summary = summary_;
    }
    return std::move(g_);
  }

 private:
  using B = fb::BuiltinOperator;
  using Handler = void (Importer::*)();

  static const std::map<B, Handler>& handlers() {
    static const std::map<B, Handler> table{
        {B::CONV_2D, &Importer::conv},
        {B::DEPTHWISE_CONV_2D, &Importer::conv},
        {B::TRANSPOSE_CONV, &Importer::transpose_conv},
        {B::FULLY_CONNECTED, &Importer::fully_connected},
        {B::AVERAGE_POOL_2D, &Importer::pool},
        {B::MAX_POOL_2D, &Importer::pool},
        {B::MEAN, &Importer::global_pool},
        {B::REDUCE_MAX, &Importer::global_pool},
        {B::ADD, &Importer::elementwise},
        {B::MUL, &Importer::elementwise},
        {B::SUB, &Importer::elementwise},
        {B::CONCATENATION, &Importer::concat},
        {B::PAD, &Importer::pad},
        {B::PADV2, &Importer::pad},
        {B::RESIZE_NEAREST_NEIGHBOR, &Importer::resize},
        {B::RESIZE_BILINEAR, &Importer::resize},
        {B::DEPTH_TO_SPACE, &Importer::depth_space},
        {B::SPACE_TO_DEPTH, &Importer::depth_space},
        {B::RELU, &Importer::activation},
        {B::RELU6, &Importer::activation},
        {B::RELU_N1_TO_1, &Importer::activation},
        {B::LOGISTIC, &Importer::activation},
        {B::TANH, &Importer::activation},
        {B::HARD_SWISH, &Importer::activation},
        {B::LEAKY_RELU, &Importer::activation},
        {B::PRELU, &Importer::activation},
        {B::ELU, &Importer::activation},
        {B::GELU, &Importer::activation},
        {B::MAXIMUM, &Importer::clamp},
        {B::MINIMUM, &Importer::clamp},
        {B::RESHAPE, &Importer::reshape},
        {B::SQUEEZE, &Importer::reshape},
        {B::EXPAND_DIMS, &Importer::reshape},
        {B::QUANTIZE, &Importer::reshape},
        {B::DEQUANTIZE, &Importer::reshape},
        {B::SOFTMAX, &Importer::reshape},
        {B::LOG_SOFTMAX, &Importer::reshape},
    };
    return table;
  }

  /// Custom ops whose meaning is clear, by name (ModelAccess::op_name).
  static const std::map<std::string, Handler, std::less<>>& custom_handlers() {
    static const std::map<std::string, Handler, std::less<>> table{
        {"Convolution2DTransposeBias (custom)", &Importer::transpose_conv_bias},
    };
    return table;
  }

  /// The handler of an op: by its builtin code, or by its name for a custom op; none if unknown.
  Handler handler(const fb::Operator& o) const {
    if (m_.builtin(o) == B::CUSTOM) {
      const auto h = custom_handlers().find(op());
      return h == custom_handlers().end() ? nullptr : h->second;
    }
    const auto h = handlers().find(m_.builtin(o));
    return h == handlers().end() ? nullptr : h->second;
  }

  /// bytes per element: the most common element size of the feature maps the layers produce
  /// (int8 and uint8: 1, float16: 2, float32: 4); the first input's when no layer was made.
  int feature_map_bytes() const {
    const auto most = std::max_element(fm_bytes_.begin(), fm_bytes_.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    if (most != fm_bytes_.end() && most->first > 0) return most->first;
    const std::vector<int> in = m_.graph_inputs();
    return in.empty() ? 4 : std::max(1, element_bytes(m_.tensor(in.front()).type()));
  }

  // ---- Operator import ----

  void import_op(std::size_t i) {
    const fb::Operator& o = m_.op(i);
    op_index_ = i;
    op_ = &o;
    op_name_ = m_.op_name(o);
    inputs_ = ModelAccess::ints(o.inputs());
    outputs_ = ModelAccess::ints(o.outputs());
    try {
      bool reads_feature_map = false, reads_failed = false;
      for (const int t : inputs_) {
        if (t < 0) continue;
        const auto it = values_.find(t);
        if (it == values_.end()) {
          // No operator wrote it and it holds no data: a tensor the file leaves empty (a variable).
          values_[t] = constant(t);
          continue;
        }
        reads_failed = reads_failed || it->second.kind == Value::Kind::failed;
        reads_feature_map = reads_feature_map || it->second.kind == Value::Kind::feature_map ||
                            it->second.kind == Value::Kind::failed;
      }
      // An op on constants only (DEQUANTIZE of float16 weights, shape arithmetic) computes a constant,
      // and so does an op that reads only a map's (static) shape.
      if (!reads_feature_map || is_shape_op(op())) {
        for (const int t : outputs_) values_[t] = constant(t);
        return;
      }
      const Handler h = handler(o);
      if (!h) {
        problems_.unsupported(op(), label(i), outputs_.empty() ? op() : name_of(outputs_.front()));
        return fail_outputs();
      }
      if (reads_failed) return fail_outputs();
      const std::size_t layers_before = boost::num_vertices(g_);
      (this->*h)();
      // An op that added no layer folded into one (or is a reshape, QUANTIZE or DEQUANTIZE).
      if (boost::num_vertices(g_) == layers_before) ++summary_.folded[op()];
      for (std::size_t k = 0; k < outputs_.size(); ++k)
        if (!values_.count(outputs_[k]) && uses(outputs_[k]) > 0)
          fail(cat("output ", std::int64_t(k), " ('", name_of(outputs_[k]), "') is used, which pinfuse does not support"));
    } catch (const Unsupported& e) {
      problems_.node(op(), label(i), e.what(), outputs_.empty() ? op() : name_of(outputs_.front()));
      fail_outputs();
    }
  }

  void fail_outputs() {
    for (const int t : outputs_) values_[t] = Value{};
  }

  /// The op's builtin options as table T, which the op must have.
  template <class T>
  const T& options() const {
    const T* o = op_->builtin_options_as<T>();
    if (!o) fail("its builtin options are missing or of another type");
    return *o;
  }

  /// The activation that the options fuse into the op.
  static Activation fused(fb::ActivationFunctionType f) {
    const auto a = fused_activation(f);
    if (!a) fail(cat("fused activation ", fb::EnumNameActivationFunctionType(f), " is not supported"));
    return *a;
  }

  /// The output tensor of a layer kind that has no activation field, then the fused activation as a layer.
  void add_then_activate(Layer l, const std::vector<LayerId>& inputs, Activation activation) {
    add(std::move(l), inputs, out());
    if (activation != Activation::none) activate(out(), activation, out());
  }

  // ---- Handlers, one per family of ops ----

  /// A window along H and W from TFLite's options: SAME is TensorFlow's "same" (extra padding after).
  static void window(Layer& l, fb::Padding padding, int kernel_h, int kernel_w, int stride_h, int stride_w, int dilation_h,
                     int dilation_w) {
    if (padding != fb::Padding::SAME && padding != fb::Padding::VALID)
      fail(cat("padding ", std::int64_t(padding), " is neither SAME nor VALID"));
    l.rows = {narrow(kernel_h, "kernel size"), narrow(stride_h, "stride"), narrow(dilation_h, "dilation"), 0, 0,
              padding == fb::Padding::SAME};
    l.cols = {narrow(kernel_w, "kernel size"), narrow(stride_w, "stride"), narrow(dilation_w, "dilation"), 0, 0,
              padding == fb::Padding::SAME};
    if (l.rows.stride < 1 || l.cols.stride < 1 || l.rows.dilation < 1 || l.cols.dilation < 1)
      fail("strides and dilations must be >= 1");
  }

  /// A pending PAD of the input joins the conv's own padding (io/detail/import/pad.hpp); only zero
  /// padding folds, other values become a pad layer before the conv.
  void fold_pad(Layer& l, int t) {
    const Value& x = values_.at(t);
    if (!x.pad) return;
    if (x.pad->value != 0) return pad_layer(t);
    import_detail::fold_pad(l, *x.pad, x.padded());
  }

  /// The pending PAD of map `t` as a pad layer of its own; the map then names its output.
  void pad_layer(int t) {
    Value v = values_.at(t);
    import_detail::unfold_pad(v, layers_, summary_, "PAD", cat("operator PAD '", v.pad->node, "'"));
    values_[t] = v;
  }

  static void check_4d(const Dims& x, const Dims& w) {
    if (x.size() != 4 || w.size() != 4)
      fail(cat("only 2-D convolutions are supported (input ", dims_text(x), ", weights ", dims_text(w), ")"));
  }

  /// The window and fused activation of CONV_2D's and DEPTHWISE_CONV_2D's options (T).
  template <class T>
  void conv_options(Layer& l, const Dims& w) const {
    const T& o = options<T>();
    window(l, o.padding(), int(w[1]), int(w[2]), o.stride_h(), o.stride_w(), o.dilation_h_factor(), o.dilation_w_factor());
    l.activation = fused(o.fused_activation_function());
  }

  /// CONV_2D: weights [O, kh, kw, I]; groups = C / I (a grouped convolution when I < C).
  /// DEPTHWISE_CONV_2D: weights [1, kh, kw, C * multiplier]; groups = C.
  void conv() {
    const Value& x = input(0, Access::window);
    const Dims w = weights(1);
    check_4d(x.dims, w);
    Layer l;
    l.kind = LayerKind::conv2d;
    l.bias = in(2) >= 0;
    if (op() == "DEPTHWISE_CONV_2D") {
      if (w[0] != 1 || w[3] < 1 || w[3] % x.shape.c != 0)
        fail(cat("the weights '", name_of(in(1)), "' are ", dims_text(w), "; a depthwise convolution of ", x.shape.c,
                 " channels needs [1, kh, kw, a multiple of ", x.shape.c, "]"));
      l.filters = narrow(w[3], "output channels");
      l.groups = x.shape.c;
      conv_options<fb::DepthwiseConv2DOptions>(l, w);
    } else {
      if (w[3] < 1 || x.shape.c % w[3] != 0)
        fail(cat("the weights '", name_of(in(1)), "' expect ", w[3], " input channels per group, which does not divide the ",
                 x.shape.c, " channels of '", name_of(in(0)), "'"));
      l.filters = narrow(w[0], "output channels");
      l.groups = narrow(x.shape.c / w[3], "groups");
      conv_options<fb::Conv2DOptions>(l, w);
    }
    fold_pad(l, in(0));  // x then names the pad layer if the PAD does not fold
    add(std::move(l), {x.layer}, out());
  }

  /// TRANSPOSE_CONV: inputs output_shape, weights [O, kh, kw, I], the map, bias.
  void transpose_conv() {
    const auto& o = options<fb::TransposeConvOptions>();
    transposed(2, in(3) >= 0, o.stride_h(), o.stride_w(), fused(o.fused_activation_function()));
  }

  /// MediaPipe's custom Convolution2DTransposeBias: inputs the map, weights [O, kh, kw, I], bias.
  /// Its custom options are TFLite's TfLiteTransposeConvParams as raw int32: padding, stride_w, stride_h.
  void transpose_conv_bias() {
    const auto* o = op_->custom_options();
    if (!o || o->size() < 3 * sizeof(std::int32_t))
      fail("its custom options (padding, stride_w and stride_h, as int32) are missing");
    std::int32_t stride_w, stride_h;
    std::memcpy(&stride_w, o->data() + 4, sizeof stride_w);  // little-endian, as the hosts we build on
    std::memcpy(&stride_h, o->data() + 8, sizeof stride_h);
    transposed(0, in(2) >= 0, stride_h, stride_w, Activation::none);
  }

  /// A transposed convolution of input `map` by the weights of input 1, [O, kh, kw, I]. The padding
  /// comes from the output size: total = s * (in - 1) + k - out, before = total / 2, the rest after.
  void transposed(std::size_t map, bool bias, int stride_h, int stride_w, Activation activation) {
    const Dims w = weights(1);
    const Value& x = input(map);
    check_4d(x.dims, w);
    if (w[3] != x.shape.c)
      fail(cat("the weights '", name_of(in(1)), "' expect ", w[3], " input channels, but '", name_of(in(map)), "' has ",
               x.shape.c));
    const Dims y = m_.dims(out());
    if (y.size() != 4) fail(cat("the output is ", dims_text(y), "; a [1, H, W, C] map is needed"));
    Layer l;
    l.kind = LayerKind::conv2d_transpose;
    l.filters = narrow(w[0], "output channels");
    l.bias = bias;
    const int stride[2] = {stride_h, stride_w}, in_size[2] = {x.shape.h, x.shape.w};
    for (int a = 0; a < 2; ++a) {
      Window1D& win = a == 0 ? l.rows : l.cols;
      win.kernel = narrow(w[1 + a], "kernel size");
      win.stride = narrow(stride[a], "stride");
      if (win.stride < 1) fail("strides must be >= 1");
      const std::int64_t total = std::int64_t(win.stride) * (in_size[a] - 1) + win.kernel - y[1 + a];
      if (total < 0)
        fail(cat("the output ", dims_text(y), " is larger than stride * (in - 1) + kernel, which conv2d_transpose "
                 "cannot express (negative padding)"));
      win.pad_before = int(total / 2);
      win.pad_after = int(total - total / 2);
    }
    l.activation = activation;
    add(std::move(l), {x.layer}, out());
  }

  /// FULLY_CONNECTED: weights [N, K] on a map of K elements (flattened); with keep_num_dims on a
  /// [1, H, W, K] map it is a 1x1 convolution per pixel.
  void fully_connected() {
    const Value& x = input(0, Access::view);
    const Dims w = weights(1);
    if (w.size() != 2) fail(cat("the weights '", name_of(in(1)), "' are ", dims_text(w), "; [units, inputs] is needed"));
    const auto& o = options<fb::FullyConnectedOptions>();
    Layer l;
    l.filters = narrow(w[0], "units");
    l.bias = in(2) >= 0;
    l.activation = fused(o.fused_activation_function());
    if (std::int64_t(x.shape.elements()) == w[1]) {
      l.kind = LayerKind::fc;
      add(std::move(l), {x.layer}, out(), Shape{1, 1, l.filters});
      return;
    }
    if (!x.is_view() && x.shape.c == w[1]) {
      l.kind = LayerKind::conv2d;
      add(std::move(l), {x.layer}, out());
      return;
    }
    fail(cat("the weights '", name_of(in(1)), "' take ", w[1], " inputs, but '", name_of(in(0)), "' is ",
             dims_text(x.dims), " (", std::int64_t(x.shape.elements()), " elements; pinfuse maps a batch of 1)"));
  }

  /// AVERAGE_POOL_2D and MAX_POOL_2D. A pending PAD folds where exact (io/detail/import/pad.hpp); TFLite's
  /// average pool does not count its own SAME padding.
  void pool() {
    const Value& x = input(0, Access::window);
    if (x.dims.size() != 4) fail(cat("only 2-D pooling is supported (input ", dims_text(x.dims), ")"));
    const auto& o = options<fb::Pool2DOptions>();
    Layer l;
    l.kind = LayerKind::pool;
    l.pool_mode = op() == "MAX_POOL_2D" ? PoolMode::max : PoolMode::avg;
    window(l, o.padding(), o.filter_height(), o.filter_width(), o.stride_h(), o.stride_w(), 1, 1);
    if (x.pad) {
      const import_detail::PoolWords words{cat("PAD '", x.pad->node, "' (value ", import_detail::number_text(x.pad->value), ")"),
                                           "an AVERAGE_POOL_2D", "a MAX_POOL_2D", false, "(TFLite's SAME average)"};
      // A PAD that does not fold exactly is a pad layer before the pool.
      if (import_detail::pool_pad_problem(l, *x.pad, g_[x.layer].name, g_[x.layer].activation, words)) pad_layer(in(0));
      else import_detail::fold_pad(l, *x.pad, x.padded());
    }
    add_then_activate(std::move(l), {x.layer}, fused(o.fused_activation_function()));
  }

  /// MEAN and REDUCE_MAX over H and W (axes 1 and 2 of NHWC): a global pool.
  void global_pool() {
    const Value& x = input(0);
    if (x.dims.size() != 4) fail(cat("only 2-D pooling is supported (input ", dims_text(x.dims), ")"));
    Dims axes = constant_ints(1, "axes");
    for (std::int64_t& a : axes) a = a < 0 ? a + 4 : a;
    std::sort(axes.begin(), axes.end());
    if (axes != Dims{1, 2})
      fail(cat(op(), " over the NHWC axes ", dims_text(axes), "; only the spatial axes H and W (a global pool) are supported"));
    Layer l;
    l.kind = LayerKind::pool;
    l.global_pool = true;
    l.pool_mode = op() == "REDUCE_MAX" ? PoolMode::max : PoolMode::avg;
    add(std::move(l), {x.layer}, out());
  }

  /// ADD, MUL and SUB: a layer for two feature maps (MUL may broadcast [1, 1, 1, C]); with a
  /// constant operand (a scale, a shift) the op folds and passes the map through.
  void elementwise() {
    std::vector<std::size_t> maps;
    for (std::size_t i = 0; i < inputs_.size(); ++i)
      if (in(i) >= 0 && !is_constant(in(i))) maps.push_back(i);
    fb::ActivationFunctionType act = fb::ActivationFunctionType::NONE;
    if (const auto* o = op_->builtin_options_as_AddOptions()) act = o->fused_activation_function();
    if (const auto* o = op_->builtin_options_as_MulOptions()) act = o->fused_activation_function();
    if (const auto* o = op_->builtin_options_as_SubOptions()) act = o->fused_activation_function();
    const Activation activation = fused(act);
    const Dims y = m_.dims(out());
    if (maps.size() == 1) {
      const Value& x = input(maps[0], Access::view);
      if (y != x.dims)
        fail(cat("broadcasts the feature map '", name_of(in(maps[0])), "' ", dims_text(x.dims), " to ", dims_text(y),
                 "; only constants that keep the feature map's shape are folded"));
      alias(maps[0]);
      if (activation != Activation::none) activate(out(), activation, out());
      return;
    }
    if (op() == "SUB") fail("SUB of two feature maps is not supported (pinfuse has add and mul layers)");
    const bool is_mul = op() == "MUL";
    const auto o = to_shape(y);
    if (!o) fail(cat("the output is ", dims_text(y), "; pinfuse maps only [1, H, W, C] and [1, N] feature maps"));
    Layer l;
    l.kind = is_mul ? LayerKind::mul : LayerKind::add;
    l.activation = activation;
    std::vector<LayerId> ins;
    for (const std::size_t i : maps) {
      const Value& v = input(i);
      const bool broadcast = is_mul && v.shape.h == 1 && v.shape.w == 1 && v.shape.c == o->c;
      if (!(v.shape == *o) && !broadcast)
        fail(cat("broadcasts '", name_of(in(i)), "' ", dims_text(v.dims), " to ", dims_text(y), "; ",
                 is_mul ? "mul broadcasts only [1, 1, 1, C]" : "add needs equal shapes"));
      ins.push_back(v.layer);
    }
    add(std::move(l), ins, out());
  }

  /// CONCATENATION along the channels (axis 3 of a map, 1 of a vector). Constant operands add
  /// channels that the layer produces from its weights.
  void concat() {
    const auto& o = options<fb::ConcatenationOptions>();
    const Dims y = m_.dims(out());
    std::int64_t axis = o.axis() < 0 ? o.axis() + std::int64_t(y.size()) : o.axis();
    if (axis != std::int64_t(y.size()) - 1 || (y.size() != 4 && y.size() != 2))
      fail(cat("concatenates ", dims_text(y), " along axis ", o.axis(), "; only the channel axis (the last of [1, H, W, C] ",
               "or [1, N]) is supported"));
    Layer l;
    l.kind = LayerKind::concat;
    std::vector<LayerId> ins;
    std::int64_t constant_channels = 0;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if (is_constant(in(i))) {
        const Dims c = m_.dims(in(i));
        if (c.size() != y.size()) fail(cat("the constant operand '", name_of(in(i)), "' is ", dims_text(c)));
        constant_channels += c.back();
        continue;
      }
      ins.push_back(input(i).layer);
    }
    if (ins.size() == 1 && constant_channels == 0) return alias(0);
    l.constant_channels = narrow(constant_channels, "constant channels");
    add_then_activate(std::move(l), ins, fused(o.fused_activation_function()));
  }

  /// PAD and PADV2 ([4, 2] paddings of NHWC): H and W are held for the convolution or pool that
  /// reads the map (fold_pad); the channels, or a map something else reads, a pad layer.
  void pad() {
    const Value& x = input(0);
    if (x.dims.size() != 4) fail(cat("pads ", dims_text(x.dims), "; only [1, H, W, C] maps are padded"));
    const Dims p = constant_ints(1, "paddings");
    if (p.size() != 8) fail(cat("the paddings ", dims_text(p), " are not [4, 2]"));
    if (std::any_of(p.begin(), p.end(), [](std::int64_t v) { return v < 0; }))
      fail(cat("the paddings ", dims_text(p), " crop (negative padding), which is not supported"));
    double value = 0;
    if (in(2) >= 0) {
      const auto v = m_.float_scalar(in(2));
      if (!v) fail("the padding value must be a FLOAT32 constant scalar (a quantized PADV2 is not supported)");
      value = *v;
    }
    // p = [[batch before, after], [H...], [W...], [C...]]
    if (p[0] || p[1]) fail(cat("the paddings ", dims_text(p), " pad the batch, which is not supported"));
    if (std::all_of(p.begin(), p.end(), [](std::int64_t v) { return v == 0; })) return alias(0);
    // Only H and W, read only by convolutions and pools: held for them to fold; else a pad layer.
    const auto readers = consumers_.find(out());
    const bool window_readers =
        readers != consumers_.end() && uses(out()) == int(readers->second.size()) &&
        std::all_of(readers->second.begin(), readers->second.end(), [&](int k) {
          const B b = m_.builtin(m_.op(std::size_t(k)));
          return b == B::CONV_2D || b == B::DEPTHWISE_CONV_2D || b == B::AVERAGE_POOL_2D || b == B::MAX_POOL_2D;
        });
    if (p[6] || p[7] || !window_readers) {
      const PendingPad spatial{narrow(p[2], "padding"), narrow(p[3], "padding"), narrow(p[4], "padding"),
                               narrow(p[5], "padding"), value, ""};
      add(import_detail::pad_layer_of(spatial, narrow(p[6], "padding"), narrow(p[7], "padding")), {x.layer}, out());
      return;
    }
    Value v = x;
    v.dims = m_.dims(out());
    v.sole = v.sole && uses(in(0)) == 1;
    v.pad = PendingPad{narrow(p[2], "padding"), narrow(p[3], "padding"), narrow(p[4], "padding"),
                       narrow(p[5], "padding"), value, name_of(out())};
    values_[out()] = v;
  }

  /// RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR to the output size, with TFLite's
  /// coordinates: align_corners, half_pixel_centers (nearest: floor((r + 0.5) * in / out),
  /// bilinear: (r + 0.5) * in / out - 0.5), or neither (floor(r * in / out); r * in / out).
  void resize() {
    const Value& x = input(0);
    const Dims y = m_.dims(out());
    if (x.dims.size() != 4 || y.size() != 4 || y[3] != x.dims[3] || y[0] != x.dims[0])
      fail(cat("resizes ", dims_text(x.dims), " to ", dims_text(y), "; only H and W are resized"));
    if (y[1] == x.dims[1] && y[2] == x.dims[2]) return alias(0);
    Layer l;
    l.kind = LayerKind::resize;
    const bool bilinear = op() == "RESIZE_BILINEAR";
    l.resize_mode = bilinear ? ResizeMode::bilinear : ResizeMode::nearest;
    bool align_corners = false, half_pixel = false;
    if (bilinear) {
      if (const auto* o = op_->builtin_options_as_ResizeBilinearOptions()) {
        align_corners = o->align_corners();
        half_pixel = o->half_pixel_centers();
      }
    } else if (const auto* o = op_->builtin_options_as_ResizeNearestNeighborOptions()) {
      align_corners = o->align_corners();
      half_pixel = o->half_pixel_centers();
    }
    if (align_corners && half_pixel) fail("align_corners and half_pixel_centers together are not supported");
    l.coordinates = align_corners ? ResizeCoordinates::align_corners
                    : half_pixel  ? ResizeCoordinates::half_pixel
                                  : ResizeCoordinates::asymmetric;
    // TFLite's nearest rounds its source coordinate up at .5 (std::round) when aligned or half-pixel.
    if (!bilinear && (align_corners || half_pixel)) l.rounding = NearestRounding::round_prefer_ceil;
    l.size_h = narrow(y[1], "output height");
    l.size_w = narrow(y[2], "output width");
    add(std::move(l), {x.layer}, out());
  }

  /// DEPTH_TO_SPACE (TensorFlow's DCR order) and SPACE_TO_DEPTH.
  void depth_space() {
    const Value& x = input(0);
    Layer l;
    int block = 0;
    if (op() == "DEPTH_TO_SPACE") {
      l.kind = LayerKind::depth_to_space;
      block = options<fb::DepthToSpaceOptions>().block_size();
    } else {
      l.kind = LayerKind::space_to_depth;
      block = options<fb::SpaceToDepthOptions>().block_size();
    }
    if (block < 1 || block > 1024) fail(cat("block_size ", std::int64_t(block), " is not in [1, 1024]"));
    l.block = block;
    add(std::move(l), {x.layer}, out());
  }

  /// Standalone activations (op_rules.hpp); PRELU's slopes are weights of the activation.
  /// LOGISTIC(x) read only by a MUL of x is swish: x * sigmoid(x), one activation.
  void activation() {
    input(0, Access::view);
    if (op() == "PRELU" && !is_constant(in(1))) fail("the slopes must be a constant");
    if (const auto mul = swish_mul()) {
      skip_.insert(*mul);
      --uses_[out()];  // its one reader, the MUL, is this activation
      return activate(in(0), Activation::swish, ModelAccess::ints(m_.op(std::size_t(*mul)).outputs()).front(), 2);
    }
    activate(in(0), *activation_of(m_.builtin(*op_)), out());
  }

  /// The MUL that makes this LOGISTIC a swish: the only reader of its output, multiplying it by
  /// the LOGISTIC's input, without a fused activation.
  std::optional<int> swish_mul() const {
    const auto readers = consumers_.find(out());
    if (op() != "LOGISTIC" || uses(out()) != 1 || readers == consumers_.end() || readers->second.size() != 1)
      return std::nullopt;
    const int k = readers->second.front();
    const fb::Operator& mul = m_.op(std::size_t(k));
    const std::vector<int> ins = ModelAccess::ints(mul.inputs());
    const auto* options = mul.builtin_options_as_MulOptions();
    const bool plain = !options || options->fused_activation_function() == fb::ActivationFunctionType::NONE;
    const bool reads_both = ins.size() == 2 && ((ins[0] == in(0) && ins[1] == out()) || (ins[1] == in(0) && ins[0] == out()));
    if (m_.builtin(mul) != B::MUL || !plain || !reads_both || mul.outputs() == nullptr || mul.outputs()->size() != 1)
      return std::nullopt;
    return k;
  }

  /// MAXIMUM and MINIMUM of a map and a constant scalar (a lower or an upper bound): the
  /// activation clamp, whatever the bound.
  void clamp() {
    std::vector<std::size_t> maps;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if (in(i) < 0) continue;
      if (!is_constant(in(i))) maps.push_back(i);
      else if (Dims d = m_.dims(in(i)); std::any_of(d.begin(), d.end(), [](std::int64_t e) { return e != 1; }))
        fail(cat("the constant '", name_of(in(i)), "' is ", dims_text(d), "; only a scalar bound (a clamp) is supported"));
    }
    if (maps.size() != 1)
      fail(cat(op(), " of ", std::int64_t(maps.size()), " feature maps is not supported; only ", op(),
               " of a map and a constant scalar (a clamp)"));
    const Value& x = input(maps.front(), Access::view);
    if (m_.dims(out()) != x.dims)
      fail(cat("broadcasts the feature map '", name_of(in(maps.front())), "' ", dims_text(x.dims), " to ",
               dims_text(m_.dims(out())), "; only a constant that keeps the feature map's shape is supported"));
    activate(in(maps.front()), Activation::clamp, out());
  }

  /// Ops that keep the data and at most change size-1 axes or flatten: RESHAPE, SQUEEZE,
  /// EXPAND_DIMS, QUANTIZE and DEQUANTIZE of a map (int8 models), and SOFTMAX / LOG_SOFTMAX.
  void reshape() { alias(0); }

  const fb::Operator* op_ = nullptr;
};

}  // namespace pinfuse::tflite_import_detail
