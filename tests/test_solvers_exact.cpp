// The exact solvers equal exhaustive enumeration on many small random chains
// and DAGs, under random hardware, and every plan passes the validator: the
// fixed-order ones over every split of the file order, the order-free ones
// (joint and fusion by default) over every split of every topological order;
// under each objective, energy included.
#include <catch2/catch.hpp>

#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/brute_force.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;
using pinfuse::testing::brute_force;
using pinfuse::testing::brute_force_any_order;
using pinfuse::testing::latency_or_offchip;
using pinfuse::testing::BruteForceSpace;

namespace {

void check_against_brute_force(std::uint32_t seed, bool dag, Objective objective) {
  std::mt19937 rng(seed);
  const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 7)(rng), dag);
  Hardware hw = pinfuse::testing::random_hardware(rng, g);
  if (objective == Objective::energy) pinfuse::testing::random_energy(rng, hw);
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  SolveOptions opt;
  opt.objective = objective;
  INFO("seed " << seed << (dag ? " dag" : " chain") << ", SPM " << hw.spm_bytes << " B, objective " << int(objective));

  struct Case {
    Strategy strategy;
    BruteForceSpace space;
    bool order_free;
  };
  std::optional<Score> found[4], found_free[4];
  for (const Case& c : {Case{Strategy::layerwise, {false, false}, false}, Case{Strategy::fusion, {true, false}, false},
                        Case{Strategy::pinning, {false, true}, false}, Case{Strategy::joint, {true, true}, false},
                        Case{Strategy::fusion, {true, false}, true}, Case{Strategy::pinning, {false, true}, true},
                        Case{Strategy::joint, {true, true}, true}}) {
    INFO("strategy " << to_string(c.strategy) << (c.order_free ? ", order-free" : ", file order"));
    opt.order_mode = c.order_free ? OrderMode::free : OrderMode::file;
    const std::optional<Score> expected = c.order_free ? brute_force_any_order(g, accel, spm, c.space, opt.objective)
                                                       : brute_force(g, accel, spm, c.space, opt.objective);
    if (!expected) {
      REQUIRE_THROWS_AS(solve(c.strategy, g, accel, spm, opt), no_plan_fits);
      continue;
    }
    const Plan plan = solve(c.strategy, g, accel, spm, opt);
    CHECK(score_of(plan) == *expected);
    CHECK(plan.status.optimal);
    CHECK(plan.status.lower_bound == score_of(plan));
    if (c.strategy == Strategy::joint) REQUIRE(plan.status.root_bound);  // the DP and the search start from their floors
    if (plan.status.root_bound) CHECK(*plan.status.root_bound <= *expected);  // admissible
    const ValidationReport report = validate_plan(g, plan, accel, spm);
    INFO((report.findings.empty() ? std::string() : report.findings.front().message));
    CHECK(report.ok());
    (c.order_free ? found_free : found)[int(c.strategy)] = score_of(plan);
  }
  // Each richer space contains the poorer one.
  const auto no_worse = [&](const std::optional<Score>& richer, const std::optional<Score>& poorer) {
    if (poorer) {
      REQUIRE(richer);
      CHECK(*richer <= *poorer);
    }
  };
  no_worse(found[int(Strategy::fusion)], found[int(Strategy::layerwise)]);
  no_worse(found[int(Strategy::pinning)], found[int(Strategy::layerwise)]);
  no_worse(found[int(Strategy::joint)], found[int(Strategy::fusion)]);
  no_worse(found[int(Strategy::joint)], found[int(Strategy::pinning)]);
  no_worse(found_free[int(Strategy::fusion)], found[int(Strategy::fusion)]);
  no_worse(found_free[int(Strategy::pinning)], found[int(Strategy::pinning)]);
  no_worse(found_free[int(Strategy::joint)], found_free[int(Strategy::pinning)]);
  no_worse(found_free[int(Strategy::joint)], found[int(Strategy::joint)]);
  no_worse(found_free[int(Strategy::joint)], found_free[int(Strategy::fusion)]);
}

}  // namespace

TEST_CASE("exact solvers equal brute force on random chains", "[solvers][exact]") {
  for (std::uint32_t seed = 1; seed <= 60; seed += pinfuse::testing::seed_step) check_against_brute_force(seed, false, latency_or_offchip(seed));
}

TEST_CASE("exact solvers equal brute force on random DAGs", "[solvers][exact]") {
  for (std::uint32_t seed = 1001; seed <= 1060; seed += pinfuse::testing::seed_step) check_against_brute_force(seed, true, latency_or_offchip(seed));
}

TEST_CASE("exact solvers equal brute force on random chains and DAGs under the energy objective",
          "[solvers][exact][energy]") {
  for (std::uint32_t seed = 1; seed <= 40; seed += pinfuse::testing::seed_step) check_against_brute_force(seed, false, Objective::energy);
  for (std::uint32_t seed = 1001; seed <= 1040; seed += pinfuse::testing::seed_step) check_against_brute_force(seed, true, Objective::energy);
}
