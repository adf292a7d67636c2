#pragma once
// Plan: the full decision a solver returns — execution order, groups with their
// boundary residences and cost (incl. tiling and SPM buffers), pinned FMs with
// lifetimes, and totals. Layers and FMs are named by vertex index.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse {

struct PlannedGroup {
  std::vector<std::size_t> layers;    ///< vertex indices in execution order
  std::vector<BoundaryFm> inputs;     ///< FMs read from before the group
  std::vector<BoundaryFm> outputs;    ///< FMs needed after the group (or model outputs)
  GroupCost cost;
  /// The objective its cost was asked under (GroupQuery::objective), when not
  /// the plan's: a trade-off plan mixes groups tiled for latency and for traffic.
  std::optional<Objective> tiling_objective;
  /// Bytes held back from the SPM its pins leave when its cost was asked
  /// (an address repair's squeeze, solvers/detail/address_repair.hpp: smaller
  /// tiles give the allocator room); 0: none.
  std::uint64_t spm_reserve = 0;
  friend bool operator==(const PlannedGroup&, const PlannedGroup&) = default;
};

/// GroupQuery::available_bytes of a group: the SPM the pinned FMs alive during
/// it (`pinned_bytes`, aligned) leave, less its spm_reserve; nullopt when they
/// leave less than that.
inline std::optional<std::uint64_t> available_to(const PlannedGroup& g, std::uint64_t capacity, std::uint64_t pinned_bytes) {
  if (pinned_bytes > capacity || g.spm_reserve > capacity - pinned_bytes) return std::nullopt;
  return capacity - pinned_bytes - g.spm_reserve;
}

/// A feature map kept in SPM from the group producing it (a model input: the
/// first group reading it, which loads it) to the last group reading it.
struct PinnedFm {
  std::size_t vertex = 0;        ///< vertex index of the producer (or of the model input)
  std::uint64_t bytes = 0;       ///< aligned bytes it occupies
  std::size_t first_group = 0;   ///< producing (or loading) group
  std::size_t last_group = 0;    ///< last consuming group
  friend bool operator==(const PinnedFm&, const PinnedFm&) = default;
};

struct PlanTotals {
  std::uint64_t latency_cycles = 0;
  OffchipBytes offchip;
  std::uint64_t recompute_macs = 0;
  EnergyPj energy{};
  friend bool operator==(const PlanTotals&, const PlanTotals&) = default;
};

inline Score score_of(const PlanTotals& t, Objective o) {
  return score_of(t.latency_cycles, t.offchip.total(), t.energy.total(), o);
}

/// SPM addresses: where each pinned FM and each group buffer lives (bytes from
/// the start of the usable SPM). Empty vectors: the plan has no addresses yet.
struct SpmLayout {
  std::vector<std::uint64_t> pinned;                ///< per Plan::pinned entry
  std::vector<std::vector<std::uint64_t>> buffers;  ///< per group, per GroupCost::buffers entry
  std::uint64_t peak = 0;                           ///< highest address used + 1
  std::uint64_t lower_bound = 0;                    ///< most aligned bytes alive at one step
  bool empty() const { return pinned.empty() && buffers.empty(); }
  friend bool operator==(const SpmLayout&, const SpmLayout&) = default;
};

/// How the solver ended. A search with a time limit may stop before it has
/// proven its plan optimal; it then still proves a lower bound.
struct SolveStatus {
  bool optimal = true;  ///< no plan in the solver's plan space scores less
  Score lower_bound;    ///< no plan in that space scores less than this (the objective's metrics)
  /// The bound the exact solver had before its search explored any plan: its
  /// floors on the whole network (the order-free search's h of the start, 0
  /// from a cost model without floors; the fixed-order DP's rest(0), none
  /// without group floors or when stopped before it); none from the ILP and
  /// the order search. Its distance to the optimum is what the search had to
  /// close; lower_bound is at least it.
  std::optional<Score> root_bound;
  friend bool operator==(const SolveStatus&, const SolveStatus&) = default;
};

/// What a solve did (solvers/observer.hpp reports it while it runs). Counters
/// add up over every search run of one solve call: address repairs, and each
/// order of OrderMode::search.
struct SolveStatistics {
  std::uint64_t runs = 0;             ///< DP or search runs, per order: the first, the fixed-order DP seeding a budgeted order-free search, each solve again after a banned pin or a stuck quick mode
  std::uint64_t states_expanded = 0;  ///< search states whose transitions were explored
  std::uint64_t states_pruned = 0;    ///< state-group pairs not explored, and (order-free) states not expanded: their bound cannot beat the incumbent
  std::uint64_t groups_costed = 0;    ///< group settings asked of the cost model
  std::uint64_t cache_hits = 0;       ///< group settings answered without the cost model (asked before)
  std::uint64_t cached_transitions = 0;  ///< of those, the order-free search's transitions (a state reached by a group) its answer cache answered
  std::uint64_t memory_refusals = 0;  ///< cost-model answers the MemoryConstraint refused (fits)
  std::uint64_t growth_stops = 0;     ///< groups not grown: their SPM floor passed the capacity (SpmFloorModel), or no group grown from them could be taken (GrowthFloorModel)
  std::uint64_t layers_walked = 0;    ///< layers of the convex groups the order-free walks visited, a group counting its size (solvers/detail/convex_groups.hpp)
  std::uint64_t incumbents = 0;       ///< times a better complete plan was found
  std::uint64_t bound_rounds = 0;     ///< fixed-order DP rounds pruned below the incumbent that did not prove the optimum (solvers/detail/bound_rounds.hpp)
  std::uint64_t squeezes = 0;         ///< address repairs that asked a plan's groups again with an SPM reserve, one per reserve (solvers/detail/address_repair.hpp)
  std::uint64_t pins_given_up = 0;    ///< pinned FMs address repairs unpinned, or banned before solving again (not the ban of a squeezed plan's rival rerun when the squeezed plan is kept)
  double elapsed_ms = 0;              ///< wall time so far
  /// The work done, in the units of SolveOptions::work_limit: one a group
  /// setting asked of the cost model, 1/kCachedTransitionsPerWorkUnit a
  /// transition of the order-free search answered from its cache (it still
  /// builds the setting's key and finds or makes the state it reaches),
  /// 1/kLayersWalkedPerWorkUnit a layer of a group walked (the walk asks
  /// cheap floors only). On the reference accelerator one costed setting takes
  /// about 10 us, a cached transition about 2.5-4 us (RetinaNet at 512 KiB:
  /// 11.6 M of them beside 46 k settings costed), a layer walked about
  /// 30-40 ns (docs/architecture.md, `work_limit`). The fixed-order DP's cache
  /// hits (transitions sharing one setting) cost next to nothing and are not
  /// counted. Work depends neither on the machine nor on SolveOptions::threads.
  static constexpr std::uint64_t kCachedTransitionsPerWorkUnit = 4;
  static constexpr std::uint64_t kLayersWalkedPerWorkUnit = 256;
  std::uint64_t work() const { return groups_costed + cached_work() + walk_work(); }
  /// The part of work() the cached transitions did: cached_transitions / kCachedTransitionsPerWorkUnit.
  std::uint64_t cached_work() const { return cached_transitions / kCachedTransitionsPerWorkUnit; }
  /// The part of work() the walks did: layers_walked / kLayersWalkedPerWorkUnit.
  std::uint64_t walk_work() const { return layers_walked / kLayersWalkedPerWorkUnit; }
  friend bool operator==(const SolveStatistics&, const SolveStatistics&) = default;
};

struct Plan {
  std::string strategy;
  Objective objective = Objective::latency;
  std::vector<std::size_t> order;     ///< vertex indices of the compute layers
  std::vector<PlannedGroup> groups;
  std::vector<PinnedFm> pinned;
  PlanTotals totals;
  SpmLayout layout;
  SolveStatus status;
  SolveStatistics statistics;
  double solve_ms = 0;                ///< wall time the solver took
};

/// A plan's score under the objective it was solved for.
inline Score score_of(const Plan& p) { return score_of(p.totals, p.objective); }

/// Sum of the groups' costs.
inline PlanTotals sum_costs(const std::vector<PlannedGroup>& groups) {
  PlanTotals t;
  const auto add = [](std::uint64_t& sum, std::uint64_t x, const char* what) { sum = checked_add(sum, x, what, "plan"); };
  for (const PlannedGroup& g : groups) {
    add(t.latency_cycles, g.cost.latency_cycles, "latency cycles");
    add(t.offchip.fm_read, g.cost.offchip.fm_read, "off-chip bytes");
    add(t.offchip.fm_write, g.cost.offchip.fm_write, "off-chip bytes");
    add(t.offchip.weights, g.cost.offchip.weights, "off-chip bytes");
    add(t.recompute_macs, g.cost.recompute_macs, "recompute MACs");
    add(t.energy.dram, g.cost.energy.dram, "energy (pJ)");
    add(t.energy.spm_read, g.cost.energy.spm_read, "energy (pJ)");
    add(t.energy.spm_write, g.cost.energy.spm_write, "energy (pJ)");
    add(t.energy.mac, g.cost.energy.mac, "energy (pJ)");
    add(t.energy.vector, g.cost.energy.vector, "energy (pJ)");
  }
  return t;
}

}  // namespace pinfuse
