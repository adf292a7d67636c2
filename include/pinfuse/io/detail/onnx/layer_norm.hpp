#pragma once
// ONNX import: a layer normalization over the channels as PyTorch exports F.layer_norm
// before opset 17 (ConvNeXt's LayerNorm and LayerNorm2d), matched from its first
// ReduceMean so that the nodes become one layer_norm layer:
//   m = ReduceMean(x)          over the channels, keepdims
//   d = Sub(x, m)
//   q = Pow(d, 2)  or  Mul(d, d)
//   v = ReduceMean(q)          the same reduction
//   e = Add(v, eps)            eps a scalar constant
//   s = Sqrt(e)
//   y = Div(d, s)  or  Mul(d, Reciprocal(s))
// and, when they follow and only they read y, Mul(y, gamma) and Add(., beta) with
// one constant per channel (the learned scale and shift: the layer's parameters).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/io/detail/onnx/model_checks.hpp"
#include "pinfuse/io/detail/onnx/proto.hpp"

namespace pinfuse::onnx_import_detail {

/// What the matcher asks of the graph being imported.
struct LayerNormGraph {
  const onnx::GraphProto& graph;
  std::function<std::vector<int>(const std::string&)> readers;        ///< the nodes reading a value, once per input
  std::function<int(const std::string&)> uses;                        ///< readers, graph outputs included
  std::function<std::optional<int>(const std::string&)> sole_reader;  ///< the one node reading a value, once
  std::function<std::optional<double>(const std::string&)> scalar;    ///< a constant of equal values
  std::function<std::optional<std::vector<double>>(const std::string&)> values;  ///< a constant's values, if held
  std::function<bool(const std::string&)> per_channel;  ///< a constant of one value per channel of x, along x's channels
};

/// The nodes of one matched layer normalization.
struct LayerNormNodes {
  std::vector<int> inner;  ///< every node of the pattern after the first ReduceMean
  std::string output;      ///< the value the layer_norm produces (after gamma and beta when they follow)
  bool scale = false;      ///< a Mul by one constant per channel follows (gamma)
  bool bias = false;       ///< an Add of one constant per channel follows (beta)
};

/// The nodes, or why the nodes after the ReduceMean are no layer normalization.
struct LayerNormMatch {
  std::optional<LayerNormNodes> nodes;
  std::string why_not;  ///< names the node where the pattern breaks
};

/// The layer normalization whose first ReduceMean is `mean` (over the channels of its
/// input x, of `rank` axes), if the nodes after it are the pattern above and nothing
/// outside it reads their values.
inline LayerNormMatch match_layer_norm(const LayerNormGraph& g, const onnx::NodeProto& mean, std::int64_t rank) {
  const auto node = [&](int i) -> const onnx::NodeProto& { return g.graph.node(i); };
  const auto no = [](std::string why) { return LayerNormMatch{std::nullopt, std::move(why)}; };
  // The one node that reads `value`, if it is of type `op`; else why not.
  std::string why;
  const auto sole = [&](const std::string& value, const char* op) -> std::optional<int> {
    const std::optional<int> r = g.sole_reader(value);
    if (!r) why = "'" + value + "' has " + std::to_string(g.uses(value)) + " reads (node inputs or graph outputs), not one by a " + op;
    else if (node(*r).op_type() != op || node(*r).output_size() != 1) why = node_label(node(*r)) + " reads '" + value + "', not a " + op;
    else return r;
    return std::nullopt;
  };
  const auto other = [](const onnx::NodeProto& n, const std::string& value) -> std::string {
    if (n.input_size() != 2) return {};
    return n.input(0) == value ? n.input(1) : n.input(1) == value ? n.input(0) : std::string{};
  };
  // A ReduceMean's axes, sorted (reduce_axes), and whether it keeps them (keepdims, 1 by default).
  const auto axes_of = [&](const onnx::NodeProto& n) {
    Dims axes = reduce_axes(n, rank, g.values);
    std::sort(axes.begin(), axes.end());
    return axes;
  };
  const auto keeps_dims = [](const onnx::NodeProto& n) {
    for (const auto& a : n.attribute())
      if (a.name() == "keepdims") return a.i() != 0;
    return true;
  };
  if (mean.op_type() != "ReduceMean") return no(node_label(mean) + " is no ReduceMean");
  if (!keeps_dims(mean)) return no(node_label(mean) + " drops the reduced axis (keepdims = 0)");
  const std::string& x = mean.input(0);

  LayerNormNodes found;
  const auto sub = sole(mean.output(0), "Sub");
  if (!sub) return no(why);
  if (node(*sub).input_size() != 2 || node(*sub).input(0) != x || node(*sub).input(1) != mean.output(0))
    return no(node_label(node(*sub)) + " does not subtract the mean from '" + x + "'");
  const std::string& d = node(*sub).output(0);
  found.inner.push_back(*sub);
  // d is read by the square and by the normalization (a node that reads a value twice is listed twice).
  std::vector<int> d_readers = g.readers(d);
  d_readers.erase(std::unique(d_readers.begin(), d_readers.end()), d_readers.end());
  std::optional<int> square, divide;
  for (const int i : d_readers) {
    const onnx::NodeProto& n = node(i);
    if (n.output_size() != 1 || n.input_size() != 2) continue;
    if ((n.op_type() == "Pow" && n.input(0) == d && g.scalar(n.input(1)) == 2.0) ||
        (n.op_type() == "Mul" && n.input(0) == d && n.input(1) == d))
      square = i;
    else if ((n.op_type() == "Div" && n.input(0) == d) || n.op_type() == "Mul")
      divide = i;
  }
  const int square_reads = square && node(*square).op_type() == "Mul" ? 2 : 1;
  if (!square || !divide || d_readers.size() != 2 || g.uses(d) != square_reads + 1)
    return no("'" + d + "' is not read by exactly a square (Pow by 2, or Mul by itself) and a Div or Mul");
  found.inner.push_back(*square);
  const auto var = sole(node(*square).output(0), "ReduceMean");
  if (!var) return no(why);
  if (axes_of(node(*var)) != axes_of(mean) || !keeps_dims(node(*var)))
    return no(node_label(node(*var)) + " does not reduce the axes the mean reduces, keeping them");
  found.inner.push_back(*var);
  const auto eps = sole(node(*var).output(0), "Add");
  if (!eps) return no(why);
  if (!g.scalar(other(node(*eps), node(*var).output(0))))
    return no(node_label(node(*eps)) + " does not add a scalar constant (epsilon) to the variance");
  found.inner.push_back(*eps);
  const auto root = sole(node(*eps).output(0), "Sqrt");
  if (!root) return no(why);
  found.inner.push_back(*root);
  std::string deviation = node(*root).output(0);  // what d is divided by, or multiplied with
  if (node(*divide).op_type() == "Mul") {
    const auto inverse = sole(deviation, "Reciprocal");
    if (!inverse) return no(why);
    found.inner.push_back(*inverse);
    deviation = node(*inverse).output(0);
  }
  const auto normalize = sole(deviation, node(*divide).op_type().c_str());
  if (!normalize) return no(why);
  if (*normalize != *divide || other(node(*divide), d) != deviation)
    return no(node_label(node(*divide)) + " does not divide '" + d + "' by the standard deviation");
  found.inner.push_back(*divide);
  found.output = node(*divide).output(0);
  // Then gamma and beta: a Mul, then an Add, of one constant per channel, each the one reader of the result so far.
  const auto take = [&](const char* op, bool& taken) {
    const auto n = g.sole_reader(found.output);
    if (!n || node(*n).op_type() != op || node(*n).output_size() != 1 || !g.per_channel(other(node(*n), found.output)))
      return;
    found.inner.push_back(*n);
    found.output = node(*n).output(0);
    taken = true;
  };
  take("Mul", found.scale);
  take("Add", found.bias);
  return {found, {}};
}

}  // namespace pinfuse::onnx_import_detail
