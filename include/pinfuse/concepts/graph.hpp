#pragma once
// The Graph concept: what the solvers need to know about a model.
//
// A Graph is a BGL graph (VertexListGraph + IncidenceGraph with a vertex_index
// property map, as boost::adjacency_list<vecS, vecS, ...> provides) whose
// vertices are layers and whose edge u -> v means "v reads the feature map u
// produces". Three free functions, found by argument-dependent lookup like
// BGL's own num_vertices()/out_edges(), give the layer properties:
//
//   std::uint64_t fm_bytes(const G&, vertex)   bytes of the FM the vertex produces
//   pinfuse::LayerRole layer_role(const G&, vertex)  input, compute or output marker
//   std::string layer_name(const G&, vertex)   for messages and plans
//
// pinfuse::Network (model/network.hpp) is the bundled model; to plug in your own
// IR, provide these three functions in your graph's namespace.
#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>

#include <concepts>
#include <cstdint>
#include <string>

#include "pinfuse/core/layer.hpp"

namespace pinfuse {

template <class G>
concept Graph = requires(const G& g, typename boost::graph_traits<G>::vertex_descriptor v,
                         typename boost::graph_traits<G>::edge_descriptor e) {
  { num_vertices(g) } -> std::convertible_to<std::size_t>;
  vertices(g);
  out_edges(v, g);
  { target(e, g) } -> std::convertible_to<typename boost::graph_traits<G>::vertex_descriptor>;
  { get(boost::vertex_index, g, v) } -> std::convertible_to<std::size_t>;
  { fm_bytes(g, v) } -> std::convertible_to<std::uint64_t>;
  { layer_role(g, v) } -> std::same_as<LayerRole>;
  { layer_name(g, v) } -> std::convertible_to<std::string>;
};

}  // namespace pinfuse
