#pragma once
// ONNX import, the importer. Walks the nodes in graph order and builds the
// Network, one handler per family of op types (see io/onnx_import.hpp).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/onnx/activations.hpp"
#include "pinfuse/io/detail/onnx/import_state.hpp"
#include "pinfuse/io/detail/onnx/layer_norm.hpp"
#include "pinfuse/io/detail/onnx/model_checks.hpp"
#include "pinfuse/io/detail/onnx/proto.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::onnx_import_detail {

class Importer : ImportState {
 public:
  using ImportState::ImportState;

  Network run() {
    if (!model_.has_graph() || model_.graph().node_size() == 0)
      throw input_error("", "the model holds no ONNX graph (or a graph without nodes)");
    bool default_opset = false;
    for (const auto& o : model_.opset_import()) default_opset = default_opset || o.domain().empty() || o.domain() == "ai.onnx";
    if (!default_opset) throw input_error("", "the model imports no version of the default ONNX operator set");
    check_model(model_);
    complete_kernel_shapes(model_);
    const onnx::GraphProto& graph = model_.graph();
    for (const auto& t : graph.initializer()) {
      tensors_[t.name()] = &t;
      values_[t.name()] = constant(Dims(t.dims().begin(), t.dims().end()), true);
    }
    prepare_inputs();
    infer_onnx_shapes();
    choose_outputs();
    count_uses();
    g_[boost::graph_bundle].name = !options_.name.empty() ? options_.name : !graph.name().empty() ? graph.name() : "onnx_model";
    g_[boost::graph_bundle].dtype_bytes = options_.dtype_bytes > 0 ? options_.dtype_bytes : dtype_bytes_;
    add_inputs();
    for (int i = 0; i < graph.node_size(); ++i)  // first, so that activation regions see all their constants
      if (graph.node(i).op_type() == "Constant" && skip_.insert(i).second) {
        node_ = &graph.node(i);
        constant_node();
      }
    for (int i = 0; i < graph.node_size(); ++i)
      if (!skip_.count(i)) import_node(i);
    add_outputs();
    problems_.report();
    layers_.infer();
    cross_check();
    if (options_.summary) {
      summary_.format = "ONNX";
      summary_.nodes = std::size_t(graph.node_size());
      count_network(summary_, g_);
      *options_.summary = summary_;
    }
    return std::move(g_);
  }

 private:
  using Handler = void (Importer::*)();

  /// The op types the importer knows, by handler.
  static const std::map<std::string, Handler, std::less<>>& handlers() {
    static const std::map<std::string, Handler, std::less<>> table{
        {"Conv", &Importer::conv},
        {"ConvTranspose", &Importer::conv_transpose},
        {"Gemm", &Importer::fully_connected},
        {"MatMul", &Importer::fully_connected},
        {"MaxPool", &Importer::pool},
        {"AveragePool", &Importer::pool},
        {"GlobalAveragePool", &Importer::global_pool},
        {"GlobalMaxPool", &Importer::global_pool},
        {"ReduceMean", &Importer::global_pool},
        {"ReduceMax", &Importer::global_pool},
        {"Add", &Importer::elementwise},
        {"Sum", &Importer::elementwise},
        {"Mul", &Importer::elementwise},
        {"Sub", &Importer::elementwise},
        {"Div", &Importer::elementwise},
        {"Concat", &Importer::concat},
        {"Pad", &Importer::pad},
        {"Split", &Importer::split},
        {"Slice", &Importer::slice},
        {"Resize", &Importer::resize},
        {"DepthToSpace", &Importer::depth_space},
        {"SpaceToDepth", &Importer::depth_space},
        {"Upsample", &Importer::resize},
        {"BatchNormalization", &Importer::batch_norm},
        {"LayerNormalization", &Importer::layer_normalization},
        {"Relu", &Importer::activation},
        {"Sigmoid", &Importer::activation},
        {"Tanh", &Importer::activation},
        {"Erf", &Importer::activation},
        {"Exp", &Importer::activation},
        {"Log", &Importer::activation},
        {"Sqrt", &Importer::activation},
        {"Neg", &Importer::activation},
        {"Abs", &Importer::activation},
        {"Reciprocal", &Importer::activation},
        {"Softplus", &Importer::activation},
        {"Softsign", &Importer::activation},
        {"HardSwish", &Importer::activation},
        {"HardSigmoid", &Importer::activation},
        {"LeakyRelu", &Importer::activation},
        {"Elu", &Importer::activation},
        {"Selu", &Importer::activation},
        {"Celu", &Importer::activation},
        {"Clip", &Importer::activation},
        {"PRelu", &Importer::activation},
        {"Pow", &Importer::activation},
        {"Max", &Importer::activation},
        {"Min", &Importer::activation},
        {"Reshape", &Importer::reshape},
        {"Flatten", &Importer::reshape},
        {"Squeeze", &Importer::reshape},
        {"Unsqueeze", &Importer::reshape},
        {"Identity", &Importer::reshape},
        {"Cast", &Importer::reshape},
        {"Dropout", &Importer::reshape},
        {"Transpose", &Importer::reshape},
        {"Softmax", &Importer::reshape},
        {"LogSoftmax", &Importer::reshape},
    };
    return table;
  }

  // ---- Node import ----

  void import_node(int index) {
    const onnx::NodeProto& n = model_.graph().node(index);
    node_ = &n;
    try {
      bool reads_feature_map = false, reads_failed = false;
      for (const std::string& in : n.input()) {
        if (in.empty()) continue;
        const Value& read = values_.at(in);  // defined: check_model (model_checks.hpp) refuses the model otherwise
        reads_failed = reads_failed || read.kind == Value::Kind::failed;
        reads_feature_map = reads_feature_map || read.kind != Value::Kind::constant;
      }
      // After a failed node, only the op type is checked (the failure is reported where it happened).
      if (!reads_feature_map || n.op_type() == "Shape" || n.op_type() == "Size") return constant_node();
      if (!n.domain().empty() && n.domain() != "ai.onnx")
        fail("operator " + n.domain() + "." + n.op_type() + " is not supported (custom operator domain)");
      const auto h = handlers().find(n.op_type());
      if (h == handlers().end()) return unsupported_op();
      if (reads_failed) return fail_outputs();
      if (activation_region(index)) return;
      const std::size_t layers_before = boost::num_vertices(g_);
      (this->*h->second)();
      // A node that added no layer folded into one (or into the map's layout, a reshape).
      if (boost::num_vertices(g_) == layers_before && !skip_.count(index)) ++summary_.folded[n.op_type()];
      for (int k = 0; k < n.output_size(); ++k)
        if (!n.output(k).empty() && !values_.count(n.output(k)) && uses(n.output(k)) > 0)
          fail(cat("output ", k, " ('", n.output(k), "') is used, which pinfuse does not support"));
    } catch (const Unsupported& e) {
      problems_.node(n.op_type(), label(n), e.what(), n.name().empty() ? output_name(0) : n.name());
      pass_on_or_fail();
    }
  }

  /// After a failed node: its outputs are failed, except that an elementwise node whose output
  /// has the dims of its one feature-map input passes that map on, so that the nodes after it
  /// are checked too (and the same problem of later nodes is counted, Problems::node).
  void pass_on_or_fail() {
    std::vector<std::string> maps;
    for (const std::string& in : node_->input())  // an input may be unknown: the reason the node failed
      if (const auto v = values_.find(in); v != values_.end() && v->second.kind == Value::Kind::feature_map)
        maps.push_back(in);
    const auto out = dims_.find(node_->output_size() == 1 ? output_name(0) : std::string());
    if (is_elementwise_op(op()) && maps.size() == 1 && out != dims_.end() && out->second == values_.at(maps[0]).dims) {
      values_[output_name(0)] = values_.at(maps[0]);
      return;
    }
    fail_outputs();
  }

  /// Nodes of an op type the importer does not know: one problem per op type, with the
  /// count and the first names.
  void unsupported_op() {
    problems_.unsupported(op(), label(*node_), node_->name().empty() ? output_name(0) : node_->name());
    fail_outputs();
  }

  void fail_outputs() {
    for (const std::string& out : node_->output())
      if (!out.empty()) values_[out] = Value{};
  }

  /// A node that reads no feature map computes a constant.
  void constant_node() {
    const onnx::NodeProto& n = *node_;
    if (n.op_type() == "Constant" && n.output_size() == 1) {
      for (const auto& a : n.attribute()) {
        if (a.name() == "value") tensors_[n.output(0)] = &a.t();
        if (a.name() == "value_float" || a.name() == "value_floats" || a.name() == "value_int" || a.name() == "value_ints") {
          onnx::TensorProto& t = own_tensors_.emplace_back();
          if (a.name() == "value_float") t.add_float_data(a.f());
          for (const float f : a.floats()) t.add_float_data(f);
          if (a.name() == "value_int") t.add_int64_data(a.i());
          for (const std::int64_t i : a.ints()) t.add_int64_data(i);
          t.set_data_type(a.name().find("float") != std::string::npos ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64);
          tensors_[n.output(0)] = &t;
        }
      }
    }
    for (const std::string& out : n.output()) {
      if (out.empty()) continue;
      const auto d = dims_.find(out);
      values_[out] = d != dims_.end() ? constant(d->second, true) : constant({}, false);
    }
  }

  // ---- Handlers, one per family of op types ----

  void conv() {
    const Value& x = input(0, Access::window);
    const Dims w = weights(1);
    check_2d(x, w);
    Layer l;
    l.kind = LayerKind::conv2d;
    l.filters = narrow(w[0], "output channels");
    l.groups = narrow(attr_int("group", 1), "group");
    l.bias = has_input(2);
    check_channels(product(w[1], l.groups, "input channels"), x.dims[1]);
    read_window(l, kernel_of(w), x.dims, true);
    if (x.pad && x.pad->value != 0) {  // only zero padding folds into a Conv: a pad layer before it
      add(std::move(l), {pad_layer(input_name(0)).layer}, output_name(0));
      return;
    }
    fold_pad(l, x);
    add(std::move(l), {x.layer}, output_name(0));
  }

  /// The pending Pad of feature map `name` as a pad layer of its own (when it does not fold
  /// into its reader); the map then names the pad layer's output.
  const Value& pad_layer(const std::string& name) {
    Value v = values_.at(name);
    import_detail::unfold_pad(v, layers_, summary_, "Pad", cat("node '", v.pad->node, "' (Pad)"));
    return values_[name] = v;
  }

  /// Adds a pending Pad of the input to a conv's or pool's own padding (io/detail/import/pad.hpp).
  static void fold_pad(Layer& l, const Value& x) {
    if (x.pad) import_detail::fold_pad(l, *x.pad, x.padded());
  }

  /// Constant Pad of H, W and the channels: held for the Conv or pool that reads it (see
  /// fold_pad) when it pads only H and W and only they read it, else a pad layer.
  void pad() {
    const Value& x = input(0, Access::any_layout);
    const std::string mode = attr_string("mode", "constant");
    if (mode != "constant") fail("mode '" + mode + "' is not supported; only constant padding (a pad layer, or folded into a Conv or pool)");
    Dims pads = attr_ints("pads", {});  // opset < 11
    if (has_input(1)) {
      const auto v = constant_ints(1);
      if (!v) fail("the pads must be a constant");
      pads = *v;
    }
    double value = attr_float("value", 0);
    if (has_input(2)) {
      const auto v = constant_values(2);
      if (!v || v->size() != 1) fail("the constant_value must be a constant scalar");
      value = v->front();
    }
    if (pads.size() != 2 * x.dims.size() || x.dims.size() != 4)
      fail(cat("pads ", dims_text(pads), " of ", dims_text(x.dims), "; only 4-D feature maps are padded"));
    Dims before(4), after(4);  // in NCHW order
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t axis = x.layout.empty() ? i : std::size_t(x.layout[i]);
      before[axis] = pads[i];
      after[axis] = pads[i + 4];
    }
    if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p < 0; }))
      fail(cat("pads ", dims_text(pads), " crop (negative padding), which is not supported"));
    if (before[0] || after[0]) fail(cat("pads ", dims_text(pads), " pad the batch, which is not supported"));
    if (std::all_of(pads.begin(), pads.end(), [](std::int64_t p) { return p == 0; })) return alias(input_name(0));
    // Spatial padding read only by Convs and pools (or a Transpose before one) is held for them
    // to fold; padding of the channels, or read by anything else, is a pad layer.
    const auto readers = consumers_.find(output_name(0));
    const bool window_readers =
        readers != consumers_.end() && uses(output_name(0)) == int(readers->second.size()) &&
        std::all_of(readers->second.begin(), readers->second.end(), [&](int k) {
          const std::string& t = model_.graph().node(k).op_type();
          return t == "Conv" || t == "MaxPool" || t == "AveragePool" || t == "Transpose";
        });
    if (before[1] || after[1] || !window_readers) {
      const PendingPad spatial{narrow(before[2], "padding"), narrow(after[2], "padding"), narrow(before[3], "padding"),
                               narrow(after[3], "padding"), value, ""};
      add(import_detail::pad_layer_of(spatial, narrow(before[1], "padding"), narrow(after[1], "padding")), {x.layer},
          output_name(0), {}, x.layout);
      return;
    }
    Value v = x;
    v.dims = dims(output_name(0));
    v.sole = v.sole && uses(input_name(0)) == 1;
    v.pad = {narrow(before[2], "padding"), narrow(after[2], "padding"), narrow(before[3], "padding"),
             narrow(after[3], "padding"), value, node_->name().empty() ? output_name(0) : node_->name()};
    values_[output_name(0)] = v;
  }

  void conv_transpose() {
    const Value& x = input(0);
    const Dims w = weights(1);  // [C_in, C_out / group, kh, kw]
    check_2d(x, w);
    const std::int64_t group = attr_int("group", 1);
    Layer l;
    l.kind = LayerKind::conv2d_transpose;
    l.filters = narrow(product(w[1], group, "output channels"), "output channels");
    l.groups = narrow(group, "group");
    l.bias = has_input(2);
    check_channels(w[0], x.dims[1]);
    const Dims k = kernel_of(w), s = attr_ints("strides", {1, 1}, 2), d = attr_ints("dilations", {1, 1}, 2);
    const Dims p = attr_ints("pads", {0, 0, 0, 0}, 4), out_pad = attr_ints("output_padding", {0, 0}, 2);
    const Dims out_shape = attr_ints("output_shape", {});
    const std::string auto_pad = attr_string("auto_pad", "NOTSET");
    if (!out_shape.empty() && out_shape.size() < 2) fail(cat("output_shape ", dims_text(out_shape), " needs height and width"));
    // ONNX: out = s * (in - 1) + output_padding + k - pads. Ours has no output_padding:
    // it becomes less end padding, and output_shape / SAME become padding.
    for (int a = 0; a < 2; ++a) {
      Window1D& win = a == 0 ? l.rows : l.cols;
      win.kernel = narrow(k[a], "kernel size");
      win.stride = narrow(s[a], "stride");
      if (d[a] != 1 && k[a] != 1) fail("dilated ConvTranspose is not supported");
      const std::int64_t in = x.dims[2 + a];
      std::int64_t before = p[a], after = p[a + 2] - out_pad[a];
      if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        // Each term narrowed to an extent (< 2^31): the sum cannot wrap.
        const std::int64_t out = narrow(!out_shape.empty() ? out_shape[out_shape.size() - 2 + a] : product(in, s[a], "output size"),
                                        "output size");
        const std::int64_t total = narrow(product(s[a], in - 1, "output size"), "output size") + k[a] - out;
        before = total / 2;
        after = total - before;
      } else if (auto_pad == "VALID") {
        before = 0;
        after = -out_pad[a];
      } else if (auto_pad != "NOTSET") {
        fail("auto_pad '" + auto_pad + "' is not supported");
      }
      if (before < 0 || after < 0)
        fail("the output size needs negative padding (output_padding larger than the end padding, or SAME with a kernel "
             "smaller than the stride), which conv2d_transpose cannot express");
      win.pad_before = narrow(before, "padding");
      win.pad_after = narrow(after, "padding");
    }
    add(std::move(l), {x.layer}, output_name(0));
  }

  /// Gemm and MatMul with a constant weight: fc; a MatMul over the channels of a map in a
  /// channels-last layout (PyTorch's nn.Linear on a permuted map, ConvNeXt): a 1x1 conv2d.
  void fully_connected() {
    const Value& a = input(0, Access::view);
    if (has_input(1) && values_.at(input_name(1)).kind != Value::Kind::constant)
      fail(op() + " of two feature maps is not supported; the second operand must be constant weights");
    const Dims w = weights(1);
    if (op() == "MatMul" && a.dims.size() == 4 && !a.is_view() && !a.pad && a.layout.size() == 4 && a.layout[3] == 1 &&
        w.size() == 2)
      return pointwise_matmul(a, w);
    if (!is_vector(a.dims) || w.size() != 2)
      fail(cat(op(), " of ", dims_text(a.dims), " by ", dims_text(w),
               "; only a [1, K] input (Flatten a map first) times [K, N] weights maps to fc"));
    if (attr_int("transA", 0) != 0) fail("transA = 1 is not supported");
    const bool trans_b = attr_int("transB", 0) != 0;
    check_channels(trans_b ? w[1] : w[0], a.dims.back());
    Layer l;
    l.kind = LayerKind::fc;
    l.filters = narrow(trans_b ? w[0] : w[1], "units");
    l.bias = op() == "Gemm" && has_input(2);
    if (l.bias && values_.at(input_name(2)).kind != Value::Kind::constant) fail("the bias C must be a constant");
    add(std::move(l), {a.layer}, output_name(0));
  }

  /// MatMul of a map whose last ONNX axis holds its channels by [C_in, C_out] weights: each
  /// pixel's channels times the weights, a 1x1 conv2d (no bias: an Add after it gives one).
  void pointwise_matmul(const Value& a, const Dims& w) {
    check_channels(w[0], a.dims[3]);
    Layer l;
    l.kind = LayerKind::conv2d;
    l.filters = narrow(w[1], "output channels");
    l.bias = false;
    add(std::move(l), {a.layer}, output_name(0), {}, a.layout);
  }

  void pool() {
    const Value& x = input(0, Access::window);
    if (x.dims.size() != 4) fail(cat("only 2-D pooling is supported (input ", dims_text(x.dims), ")"));
    if (attr_ints("dilations", {1, 1}) != Dims{1, 1}) fail("dilated pooling is not supported");
    Layer l;
    l.kind = LayerKind::pool;
    l.pool_mode = op() == "MaxPool" ? PoolMode::max : PoolMode::avg;
    const Dims k = attr_ints("kernel_shape", {}, 2);
    const bool same = read_window(l, k, x.dims, false);
    if (attr_int("ceil_mode", 0) != 0 && !same) {
      // ceil((in + pads - k) / s) + 1 windows: pad the end until floor gives the same.
      for (int a = 0; a < 2; ++a) {
        Window1D& w = a == 0 ? l.rows : l.cols;
        const std::int64_t span = x.dims[2 + a] + w.pad_before + w.pad_after - w.kernel;
        if (span > 0 && span % w.stride != 0) w.pad_after += int(w.stride - span % w.stride);
      }
    }
    if (x.pad && pool_pad_problem(l, x)) {  // the Pad does not fold: a pad layer before the pool
      add(std::move(l), {pad_layer(input_name(0)).layer}, output_name(0));
      return;
    }
    fold_pad(l, x);
    add(std::move(l), {x.layer}, output_name(0));
  }

  /// Why a Pad does not fold into a pool (io/detail/import/pad.hpp): the pool's own padding would
  /// not mean the same values. Nothing when it folds.
  std::optional<std::string> pool_pad_problem(const Layer& l, const Value& x) const {
    const import_detail::PoolWords words{cat("Pad '", x.pad->node, "' (value ", number_text(x.pad->value), ")"),
                                         "an AveragePool", "a MaxPool", attr_int("count_include_pad", 0) != 0,
                                         "(count_include_pad = 0)"};
    return import_detail::pool_pad_problem(l, *x.pad, g_[x.layer].name, g_[x.layer].activation, words);
  }

  /// GlobalAveragePool, GlobalMaxPool, and ReduceMean/ReduceMax over the spatial axes.
  void global_pool() {
    const bool reduce = op() == "ReduceMean" || op() == "ReduceMax";
    const Value& x = input(0, reduce ? Access::any_layout : Access::nchw);  // a Reduce names its axes
    if (x.dims.size() != 4) fail(cat("only 2-D pooling is supported (input ", dims_text(x.dims), ")"));
    if (reduce) {
      Dims axes = reduce_axes(*node_, 4, [&](const std::string& v) { return values_of(v); });
      for (std::int64_t& a : axes)
        if (a >= 0 && a < 4 && !x.layout.empty()) a = x.layout[std::size_t(a)];  // the NCHW axis
      std::sort(axes.begin(), axes.end());
      if (axes == Dims{1} && op() == "ReduceMean") {
        const std::string why_not = layer_norm_nodes(x);
        if (why_not.empty()) return;
        fail(cat("ReduceMean over the channels (NCHW axis 1) starts no layer normalization: ", why_not,
                 "; a ReduceMean is supported over the spatial axes H and W (a global pool) or as the mean of a layer",
                 " normalization over the channels"));
      }
      if (axes != Dims{2, 3})
        fail(cat(op(), " over the NCHW axes ", dims_text(axes), "; only the spatial axes H and W (a global pool) are supported"));
    }
    Layer l;
    l.kind = LayerKind::pool;
    l.global_pool = true;
    l.pool_mode = op() == "GlobalMaxPool" || op() == "ReduceMax" ? PoolMode::max : PoolMode::avg;
    add(std::move(l), {x.layer}, output_name(0), {}, dims(output_name(0)).size() == 4 ? x.layout : Dims{});
  }

  /// A layer normalization over the channels of `x` written as nodes (io/detail/onnx/layer_norm.hpp),
  /// whose first ReduceMean is the current node: one layer_norm. Returns why not, empty when it is one.
  std::string layer_norm_nodes(const Value& x) {
    const auto per_channel = [&](const std::string& name) {  // broadcasts along x's channels only
      const auto c = values_.find(name);
      if (c == values_.end() || c->second.kind != Value::Kind::constant || !c->second.dims_known) return false;
      const Dims& d = c->second.dims;
      const std::size_t rank = x.dims.size();
      std::size_t channel_axis = 1;  // the ONNX axis holding the channels
      for (std::size_t i = 0; i < x.layout.size(); ++i)
        if (x.layout[i] == 1) channel_axis = i;
      if (d.size() > rank || rank - d.size() > channel_axis) return false;
      for (std::size_t k = 0; k < d.size(); ++k) {
        const std::size_t axis = rank - d.size() + k;  // numpy broadcasting aligns the last axes
        if (d[k] != (axis == channel_axis ? x.dims[axis] : 1)) return false;
      }
      return true;
    };
    const LayerNormGraph graph{
        model_.graph(),
        [&](const std::string& v) {
          const auto c = consumers_.find(v);
          return c == consumers_.end() ? std::vector<int>{} : c->second;
        },
        [&](const std::string& v) { return uses(v); },
        [&](const std::string& v) { return sole_consumer(v); },
        [&](const std::string& v) { return scalar_constant(v); },
        [&](const std::string& v) { return values_of(v); },
        per_channel};
    const LayerNormMatch match = match_layer_norm(graph, *node_, std::int64_t(x.dims.size()));
    if (!match.nodes) return match.why_not;
    const LayerNormNodes& found = *match.nodes;
    const auto out = dims_.find(found.output);
    if (out == dims_.end() || out->second != x.dims)
      return cat("its result '", found.output, "' does not have the shape of '", input_name(0), "'");
    Layer l;
    l.kind = LayerKind::layer_norm;
    l.norm_scale = found.scale;
    l.bias = found.bias;
    add(std::move(l), {x.layer}, found.output, x.shape, x.layout);
    for (const int i : found.inner) {
      skip_.insert(i);
      for (const std::string& v : model_.graph().node(i).output())
        if (v != found.output) values_[v].kind = Value::Kind::absorbed;
    }
    values_[output_name(0)].kind = Value::Kind::absorbed;
    ++summary_.fused["layer norm"];
    return {};
  }

  /// LayerNormalization (opset 17) over the channels: a layer_norm. Its Scale and B are the
  /// per-channel parameters; the optional Mean and InvStdDev outputs must be unused.
  void layer_normalization() {
    const Value& x = input(0, Access::any_layout);
    const std::int64_t rank = std::int64_t(x.dims.size());
    std::int64_t axis = attr_int("axis", -1);
    axis = axis < 0 ? axis + rank : axis;
    // It normalizes over ONNX axes [axis, rank): that must be the channel axis alone.
    const bool channels = rank == 4 ? axis == 3 && x.layout.size() == 4 && x.layout[3] == 1 : rank == 2 && axis == 1;
    if (!channels)
      fail(cat("normalizes ", dims_text(x.dims), " in layout ", layout_text(x.layout), " over the axes from ", axis,
               " on; only a normalization over the channels alone (the last axis of an NHWC map or a [1, N] vector) ",
               "is a layer_norm"));
    for (int i = 1; i <= 2; ++i) {
      if (!has_input(i)) continue;
      const Value& c = values_.at(input_name(i));
      if (c.kind != Value::Kind::constant)
        fail(cat("the ", i == 1 ? "Scale" : "B", " '", input_name(i), "' must be a constant, not a feature map"));
      Dims per_channel = c.dims;  // [C] after leading 1s, as the normalized axis is the last
      while (!per_channel.empty() && per_channel.front() == 1 && per_channel.size() > 1) per_channel.erase(per_channel.begin());
      if (!c.dims_known || per_channel != Dims{x.shape.c})
        fail(cat("the ", i == 1 ? "Scale" : "B", " '", input_name(i), "' is ", c.dims_known ? dims_text(c.dims) : "of unknown shape",
                 "; a layer_norm has one value per channel (", x.shape.c, ")"));
    }
    Layer l;
    l.kind = LayerKind::layer_norm;
    l.norm_scale = has_input(1);
    l.bias = has_input(2);
    add(std::move(l), {x.layer}, output_name(0), x.shape, x.layout);
  }

  /// Add, Sum, Mul, Sub, Div: a layer for two or more feature maps; folded with constants.
  void elementwise() {
    std::vector<std::string> maps;
    for (int i = 0; i < node_->input_size(); ++i)
      if (has_input(i) && values_.at(input_name(i)).kind != Value::Kind::constant) maps.push_back(input_name(i));
    const Dims out = dims(output_name(0));
    if (maps.size() == 1) {
      const Value& x = feature_map(maps[0], Access::view);
      if (out != x.dims)
        fail(cat("broadcasts the feature map '", maps[0], "' ", dims_text(x.dims), " to ", dims_text(out),
                 "; only constants that keep the feature map's shape are folded"));
      if (op() == "Add" || (op() == "Sub" && input_name(0) == maps[0])) {
        // A per-channel constant (bias) gives a bias-free conv2d/conv2d_transpose/fc one.
        std::int64_t elements = 1;
        bool known = true;
        for (int i = 0; i < node_->input_size(); ++i)
          if (has_input(i) && input_name(i) != maps[0]) {
            const Value& c = values_.at(input_name(i));
            known = known && c.dims_known;
            for (const std::int64_t e : c.dims) elements = product(elements, e, "constant elements");
          }
        if (known && elements == x.shape.c) give_bias(maps[0]);
      }
      return alias(maps[0]);
    }
    if (op() == "Sub" || op() == "Div")
      fail(op() + " of two feature maps is not supported (pinfuse has add and mul layers)");
    const bool is_mul = op() == "Mul";
    std::vector<const Value*> vs;
    for (const std::string& m : maps) vs.push_back(&feature_map(m, Access::any_layout));
    // The output takes the layout of the maps of its shape (the others broadcast).
    const auto full = std::find_if(vs.begin(), vs.end(), [&](const Value* v) { return v->dims == out; });
    const Dims layout = full != vs.end() ? (*full)->layout : Dims{};
    const Shape o = shape(out, layout, output_name(0));
    Layer l;
    l.kind = is_mul ? LayerKind::mul : LayerKind::add;
    std::vector<LayerId> ins;
    for (std::size_t i = 0; i < maps.size(); ++i) {
      const Value& v = *vs[i];
      const bool broadcast = is_mul && v.shape.h == 1 && v.shape.w == 1 && v.shape.c == o.c;
      if (!(v.shape == o) && !broadcast)
        fail(cat("broadcasts '", maps[i], "' ", dims_text(v.dims), " to ", dims_text(out), "; ",
                 is_mul ? "mul broadcasts only [1, C, 1, 1]" : "add needs equal shapes"));
      same_layout(v, maps[i], layout);
      ins.push_back(v.layer);
    }
    add(std::move(l), ins, output_name(0), {}, layout);
  }

  /// A map of the output's shape must come in the output's layout (pinfuse does not transpose data).
  void same_layout(const Value& v, const std::string& name, const Dims& layout) const {
    if (!v.is_view() && !(v.shape.h == 1 && v.shape.w == 1) && v.layout != layout)
      fail(cat("reads '", name, "' in layout ", layout_text(v.layout), " next to a map in layout ", layout_text(layout),
               "; a transpose that reorders data is not supported"));
  }

  /// Concat along the channels, in any layout (NHWC concatenates along axis 3). Constant
  /// operands (zeros, anchors) add channels that the layer produces from its weights.
  void concat() {
    const Dims out = dims(output_name(0));
    std::vector<int> maps;
    for (int i = 0; i < node_->input_size(); ++i)
      if (values_.at(input_name(i)).kind != Value::Kind::constant) maps.push_back(i);
    const Value& first = input(maps.front(), Access::any_layout);
    std::int64_t axis = attr_int("axis", 1);
    if (axis < 0) axis += std::int64_t(out.size());
    const std::int64_t channel_axis = channel_axis_of(first);
    if (axis != channel_axis)
      fail(cat("concatenates along axis ", axis, "; only the channel axis ", channel_axis, " (of layout ",
               layout_text(first.layout), ") is supported"));
    std::int64_t constant_channels = 0;
    for (int i = 0; i < node_->input_size(); ++i) {
      const Value& c = values_.at(input_name(i));
      if (c.kind != Value::Kind::constant) continue;
      if (!c.dims_known || c.dims.size() != out.size())
        fail(cat("the constant operand '", input_name(i), "' has no known shape of rank ", std::int64_t(out.size())));
      constant_channels += c.dims[std::size_t(axis)];
    }
    if (maps.size() == 1 && constant_channels == 0) return alias(input_name(maps.front()));
    Layer l;
    l.kind = LayerKind::concat;
    l.constant_channels = narrow(constant_channels, "constant channels");
    std::vector<LayerId> ins;
    for (const int i : maps) {
      const Value& v = input(i, Access::any_layout);
      same_layout(v, input_name(i), first.layout);
      ins.push_back(v.layer);
    }
    add(std::move(l), ins, output_name(0), {}, first.layout);
  }

  /// The ONNX axis that holds a map's channels: 1, or 3 in NHWC.
  static std::int64_t channel_axis_of(const Value& x) {
    return x.layout.empty() ? 1 : std::find(x.layout.begin(), x.layout.end(), 1) - x.layout.begin();
  }

  /// Split along the channels (in any layout): one slice per used output.
  void split() {
    const Value& x = input(0, Access::any_layout);
    std::int64_t axis = attr_int("axis", 0);
    if (axis < 0) axis += std::int64_t(x.dims.size());
    if (axis != channel_axis_of(x))
      fail(cat("splits along axis ", axis, "; only the channel axis ", channel_axis_of(x), " (of layout ",
               layout_text(x.layout), ") is supported"));
    if (node_->output_size() == 1) return alias(input_name(0));
    int begin = 0;
    for (int k = 0; k < node_->output_size(); ++k) {
      const int channels = shape(dims(output_name(k)), x.layout, output_name(k)).c;
      if (uses(output_name(k)) > 0) {
        Layer l;
        l.name = output_name(k);
        l.kind = LayerKind::slice;
        l.slice_begin = begin;
        l.slice_end = begin + channels;
        add(std::move(l), {x.layer}, output_name(k), {}, x.layout);
      }
      begin += channels;
    }
  }

  /// Slice of the channel axis (in any layout) with step 1.
  void slice() {
    const Value& x = input(0, Access::any_layout);
    const auto ints = [&](int i, const char* name) -> std::optional<Dims> {
      if (const auto* a = attr(name)) return Dims(a->ints().begin(), a->ints().end());  // opset < 10
      if (!has_input(i)) return std::nullopt;
      const auto v = constant_ints(i);
      if (!v) fail(std::string("the ") + name + " of a Slice must be constants");
      return v;
    };
    const Dims starts = ints(1, "starts").value_or(Dims{}), ends = ints(2, "ends").value_or(Dims{});
    Dims axes = ints(3, "axes").value_or(Dims{});
    const Dims steps = ints(4, "steps").value_or(Dims(starts.size(), 1));
    if (axes.empty())
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(std::int64_t(i));
    const Dims out = dims(output_name(0));
    std::optional<std::int64_t> begin;
    for (std::size_t i = 0; i < axes.size() && i < starts.size(); ++i) {
      const std::int64_t axis = axes[i] < 0 ? axes[i] + std::int64_t(x.dims.size()) : axes[i];
      if (i >= steps.size() || steps[i] != 1) fail("Slice with a step other than 1 is not supported");
      if (axis < 0 || axis >= std::int64_t(x.dims.size()) || out[axis] == x.dims[axis]) continue;
      if (axis != channel_axis_of(x))
        fail(cat("slices axis ", axis, "; only the channel axis ", channel_axis_of(x), " (of layout ",
                 layout_text(x.layout), ") is supported"));
      const std::int64_t c = x.dims[std::size_t(axis)];
      begin = std::clamp(starts[i] < 0 ? starts[i] + c : starts[i], std::int64_t(0), c);
    }
    if (!begin) return alias(input_name(0));
    Layer l;
    l.kind = LayerKind::slice;
    l.slice_begin = int(*begin);
    l.slice_end = int(*begin + out[std::size_t(channel_axis_of(x))]);
    add(std::move(l), {x.layer}, output_name(0), {}, x.layout);
  }

  /// Resize (opset 10+) and Upsample (in any layout) to any size, nearest or linear: the
  /// constant scales when the node gives them, else the inferred output size; ONNX's
  /// coordinate_transformation_mode and nearest_mode (Resize-10 and Upsample: asymmetric, floor).
  void resize() {
    const Value& x = input(0, Access::any_layout);
    const std::string mode = attr_string("mode", "nearest");
    Layer l;
    l.kind = LayerKind::resize;
    if (mode == "nearest") l.resize_mode = ResizeMode::nearest;
    else if (mode == "linear" || mode == "bilinear") l.resize_mode = ResizeMode::bilinear;
    else fail("mode '" + mode + "' is not supported (nearest or linear only)");
    const Dims in = nchw_dims(x.dims, x.layout), out = nchw_dims(dims(output_name(0)), x.layout);
    if (in.size() != 4 || out.size() != 4 || in[0] != out[0] || in[1] != out[1])
      fail(cat("resizes ", dims_text(in), " to ", dims_text(out), "; only H and W are resized"));
    if (in[2] == out[2] && in[3] == out[3]) return alias(input_name(0));
    if (attr_int("antialias", 0) != 0 && (out[2] < in[2] || out[3] < in[3]))
      fail("an antialiased downscale (antialias = 1) reads more than two rows per output row, which is not supported");
    const bool legacy = op() == "Upsample" || node_input_count_is_legacy();
    const std::string coordinates = legacy ? "asymmetric" : attr_string("coordinate_transformation_mode", "half_pixel");
    const std::string rounding = legacy ? "floor" : attr_string("nearest_mode", "round_prefer_floor");
    if (coordinates == "asymmetric") l.coordinates = ResizeCoordinates::asymmetric;
    else if (coordinates == "half_pixel") l.coordinates = ResizeCoordinates::half_pixel;
    else if (coordinates == "pytorch_half_pixel") l.coordinates = ResizeCoordinates::pytorch_half_pixel;
    else if (coordinates == "align_corners") l.coordinates = ResizeCoordinates::align_corners;
    else if (coordinates == "tf_half_pixel_for_nn" && l.resize_mode == ResizeMode::nearest && rounding == "floor")
      l.coordinates = ResizeCoordinates::half_pixel;  // floor((r + 0.5) * ratio): half-pixel rounded up at .5
    else fail("coordinate_transformation_mode '" + coordinates + "' is not supported" +
              (coordinates == "tf_half_pixel_for_nn" ? std::string(" (except with nearest_mode floor)") : std::string()));
    if (l.resize_mode == ResizeMode::nearest) {
      if (coordinates == "tf_half_pixel_for_nn") l.rounding = NearestRounding::round_prefer_ceil;
      else if (rounding == "floor") l.rounding = NearestRounding::floor;
      else if (rounding == "ceil") l.rounding = NearestRounding::ceil;
      else if (rounding == "round_prefer_floor") l.rounding = NearestRounding::round_prefer_floor;
      else if (rounding == "round_prefer_ceil") l.rounding = NearestRounding::round_prefer_ceil;
      else fail("nearest_mode '" + rounding + "' is not supported");
    }
    // The scales: an attribute (Upsample-7), input 1 (Resize-10, Upsample-9) or input 2 (Resize-11+).
    std::optional<std::vector<double>> scales;
    if (const auto* a = attr("scales")) scales = std::vector<double>(a->floats().begin(), a->floats().end());
    const int scales_input = op() == "Upsample" || legacy ? 1 : 2;
    if (!scales && has_input(scales_input)) scales = constant_values(scales_input);
    const auto scale_of = [&](std::int64_t nchw) { return (*scales)[axis_of(x, nchw)]; };
    // The scales map the rows when they give the size ONNX inferred (floor(in * scale)); else
    // (no constant scales, or a float product that rounds the other way) the size does.
    if (scales && scales->size() == 4 && std::floor(double(in[2]) * scale_of(2)) == double(out[2]) &&
        std::floor(double(in[3]) * scale_of(3)) == double(out[3])) {
      l.scale_h = scale_of(2);
      l.scale_w = scale_of(3);
    } else {
      l.size_h = narrow(out[2], "output height");
      l.size_w = narrow(out[3], "output width");
    }
    add(std::move(l), {x.layer}, output_name(0), {}, x.layout);
  }

  /// Resize-10 takes (X, scales); Resize-11+ takes (X, roi, scales, sizes).
  bool node_input_count_is_legacy() const { return op() == "Resize" && opset_version() < 11; }

  /// The ONNX axis of `x` that holds NCHW axis `nchw` (x's layout, or NCHW itself).
  static std::size_t axis_of(const Value& x, std::int64_t nchw) {
    if (x.layout.empty()) return std::size_t(nchw);
    return std::size_t(std::find(x.layout.begin(), x.layout.end(), nchw) - x.layout.begin());
  }

  /// DepthToSpace (DCR or CRD) and SpaceToDepth of an NCHW map.
  void depth_space() {
    const Value& x = input(0);
    Layer l;
    l.kind = op() == "DepthToSpace" ? LayerKind::depth_to_space : LayerKind::space_to_depth;
    const std::int64_t block = attr_int("blocksize", 0);
    if (block < 1 || block > 1024) fail(cat("blocksize ", block, " is not in [1, 1024]"));
    l.block = int(block);
    if (l.kind == LayerKind::depth_to_space) {
      const std::string mode = attr_string("mode", "DCR");
      if (mode == "CRD") l.depth_order = DepthOrder::crd;
      else if (mode != "DCR") fail("mode '" + mode + "' is not DCR or CRD");
    }
    add(std::move(l), {x.layer}, output_name(0));
  }

  void batch_norm() {
    input(0);
    give_bias(input_name(0));  // folded into the conv's weights and bias
    alias(input_name(0));
  }

  /// An elementwise op that no activation region explains (see activation_region): PRelu
  /// with per-channel slopes is the activation prelu; Max or Min of one map and scalar
  /// constants, or Clip by constant bounds, the activation clamp; anything else is an error.
  void activation() {
    if (op() == "PRelu") {
      if (!has_input(1) || values_.at(input_name(1)).kind != Value::Kind::constant) fail("the slope must be a constant");
      return activate(input_name(0), Activation::prelu, 1);
    }
    if (op() == "Max" || op() == "Min" || op() == "Clip") return clamp();
    fail(cat(op(), " of '", input_name(0), "' computes, alone and with the elementwise nodes after it, no activation ",
             "pinfuse knows (relu, relu6, leaky_relu, elu, sigmoid, tanh, softplus, hsigmoid, hswish, swish, gelu, mish)"));
  }

  /// Max or Min of one feature map and scalar constants (a lower or an upper bound), or Clip of a
  /// map by constant bounds: the activation clamp, whatever the bounds.
  void clamp() {
    std::vector<std::string> maps;
    for (int i = 0; i < node_->input_size(); ++i) {
      if (!has_input(i) || scalar_constant(input_name(i))) continue;
      if (values_.at(input_name(i)).kind == Value::Kind::constant)
        fail(cat("the constant '", input_name(i), "' is no scalar (one value, or equal values); only scalar bounds (a clamp) ",
                 "are supported"));
      if (op() == "Clip" && i > 0) fail(cat("the bound '", input_name(i), "' must be a constant scalar, not a feature map"));
      maps.push_back(input_name(i));
    }
    if (maps.size() != 1)
      fail(cat(op(), " of ", std::int64_t(maps.size()), " feature maps is not supported; only ", op(),
               " of one map and scalar constants (a clamp)"));
    const Dims& x = feature_map(maps.front(), Access::any_layout).dims;
    if (dims(output_name(0)) != x)
      fail(cat("broadcasts the feature map '", maps.front(), "' ", dims_text(x), " to ", dims_text(dims(output_name(0))),
               "; only constants that keep the feature map's shape are folded"));
    activate(maps.front(), Activation::clamp, 1);
  }

  /// Whether an activation region may hold the node: an elementwise op, but not a PRelu
  /// with per-channel slopes (the activation prelu, even when the slopes are still equal).
  bool evaluable(const onnx::NodeProto& n) const {
    if (!is_elementwise_op(n.op_type())) return false;
    if (n.op_type() != "PRelu" || n.input_size() < 2) return true;
    const auto t = tensors_.find(n.input(1));
    return t != tensors_.end() && tensor_values(*t->second).value_or(std::vector<double>{}).size() == 1;
  }

  /// A scalar constant (a tensor of equal values), which an activation region may read.
  std::optional<double> scalar_constant(const std::string& name) const {
    const auto v = values_.find(name);
    const auto t = tensors_.find(name);
    if (v == values_.end() || v->second.kind != Value::Kind::constant || t == tensors_.end()) return std::nullopt;
    const auto values = tensor_values(*t->second);
    if (!values || values->empty() || std::any_of(values->begin(), values->end(), [&](double x) { return x != values->front(); }))
      return std::nullopt;
    return values->front();
  }

  /// An activation spelled as elementwise nodes (io/detail/onnx/activations.hpp): the region of
  /// nodes from the current one, which reads one feature map x and scalar constants, and the
  /// nodes after it that read only x, region values and scalar constants. The largest
  /// sub-region (the current node and the nodes up to one output y, whose inner values
  /// nobody else reads) that computes a known activation becomes it; an affine one folds.
  bool activation_region(int index) {
    const onnx::NodeProto& n = *node_;
    if (!evaluable(n) || n.output_size() != 1) return false;
    std::string x;
    for (const std::string& in : n.input())
      if (!in.empty() && !scalar_constant(in)) {
        if (!x.empty() && in != x) return false;
        x = in;
      }
    if (x.empty() || values_.at(x).kind != Value::Kind::feature_map) return false;
    const Dims xd = values_.at(x).dims;
    const auto same_dims = [&](const std::string& v) {
      const auto d = dims_.find(v);
      return d != dims_.end() && d->second == xd;
    };
    if (!same_dims(n.output(0))) return false;
    const onnx::GraphProto& graph = model_.graph();
    std::map<std::string, int> producer{{n.output(0), index}};  // region value -> its node
    std::vector<int> region{index};
    std::deque<std::string> todo{x, n.output(0)};  // x too: x * 0.5 is a branch of GELU
    while (!todo.empty()) {
      const auto c = consumers_.find(todo.front());
      todo.pop_front();
      if (c == consumers_.end()) continue;
      for (const int k : c->second) {
        const onnx::NodeProto& m = graph.node(k);
        if (k <= index || skip_.count(k) || std::count(region.begin(), region.end(), k) || m.output_size() != 1 ||
            !evaluable(m) || !(m.domain().empty() || m.domain() == "ai.onnx") || !same_dims(m.output(0)))
          continue;
        if (!std::all_of(m.input().begin(), m.input().end(), [&](const std::string& in) {
              return in.empty() || in == x || producer.count(in) || scalar_constant(in);
            }))
          continue;
        region.push_back(k);
        producer[m.output(0)] = k;
        todo.push_back(m.output(0));
      }
    }
    std::sort(region.begin(), region.end());
    for (auto last = region.rbegin(); last != region.rend(); ++last) {
      // The sub-region that computes the output of `last`: its ancestors in the region.
      std::set<int> sub{*last};
      for (auto it = std::make_reverse_iterator(std::find(region.begin(), region.end(), *last)); it != region.rend(); ++it)
        for (const int k : sub)
          if (k > *it && std::count(graph.node(k).input().begin(), graph.node(k).input().end(), graph.node(*it).output(0))) {
            sub.insert(*it);
            break;
          }
      if (!sub.count(index)) continue;
      int x_uses = 0;
      std::map<std::string, int> reads;  // region values read inside the sub-region
      for (const int k : sub)
        for (const std::string& in : graph.node(k).input()) {
          x_uses += in == x;
          ++reads[in];
        }
      const bool closed = std::all_of(sub.begin(), sub.end(), [&](int k) {
        return k == *last || uses(graph.node(k).output(0)) == reads[graph.node(k).output(0)];
      });
      if (!closed) continue;
      std::vector<double> y;
      for (const double sample : activation_samples) {
        std::map<std::string, double> v{{x, sample}};
        for (const int k : sub) {
          const onnx::NodeProto& m = graph.node(k);
          std::vector<double> args;
          for (const std::string& in : m.input())
            args.push_back(in.empty() ? NAN : v.count(in) ? v.at(in) : *scalar_constant(in));
          ElementwiseAttrs a;
          for (const auto& at : m.attribute()) {
            if (at.name() == "alpha") a.alpha = at.f();
            if (at.name() == "beta") a.beta = at.f();
            if (at.name() == "gamma") a.gamma = at.f();
            if (at.name() == "min") a.min = at.f();
            if (at.name() == "max") a.max = at.f();
          }
          v[m.output(0)] = eval_elementwise(m.op_type(), a, args);
        }
        y.push_back(v.at(graph.node(*last).output(0)));
      }
      const std::optional<Classified> f = classify_activation(y);
      if (!f) continue;
      for (const int k : sub)
        if (k != *last) {
          skip_.insert(k);
          values_[graph.node(k).output(0)].kind = Value::Kind::absorbed;
        }
      skip_.insert(*last);
      node_ = &graph.node(*last);  // the layer takes the name of the node that produces y
      const std::size_t layers_before = boost::num_vertices(g_);
      if (f->activation) {
        activate(x, *f->activation, x_uses);
        // several nodes: a pattern fused into one activation; one node folded into its producer
        if (sub.size() > 1) ++summary_.fused[std::string(to_string(*f->activation))];
        else if (boost::num_vertices(g_) == layers_before) ++summary_.folded[graph.node(*last).op_type()];
      } else {
        for (const int k : sub) ++summary_.folded[graph.node(k).op_type()];
        if (f->offset != 0 && x_uses == 1) give_bias(x);  // a constant shift after a bias-free layer
        alias(x, 0, x_uses);
      }
      return true;
    }
    return false;
  }

  /// Fuses `function` into the producer of `in` if it can, else adds an activation layer.
  void activate(const std::string& in, Activation function, int in_uses) {
    const Value& x = feature_map(in, Access::view);
    if (absorbs(in, in_uses, {LayerKind::conv2d, LayerKind::conv2d_transpose, LayerKind::fc, LayerKind::add, LayerKind::mul})) {
      g_[x.layer].activation = function;
      return alias(in, 0, in_uses);
    }
    Layer l;
    l.kind = LayerKind::activation;
    l.activation = function;
    add(std::move(l), {x.layer}, output_name(0), x.shape, x.layout);
  }

  /// Reshape-like ops and shape-keeping ops: folded when the layout stays ours. A Reshape that
  /// only moves size-1 axes of a 4-D map is the Transpose it amounts to (reshape_perm).
  void reshape() {
    if (op() == "Reshape" && (channel_shuffle() || pixel_shuffle())) return;
    const std::optional<Dims> moves = reshape_perm(*node_);
    const bool transpose = op() == "Transpose" || moves;
    const Value& x = input(0, transpose ? Access::transpose : Access::view);
    if (transpose) {
      Dims perm = moves ? *moves : attr_ints("perm", {});
      if (perm.empty())
        for (std::size_t i = x.dims.size(); i-- > 0;) perm.push_back(std::int64_t(i));
      if (perm.size() == 4 && x.dims.size() == 4 && !x.is_view()) {  // a 4-D map: only its layout changes
        Dims sorted = perm;
        std::sort(sorted.begin(), sorted.end());
        if (sorted != Dims{0, 1, 2, 3}) fail(cat("perm ", dims_text(perm), " is not a permutation of 4 axes"));
        Dims layout = transposed(x.layout, perm);
        if (is_nchw(layout)) layout.clear();
        return alias(input_name(0), 0, 1, layout);
      }
      Dims moved;  // the axes longer than 1, in their new order
      for (const std::int64_t p : perm)
        if (p >= 0 && p < std::int64_t(x.dims.size()) && x.dims[p] != 1) moved.push_back(p);
      if (!std::is_sorted(moved.begin(), moved.end()))
        fail(cat("perm ", dims_text(perm), " reorders the axes of ", dims_text(x.dims),
                 "; only transposes that move size-1 axes are folded"));
    }
    alias(input_name(0));
  }

  /// The one node that reads `value`, if exactly one reads it once.
  std::optional<int> sole_consumer(const std::string& value) const {
    const auto c = consumers_.find(value);
    if (uses(value) != 1 || c == consumers_.end() || c->second.size() != 1) return std::nullopt;
    return c->second.front();
  }
  /// PyTorch's pixel shuffles as older opsets (and pixel_unshuffle at any opset) export them, a
  /// Reshape to 6-D, a Transpose and a Reshape back to 4-D:
  ///   space_to_depth: [1, C, H, W] -> [1, C, H/b, b, W/b, b], perm [0, 1, 3, 5, 2, 4] (CRD:
  ///                   channel c*b*b + i*b + j) or [0, 3, 5, 1, 2, 4] (DCR) -> [1, C*b*b, H/b, W/b];
  ///   depth_to_space: [1, C, H, W] -> [1, C/(b*b), b, b, H, W], perm [0, 1, 4, 2, 5, 3] (CRD), or
  ///                   [1, b, b, C/(b*b), H, W], perm [0, 3, 4, 1, 5, 2] (DCR) -> [1, C/(b*b), H*b, W*b].
  bool pixel_shuffle() {
    const Value& x = values_.at(input_name(0));
    const auto mid = dims_.find(output_name(0));
    if (x.kind != Value::Kind::feature_map || x.is_view() || x.reordered() || x.pad || x.dims.size() != 4 ||
        mid == dims_.end() || mid->second.size() != 6)
      return false;
    const Dims& m = mid->second;
    const auto t = sole_consumer(output_name(0));
    if (!t) return false;
    const onnx::NodeProto& transpose = model_.graph().node(*t);
    const Dims perm = perm_of(transpose);
    if (transpose.op_type() != "Transpose" || transpose.output_size() != 1) return false;
    const auto r = sole_consumer(transpose.output(0));
    if (!r) return false;
    const onnx::NodeProto& back = model_.graph().node(*r);
    const auto back_dims = dims_.find(back.output_size() == 1 ? back.output(0) : std::string());
    if (back.op_type() != "Reshape" || back_dims == dims_.end() || back_dims->second.size() != 4) return false;
    const Dims& in = x.dims;
    const Dims& out = back_dims->second;
    Layer l;
    if (m[0] == 1 && m[1] == in[1] && m[3] == m[5] && m[3] > 1 && m[2] * m[3] == in[2] && m[4] * m[5] == in[3] &&
        (perm == Dims{0, 1, 3, 5, 2, 4} || perm == Dims{0, 3, 5, 1, 2, 4}) &&
        out == Dims{1, in[1] * m[3] * m[3], m[2], m[4]}) {
      l.kind = LayerKind::space_to_depth;
      l.block = narrow(m[3], "block size");
      l.depth_order = perm[1] == 1 ? DepthOrder::crd : DepthOrder::dcr;
    } else if (m[0] == 1 && m[4] == in[2] && m[5] == in[3] && ((perm == Dims{0, 1, 4, 2, 5, 3} && m[2] == m[3] && m[2] > 1 &&
                                                                  m[1] * m[2] * m[3] == in[1]) ||
                                                                 (perm == Dims{0, 3, 4, 1, 5, 2} && m[1] == m[2] && m[1] > 1 &&
                                                                  m[1] * m[2] * m[3] == in[1]))) {
      const std::int64_t b = perm[1] == 1 ? m[2] : m[1];
      if (out != Dims{1, in[1] / (b * b), in[2] * b, in[3] * b}) return false;
      l.kind = LayerKind::depth_to_space;
      l.block = narrow(b, "block size");
      l.depth_order = perm[1] == 1 ? DepthOrder::crd : DepthOrder::dcr;
    } else {
      return false;
    }
    add(std::move(l), {x.layer}, back.output(0));
    values_[output_name(0)].kind = Value::Kind::absorbed;
    values_[transpose.output(0)].kind = Value::Kind::absorbed;
    skip_.insert(*t);
    skip_.insert(*r);
    ++summary_.fused[l.kind == LayerKind::space_to_depth ? "pixel unshuffle" : "pixel shuffle"];
    return true;
  }

  /// Reshape [1, C, H, W] -> [1, g, C/g, H, W], Transpose [0, 2, 1, 3, 4], Reshape -> [1, C, H, W].
  bool channel_shuffle() {
    const Value& x = values_.at(input_name(0));
    const auto mid = dims_.find(output_name(0));
    if (x.kind != Value::Kind::feature_map || x.is_view() || x.dims.size() != 4 || mid == dims_.end()) return false;
    const Dims& m = mid->second;
    if (m.size() != 5 || m[0] != 1 || m[1] < 1 || product(m[1], m[2], "channels") != x.dims[1] || m[3] != x.dims[2] || m[4] != x.dims[3])
      return false;
    const auto t = sole_consumer(output_name(0));
    if (!t) return false;
    const onnx::NodeProto& transpose = model_.graph().node(*t);
    const Dims perm = perm_of(transpose);
    if (transpose.op_type() != "Transpose" || perm != Dims{0, 2, 1, 3, 4} || transpose.output_size() != 1) return false;
    const auto r = sole_consumer(transpose.output(0));
    if (!r) return false;
    const onnx::NodeProto& back = model_.graph().node(*r);
    const auto back_dims = dims_.find(back.output_size() == 1 ? back.output(0) : std::string());
    if (back.op_type() != "Reshape" || back_dims == dims_.end() || back_dims->second != x.dims) return false;
    Layer l;
    l.kind = LayerKind::shuffle;
    l.groups = narrow(m[1], "shuffle groups");
    add(std::move(l), {x.layer}, back.output(0));
    ++summary_.fused["channel shuffle"];
    values_[output_name(0)].kind = Value::Kind::absorbed;
    values_[transpose.output(0)].kind = Value::Kind::absorbed;
    skip_.insert(*t);
    skip_.insert(*r);
    return true;
  }

};

}  // namespace pinfuse::onnx_import_detail
