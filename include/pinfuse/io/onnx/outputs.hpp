#pragma once
// ONNX import: where the network ends. Either the outputs the user names
// (OnnxImportOptions::outputs, `pinfuse import --outputs`), or the graph's outputs
// without the post-processing that follows the CNN (ArgMax, TopK, NonMaxSuppression,
// masks, ...), which pinfuse does not model. Nodes that no chosen output needs are
// not imported.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/core/error.hpp"

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

/// Ops with weights or windows: the CNN itself, never cut off as post-processing glue.
inline bool is_network_op(std::string_view op) {
  static constexpr std::array<std::string_view, 12> ops{
      "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
      "BatchNormalization", "Resize", "Upsample", "ReduceMean"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

struct OutputChoice {
  std::vector<std::string> outputs;  ///< the values that become output layers, in order
  std::set<int> unused;              ///< nodes no output needs
  std::vector<std::string> notes;    ///< what was cut off
};

/// Chooses the outputs: `requested` if not empty, else the graph outputs, cut before
/// post-processing. `data` holds the graph inputs that carry data (not initializers).
inline OutputChoice choose_outputs(const onnx::GraphProto& graph, const std::vector<std::string>& requested,
                                   const std::set<std::string>& data) {
  const int n = graph.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string& out : graph.node(i).output()) producer[out] = i;
  OutputChoice choice;
  if (!requested.empty()) {
    for (const std::string& name : requested)
      if (!producer.count(name) && !data.count(name))
        throw input_error("--outputs " + name, "names no value of the model (no node produces it and it is no graph input)");
    choice.outputs = requested;
  } else {
    // Data flow (not shape arithmetic): which values depend on the data inputs.
    std::set<std::string> dependent(data.begin(), data.end());
    std::vector<bool> reads_data(std::size_t(n), false), dropped(std::size_t(n), false);
    for (int i = 0; i < n; ++i) {
      const onnx::NodeProto& node = graph.node(i);
      if (node.op_type() == "Shape" || node.op_type() == "Size") continue;
      reads_data[std::size_t(i)] = std::any_of(node.input().begin(), node.input().end(),
                                               [&](const std::string& in) { return dependent.count(in) > 0; });
      if (!reads_data[std::size_t(i)]) continue;
      for (const std::string& out : node.output()) dependent.insert(out);
    }
    // The post-processing ops on data, and everything after them.
    std::set<std::string> cut;
    for (int i = 0; i < n; ++i) {
      const onnx::NodeProto& node = graph.node(i);
      const bool after = std::any_of(node.input().begin(), node.input().end(), [&](const std::string& in) { return cut.count(in) > 0; });
      if (!reads_data[std::size_t(i)] || !(after || is_post_processing_op(node.op_type()))) continue;
      dropped[std::size_t(i)] = true;
      for (const std::string& out : node.output()) cut.insert(out);
    }
    // Glue before them (reshapes, concats, elementwise ops) whose data only they read.
    std::set<std::string> graph_outputs;
    for (const auto& o : graph.output()) graph_outputs.insert(o.name());
    std::map<std::string, std::vector<int>> readers;
    for (int i = 0; i < n; ++i)
      for (const std::string& in : graph.node(i).input()) readers[in].push_back(i);
    for (int i = n; i-- > 0;) {
      const onnx::NodeProto& node = graph.node(i);
      if (dropped[std::size_t(i)] || !reads_data[std::size_t(i)] || is_network_op(node.op_type())) continue;
      bool feeds_only_dropped = true, feeds_any = false;
      for (const std::string& out : node.output()) {
        if (graph_outputs.count(out)) feeds_only_dropped = false;
        for (const int r : readers[out]) {
          feeds_any = true;
          feeds_only_dropped = feeds_only_dropped && dropped[std::size_t(r)];
        }
      }
      dropped[std::size_t(i)] = feeds_any && feeds_only_dropped;
    }
    std::set<std::string> seen;
    for (int i = 0; i < n; ++i) {
      if (!dropped[std::size_t(i)]) continue;
      for (const std::string& in : graph.node(i).input()) {
        const auto p = producer.find(in);
        const bool kept = p != producer.end() ? !dropped[std::size_t(p->second)] : data.count(in) > 0;
        if (kept && dependent.count(in) && seen.insert(in).second) choice.outputs.push_back(in);
      }
    }
    for (const auto& o : graph.output()) {
      const auto p = producer.find(o.name());
      if ((p == producer.end() || !dropped[std::size_t(p->second)]) && seen.insert(o.name()).second)
        choice.outputs.push_back(o.name());
    }
    std::map<std::string, int> count;
    std::vector<std::string> order;
    for (int i = 0; i < n; ++i)
      if (dropped[std::size_t(i)] && count[graph.node(i).op_type()]++ == 0) order.push_back(graph.node(i).op_type());
    if (!order.empty()) {
      std::string note = "dropped the post-processing after the network:";
      for (std::size_t k = 0; k < order.size(); ++k) {
        note += k ? ", " : " ";
        note += order[k] + " x" + std::to_string(count[order[k]]);
      }
      note += "; outputs are now";
      for (std::size_t k = 0; k < choice.outputs.size(); ++k) note += (k ? ", '" : " '") + choice.outputs[k] + "'";
      note += " (choose others with --outputs)";
      choice.notes.push_back(note);
    }
  }
  // The nodes the outputs need, shape arithmetic included.
  std::set<std::string> needed(choice.outputs.begin(), choice.outputs.end());
  for (int i = n; i-- > 0;) {
    const onnx::NodeProto& node = graph.node(i);
    if (std::none_of(node.output().begin(), node.output().end(), [&](const std::string& o) { return needed.count(o) > 0; })) {
      choice.unused.insert(i);
      continue;
    }
    for (const std::string& in : node.input()) needed.insert(in);
  }
  return choice;
}

}  // namespace pinfuse::onnx_import_detail
