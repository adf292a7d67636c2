#pragma once
// Checks on an ONNX model made before anything reads it, ONNX's own shape
// inference included: that code divides by strides and indexes by attribute
// values without checking them (a Conv with strides [0, 0] kills the process
// with SIGFPE), and a model JSON cannot hold a name that is not UTF-8.
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstdint>
#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>
#include <string>
#include <string_view>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/import/text.hpp"

namespace pinfuse::onnx_import_detail {

using import_detail::valid_utf8;

/// A node's label for messages: "node 'NAME' (OP)", NAME its name or else its first output's.
inline std::string node_label(const onnx::NodeProto& n) {
  const std::string& name = !n.name().empty() ? n.name() : n.output_size() > 0 ? n.output(0) : n.op_type();
  return "node '" + name + "' (" + n.op_type() + ")";
}

/// The input holding the weights of a convolution op (W), or -1 for other ops.
inline int weight_input(const std::string& op) {
  if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger") return 1;
  return op == "QLinearConv" ? 3 : -1;
}

/// ONNX's shape inference of Conv, ConvTranspose and the pools indexes by the
/// ranks of X and W and the lengths of their attributes without checking that
/// they agree (a rank-2 input, or a rank-1 weight with auto_pad, crashes it).
/// Where the ranks are known before inference (graph inputs, initializers),
/// they must: X and W of rank >= 3 and equal, kernel_shape and strides and
/// dilations of rank - 2 values, pads of 2 (rank - 2).
inline void check_window_ranks(const onnx::NodeProto& n, const std::map<std::string, int>& rank, const std::string& where) {
  static const std::set<std::string> windows{"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "ConvInteger", "QLinearConv"};
  if (!windows.count(n.op_type()) || n.input_size() == 0) return;
  const auto rank_of = [&](int i) {
    const auto it = i < n.input_size() ? rank.find(n.input(i)) : rank.end();
    return it == rank.end() ? -1 : it->second;
  };
  const int x = rank_of(0);
  const int w = weight_input(n.op_type()) >= 0 ? rank_of(weight_input(n.op_type())) : -1;
  for (const auto& [r, what] : {std::pair{x, "input X"}, std::pair{w, "weight tensor W"}})
    if (r >= 0 && r < 3)
      throw input_error(where, std::string(what) + " is of rank " + std::to_string(r) + "; " + n.op_type() +
                                   " needs [N, C, spatial dims...] of rank 3 or more");
  if (x >= 0 && w >= 0 && x != w)
    throw input_error(where, "input X is of rank " + std::to_string(x) + ", weight tensor W of rank " + std::to_string(w));
  const int spatial = (x >= 0 ? x : w) - 2;
  if (spatial < 1) return;
  for (const auto& a : n.attribute()) {
    const int want = a.name() == "pads" ? 2 * spatial
                     : a.name() == "kernel_shape" || a.name() == "strides" || a.name() == "dilations" ? spatial
                                                                                                      : -1;
    if (want >= 0 && a.ints_size() != want)
      throw input_error(where, "attribute '" + a.name() + "' has " + std::to_string(a.ints_size()) + " values; " +
                                   std::to_string(spatial) + " spatial dims need " + std::to_string(want));
  }
}

/// Rejects, with an input_error naming the node and attribute: window
/// attributes out of range (strides, dilations, kernel_shape < 1; pads < 0;
/// group < 1; any of them past INT_MAX; the pads of Pad itself aside), names that are not UTF-8, a value
/// produced by two nodes, a node reading a value that no graph input,
/// initializer or earlier node defines (ONNX's shape inference with data
/// propagation dereferences its missing type: a fuzz finding, a lone Shape node
/// on an undefined value), and an operator-set version newer than this build's
/// ONNX library knows.
inline void check_model(const onnx::ModelProto& model) {
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const auto& o : model.opset_import()) {
    const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
    const auto range = known.find(domain);
    if (range != known.end() && o.version() > range->second.second)
      throw input_error("opset_import", "version " + std::to_string(o.version()) + " of the operator set '" + o.domain() +
                                            "' is newer than this build's ONNX library knows (up to " +
                                            std::to_string(range->second.second) + ")");
  }
  const onnx::GraphProto& graph = model.graph();
  const auto utf8 = [](const std::string& name, const std::string& where) {
    if (!valid_utf8(name)) throw input_error(where, "a name is not valid UTF-8");
  };
  utf8(graph.name(), "graph name");
  for (const auto& v : graph.input()) utf8(v.name(), "graph input");
  for (const auto& v : graph.output()) utf8(v.name(), "graph output");
  for (const auto& t : graph.initializer()) utf8(t.name(), "initializer");
  std::set<std::string> produced;  // initializers and the outputs of the nodes so far
  for (const auto& t : graph.initializer()) produced.insert(t.name());
  std::set<std::string> graph_inputs;
  for (const auto& v : graph.input()) graph_inputs.insert(v.name());
  // Ranks known before shape inference: graph inputs with a shape, and initializers.
  std::map<std::string, int> rank;
  for (const auto& v : graph.input())
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
      rank[v.name()] = v.type().tensor_type().shape().dim_size();
  for (const auto& t : graph.initializer()) rank[t.name()] = t.dims_size();
  for (const onnx::NodeProto& n : graph.node()) {
    const std::string where = node_label(n);
    utf8(n.name(), where);
    for (const auto& in : n.input()) {
      utf8(in, where);
      if (!in.empty() && !produced.count(in) && !graph_inputs.count(in))
        throw input_error(where, "reads '" + in + "', which is no graph input, initializer or output of an earlier node");
    }
    for (const auto& out : n.output()) {
      utf8(out, where);
      if (!out.empty() && !produced.insert(out).second)
        throw input_error(where, "produces '" + out + "', which an earlier node or initializer produces too");
    }
    check_window_ranks(n, rank, where);
    for (const auto& a : n.attribute()) {
      const std::string& name = a.name();
      const bool positive = name == "strides" || name == "dilations" || name == "kernel_shape" || name == "group";
      if (!positive && (name != "pads" || n.op_type() == "Pad")) continue;  // Pad-2's negative pads crop
      const auto check = [&](std::int64_t x) {
        if (x < (positive ? 1 : 0) || x > INT_MAX)
          throw input_error(where, "attribute '" + name + "' holds " + std::to_string(x) + "; it must be between " +
                                       (positive ? "1" : "0") + " and " + std::to_string(INT_MAX));
      };
      for (const std::int64_t x : a.ints()) check(x);
      if (a.type() == onnx::AttributeProto::INT) check(a.i());
    }
  }
}

/// Gives every Conv-like node without kernel_shape the one its weights imply
/// (W's dims after the first two), from an initializer or a Constant node.
/// ONNX's inference reads the kernel from W's shape, then indexes X by it
/// without checking X's rank (a fuzz finding: a Conv on a rank-3 value crashes
/// it); with kernel_shape given, it checks the size. Weights that are not
/// constant make an input_error here: pinfuse reads weights only from constants.
inline void complete_kernel_shapes(onnx::ModelProto& model) {
  std::map<std::string, std::vector<std::int64_t>> constant_dims;
  for (const auto& t : model.graph().initializer()) constant_dims[t.name()].assign(t.dims().begin(), t.dims().end());
  for (const auto& n : model.graph().node())
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) constant_dims[n.output(0)].assign(a.t().dims().begin(), a.t().dims().end());
  for (onnx::NodeProto& n : *model.mutable_graph()->mutable_node()) {
    const int weight = weight_input(n.op_type());
    if (weight < 0 || std::any_of(n.attribute().begin(), n.attribute().end(),
                                  [](const onnx::AttributeProto& a) { return a.name() == "kernel_shape"; }))
      continue;
    const auto w = weight < n.input_size() ? constant_dims.find(n.input(weight)) : constant_dims.end();
    if (w == constant_dims.end())
      throw input_error(node_label(n), "has no kernel_shape and its weights are not a constant");
    if (w->second.size() < 3) continue;  // check_window_ranks reports it
    onnx::AttributeProto& k = *n.add_attribute();
    k.set_name("kernel_shape");
    k.set_type(onnx::AttributeProto::INTS);
    for (std::size_t i = 2; i < w->second.size(); ++i) k.add_ints(w->second[i]);
  }
}

}  // namespace pinfuse::onnx_import_detail
