// Execution order search: every candidate is a topological order, the exact
// order has the least peak of alive FM bytes, and searching never loses.
#include <catch2/catch.hpp>

#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;

namespace {

/// Peak of alive FM bytes along an order, counted as exact_min_peak_order does.
std::uint64_t peak_alive(const detail::OrderGraph& o, const std::vector<std::size_t>& order) {
  std::vector<char> done(o.succ.size(), 0);
  std::uint64_t peak = 0;
  for (const std::size_t v : order) {
    done[v] = 1;
    std::uint64_t inputs_done = 0;  // inputs whose last reader is v are alive while v runs
    for (const std::size_t p : o.pred[v])
      if (std::all_of(o.succ[p].begin(), o.succ[p].end(), [&](std::size_t s) { return done[s]; })) inputs_done += o.bytes[p];
    peak = std::max(peak, detail::alive_bytes(o, done) + inputs_done);
  }
  return peak;
}

bool is_topological(const detail::OrderGraph& o, const std::vector<std::size_t>& order) {
  std::vector<int> at(o.succ.size(), -1);
  for (std::size_t i = 0; i < order.size(); ++i) at[order[i]] = int(i);
  for (std::size_t v = 0; v < o.succ.size(); ++v) {
    if (at[v] < 0) return false;
    for (const std::size_t s : o.succ[v])
      if (at[s] <= at[v]) return false;
  }
  return order.size() == o.succ.size();
}

}  // namespace

TEST_CASE("candidate orders are topological and the exact one has the least peak", "[order]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    const detail::OrderGraph o = detail::order_graph(g);
    const auto orders = candidate_orders(g);
    INFO("seed " << seed);
    REQUIRE(orders.size() >= 1);
    CHECK(orders.front() == topological_order(g));
    for (const auto& order : orders) CHECK(is_topological(o, order));
    const std::uint64_t exact = peak_alive(o, detail::exact_min_peak_order(o));
    for (const auto& order : orders) CHECK(exact <= peak_alive(o, order));
  }
}

TEST_CASE("joint with order search is never worse than on the file order, and valid", "[order]") {
  for (std::uint32_t seed = 1; seed <= 25; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    Hardware hw;
    hw.spm_bytes = 2048 + 512 * (seed % 8);
    hw.spm_alignment = 16;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    SolveOptions searched;
    searched.search_order = true;
    INFO("seed " << seed);
    Plan plain, best;
    try {
      plain = solve_joint(g, accel, spm);
    } catch (const input_error&) {
      continue;  // no plan on the file order; searching may still find one, nothing to compare
    }
    best = solve_joint(g, accel, spm, searched);
    CHECK(score_of(best.totals.latency_cycles, best.totals.offchip.total(), Objective::latency) <=
          score_of(plain.totals.latency_cycles, plain.totals.offchip.total(), Objective::latency));
    CHECK(validate_plan(g, best, accel, spm).ok());
  }
}
