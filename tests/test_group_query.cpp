// What a GroupQuery tells the cost model beyond the boundary: the pinned FMs
// that pass over the group (GroupQuery::passing) and which outputs the group
// reads itself (GroupQuery::outputs_read_inside). A cost model that refuses
// every pass-over pin (e.g. an SPM whose banks hold one group's data at a
// time) gets plans that never keep a pin across a group that does not use it,
// and they are still the optimum (brute force over the same model).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "support/brute_force.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;

namespace {

/// The reference accelerator, except that no pinned FM may pass over a group.
/// Counts queries whose outputs_read_inside disagrees with the graph.
struct NoPassingPins {
  const Network* g;
  const ReferenceAccelerator* accel;
  std::size_t* wrong_read_inside;

  std::optional<GroupCost> evaluate(const GroupQuery& q) const {
    if (q.outputs_read_inside.size() != q.outputs.size()) ++*wrong_read_inside;
    else
      for (std::size_t o = 0; o < q.outputs.size(); ++o) {
        bool read = false;
        for (const std::size_t v : q.layers)
          for (const LayerId u : inputs_of(*g, v)) read = read || u == q.outputs[o].vertex;
        if (read != (q.outputs_read_inside[o] != 0)) ++*wrong_read_inside;
      }
    if (!q.passing.empty()) return std::nullopt;
    return accel->evaluate(q);
  }
};

/// The pinned FMs alive during each group of `plan` that it neither reads nor writes.
std::size_t pins_passing_over(const Plan& plan) {
  std::size_t count = 0;
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi)
    for (const PinnedFm& f : plan.pinned) {
      const auto is = [&](const BoundaryFm& b) { return b.vertex == f.vertex; };
      const PlannedGroup& grp = plan.groups[gi];
      if (f.first_group <= gi && gi <= f.last_group && std::none_of(grp.inputs.begin(), grp.inputs.end(), is) &&
          std::none_of(grp.outputs.begin(), grp.outputs.end(), is))
        ++count;
    }
  return count;
}

}  // namespace

TEST_CASE("a cost model that refuses pass-over pins gets the optimum without them", "[solver][group_query]") {
  std::size_t plans_with_passing_pins = 0;  // under the reference accelerator: the refusal must matter somewhere
  for (std::uint32_t seed = 1; seed <= 60; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 7)(rng), true);
    const Hardware hw = pinfuse::testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    std::size_t wrong = 0;
    const NoPassingPins strict{&g, &accel, &wrong};
    for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
      INFO("seed " << seed << ", order " << (mode == OrderMode::file ? "file" : "free"));
      SolveOptions opt;
      opt.order_mode = mode;
      const std::optional<Score> expected =
          mode == OrderMode::file ? testing::brute_force(g, strict, spm, {true, true}, opt.objective)
                                  : testing::brute_force_any_order(g, strict, spm, {true, true}, opt.objective);
      if (!expected) continue;
      const Plan plan = solve_joint(g, strict, spm, opt);
      CHECK(score_of(plan) == *expected);
      CHECK(pins_passing_over(plan) == 0);
      const ValidationReport report = validate_plan(g, plan, strict, spm);
      INFO((report.findings.empty() ? std::string() : report.findings.front().message));
      CHECK(report.ok());
      if (pins_passing_over(solve_joint(g, accel, spm, opt)) > 0) ++plans_with_passing_pins;
    }
    CHECK(wrong == 0);
  }
  CHECK(plans_with_passing_pins > 0);
}
