// The order-free search (solvers/detail/dag_search.hpp) beyond brute force: on chains
// it is the fixed-order DP; on bundled DAGs it is never worse than the file
// order; stopped by a time limit, its lower bound is at most the exact optimum,
// which is at most the plan it returns; its plans validate.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "support/bundled.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;

namespace {

SolveOptions with_order(OrderMode mode, std::chrono::milliseconds limit = std::chrono::milliseconds(0)) {
  SolveOptions opt;
  opt.order_mode = mode;
  opt.time_limit = limit;
  return opt;
}

}  // namespace

TEST_CASE("order-free plans equal fixed-order plans on chains", "[solvers][order_free]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 12)(rng), false);
    const Hardware hw = pinfuse::testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO("seed " << seed);
    for (const Strategy s : {Strategy::fusion, Strategy::pinning, Strategy::joint}) {
      Plan fixed, free;
      try {
        fixed = solve(s, g, accel, spm, with_order(OrderMode::file));
      } catch (const no_plan_fits&) {
        REQUIRE_THROWS_AS(solve(s, g, accel, spm, with_order(OrderMode::free)), no_plan_fits);
        continue;
      }
      free = solve(s, g, accel, spm, with_order(OrderMode::free));
      CHECK(score_of(free) == score_of(fixed));
      CHECK(free.order == fixed.order);
    }
  }
}

TEST_CASE("order-free joint is never worse than the file order, and a time limit bounds it", "[solvers][order_free]") {
  const Hardware base = pinfuse::testing::shipped_hardware();
  for (const char* name : {"squeezenet", "resnet18", "fsrcnn"}) {
    const Network g = load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/" + name + ".json");
    for (const std::uint64_t kib : {256, 1024}) {
      Hardware hw = base;
      hw.spm_bytes = kib * 1024;
      const ReferenceAccelerator accel(g, hw);
      const Scratchpad spm = scratchpad_of(hw);
      INFO(name << " at " << kib << " KiB");
      const Plan fixed = solve_joint(g, accel, spm, with_order(OrderMode::file));
      const Plan exact = solve_joint(g, accel, spm, with_order(OrderMode::free));
      CHECK(exact.status.optimal);
      CHECK(score_of(exact) <= score_of(fixed));
      CHECK(validate_plan(g, exact, accel, spm).ok());
      const Plan rushed = solve_joint(g, accel, spm, with_order(OrderMode::free, std::chrono::milliseconds(1)));
      CHECK(rushed.status.lower_bound <= score_of(exact));
      CHECK(score_of(exact) <= score_of(rushed));
      CHECK(rushed.status.optimal == (score_of(rushed) == rushed.status.lower_bound));
      CHECK(validate_plan(g, rushed, accel, spm).ok());
    }
  }
}
