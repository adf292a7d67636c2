#pragma once
// Execution order search for DAGs. On a DAG the order decides which feature
// maps are alive together, and so what can be pinned and fused. The joint
// solver is exact for one order; solve_joint with SolveOptions::search_order
// solves on each candidate order and keeps the best plan (latency objective:
// least latency, ties by off-chip bytes). No single rule wins everywhere, so
// the search is a portfolio of cheap orders judged by the joint DP itself.
//
// Candidate orders (all topological, distinct, the file order first):
//  * file order: Kahn's algorithm, smallest vertex index first (the default);
//  * breadth first: level by level. Every reader of a fork is adjacent, so
//    sibling branches share a group and read the forked FM once; many FMs are
//    alive at once, which pays off when the SPM is too small to pin much;
//  * depth first: the ready layer readied most recently first, which finishes
//    a branch before opening the next (few FMs alive across branches);
//  * memory greedy: the ready layer after which the fewest FM bytes are alive;
//  * smallest output first / largest output first: among ready layers, by the
//    bytes of the FM each produces. Smallest first leaves the branch with the
//    largest FM for last, so that FM lives shortest (its join runs next);
//    largest first starts the heavy branch right at the fork, where it can
//    fuse with the fork's producer;
//  * windowed least peak: the file order is cut where a single FM is alive
//    (between Inception modules, fire modules, residual blocks); within every
//    window of at most `exact_limit` layers the order with the least peak of
//    alive FM bytes is found exactly, by DP over the sets of executed layers
//    (O(2^w * w^2) for a window of w layers); larger windows (U-Net's long
//    skips) keep the file order. On a graph of at most `exact_limit` layers
//    this is the exact least-peak order of the whole graph.
// Cost: the heuristics are O(V^2) at most, the windows O(V * 2^16 * 16^2) at
// worst; the joint solve per order dominates (7 solves at most), and the
// breadth-first one is the slowest, as it keeps the most pin candidates per
// cut (SolveOptions::max_pins_per_cut and max_group_layers bound it).
// benchmarks/order_report.cpp (`reports order`) compares the search with the breadth-first and
// file orders alone.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/core/topological_order.hpp"

namespace pinfuse {

namespace detail {

/// The DAG as index lists, with FM bytes: what the order heuristics need.
struct OrderGraph {
  std::vector<std::vector<std::size_t>> succ, pred;
  std::vector<std::uint64_t> bytes;  ///< FM bytes each vertex produces (0 for output markers)
};

template <Graph G>
OrderGraph order_graph(const G& g) {
  OrderGraph o;
  const std::size_t n = num_vertices(g);
  o.succ.resize(n);
  o.pred.resize(n);
  o.bytes.resize(n);
  for (auto [v, vend] = vertices(g); v != vend; ++v) {
    const std::size_t i = get(boost::vertex_index, g, *v);
    o.bytes[i] = layer_role(g, *v) == LayerRole::output ? 0 : std::uint64_t(fm_bytes(g, *v));
    for (auto [e, eend] = out_edges(*v, g); e != eend; ++e) {
      const std::size_t t = get(boost::vertex_index, g, target(*e, g));
      o.succ[i].push_back(t);
      o.pred[t].push_back(i);
    }
  }
  return o;
}

/// Kahn's algorithm with a choice function over the ready set.
template <class Choose>
std::vector<std::size_t> kahn(const OrderGraph& o, Choose&& choose) {
  const std::size_t n = o.succ.size();
  std::vector<std::size_t> missing(n), ready, order;
  for (std::size_t i = 0; i < n; ++i)
    if ((missing[i] = o.pred[i].size()) == 0) ready.push_back(i);
  std::vector<char> done(n, 0);
  while (!ready.empty()) {
    const std::size_t k = choose(ready, done);
    const std::size_t v = ready[k];
    ready.erase(ready.begin() + std::ptrdiff_t(k));
    order.push_back(v);
    done[v] = 1;
    for (const std::size_t s : o.succ[v])
      if (--missing[s] == 0) ready.push_back(s);
  }
  return order;
}

/// FM bytes alive once the layers in `done` have run: produced, with a reader still to run.
inline std::uint64_t alive_bytes(const OrderGraph& o, const std::vector<char>& done) {
  std::uint64_t sum = 0;
  for (std::size_t v = 0; v < o.succ.size(); ++v)
    if (done[v] && std::any_of(o.succ[v].begin(), o.succ[v].end(), [&](std::size_t s) { return !done[s]; })) sum += o.bytes[v];
  return sum;
}

/// Least peak of alive FM bytes over all orders, by DP over executed sets.
inline std::vector<std::size_t> exact_min_peak_order(const OrderGraph& o) {
  const std::size_t n = o.succ.size();
  const std::uint32_t full = (std::uint32_t(1) << n) - 1;
  std::vector<std::uint64_t> peak(std::size_t(full) + 1, std::numeric_limits<std::uint64_t>::max());
  std::vector<std::uint8_t> last(std::size_t(full) + 1, 0);
  std::vector<std::uint32_t> pred_mask(n, 0);
  for (std::size_t v = 0; v < n; ++v)
    for (const std::size_t p : o.pred[v]) pred_mask[v] |= std::uint32_t(1) << p;
  peak[0] = 0;
  std::vector<char> done(n);
  for (std::uint32_t set = 0; set < full; ++set) {
    if (peak[set] == std::numeric_limits<std::uint64_t>::max()) continue;
    for (std::size_t v = 0; v < n; ++v) {
      const std::uint32_t bit = std::uint32_t(1) << v;
      if ((set & bit) || (pred_mask[v] & ~set)) continue;
      const std::uint32_t next = set | bit;
      for (std::size_t u = 0; u < n; ++u) done[u] = (next >> u) & 1U;
      // While v runs its inputs and its output are alive together.
      const std::uint64_t during = alive_bytes(o, done) + [&] {
        std::uint64_t in = 0;
        for (const std::size_t p : o.pred[v])
          if (std::all_of(o.succ[p].begin(), o.succ[p].end(), [&](std::size_t s) { return done[s]; })) in += o.bytes[p];
        return in;
      }();
      const std::uint64_t value = std::max(peak[set], during);
      if (value < peak[next]) {
        peak[next] = value;
        last[next] = std::uint8_t(v);
      }
    }
  }
  std::vector<std::size_t> order;
  for (std::uint32_t set = full; set != 0; set &= ~(std::uint32_t(1) << last[set])) order.push_back(last[set]);
  std::reverse(order.begin(), order.end());
  return order;
}

/// The subgraph of `o` on `vs` (edges to other vertices dropped), vertex k being vs[k].
inline OrderGraph induced(const OrderGraph& o, const std::vector<std::size_t>& vs) {
  std::vector<std::size_t> local(o.succ.size(), vs.size());
  for (std::size_t k = 0; k < vs.size(); ++k) local[vs[k]] = k;
  OrderGraph sub;
  sub.succ.resize(vs.size());
  sub.pred.resize(vs.size());
  for (std::size_t k = 0; k < vs.size(); ++k) {
    sub.bytes.push_back(o.bytes[vs[k]]);
    for (const std::size_t t : o.succ[vs[k]])
      if (local[t] < vs.size()) {
        sub.succ[k].push_back(local[t]);
        sub.pred[local[t]].push_back(k);
      }
  }
  return sub;
}

/// `order` with each window between single-FM cuts of at most `limit` layers
/// reordered to its least peak of alive FM bytes (the window's entry FM counted).
inline std::vector<std::size_t> windowed_min_peak_order(const OrderGraph& o, const std::vector<std::size_t>& order,
                                                        std::size_t limit) {
  std::vector<std::size_t> readers_left(o.succ.size()), result, window;
  for (std::size_t v = 0; v < o.succ.size(); ++v) readers_left[v] = o.succ[v].size();
  std::vector<std::size_t> alive;  // vertices whose FM still has a reader to run
  std::optional<std::size_t> entry;  // the one FM alive where the window starts
  for (const std::size_t v : order) {
    window.push_back(v);
    for (const std::size_t p : o.pred[v])
      if (--readers_left[p] == 0) alive.erase(std::find(alive.begin(), alive.end(), p));
    if (readers_left[v] > 0) alive.push_back(v);
    if (alive.size() > 1 && v != order.back()) continue;
    if (window.size() > 1 && window.size() <= limit) {  // a cut: order the window
      std::vector<std::size_t> vs = window;
      if (entry) vs.insert(vs.begin(), *entry);
      for (const std::size_t k : exact_min_peak_order(induced(o, vs)))
        if (!entry || k != 0) result.push_back(vs[k]);
    } else {
      result.insert(result.end(), window.begin(), window.end());
    }
    window.clear();
    entry = alive.empty() ? std::nullopt : std::optional<std::size_t>(alive.front());
  }
  return result;
}

}  // namespace detail

/// Kahn's algorithm with a FIFO ready queue: level by level.
template <Graph G>
std::vector<std::size_t> breadth_first_order(const G& g) {
  return detail::kahn(detail::order_graph(g), [](const std::vector<std::size_t>&, const std::vector<char>&) { return 0; });
}

/// Distinct candidate orders (vertex indices of all vertices), the file order first;
/// see the header comment.
template <Graph G>
std::vector<std::vector<std::size_t>> candidate_orders(const G& g, std::size_t exact_limit = 16) {
  const detail::OrderGraph o = detail::order_graph(g);
  const auto by_output = [&](bool smallest) {
    return detail::kahn(o, [&o, smallest](const std::vector<std::size_t>& ready, const std::vector<char>&) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < ready.size(); ++k) {
        const std::uint64_t a = o.bytes[ready[k]], b = o.bytes[ready[best]];
        if ((smallest ? a < b : a > b) || (a == b && ready[k] < ready[best])) best = k;
      }
      return best;
    });
  };
  std::vector<std::vector<std::size_t>> orders{topological_order(g), breadth_first_order(g)};
  orders.push_back(detail::kahn(o, [](const std::vector<std::size_t>& ready, const std::vector<char>&) {
    return ready.size() - 1;  // the most recently readied
  }));
  orders.push_back(detail::kahn(o, [&](const std::vector<std::size_t>& ready, const std::vector<char>& done) {
    std::size_t best = 0;
    std::uint64_t best_bytes = std::numeric_limits<std::uint64_t>::max();
    std::vector<char> trial = done;
    for (std::size_t k = 0; k < ready.size(); ++k) {
      trial[ready[k]] = 1;
      const std::uint64_t bytes = detail::alive_bytes(o, trial);
      trial[ready[k]] = 0;
      if (bytes < best_bytes || (bytes == best_bytes && ready[k] < ready[best])) best = k, best_bytes = bytes;
    }
    return best;
  }));
  orders.push_back(by_output(true));
  orders.push_back(by_output(false));
  orders.push_back(detail::windowed_min_peak_order(o, orders.front(), exact_limit));
  std::vector<std::vector<std::size_t>> distinct;
  for (auto& order : orders)
    if (std::find(distinct.begin(), distinct.end(), order) == distinct.end()) distinct.push_back(std::move(order));
  return distinct;
}

}  // namespace pinfuse
