#pragma once
// Address repairs: what a solver does with a plan whose pinned FMs fragment
// the SPM so that the allocator (memory/allocator.hpp) finds no addresses for
// it, although every group fits the capacity by the byte count. In order:
//
//   1. squeeze_until_placed: the plan keeps its groups, order and pins, and
//      each group is asked again with `reserve` bytes less available than its
//      pins leave, so that its tiles leave the allocator room; the reserve
//      starts at the bytes the layout lacked and doubles, up to an eighth of
//      the capacity. Groups that cannot run with less keep all of it. Only
//      tiles change, so the plan loses little (DenseNet-169 at 512 KiB: its
//      45 pins kept, where step 2 gave up 14 of them in 14 layouts).
//   2. unpin_until_placed, once a solve is stopped (no budget to search
//      again): the plan keeps its groups and order and loses its largest pins
//      until they get addresses.
//   3. ban_largest_pin: the solver bans the largest pin and solves again.
// A squeezed plan competes with step 3 once while the budget lasts (SqueezeRival).
// A repaired plan is not proven optimal: the first run's bound stays.
// SolveStatistics counts the reserves tried (squeezes) and the pins given up.
// Each layout is the allocator's, trying as hard as SolveOptions::layout_effort
// says (memory/allocator.hpp: since its search by steps, no plan of
// benchmarks/results/real_solve_time.md or address_repairs.md needs a repair;
// the monotonicity test still meets one, tests/test_monotonic.cpp).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/solvers/detail/assemble_plan.hpp"
#include "pinfuse/solvers/observer.hpp"

namespace pinfuse::detail {

/// The FM (index into `p.fms`) of the plan's largest pin, which an address
/// repair gives up first; the plan pins something.
inline std::size_t largest_pin(const Problem& p, const Plan& plan) {
  const auto largest = std::max_element(plan.pinned.begin(), plan.pinned.end(),
                                        [](const PinnedFm& a, const PinnedFm& b) { return a.bytes < b.bytes; });
  return std::size_t(p.fm_of_vertex[largest->vertex]);
}

/// The address repair's last step, when a plan's layout exceeds `capacity`: bans the
/// plan's largest pinned FM from pinning (`no_pin`, per FM of `p`), or throws
/// when the plan pins nothing (a memory constraint stricter than the byte count).
inline void ban_largest_pin(const Problem& p, const Plan& plan, std::uint64_t capacity, std::vector<char>& no_pin,
                            SolveStatistics& stats) {
  if (plan.pinned.empty())
    throw no_plan_fits("spm", "the " + plan.strategy + " plan needs " + std::to_string(plan.layout.peak) +
                                 " bytes of addresses, more than the " + std::to_string(capacity) + " usable");
  if (no_pin.empty()) no_pin.assign(p.fms.size(), 0);
  no_pin[largest_pin(p, plan)] = 1;
  ++stats.pins_given_up;
}

/// What assemble_plan() needs to build `plan` (whose order is `p`'s) again:
/// its group starts, pinned FMs and the objective each group was tiled for
/// (a trade-off plan mixes them).
struct PlanChoices {
  std::vector<int> starts;
  std::vector<char> pinned;  ///< per FM of `p`
  std::vector<Objective> asked;
};
inline PlanChoices choices_of(const Problem& p, const Plan& plan) {
  PlanChoices c;
  for (std::size_t k = 0, pos = 0; k < plan.groups.size(); pos += plan.groups[k++].layers.size())
    c.starts.push_back(static_cast<int>(pos));
  c.pinned.assign(p.fms.size(), 0);
  for (const PinnedFm& f : plan.pinned) c.pinned[std::size_t(p.fm_of_vertex[f.vertex])] = 1;
  for (const PlannedGroup& g : plan.groups) c.asked.push_back(g.tiling_objective.value_or(plan.objective));
  return c;
}

/// The reserves step 1 tries: at most kSqueezes (the first, then doubled),
/// each within capacity / kMostSqueezedShare.
inline constexpr int kSqueezes = 4;
inline constexpr std::uint64_t kMostSqueezedShare = 8;

/// Step 1: `plan` (whose order is `p`'s) with its groups asked again with a
/// reserve (see the header comment), the first that gets SPM addresses;
/// nullopt when none does. A plan whose layout fits is returned as it is.
template <CostModel C, MemoryConstraint M>
std::optional<Plan> squeeze_until_placed(const Problem& p, const C& cost, const M& spm, const Plan& plan, Progress& progress,
                                         const AllocationEffort& effort) {
  const std::uint64_t capacity = spm.capacity();
  if (plan.layout.peak <= capacity) return plan;
  const PlanChoices c = choices_of(p, plan);
  std::uint64_t reserve = align_up(plan.layout.peak - capacity, spm.alignment());  // bytes the layout lacked
  for (int squeeze = 0; squeeze < kSqueezes && reserve <= capacity / kMostSqueezedShare; ++squeeze, reserve *= 2) {
    ++progress.stats().squeezes;
    Plan squeezed = assemble_plan(p, cost, spm, c.starts, c.pinned, plan.objective, plan.strategy, progress.stats(),
                                  c.asked, reserve);
    squeezed.layout = lay_out(squeezed, spm, progress.deadline(), effort);
    if (squeezed.layout.peak <= capacity) return squeezed;
  }
  return std::nullopt;
}

/// Step 2, for a solve with no budget left to search again: unpins
/// the largest pinned FM of `plan` (whose order is `p`'s), keeping its groups
/// and order, and asks the cost model about its groups again (each under the
/// objective it was tiled for), until the pins
/// get SPM addresses. nullopt when a group no longer fits the SPM without a
/// pin it had (its staging buffers need more than the pin freed), or no pin
/// is left and the layout still does not fit.
template <CostModel C, MemoryConstraint M>
std::optional<Plan> unpin_until_placed(const Problem& p, const C& cost, const M& spm, const Plan& plan, Progress& progress,
                                       const AllocationEffort& effort) {
  PlanChoices c = choices_of(p, plan);
  Plan repaired = plan;
  while (repaired.layout.peak > spm.capacity()) {
    if (repaired.pinned.empty()) return std::nullopt;  // a memory constraint stricter than the byte count
    c.pinned[largest_pin(p, repaired)] = 0;
    ++progress.stats().pins_given_up;
    try {
      repaired = assemble_plan(p, cost, spm, c.starts, c.pinned, plan.objective, plan.strategy, progress.stats(), c.asked);
    } catch (const no_plan_fits&) {
      return std::nullopt;
    }
    repaired.layout = lay_out(repaired, spm, progress.deadline(), effort);
  }
  return repaired;
}

/// What place_plan() made of a plan: `plan` with SPM addresses, or nullopt
/// when the caller must repair by banning a pin and solving again; `squeezed`:
/// the plan is squeeze_until_placed()'s.
struct Placement {
  std::optional<Plan> plan;
  bool squeezed = false;
};

/// Gives `plan` SPM addresses (plan.layout): the plan itself when they fit,
/// else the plan squeeze_until_placed() makes (with `plan`'s bounds), or, once the solve is stopped
/// (no time to solve again), the plan unpin_until_placed() makes; no plan (and
/// `plan` unchanged but for its layout) when the caller must repair by
/// banning a pin and solving again.
template <CostModel C, MemoryConstraint M>
Placement place_plan(const Problem& p, const C& cost, const M& spm, Plan& plan, Progress& progress,
                     const AllocationEffort& effort) {
  plan.layout = lay_out(plan, spm, progress.deadline(), effort);
  if (plan.layout.peak <= spm.capacity()) return {std::move(plan)};
  if (std::optional<Plan> squeezed = squeeze_until_placed(p, cost, spm, plan, progress, effort)) {
    squeezed->status = {score_of(*squeezed) == plan.status.lower_bound, plan.status.lower_bound, plan.status.root_bound};
    return {std::move(squeezed), true};
  }
  if (progress.stopped() || progress.out_of_budget()) return {unpin_until_placed(p, cost, spm, plan, progress, effort)};
  return {};
}

/// A squeeze holds SPM back from every group of the plan, which may cost more
/// than the largest pin does (EfficientNetV2-S at 512 KiB: 11.9% above the
/// first run's optimum). So while the budget lasts, a solver's first squeezed
/// plan waits for one rerun without the plan's largest pin, and the better of
/// the two (by its own objective) is kept: the squeezed one if the rerun finds
/// no addresses or no plan (keep()). SolveStatistics::pins_given_up then counts
/// the pins given up before the squeezed plan was parked: the plan kept them.
class SqueezeRival {
 public:
  /// The plan to return after place_plan() gave `placed`, or nullopt: ban the
  /// largest pin and solve again. A squeezed plan without pins, or at the first
  /// run's bound, has no rival.
  std::optional<Plan> settle(Placement placed, Progress& progress) {
    if (placed.plan && placed.squeezed && !placed.plan->pinned.empty() && !placed.plan->status.optimal && !rerun_ &&
        !progress.stopped() && !progress.out_of_budget()) {
      waiting_ = std::move(placed.plan);
      given_up_ = progress.stats().pins_given_up;
      rerun_ = true;
      return std::nullopt;
    }
    if (waiting_ && (!placed.plan || !(score_of(*placed.plan) < score_of(*waiting_)))) return keep(progress);
    waiting_.reset();
    return std::move(placed.plan);
  }
  /// Does a squeezed plan wait for its rival's rerun?
  bool waiting() const { return waiting_.has_value(); }
  /// The squeezed plan waiting (its status is the first run's bounds); for a
  /// rerun that found no plan at all.
  Plan keep(Progress& progress) {
    Plan kept = std::move(*waiting_);
    waiting_.reset();
    progress.stats().pins_given_up = given_up_;
    return kept;
  }

 private:
  std::optional<Plan> waiting_;  ///< the squeezed plan, while its rival is solved
  std::uint64_t given_up_ = 0;   ///< SolveStatistics::pins_given_up when it was parked
  bool rerun_ = false;           ///< the rival has been asked for: once a solve
};

}  // namespace pinfuse::detail
