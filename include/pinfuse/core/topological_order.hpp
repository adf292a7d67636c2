#pragma once
// Deterministic topological order of any Graph, with cycle detection.
#include <cstddef>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/core/error.hpp"

namespace pinfuse {

/// Kahn's algorithm, always taking the ready vertex with the smallest index, so the
/// order follows the model file wherever the dependencies allow. Throws
/// input_error naming a layer on a cycle. O(V log V + E).
template <Graph G>
std::vector<std::size_t> topological_order(const G& g) {
  const std::size_t n = num_vertices(g);
  std::vector<std::size_t> indegree(n, 0);
  for (auto [v, vend] = vertices(g); v != vend; ++v)
    for (auto [e, eend] = out_edges(*v, g); e != eend; ++e) ++indegree[get(boost::vertex_index, g, target(*e, g))];

  std::vector<typename boost::graph_traits<G>::vertex_descriptor> by_index(n);
  for (auto [v, vend] = vertices(g); v != vend; ++v) by_index[get(boost::vertex_index, g, *v)] = *v;

  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (auto [e, eend] = out_edges(by_index[i], g); e != eend; ++e) {
      const std::size_t t = get(boost::vertex_index, g, target(*e, g));
      if (--indegree[t] == 0) ready.push(t);
    }
  }
  if (order.size() != n) {
    for (std::size_t i = 0; i < n; ++i)
      if (indegree[i] != 0)
        throw input_error("layer '" + std::string(layer_name(g, by_index[i])) + "'",
                          "the model has a cycle through this layer; a model must be a DAG");
  }
  return order;
}

}  // namespace pinfuse
