#pragma once
// The engine behind every solver: dynamic programming over cuts of the
// execution order.
//
// A plan splits positions 0..n into consecutive groups at "cuts". At a cut p the
// state is the set of pin candidates alive across p (pinned from before p, read
// at or after p) that are pinned. From state (p, S) a group [p, q) is run: its inputs
// are pinned iff they are in S, FMs of S still alive at q stay pinned, and every
// subset T of its fresh candidates may be pinned: its outputs read after it,
// and the model inputs it reads first that are read after it (it loads those
// whole, Residence::loaded; FeatureMap::pin_start). The group then
// sees available = capacity - aligned bytes of (S + T), which is exactly the
// SPM the pinned FMs take while it runs, so the group's cost depends only on the
// transition and the DP is exact for any deterministic cost model:
//
//   best(q, S') = min over (p, S, T) of best(p, S) + cost(group [p, q) | S, T)
//
// Time: O(sum over cuts of 2^|L(p)| * groups from p * 2^|fresh candidates|) cost-model
// queries; those about one group go to the model as one batch. Strategies restrict the space (SearchSpace):
// fixed groups (layerwise, pinning-only) and/or no pins (layerwise, fusion-only).
// With a cost model that tells group floors (GroupFloorModel), a first pass
// over the groups gives a floor on the rest of any plan from each cut and a
// grouping, on which a cheap DP (fixed groups, at most 6 pin candidates) finds
// an incumbent; the DP skips transitions that cannot beat it (branch and
// bound, suffix_bound.hpp; the plan is the same), first in rounds that prune
// below it, from the floor up (bound_rounds.hpp). Not in a trade-off solve.
//
// SolveOptions::observer (solvers/observer.hpp) is told the statistics after
// each group's batch. When it says stop at cut b, or SolveOptions::time_limit
// or work_limit has run out (groups not yet asked then are not waited for), the DP finishes in quick
// mode: no new pins, and from each later cut only the 8 shortest groups from
// its 4 best states (more if none of them runs; were the quick mode to get
// stuck, the full DP runs on, not stopped again); the plan is
// that or the incumbent, whichever scores less. The plan's
// bound is then the least g + h over the states at cuts >= b: every plan passes
// through one of them, reached from the cuts the DP had finished; h is the
// larger of the cost model's floor on the layers left in the SPM's capacity
// (floor_in(): CostFloorModel, CapacityFloorModel; 0 without) and the first
// pass's floor on the rest.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <iterator>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/core/interval_sweep.hpp"
#include "pinfuse/core/parallel_for.hpp"
#include "pinfuse/solvers/detail/address_repair.hpp"
#include "pinfuse/solvers/detail/alike_pins.hpp"
#include "pinfuse/solvers/detail/assemble_plan.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/detail/group_settings.hpp"
#include "pinfuse/solvers/detail/bound_rounds.hpp"
#include "pinfuse/solvers/detail/no_plan.hpp"
#include "pinfuse/solvers/detail/suffix_bound.hpp"
#include "pinfuse/solvers/options.hpp"
#include "pinfuse/core/problem.hpp"

namespace pinfuse::detail {

/// The part of the plan space a strategy searches.
struct SearchSpace {
  bool pins = true;               ///< may FMs be pinned?
  std::vector<int> group_starts;  ///< fixed groups (first positions, ascending, from 0); empty = any grouping
  std::vector<char> no_pin;       ///< per FM (index into Problem::fms): never pin it; empty = none
};

/// What one run of an exact solver proved: a lower bound on every plan in its
/// space (the plan's own score when the run was not stopped), and the bound it
/// started from (SolveStatus::root_bound), if it had one.
struct ProvenBounds {
  Score lower;
  std::optional<Score> root;
};

/// The status of an exact solver's plan, given what its run proved. The first
/// run's bounds (`first_run`, set on the first call) stay valid after address
/// repairs; the plan is optimal when it scores that lower bound (the larger
/// of the two bounds: both hold).
inline SolveStatus exact_status(const Plan& plan, const ProvenBounds& run, std::optional<ProvenBounds>& first_run) {
  if (!first_run) first_run = {run.root ? std::max(run.lower, *run.root) : run.lower, run.root};
  return {score_of(plan.totals, plan.objective) == first_run->lower, first_run->lower, first_run->root};
}


/// For each position `cut` (0..n) with is_cut[cut]: the FMs f with keep[f]
/// a pin holds across it (pin start < cut <= last use, the empty window
/// [cut, cut) of IntervalSweep), in increasing f; not a scan of every FM per cut.
inline std::vector<std::vector<int>> alive_across_cuts(const Problem& p, const std::vector<char>& is_cut,
                                                       const std::vector<char>& keep) {
  std::vector<Interval> lifetimes;
  for (std::size_t f = 0; f < p.fms.size(); ++f)
    if (keep[f]) lifetimes.push_back({f, p.fms[f].pin_start(), p.fms[f].last_use()});
  IntervalSweep sweep(std::move(lifetimes));
  std::vector<std::vector<int>> live(p.size() + 1);
  for (std::size_t cut = 0; cut <= p.size(); ++cut)
    if (is_cut[cut])
      for (const std::size_t f : sweep.alive(static_cast<long long>(cut), static_cast<long long>(cut)))
        live[cut].push_back(static_cast<int>(f));
  return live;
}

/// The most FMs alive across one cut of `p`'s order (alive_across_cuts):
/// the fixed-order DP's pin sets at a cut are its subsets.
inline std::size_t most_alive_across_a_cut(const Problem& p) {
  const std::vector<std::vector<int>> live =
      alive_across_cuts(p, std::vector<char>(p.size() + 1, 1), std::vector<char>(p.fms.size(), 1));
  std::size_t most = 0;
  for (const std::vector<int>& at_cut : live) most = std::max(most, at_cut.size());
  return most;
}

/// May FM `fm` of `p` be pinned in `spm` under `opt`, unless `no_pin` (per FM)
/// bans it? The order-free search's candidates; the DP thins them.
template <MemoryConstraint M>
bool may_pin(const Problem& p, std::size_t fm, const M& spm, const SolveOptions& opt, const std::vector<char>& no_pin) {
  const FeatureMap& f = p.fms[fm];
  return f.pinnable() && (opt.pin_model_inputs || !f.model_input()) && spm.aligned(f.bytes) <= spm.capacity() &&
         (no_pin.empty() || !no_pin[fm]);
}

/// DRAM transfers of FM f's bytes a pin of it saves at most: its write (none for
/// a model input) and a read by each reader (but the first reader of a model
/// input, which loads it anyway).
inline std::size_t transfers_saved(const FeatureMap& f) {
  const std::size_t reads = f.consumer_positions.size();
  return f.model_input() ? reads - (reads > 0 ? 1 : 0) : reads + 1;
}

/// Pin candidates: FMs that may be pinned (may_pin), thinned so that at most
/// opt.max_pins_per_cut are alive across any allowed cut. Those that can save
/// the most traffic per byte of SPM stay (transfers_saved; ties: the smaller):
/// an FM many layers read goes before one read once.
template <MemoryConstraint M>
std::vector<char> pin_candidates(const Problem& p, const M& spm, const std::vector<char>& is_cut, const SolveOptions& opt,
                                 const std::vector<char>& no_pin) {
  const std::size_t limit = opt.max_pins_per_cut;
  std::vector<char> cand(p.fms.size(), 0);
  for (std::size_t f = 0; f < p.fms.size(); ++f)
    cand[f] = may_pin(p, f, spm, opt, no_pin);
  const std::vector<std::vector<int>> alive = alive_across_cuts(p, is_cut, cand);
  for (int cut = 1; cut < static_cast<int>(p.size()); ++cut) {
    if (!is_cut[cut]) continue;
    std::vector<int> live;  // the candidates still in, alive across the cut
    std::copy_if(alive[cut].begin(), alive[cut].end(), std::back_inserter(live), [&](int f) { return cand[f] != 0; });
    std::sort(live.begin(), live.end(), [&](int a, int b) {
      const FeatureMap &fa = p.fms[a], &fb = p.fms[b];
      return std::tuple(transfers_saved(fb), fa.bytes, a) < std::tuple(transfers_saved(fa), fb.bytes, b);
    });
    for (std::size_t i = limit; i < live.size(); ++i) cand[live[i]] = 0;
  }
  return cand;
}

/// The candidates a group [begin, end) may start to pin: its outputs read after
/// it, and the model inputs it reads first that are read after it (it loads them).
inline std::vector<int> fresh_pins(const Problem& p, const std::vector<char>& candidate, const GroupBoundary& b, int begin,
                                   int end) {
  std::vector<int> fresh;
  for (const int fm : b.outputs)
    if (candidate[fm]) fresh.push_back(fm);
  for (const int fm : b.inputs)
    if (candidate[fm] && p.fms[fm].pin_start() >= begin && p.fms[fm].last_use() >= end) fresh.push_back(fm);
  return fresh;
}

/// One way to reach a DP state (a cut and the pins alive across it): the totals
/// of a plan prefix ending there and the step it came by.
struct Label {
  std::uint64_t latency = 0;     ///< cycles
  std::uint64_t offchip = 0;     ///< off-chip bytes
  std::uint64_t energy = 0;      ///< pJ
  int prev_cut = -1;
  std::uint32_t prev_mask = 0;   ///< the state at prev_cut it came from
  std::uint32_t prev_label = 0;  ///< and which of that state's labels
  std::uint8_t asked = 0;        ///< the objective its last group was asked under (index into DpTable::asked)
  /// The pins its last group started, as a mask over DpTable::live at its cut
  /// (its state's mask may name alike FMs instead: alike_pins.hpp).
  std::uint32_t started = 0;
  Score score(Objective o) const { return score_of(latency, offchip, energy, o); }
};

/// A plan of the DP's space as its group starts (first positions), pinned FMs
/// (per FM of the Problem) and the objective each group is asked under.
struct PlanPath {
  std::vector<int> starts;
  std::vector<char> pinned;
  std::vector<Objective> asked;
};

/// What the DP found: per cut and pin mask, the best label under the objective,
/// or in a trade-off solve every label no other beats in both metrics.
struct DpTable {
  std::vector<std::vector<int>> live;                  ///< per cut: the pin candidates alive across it; mask bit i pins live[cut][i]
  std::vector<std::vector<std::vector<Label>>> labels; ///< per cut, per mask
  std::vector<Objective> asked;                        ///< the objectives every group is asked under
  std::optional<Score> stopped_bound;                  ///< set when the DP was stopped (then in quick mode)
  std::optional<Score> root_bound;                     ///< the suffix bound's rest(0), if it was worked out
  std::optional<PlanPath> incumbent;                   ///< the branch and bound's incumbent (suffix_bound.hpp), if any
};

/// The plan of label `label` of a table's final state, walked back.
inline PlanPath path_of(const Problem& p, const DpTable& t, std::uint32_t label) {
  PlanPath path{{}, std::vector<char>(p.fms.size(), 0), {}};
  for (int cut = static_cast<int>(p.size()), mask = 0, index = static_cast<int>(label); cut > 0;) {
    const Label& l = t.labels[cut][mask][index];
    for (std::size_t i = 0; i < t.live[cut].size(); ++i)
      if ((l.started >> i) & 1) path.pinned[t.live[cut][i]] = 1;
    path.starts.push_back(l.prev_cut);
    path.asked.push_back(t.asked[l.asked]);
    mask = static_cast<int>(l.prev_mask);
    index = static_cast<int>(l.prev_label);
    cut = l.prev_cut;
  }
  std::reverse(path.starts.begin(), path.starts.end());
  std::reverse(path.asked.begin(), path.asked.end());
  return path;
}

/// What a plan of the solve is ranked by (Plan::objective): the objective, or
/// in a trade-off solve the metric traded against latency (off-chip bytes for
/// the latency objective).
inline Objective ranked_objective(const SolveOptions& opt) {
  return opt.trade_off && opt.objective == Objective::latency ? Objective::offchip_bytes : opt.objective;
}

/// Refuses a trade-off solve over more than one execution order (the order-free
/// search, OrderMode::search): its front is the fixed-order DP's.
inline void require_one_order(const SolveOptions& opt) {
  if (opt.trade_off)
    throw input_error("order", "a trade-off solve (latency slack, Pareto front) keeps one execution order: "
                               "use the file order (--order file) or give one");
}

/// Adds `item` to `front`, whose members no other member matches or beats in
/// both metrics of `key` (a pair), unless a member matches or beats it; drops
/// the members it beats; keeps `front` in increasing key order. True if kept.
/// Used for the DP's labels and for the plans of a ParetoFront.
template <class T, class Key>
bool add_non_dominated(std::vector<T>& front, const T& item, const Key& key) {
  const auto mine = key(item);
  const auto covers = [](const auto& a, const auto& b) { return a.first <= b.first && a.second <= b.second; };
  for (const T& o : front)
    if (covers(key(o), mine)) return false;
  std::erase_if(front, [&](const T& o) { return covers(mine, key(o)); });
  front.insert(std::upper_bound(front.begin(), front.end(), mine, [&](const auto& k, const T& o) { return k < key(o); }),
               item);
  return true;
}

/// Adds `l` to a state's labels: it replaces the one label if it scores less
/// under `ranked` (`front` false), or joins the non-dominated ones (`front`
/// true: in latency and the traded metric, the first of the ranked score).
/// True if it was kept.
inline bool relax(std::vector<Label>& labels, const Label& l, bool front, Objective ranked) {
  if (front)
    return add_non_dominated(labels, l, [&](const Label& x) { return std::pair(x.latency, x.score(ranked).first); });
  if (!labels.empty() && !(l.score(ranked) < labels[0].score(ranked))) return false;
  labels.assign(1, l);
  return true;
}

/// What fill_table does when a stop's quick mode finds no plan.
enum class WhenStuck {
  full_dp,  ///< runs the full DP, not stopped again (the solve must return a plan if one exists)
  give_up,  ///< throws no_plan_fits (a run whose plan is optional, and the solve's stop must stand:
            ///< the incumbent's run; the order-free search's fixed-order seed)
};

/// Fills the DP table; plan_at() walks a label back to its plan. What it does
/// when `progress` stops it: see the header comment.
template <CostModel C, MemoryConstraint M>
DpTable fill_table(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt, const SearchSpace& space,
                   const std::string& strategy, Progress& progress, WhenStuck when_stuck = WhenStuck::full_dp) {
  const int n = static_cast<int>(p.size());
  if (n == 0) throw input_error("model", "has no compute layers");
  if (opt.max_pins_per_cut > 20)
    throw input_error("max_pins_per_cut", "at most 20 (the DP keeps 2^k states per cut), got " +
                                              std::to_string(opt.max_pins_per_cut));
  if (opt.trade_off && !(opt.trade_off->latency_slack >= 0 && opt.trade_off->latency_slack <= 1e6))
    throw input_error("latency_slack", "must be a fraction from 0 to 1e6, got " + std::to_string(opt.trade_off->latency_slack));

  std::vector<char> is_cut(n + 1, space.group_starts.empty() ? 1 : 0);
  for (const int s : space.group_starts) {
    if (s < 0 || s >= n) throw input_error("groups", "group start " + std::to_string(s) + " is out of range");
    is_cut[s] = 1;
  }
  is_cut[0] = is_cut[n] = 1;
  const std::vector<char> candidate = space.pins ? pin_candidates(p, spm, is_cut, opt, space.no_pin)
                                                 : std::vector<char>(p.fms.size(), 0);
  SolveStatistics& stats = progress.stats();
  // Where a group from each cut may end: the later cuts, until max_group_layers,
  // the SPM floor (no longer group runs either) or, with fixed groups, the next cut.
  // The floor never decreases as the group grows (SpmFloorModel), and [b, e) is
  // part of [b', e) for b' < b: every end up to `fits_until`, the furthest that
  // fit from an earlier cut, fits from a later one too. So each cut tests only
  // ends past it, and each test either moves fits_until on or stops the cut:
  // O(n) floors in all.
  std::vector<std::vector<int>> ends(n + 1);
  int fits_until = 0;
  for (int begin = 0; begin < n; ++begin) {
    if (!is_cut[begin]) continue;
    for (int end = begin + 1; end <= n; ++end) {
      if (!is_cut[end]) continue;
      if (opt.max_group_layers && std::size_t(end - begin) > opt.max_group_layers) break;
      if constexpr (SpmFloorModel<C>) {
        if (end > fits_until) {
          if (cost.least_spm_bytes(positions_to_vertices(p, begin, end)) > spm.capacity()) {
            ++stats.growth_stops;  // no group [begin, end' >= end) can run
            break;
          }
          fits_until = end;
        }
      }
      ends[begin].push_back(end);
      if (!space.group_starts.empty()) break;  // fixed groups: the next cut only
    }
  }
  const bool front = opt.trade_off.has_value();
  WorkerPool pool(thread_count(opt.threads));
  // Branch and bound (suffix_bound.hpp); a trade-off solve keeps fronts,
  // which one incumbent score cannot prune. Without pins (fusion) the floors
  // are the groups' costs, rest() the optimum from each cut and the incumbent
  // the optimum: the DP then costs only the groups on optimal paths and those
  // whose exact floor the pass skipped where their fused floor does not prune.
  SuffixBound bound;
  if constexpr (GroupFloorModel<C>)
    if (!front && !progress.stopped())
      bound = suffix_bound(p, cost, spm, opt.objective, ends, candidate, pool, progress);
  // The incumbent to beat: the best plan with the bound's grouping and at most
  // 6 pin candidates (of these) alive across a cut, by this DP with fixed
  // groups (cheap: one group from each cut); it is in this DP's space. None if
  // no plan runs with those groups, or if a stop during this run leaves its
  // quick mode with none (then the stop stands for the DP below: no full rerun).
  DpTable t;
  std::optional<Score> incumbent_score;
  if (bound.complete && !bound.grouping.empty() && space.group_starts.empty() && !progress.stopped()) {
    SearchSpace fixed{true, bound.grouping, std::vector<char>(p.fms.size(), 0)};
    for (std::size_t f = 0; f < p.fms.size(); ++f) fixed.no_pin[f] = candidate[f] ? 0 : 1;
    SolveOptions cheap = opt;
    cheap.max_pins_per_cut = std::min<std::size_t>(opt.max_pins_per_cut, 6);
    try {
      const DpTable pinned = fill_table(p, cost, spm, cheap, fixed, strategy, progress, WhenStuck::give_up);
      t.incumbent = path_of(p, pinned, 0);
      incumbent_score = pinned.labels[n][0][0].score(opt.objective);
    } catch (const no_plan_fits&) {
    }
  }
  // Rounds below the incumbent, from the floor on every plan up (bound_rounds.hpp).
  if (!bound.rest.empty()) t.root_bound = bound.rest[0];  // none without group floors or once stopped
  BoundRounds rounds(incumbent_score);
  // Without an incumbent (pinning-only: fixed groups; or no plan ran with the bound's grouping) the rounds
  // rise until their threshold passes every score: each round below the optimum ends early, and one that
  // finds a plan gives the incumbent a stopped solve returns (DenseNet-121, pinning-only at 512 KiB under
  // the default work limit: gap 0.23% rather than 4.05% from the unpruned DP's quick mode). Not without
  // pins (layerwise): one state per cut, nothing to prune.
  if (t.root_bound && !progress.stopped() && (incumbent_score || space.pins))
    rounds = BoundRounds(*t.root_bound, incumbent_score.value_or(Score{UINT64_MAX, UINT64_MAX}));
  t.live = alive_across_cuts(p, is_cut, candidate);
  const std::vector<std::vector<int>>& live = t.live;
  // Alike pins (alike_pins.hpp): per cut, each class of alike candidates alive across it as a mask over live[cut].
  const std::vector<std::optional<AlikeKind>> kinds = alike_kinds(p, cost, candidate);
  std::vector<std::vector<std::uint32_t>> alike(n + 1);
  if (!kinds.empty())
    for (int cut = 0; cut <= n; ++cut)
      if (is_cut[cut])
        for (const std::vector<int>& members : alike_classes(p, kinds, live[cut], [&](int pos) { return pos >= cut; })) {
          std::uint32_t bits = 0;
          for (const int i : members) bits |= std::uint32_t(1) << i;
          alike[cut].push_back(bits);
        }
  // The state of pin mask `mask` at `cut`: of each class of alike FMs, the first ones, as many as `mask` pins.
  const auto alike_mask = [&](int cut, std::uint32_t mask) {
    for (const std::uint32_t bits : alike[cut]) {
      int count = std::popcount(mask & bits);
      mask &= ~bits;
      for (std::uint32_t rest = bits; count-- > 0; rest &= rest - 1) mask |= rest & (~rest + 1);  // its lowest bit
    }
    return mask;
  };
  const Objective ranked = ranked_objective(opt);
  t.asked = front ? std::vector<Objective>{Objective::latency, ranked} : std::vector<Objective>{opt.objective};
  auto& best = t.labels;
  // An empty table but for the start.
  const auto start_round = [&] {
    best.assign(n + 1, {});
    for (int cut = 0; cut <= n; ++cut)
      if (is_cut[cut]) best[cut].resize(std::size_t(1) << live[cut].size());
    best[0][0].push_back({});
  };

  const std::size_t quick_ends = 8;    // groups from each cut in quick mode
  const std::size_t quick_states = 4;  // states of a cut they run from in quick mode
  const auto lower_bound_from = [&](int first_cut) {
    std::optional<Score> least;
    for (int cut = first_cut; cut <= n; ++cut) {
      if (!is_cut[cut]) continue;
      Score floor;
      if constexpr (CostFloorModel<C>) {
        const CostFloor f = floor_in(cost, positions_to_vertices(p, cut, n), spm.capacity());
        floor = score_of(f, ranked);
      }
      if (bound.complete) {
        if (!bound.rest[cut]) continue;  // no plan gets from here to the end
        floor = std::max(floor, *bound.rest[cut]);
      }
      for (const std::vector<Label>& state : best[cut])
        for (const Label& l : state)
          if (const Score s = l.score(ranked) + floor; !least || s < *least) least = s;
    }
    return least.value_or(Score{});
  };
  std::optional<Score>& stopped_bound = t.stopped_bound;  // set when the DP is stopped: quick mode from then on
  const auto stop_at = [&](int cut) { stopped_bound = rounds.stopped_bound(lower_bound_from(cut)); };
  // The groups from one cut, each asked of the cost model as one batch (in
  // parallel with SolveOptions::threads), then applied in order of their end.
  struct Transition {
    std::uint32_t from, to;
    std::size_t setting;
    std::uint32_t started;  ///< Label::started
  };
  struct Added {  // what a group adds to a plan's totals: cycles, bytes, pJ
    std::uint64_t latency = 0, offchip = 0, energy = 0;
  };
  struct Batch {
    int end = 0;
    std::vector<Transition> transitions;
    GroupSettings settings;
    std::vector<std::vector<std::optional<Added>>> answers;  // per asked objective, per setting
    std::vector<std::string> new_keys;  // the settings' keys not in `kept` (rounds only), for it
    SolveStatistics stats;  // its queries, added to the solve's when applied
    bool asked = false;     // false: the time ran out before the cost model was asked
  };
  std::vector<char> pinned(p.fms.size(), 0);
  // Branch and bound: a state scoring `g` at a cut cannot lead, by a group of
  // `floor` (its floor plus the rest's), to a plan scoring at most the round's
  // threshold (not in quick mode, which must find a plan).
  const auto cannot_beat = [&](const Score& g, const Score& floor) { return !stopped_bound && rounds.prunes(g + floor); };
  // Every transition by group [begin, end) (state at begin, pins among the
  // fresh candidates; quick mode: none) and the distinct settings they put it in;
  // `floor`: the group's floor plus the rest's from `end` (bound.complete), to
  // prune states by (not in quick mode, which must find a plan).
  const auto prepare = [&](int begin, int end, std::optional<Score> floor, const std::vector<char>& beam) {
    Batch batch;
    batch.end = end;
    std::vector<std::uint32_t> from;  // the states it runs from, unless the bound prunes them
    for (std::uint32_t mask = 0; mask < best[begin].size(); ++mask) {
      if (best[begin][mask].empty() || (!beam.empty() && !beam[mask])) continue;
      if (floor && cannot_beat(best[begin][mask][0].score(ranked), *floor)) {
        ++stats.states_pruned;
        continue;
      }
      from.push_back(mask);
    }
    if (from.empty()) return batch;
    const GroupBoundary boundary = group_boundary(p, begin, end);
    const std::vector<int> fresh = fresh_pins(p, candidate, boundary, begin, end);
    std::vector<int> maybe_pinned = live[begin];  // every pin alive during the group is one of these
    maybe_pinned.insert(maybe_pinned.end(), fresh.begin(), fresh.end());
    for (const std::uint32_t mask : from) {
      for (std::uint32_t t = 0; t < (stopped_bound ? 1U : std::uint32_t(1) << fresh.size()); ++t) {
        for (std::size_t i = 0; i < live[begin].size(); ++i) pinned[live[begin][i]] = (mask >> i) & 1U;
        for (std::size_t i = 0; i < fresh.size(); ++i) pinned[fresh[i]] = (t >> i) & 1U;
        GroupSetting s = group_setting(p, spm, begin, end, boundary, maybe_pinned, [&](int fm) { return pinned[fm] != 0; });
        if (s.pinned_bytes <= spm.capacity()) {
          const std::size_t setting = batch.settings.add(std::move(s));
          std::uint32_t next = 0, started = 0;
          for (std::size_t i = 0; i < live[end].size(); ++i) {
            next |= std::uint32_t(pinned[live[end][i]]) << i;
            if (pinned[live[end][i]] && std::find(fresh.begin(), fresh.end(), live[end][i]) != fresh.end())
              started |= std::uint32_t(1) << i;
          }
          batch.transitions.push_back({mask, alike_mask(end, next), setting, started});
        }
        for (const int fm : maybe_pinned) pinned[fm] = 0;
      }
    }
    return batch;
  };
  // The cost model's answers for the batch's settings. With rounds below the
  // incumbent the later rounds ask what the earlier ones did: the answers are
  // kept (one asked objective then, as a trade-off solve has no rounds).
  const bool keeping = rounds.below_incumbent();
  AnswerCache<Added> kept;
  const auto answer = [&](int begin, Batch& batch) {
    const std::vector<std::size_t> layers = positions_to_vertices(p, begin, batch.end);
    const auto added = [](const std::optional<GroupCost>& c) {
      return c ? std::optional<Added>(Added{c->latency_cycles, c->offchip.total(), c->energy.total()}) : std::nullopt;
    };
    if (!keeping) {
      for (const Objective objective : t.asked) {
        const std::vector<std::optional<GroupCost>> costs = batch.settings.ask(layers, cost, spm, objective, batch.stats);
        batch.answers.emplace_back();
        std::transform(costs.begin(), costs.end(), std::back_inserter(batch.answers.back()), added);
      }
      return;
    }
    const std::array<std::size_t, 2> group{std::size_t(begin), std::size_t(batch.end)};
    std::vector<std::optional<Added>>& out = batch.answers.emplace_back(batch.settings.size());
    batch.new_keys.resize(batch.settings.size());
    GroupSettings missing;
    std::vector<std::size_t> missing_of;  // per setting in `missing`: its index in batch.settings
    for (std::size_t k = 0; k < batch.settings.size(); ++k) {
      std::string key = setting_key(group, batch.settings.at(k));
      if (const std::optional<Added>* hit = kept.find(key)) {
        out[k] = *hit;
        ++batch.stats.cache_hits;
      } else {
        missing.add(batch.settings.at(k));
        missing_of.push_back(k);
        batch.new_keys[k] = std::move(key);
      }
    }
    if (missing_of.empty()) return;
    const std::vector<std::optional<GroupCost>> costs = missing.ask(layers, cost, spm, opt.objective, batch.stats);
    for (std::size_t j = 0; j < costs.size(); ++j) out[missing_of[j]] = added(costs[j]);
  };
  // Relaxes the states at the batch's end; true if some transition ran.
  const auto apply = [&](int begin, Batch& batch) {
    stats.groups_costed += batch.stats.groups_costed;
    stats.memory_refusals += batch.stats.memory_refusals;
    stats.cache_hits += batch.stats.cache_hits + (batch.transitions.size() - batch.settings.size()) * t.asked.size();
    bool ran = false;
    for (const Transition& tr : batch.transitions)
      for (std::size_t a = 0; a < t.asked.size(); ++a) {
        const std::optional<Added>& c = batch.answers[a][tr.setting];
        if (!c) continue;
        ran = true;
        const std::vector<Label>& from = best[begin][tr.from];
        for (std::size_t i = 0; i < from.size(); ++i) {
          const Label l{saturating_add(from[i].latency, c->latency), saturating_add(from[i].offchip, c->offchip),
                        saturating_add(from[i].energy, c->energy), begin, tr.from, std::uint32_t(i), std::uint8_t(a),
                        tr.started};
          if (relax(best[batch.end][tr.to], l, front, ranked) && batch.end == n) ++stats.incumbents;
        }
      }
    return ran;
  };
  // The rounds, each a pass over the cuts from an empty table.
  for (bool last = false; !last;) {
    start_round();
    if (progress.stopped()) stop_at(0);
    for (int begin = 0; begin < n; ++begin) {
      if (!is_cut[begin]) continue;
      const std::size_t states_here = std::size_t(std::count_if(best[begin].begin(), best[begin].end(),
                                                                [](const std::vector<Label>& s) { return !s.empty(); }));
      stats.states_expanded += states_here;
      // The ends a group from `begin` may have, with their floors (bound.complete);
      // groups that run in no setting, or after which no plan ends, are left out.
      // A group the bound pass left at its fused floor (FusedFloorModel) that
      // would still run from the best state here gets its group floor now
      // (`refine`): it may prune more, or show that the group runs in no setting.
      // A group whose floor prunes it from the best state is pruned from all of
      // them here, without a batch (on a long chain most of the hundreds of ends
      // from a cut are); should the DP stop at this cut, quick mode, which must
      // find a plan, gets them back (`pruned_ends`).
      std::vector<int> group_ends, pruned_ends;
      std::vector<std::optional<Score>> floors;
      std::vector<std::size_t> refine;  // indices into group_ends
      std::vector<std::size_t> refine_end;  // per refine: its index into ends[begin]
      std::optional<Score> least_here;  // the best state's score at `begin`
      for (const std::vector<Label>& state : best[begin])
        if (!state.empty() && (!least_here || state[0].score(ranked) < *least_here)) least_here = state[0].score(ranked);
      const CutFloors floors_here = bound.complete ? floors_from(bound, p, cost, opt.objective, begin, ends[begin]) : CutFloors{};
      for (std::size_t i = 0; i < ends[begin].size(); ++i) {
        const int end = ends[begin][i];
        if (!bound.complete) {
          group_ends.push_back(end);
          floors.emplace_back();
        } else if (floors_here.floor[i] && bound.rest[end]) {
          const Score floor = *floors_here.floor[i] + *bound.rest[end];
          if (least_here && cannot_beat(*least_here, floor)) {
            stats.states_pruned += states_here;
            pruned_ends.push_back(end);
            continue;
          }
          group_ends.push_back(end);
          floors.push_back(floor);
          if (!floors_here.asked[i] && rounds.threshold() && !stopped_bound && least_here) {
            refine.push_back(floors.size() - 1);
            refine_end.push_back(i);
          }
        }
      }
      if constexpr (GroupFloorModel<C>) {
        std::vector<std::optional<Score>> refined(refine.size());
        pool.parallel_for(refine.size(), [&](std::size_t k) {
          refined[k] = most_generous_floor(p, cost, spm, opt.objective, candidate, begin, group_ends[refine[k]]);
        });
        stats.groups_costed += refine.size();
        if (!refine.empty()) {  // kept with the floors the pass asked, for the rounds after this one
          std::vector<std::pair<std::size_t, std::optional<Score>>>& asked = bound.asked[std::size_t(begin)];
          for (std::size_t k = 0; k < refine.size(); ++k) asked.emplace_back(refine_end[k], refined[k]);
          std::sort(asked.begin(), asked.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        }
        for (std::size_t k = refine.size(); k-- > 0;) {
          const std::size_t j = refine[k];
          if (refined[k]) {
            floors[j] = *refined[k] + *bound.rest[group_ends[j]];
          } else {
            group_ends.erase(group_ends.begin() + std::ptrdiff_t(j));
            floors.erase(floors.begin() + std::ptrdiff_t(j));
          }
        }
      }
      // Quick mode runs groups from the quick_states best states of the cut only
      // (from all of them if no group runs from those).
      std::vector<char> beam;  // per mask: a state groups run from; empty: every state
      bool widened = false, ran_here = false;
      const auto narrow = [&] {
        std::vector<std::uint32_t> masks;
        for (std::uint32_t mask = 0; mask < best[begin].size(); ++mask)
          if (!best[begin][mask].empty()) masks.push_back(mask);
        if (masks.size() <= quick_states) return;
        std::partial_sort(masks.begin(), masks.begin() + quick_states, masks.end(), [&](std::uint32_t a, std::uint32_t b) {
          return std::pair(best[begin][a][0].score(ranked), a) < std::pair(best[begin][b][0].score(ranked), b);
        });
        beam.assign(best[begin].size(), 0);
        for (std::size_t i = 0; i < quick_states; ++i) beam[masks[i]] = 1;
      };
      // All the groups at once, or in quick mode the next quick_ends of them
      // (and more only if none of those runs).
      for (std::size_t first = 0; first < group_ends.size();) {
        const bool quick = stopped_bound.has_value();
        if (quick && beam.empty() && !widened) narrow();
        const std::size_t count = quick ? std::min(quick_ends, group_ends.size() - first) : group_ends.size() - first;
        std::vector<Batch> batches;
        for (std::size_t i = first; i < first + count; ++i) batches.push_back(prepare(begin, group_ends[i], floors[i], beam));
        pool.parallel_for(batches.size(), [&](std::size_t i) {
          if (!quick && progress.past_budget()) return;  // not asked: redone in quick mode
          batches[i].asked = true;
          if (batches[i].transitions.empty()) return;  // pruned from every state
          answer(begin, batches[i]);
        });
        for (Batch& batch : batches)  // what the rounds after this one ask again
          for (std::size_t k = 0; k < batch.new_keys.size(); ++k)
            if (!batch.new_keys[k].empty()) kept.keep(std::move(batch.new_keys[k]), batch.answers[0][k]);
        std::size_t applied = 0;
        bool ran = false;  // some group from `begin` ran
        for (Batch& batch : batches) {
          if (!batch.asked) {
            progress.tick();  // the budget is spent
            stop_at(begin);
            break;
          }
          ran = apply(begin, batch) || ran;
          ++applied;
          if (!stopped_bound && progress.tick()) {
            stop_at(begin);
            break;  // the rest, if any, in quick mode
          }
        }
        first += applied;
        if (stopped_bound && !pruned_ends.empty()) {  // quick mode from here: no pruning
          group_ends.insert(group_ends.end(), pruned_ends.begin(), pruned_ends.end());
          floors.resize(group_ends.size());
          pruned_ends.clear();
        }
        ran_here = ran_here || ran;
        if (stopped_bound && ran) break;  // quick mode: enough groups from `begin`
        if (first == group_ends.size() && !ran_here && !beam.empty()) {  // none ran from the beam: from every state
          beam.clear();
          widened = true;
          first = 0;
        }
      }
    }
    std::optional<Score> found;
    if (!best[n][0].empty()) found = best[n][0][0].score(ranked);
    bool improved = false;
    last = stopped_bound || rounds.finish(found, improved);
    if (improved) t.incumbent = path_of(p, t, 0);
    if (!last) ++stats.bound_rounds;
  }
  if (best[n][0].empty() && stopped_bound && when_stuck == WhenStuck::full_dp) {  // the quick mode got stuck
    progress.keep_going();
    ++stats.runs;
    return fill_table(p, cost, spm, opt, space, strategy, progress);
  }
  if (best[n][0].empty()) {
    int stuck = 0;
    for (int cut = 0; cut < n; ++cut)
      if (is_cut[cut] && std::any_of(best[cut].begin(), best[cut].end(), [](const std::vector<Label>& s) { return !s.empty(); }))
        stuck = cut;
    if (when_stuck == WhenStuck::give_up)  // its caller goes on without a plan: no layer to look for
      throw no_plan_fits("layer '" + p.names[std::size_t(stuck)] + "'", "no " + strategy + " plan of this run fits the SPM");
    throw no_plan_error(p, cost, spm, strategy, stuck);
  }
  return t;
}

/// The plan of label `label` of the final state: walked back to its group
/// starts, pins and the objective each group was asked under.
template <CostModel C, MemoryConstraint M>
Plan plan_at(const Problem& p, const C& cost, const M& spm, const DpTable& t, std::uint32_t label, Objective ranked,
             std::string strategy, SolveStatistics& stats) {
  const PlanPath path = path_of(p, t, label);
  return assemble_plan(p, cost, spm, path.starts, path.pinned, ranked, std::move(strategy), stats, path.asked);
}

/// The latency a trade-off solve may spend: (1 + slack) x `least` cycles, in
/// long double: exact for slack 0, and below one cycle off otherwise.
inline long double allowed_latency(std::uint64_t least, const TradeOff& trade_off) {
  return static_cast<long double>(least) * (1.0L + static_cast<long double>(trade_off.latency_slack));
}

/// Index of the item with the least `rank` among those whose `latency` is at
/// most `allowed` (the first on ties), or none. Picks a trade-off solve's
/// label (chosen_label) and its placed plan (solve_segments).
template <class T, class Latency, class Rank>
std::optional<std::size_t> least_within(const std::vector<T>& items, long double allowed, const Latency& latency,
                                        const Rank& rank) {
  std::optional<std::size_t> chosen;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (static_cast<long double>(latency(items[i])) <= allowed && (!chosen || rank(items[i]) < rank(items[*chosen])))
      chosen = i;
  return chosen;
}

/// The least latency of a table's final labels (cycles).
inline std::uint64_t least_latency(const DpTable& t) {
  std::uint64_t least = UINT64_MAX;
  for (const Label& l : t.labels.back()[0]) least = std::min(least, l.latency);
  return least;
}

/// The label of the final state a solve returns: the one label, or (trade-off)
/// the least traded metric among those within the latency slack (ties: lower latency).
inline std::uint32_t chosen_label(const DpTable& t, const SolveOptions& opt) {
  if (!opt.trade_off) return 0;
  const Objective ranked = ranked_objective(opt);
  // the least-latency label is always within, so there is a choice
  return static_cast<std::uint32_t>(*least_within(
      t.labels.back()[0], allowed_latency(least_latency(t), *opt.trade_off), [](const Label& l) { return l.latency; },
      [&](const Label& l) { return l.score(ranked); }));
}

/// The DP's table, its plan and the lower bound it proved: the plan's score unless it was stopped.
struct DpResult {
  DpTable table;
  Plan plan;
  ProvenBounds bounds;
};

/// The DP proper; solve_segments() adds addresses and repairs.
template <CostModel C, MemoryConstraint M>
DpResult solve_dp(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt, const SearchSpace& space,
                  std::string strategy, Progress& progress, WhenStuck when_stuck = WhenStuck::full_dp) {
  ++progress.stats().runs;
  DpTable t = fill_table(p, cost, spm, opt, space, strategy, progress, when_stuck);
  const Objective ranked = ranked_objective(opt);
  Plan plan = plan_at(p, cost, spm, t, chosen_label(t, opt), ranked, strategy, progress.stats());
  if (t.stopped_bound && t.incumbent) {  // the quick mode's plan may be worse than the incumbent
    Plan better = assemble_plan(p, cost, spm, t.incumbent->starts, t.incumbent->pinned, ranked, std::move(strategy),
                                progress.stats(), t.incumbent->asked);
    if (score_of(better) < score_of(plan)) plan = std::move(better);
  }
  const ProvenBounds bounds{t.stopped_bound.value_or(score_of(plan.totals, ranked)), t.root_bound};
  return {std::move(t), std::move(plan), bounds};
}

/// Adds a plan with addresses to `front` unless a plan there is at least as
/// good in latency and the traded metric (the first of the plan's score);
/// drops the plans it beats. Keeps the front by increasing latency.
inline void add_to_front(ParetoFront& front, const Plan& plan) {
  add_non_dominated(front.plans, plan, [](const Plan& p) {
    return std::pair(p.totals.latency_cycles, score_of(p.totals, p.objective).first);
  });
}

/// A trade-off solve's whole front (SolveOptions::trade_off->front), from the
/// first run's table: every final label's plan that gets SPM addresses, by latency.
template <CostModel C, MemoryConstraint M>
ParetoFront front_of(const Problem& p, const C& cost, const M& spm, const DpTable& t, const Objective ranked,
                     const std::string& strategy, Progress& progress, const AllocationEffort& effort) {
  ParetoFront front;
  front.complete = !t.stopped_bound;
  for (std::uint32_t i = 0; i < t.labels.back()[0].size(); ++i) {
    Plan plan = plan_at(p, cost, spm, t, i, ranked, strategy, progress.stats());
    plan.status = {!t.stopped_bound, t.stopped_bound.value_or(score_of(plan.totals, ranked)), std::nullopt};  // no suffix bound for a front
    plan.layout = lay_out(plan, spm, progress.deadline(), effort);
    if (plan.layout.peak <= spm.capacity()) add_to_front(front, plan);
    else ++front.unplaced;
  }
  return front;
}


/// Solves, then gives the plan SPM addresses (plan/layout.hpp). Capacity holds
/// at every step by construction, but pinned FMs that live across several
/// groups can fragment the SPM so that no addresses fit; then the groups are
/// asked again with an SPM reserve (squeeze_until_placed, address_repair.hpp;
/// while the budget lasts, the squeezed plan competes with one rerun without
/// its largest pin: SqueezeRival), and where no reserve fits the largest
/// pinned FM is banned from pinning and the problem solved again,
/// until the plan can be placed (with no pins it always can: each group's
/// buffers alone fit). Once stopped (a time or work limit or the observer), the
/// rerun would be in quick mode, without pins: the plan first keeps its groups
/// and loses its largest pins until they fit (unpin_until_placed), and is only
/// solved again where that fails. Never returns a plan without addresses. Plan::status
/// says whether the plan is still the optimum the first solve proved (or
/// reaches the bound it proved when stopped). Statistics go to `progress`.
/// A trade-off solve returns the least traded metric among the first run's
/// front plans that get addresses and are within the slack; only when none is
/// does it repair. Its front is the first run's (before any repair).
template <CostModel C, MemoryConstraint M>
Plan solve_segments(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt, SearchSpace space,
                    std::string strategy, Progress& progress, WhenStuck when_stuck = WhenStuck::full_dp) {
  std::optional<ProvenBounds> first_run;  // the first run's bounds: still ones after a repair
  SqueezeRival rival;
  const auto repaired = [&](Plan plan) {  // a placed plan after the first run's: on the front too
    progress.finish(plan);
    if (opt.trade_off && opt.trade_off->front) add_to_front(*opt.trade_off->front, plan);
    return plan;
  };
  for (;;) {
    std::optional<DpResult> run;
    try {
      run.emplace(solve_dp(p, cost, spm, opt, space, strategy, progress, when_stuck));
    } catch (const no_plan_fits&) {
      if (!rival.waiting()) throw;
      return repaired(rival.keep(progress));  // its rival's rerun found no plan
    }
    DpResult& r = *run;
    if (!first_run && opt.trade_off) {
      // The answer among the front's plans that get addresses: when the chosen
      // label's pins fragment the SPM, a placed plan within the slack beats a repair.
      ParetoFront front = front_of(p, cost, spm, r.table, ranked_objective(opt), strategy, progress, opt.layout_effort);
      const std::optional<std::size_t> placed = least_within(
          front.plans, allowed_latency(least_latency(r.table), *opt.trade_off),
          [](const Plan& q) { return q.totals.latency_cycles; }, [](const Plan& q) { return score_of(q.totals, q.objective); });
      std::optional<Plan> answer;
      if (placed) answer = front.plans[*placed];
      if (opt.trade_off->front) *opt.trade_off->front = std::move(front);
      if (answer) {
        answer->status = exact_status(*answer, r.bounds, first_run);
        progress.finish(*answer);
        return std::move(*answer);
      }
    }
    Plan& plan = r.plan;
    plan.status = exact_status(plan, r.bounds, first_run);
    Placement placement = place_plan(p, cost, spm, plan, progress, opt.layout_effort);
    if (placement.plan && opt.trade_off &&  // a repair may leave the slack (its groups asked with less SPM): ban and solve again
        static_cast<long double>(placement.plan->totals.latency_cycles) > allowed_latency(least_latency(r.table), *opt.trade_off))
      placement.plan.reset();
    std::optional<Plan> placed = rival.settle(std::move(placement), progress);
    if (placed) {
      placed->status = exact_status(*placed, r.bounds, first_run);
      return repaired(std::move(*placed));
    }
    ban_largest_pin(p, plan, spm.capacity(), space.no_pin, progress.stats());
  }
}
template <CostModel C, MemoryConstraint M>
Plan solve_segments(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt, SearchSpace space,
                    std::string strategy) {
  Progress progress(opt.observer, opt.time_limit, opt.work_limit);
  return solve_segments(p, cost, spm, opt, std::move(space), std::move(strategy), progress);
}

}  // namespace pinfuse::detail
