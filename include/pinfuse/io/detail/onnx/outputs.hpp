#pragma once
// ONNX import: where the network ends (io/detail/import/outputs.hpp), with ONNX's op lists:
// the ops that start post-processing and the ops of the network itself.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/io/detail/import/outputs.hpp"
#include "pinfuse/io/detail/onnx/model_checks.hpp"
#include "pinfuse/io/detail/onnx/proto.hpp"

namespace pinfuse::onnx_import_detail {

/// Ops that start post-processing: what follows them (and the shape glue that feeds
/// only them) is cut off by default.
inline bool is_post_processing_op(std::string_view op) {
  static constexpr std::array<std::string_view, 22> ops{
      "ArgMax", "ArgMin", "TopK", "NonMaxSuppression", "NonZero", "RoiAlign", "Where", "Unique", "GatherND",
      "GatherElements", "ScatterND", "ScatterElements", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual",
      "Not", "And", "Or", "CumSum", "Mod"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

/// Ops a layout tail may hold (a detector's predictions rearranged and decoded): layout and elementwise ops.
inline bool is_layout_tail_op(std::string_view op) {
  static constexpr std::array<std::string_view, 27> ops{
      "Reshape", "Transpose", "Concat", "Split", "Slice", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Cast",
      "Gather", "Expand", "Tile", "Sigmoid", "Softmax", "LogSoftmax", "Mul", "Add", "Sub", "Div", "Pow", "Exp", "Sqrt",
      "Neg", "Clip", "Relu", "Tanh"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

/// Ops with weights or windows: the CNN itself, never cut off as post-processing glue.
inline bool is_network_op(std::string_view op) {
  static constexpr std::array<std::string_view, 13> ops{
      "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
      "BatchNormalization", "LayerNormalization", "Resize", "Upsample", "ReduceMean"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

using import_detail::OutputChoice;

/// Chooses the outputs (io/detail/import/outputs.hpp): `requested` if not empty, else the graph
/// outputs, cut before post-processing (or a sequence head: a Reshape or Squeeze of a map into
/// a 3-D tensor; or a layout tail: into a tensor of another rank, followed only by layout and
/// elementwise ops that make no map; by ONNX's inferred `dims`). `data` holds the graph inputs
/// that carry data (not initializers).
inline OutputChoice choose_outputs(const onnx::GraphProto& graph, const std::vector<std::string>& requested,
                                   const std::set<std::string>& data, const std::map<std::string, Dims>& dims) {
  const auto reshapes = [](std::string_view op) {
    return op == "Reshape" || op == "Squeeze" || op == "Unsqueeze" || op == "Flatten" || op == "Transpose";
  };
  std::set<std::string> reshaped;  // values of reshapes, and of the ops other than network ops that read them
  std::vector<import_detail::GraphNode> nodes;
  for (const onnx::NodeProto& n : graph.node()) {
    import_detail::GraphNode node{n.op_type(), {n.input().begin(), n.input().end()}, {n.output().begin(), n.output().end()},
                                  node_label(n), {}, {}, true};
    node.makes_maps = import_detail::makes_maps(n.output(), [&](const std::string& out) {
      const auto d = dims.find(out);
      return d == dims.end() ? std::nullopt : std::optional<Dims>(d->second);
    });
    if ((n.op_type() == "Reshape" || n.op_type() == "Squeeze") && n.input_size() > 0 && n.output_size() == 1) {
      const auto in = dims.find(n.input(0)), out = dims.find(n.output(0));
      if (in != dims.end() && out != dims.end())
        import_detail::classify_reshape(node, in->second, out->second, reshaped.count(n.input(0)) > 0);
    }
    if (reshapes(n.op_type()) || (!is_network_op(n.op_type()) && std::any_of(n.input().begin(), n.input().end(),
                                                                               [&](const std::string& in) { return reshaped.count(in) > 0; })))
      reshaped.insert(n.output().begin(), n.output().end());
    nodes.push_back(std::move(node));
  }
  std::vector<std::string> graph_outputs;
  for (const auto& o : graph.output()) graph_outputs.push_back(o.name());
  const import_detail::OutputRules rules{is_post_processing_op, is_network_op,
                                         [](std::string_view op) { return op == "Shape" || op == "Size"; },
                                         is_layout_tail_op};
  return import_detail::choose_outputs(nodes, graph_outputs, requested, data, rules);
}

}  // namespace pinfuse::onnx_import_detail
