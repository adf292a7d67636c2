#pragma once
// Model import: where the network ends. Either the outputs the user names
// (ImportOptions::outputs, `pinfuse import --outputs`), or the graph's outputs
// without the post-processing that follows the CNN (ArgMax, TopK, NonMaxSuppression,
// masks, a detection head's box decoding, a sequence head such as a text recognizer's
// transformer and CTC classifier, a detector's raw predictions reshaped for its decoder,
// ...), which pinfuse does not model. Nodes
// that no chosen output needs are not imported. The rules are the format's op lists
// (OutputRules); the graph is the format's nodes in order (GraphNode).
#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/import/text.hpp"

namespace pinfuse::import_detail {

/// A node as the output choice sees it: its op type and the names of the values it reads and writes.
struct GraphNode {
  std::string op;
  std::vector<std::string> inputs, outputs;
  std::string label;     ///< how messages name the node
  std::string sequence;  ///< how it turns a map into a sequence (sequence_start), where a sequence head starts
  std::string layout;    ///< how it turns a map into a tensor pinfuse does not map (layout_start): a layout tail may start
  bool makes_maps = true;  ///< some value it makes is a map, or of dims not known (makes_maps())
};

/// A reshape (or squeeze) that drops a size-1 axis of a batch-1 4-D map `in`, giving a 3-D
/// tensor `out`, starts a sequence head (PP-OCR's recognizers: [1, C, 1, W] -> [1, C, W], then
/// a transformer and a CTC classifier), which pinfuse does not model: how, for the note; empty
/// for other reshapes, and when `in` is no map but comes from a reshape by ops other than
/// network ops (an SSD's box predictions, [1, H, W, 4A] -> [1, H*W*A, 1, 4], concatenated and
/// then squeezed to [1, N, 4]).
inline std::string sequence_start(const Dims& in, const Dims& out, bool in_is_reshaped) {
  if (in_is_reshaped || in.size() != 4 || in[0] != 1 || out.size() != 3) return {};
  for (std::size_t axis = 1; axis < 4; ++axis) {
    Dims dropped = in;
    dropped.erase(dropped.begin() + std::ptrdiff_t(axis));
    if (in[axis] == 1 && dropped == out) return cat("turns the map ", dims_text(in), " into the sequence ", dims_text(out));
  }
  return {};
}

/// A reshape of a batch-1 4-D tensor `in` into `out`, a tensor of another rank that is no
/// vector (pinfuse maps neither), may start a layout tail: a detection head's predictions
/// rearranged for the decoder (torchvision's SSD and YOLOv5: [1, A * K, H, W] -> [1, A, K, H, W],
/// then Transpose, Reshape to [1, H * W * A, K], Concat; or a Squeeze of such predictions that
/// an earlier reshape made [1, N, 1, K]): from a value some node makes, followed only by the ops
/// a layout tail holds (OutputRules::tail) and no map made again (a channel or pixel shuffle at
/// the end of a network reshapes back into a map). `in_is_reshaped`: `in` comes from a reshape,
/// so it is no map. How, for the note; empty for other reshapes.
inline std::string layout_start(const Dims& in, const Dims& out, bool in_is_reshaped) {
  if (in.size() != 4 || in[0] != 1 || out.size() == 4 || is_vector(out)) return {};
  return cat("turns ", in_is_reshaped ? "" : "the map ", dims_text(in), " into ", dims_text(out));
}

/// Sets how reshape `n` (a Reshape or Squeeze of `in` into `out`) starts a head, if it does:
/// a sequence head, else a layout tail. `in_is_reshaped`: `in` comes from a reshape.
inline void classify_reshape(GraphNode& n, const Dims& in, const Dims& out, bool in_is_reshaped) {
  n.sequence = sequence_start(in, out, in_is_reshaped);
  if (n.sequence.empty()) n.layout = layout_start(in, out, in_is_reshaped);
}

/// Whether `d`, a value's dims (-1: unknown), is a tensor pinfuse does not map: of rank 3 or
/// more but not 4 (whatever its extents), or of rank 2 with known extents and a first one
/// other than 1. (Rank 1 is a vector; no dims: a scalar, or not known.)
inline bool no_map(const Dims& d) {
  if (d.empty() || d.size() == 4) return false;
  return d.size() > 2 || (std::none_of(d.begin(), d.end(), [](std::int64_t x) { return x < 1; }) && !is_vector(d));
}

/// Whether some of a node's `outputs` is a map, or of dims not known (`dims_of(output)`:
/// std::optional<Dims>, nullopt if not known): GraphNode::makes_maps.
template <class Outputs, class DimsOf>
bool makes_maps(const Outputs& outputs, DimsOf dims_of) {
  return std::any_of(outputs.begin(), outputs.end(), [&](const auto& out) {
    const std::optional<Dims> d = dims_of(out);
    return !d || !no_map(*d);
  });
}

/// A format's op lists.
struct OutputRules {
  std::function<bool(std::string_view)> post_processing;  ///< ops that start post-processing
  std::function<bool(std::string_view)> network;          ///< ops with weights or windows: never glue
  std::function<bool(std::string_view)> shape_only;       ///< ops that read only a shape (Shape, Size)
  std::function<bool(std::string_view)> tail;             ///< ops a layout tail may hold: layout and elementwise ops
};

struct OutputChoice {
  std::vector<std::string> outputs;  ///< the values that become output layers, in order
  std::set<int> unused;              ///< nodes no output needs
  std::vector<std::string> notes;    ///< what was cut off
  std::map<std::string, std::size_t> dropped;  ///< the post-processing cut off, by op type
};

/// Chooses the outputs: `requested` if not empty, else `graph_outputs`, cut before
/// post-processing. `data` holds the graph inputs that carry data (not weights).
inline OutputChoice choose_outputs(const std::vector<GraphNode>& nodes, const std::vector<std::string>& graph_outputs,
                                   const std::vector<std::string>& requested, const std::set<std::string>& data,
                                   const OutputRules& rules) {
  const int n = int(nodes.size());
  const auto node = [&](int i) -> const GraphNode& { return nodes[std::size_t(i)]; };
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string& out : node(i).outputs) producer[out] = i;
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
      if (rules.shape_only(node(i).op)) continue;
      reads_data[std::size_t(i)] = std::any_of(node(i).inputs.begin(), node(i).inputs.end(),
                                               [&](const std::string& in) { return dependent.count(in) > 0; });
      if (!reads_data[std::size_t(i)]) continue;
      for (const std::string& out : node(i).outputs) dependent.insert(out);
    }
    std::map<std::string, std::vector<int>> readers;
    for (int i = 0; i < n; ++i)
      for (const std::string& in : node(i).inputs) readers[in].push_back(i);
    // Whether what a node makes, or what is made from it, is read by an op no layout tail holds
    // (OutputRules::tail: none of the network or of post-processing, so a reshape before
    // post-processing is its glue), or is a map: then no layout tail starts at the node. A Shape
    // reads no data. Readers come after the nodes they read (ONNX's nodes are sorted, TFLite's
    // are in execution order), so the pass backwards knows each reader's answer.
    std::vector<bool> blocks_tail(std::size_t(n), false);
    for (int i = n; i-- > 0;)
      for (const std::string& out : node(i).outputs)
        for (const int r : readers[out])
          if (!rules.shape_only(node(r).op) &&
              (!rules.tail(node(r).op) || node(r).makes_maps || blocks_tail[std::size_t(r)]))
            blocks_tail[std::size_t(i)] = true;
    // The post-processing ops on data, sequence heads and layout tails, and everything after them.
    std::set<std::string> cut;
    std::vector<bool> head(std::size_t(n), false);  // a sequence head or a layout tail starts at it
    std::vector<std::string> heads;                 // where sequence heads start, and the layout tails
    std::string first_layout;
    std::size_t layouts = 0;
    for (int i = 0; i < n; ++i) {
      const bool after = std::any_of(node(i).inputs.begin(), node(i).inputs.end(),
                                     [&](const std::string& in) { return cut.count(in) > 0; });
      const bool layout = !node(i).layout.empty() && !blocks_tail[std::size_t(i)] && !node(i).inputs.empty() &&
                          producer.count(node(i).inputs.front()) > 0;
      head[std::size_t(i)] = !node(i).sequence.empty() || (layout && !after);
      if (!reads_data[std::size_t(i)] ||
          !(after || rules.post_processing(node(i).op) || !node(i).sequence.empty() || layout))
        continue;
      if (!after && !node(i).sequence.empty())
        heads.push_back(cat("a sequence head from ", node(i).label, ", which ", node(i).sequence));
      if (!after && layout && layouts++ == 0) first_layout = cat(node(i).label, ", which ", node(i).layout);
      dropped[std::size_t(i)] = true;
      for (const std::string& out : node(i).outputs) cut.insert(out);
    }
    if (layouts > 0)
      heads.push_back(layouts == 1
                          ? cat("predictions reshaped for a decoder by ", first_layout)
                          : cat(std::int64_t(layouts), " reshapes of predictions for a decoder, the first ", first_layout));
    // Glue before them (reshapes, concats, elementwise ops) whose data only they read; a
    // sequence head or a layout tail starts at its reshape (what comes before it, an activation, stays).
    const std::set<std::string> graph_output_set(graph_outputs.begin(), graph_outputs.end());
    for (int i = n; i-- > 0;) {
      if (dropped[std::size_t(i)] || !reads_data[std::size_t(i)] || rules.network(node(i).op)) continue;
      bool feeds_only_dropped = true, feeds_any = false;
      for (const std::string& out : node(i).outputs) {
        if (graph_output_set.count(out)) feeds_only_dropped = false;
        for (const int r : readers[out]) {
          feeds_any = true;
          feeds_only_dropped = feeds_only_dropped && dropped[std::size_t(r)] && !head[std::size_t(r)];
        }
      }
      dropped[std::size_t(i)] = feeds_any && feeds_only_dropped;
    }
    std::set<std::string> seen;
    for (int i = 0; i < n; ++i) {
      if (!dropped[std::size_t(i)]) continue;
      for (const std::string& in : node(i).inputs) {
        const auto p = producer.find(in);
        const bool kept = p != producer.end() ? !dropped[std::size_t(p->second)] : data.count(in) > 0;
        if (kept && dependent.count(in) && seen.insert(in).second) choice.outputs.push_back(in);
      }
    }
    for (const std::string& o : graph_outputs) {
      const auto p = producer.find(o);
      if ((p == producer.end() || !dropped[std::size_t(p->second)]) && seen.insert(o).second) choice.outputs.push_back(o);
    }
    std::map<std::string, int> count;
    std::vector<std::string> order;
    for (int i = 0; i < n; ++i)
      if (dropped[std::size_t(i)] && count[node(i).op]++ == 0) order.push_back(node(i).op);
    for (const auto& [op, k] : count) choice.dropped[op] = std::size_t(k);
    if (!order.empty()) {
      std::string note = "dropped the post-processing after the network";
      for (std::size_t k = 0; k < heads.size(); ++k) note += cat(k ? "; " : " (", heads[k]);
      note += heads.empty() ? ":" : "):";
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
    if (std::none_of(node(i).outputs.begin(), node(i).outputs.end(), [&](const std::string& o) { return needed.count(o) > 0; })) {
      choice.unused.insert(i);
      continue;
    }
    for (const std::string& in : node(i).inputs) needed.insert(in);
  }
  return choice;
}

}  // namespace pinfuse::import_detail
