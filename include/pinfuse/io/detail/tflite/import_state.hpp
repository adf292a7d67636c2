#pragma once
// TFLite import: the importer's state. What each tensor stands for, the setup (inputs,
// outputs, uses), problem reporting, access to the current operator, and building
// layers; the op handlers are in io/detail/tflite/importer.hpp.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/import/layers.hpp"
#include "pinfuse/io/import/options.hpp"
#include "pinfuse/io/detail/import/outputs.hpp"
#include "pinfuse/io/detail/import/pad.hpp"
#include "pinfuse/io/detail/import/problems.hpp"
#include "pinfuse/io/detail/import/text.hpp"
#include "pinfuse/io/detail/tflite/op_rules.hpp"
#include "pinfuse/io/detail/tflite/schema_access.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::tflite_import_detail {

using import_detail::is_vector;
using import_detail::max_extent;
using import_detail::PendingPad;
using import_detail::shape_text;

/// TFLite dims of a batch-1 feature map -> our [H, W, C]: [1, H, W, C] (NHWC), or a vector [1, N] / [N] as [1, 1, N].
inline std::optional<Shape> to_shape(const Dims& d) { return import_detail::feature_map_shape(d, 1, 2, 3); }

/// What a tensor stands for during the import.
struct Value {
  enum class Kind { feature_map, constant, failed };
  Kind kind = Kind::failed;
  LayerId layer = 0;  ///< feature map: the layer whose output holds it
  Shape shape;        ///< feature map: that layer's output shape
  Dims dims;          ///< the tensor's dims
  bool sole = true;   ///< feature map: no other consumer reads `layer` through an earlier folded alias
  std::optional<PendingPad> pad;  ///< feature map: `layer`'s output padded by a PAD not folded yet

  /// The shape the file sees: the layer's output shape plus a pending pad.
  Shape padded() const {
    return pad ? Shape{shape.h + pad->top + pad->bottom, shape.w + pad->left + pad->right, shape.c} : shape;
  }
  /// A flattening to [1, N] of a [H, W, C] map with H * W > 1: only FULLY_CONNECTED and folded ops may read it.
  bool is_view() const {
    const auto s = to_shape(dims);
    return !s || !(*s == padded());
  }
};

/// How a handler reads a feature map.
enum class Access {
  map,     ///< a whole [1, H, W, C] map or vector
  view,    ///< also a flattening (reshapes, FULLY_CONNECTED)
  window,  ///< like map, and it may carry a pending PAD (convolutions, pools)
};

/// Thrown by an op handler; the importer records it with the op's place.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ImportState {
 public:
  ImportState(const ModelAccess& model, ImportOptions options) : m_(model), options_(std::move(options)) {}

 protected:
  // ---- Setup ----

  /// Unique names of the tensors (TFLite does not require them), by which options name them.
  void name_tensors() {
    std::map<std::string, int> count;
    for (std::size_t t = 0; t < m_.tensor_count(); ++t) {
      if (!import_detail::valid_utf8(m_.tensor_name(int(t))))
        throw input_error(cat("tensor ", std::int64_t(t)), "its name is not valid UTF-8 (a model JSON holds only UTF-8)");
      ++count[m_.tensor_name(int(t))];
    }
    for (std::size_t t = 0; t < m_.tensor_count(); ++t) {
      const std::string n = m_.tensor_name(int(t));
      tensor_names_.push_back(count[n] > 1 ? cat(n, "#", std::int64_t(t)) : n);
      by_name_[tensor_names_.back()] = int(t);
    }
    for (std::size_t t = 0; t < m_.tensor_count(); ++t)
      if (m_.has_data(int(t))) values_[int(t)] = constant(int(t));
  }

  Value constant(int t) const {
    Value v;
    v.kind = Value::Kind::constant;
    v.dims = m_.dims(t);
    return v;
  }

  /// The subgraph inputs: [1, H, W, C] or [1, N], with dynamic dimensions fixed by the options.
  void prepare_inputs() {
    for (const int t : m_.graph_inputs()) {
      if (m_.has_data(t)) continue;
      const std::string& name = tensor_names_[std::size_t(t)];
      const std::string where = "graph input '" + name + "'";
      values_[t] = Value{};  // failed until it proves fine
      Dims d = m_.dynamic_dims(t);
      const Dims file = d;
      if (const auto given = options_.input_dims.find(name); given != options_.input_dims.end()) {
        if (given->second.size() != d.size()) {
          problem(where, cat("is ", dims_text(d), "; --input gives ", dims_text(given->second), ", of another rank"));
          continue;
        }
        for (std::size_t k = 0; k < d.size(); ++k)
          if (d[k] >= 0 && d[k] != given->second[k]) {
            problem(where, cat("is ", dims_text(d), "; --input gives ", dims_text(given->second),
                               ", which differs in a fixed dimension"));
            break;
          }
        d = given->second;
      }
      if (d.size() != 4 && d.size() != 2) {
        problem(where, cat("is ", dims_text(d), "; pinfuse needs a [N, H, W, C] image or an [N, F] vector"));
        continue;
      }
      if (d[0] != 1 && d[0] != -1) {
        problem(where, cat("has batch size ", d[0], "; pinfuse models batch 1 (convert the model with batch 1)"));
        continue;
      }
      d[0] = 1;
      if (std::any_of(d.begin(), d.end(), [](std::int64_t x) { return x < 1 || x > max_extent; })) {
        Dims example = d;
        const Dims fallback = d.size() == 4 ? Dims{1, 224, 224, 3} : Dims{1, 1000};
        for (std::size_t k = 1; k < example.size(); ++k)
          if (example[k] < 1) example[k] = fallback[k];
        problem(where, cat("is ", dims_text(file), "; pinfuse needs fixed, positive height, width and channels: give ",
                           "the size with --input ", name, "=", dims_text(example, "x"), " (ImportOptions::input_dims)"));
        continue;
      }
      // TFLite stores one static size per tensor: the file's tensors are sized for its inputs' stored shapes.
      if (m_.dims(t) != d) {
        problem(where, cat("is stored as ", dims_text(m_.dims(t)), " and --input asks for ", dims_text(d),
                           "; the file's tensors are sized for the stored shape, and resizing a TFLite model's input ",
                           "is not supported (convert the model at the size you need)"));
        continue;
      }
      Value v;
      v.kind = Value::Kind::feature_map;
      v.dims = d;
      v.shape = *to_shape(d);
      Layer l;
      l.name = name;
      l.kind = LayerKind::input;
      l.output = v.shape;
      v.layer = layers_.add(std::move(l), {}, where);
      values_[t] = v;
      input_names_.insert(name);
    }
    const std::vector<int> inputs = m_.graph_inputs();
    for (const auto& given : options_.input_dims) {
      const auto t = by_name_.find(given.first);
      if (t == by_name_.end() || std::find(inputs.begin(), inputs.end(), t->second) == inputs.end())
        problem("--input " + given.first, "names no graph input of the model");
    }
  }

  /// The outputs the options name, or the graph's without post-processing (io/detail/import/outputs.hpp);
  /// the ops none of them needs are skipped.
  void choose_outputs() {
    std::set<int> reshaped;  // tensors of reshapes, and of the ops other than network ops that read them
    std::vector<import_detail::GraphNode> nodes;
    for (std::size_t i = 0; i < m_.op_count(); ++i) {
      const fb::Operator& o = m_.op(i);
      import_detail::GraphNode n{m_.op_name(o), {}, {}, label(i), {}, {}, true};
      const std::vector<int> ins = ModelAccess::ints(o.inputs()), outs = ModelAccess::ints(o.outputs());
      for (const int t : ins)
        if (t >= 0) n.inputs.push_back(tensor_names_[std::size_t(t)]);
      for (const int t : outs) n.outputs.push_back(tensor_names_[std::size_t(t)]);
      n.makes_maps = import_detail::makes_maps(outs, [&](int t) { return std::optional<import_detail::Dims>(m_.dims(t)); });
      if ((n.op == "RESHAPE" || n.op == "SQUEEZE") && !ins.empty() && ins.front() >= 0 && outs.size() == 1)
        import_detail::classify_reshape(n, m_.dims(ins.front()), m_.dims(outs.front()), reshaped.count(ins.front()) > 0);
      if (n.op == "RESHAPE" || n.op == "SQUEEZE" || n.op == "EXPAND_DIMS" || n.op == "TRANSPOSE" ||
          (!is_network_op(n.op) && std::any_of(ins.begin(), ins.end(), [&](int t) { return reshaped.count(t) > 0; })))
        reshaped.insert(outs.begin(), outs.end());
      nodes.push_back(std::move(n));
    }
    std::vector<std::string> graph_outputs;
    for (const int t : m_.graph_outputs()) graph_outputs.push_back(tensor_names_[std::size_t(t)]);
    const import_detail::OutputRules rules{is_post_processing_op, is_network_op, is_shape_op, is_layout_tail_op};
    import_detail::OutputChoice choice =
        import_detail::choose_outputs(nodes, graph_outputs, options_.outputs, input_names_, rules);
    for (const std::string& name : choice.outputs) output_tensors_.push_back(by_name_.at(name));
    skip_ = std::move(choice.unused);
    summary_.dropped = choice.dropped;
    if (options_.notes) options_.notes->insert(options_.notes->end(), choice.notes.begin(), choice.notes.end());
  }

  void count_uses() {
    for (std::size_t i = 0; i < m_.op_count(); ++i)
      if (!skip_.count(int(i)) && !is_shape_op(m_.op_name(m_.op(i))))  // a shape is no read of the data
        for (const int t : ModelAccess::ints(m_.op(i).inputs()))
          if (t >= 0) {
            ++uses_[t];
            consumers_[t].push_back(int(i));
          }
    for (const int t : output_tensors_) ++uses_[t];
  }
  int uses(int t) const {
    const auto it = uses_.find(t);
    return it == uses_.end() ? 0 : it->second;
  }

  void add_outputs() {
    import_detail::add_output_layers(layers_, problems_, values_, output_tensors_, [this](int t) { return name_of(t); });
  }

  // ---- Problems ----

  void problem(std::string where, std::string reason) { problems_.add(std::move(where), std::move(reason)); }

  /// Every layer's shape must be the shape of the tensor it produces.
  void cross_check() const {
    for (const Expectation& e : expected_)
      if (!(g_[e.layer].output == e.shape))
        throw input_error(layers_.labels[e.layer], cat("pinfuse infers ", shape_text(g_[e.layer].output), " for '",
                                                tensor_names_[std::size_t(e.tensor)], "' but the file says ",
                                                dims_text(m_.dims(e.tensor)), " (a bug in the importer's mapping of this operator)"));
  }

  // ---- Access to the current operator ----

  /// "operator 12 (CONV_2D) -> 'name'": the place of an operator's problems.
  std::string label(std::size_t i) const {
    const fb::Operator& o = m_.op(i);
    const std::vector<int> outs = ModelAccess::ints(o.outputs());
    return cat("operator ", std::int64_t(i), " (", m_.op_name(o), ")",
               outs.empty() ? std::string() : " -> '" + tensor_names_[std::size_t(outs.front())] + "'");
  }

  [[noreturn]] static void fail(const std::string& reason) { throw Unsupported(reason); }

  const std::string& op() const { return op_name_; }
  /// The tensor index of input `i`, or -1 when the op leaves it out.
  int in(std::size_t i) const { return i < inputs_.size() ? inputs_[i] : -1; }
  int out(std::size_t k = 0) const {
    if (k >= outputs_.size()) fail(cat("has no output ", std::int64_t(k)));
    return outputs_[k];
  }
  const std::string& name_of(int t) const { return tensor_names_[std::size_t(t)]; }

  static int narrow(std::int64_t v, const std::string& what) {
    if (v < 0 || v > max_extent) fail(cat(what, " ", v, " is out of range"));
    return int(v);
  }

  /// The feature map input `i` holds, if the handler can read it as `access` says.
  const Value& input(std::size_t i, Access access = Access::map) const {
    if (in(i) < 0) fail(cat("input ", std::int64_t(i), " is missing"));
    const Value& v = values_.at(in(i));
    if (v.kind != Value::Kind::feature_map)
      fail("input '" + name_of(in(i)) + "' must be a feature map, not a constant");
    if (access != Access::view && v.is_view())
      fail(cat("input '", name_of(in(i)), "' is ", dims_text(v.dims), ", a flattened [H, W, C] = ", shape_text(v.shape),
               " feature map; only FULLY_CONNECTED can read it"));
    if (v.pad && access != Access::window)
      fail(cat("input '", name_of(in(i)), "' is the output of PAD '", v.pad->node,
               "'; pinfuse folds a spatial PAD only into the convolution or pool that reads it"));
    return v;
  }

  /// The dims of a constant input (weights), which must be held in the file.
  Dims weights(std::size_t i) const {
    if (in(i) < 0) fail(cat("input ", std::int64_t(i), " (weights) is missing"));
    const Value& v = values_.at(in(i));
    if (v.kind != Value::Kind::constant)
      fail("the weights '" + name_of(in(i)) + "' must be a constant, not a feature map");
    return v.dims;
  }

  /// The integers of a constant input (axes, paddings, sizes).
  Dims constant_ints(std::size_t i, const char* what) const {
    const auto v = in(i) >= 0 ? m_.int_values(in(i)) : std::nullopt;
    if (!v) fail(cat("the ", what, " must be an INT32 or INT64 constant held in the file"));
    return *v;
  }

  bool is_constant(int t) const {
    const auto it = values_.find(t);
    return it != values_.end() && it->second.kind == Value::Kind::constant;
  }

  // ---- Building ----

  /// Adds a layer for the current op, producing tensor `t`; its shape is checked against the tensor's
  /// after infer_shapes (`expected`: the shape when `t` is a view).
  LayerId add(Layer l, const std::vector<LayerId>& inputs, int t, std::optional<Shape> expected = {}) {
    Value v;
    v.kind = Value::Kind::feature_map;
    v.dims = m_.dims(t);
    const auto s = to_shape(v.dims);
    if (!expected && !s)
      fail(cat("'", name_of(t), "' is ", dims_text(v.dims), "; pinfuse maps only [1, H, W, C] and [1, N] feature maps"));
    v.shape = expected ? *expected : *s;
    if (l.name.empty()) l.name = name_of(t);
    v.layer = layers_.add(std::move(l), inputs, label(op_index_));
    if (!v.is_view()) expected_.push_back({v.layer, t, v.shape});
    values_[t] = v;
    fm_bytes_[element_bytes(m_.tensor(t).type())] += 1;
    return v.layer;
  }

  /// Folds the current op: its output is the feature map of input `i` under another tensor.
  void alias(std::size_t i = 0) {
    Value v = input(i, Access::view);
    v.dims = m_.dims(out());
    v.sole = v.sole && uses(in(i)) == 1;
    if (v.is_view() && !is_vector(v.dims))
      fail(import_detail::reshape_problem(values_.at(in(i)).dims, v.dims, name_of(in(i)), "[1, H, W, C]"));
    values_[out()] = v;
  }

  /// Applies `function` to tensor `x`, producing tensor `y` (which may be `x` itself, for an
  /// activation fused into an op folded away): fused into the producer of `x` when it is a
  /// conv2d, conv2d_transpose, fc, add or mul without activation that nobody else reads
  /// (`x_uses`: the reads of `x` that this activation stands for), else an activation layer.
  void activate(int x, Activation function, int y, int x_uses = 1) {
    const Value v = values_.at(x);
    const Layer& p = g_[v.layer];
    const bool fusable = p.kind == LayerKind::conv2d || p.kind == LayerKind::conv2d_transpose ||
                         p.kind == LayerKind::fc || p.kind == LayerKind::add || p.kind == LayerKind::mul;
    if (fusable && p.activation == Activation::none && v.sole && (x == y || uses(x) == x_uses) && !v.pad) {
      g_[v.layer].activation = function;
      Value w = v;
      w.dims = m_.dims(y);
      values_[y] = w;
      return;
    }
    Layer l;
    l.kind = LayerKind::activation;
    l.activation = function;
    l.name = name_of(y);
    if (x == y) l.name += "_" + std::string(to_string(function));
    add(std::move(l), {v.layer}, y, v.shape);
  }

  // ---- State ----

  struct Expectation {
    LayerId layer;
    int tensor;   ///< the tensor the layer produces
    Shape shape;  ///< its dims, as ours
  };

  const ModelAccess& m_;
  ImportOptions options_;
  import_detail::Layers layers_;
  Network& g_ = layers_.g;
  std::vector<std::string> tensor_names_;  ///< unique, by tensor index
  std::map<std::string, int> by_name_;
  std::set<std::string> input_names_;
  std::vector<int> output_tensors_;  ///< the tensors that become output layers
  std::map<int, Value> values_;
  std::map<int, int> uses_;  ///< operator inputs and graph outputs reading a tensor
  ImportSummary summary_;  ///< what the import folded, fused and dropped (ImportOptions::summary)
  std::map<int, std::vector<int>> consumers_;
  std::set<int> skip_;  ///< operators no output needs, or imported as part of a pattern
  std::vector<Expectation> expected_;
  std::map<int, int> fm_bytes_;  ///< element size -> how many layer outputs have it
  import_detail::Problems problems_;
  // The current operator.
  std::size_t op_index_ = 0;
  std::string op_name_;
  std::vector<int> inputs_, outputs_;
};

}  // namespace pinfuse::tflite_import_detail
