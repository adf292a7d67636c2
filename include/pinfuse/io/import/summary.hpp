#pragma once
// Model import: what an import built and what it left out, as data (ImportOptions::summary),
// and its one-screen text and JSON (`pinfuse import`).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pinfuse/model/network.hpp"
#include "pinfuse/model/statistics.hpp"

namespace pinfuse {

struct ImportSummary {
  std::string format;  ///< "ONNX" or "TFLite"
  std::size_t nodes = 0;  ///< operators in the file's graph (ONNX nodes, TFLite operators)
  /// The imported network, filled by count_network().
  std::map<std::string, std::size_t> layers_by_kind;  ///< kind name (to_string(LayerKind)) -> layers
  std::size_t compute_layers = 0;
  std::uint64_t macs = 0;
  std::uint64_t params = 0;
  /// Operators that became no layer of their own, by op type: folded into a layer's weights or
  /// padding (BatchNormalization, Pad, constant Add/Mul), an activation folded into the layer
  /// before it, reshapes and layout transposes, QUANTIZE/DEQUANTIZE.
  std::map<std::string, std::size_t> folded;
  /// Multi-operator patterns imported as one layer, by what they became ("hswish", "gelu",
  /// "channel shuffle"): the count of patterns.
  std::map<std::string, std::size_t> fused;
  /// Post-processing dropped after the network (ArgMax, TopK, NonMaxSuppression), by op type.
  std::map<std::string, std::size_t> dropped;
};

/// Fills the network part of `s` (layers by kind, compute layers, MACs, parameters) from `g`.
inline void count_network(ImportSummary& s, const Network& g) {
  s.layers_by_kind.clear();
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) ++s.layers_by_kind[std::string(to_string(g[v].kind))];
  const ModelTotals t = totals(g);
  s.compute_layers = t.compute_layers;
  s.macs = t.macs;
  s.params = t.params;
}

namespace detail {

/// "12 BatchNormalization, 3 Pad" (most first, then by name).
inline std::string counted_list(const std::map<std::string, std::size_t>& counts) {
  std::vector<std::pair<std::size_t, std::string>> order;
  for (const auto& [name, n] : counts) order.emplace_back(n, name);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [n, name] : order) text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  return text;
}

}  // namespace detail

/// The summary as a few lines of text (at most about 80 columns each, but for long lists).
inline std::string summary_text(const ImportSummary& s) {
  char head[160];
  std::snprintf(head, sizeof head, "%s, %zu operators: %zu layers (%zu compute), %.1f M MACs, %.2f M params\n",
                s.format.c_str(), s.nodes, [&] {
                  std::size_t n = 0;
                  for (const auto& [kind, count] : s.layers_by_kind) n += count;
                  return n;
                }(),
                s.compute_layers, double(s.macs) / 1e6, double(s.params) / 1e6);
  std::string text = head;
  text += "  layers: " + detail::counted_list(s.layers_by_kind) + "\n";
  text += "  folded: " + (s.folded.empty() ? std::string("nothing") : detail::counted_list(s.folded)) + "\n";
  text += "  fused:  " + (s.fused.empty() ? std::string("nothing") : detail::counted_list(s.fused) + " patterns") + "\n";
  text += "  dropped post-processing: " + (s.dropped.empty() ? std::string("nothing") : detail::counted_list(s.dropped)) + "\n";
  return text;
}

inline nlohmann::json summary_json(const ImportSummary& s) {
  return {{"format", s.format},   {"operators", s.nodes}, {"layers_by_kind", s.layers_by_kind},
          {"compute_layers", s.compute_layers}, {"macs", s.macs}, {"params", s.params},
          {"folded", s.folded},   {"fused", s.fused},     {"dropped", s.dropped}};
}

}  // namespace pinfuse
