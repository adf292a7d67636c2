// The reference accelerator's CostFloorModel contract: the floor of a set of
// layers is at most what any group of them costs, in any setting it accepts
// (so sums over any grouping bound the plan). Checked on every contiguous group
// of random chains and DAGs, all boundary FMs in DRAM or all pinned, at random
// SPM sizes.
#include <catch2/catch.hpp>

#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/solvers/group_boundary.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;

TEST_CASE("the reference floor is below every group's cost", "[accel][floor]") {
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 9)(rng), seed % 2 == 0);
    const Hardware hw = pinfuse::testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Problem p = make_problem(g);
    const int n = static_cast<int>(p.size());
    for (int begin = 0; begin < n; ++begin)
      for (int end = begin + 1; end <= n; ++end) {
        const GroupBoundary b = group_boundary(p, begin, end);
        const std::vector<std::size_t> layers(p.order.begin() + begin, p.order.begin() + end);
        const CostFloor floor = accel.floor(layers);
        for (const Residence where : {Residence::dram, Residence::pinned})
          for (const Objective objective : {Objective::latency, Objective::offchip_bytes}) {
            std::vector<BoundaryFm> inputs, outputs;
            for (const int fm : b.inputs) inputs.push_back({p.fms[fm].id, p.fms[fm].producer < 0 ? Residence::dram : where});
            for (const int fm : b.outputs) outputs.push_back({p.fms[fm].id, p.fms[fm].model_output ? Residence::dram : where});
            const std::optional<GroupCost> c =
                accel.evaluate({layers, inputs, outputs, hw.spm_bytes, hw.spm_alignment, objective});
            if (!c) continue;
            INFO("seed " << seed << ", layers [" << begin << ", " << end << ")");
            CHECK(floor.latency_cycles <= c->latency_cycles);
            CHECK(floor.offchip_bytes <= c->offchip.total());
          }
      }
  }
}
