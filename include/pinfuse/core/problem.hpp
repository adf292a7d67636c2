#pragma once
// Problem: the solver's view of a Graph along one execution order.
//
// Compute layers are numbered by their *position* in the order. Every compute
// layer and every model input produces one feature map (FM); an FM is a model
// output when an output marker reads it or when nothing reads it. Names
// (docs/architecture.md#names): `vertex` is a vertex index, `pos` a position,
// `fm` an index into Problem::fms.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/topological_order.hpp"

namespace pinfuse {

struct FeatureMap {
  std::size_t vertex = 0;              ///< vertex index of the producer (or of the model input)
  std::string name;                    ///< the producer's layer name
  std::uint64_t bytes = 0;
  int producer_position = -1;          ///< position of the producer; -1 for a model input
  std::vector<int> consumer_positions; ///< positions of the compute layers reading it, ascending
  bool model_output = false;           ///< must end up in DRAM
  /// Position of the last layer reading it (of the producer when none does).
  int last_use() const { return consumer_positions.empty() ? producer_position : consumer_positions.back(); }
  bool model_input() const { return producer_position < 0; }
  /// Position from which a pin holds it: its producer's; a model input arrives
  /// in DRAM and is pinned by the group of its first reader, which loads it
  /// (Residence::loaded). -1 for a model input nothing reads.
  int pin_start() const {
    return model_input() ? (consumer_positions.empty() ? -1 : consumer_positions.front()) : producer_position;
  }
  /// Pinning is possible for FMs some layer reads that are no model output (those
  /// must leave to DRAM); it pays off only when a later group reads it too.
  bool pinnable() const { return !model_output && !consumer_positions.empty(); }
  /// Does a layer `in_group(position)` says is in some group read it?
  template <class InGroup>
  bool read_by(const InGroup& in_group) const {
    return std::any_of(consumer_positions.begin(), consumer_positions.end(), in_group);
  }
};

struct Problem {
  std::vector<std::size_t> order;               ///< vertex index of each position
  std::vector<std::string> names;               ///< layer name of each position
  std::vector<FeatureMap> fms;                  ///< the FMs; an index into it is an `fm`
  std::vector<int> produces;                    ///< position -> index into fms
  std::vector<std::vector<int>> reads;          ///< position -> indices into fms, no repeats
  std::vector<int> fm_of_vertex;                ///< vertex index -> index into fms, or -1

  std::size_t size() const { return order.size(); }
};

/// For each of `fms` (anything naming an FM by its producer's vertex in `vertex`, as
/// BoundaryFm does): 1 if a layer at a position in [begin, end) reads it, else 0
/// (also for a vertex that produces no FM here).
template <class Named>
std::vector<std::uint8_t> read_in_positions(const Problem& p, const std::vector<Named>& fms, std::size_t begin,
                                            std::size_t end) {
  std::vector<std::uint8_t> read;
  for (const Named& n : fms) {
    const int fm = n.vertex < p.fm_of_vertex.size() ? p.fm_of_vertex[n.vertex] : -1;
    read.push_back(fm >= 0 && p.fms[std::size_t(fm)].read_by([&](int pos) {
      return pos >= 0 && std::size_t(pos) >= begin && std::size_t(pos) < end;
    }) ? 1 : 0);
  }
  return read;
}

/// Builds the Problem for `g` along `order` (vertex indices of all vertices, or of the
/// compute layers only; empty = pinfuse::topological_order(g)). Throws input_error if
/// the order is not a topological order of the compute layers.
template <Graph G>
Problem make_problem(const G& g, std::span<const std::size_t> order = {}) {
  using Vertex = typename boost::graph_traits<G>::vertex_descriptor;
  const std::size_t n = num_vertices(g);
  std::vector<Vertex> vertex(n);
  for (auto [v, vend] = vertices(g); v != vend; ++v) vertex[get(boost::vertex_index, g, *v)] = *v;

  std::vector<std::size_t> full_order;
  if (order.empty()) {
    full_order = topological_order(g);
    order = full_order;
  }
  Problem p;
  p.fm_of_vertex.assign(n, -1);
  std::vector<int> position(n, -1);
  for (const std::size_t i : order) {
    if (i >= n) throw input_error("order", "vertex index " + std::to_string(i) + " is out of range");
    if (layer_role(g, vertex[i]) != LayerRole::compute) continue;
    if (position[i] >= 0) throw input_error("order", "layer '" + std::string(layer_name(g, vertex[i])) + "' appears twice");
    position[i] = static_cast<int>(p.order.size());
    p.order.push_back(i);
    p.names.emplace_back(layer_name(g, vertex[i]));
  }
  // Every non-marker vertex produces an FM; inputs at position -1.
  for (std::size_t i = 0; i < n; ++i) {
    const LayerRole role = layer_role(g, vertex[i]);
    if (role == LayerRole::output) continue;
    if (role == LayerRole::compute && position[i] < 0)
      throw input_error("order", "layer '" + std::string(layer_name(g, vertex[i])) + "' is missing from the order");
    p.fm_of_vertex[i] = static_cast<int>(p.fms.size());
    p.fms.push_back({i, std::string(layer_name(g, vertex[i])), fm_bytes(g, vertex[i]), role == LayerRole::input ? -1 : position[i], {}, false});
  }
  p.produces.resize(p.order.size());
  p.reads.resize(p.order.size());
  for (std::size_t pos = 0; pos < p.order.size(); ++pos) p.produces[pos] = p.fm_of_vertex[p.order[pos]];
  for (std::size_t u = 0; u < n; ++u) {
    const int fm = p.fm_of_vertex[u];
    if (fm < 0) continue;
    for (auto [e, eend] = out_edges(vertex[u], g); e != eend; ++e) {
      const std::size_t t = get(boost::vertex_index, g, target(*e, g));
      if (layer_role(g, vertex[t]) == LayerRole::output) {
        p.fms[fm].model_output = true;
        continue;
      }
      if (layer_role(g, vertex[t]) == LayerRole::input)
        throw input_error("layer '" + std::string(layer_name(g, vertex[t])) + "'", "an input layer cannot read a feature map");
      const int c = position[t];
      if (p.fms[fm].producer_position >= c)
        throw input_error("order", "layer '" + std::string(layer_name(g, vertex[t])) + "' runs before its input '" +
                                       std::string(layer_name(g, vertex[u])) + "'");
      auto& cons = p.fms[fm].consumer_positions;
      if (std::find(cons.begin(), cons.end(), c) == cons.end()) cons.push_back(c);
      auto& r = p.reads[c];
      if (std::find(r.begin(), r.end(), fm) == r.end()) r.push_back(fm);
    }
  }
  for (FeatureMap& f : p.fms) {
    std::sort(f.consumer_positions.begin(), f.consumer_positions.end());
    if (f.consumer_positions.empty() && f.producer_position >= 0) f.model_output = true;
  }
  for (auto& r : p.reads) std::sort(r.begin(), r.end());
  return p;
}

}  // namespace pinfuse
