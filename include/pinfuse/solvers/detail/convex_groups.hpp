#pragma once
// The groups the order-free search runs (solvers/detail/dag_search.hpp): from a
// downset D of the DAG (every producer of a done layer is done), each set G of
// not-done layers with D + G a downset again. Such a G is convex (no path
// leaves it and comes back), and every plan is a sequence of them.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <vector>

#include "pinfuse/core/monotone_search.hpp"
#include "pinfuse/core/problem.hpp"

namespace pinfuse::detail {

/// A set of compute layers, by position in the Problem's (file) order.
class LayerSet {
 public:
  explicit LayerSet(std::size_t n = 0) : words_((n + 63) / 64, 0) {}
  bool has(int pos) const { return (words_[std::size_t(pos) / 64] >> (std::size_t(pos) % 64)) & 1U; }
  void add(int pos) { words_[std::size_t(pos) / 64] |= std::uint64_t(1) << (std::size_t(pos) % 64); }
  void remove(int pos) { words_[std::size_t(pos) / 64] &= ~(std::uint64_t(1) << (std::size_t(pos) % 64)); }
  /// The number of layers in the set.
  std::size_t count() const {
    std::size_t c = 0;
    for (const std::uint64_t w : words_) c += static_cast<std::size_t>(std::popcount(w));
    return c;
  }
  /// The positions in this set and not in `other` (a set over the same layers), ascending.
  std::vector<int> minus(const LayerSet& other) const {
    std::size_t count = 0;
    for (std::size_t i = 0; i < words_.size(); ++i)
      count += static_cast<std::size_t>(std::popcount(words_[i] & ~other.words_[i]));
    std::vector<int> positions;
    positions.reserve(count);
    for (std::size_t i = 0; i < words_.size(); ++i)
      for (std::uint64_t w = words_[i] & ~other.words_[i]; w != 0; w &= w - 1)
        positions.push_back(static_cast<int>(i * 64 + static_cast<std::size_t>(std::countr_zero(w))));
    return positions;
  }
  /// Adds the layers of `other` (a set over the same layers).
  LayerSet& operator|=(const LayerSet& other) {
    for (std::size_t i = 0; i < words_.size(); ++i) words_[i] |= other.words_[i];
    return *this;
  }
  std::size_t hash() const {
    std::size_t h = 0;
    for (const std::uint64_t w : words_) h = (h ^ std::hash<std::uint64_t>{}(w)) * 0x100000001b3ULL;
    return h;
  }
  friend bool operator==(const LayerSet&, const LayerSet&) = default;

 private:
  std::vector<std::uint64_t> words_;
};
struct LayerSetHash {
  std::size_t operator()(const LayerSet& s) const { return s.hash(); }
};

/// The DAG of the compute layers by position: per position, the positions of
/// the layers it reads (producers) and of those reading it (readers).
struct LayerDag {
  std::vector<std::vector<int>> producers;
  std::vector<std::vector<int>> readers;
};
inline LayerDag layer_dag_of(const Problem& p) {
  LayerDag dag{std::vector<std::vector<int>>(p.size()), std::vector<std::vector<int>>(p.size())};
  for (std::size_t pos = 0; pos < p.size(); ++pos)
    for (const int fm : p.reads[pos])
      if (const int from = p.fms[std::size_t(fm)].producer_position; from >= 0) {
        dag.producers[pos].push_back(from);
        dag.readers[std::size_t(from)].push_back(static_cast<int>(pos));
      }
  return dag;
}

/// Is the file order the only topological order: does every layer read the
/// one before it? Then the downsets are the file order's cuts and the convex
/// groups its runs.
inline bool has_one_order(const LayerDag& dag) {
  for (std::size_t pos = 1; pos < dag.producers.size(); ++pos) {
    const std::vector<int>& from = dag.producers[pos];
    if (std::find(from.begin(), from.end(), static_cast<int>(pos) - 1) == from.end()) return false;
  }
  return true;
}

/// The vertices of the layers at `positions` (any order), in file order, into
/// `layers` (a buffer the caller may reuse).
inline void vertices_in_file_order(const Problem& p, const std::vector<int>& positions, std::vector<std::size_t>& layers) {
  layers.assign(positions.begin(), positions.end());
  std::sort(layers.begin(), layers.end());
  for (std::size_t& pos : layers) pos = p.order[pos];
}

/// The growth stop a walk from `done` needs to ask: the least position t such
/// that `too_large(layers)` (vertices in file order) stops the layers outside
/// `done` up to position t; n (the layer count) if it stops none of them. A
/// growth stop (SpmFloorModel) never decreases as layers are added, so it lets
/// every group from `done` whose positions are all below t run, and the walk
/// asks it only of the others. Galloping, then bisection, over the number of
/// layers taken: O(k log k) layers asked about, k those up to t (or all).
template <class TooLarge>
int first_stopped_position(const Problem& p, const LayerSet& done, const TooLarge& too_large) {
  std::vector<int> rest;  // positions outside `done`, ascending
  for (int pos = 0; pos < static_cast<int>(p.size()); ++pos)
    if (!done.has(pos)) rest.push_back(pos);
  std::vector<std::size_t> layers;
  const auto stops_first = [&](std::size_t count) {  // the first `count` of rest
    layers.clear();
    for (std::size_t i = 0; i < count; ++i) layers.push_back(p.order[std::size_t(rest[i])]);
    return too_large(layers);
  };
  // index i: the first i + 1 of rest (none stops the empty group)
  const std::size_t first = first_holding(rest.size(), [&](std::size_t i) { return stops_first(i + 1); });
  return first == rest.size() ? static_cast<int>(p.size()) : rest[first];
}

/// The growth stop of the walks from one downset (for_each_convex_group):
/// `too_large(layers)` asked only of the groups reaching past
/// first_stopped_position(), the others let run.
template <class TooLarge>
class GrowthStop {
 public:
  GrowthStop(const Problem& p, const LayerSet& done, const TooLarge& too_large)
      : p_(p), too_large_(too_large), stopped_from_(first_stopped_position(p, done, too_large)) {}
  /// Does it stop `group` (positions, ascending, as the walk gives them)?
  bool stops(const std::vector<int>& group) {
    if (group.back() < stopped_from_) return false;
    layers_.clear();
    for (const int pos : group) layers_.push_back(p_.order[std::size_t(pos)]);
    return too_large_(layers_);
  }

 private:
  const Problem& p_;
  const TooLarge& too_large_;
  int stopped_from_;
  std::vector<std::size_t> layers_;
};

/// Calls visit(group, inside) for every nonempty G with `done` + G a downset,
/// once each: `group` holds its positions in the order they were added, which
/// is ascending (each is the smallest ready layer, and every layer still to
/// be added is larger), `inside` the same set. visit() returns whether groups containing G may run:
/// false (e.g. the SPM floor passes the capacity) and the walk grows G no
/// further; nor does it grow a group of `group_limit` layers (0 = any).
/// `stop()` ends the walk early.
///
/// Every G once: the smallest ready layer x is either in G (then its readers
/// may become ready) or not (then it is banned, and none of its descendants
/// can join: they would need it).
template <class Stop, class Visit>
void for_each_convex_group(const LayerDag& dag, const LayerSet& done, std::size_t group_limit, Stop&& stop, Visit&& visit) {
  const int n = static_cast<int>(dag.producers.size());
  LayerSet inside{std::size_t(n)};
  std::vector<int> group;
  std::vector<char> banned(std::size_t(n), 0);
  const auto ready = [&](int pos) {
    if (done.has(pos) || inside.has(pos) || banned[std::size_t(pos)]) return false;
    const std::vector<int>& from = dag.producers[std::size_t(pos)];
    return std::all_of(from.begin(), from.end(), [&](int u) { return done.has(u) || inside.has(u); });
  };
  std::vector<int> frontier;
  for (int pos = 0; pos < n; ++pos)
    if (ready(pos)) frontier.push_back(pos);
  const auto grow = [&](const auto& self, std::vector<int> pending) -> void {
    if ((group_limit && group.size() == group_limit) || stop()) return;
    pending.erase(std::remove_if(pending.begin(), pending.end(), [&](int pos) { return !ready(pos); }), pending.end());
    if (pending.empty()) return;
    const auto smallest = std::min_element(pending.begin(), pending.end());
    const int x = *smallest;
    std::vector<int> rest = pending;
    rest.erase(rest.begin() + (smallest - pending.begin()));
    group.push_back(x);
    inside.add(x);
    if (visit(static_cast<const std::vector<int>&>(group), static_cast<const LayerSet&>(inside))) {
      std::vector<int> grown = rest;
      for (const int r : dag.readers[std::size_t(x)])
        if (std::find(grown.begin(), grown.end(), r) == grown.end()) grown.push_back(r);
      self(self, std::move(grown));
    }
    inside.remove(x);
    group.pop_back();
    banned[std::size_t(x)] = 1;
    self(self, std::move(rest));
    banned[std::size_t(x)] = 0;
  };
  grow(grow, std::move(frontier));
}

/// Whether `dag` has more than `most` downsets (the empty one included), each
/// counted once by the walk of every group from the empty downset (such a group
/// is the downset itself), which stops past `most`: O(most) groups walked.
inline bool more_downsets_than(const LayerDag& dag, std::size_t most) {
  std::size_t downsets = 1;
  for_each_convex_group(dag, LayerSet(dag.producers.size()), 0, [&] { return downsets > most; },
                        [&](const std::vector<int>&, const LayerSet&) { return ++downsets, true; });
  return downsets > most;
}

}  // namespace pinfuse::detail
