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
// IR, give it BGL's nested types (vertex_descriptor, edge_descriptor,
// directed_category, edge_parallel_category, traversal_category: what
// boost::graph_traits reads), num_vertices / vertices / out_edges / target /
// get(boost::vertex_index, g, v), and these three functions, all in your
// graph's namespace (tests/test_concepts.cpp has a 60-line example).
#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>

#include <concepts>
#include <cstdint>
#include <string>

#include "pinfuse/core/layer.hpp"

namespace pinfuse {

namespace detail {
/// boost::graph_traits<G> is well-formed (its primary template is a hard
/// error, not a substitution failure, for types without these).
template <class G>
concept HasGraphTraits = requires {
  typename G::vertex_descriptor;
  typename G::edge_descriptor;
  typename G::directed_category;
  typename G::edge_parallel_category;
  typename G::traversal_category;
};
}  // namespace detail

template <class G>
concept Graph = detail::HasGraphTraits<G> && requires(const G& g, typename boost::graph_traits<G>::vertex_descriptor v,
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
