#pragma once
// pinfuse::Network: the bundled model of the Graph concept, a Boost.Graph
// adjacency_list whose vertices are layers and whose edges carry the input slot.
#include <boost/graph/adjacency_list.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/core/layer.hpp"

namespace pinfuse {

using Network = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Layer, InputSlot, ModelInfo>;
/// Layers are named by their vertex index everywhere in pinfuse.
using LayerId = std::size_t;

/// Adds `layer` fed by `inputs` (in slot order) and returns its id.
inline LayerId add_layer(Network& g, Layer layer, std::span<const LayerId> inputs = {}) {
  const LayerId v = boost::add_vertex(std::move(layer), g);
  for (std::size_t slot = 0; slot < inputs.size(); ++slot)
    boost::add_edge(inputs[slot], v, InputSlot{static_cast<int>(slot)}, g);
  return v;
}
inline LayerId add_layer(Network& g, Layer layer, std::initializer_list<LayerId> inputs) {
  return add_layer(g, std::move(layer), std::span<const LayerId>(inputs.begin(), inputs.size()));
}

/// The producers feeding `v`, in input-slot order.
inline std::vector<LayerId> inputs_of(const Network& g, LayerId v) {
  std::vector<std::pair<int, LayerId>> slots;
  for (auto [e, end] = boost::in_edges(v, g); e != end; ++e) slots.emplace_back(g[*e].slot, boost::source(*e, g));
  std::sort(slots.begin(), slots.end());
  std::vector<LayerId> producers;
  producers.reserve(slots.size());
  for (const auto& s : slots) producers.push_back(s.second);
  return producers;
}

inline const ModelInfo& model_info(const Network& g) { return g[boost::graph_bundle]; }

// ---- The Graph concept's property access for Network (found by ADL). ----

/// Bytes of the feature map that layer `v` produces.
inline std::uint64_t fm_bytes(const Network& g, LayerId v) {
  return g[v].output.elements() * std::uint64_t(model_info(g).dtype_bytes);
}
inline LayerRole layer_role(const Network& g, LayerId v) { return role_of(g[v].kind); }
inline const std::string& layer_name(const Network& g, LayerId v) { return g[v].name; }

static_assert(Graph<Network>);

}  // namespace pinfuse
