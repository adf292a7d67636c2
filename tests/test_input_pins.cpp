// Pinning model inputs: a model input that several groups read may be loaded
// whole by the first of them (Residence::loaded) and read in the SPM by the
// rest. The reference accelerator charges that load once, the solvers choose
// it when it pays (the optimum over every pin set, brute force), and the plans
// validate and their programs replay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/accel/tiling_keys.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "support/brute_force.hpp"
#include "support/findings.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;
using testing::all_errors;
using testing::conv_layer;
using testing::mentions;
using testing::simple_layer;

namespace {

/// Model input "x" (h x h x c) read by `branches` 1x1 convs of c filters, whose
/// outputs are summed one by one: the weights of all the convs do not fit one
/// group in a small SPM, so several groups read x.
Network shared_input_network(int branches, int h, int c) {
  Network g;
  g[boost::graph_bundle].name = "shared_input";
  Layer in = simple_layer("x", LayerKind::input);
  in.output = {h, h, c};
  const LayerId x = add_layer(g, in);
  LayerId sum = add_layer(g, conv_layer("branch0", c, 1, 1), {x});
  for (int i = 1; i < branches; ++i) {
    const LayerId branch = add_layer(g, conv_layer("branch" + std::to_string(i), c, 1, 1), {x});
    sum = add_layer(g, simple_layer("sum" + std::to_string(i), LayerKind::add), {sum, branch});
  }
  add_layer(g, simple_layer("out", LayerKind::output), {sum});
  infer_shapes(g);
  return g;
}

bool pins(const Plan& plan, std::size_t vertex) {
  return std::any_of(plan.pinned.begin(), plan.pinned.end(), [&](const PinnedFm& f) { return f.vertex == vertex; });
}

/// The residences `plan` gives model input `vertex`, group by group, where a group reads it.
std::vector<Residence> residences_of(const Plan& plan, std::size_t vertex) {
  std::vector<Residence> out;
  for (const PlannedGroup& grp : plan.groups)
    for (const BoundaryFm& b : grp.inputs)
      if (b.vertex == vertex) out.push_back(b.where);
  return out;
}

}  // namespace

TEST_CASE("a loaded model input costs at least its pinned run and at most one whole transfer more", "[reference][input_pins]") {
  // Loading the input adds to every way of running the group, and loading it
  // before the first step (one whole transfer, nothing overlapped) is one of
  // the ways: pinned <= loaded <= pinned + dma(bytes) in latency. Loading it
  // tile by tile with the steps' loads, overlapped, must win somewhere.
  std::size_t compared = 0, tile_by_tile = 0;
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    const Network g = testing::random_rich_network(rng, std::uniform_int_distribution<int>(2, 7)(rng));
    const Hardware hw = testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    const Problem p = make_problem(g);
    const int n = static_cast<int>(p.size());
    for (int begin = 0; begin < n; ++begin)
      for (int end = begin + 1; end <= n; ++end) {
        const detail::GroupBoundary b = detail::group_boundary(p, begin, end);
        for (const int x : b.inputs) {
          const FeatureMap& input = p.fms[std::size_t(x)];
          if (!input.model_input() || spm.aligned(input.bytes) > spm.capacity()) continue;
          const std::vector<std::size_t> layers = detail::positions_to_vertices(p, begin, end);
          std::vector<BoundaryFm> inputs, outputs;
          for (const int fm : b.inputs) inputs.push_back({p.fms[std::size_t(fm)].vertex, Residence::dram});
          for (const int fm : b.outputs) outputs.push_back({p.fms[std::size_t(fm)].vertex, Residence::dram});
          const auto ask = [&](Residence where) {
            for (BoundaryFm& in : inputs)
              if (in.vertex == input.vertex) in.where = where;
            return accel.evaluate({layers, inputs, outputs, spm.capacity() - spm.aligned(input.bytes), spm.alignment(),
                                   Objective::latency, {}, b.outputs_read_inside});
          };
          const std::optional<GroupCost> pinned = ask(Residence::pinned), loaded = ask(Residence::loaded);
          INFO("seed " << seed << ", positions [" << begin << ", " << end << "), input '" << input.name << "'");
          REQUIRE(pinned.has_value() == loaded.has_value());
          if (!pinned) continue;
          CHECK(loaded->latency_cycles >= pinned->latency_cycles);
          CHECK(loaded->latency_cycles <= pinned->latency_cycles + accel.dma_cycles(input.bytes));
          CHECK(loaded->offchip.fm_read >= input.bytes);
          CHECK(loaded->offchip.fm_write == pinned->offchip.fm_write);
          REQUIRE(loaded->tiling.count(tiling_key::inputs_preloaded));
          CHECK(pinned->tiling.count(tiling_key::inputs_preloaded) == 0);
          tile_by_tile += loaded->tiling.at(tiling_key::inputs_preloaded) == 0;
          ++compared;
        }
      }
  }
  CHECK(compared > 100);
  CHECK(tile_by_tile > 0);
}

TEST_CASE("the solvers pin a model input that several groups read, and gain by it", "[solver][input_pins]") {
  const Network g = shared_input_network(6, 14, 128);  // x: 24.5 KiB; each conv 16 KiB of weights
  const LayerId x = 0;
  Hardware hw;
  hw.spm_bytes = 96 * 1024;
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
    SolveOptions opt;
    opt.objective = Objective::offchip_bytes;
    opt.order_mode = mode;
    const Plan plan = solve_joint(g, accel, spm, opt);
    opt.pin_model_inputs = false;
    const Plan without = solve_joint(g, accel, spm, opt);
    INFO((mode == OrderMode::file ? "file order" : "order-free"));
    REQUIRE(plan.status.optimal);
    REQUIRE(without.status.optimal);
    CHECK_FALSE(pins(without, x));
    CHECK(pins(plan, x));
    const std::vector<Residence> where = residences_of(plan, x);
    REQUIRE(where.size() >= 2);
    CHECK(where.front() == Residence::loaded);
    CHECK(std::all_of(where.begin() + 1, where.end(), [](Residence r) { return r == Residence::pinned; }));
    CHECK(score_of(plan) < score_of(without));
    const ValidationReport report = validate_plan(g, plan, accel, spm);
    INFO(all_errors(report));
    CHECK(report.ok());
    const ReplayReport replayed = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
    INFO(all_errors(replayed));
    CHECK(replayed.ok());
    const Plan back = read_plan(g, plan_to_json(g, plan));
    CHECK(residences_of(back, x) == where);
    CHECK(back.pinned == plan.pinned);
  }
}

TEST_CASE("with model input pins the joint optimum still equals brute force", "[solver][input_pins][brute_force]") {
  std::size_t optima_pinning_an_input = 0;
  for (std::uint32_t seed = 1; seed <= 12; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const int branches = std::uniform_int_distribution<int>(2, 3)(rng);
    const Network g = shared_input_network(branches, std::uniform_int_distribution<int>(4, 10)(rng),
                                           8 * std::uniform_int_distribution<int>(1, 8)(rng));
    Hardware hw = testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    for (const Objective objective : {Objective::latency, Objective::offchip_bytes}) {
      INFO("seed " << seed << ", " << to_string(objective) << ", SPM " << hw.spm_bytes << " B");
      SolveOptions opt;
      opt.objective = objective;
      const std::optional<Score> best = testing::brute_force(g, accel, spm, {}, objective);
      std::optional<Plan> plan;
      try {
        plan = solve_joint(g, accel, spm, opt);
      } catch (const no_plan_fits&) {
      }
      REQUIRE(best.has_value() == plan.has_value());
      if (!plan) continue;
      CHECK(score_of(*plan) == *best);
      opt.order_mode = OrderMode::free;
      CHECK(score_of(solve_joint(g, accel, spm, opt)) == *testing::brute_force_any_order(g, accel, spm, {}, objective));
      optima_pinning_an_input += pins(*plan, 0);
    }
  }
  CHECK(optima_pinning_an_input > 0);
}

TEST_CASE("the validator rejects model input pins declared wrong", "[validator][input_pins]") {
  const Network g = shared_input_network(6, 14, 128);
  const LayerId x = 0;
  Hardware hw;
  hw.spm_bytes = 96 * 1024;
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  SolveOptions opt;
  opt.objective = Objective::offchip_bytes;
  Plan plan = solve_joint(g, accel, spm, opt);
  REQUIRE(pins(plan, x));
  const auto pin = std::find_if(plan.pinned.begin(), plan.pinned.end(), [&](const PinnedFm& f) { return f.vertex == x; });
  const auto input_x = [&](std::size_t gi) {
    auto& inputs = plan.groups[gi].inputs;
    return std::find_if(inputs.begin(), inputs.end(), [&](const BoundaryFm& b) { return b.vertex == x; });
  };
  SECTION("the loading group declares it pinned") {
    input_x(pin->first_group)->where = Residence::pinned;
    const ValidationReport r = validate_plan(g, plan, accel, spm);
    CHECK(mentions(r, FindingKind::residence, "input 'x' is declared pinned, the plan's pins make it loaded"));
  }
  SECTION("a later group declares it loaded") {
    input_x(pin->last_group)->where = Residence::loaded;
    const ValidationReport r = validate_plan(g, plan, accel, spm);
    CHECK(mentions(r, FindingKind::residence, "input 'x' is declared loaded, the plan's pins make it pinned"));
  }
  SECTION("its lifetime starts after the group that loads it") {
    pin->first_group += 1;
    const ValidationReport r = validate_plan(g, plan, accel, spm);
    CHECK(mentions(r, FindingKind::pin, "pinned 'x' has the wrong lifetime"));
  }
}
