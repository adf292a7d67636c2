// What the solvers do to go faster changes no plan: stopping groups from
// growing at the cost model's SPM floor (SpmFloorModel), the fixed-order DP's
// branch and bound on group floors (GroupFloorModel, solvers/detail/suffix_bound.hpp),
// and costing groups on several threads (SolveOptions::threads).
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/bundled.hpp"
#include "support/random_networks.hpp"
#include "support/restricted.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;
using pinfuse::testing::bundled;
using pinfuse::testing::Bundled;

namespace {

/// Without the SPM floor a solver grows every group to the end; without group floors the
/// fixed-order DP runs without branch and bound.
using WithoutSpmFloor = pinfuse::testing::Restricted<false, true>;
using WithoutGroupFloor = pinfuse::testing::Restricted<true, false>;
static_assert(BatchCostModel<WithoutSpmFloor> && CostFloorModel<WithoutSpmFloor> && GroupFloorModel<WithoutSpmFloor> &&
              !SpmFloorModel<WithoutSpmFloor>);
static_assert(SpmFloorModel<WithoutGroupFloor> && !GroupFloorModel<WithoutGroupFloor>);

/// What the branch and bound did: states pruned, rounds below the incumbent.
struct Pruning {
  std::uint64_t states = 0, rounds = 0;
};

/// Joint, pinning and fusion plans with and without branch and bound are the same plan:
/// groups, pins, totals and status. Adds what it pruned to `pruned`, by strategy.
template <MemoryConstraint M>
void check_same_plans(const Network& g, const ReferenceAccelerator& accel, const M& spm, const SolveOptions& opt,
                      std::map<Strategy, Pruning>& pruned) {
  for (const Strategy strategy : {Strategy::joint, Strategy::pinning, Strategy::fusion}) {
    INFO(to_string(strategy) << ", " << to_string(opt.objective) << " first");
    std::optional<Plan> bounded, full;
    try {
      bounded = solve(strategy, g, accel, spm, opt);
    } catch (const no_plan_fits&) {
    }
    try {
      full = solve(strategy, g, WithoutGroupFloor{accel}, spm, opt);
    } catch (const no_plan_fits&) {
    }
    REQUIRE(bounded.has_value() == full.has_value());
    if (!full) continue;
    CHECK(bounded->groups == full->groups);
    CHECK(bounded->pinned == full->pinned);
    CHECK(bounded->totals == full->totals);
    CHECK(bounded->status.optimal == full->status.optimal);
    CHECK(bounded->status.lower_bound == full->status.lower_bound);
    if (bounded->status.root_bound) CHECK(*bounded->status.root_bound <= score_of(*full));  // admissible: full is the optimum
    CHECK_FALSE(full->status.root_bound);  // without group floors the DP starts from no bound
    CHECK(full->statistics.states_pruned == 0);
    CHECK(full->statistics.bound_rounds == 0);
    pruned[strategy].states += bounded->statistics.states_pruned;
    pruned[strategy].rounds += bounded->statistics.bound_rounds;
  }
}

}  // namespace

TEST_CASE("solvers that stop growing groups at the SPM floor find the same optimum", "[solver][spm_floor]") {
  for (const bool caching : {false, true}) {
    // With halo caching (§2a) the floor is lower (a cached layer may add one row
    // per tile), so it stops fewer groups: at 128 KiB some model still must.
    std::size_t cached_stops = 0;
    for (const char* name : {"squeezenet", "mobilenet_v1", "fsrcnn"})
      for (const std::uint64_t kib : {128, 512}) {
        auto [g, hw] = bundled(name, kib);
        hw.halo_caching = caching;
        const ReferenceAccelerator accel(g, hw);
        const WithoutSpmFloor unbounded{accel};
        for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
          SolveOptions opt;
          opt.order_mode = mode;
          const Plan stopped = solve_joint(g, accel, scratchpad_of(hw), opt);
          const Plan grown = solve_joint(g, unbounded, scratchpad_of(hw), opt);
          INFO(name << " at " << kib << " KiB, order " << (mode == OrderMode::file ? "file" : "free") << ", halo caching " << caching);
          CHECK(stopped.totals.latency_cycles == grown.totals.latency_cycles);
          CHECK(stopped.totals.offchip == grown.totals.offchip);
          CHECK(grown.statistics.growth_stops == 0);
          if (caching) cached_stops += stopped.statistics.growth_stops;
          if (kib == 128 && !caching) {  // with recompute, every model here has groups too large for 128 KiB
            CHECK(stopped.statistics.growth_stops > 0);
            CHECK(stopped.statistics.groups_costed < grown.statistics.groups_costed);
          }
        }
      }
    if (caching) CHECK(cached_stops > 0);
  }
}

TEST_CASE("both solvers give the same plan and statistics on any number of threads", "[solver][threads]") {
  // googlenet order-free: rounds of several groups (its modules' branches), so the helpers run some
  for (const auto& [name, mode] : {std::pair{"squeezenet", OrderMode::file}, std::pair{"mobilenet_v2", OrderMode::file},
                                   std::pair{"resnet18", OrderMode::file}, std::pair{"squeezenet", OrderMode::free},
                                   std::pair{"googlenet", OrderMode::free}})
    for (const std::uint64_t kib : {256, 2048}) {
      if (pinfuse::testing::sanitized && kib != 256) continue;
      const auto [g, hw] = bundled(name, kib);
      const ReferenceAccelerator accel(g, hw);
      SolveOptions one, three;
      one.order_mode = three.order_mode = mode;
      three.threads = 3;
      Plan a = solve_joint(g, accel, scratchpad_of(hw), one);
      Plan b = solve_joint(g, accel, scratchpad_of(hw), three);
      INFO(name << " at " << kib << " KiB, order " << (mode == OrderMode::free ? "free" : "file"));
      a.solve_ms = b.solve_ms = 0;
      a.statistics.elapsed_ms = b.statistics.elapsed_ms = 0;
      CHECK(a.groups == b.groups);
      CHECK(a.pinned == b.pinned);
      CHECK(a.totals == b.totals);
      CHECK(a.statistics == b.statistics);
    }
}

TEST_CASE("the fixed-order DP's branch and bound gives the plan of the full DP", "[solver][branch_and_bound]") {
  std::map<Strategy, Pruning> pruned;
  for (std::uint32_t seed = 0; seed < 60; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), seed % 2 == 1);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    const ReferenceAccelerator accel(g, hw);
    for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
      INFO("seed " << seed);
      SolveOptions opt;
      opt.objective = objective;
      check_same_plans(g, accel, scratchpad_of(hw), opt, pruned);
    }
  }
  // Under the sanitizers one model at one size: the full DP is the slow side.
  for (const char* name : {"squeezenet", "mobilenet_v2", "googlenet"})
    for (const std::uint64_t kib : {256, 1024}) {
      if (pinfuse::testing::sanitized && (std::string(name) != "squeezenet" || kib != 256)) continue;
      const auto [g, hw] = bundled(name, kib);
      INFO(name << " at " << kib << " KiB");
      check_same_plans(g, ReferenceAccelerator(g, hw), scratchpad_of(hw), SolveOptions{}, pruned);
    }
  // Rounds below the incumbent ran (bound_rounds.hpp), and kept the plan; pinning-only has no incumbent
  // (fixed groups) and runs rounds from the root bound up.
  for (const Strategy strategy : {Strategy::joint, Strategy::pinning}) {
    INFO(to_string(strategy));
    CHECK(pruned[strategy].states > 0);
    CHECK(pruned[strategy].rounds > 0);
  }
}
