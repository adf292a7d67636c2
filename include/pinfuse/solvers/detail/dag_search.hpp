#pragma once
// Order-free search: groups, pins and the execution order chosen together.
//
// A plan runs the DAG as a sequence of groups. After each group the layers run
// so far form a *downset* D (every producer of a done layer is done). The state
// is (D, S): S the pin candidates alive across D's frontier (produced in D, or
// model inputs read in D, and read outside it) that are pinned. A transition
// runs a group G = D' \ D for a larger downset D' (so G is convex: no path
// leaves it and comes back) with its layers
// in file order, pins any subset T of its fresh candidates that outlive it (its
// outputs, and the model inputs it reads first: it loads them), and
// costs what the cost model says of G with inputs pinned iff in S and
// available = capacity - aligned bytes of (S + T): exactly the pins alive while
// G runs, those that pass over it included. So
//
//   best(D', S') = min over (D, S, G, T) of best(D, S) + cost(G | S, T)
//
// and the optimum is over every topological order, every split of it into
// groups and every set of pin candidates with at most
// SolveOptions::max_pins_per_cut pinned FMs alive at once (and groups of at
// most max_group_layers, when set). The pin candidates are the fixed-order
// DP's on the file order (pin_candidates(): where more than max_pins_per_cut
// FMs are alive across one of its cuts, those that save the least traffic per
// byte are none), so the space holds the fixed-order DP's and every plan it
// makes in another order. On a chain the downsets are the cuts and this is
// segment_dp.hpp's DP.
//
// Alike pins (alike_pins.hpp): a state's key pins, of each class of alike FMs
// alive across D's frontier, the first ones, as many as its pin set does
// (alike_pins()), so one state stands for all such pin sets and keeps the
// least g; the plan pins what its transitions pinned (DagState::started).
// DenseNet-121 at 512 KiB: 1,541 states expanded instead of 26,613.
//
// The search is best first (A*) with partial expansion. A transition's reach
// is g + floor(group) + h(after it): a floor on every plan that takes it.
// The queue holds downsets with work left, by the least f of that work (a
// reached state's g + h, or the least reach of an edge not yet taken from
// one of its states; each downset keeps its states' work in a heap, so a
// pop looks only at the states due). The search takes the least, and takes
// from each state of that downset due by then the edges of reach up to the
// next entry's f that it has not taken with its current score (its level),
// all states together, so the cost model is asked about each group once, in
// one batch (answers are cached across downsets: same layers, residences
// and passing pins; batches go in rounds of 16, on SolveOptions::threads). So a
// group is costed only once the search gets to its reach, as in A* over the
// transitions: of the edges whose reach lies between the optimum and the
// incumbent, few are costed. A state reached again with a better score is
// expanded again from its first edge. The search stops once no work left has
// f below the incumbent's score: the incumbent is then the optimum. The
// first incumbent is a greedy dive's; a better plan found on the way replaces
// it, and past a quarter of a time or work limit the search dives again from its
// least-f state now and then (dive_from_best). With a limit, a search still running at half of it is given the
// best of the fixed-order DP's plans on the file order and the other candidate orders (order_search.hpp) that
// half of the budget left makes, as an incumbent too (solve_order_free), so the result is never worse than
// that; a search whose lattice is too large to keep (below) is given it at its start: its h is weaker and its expansions walk groups, so
// an incumbent prunes more there (SSDLite at 1-4 MiB: proven with 21-23 k work units instead of 117-118 k).
//
// h(D) is the larger of the cost model's floor on the layers still to run in
// the SPM's capacity (floor_in(): CostFloorModel, CapacityFloorModel; 0
// without) and rest(D) from group floors
// (downset_bound.hpp, which also walks the groups once and keeps them as the
// lattice the search expands along). Each downset's edges are sorted by
// floor(group) + h(after it) (the fused floor, until the search first takes
// the edge and asks its group floor). Without the lattice (a pass that gave
// up: too many downsets or edges, half of a limit, or the observer's stop),
// each expansion walks the downset's groups again and keys each by its fused
// floor + the cost model's floor after it (never raised to its group floor, as
// the lattice's keys are once there is an incumbent), and costs those whose
// reach lies in the window the lattice's edges are taken in.
//
// With SolveOptions::time_limit or work_limit the search stops when the budget is spent (once it
// has a plan) and returns the incumbent with a proven lower bound: the least f
// of the work left (every plan better than the incumbent passes through it).
// It stops the same way when SolveOptions::observer says stop
// (solvers/observer.hpp) and past 4M states or 4M queue entries, and keeps its
// answer cache under 256 MiB (AnswerCache), so its memory stays bounded too.
#include <algorithm>
#include <bit>
#include <chrono>
#include <deque>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/parallel_for.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/solvers/options.hpp"
#include "pinfuse/solvers/order_search.hpp"
#include "pinfuse/solvers/detail/alike_pins.hpp"
#include "pinfuse/solvers/detail/convex_groups.hpp"
#include "pinfuse/solvers/detail/downset_bound.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/detail/no_plan.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse::detail {


/// A search state: a downset and the pinned FMs alive across its frontier.
struct DagStateKey {
  int downset = 0;
  std::vector<int> pins;  ///< indices into Problem::fms, ascending; of alike FMs the first ones (alike_pins())
  friend bool operator==(const DagStateKey&, const DagStateKey&) = default;
};
struct DagStateKeyHash {
  std::size_t operator()(const DagStateKey& k) const {
    std::size_t h = std::size_t(k.downset) * 0x9E3779B97F4A7C15ULL;
    for (const int f : k.pins) h = (h ^ std::size_t(f)) * 0x100000001b3ULL;
    return h;
  }
};

/// The order-free DP over (downset, pinned set); see the header comment.
template <CostModel C, MemoryConstraint M>
class DagSearch {
 public:
  /// `lattice`: the largest lattice of downsets its floor pass keeps (downset_bound.hpp).
  DagSearch(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt, const SearchSpace& space,
            Progress& progress, LatticeLimits lattice = {})
      : p_(p), cost_(cost), spm_(spm), opt_(opt), progress_(progress), pool_(thread_count(opt.threads)), n_(static_cast<int>(p.size())), candidate_(p.fms.size(), 0),
        dag_(layer_dag_of(p)),
        bound_(p, cost, spm, opt.objective, candidate_, dag_, opt.max_group_layers,
               [this](const std::vector<std::size_t>& layers) { return too_large(layers); }, progress, lattice) {
    if (space.pins) candidate_ = pin_candidates(p, spm, std::vector<char>(p.size() + 1, 1), opt, space.no_pin);
    alike_kind_ = alike_kinds(p, cost, candidate_);
  }

  /// The groups (positions, each group in file order) and pinned FMs of the best
  /// plan found, and a proven bound on the optimum (the plan's score when the
  /// search ran to the end).
  struct Result {
    std::vector<std::vector<int>> groups;
    std::vector<char> pinned;  ///< per FM
    ProvenBounds bounds;       ///< lower: on every plan; root: h of the start, after the lattice pass
  };

  /// A plan to follow (groups of positions in file order, pinned per FM), e.g.
  /// the fixed-order optimum: its score becomes an incumbent.
  struct Seed {
    std::vector<std::vector<int>> groups;
    std::vector<char> pinned;
  };

  /// A plan to follow once it is ready (none until then), e.g. the
  /// fixed-order optimum that solve_order_free() makes at half the time or work limit.
  using SeedSource = std::function<std::optional<Seed>()>;

  /// The search; `seed_source`'s plan, once ready, becomes an incumbent too
  /// (its score prunes at once).
  std::optional<Result> run(SeedSource seed_source = {}) {
    seed_source_ = std::move(seed_source);
    ++progress_.stats().runs;
    bounded_ = bound_.run();
    if (bounded_) downset_of_lattice_.assign(bound_.size(), -1);
    // Without the lattice, h is the cost model's floor alone and each expansion walks its groups: where it was
    // too large to keep, the seed's plan (solve_order_free: the candidate orders' best, with a limit) is wanted as
    // an incumbent now. (A pass that was stopped, or a model without group floors, waits for half of the limit.)
    else if (bound_.too_large_to_keep()) progress_.run_half_budget_hook_now();
    root_ = state_of({downset_of(LayerSet(std::size_t(n_))), {}});
    states_[std::size_t(root_)].reached = true;
    const Score start = bound(root_);
    if (start < kNever) root_bound_ = start;
    queue(root_, start);
    if (!dive(root_, true)) dive(root_, false);
    while (!open_.empty()) {
      const Open top = open_.top();
      if (goal_ >= 0 && !(top.f < states_[std::size_t(goal_)].g)) break;  // nothing left can beat the incumbent
      if (out_of_budget()) return result(top.f);
      open_.pop();
      expand_downset(top.downset, open_.empty() ? kNever : std::max(top.f, open_.top().f));
      if (stopped_) return result(top.f);  // its states' transitions may be cut short: top.f is still at most theirs
      if (progress_.past_part(kDiveFromPart) && late_expansions_++ % kDiveEvery == 0) dive_from_best();
    }
    if (goal_ < 0) return std::nullopt;  // no plan fits
    return result(states_[std::size_t(goal_)].g);
  }

 private:
  /// An edge of a downset's lattice id (index into bound_.edges()) with its
  /// key: its floor + h after it, at most its reach from a state less g.
  struct Keyed {
    Score key;
    int edge;
  };

  /// A state's work left: its g + h before it is expanded with its g, then
  /// the least reach above its level. Stale once the state is queued again
  /// (its ticket moved on).
  struct Pending {
    Score f;
    int state;
    std::uint32_t ticket;
  };
  struct LeastFFirst {  ///< for the std::*_heap functions: the least f on top
    bool operator()(const Pending& a, const Pending& b) const { return b.f < a.f; }
  };

  struct Downset {
    LayerSet done;
    int size = 0;
    Score floor;              ///< h: the floor on the cost of the layers still to run
    int lattice = -1;         ///< its id in bound_, or -1 (no pass, or a downset the pass did not reach)
    std::vector<Pending> pending;  ///< its states' work left, a heap (LeastFFirst)
    bool keyed = false;       ///< edges_by_key made (with a lattice id)
    std::vector<Keyed> edges_by_key;
    /// The classes of alike pin candidates alive across its frontier
    /// (alike_across()); none until made.
    std::optional<std::vector<std::vector<int>>> alike;
  };
  struct DagState {
    DagStateKey key;
    bool reached = false;
    Score g;                  ///< best score found to reach this state
    /// Expanded with this g along every edge of reach up to its level (none:
    /// not expanded with this g; kNever: along every edge).
    std::optional<Score> level;
    int parent = -1;
    std::vector<int> group;   ///< positions run by the transition from the parent
    std::vector<int> started; ///< the FMs it pinned: the pins it started (FM indices)
    std::uint32_t ticket = 0;  ///< of its one live Pending entry
  };

  /// The time and work limits, the memory limit of kMaxStates states (and as many queue
  /// entries) and the observer's stop hold once there is a plan to return (the
  /// dive's, after O(layers) small group queries on a chain; later only if the
  /// dive got stuck).
  static constexpr std::size_t kMaxStates = std::size_t(1) << 22;
  static constexpr Score kNever{UINT64_MAX, UINT64_MAX};  ///< h of a downset no plan gets on from
  /// Also where the search follows its seed once it is ready: that may
  /// improve the states of a downset being expanded (expand_downset() then
  /// leaves them to be expanded again).
  bool out_of_budget() {
    const bool late = progress_.out_of_budget();  // which runs its half-budget hook, if due
    if (seed_source_)
      if (const std::optional<Seed> seed = seed_source_()) {
        seed_source_ = {};
        follow(root_, *seed);
      }
    if (!stopped_ && goal_ >= 0 &&
        (states_.size() > kMaxStates || open_.size() > kMaxStates || progress_.stopped() || late))
      stopped_ = true;
    return stopped_;
  }

  Score bound(int id) const {
    return states_[std::size_t(id)].g + downsets_[std::size_t(states_[std::size_t(id)].key.downset)].floor;
  }
  /// Can state `id` still lead to a plan better than the incumbent?
  bool promising(int id) const { return goal_ < 0 || bound(id) < states_[std::size_t(goal_)].g; }

  /// A downset with work left: an entry is made whenever a state's work
  /// becomes the least of its downset's (Downset::pending), so the least f of
  /// a downset's work always has an entry with no larger f. An entry whose
  /// work was done since is stale.
  struct Open {
    Score f;
    int size;  ///< layers run: of two equal f, the deeper first (it reaches a plan sooner)
    int downset;
  };
  struct LaterFirst {  ///< for std::priority_queue: the least f on top
    bool operator()(const Open& a, const Open& b) const { return b.f < a.f || (!(a.f < b.f) && a.size < b.size); }
  };

  int downset_of(LayerSet done) {
    const auto [it, added] = downset_index_.try_emplace(done, static_cast<int>(downsets_.size()));
    if (added) {
      Downset d;
      d.size = static_cast<int>(done.count());
      d.floor = floor_of_rest([&](int pos) { return done.has(pos); });
      d.lattice = bounded_ ? bound_.id(done) : -1;
      if (d.lattice >= 0) {  // no plan from a downset without rest: it never beats the incumbent
        const std::optional<Score>& r = bound_.rest(d.lattice);
        d.floor = r ? std::max(d.floor, *r) : kNever;
      }
      d.done = std::move(done);
      downsets_.push_back(std::move(d));
    }
    return it->second;
  }

  int state_of(DagStateKey key) {
    const auto [it, added] = index_.try_emplace(key, static_cast<int>(states_.size()));
    if (added) states_.push_back({std::move(key), false, {}, {}, -1, {}, {}, 0});
    return it->second;
  }

  /// Records reaching `next` with score `g` from `parent` by running `group`,
  /// and queues it if it can still lead to a plan better than the incumbent.
  void relax(int next, Score g, int parent, const std::vector<int>& group, const std::vector<int>& started) {
    DagState& s = states_[std::size_t(next)];
    if (s.reached && !(g < s.g)) return;
    s.reached = true;
    s.g = g;
    s.level.reset();
    s.parent = parent;
    s.group = group;
    s.started = started;
    const Downset& d = downsets_[std::size_t(s.key.downset)];
    if (d.size == n_) {  // the one state with every layer run
      goal_ = next;
      ++progress_.stats().incumbents;
    } else if (promising(next)) {
      queue(next, bound(next));
    } else {
      ++s.ticket;  // its work queued with a worse g is stale
    }
  }

  /// Queues state `id`'s work left, of least reach `f`.
  void queue(int id, Score f) {
    DagState& s = states_[std::size_t(id)];
    Downset& d = downsets_[std::size_t(s.key.downset)];
    const bool least = d.pending.empty() || f < d.pending.front().f;
    d.pending.push_back({f, id, ++s.ticket});
    std::push_heap(d.pending.begin(), d.pending.end(), LeastFFirst{});
    if (least) open_.push({f, d.size, s.key.downset});
  }

  /// Greedy: from `id`, keep taking the transition with the least g + h, over
  /// groups of at most kDiveGroupLayers layers (a cheap incumbent: O(layers)
  /// group queries on a chain), until every layer has run, reaching the final
  /// state (relax() makes it the incumbent). With `pinning` it may get stuck
  /// (pins it took leave no room for what follows): false. Without, it pins
  /// nothing and gets stuck only if no plan fits.
  static constexpr std::size_t kDiveGroupLayers = 4;
  bool dive(int id, bool pinning) {
    const std::size_t limit = opt_.max_group_layers ? std::min(opt_.max_group_layers, kDiveGroupLayers) : kDiveGroupLayers;
    while (downsets_[std::size_t(states_[std::size_t(id)].key.downset)].size < n_) {
      std::optional<std::pair<Score, int>> best;  // (g + h through the transition, state)
      const std::vector<int> from{id};
      ++progress_.stats().states_expanded;
      std::vector<Score> left(1, kNever);
      expand(states_[std::size_t(id)].key.downset, from, limit, kNever, left,
             [&](int parent, int next, Score g, const std::vector<int>& group, const std::vector<int>& started) {
        relax(next, g, parent, group, started);
        if (!pinning && !states_[std::size_t(next)].key.pins.empty()) return;
        const Score through = g + downsets_[std::size_t(states_[std::size_t(next)].key.downset)].floor;
        if (!best || through < best->first) best = {through, next};
      });
      if (!best) return false;
      id = best->second;
    }
    return true;
  }

  /// Anytime: a search given a time or work limit that is still running at 1/4 of
  /// it will likely be stopped, and then returns its incumbent. From then on,
  /// at its first downset expanded and every kDiveEvery after, it dives
  /// (greedily, as from the root) from the state of least f: the search
  /// reached it by its best prefixes so far. Dives only add transitions
  /// (relax()), so the search stays exact; without a limit there are none.
  static constexpr std::size_t kDiveEvery = 64;
  static constexpr int kDiveFromPart = 4;
  /// (A state expanded before dives along the edges it has not taken yet; a
  /// stale or hopeless least entry gives no dive.)
  void dive_from_best() {
    if (open_.empty()) return;
    const Downset& d = downsets_[std::size_t(open_.top().downset)];
    if (d.pending.empty()) return;
    const Pending& best = d.pending.front();
    if (best.ticket == states_[std::size_t(best.state)].ticket && promising(best.state)) dive(best.state, true);
  }

  /// Walks `seed` from the root, relaxing the states on its path (the last one
  /// makes it an incumbent). Stops where the seed leaves this search's space
  /// (a pin it never considers).
  void follow(int id, const Seed& seed) {
    for (const std::vector<int>& group : seed.groups) {
      const LayerSet& done = downsets_[std::size_t(states_[std::size_t(id)].key.downset)].done;
      LayerSet after = done;
      for (const int pos : group) after.add(pos);
      std::vector<int> pins_after;  // the seed's pins alive across the new frontier, ascending
      for (std::size_t fm = 0; fm < p_.fms.size(); ++fm) {
        if (seed.pinned[fm] && candidate_[fm] && pin_started(int(fm), after) && alive_after(int(fm), after))
          pins_after.push_back(int(fm));
      }
      int next = -1;
      const std::vector<int> key_after = alike_pins(downset_of(after), pins_after);
      transitions(LayerSet(done), {id}, group,
                  [&](int parent, int to, Score g, const std::vector<int>& run, const std::vector<int>& started) {
        relax(to, g, parent, run, started);
        if (states_[std::size_t(to)].key.pins == key_after) next = to;
      });
      if (next < 0) return;
      id = next;
    }
  }

  /// Expands the promising states of downset `d` with work left of f at
  /// most `limit`, along the edges whose reach (g + floor(group) + h(after
  /// it)) is above their level and at most `limit`. Each state's level
  /// becomes `limit`, and it is queued again at the least reach left above
  /// it (or below that, where a walk's growth stop leaves only a floor on it):
  /// a group is costed from a state only once the search gets to its
  /// reach. The downset's other states are not looked at.
  void expand_downset(int d, Score limit) {
    Downset& ds = downsets_[std::size_t(d)];
    std::vector<int> from;
    bool taken = false;  // an entry left the heap: its new top needs an Open entry
    while (!ds.pending.empty() && !(limit < ds.pending.front().f)) {
      const Pending work = ds.pending.front();
      std::pop_heap(ds.pending.begin(), ds.pending.end(), LeastFFirst{});
      ds.pending.pop_back();
      taken = true;
      const DagState& s = states_[std::size_t(work.state)];
      if (work.ticket != s.ticket) continue;  // queued again since
      if (!promising(work.state)) {
        if (!s.level) ++progress_.stats().states_pruned;
        continue;
      }
      if (!s.level) ++progress_.stats().states_expanded;
      from.push_back(work.state);
    }
    if (taken && !ds.pending.empty()) open_.push({ds.pending.front().f, ds.size, d});
    if (from.empty()) return;
    std::vector<Score> left(from.size(), kNever);  // per state: at most the least reach above `limit`
    std::vector<Score> expanded_with(from.size());  // per state: its g as this expansion takes it
    for (std::size_t i = 0; i < from.size(); ++i) expanded_with[i] = states_[std::size_t(from[i])].g;
    expand(d, from, opt_.max_group_layers, limit, left,
           [&](int parent, int next, Score g, const std::vector<int>& group, const std::vector<int>& started) {
      relax(next, g, parent, group, started);
    });
    for (std::size_t i = 0; i < from.size(); ++i) {
      DagState& s = states_[std::size_t(from[i])];
      if (!(s.g == expanded_with[i])) continue;  // improved by the seed meanwhile: queued to be expanded again
      s.level = left[i] == kNever ? kNever : limit;
      const Score again = std::max(left[i], bound(from[i]));  // at most the least reach left above `limit`
      if (left[i] < kNever && (goal_ < 0 || again < states_[std::size_t(goal_)].g)) queue(from[i], again);
    }
  }

  /// Calls on_transition(parent, next, score, group, started) for the transitions from
  /// the states `from` (all of downset `d`) by a group of at most `group_limit`
  /// layers (0 = any). With the lattice of bound_, along its edges whose reach
  /// from the state is above its level and at most `limit` (left[i] becomes
  /// the least reach above `limit` from from[i]), except those that show they
  /// cannot beat the incumbent: a reach no less than its score (by the
  /// group's fused floor first, then its group floor). Without, along the
  /// groups it walks (convex_groups.hpp) whose reach by walked_key() is in the
  /// same window (above the level, at most `limit`, below the incumbent),
  /// growing a group only while some group grown from it may be in that
  /// window (growth_hopeless). The groups are asked about in rounds of kRound
  /// (run_round).
  template <class OnTransition>
  void expand(int d, const std::vector<int>& from, std::size_t group_limit, Score limit, std::vector<Score>& left,
              OnTransition&& on_transition) {
    const LayerSet done = downsets_[std::size_t(d)].done;
    const int lattice = downsets_[std::size_t(d)].lattice;
    std::vector<Batch> round;
    const Score incumbent = goal_ >= 0 ? states_[std::size_t(goal_)].g : kNever;
    if (lattice < 0) {
      const auto too_large_here = [this](const std::vector<std::size_t>& layers) { return too_large(layers); };
      GrowthStop growth(p_, done, too_large_here);
      std::vector<int> run_from;
      for_each_convex_group(dag_, done, group_limit, [&] { return out_of_budget(); },
                            [&](const std::vector<int>& group, const LayerSet& inside) {
        progress_.stats().layers_walked += group.size();
        if (growth.stops(group)) return ++progress_.stats().growth_stops, false;
        walked_layers(done, group, inside);
        const Score key = walked_key();
        run_from.clear();
        for (std::size_t i = 0; i < from.size(); ++i) {
          const DagState& s = states_[std::size_t(from[i])];
          if (s.level && !(*s.level < s.g + key)) continue;  // taken when it was expanded up to its level
          take_in_window(from[i], s.g + key, limit, incumbent, left[i], run_from);
        }
        // Not taken: grown unless at the size limit or hopeless (asked while walked_layers() are still the
        // buffers'). A group some state takes has a key within the window, and so has its growth floor.
        if (run_from.empty())
          return (group_limit && group.size() >= group_limit) || !growth_hopeless(from, limit, incumbent, left);
        round.push_back(prepare(done, run_from, group));
        if (round.size() == kRound) run_round(round, on_transition);
        return true;
      });
      if (!stopped_) run_round(round, on_transition);
      return;
    }
    std::vector<Keyed>& keyed = edges_by_key(d);
    std::vector<typename DownsetBound<C, M>::Edge>& edges = bound_.edges(lattice);
    // From[i] runs the edges at [start[i], end[i]) of `keyed`: reach above its
    // level, at most `limit` and below the incumbent by their keys (which are
    // at most their floors).
    std::vector<std::size_t> start(from.size()), end(from.size());
    std::size_t first = keyed.size(), last = 0;
    for (std::size_t i = 0; i < from.size(); ++i) {
      const DagState& s = states_[std::size_t(from[i])];
      const auto reach = [&](const Keyed& k) { return s.g + k.key; };
      start[i] = !s.level ? 0 : std::size_t(std::partition_point(keyed.begin(), keyed.end(), [&](const Keyed& k) {
        return !(*s.level < reach(k));
      }) - keyed.begin());
      end[i] = std::size_t(std::partition_point(keyed.begin(), keyed.end(), [&](const Keyed& k) {
        return !(limit < reach(k)) && reach(k) < incumbent;
      }) - keyed.begin());
      if (end[i] < keyed.size() && reach(keyed[end[i]]) < incumbent) left[i] = reach(keyed[end[i]]);
      if (start[i] < end[i]) first = std::min(first, start[i]), last = std::max(last, end[i]);
    }
    bool raised = false;  // a key raised to its group floor: `keyed` to sort again
    std::vector<int> run_from;
    for (std::size_t j = first; j < last; ++j) {
      if (out_of_budget()) return;  // the round's batches not asked yet are work left, as the edges after it
      typename DownsetBound<C, M>::Edge& e = edges[std::size_t(keyed[j].edge)];
      // `keyed` holds groups of up to max_group_layers; the dive asks for fewer
      if (group_limit && bound_.set(e.after).count() - done.count() > group_limit) continue;
      const Score after = downsets_[std::size_t(downset_of_lattice(e.after))].floor;
      if (goal_ >= 0 && !e.exact) {  // its group floor first: a state runs it by its fused floor
        if (!bound_.make_exact(lattice, e)) {  // the group cannot run: never again
          keyed[j].key = kNever;
          raised = true;
          continue;
        }
        // Both the fused floor and the group floor bound the group: the larger (the group floor, for the
        // reference model) raises the key, and keys only rise (what the re-sort below relies on).
        raised = raised || keyed[j].key < e.floor + after;
        keyed[j].key = std::max(keyed[j].key, e.floor + after);
      }
      run_from.clear();
      for (std::size_t i = 0; i < from.size(); ++i) {
        if (j < start[i] || j >= end[i]) continue;
        take_in_window(from[i], states_[std::size_t(from[i])].g + keyed[j].key, limit, incumbent, left[i], run_from);
      }
      if (!run_from.empty()) round.push_back(prepare(done, run_from, bound_.group(lattice, e)));
      if (round.size() == kRound) run_round(round, on_transition);
    }
    run_round(round, on_transition);
    if (raised) {  // only the keys in [first, last) rose, past none before `first`: sorted, they merge into the rest
      const auto by_key = [](const Keyed& a, const Keyed& b) { return a.key < b.key; };
      std::stable_sort(keyed.begin() + std::ptrdiff_t(first), keyed.begin() + std::ptrdiff_t(last), by_key);
      std::inplace_merge(keyed.begin() + std::ptrdiff_t(first), keyed.begin() + std::ptrdiff_t(last), keyed.end(), by_key);
    }
  }

  /// The window an expansion up to `limit` takes a transition of reach
  /// `reach` from state `id` in: pruned if the reach cannot beat the
  /// incumbent, left for later (the least such reach in `left`) if it is past
  /// `limit`, else taken (`id` added to `run_from`).
  void take_in_window(int id, Score reach, Score limit, Score incumbent, Score& left, std::vector<int>& run_from) {
    if (!(reach < incumbent)) ++progress_.stats().states_pruned;
    else if (limit < reach) left = std::min(left, reach);
    else run_from.push_back(id);
  }

  /// Whether no group grown from the group walked_layers() set can be taken
  /// from any of the states `from` at this expansion (GrowthFloorModel):
  /// each state's g + the growth floor is no less than the incumbent (pruned,
  /// now and later), or past `limit`, where it lowers left[i] to it (the state
  /// comes back for them at a higher limit: left[i] is then at most the least
  /// reach above the limit, not that reach). The walk then grows it no further.
  /// Every such group's key (walked_key) is at least that reach.
  bool growth_hopeless(const std::vector<int>& from, Score limit, Score incumbent, std::vector<Score>& left) {
    if constexpr (GrowthFloorModel<C>) {
      if (group_layers_.size() < 2) return false;
      const Score floor = score_of(growth_floor_in(cost_, group_layers_, rest_layers_, spm_.capacity()), opt_.objective);
      for (const int id : from) {
        const Score reach = states_[std::size_t(id)].g + floor;
        if (reach < incumbent && !(limit < reach)) return false;
      }
      for (std::size_t i = 0; i < from.size(); ++i) {
        const Score reach = states_[std::size_t(from[i])].g + floor;
        if (reach < incumbent) left[i] = std::min(left[i], reach);
      }
      ++progress_.stats().growth_stops;
      return true;
    } else {
      return (void)from, (void)limit, (void)incumbent, (void)left, false;
    }
  }

  /// The cost model's floor in the SPM's capacity (floor_in(); 0 without) on
  /// the layers at the positions `run(pos)` says have not run [score].
  template <class Run>
  Score floor_of_rest(Run&& run) {
    if constexpr (CostFloorModel<C>) return score_of(floor_in(cost_, layers_not_run(run), spm_.capacity()), opt_.objective);
    else return (void)run, Score{};
  }

  /// The layers (vertices, in file order) at the positions `run(pos)` says
  /// have not run, in rest_layers_.
  template <class Run>
  const std::vector<std::size_t>& layers_not_run(Run&& run) {
    rest_layers_.clear();
    for (int pos = 0; pos < n_; ++pos)
      if (!run(pos)) rest_layers_.push_back(p_.order[std::size_t(pos)]);
    return rest_layers_;
  }

  /// A group walked from downset `done` without the lattice (its positions
  /// `group`, as a set `inside`): its layers into group_layers_ and those of
  /// the layers outside done + inside into rest_layers_ (both in file order),
  /// for walked_key() and growth_hopeless().
  void walked_layers(const LayerSet& done, const std::vector<int>& group, const LayerSet& inside) {
    vertices_in_file_order(p_, group, group_layers_);
    layers_not_run([&](int pos) { return done.has(pos) || inside.has(pos); });
  }
  /// The key of the walked group's edge (walked_layers()): its fused floor + h
  /// after it (the cost model's floor on the layers after it), as the
  /// lattice's edges are keyed before their group floors are asked.
  Score walked_key() const {
    Score fused, rest;
    if constexpr (FusedFloorModel<C>) fused = score_of(cost_.fused_floors(group_layers_).back(), opt_.objective);
    if constexpr (CostFloorModel<C>) rest = score_of(floor_in(cost_, rest_layers_, spm_.capacity()), opt_.objective);
    return fused + rest;
  }

  /// Downset d's edges of at most SolveOptions::max_group_layers layers, least
  /// key first (made on the first call).
  std::vector<Keyed>& edges_by_key(int d) {
    Downset& ds = downsets_[std::size_t(d)];
    if (!ds.keyed) {
      ds.keyed = true;
      const std::vector<typename DownsetBound<C, M>::Edge>& edges = bound_.edges(ds.lattice);
      const std::size_t size = ds.done.count();
      std::vector<Keyed> keyed;
      for (std::size_t k = 0; k < edges.size(); ++k) {
        const auto& e = edges[k];
        if (opt_.max_group_layers && bound_.set(e.after).count() - size > opt_.max_group_layers) continue;
        keyed.push_back({e.floor + downsets_[std::size_t(downset_of_lattice(e.after))].floor, int(k)});
      }
      std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
      ds.edges_by_key = std::move(keyed);
    }
    return ds.edges_by_key;
  }

  /// The index in downsets_ of the downset with id `id` in bound_.
  int downset_of_lattice(int id) {
    int& d = downset_of_lattice_[std::size_t(id)];
    if (d < 0) d = downset_of(bound_.set(id));
    return d;
  }

  /// The vertices of the layers at `positions`, in file order.
  std::vector<std::size_t> layers_of(const std::vector<int>& positions) const {
    std::vector<std::size_t> layers;
    vertices_in_file_order(p_, positions, layers);
    return layers;
  }

  /// Does the cost model's SPM floor (SpmFloorModel) say no group containing
  /// `layers` (vertices in file order) can run? The walks count the groups
  /// it stops in growth_stops.
  bool too_large(const std::vector<std::size_t>& layers) const {
    if constexpr (SpmFloorModel<C>) return cost_.least_spm_bytes(layers) > spm_.capacity();
    else return (void)layers, false;
  }

  /// The transitions that run one group from some states of one downset:
  /// made by prepare(), its settings not in the cache asked by answer() (on
  /// any thread), and applied by apply().
  struct Batch {
    std::vector<int> group;  ///< positions, ascending
    LayerSet after;          ///< the downset after it
    std::vector<std::size_t> layers;  ///< its vertices in file order
    /// A transition: a state and the subset of fresh candidates it pins, in
    /// its own setting (see prepare()).
    struct Asked {
      int parent;
      std::vector<int> pins_after;
      std::vector<int> started;  ///< the fresh candidates it pins
    };
    std::vector<Asked> asked;
    std::vector<std::optional<Score>> scores;  ///< per transition, once answered
    GroupSettings missing;                     ///< the settings not in the cache
    /// The transitions not in the cache: index into asked, of its setting in
    /// `missing`, and its cache key.
    struct Missing {
      std::size_t asked, setting;
      std::string key;
    };
    std::vector<Missing> missing_of;
    std::vector<std::optional<GroupCost>> answers;  ///< per setting of `missing`, from answer()
    SolveStatistics asking;                    ///< what answer() counted
  };

  /// Calls on_transition(parent, next, score, group, started) for each transition that
  /// runs `group` (positions) from one of the states `from` (all of downset
  /// `done`): one per subset of the group's fresh candidates to pin that the
  /// SPM, the pin limit and the cost model accept. One batch for all of them.
  template <class OnTransition>
  void transitions(const LayerSet& done, const std::vector<int>& from, std::vector<int> group,
                   OnTransition&& on_transition) {
    Batch batch = prepare(done, from, std::move(group));
    answer(batch);
    apply(batch, on_transition);
  }

  /// The settings of running `group` from each of the states `from` (all of
  /// downset `done`), with the answers the cache has.
  Batch prepare(const LayerSet& done, const std::vector<int>& from, std::vector<int> group) {
    Batch b;
    std::sort(group.begin(), group.end());
    b.after = done;
    for (const int pos : group) b.after.add(pos);
    const GroupBoundary boundary = group_boundary(p_, group);
    const std::vector<int>& inputs = boundary.inputs;
    const std::vector<int>& outputs = boundary.outputs;
    std::vector<int> fresh;  // the candidates it may start to pin: its outputs (and model inputs, below)
    for (const int out : outputs)
      if (candidate_[out]) fresh.push_back(out);
    for (const int fm : inputs)  // model inputs it reads first and that are read after it: it may load them
      if (candidate_[fm] && p_.fms[fm].model_input() && !pin_started(fm, done) && alive_after(fm, b.after))
        fresh.push_back(fm);
    b.layers = layers_of(group);
    b.group = std::move(group);

    // Each (state, subset T of `fresh`) is a setting of its own: the inputs
    // pinned before and the pins passing over the group are the state's pins,
    // told apart from another state's, and T sets the fresh residences. So the
    // cache key comes first, and a GroupSetting is made only for a miss.
    std::vector<std::uint64_t> fresh_aligned;  // [B]
    for (const int fm : fresh) fresh_aligned.push_back(spm_.aligned(p_.fms[fm].bytes));
    std::vector<Residence> residences(inputs.size() + outputs.size());
    std::vector<int> pins;
    std::string key;
    std::vector<int> kept;              // of a parent's pins, those that outlive the group
    std::vector<std::size_t> passing;   // of a parent's pins, those it does not read, by vertex
    for (const int parent : from) {
      const std::vector<int>& held = states_[std::size_t(parent)].key.pins;
      kept.clear();
      passing.clear();
      std::uint64_t held_bytes = 0;       // aligned [B]
      for (const int fm : held) {
        if (alive_after(fm, b.after)) kept.push_back(fm);
        if (!std::binary_search(inputs.begin(), inputs.end(), fm)) passing.push_back(p_.fms[fm].vertex);
        held_bytes += spm_.aligned(p_.fms[fm].bytes);
      }
      std::sort(passing.begin(), passing.end());
      for (std::uint32_t t = 0; t < (std::uint32_t(1) << fresh.size()); ++t) {
        if (kept.size() + std::size_t(std::popcount(t)) > opt_.max_pins_per_cut) continue;
        std::uint64_t pinned_bytes = held_bytes;
        pins = held;
        for (std::size_t i = 0; i < fresh.size(); ++i)
          if ((t >> i) & 1U) {
            pinned_bytes += fresh_aligned[i];
            pins.push_back(fresh[i]);
          }
        if (pinned_bytes > spm_.capacity()) continue;
        std::sort(pins.begin(), pins.end());
        const auto pinned = [&](int fm) { return std::binary_search(pins.begin(), pins.end(), fm); };
        for (std::size_t k = 0; k < inputs.size(); ++k)
          residences[k] = !pinned(inputs[k]) ? Residence::dram : pin_started(inputs[k], done) ? Residence::pinned : Residence::loaded;
        for (std::size_t k = 0; k < outputs.size(); ++k)
          residences[inputs.size() + k] = pinned(outputs[k]) ? Residence::pinned : Residence::dram;
        std::vector<int> started;
        started.reserve(std::size_t(std::popcount(t)));
        for (std::size_t i = 0; i < fresh.size(); ++i)
          if ((t >> i) & 1U) started.push_back(fresh[i]);
        std::vector<int> pins_after;
        pins_after.reserve(kept.size() + started.size());
        pins_after.assign(kept.begin(), kept.end());
        pins_after.insert(pins_after.end(), started.begin(), started.end());
        std::sort(pins_after.begin(), pins_after.end());
        b.asked.push_back({parent, std::move(pins_after), std::move(started)});
        setting_key(b.layers, residences, passing, key);
        if (const std::optional<Score>* hit = cache_.find(key)) {
          b.scores.push_back(*hit);
          continue;
        }
        b.scores.emplace_back();
        GroupSetting s;
        s.inputs.reserve(inputs.size());
        s.outputs.reserve(outputs.size());
        s.pinned_sizes.reserve(pins.size());
        for (std::size_t k = 0; k < inputs.size(); ++k) s.inputs.push_back({p_.fms[inputs[k]].vertex, residences[k]});
        for (std::size_t k = 0; k < outputs.size(); ++k)
          s.outputs.push_back({p_.fms[outputs[k]].vertex, residences[inputs.size() + k]});
        s.outputs_read_inside = boundary.outputs_read_inside;
        s.passing = passing;
        s.pinned_bytes = pinned_bytes;
        for (const int fm : pins) s.pinned_sizes.push_back(p_.fms[fm].bytes);
        b.missing_of.push_back({b.asked.size() - 1, b.missing.add(std::move(s)), key});
      }
    }
    const std::size_t from_cache = b.asked.size() - b.missing_of.size();  // transitions the cache answered
    progress_.stats().cache_hits += from_cache;
    progress_.stats().cached_transitions += from_cache;
    return b;
  }

  /// Asks the cost model about `b`'s settings not in the cache. Touches
  /// nothing but `b`: batches may be answered on several threads at once.
  void answer(Batch& b) const {
    if (!b.missing_of.empty()) b.answers = b.missing.ask(b.layers, cost_, spm_, opt_.objective, b.asking);
  }

  /// How many groups the search asks the cost model about at once
  /// (SolveOptions::threads share them), whatever the thread count, so that
  /// the plan and the statistics do not depend on it.
  static constexpr std::size_t kRound = 16;

  /// Answers the batches of `round` (on SolveOptions::threads threads) and
  /// applies them in order; `round` is then empty. Only batches with settings
  /// not in the cache ask the cost model, and where one or none does, this
  /// thread asks it (WorkerPool::parallel_for): most rounds have one such batch
  /// at most (Inception-v3 at 256 KiB: 4,017 of 98,870 have more), and waking
  /// a helper thread costs more than many batches take.
  template <class OnTransition>
  void run_round(std::vector<Batch>& round, OnTransition&& on_transition) {
    std::vector<Batch*> asking;
    for (Batch& b : round)
      if (!b.missing_of.empty()) asking.push_back(&b);
    pool_.parallel_for(asking.size(), [&](std::size_t k) { answer(*asking[k]); });
    for (Batch& b : round) apply(b, on_transition);
    round.clear();
  }

  /// Keeps `b`'s answers in the cache and calls on_transition(parent, next,
  /// score, group, started) for each of its transitions the cost model accepts.
  template <class OnTransition>
  void apply(Batch& b, OnTransition&& on_transition) {
    if (b.asked.empty()) return;
    progress_.stats().groups_costed += b.asking.groups_costed;
    progress_.stats().memory_refusals += b.asking.memory_refusals;
    for (typename Batch::Missing& m : b.missing_of) {
      if (b.answers[m.setting]) b.scores[m.asked] = score_of(*b.answers[m.setting], opt_.objective);
      cache_.keep(std::move(m.key), b.scores[m.asked]);
    }
    progress_.tick();
    const int next_downset = downset_of(b.after);
    for (std::size_t i = 0; i < b.asked.size(); ++i) {
      if (!b.scores[i]) continue;
      const Score g = states_[std::size_t(b.asked[i].parent)].g + *b.scores[i];
      const int next = state_of({next_downset, alike_pins(next_downset, std::move(b.asked[i].pins_after))});
      on_transition(b.asked[i].parent, next, g, b.group, b.asked[i].started);
    }
  }

  /// Has a pin of FM `fm` started once the layers of `done` have run (its
  /// producer, or a model input's first reader, among them)? FeatureMap::pin_start.
  bool pin_started(int fm, const LayerSet& done) const {
    const FeatureMap& f = p_.fms[fm];
    if (!f.model_input()) return done.has(f.producer_position);
    return std::any_of(f.consumer_positions.begin(), f.consumer_positions.end(), [&](int pos) { return done.has(pos); });
  }

  /// Does FM `fm` have a reader outside `done`?
  bool alive_after(int fm, const LayerSet& done) const {
    const auto& c = p_.fms[fm].consumer_positions;
    return std::any_of(c.begin(), c.end(), [&](int pos) { return !done.has(pos); });
  }

  /// The key of a state of downset `d` that pins `pins` (ascending): of each
  /// class of alike FMs alive across d's frontier (alike_pins.hpp), the first
  /// ones, as many as `pins` pins. One state stands for all such pin sets.
  std::vector<int> alike_pins(int d, std::vector<int> pins) {
    if (alike_kind_.empty() || pins.empty()) return pins;
    Downset& ds = downsets_[std::size_t(d)];
    if (!ds.alike) ds.alike = alike_across(ds.done);
    const auto pinned = [&](int fm) { return std::binary_search(pins.begin(), pins.end(), fm); };
    for (const std::vector<int>& alike : *ds.alike) {
      const auto count = std::size_t(std::count_if(alike.begin(), alike.end(), pinned));
      if (std::all_of(alike.begin(), alike.begin() + std::ptrdiff_t(count), pinned)) continue;  // already first
      std::erase_if(pins, [&](int fm) { return std::binary_search(alike.begin(), alike.end(), fm); });
      pins.insert(pins.end(), alike.begin(), alike.begin() + std::ptrdiff_t(count));
      std::sort(pins.begin(), pins.end());
    }
    return pins;
  }

  /// The classes of alike pin candidates alive across the frontier of `done`
  /// (alike_pins.hpp), each as FMs, ascending.
  std::vector<std::vector<int>> alike_across(const LayerSet& done) const {
    std::vector<int> alive;  // FMs of a kind produced in `done` and read after it
    for (std::size_t fm = 0; fm < p_.fms.size(); ++fm)
      if (alike_kind_[fm] && done.has(p_.fms[fm].producer_position) && alive_after(int(fm), done)) alive.push_back(int(fm));
    std::vector<std::vector<int>> classes = alike_classes(p_, alike_kind_, alive, [&](int pos) { return !done.has(pos); });
    for (std::vector<int>& members : classes)
      for (int& i : members) i = alive[std::size_t(i)];
    return classes;
  }

  /// The incumbent plan: the groups on its path, and the FMs their transitions
  /// pin (the states' keys may name alike FMs instead, alike_pins()).
  Result result(Score lower_bound) const {
    Result r;
    // The seed, followed meanwhile, may have queued work below it, or be the better plan.
    r.bounds = {std::min(lower_bound, states_[std::size_t(goal_)].g), root_bound_};
    if (!open_.empty()) r.bounds.lower = std::min(r.bounds.lower, open_.top().f);
    r.pinned.assign(p_.fms.size(), 0);
    for (int id = goal_; id >= 0; id = states_[std::size_t(id)].parent) {
      if (states_[std::size_t(id)].parent >= 0) r.groups.push_back(states_[std::size_t(id)].group);
      for (const int fm : states_[std::size_t(id)].started) r.pinned[fm] = 1;
    }
    std::reverse(r.groups.begin(), r.groups.end());
    return r;
  }

  const Problem& p_;
  const C& cost_;
  const M& spm_;
  const SolveOptions& opt_;
  Progress& progress_;
  WorkerPool pool_;  ///< SolveOptions::threads (Batch::answer)
  int n_;
  std::vector<char> candidate_;
  std::vector<std::optional<AlikeKind>> alike_kind_;  ///< per FM: alike_kinds() (empty: no alike FMs)
  LayerDag dag_;
  std::deque<Downset> downsets_;  ///< a deque: references to one stay valid as more are made
  std::unordered_map<LayerSet, int, LayerSetHash> downset_index_;
  std::vector<DagState> states_;
  std::unordered_map<DagStateKey, int, DagStateKeyHash> index_;
  std::priority_queue<Open, std::vector<Open>, LaterFirst> open_;  ///< downsets with states to expand, least f first
  AnswerCache<Score> cache_;
  DownsetBound<C, M> bound_;
  bool bounded_ = false;  ///< did bound_'s pass end (then its rest is part of h)?
  SeedSource seed_source_;  ///< the seed not taken yet (run())
  std::vector<int> downset_of_lattice_;  ///< per id in bound_: the index in downsets_, or -1 (not made yet)
  std::vector<std::size_t> rest_layers_;   ///< layers_not_run()'s buffer (walked_layers()' rest)
  std::vector<std::size_t> group_layers_;  ///< walked_layers()' buffer: a walked group's layers
  bool stopped_ = false;
  std::size_t late_expansions_ = 0;  ///< downsets expanded past 1/4 of the time or work limit (run())
  int root_ = -1;  ///< the state with no layer run
  std::optional<Score> root_bound_;  ///< its g + h when the search started (none: no plan gets on from it)
  int goal_ = -1;  ///< the state with every layer run (the incumbent plan's end)
};


/// The parts of the budget left that a quick look at one order gets (best_fixed_order_plan):
/// so many that its DP stops at once and finishes in its quick mode.
inline constexpr int kQuickLookParts = 1 << 20;

/// The best of the fixed-order DP's plans over the same space, with addresses,
/// on pinfuse::candidate_orders(g) (order_search.hpp), while the budget lasts:
///   1. the file order's, so the seed is never worse than `--order file` in this budget;
///   2. a quick look at each other order: its DP stopped at once, in its quick mode
///      (segment_dp.hpp: no new pins, a few short groups from each cut's best states;
///      about 730 work units an order on PaddleOCR's v4 text detector at 2 MiB), which
///      ranks the orders and is a plan too;
///   3. the full DPs of the other orders, the best-ranked first.
/// An order contributes none where no plan fits, or where a time or work limit or the
/// observer stopped its DP and the quick mode found none (the DP then gives up rather than
/// run on without a limit: the search's own stop must stand). Measured (2026-12-06, the
/// tool's default work limit) on that detector at 2 MiB: with the file order alone the
/// seed was 6,988,591 cycles; with the orders in candidate_orders' sequence the budget ran
/// out before the best one (smallest output first) and it was 6,362,975; ranked by their
/// quick looks it is that order's optimum, 4,989,452.
template <Graph G, CostModel C, MemoryConstraint M>
std::optional<Plan> best_fixed_order_plan(const G& g, const Problem& file, const C& cost, const M& spm,
                                          const SolveOptions& opt, const SearchSpace& space, const std::string& strategy,
                                          Progress& progress) {
  const auto score = [&](const Plan& p) { return score_of(p.totals, opt.objective); };
  std::optional<Plan> best;
  const auto dp = [&](const Problem& p) -> std::optional<Plan> {
    std::optional<Plan> plan;
    try {
      plan = solve_segments(p, cost, spm, opt, space, strategy, progress, WhenStuck::give_up);
    } catch (const no_plan_fits&) {
      return std::nullopt;
    }
    if (!best || score(*plan) < score(*best)) best = plan;
    return plan;
  };
  const auto out_of_budget = [&] { return progress.stopped() || progress.out_of_budget(); };
  dp(file);
  if (out_of_budget()) return best;
  std::vector<Problem> others;  // the other candidate orders' problems
  for (const std::vector<std::size_t>& order : candidate_orders(g))
    if (Problem p = make_problem(g, order);  // orders that differ only where inputs and outputs go are one
        p.order != file.order && std::none_of(others.begin(), others.end(), [&](const Problem& q) { return q.order == p.order; }))
      others.push_back(std::move(p));
  std::vector<std::pair<Score, std::size_t>> ranked;  // the other orders by their quick looks' plans
  for (std::size_t k = 0; k < others.size() && !out_of_budget(); ++k) {
    std::optional<Plan> quick;
    progress.run_on_share(kQuickLookParts, [&] { quick = dp(others[k]); });
    if (quick) ranked.emplace_back(score(*quick), k);
  }
  std::sort(ranked.begin(), ranked.end());
  for (std::size_t r = 0; r < ranked.size() && !out_of_budget(); ++r) dp(others[ranked[r].second]);
  return best;
}

/// `plan` (of any order of the search's model) as a seed for the search: its groups as
/// positions and its pinned FMs.
template <class Search>
typename Search::Seed seed_of(const Problem& file, const Plan& plan) {
  std::vector<int> position_of(file.fm_of_vertex.size(), -1);
  for (std::size_t pos = 0; pos < file.size(); ++pos) position_of[file.order[pos]] = static_cast<int>(pos);
  typename Search::Seed seed{{}, std::vector<char>(file.fms.size(), 0)};
  for (const PlannedGroup& group : plan.groups) {
    seed.groups.emplace_back();
    for (const std::size_t v : group.layers) seed.groups.back().push_back(position_of[v]);
  }
  for (const PinnedFm& f : plan.pinned) seed.pinned[std::size_t(file.fm_of_vertex[f.vertex])] = 1;
  return seed;
}

/// The share of the budget left at half of a limit that the fixed-order DP's
/// seed plan may take: half, so the search keeps the last quarter of the limit
/// (it needed it on DenseNet-121, where the DP took the whole rest); at the
/// start of a search without lattice, half of the limit.
inline constexpr int kSeedShare = 2;

/// The most FMs alive across one cut of the only order for which
/// solve_order_free hands the problem to the fixed-order DP.
inline constexpr std::size_t kMostAliveForDp = 2;

/// The order-free optimum (joint with `pins`, fusion-only without; pinning-only
/// with `pins` and groups of `group_layers` = 1), with SPM addresses. The plan's order runs the groups one after another, each in file
/// order (a fixed-order plan kept as the fallback, below, keeps its own order). Addresses are repaired as solve_segments does (address_repair.hpp):
/// when fragmentation leaves no placement, the groups are asked again with an
/// SPM reserve (competing with one rerun without the largest pin while the
/// budget lasts: SqueezeRival), and where that does not fit the largest pinned FM is banned
/// and the search rerun (the plan is then no longer proven optimal; the first
/// search's bound stays).
/// Once a time or work limit has run out or the observer has stopped the search,
/// there is no budget to search again: the plan keeps its groups and order and
/// loses its largest pins until they get addresses (unpin_until_placed), or,
/// where a group then no longer fits, the rerun pins nothing (its plan always
/// has addresses), so the repair ends in one more search. With a time or work
/// limit, a first search still running at half of it, or one whose lattice is
/// too large to keep (downset_bound.hpp) from its start, gets the best plan of
/// the fixed-order DP over the same space on the file order and then on the
/// other candidate orders (best_fixed_order_plan, in 1/kSeedShare of the budget
/// left, after which the search goes on) as an incumbent, and that plan is
/// returned when the search or its repairs end worse: never a worse plan than
/// `--order file` would give in a quarter of the budget. Without one the
/// search is exact, so never worse than any order's optimum, and the
/// fixed-order DP does not run.
///
/// Where the file order is the only one and at most kMostAliveForDp FMs are
/// alive across each of its cuts (has_one_order,
/// most_alive_across_a_cut: chains, MobileNetV1/V2-like blocks), the search's
/// downsets and groups are the fixed-order DP's cuts and runs, and that DP
/// (solve_segments), with few pin sets a cut, solves it faster (a 1000-layer
/// chain of MobileNetV2 blocks: 0.18 s against 0.89 s); its errors name the
/// layer where no group runs. Other DAGs with one order, where many are alive
/// (DenseNet-121's dense blocks, up to 24), are the search's: it proved the
/// optimum sooner there (DenseNet-121 at 512 KiB: 4.2 s against 7.9 s, and
/// with alike pins 0.56 s against 0.72 s).
template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_order_free(const G& g, const C& cost, const M& spm, const SolveOptions& opt, bool pins,
                      std::size_t group_layers, std::string strategy) {
  require_one_order(opt);
  const Problem file = make_problem(g);
  if (file.size() == 0) throw input_error("model", "has no compute layers");
  SearchSpace space{pins, {}, {}};
  SolveOptions left = opt;
  if (group_layers) left.max_group_layers = group_layers;
  if (has_one_order(layer_dag_of(file)) && most_alive_across_a_cut(file) <= kMostAliveForDp)
    return solve_segments(file, cost, spm, left, space, std::move(strategy));
  Progress progress(opt.observer, opt.time_limit, opt.work_limit);
  std::optional<ProvenBounds> first_run;  // the first search's bounds: still ones after a repair
  std::optional<Plan> fixed;   // the fixed-order plan the first search is given, if it was
  SqueezeRival rival;
  const auto score = [&](const Plan& p) { return score_of(p.totals, opt.objective); };
  for (;;) {
    using Search = DagSearch<C, M>;
    // With a time or work limit, the first search gets the candidate orders' best plan
    // (the fixed-order DP over the same space, made at half of the limit in
    // half of the budget left, so the search keeps a quarter of the limit; or
    // at the start, in half of the limit, when its lattice is too large to keep).
    typename Search::SeedSource seed_source;
    if (!first_run && progress.budgeted()) {
      progress.at_half_budget([&] {
        progress.run_on_share(kSeedShare, [&] { fixed = best_fixed_order_plan(g, file, cost, spm, left, space, strategy, progress); });
      });
      seed_source = [&]() -> std::optional<typename Search::Seed> {
        if (!fixed) return std::nullopt;
        return seed_of<Search>(file, *fixed);
      };
    }
    std::optional<typename Search::Result> found;
    try {
      found = Search(file, cost, spm, left, space, progress).run(seed_source);
    } catch (const no_plan_fits&) {
      if (!rival.waiting()) throw;
    }
    progress.at_half_budget({});  // not due yet: the search ended first
    if (!found && !rival.waiting()) throw no_plan_error(file, cost, spm, strategy, std::nullopt);
    std::optional<Plan> placed;
    if (!found) {
      placed = rival.keep(progress);  // its rival's rerun found no plan
    } else {
      std::vector<std::size_t> order;
      std::vector<int> starts;
      for (const std::vector<int>& group : found->groups) {
        starts.push_back(static_cast<int>(order.size()));
        for (const int pos : group) order.push_back(file.order[std::size_t(pos)]);
      }
      const Problem p = make_problem(g, order);  // FMs are numbered by vertex, as in `file`
      Plan plan = assemble_plan(p, cost, spm, starts, found->pinned, opt.objective, strategy, progress.stats());
      plan.status = exact_status(plan, found->bounds, first_run);
      placed = rival.settle(place_plan(p, cost, spm, plan, progress, opt.layout_effort), progress);
      if (!placed) {
        ban_largest_pin(file, plan, spm.capacity(), space.no_pin, progress.stats());
        if (progress.stopped() || progress.out_of_budget()) space.pins = false;
        continue;
      }
    }
    if (fixed && score(*fixed) < score(*placed)) placed = std::move(*fixed);
    placed->status = exact_status(*placed, found ? found->bounds : *first_run, first_run);
    progress.finish(*placed);
    return std::move(*placed);
  }
}

}  // namespace pinfuse::detail
