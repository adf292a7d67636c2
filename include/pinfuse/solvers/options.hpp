#pragma once
// Options shared by all solvers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/plan/layout.hpp"  // AllocationEffort: the solvers reach the allocator through plan/
#include "pinfuse/solvers/observer.hpp"

namespace pinfuse {

/// How the solvers choose the execution order when SolveOptions::order is empty
/// (a given order is always kept).
enum class OrderMode {
  file,    ///< the file order, pinfuse::topological_order(g) (solvers/detail/segment_dp.hpp)
  free,    ///< optimized together with the groups and pins (solvers/detail/dag_search.hpp; slower on
           ///< branchy models: set a work_limit or time_limit)
  search,  ///< joint: the best of pinfuse::candidate_orders(g), each by detail/segment_dp.hpp
};

/// The plans of a trade-off solve (SolveOptions::trade_off) that no other plan
/// beats in both latency and the traded metric, by increasing latency.
struct ParetoFront {
  std::vector<Plan> plans;    ///< each with SPM addresses
  std::size_t unplaced = 0;   ///< non-dominated plans left out: their pins fragment the SPM so no addresses fit
                              ///< (the solve's own plan, repaired, is in `plans` unless a plan there beats it)
  bool complete = true;       ///< false when a time or work limit or the observer stopped the DP: points may be missing
};

/// A solve that trades latency for off-chip traffic (solvers/detail/segment_dp.hpp):
/// the fixed-order DP keeps, per state, every plan prefix that no other beats
/// in both latency and the traded metric (the objective's metric; off-chip
/// bytes when the objective is latency), each group asked under both
/// objectives. The plan returned is, among those whose latency is at most
/// (1 + latency_slack) times the least, the one with the least traded metric
/// (ties: the lower latency) that gets SPM addresses; only when none within the
/// slack does is the chosen one repaired (SolveStatus then says it is not proven
/// optimal). Slack 0 gives the latency optimum.
struct TradeOff {
  double latency_slack = 0;        ///< fraction of the least latency a plan may add, e.g. 0.005 for 0.5%
  ParetoFront* front = nullptr;    ///< if set, also receives the whole front; not owned
};

/// A work limit (SolveOptions::work_limit) of a few seconds, the pinfuse tool's
/// default: on the 2-core machine of benchmarks/results/solve_time.md the
/// solves it stops took 2.8 to 3.7 s, and 1.4 to 6.3 s on the float32 real
/// models of real_solve_time.md (RetinaNet at 1 MiB the longest). Within it the
/// order-free search proves its plan optimal on every bundled model at every
/// SPM size from 256 KiB to 4 MiB but SSDLite at 256 and 512 KiB (gaps 2.53%
/// and 1.41%).
inline constexpr std::uint64_t default_work_limit = 320'000;

struct SolveOptions {
  Objective objective = Objective::latency;
  /// Longest group (layers) the fusing solvers consider; 0 = no limit (exact).
  std::size_t max_group_layers = 0;
  /// Most pin candidates alive across one cut. The joint DP has 2^k states per cut;
  /// where more FMs are alive, the largest ones stop being candidates, and the
  /// result is optimal over pin sets drawn from the remaining candidates. At most 20.
  std::size_t max_pins_per_cut = 12;
  /// May a model input that several groups read be pinned: loaded whole by the
  /// first group reading it (Residence::loaded) and read in the SPM by the rest?
  /// Off for a cost model that does not know Residence::loaded.
  bool pin_model_inputs = true;
  /// How fusion, pinning and joint choose the order when `order` is empty.
  /// (layerwise plans do not depend on the order.)
  OrderMode order_mode = OrderMode::file;
  /// Execution order as vertex indices; empty = chosen as `order_mode` says.
  std::vector<std::size_t> order;
  /// Wall-time budget of a solve; 0 = none (exact). When it runs out the best
  /// plan found is returned with a proven lower bound (Plan::status): the
  /// order-free search returns its incumbent, the fixed-order DP finishes in
  /// its quick mode (solvers/detail/segment_dp.hpp), as when the observer stops them.
  /// An order-free search still running at half of it (or of work_limit) is
  /// given the best of the fixed-order DP's plans on the file order and the
  /// other candidate orders (order_search.hpp) that half of the budget left
  /// makes (the search then goes on with the rest), as an incumbent and fallback.
  std::chrono::milliseconds time_limit{0};
  /// Work budget of a solve, in SolveStatistics::work() units (about one a
  /// group setting asked of the cost model); 0 = none
  /// (exact). It stops the solve as the time limit does, but where it stops
  /// depends neither on the machine nor on `threads`: the same plan on every
  /// run. With both limits, the first to run out stops the solve. A unit
  /// is a costed setting, a few transitions answered from the order-free
  /// search's cache or a few hundred layers walked (SolveStatistics::work()),
  /// so the time a unit takes varies with the model and the cost model
  /// (1.5-3x between models, as group sizes differ).
  /// pinfuse::default_work_limit is a limit of a few seconds.
  std::uint64_t work_limit = 0;
  /// Threads asking the cost model at once: the fixed-order DP costs the
  /// groups that start at one cut in parallel, the order-free search the
  /// groups of a round (dag_search.hpp). The plan and the statistics do not
  /// depend on it. Above 1, the cost model's const members (evaluate,
  /// evaluate_batch and its floors) and the memory constraint's fits must be
  /// safe to call concurrently (const and without shared mutable state, as
  /// Scratchpad, or with it locked, as the reference accelerator's cache of
  /// tile walks, accel/detail/walk_cache.hpp). 0 = one per hardware thread.
  /// The work between two waits is small (a few groups): on the 2-core
  /// machine of benchmarks/results/threads.md, 2 threads took 0.88 to 1.36
  /// times the time of 1.
  std::size_t threads = 1;
  /// Set: a trade-off solve (see TradeOff). Needs one execution order (OrderMode::file or `order`).
  std::optional<TradeOff> trade_off;
  /// Told the statistics as the solve runs, and may stop it (solvers/observer.hpp); not owned.
  SolveObserver* observer = nullptr;
  /// How hard the allocator tries to give a plan SPM addresses
  /// (memory/allocator.hpp) before the solver repairs the plan instead
  /// (solvers/detail/address_repair.hpp: smaller tiles, or a pin given up).
  AllocationEffort layout_effort{};
};

}  // namespace pinfuse
