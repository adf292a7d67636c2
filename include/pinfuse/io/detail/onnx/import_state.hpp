#pragma once
// ONNX import: the importer's state. What each ONNX value stands for, the setup
// (inputs, ONNX shape inference, outputs, uses), problem reporting, access to the
// current node, and building layers; the op handlers are in io/detail/onnx/importer.hpp.
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/import/layers.hpp"
#include "pinfuse/io/detail/import/pad.hpp"
#include "pinfuse/io/detail/import/problems.hpp"
#include "pinfuse/io/detail/onnx/model_checks.hpp"
#include "pinfuse/io/onnx/options.hpp"
#include "pinfuse/io/detail/onnx/outputs.hpp"
#include "pinfuse/io/detail/onnx/proto.hpp"
#include "pinfuse/io/detail/onnx/schema_registry.hpp"
#include "pinfuse/io/detail/onnx/shape_folding.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::onnx_import_detail {

using import_detail::PendingPad;

/// What an ONNX value name stands for during the import.
struct Value {
  enum class Kind { feature_map, constant, failed, absorbed };
  Kind kind = Kind::failed;
  LayerId layer = 0;  ///< feature map: the layer whose output holds it
  Shape shape;        ///< feature map: that layer's output shape
  Dims dims;          ///< ONNX's shape of this value (may be unknown for a constant)
  Dims layout;        ///< feature map of rank 4: the NCHW axis each ONNX axis holds (empty: NCHW)
  bool dims_known = false;
  bool sole = true;           ///< feature map: no other consumer reads `layer` through an earlier folded alias
  std::optional<PendingPad> pad;  ///< feature map: `layer`'s output padded by a Pad not folded yet
  // absorbed: an inner value of a pattern imported as one layer (channel shuffle, activation)

  /// The shape ONNX sees: the layer's output shape plus a pending pad.
  Shape padded() const {
    return pad ? Shape{shape.h + pad->top + pad->bottom, shape.w + pad->left + pad->right, shape.c} : shape;
  }
  /// A flattening to [1, N] of a [H, W, C] map with H * W > 1: only Gemm/MatMul and folded ops may read it.
  bool is_view() const {
    const auto s = to_shape(nchw_dims(dims, layout));
    return !s || !(*s == padded());
  }
  /// The map's axes are not in NCHW order (a Transpose moved them): ops that read ONNX axis 1
  /// as the channels cannot take it.
  bool reordered() const {
    const auto s = to_shape(dims);
    return !s || !(*s == padded());
  }
};

/// How a handler reads a feature map.
enum class Access {
  nchw,        ///< a whole map with its axes in NCHW order
  any_layout,  ///< a whole map in any layout (elementwise ops, activations, Concat, Pad)
  view,        ///< also a flattening to [1, N] or a map in another layout (reshapes, Gemm, MatMul)
  window,      ///< like nchw, and it may carry a pending Pad (Conv, MaxPool, AveragePool)
  transpose    ///< like view, and it may carry a pending Pad (a Transpose of a 4-D map)
};

/// Thrown by a node handler; the importer records it with the node's place.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The state of one import and the operations the op handlers share.
class ImportState {
 public:
  ImportState(const onnx::ModelProto& model, OnnxImportOptions options) : model_(model), options_(std::move(options)) {}

 protected:
  // ---- Setup ----

  static Value constant(Dims dims, bool known) {
    Value v;
    v.kind = Value::Kind::constant;
    v.dims = std::move(dims);
    v.dims_known = known;
    return v;
  }

  /// Checks the graph inputs and sets a symbolic batch to 1 before shape inference.
  void prepare_inputs() {
    onnx::GraphProto& graph = *model_.mutable_graph();
    for (int i = 0; i < graph.input_size(); ++i) {
      onnx::ValueInfoProto& in = *graph.mutable_input(i);
      if (tensors_.count(in.name())) continue;  // an initializer listed as an input (IR < 4)
      const std::string where = "graph input '" + in.name() + "'";
      values_[in.name()] = Value{};  // failed until it proves fine
      std::optional<Dims> d = dims_of(in.type());
      if (const auto given = options_.input_dims.find(in.name()); given != options_.input_dims.end()) {
        if (!fix_input_dims(in, given->second, d)) continue;
      } else if (!d) {
        problem(where, cat("has no tensor shape; pinfuse needs [1, C, H, W] or [1, N]: give it with --input ", in.name(),
                           "=1x3x224x224 (OnnxImportOptions::input_dims)"));
        continue;
      }
      if (d->size() != 4 && d->size() != 2) {
        problem(where, cat("is ", dims_text(*d), "; pinfuse needs a [N, C, H, W] image or an [N, F] vector"));
        continue;
      }
      if ((*d)[0] != 1 && (*d)[0] != -1) {
        problem(where, cat("has batch size ", (*d)[0],
                           "; pinfuse models batch 1 (export the model with batch 1 or a symbolic batch)"));
        continue;
      }
      if (std::any_of(d->begin() + 1, d->end(), [](std::int64_t x) { return x < 1 || x > max_extent; })) {
        Dims example = *d;
        example[0] = 1;
        const Dims fallback = d->size() == 4 ? Dims{1, 3, 224, 224} : Dims{1, 1000};
        for (std::size_t k = 1; k < example.size(); ++k)
          if (example[k] < 1) example[k] = fallback[k];
        problem(where, cat("is ", dims_text(*d), "; pinfuse needs fixed, positive channels, height and width: give ",
                           "the size with --input ", in.name(), "=", dims_text(example, "x"),
                           " (OnnxImportOptions::input_dims)"));
        continue;
      }
      in.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_value(1);
      if (!dtype_bytes_) dtype_bytes_ = bytes_of(in.type().tensor_type().elem_type());
      input_names_.push_back(in.name());
    }
    if (!dtype_bytes_) dtype_bytes_ = 4;
    for (const auto& given : options_.input_dims) {
      const std::string& name = given.first;
      if (std::none_of(graph.input().begin(), graph.input().end(), [&](const auto& in) { return in.name() == name; }))
        problem("--input " + name, "names no graph input of the model");
    }
  }

  /// Writes the dims the options give for a graph input into the model; known dims must agree.
  bool fix_input_dims(onnx::ValueInfoProto& in, const Dims& given, std::optional<Dims>& d) {
    const std::string where = "graph input '" + in.name() + "'";
    if (d && d->size() != given.size()) {
      problem(where, cat("is ", dims_text(*d), "; --input gives ", dims_text(given), ", of another rank"));
      return false;
    }
    for (std::size_t k = 0; d && k < given.size(); ++k)
      if ((*d)[k] >= 0 && (*d)[k] != given[k]) {
        problem(where, cat("is ", dims_text(*d), "; --input gives ", dims_text(given), ", which differs in a fixed dimension"));
        return false;
      }
    onnx::TypeProto_Tensor& t = *in.mutable_type()->mutable_tensor_type();
    if (!t.has_elem_type()) t.set_elem_type(onnx::TensorProto::FLOAT);
    t.mutable_shape()->clear_dim();
    for (const std::int64_t x : given) t.mutable_shape()->add_dim()->set_dim_value(x);
    d = given;
    return true;
  }

  /// ONNX shape inference, then shape arithmetic folded into constants, until nothing more folds.
  void infer_onnx_shapes() {
    // A node of a domain the model does not import would stop inference of the whole
    // model; import it, so that the node is reported as unsupported like any other.
    std::set<std::string> domains;
    for (const auto& o : model_.opset_import()) domains.insert(o.domain());
    domains.insert({"", "ai.onnx"});  // the default set, imported (checked in run())
    for (const auto& n : model_.graph().node())
      if (domains.insert(n.domain()).second) {
        onnx::OperatorSetIdProto& o = *model_.add_opset_import();
        o.set_domain(n.domain());
        o.set_version(1);
      }
    // Older paddle2onnx writes an unknown dim as dim_value -1 in the graph outputs
    // and value_info; shape inference would then find the inferred dims "differ".
    // A dim there that is not positive is unknown: cleared.
    onnx::GraphProto& declared = *model_.mutable_graph();
    for (auto* list : {declared.mutable_output(), declared.mutable_value_info()})
      for (onnx::ValueInfoProto& v : *list)
        if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
          for (auto& dim : *v.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim())
            if (dim.has_dim_value() && dim.dim_value() <= 0) dim.clear_dim_value();
    const NullSafeSchemaRegistry schemas;
    for (int round = 0; round < 16; ++round) {
      try {
        onnx::ShapeInferenceOptions opt(false, 0, true);
        onnx::shape_inference::InferShapes(model_, &schemas, opt);
      } catch (const std::exception& e) {
        throw input_error("ONNX shape inference", e.what());
      }
      const onnx::GraphProto& graph = model_.graph();
      const auto note = [&](const onnx::ValueInfoProto& v) {
        if (const auto d = dims_of(v.type())) dims_[v.name()] = *d;
      };
      for (const auto& v : graph.input()) note(v);
      for (const auto& v : graph.value_info()) note(v);
      for (const auto& v : graph.output()) note(v);
      if (ShapeFolder(*model_.mutable_graph(), dims_).run() == 0) break;
    }
  }

  /// The outputs the options name, or the graph's without post-processing (io/detail/onnx/outputs.hpp);
  /// the nodes none of them needs are skipped.
  void choose_outputs() {
    std::set<std::string> data;
    for (const auto& in : model_.graph().input())
      if (!tensors_.count(in.name())) data.insert(in.name());
    OutputChoice choice = onnx_import_detail::choose_outputs(model_.graph(), options_.outputs, data, dims_);
    output_names_ = std::move(choice.outputs);
    skip_.insert(choice.unused.begin(), choice.unused.end());
    summary_.dropped = choice.dropped;
    if (options_.notes) options_.notes->insert(options_.notes->end(), choice.notes.begin(), choice.notes.end());
  }

  void count_uses() {
    const onnx::GraphProto& graph = model_.graph();
    for (int i = 0; i < graph.node_size(); ++i)
      for (const std::string& in : graph.node(i).input())
        if (!in.empty() && !skip_.count(i) && graph.node(i).op_type() != "Shape" && graph.node(i).op_type() != "Size") {
          ++uses_[in];  // a node that reads data
          consumers_[in].push_back(i);
        }
    for (const std::string& out : output_names_) ++uses_[out];
  }

  int uses(const std::string& name) const {
    const auto it = uses_.find(name);
    return it == uses_.end() ? 0 : it->second;
  }

  void add_inputs() {
    for (const std::string& name : input_names_) {
      Value v;
      v.kind = Value::Kind::feature_map;
      v.dims = dims_.at(name);
      v.layout = input_layout(name);
      v.dims_known = true;
      v.shape = *to_shape(nchw_dims(v.dims, v.layout));
      Layer l;
      l.name = name;
      l.kind = LayerKind::input;
      l.output = v.shape;
      v.layer = layers_.add(std::move(l), {}, "graph input '" + name + "'");
      values_[name] = v;
    }
  }

  /// The Transpose a Reshape node amounts to, if it only moves size-1 axes of a 4-D map
  /// (size1_move_perm): tf2onnx's NHWC <-> NCHW of a map with C = 1, or H = W = 1.
  std::optional<Dims> reshape_perm(const onnx::NodeProto& n) const {
    if (n.op_type() != "Reshape" || n.input_size() < 1 || n.output_size() != 1) return std::nullopt;
    const auto in = dims_.find(n.input(0)), out = dims_.find(n.output(0));
    if (in == dims_.end() || out == dims_.end()) return std::nullopt;
    return size1_move_perm(in->second, out->second);
  }

  /// The layout of a 4-D graph input: NHWC if the input reaches Transposes (or Reshapes that
  /// only move size-1 axes, reshape_perm) by Pads and ops that keep its dims (a Cast, a
  /// normalization) and all of them have perm [0, 3, 1, 2] (tf2onnx), else NCHW.
  Dims input_layout(const std::string& name) const {
    const Dims& d = dims_.at(name);
    if (d.size() != 4) return {};
    std::set<Dims> perms;
    std::deque<std::string> todo{name};
    std::set<std::string> seen{name};
    while (!todo.empty()) {
      const auto c = consumers_.find(todo.front());
      todo.pop_front();
      if (c == consumers_.end()) continue;
      for (const int i : c->second) {
        const onnx::NodeProto& n = model_.graph().node(i);
        if (n.op_type() == "Transpose") {
          perms.insert(perm_of(n));
        } else if (const auto p = reshape_perm(n)) {
          perms.insert(*p);
        } else if (n.output_size() == 1) {
          const auto out = dims_.find(n.output(0));
          const bool follow = out != dims_.end() && (out->second == d || n.op_type() == "Pad");
          if (follow && seen.insert(n.output(0)).second) todo.push_back(n.output(0));
        }
      }
    }
    if (perms != std::set<Dims>{Dims{0, 3, 1, 2}}) return {};
    return {0, 2, 3, 1};
  }

  void add_outputs() {
    import_detail::add_output_layers(layers_, problems_, values_, output_names_, [](const std::string& n) { return n; });
  }

  // ---- Problems ----

  void problem(std::string where, std::string reason) { problems_.add(std::move(where), std::move(reason)); }

  /// ONNX's own complaint about the model, from a strict run of shape inference.
  std::string strict_reason() {
    if (!strict_reason_) {
      strict_reason_ = "";
      try {
        onnx::ModelProto copy = model_;
        onnx::ShapeInferenceOptions opt(false, 1, true);
        const NullSafeSchemaRegistry schemas;
        onnx::shape_inference::InferShapes(copy, &schemas, opt);
      } catch (const std::exception& e) {
        strict_reason_ = std::string(" (ONNX: ") + e.what() + ")";
      }
    }
    return *strict_reason_;
  }

  void cross_check() const {
    for (const Expectation& e : expected_)
      if (!(g_[e.layer].output == e.shape))
        throw input_error(layers_.labels[e.layer], cat("pinfuse infers ", shape_text(g_[e.layer].output), " for '", e.value,
                                                "' but ONNX infers ", dims_text(dims_.at(e.value)),
                                                " (a bug in the importer's mapping of this node)"));
  }

  // ---- Node import ----

  static std::string label(const onnx::NodeProto& n) { return node_label(n); }

  [[noreturn]] static void fail(const std::string& reason) { throw Unsupported(reason); }

  // ---- Access to the current node ----

  const std::string& op() const { return node_->op_type(); }
  bool has_input(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  const std::string& input_name(int i) const { return node_->input(i); }
  const std::string& output_name(int k) const { return node_->output(k); }

  const onnx::AttributeProto* attr(std::string_view name) const {
    for (const auto& a : node_->attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  std::int64_t attr_int(std::string_view name, std::int64_t fallback) const {
    const auto* a = attr(name);
    return a ? a->i() : fallback;
  }
  float attr_float(std::string_view name, float fallback) const {
    const auto* a = attr(name);
    return a ? a->f() : fallback;
  }
  std::string attr_string(std::string_view name, std::string fallback) const {
    const auto* a = attr(name);
    return a ? a->s() : fallback;
  }
  Dims attr_ints(std::string_view name, Dims fallback) const {
    const auto* a = attr(name);
    return a ? Dims(a->ints().begin(), a->ints().end()) : fallback;
  }
  /// An INTS attribute that must hold `size` values.
  Dims attr_ints(std::string_view name, Dims fallback, std::size_t size) const {
    Dims v = attr_ints(name, std::move(fallback));
    if (v.size() != size)
      fail(cat("attribute ", name, " ", dims_text(v), " must have ", std::int64_t(size),
               " values (only 2-D operations are supported)"));
    return v;
  }

  /// a * b for dims and attributes from the file, which may be anything: a
  /// product past int64 fails the node instead of wrapping.
  static std::int64_t product(std::int64_t a, std::int64_t b, const std::string& what) {
    std::int64_t p = 0;
    if (__builtin_mul_overflow(a, b, &p)) fail(cat(what, ": ", a, " x ", b, " is out of range"));
    return p;
  }

  static int narrow(std::int64_t v, const std::string& what) {
    if (v < 0 || v > max_extent) fail(cat(what, " ", v, " is out of range"));
    return int(v);
  }

  /// ONNX's shape of a value, which shape inference must have found.
  Dims dims(const std::string& name) {
    const auto it = dims_.find(name);
    if (it == dims_.end() || std::any_of(it->second.begin(), it->second.end(), [](std::int64_t x) { return x < 0; }))
      fail("ONNX shape inference found no complete shape for '" + name + "'" + strict_reason());
    return it->second;
  }

  Shape shape(const std::string& name) { return shape(dims(name), {}, name); }
  /// Our shape of a value of ONNX dims `d` in `layout`.
  static Shape shape(const Dims& d, const Dims& layout, const std::string& name) {
    const auto s = to_shape(nchw_dims(d, layout));
    if (!s) fail(cat("'", name, "' is ", dims_text(d), "; pinfuse maps only [1, C, H, W] and [1, N] feature maps"));
    return *s;
  }

  /// The feature map a value names, if the handler can read it as `access` says.
  const Value& feature_map(const std::string& name, Access access = Access::nchw) const {
    const Value& v = values_.at(name);
    if (v.kind != Value::Kind::feature_map)
      fail("input '" + name + "' must be a feature map, not a constant");
    if (access != Access::view && access != Access::transpose && v.is_view())
      fail(cat("input '", name, "' is ", dims_text(v.dims), ", a flattened [H, W, C] = ", shape_text(v.shape),
               " feature map; only Gemm and MatMul can read it"));
    if (v.pad && access != Access::window && access != Access::transpose)
      fail(cat("input '", name, "' is the output of Pad '", v.pad->node,
               "'; pinfuse folds a spatial Pad only into the Conv, AveragePool or MaxPool that reads it"));
    if ((access == Access::nchw || access == Access::window) && v.reordered())
      fail(cat("input '", name, "' is ", dims_text(v.dims), ", the [H, W, C] = ", shape_text(v.shape), " map of layer '",
               g_[v.layer].name, "' in layout ", layout_text(v.layout), " (transposed); ", op(),
               " needs NCHW, and a transpose that reorders data is not supported (pinfuse folds transposes between ",
               "layout-agnostic ops: elementwise ops, activations, Concat, Split, Slice, Pad, Resize, ReduceMean)"));
    return v;
  }
  const Value& input(int i, Access access = Access::nchw) const {
    if (!has_input(i)) fail(cat("input ", i, " is missing"));
    return feature_map(input_name(i), access);
  }

  /// The shape of a constant input (weights), which must be known.
  Dims weights(int i) const {
    if (!has_input(i)) fail(cat("input ", i, " (weights) is missing"));
    const Value& v = values_.at(input_name(i));
    if (v.kind != Value::Kind::constant)
      fail("the weights '" + input_name(i) + "' must be a constant (an initializer), not a feature map");
    if (!v.dims_known) fail("the shape of the weights '" + input_name(i) + "' is unknown");
    return v.dims;
  }

  /// The values of a constant input, if the model holds them.
  /// The version of the default operator set the model imports (0 if none).
  std::int64_t opset_version() const {
    for (const auto& o : model_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
    return 0;
  }

  std::optional<std::vector<double>> constant_values(int i) const { return values_of(input_name(i)); }
  /// The values of the constant `name`, if the model holds them.
  std::optional<std::vector<double>> values_of(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) return std::nullopt;
    return tensor_values(*it->second);
  }
  /// The same as integers (INT64_MAX, "to the end", stays huge without overflow).
  std::optional<Dims> constant_ints(int i) const {
    const auto v = constant_values(i);
    if (!v) return std::nullopt;
    Dims d;
    for (const double x : *v) d.push_back(std::int64_t(std::clamp(x, -4e18, 4e18)));
    return d;
  }

  // ---- Building ----

  /// Adds a layer for the current node, producing value `out` in `layout`. Its shape is checked
  /// against ONNX's after infer_shapes (`expected`: the shape when `out` is a view).
  LayerId add(Layer l, const std::vector<LayerId>& inputs, const std::string& out, std::optional<Shape> expected = {},
              Dims layout = {}) {
    Value v;
    v.kind = Value::Kind::feature_map;
    v.dims = dims(out);
    v.layout = std::move(layout);
    v.dims_known = true;
    v.shape = expected ? *expected : shape(v.dims, v.layout, out);
    if (l.name.empty()) l.name = !node_->name().empty() ? node_->name() : out;
    v.layer = layers_.add(std::move(l), inputs, label(*node_));
    if (!v.is_view()) expected_.push_back({v.layer, out, v.shape});
    values_[out] = v;
    return v.layer;
  }

  /// Folds the current node: output `k` is the feature map `in` under another name.
  /// `in_uses`: the consumers of `in` that this node stands for (2 for x * sigmoid(x)).
  /// A Transpose passes `layout`; other ops keep the layout if they keep the dims, else the result is NCHW.
  void alias(const std::string& in, int k = 0, int in_uses = 1, std::optional<Dims> layout = {}) {
    Value v = feature_map(in, layout ? Access::transpose : Access::view);
    const Dims before = v.dims;
    v.dims = dims(output_name(k));
    if (layout) v.layout = *layout;
    else if (v.dims != before) v.layout.clear();
    v.sole = v.sole && uses(in) == in_uses;
    if (v.is_view() && !is_vector(v.dims))
      fail(import_detail::reshape_problem(values_.at(in).dims, v.dims, in, "[1, C, H, W]"));
    values_[output_name(k)] = v;
  }

  /// Whether the producer of `in` can absorb this node (a fused activation, a bias).
  bool absorbs(const std::string& in, int in_uses, std::initializer_list<LayerKind> kinds) const {
    const Value& v = values_.at(in);
    const Layer& p = g_[v.layer];
    return v.sole && uses(in) == in_uses && p.activation == Activation::none &&
           std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end();
  }

  void give_bias(const std::string& in) {
    if (absorbs(in, 1, {LayerKind::conv2d, LayerKind::conv2d_transpose, LayerKind::fc}))
      g_[values_.at(in).layer].bias = true;
  }

  /// Reads kernel, strides, dilations, pads and auto_pad. Returns whether auto_pad is SAME_*.
  bool read_window(Layer& l, const Dims& kernel, const Dims& in, bool dilations) {
    const Dims s = attr_ints("strides", {1, 1}, 2);
    const Dims d = dilations ? attr_ints("dilations", {1, 1}, 2) : Dims{1, 1};
    const Dims p = attr_ints("pads", {0, 0, 0, 0}, 4);
    const std::string auto_pad = attr_string("auto_pad", "NOTSET");
    Window1D* w[2] = {&l.rows, &l.cols};
    for (int a = 0; a < 2; ++a) {
      w[a]->kernel = narrow(kernel[a], "kernel size");
      w[a]->stride = narrow(s[a], "stride");
      w[a]->dilation = narrow(d[a], "dilation");
      w[a]->pad_before = narrow(p[a], "padding");  // ONNX pads: [top, left, bottom, right]
      w[a]->pad_after = narrow(p[a + 2], "padding");
    }
    if (auto_pad == "NOTSET") return false;
    for (Window1D* x : w) x->pad_before = x->pad_after = 0;
    if (auto_pad == "VALID") return false;
    if (auto_pad == "SAME_UPPER") {
      for (Window1D* x : w) x->same = true;  // TensorFlow SAME: the extra padding goes after
      return true;
    }
    if (auto_pad == "SAME_LOWER") {  // the extra padding goes before
      for (int a = 0; a < 2; ++a) {
        resolve_same_padding(*w[a], int(in[2 + a]));
        std::swap(w[a]->pad_before, w[a]->pad_after);
      }
      return true;
    }
    fail("auto_pad '" + auto_pad + "' is not supported");
  }

  /// ONNX's inference does not check that the weights fit the input; we do.
  void check_channels(std::int64_t weights_expect, std::int64_t input_has) const {
    if (weights_expect != input_has)
      fail(cat("the weights '", input_name(1), "' expect ", weights_expect, " input channels, but '", input_name(0),
               "' has ", input_has));
  }

  Dims kernel_of(const Dims& w) const { return attr_ints("kernel_shape", {w[2], w[3]}, 2); }

  void check_2d(const Value& x, const Dims& w) const {
    if (x.dims.size() != 4 || w.size() != 4)
      fail(cat("only 2-D convolutions are supported (input ", dims_text(x.dims), ", weights ", dims_text(w), ")"));
  }

  // ---- State ----

  struct Expectation {
    LayerId layer;
    std::string value;  ///< the ONNX value the layer produces
    Shape shape;        ///< its ONNX shape, as ours
  };

  onnx::ModelProto model_;  ///< the copy that shape inference annotates
  OnnxImportOptions options_;
  import_detail::Layers layers_;
  Network& g_ = layers_.g;
  int dtype_bytes_ = 0;
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;  ///< the values that become output layers
  std::map<std::string, Value> values_;
  std::map<std::string, Dims> dims_;  ///< ONNX's inferred shapes
  std::map<std::string, const onnx::TensorProto*> tensors_;
  std::deque<onnx::TensorProto> own_tensors_;
  std::map<std::string, int> uses_;  ///< node inputs and graph outputs reading a value
  std::map<std::string, std::vector<int>> consumers_;
  std::set<int> skip_;  ///< nodes already imported as part of a pattern
  std::vector<Expectation> expected_;
  import_detail::Problems problems_;
  ImportSummary summary_;  ///< what the import folded, fused and dropped (ImportOptions::summary)
  std::optional<std::string> strict_reason_;
  const onnx::NodeProto* node_ = nullptr;
};

}  // namespace pinfuse::onnx_import_detail
