#pragma once
// ONNX import: a layer normalization over the channels as PyTorch exports F.layer_norm
// before opset 17 (ConvNeXt's LayerNorm and LayerNorm2d), matched from its first
// ReduceMean so that the nodes become one layer_norm layer:
//   m = ReduceMean(x)          over the channels, keepdims
//   d = Sub(x, m)
//   q = Pow(d, 2)  or  Mul(d, d)
//   v = ReduceMean(q)          over the same axes
//   e = Add(v, eps)            eps a constant
//   s = Sqrt(e)
//   y = Div(d, s)  or  Mul(d, Reciprocal(s))
// and, when they follow and only they read y, Mul(y, gamma) and Add(., beta) with
// one constant per channel (the learned scale and shift: the layer's parameters).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pinfuse::onnx_import_detail {

/// What the matcher asks of the graph being imported.
struct LayerNormGraph {
  const onnx::GraphProto& graph;
  const std::map<std::string, std::vector<int>>& consumers;   ///< the nodes reading each value
  std::function<int(const std::string&)> uses;                ///< readers, graph outputs included
  std::function<std::optional<std::vector<double>>(const std::string&)> constant;  ///< a constant's values, if held
};

/// The nodes of one matched layer normalization.
struct LayerNormNodes {
  std::vector<int> inner;  ///< every node of the pattern after the first ReduceMean
  std::string output;      ///< the value the layer_norm produces (after gamma and beta when they follow)
  bool scale = false;      ///< a Mul by one constant per channel follows (gamma)
  bool bias = false;       ///< an Add of one constant per channel follows (beta)
};

/// The layer normalization whose first ReduceMean is `mean` (over the channels of
/// its input x, which has `channels` channels), if the nodes after it are the
/// pattern above and nothing outside it reads their values.
inline std::optional<LayerNormNodes> match_layer_norm(const LayerNormGraph& g, const onnx::NodeProto& mean,
                                                      std::int64_t channels) {
  const std::string& x = mean.input(0);
  const auto node = [&](int i) -> const onnx::NodeProto& { return g.graph.node(i); };
  const auto readers = [&](const std::string& value) {
    const auto it = g.consumers.find(value);
    return it == g.consumers.end() ? std::vector<int>{} : it->second;
  };
  // The one node that reads `value`, once, if it is of type `op`.
  const auto sole = [&](const std::string& value, const char* op) -> std::optional<int> {
    const std::vector<int> r = readers(value);
    if (r.size() != 1 || g.uses(value) != 1 || node(r[0]).op_type() != op || node(r[0]).output_size() != 1)
      return std::nullopt;
    return r[0];
  };
  const auto other = [](const onnx::NodeProto& n, const std::string& value) -> std::string {
    if (n.input_size() != 2) return {};
    return n.input(0) == value ? n.input(1) : n.input(1) == value ? n.input(0) : std::string{};
  };
  const auto is_value = [&](const std::string& name, double want) {
    const auto v = g.constant(name);
    return v && !v->empty() && std::all_of(v->begin(), v->end(), [&](double e) { return e == want; });
  };
  const auto per_channel = [&](const std::string& name) {
    const auto v = g.constant(name);
    return v && std::int64_t(v->size()) == channels;
  };

  LayerNormNodes found;
  const auto sub = sole(mean.output(0), "Sub");
  if (!sub || node(*sub).input(0) != x || node(*sub).input(1) != mean.output(0)) return std::nullopt;
  const std::string& d = node(*sub).output(0);
  found.inner.push_back(*sub);
  // d is read by the square and by the normalization (a node that reads a value twice is listed twice).
  std::vector<int> d_readers = readers(d);
  d_readers.erase(std::unique(d_readers.begin(), d_readers.end()), d_readers.end());
  if (d_readers.size() != 2) return std::nullopt;
  std::optional<int> square, divide;
  for (const int i : d_readers) {
    const onnx::NodeProto& n = node(i);
    if (n.output_size() != 1) return std::nullopt;
    if ((n.op_type() == "Pow" && n.input_size() == 2 && n.input(0) == d && is_value(n.input(1), 2)) ||
        (n.op_type() == "Mul" && n.input_size() == 2 && n.input(0) == d && n.input(1) == d))
      square = i;
    else if ((n.op_type() == "Div" && n.input_size() == 2 && n.input(0) == d) || n.op_type() == "Mul")
      divide = i;
  }
  const int square_reads = square && node(*square).op_type() == "Mul" ? 2 : 1;
  if (!square || !divide || g.uses(d) != square_reads + 1) return std::nullopt;
  found.inner.push_back(*square);
  const auto var = sole(node(*square).output(0), "ReduceMean");
  if (!var || node(*var).input_size() < 1) return std::nullopt;
  // The same reduction as the first: the same attributes and axes input.
  if (node(*var).attribute_size() != mean.attribute_size() || node(*var).input_size() != mean.input_size()) return std::nullopt;
  for (int a = 0; a < mean.attribute_size(); ++a)
    if (node(*var).attribute(a).SerializeAsString() != mean.attribute(a).SerializeAsString()) return std::nullopt;
  if (mean.input_size() > 1 && node(*var).input(1) != mean.input(1) &&
      g.constant(node(*var).input(1)) != g.constant(mean.input(1)))
    return std::nullopt;
  found.inner.push_back(*var);
  const auto eps = sole(node(*var).output(0), "Add");
  if (!eps || !g.constant(other(node(*eps), node(*var).output(0))).has_value()) return std::nullopt;
  found.inner.push_back(*eps);
  const auto root = sole(node(*eps).output(0), "Sqrt");
  if (!root) return std::nullopt;
  found.inner.push_back(*root);
  std::string deviation = node(*root).output(0);  // what d is divided by, or multiplied with
  if (node(*divide).op_type() == "Mul") {
    const auto inverse = sole(deviation, "Reciprocal");
    if (!inverse) return std::nullopt;
    found.inner.push_back(*inverse);
    deviation = node(*inverse).output(0);
    if (other(node(*divide), d) != deviation) return std::nullopt;
  } else if (node(*divide).input(1) != deviation) {
    return std::nullopt;
  }
  if (readers(deviation) != std::vector<int>{*divide} || g.uses(deviation) != 1) return std::nullopt;
  found.inner.push_back(*divide);
  found.output = node(*divide).output(0);
  if (const auto gamma = sole(found.output, "Mul"); gamma && per_channel(other(node(*gamma), found.output))) {
    found.inner.push_back(*gamma);
    found.output = node(*gamma).output(0);
    found.scale = true;
  }
  if (const auto beta = sole(found.output, "Add"); beta && per_channel(other(node(*beta), found.output))) {
    found.inner.push_back(*beta);
    found.output = node(*beta).output(0);
    found.bias = true;
  }
  return found;
}

}  // namespace pinfuse::onnx_import_detail
