// More SPM never makes things worse (issue 10, item 1). The reference
// accelerator picks, among all the ways to run a group that fit, the one that
// scores best (docs/reference-accelerator.md §5), so for a fixed group and
// fixed residences a larger available_bytes can only add ways; and the exact
// strategies' optima over a search space that does not shrink with the SPM
// cannot rise either.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/bundled.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;

namespace Catch {
template <>
struct StringMaker<Score> {
  static std::string convert(const Score& s) {
    std::ostringstream out;
    out << '(' << s.first << ", " << s.second << ')';
    return out.str();
  }
};
}  // namespace Catch

namespace {

using pinfuse::testing::shipped_hardware;

/// Available bytes from 1 KiB to 16 MiB in steps of 2^(1/4), and a few odd ones
/// in between so budgets do not all sit on round numbers [B].
std::vector<std::uint64_t> budgets() {
  std::vector<std::uint64_t> out;
  for (double b = 1024; b <= 16.0 * (1 << 20); b *= 1.189207115) out.push_back(std::uint64_t(b) + out.size() % 3 * 37);
  return out;
}

/// Group [begin, end) of `p` with boundary FM i (inputs, then outputs) pinned
/// (a model input: loaded) iff bit i of `pinned` is set, asked under each of budgets(). The queries
/// view the layer and boundary lists held here.
struct GroupQueries {
  std::vector<std::size_t> layers;
  std::vector<BoundaryFm> inputs, outputs;
  std::vector<std::uint8_t> read_inside;
  std::vector<GroupQuery> queries;
  GroupQueries(const Problem& p, int begin, int end, std::uint32_t pinned, Objective objective)
      : layers(p.order.begin() + begin, p.order.begin() + end) {
    const detail::GroupBoundary b = detail::group_boundary(p, begin, end);
    read_inside = b.outputs_read_inside;
    std::size_t i = 0;
    const auto where = [&](const FeatureMap& f) {  // a model input the group keeps is loaded by it
      if (!((pinned >> std::min<std::size_t>(i++, 31)) & 1U)) return Residence::dram;
      return f.model_input() ? Residence::loaded : Residence::pinned;
    };
    for (const int fm : b.inputs) inputs.push_back({p.fms[std::size_t(fm)].vertex, where(p.fms[std::size_t(fm)])});
    for (const int fm : b.outputs) outputs.push_back({p.fms[std::size_t(fm)].vertex, where(p.fms[std::size_t(fm)])});
    for (const std::uint64_t a : budgets()) queries.push_back({layers, inputs, outputs, a, 64, objective, {}, read_inside});
  }
  GroupQueries(const Problem& p, int begin, int end, Residence where, Objective objective)
      : GroupQueries(p, begin, end, where == Residence::pinned ? ~std::uint32_t(0) : 0, objective) {}
  GroupQueries(const GroupQueries&) = delete;
  GroupQueries& operator=(const GroupQueries&) = delete;
};

/// Asks about group [begin, end) of `p` under every budget in one batch and checks
/// that the answers never get worse as the budget grows: once the group fits it
/// keeps fitting, and its score does not rise.
void check_group(const ReferenceAccelerator& accel, const Problem& p, int begin, int end, Residence where,
                 Objective objective) {
  const std::vector<std::uint64_t> available = budgets();
  const GroupQueries asked(p, begin, end, where, objective);
  const std::vector<std::optional<GroupCost>> answers = accel.evaluate_batch(asked.queries);
  std::optional<Score> previous;
  for (std::size_t k = 0; k < answers.size(); ++k) {
    if (!previous && !answers[k]) continue;
    INFO("layers [" << begin << ", " << end << ") from '" << p.names[std::size_t(begin)] << "', "
                    << (where == Residence::dram ? "DRAM" : "pinned") << " boundary, "
                    << to_string(objective) << " first, available " << available[k] << " B");
    REQUIRE(answers[k]);
    const Score score = score_of(*answers[k], objective);
    if (previous) CHECK(score <= *previous);
    previous = score;
  }
}

}  // namespace

TEST_CASE("more available bytes never give a group of a bundled model a worse score", "[monotonic]") {
  for (const auto& path : pinfuse::testing::solved_models()) {
    const Network g = load_model(path.string());
    const Problem p = make_problem(g);
    const int n = int(p.size());
    for (const bool double_buffering : {true, false}) {
      Hardware hw = shipped_hardware();
      hw.double_buffering = double_buffering;
      const ReferenceAccelerator accel(g, hw);
      INFO(path.stem().string() << (double_buffering ? ", double buffering" : ", serialized DMA"));
      for (int begin = 0; begin < n; ++begin)
        for (const int length : {1, 2, 4})  // single layers (channel chunks) and fused groups
          if (begin + length <= n)
            for (const Residence where : {Residence::dram, Residence::pinned})
              for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy})
                check_group(accel, p, begin, begin + length, where, objective);
    }
  }
}

TEST_CASE("halo caching never gives a group of a bundled model a worse score", "[monotonic][halo]") {
  int better = 0;
  for (const auto& path : pinfuse::testing::solved_models()) {
    const Network g = load_model(path.string());
    const Problem p = make_problem(g);
    const int n = int(p.size());
    Hardware hw = shipped_hardware();
    hw.halo_caching = false;
    const ReferenceAccelerator recompute(g, hw);
    hw.halo_caching = true;
    const ReferenceAccelerator caching(g, hw);
    INFO(path.stem().string());
    for (int begin = 0; begin < n; ++begin)
      for (const int length : {2, 4})
        if (begin + length <= n)
          for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
            const GroupQueries asked(p, begin, begin + length, Residence::dram, objective);
            const std::vector<GroupQuery>& queries = asked.queries;
            const std::vector<std::optional<GroupCost>> with = caching.evaluate_batch(queries);
            const std::vector<std::optional<GroupCost>> without = recompute.evaluate_batch(queries);
            for (std::size_t k = 0; k < queries.size(); ++k) {
              INFO("layers [" << begin << ", " << begin + length << "), " << to_string(objective) << " first, available "
                              << queries[k].available_bytes << " B");
              if (!without[k]) continue;
              REQUIRE(with[k]);  // caching never needs more SPM
              CHECK(score_of(*with[k], objective) <= score_of(*without[k], objective));
              better += score_of(*with[k], objective) < score_of(*without[k], objective) ? 1 : 0;
            }
          }
  }
  CHECK(better > 100);  // caching does win somewhere
}

TEST_CASE("a group's floor is at most its score with fewer pins or fewer bytes", "[monotonic][group_floor]") {
  // GroupFloorModel's contract, which the solvers' branch and bound rests on:
  // every subset of a group's pins (all of them up to 4 boundary FMs; else none,
  // all and all but one), at every
  // budget that leaves the pins their bytes, scores at least the floor asked
  // with all pinned at the larger budget. Each subset is checked at the largest
  // such budget, the floor's less the pins' aligned bytes (the best it scores:
  // more bytes never score worse). And where an FM alone passes a budget, the floor at
  // that budget is at least the answer with it in DRAM; where the pins do not fit it
  // together, at least the least answer over the sets of them that do.
  std::size_t answers = 0, tightened = 0, unpinnable = 0, split = 0;
  for (const auto& path : pinfuse::testing::solved_models()) {
    const Network g = load_model(path.string());
    const Problem p = make_problem(g);
    const int n = int(p.size());
    const ReferenceAccelerator accel(g, shipped_hardware());
    INFO(path.stem().string());
    for (int begin = 0; begin < n; begin += pinfuse::testing::sanitized ? 3 : 1)
      for (const int length : {1, 3})
        if (begin + length <= n)
          for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
            const GroupQueries generous(p, begin, begin + length, Residence::pinned, objective);
            std::vector<std::optional<CostFloor>> floors;
            for (const GroupQuery& q : generous.queries) floors.push_back(accel.group_floor(q));
            const std::size_t boundary = generous.inputs.size() + generous.outputs.size();
            // Every subset of up to 4 boundary FMs; of more (DenseNet's concats), none, all, and all
            // but one (bit i: the i-th boundary FM, the 32nd and later sharing the last bit)
            std::vector<std::uint32_t> subsets;
            if (boundary <= 4) {
              for (std::uint32_t pinned = 0; pinned < (std::uint32_t(1) << boundary); ++pinned) subsets.push_back(pinned);
            } else {
              subsets = {0, ~std::uint32_t(0)};
              for (std::size_t i = 0; i < std::min<std::size_t>(boundary, 32); ++i) subsets.push_back(~(std::uint32_t(1) << i));
            }
            for (const std::uint32_t pinned : subsets) {
              GroupQueries asked(p, begin, begin + length, pinned, objective);
              std::uint64_t pin_bytes = 0;  // aligned bytes of the FMs `asked` pins or loads
              for (const auto* list : {&asked.inputs, &asked.outputs})
                for (const BoundaryFm& b : *list)
                  if (b.where != Residence::dram)
                    pin_bytes += align_up(p.fms[std::size_t(p.fm_of_vertex[b.vertex])].bytes, asked.queries[0].alignment);
              for (std::size_t k = 0; k < asked.queries.size(); ++k)  // what budget k leaves after the pins
                asked.queries[k].available_bytes -= std::min(pin_bytes, asked.queries[k].available_bytes);
              const std::vector<std::optional<GroupCost>> costs = accel.evaluate_batch(asked.queries);
              for (std::size_t k = 0; k < floors.size(); ++k) {
                if (pin_bytes > generous.queries[k].available_bytes || !costs[k]) continue;
                INFO("layers [" << begin << ", " << begin + length << "), pins " << pinned << ", " << to_string(objective)
                                << " first, floor at " << generous.queries[k].available_bytes << " B, answer at "
                                << asked.queries[k].available_bytes << " B");
                REQUIRE(floors[k]);
                CHECK(score_of(*floors[k], objective) <= score_of(*costs[k], objective));
                ++answers;
              }
            }
            // The floor passes the all-pinned answer at the same budget only where the
            // pins cannot all have their bytes (least_dram_bytes): that part bites somewhere.
            const std::vector<std::optional<GroupCost>> all_pinned = accel.evaluate_batch(generous.queries);
            for (std::size_t k = 0; k < floors.size(); ++k)
              if (floors[k] && all_pinned[k]) tightened += score_of(*floors[k], objective) > score_of(*all_pinned[k], objective) ? 1 : 0;
            // Where the pins' aligned bytes do not all fit the budget together, no setting pins them
            // all: the floor is at least the least answer, at the floor's budget, over the sets of pins
            // whose bytes fit it together and leave no other room (group_floor asks the sets that fit
            // beside its least footprint, each part of one of these).
            if (boundary <= 4) {
              std::vector<std::uint64_t> aligned;  // per boundary FM, in GroupQueries' order [B]
              for (const auto* list : {&generous.inputs, &generous.outputs})
                for (const BoundaryFm& b : *list)
                  aligned.push_back(align_up(p.fms[std::size_t(p.fm_of_vertex[b.vertex])].bytes, generous.queries[0].alignment));
              for (std::size_t k = 0; k < floors.size(); ++k) {
                const std::uint64_t budget = generous.queries[k].available_bytes;
                if (!floors[k] || std::accumulate(aligned.begin(), aligned.end(), std::uint64_t(0)) <= budget) continue;
                std::optional<Score> least;  // over the sets that fit
                for (std::uint32_t pinned = 0; pinned < (std::uint32_t(1) << boundary); ++pinned) {
                  std::uint64_t bytes = 0;
                  for (std::size_t i = 0; i < boundary; ++i) bytes += (pinned >> i) & 1U ? aligned[i] : 0;
                  bool most = bytes <= budget;
                  for (std::size_t i = 0; most && i < boundary; ++i) most = ((pinned >> i) & 1U) || bytes + aligned[i] > budget;
                  if (!most) continue;
                  GroupQueries fitting(p, begin, begin + length, pinned, objective);
                  for (BoundaryFm& b : fitting.inputs)  // a loaded model input asked as pinned, as the floor does
                    if (b.where == Residence::loaded) b.where = Residence::pinned;
                  if (const std::optional<GroupCost> c = accel.evaluate(fitting.queries[k]))
                    if (!least || score_of(*c, objective) < *least) least = score_of(*c, objective);
                }
                if (!least) continue;
                INFO("layers [" << begin << ", " << begin + length << "), " << to_string(objective) << " first, at " << budget
                                << " B: the pins do not fit together");
                CHECK(score_of(*floors[k], objective) >= *least);
                if (all_pinned[k] && score_of(*all_pinned[k], objective) < *least) ++split;  // pinning all would be less
              }
            }
            // No setting pins an FM whose aligned bytes alone pass the budget, so the floor is at
            // least the answer with those FMs in DRAM and the others pinned (group_floor asks that).
            if (boundary < 32) {
              std::map<std::uint32_t, std::vector<std::size_t>> budgets_by_mask;  // bit i: boundary FM i fits the budget on its own
              for (std::size_t k = 0; k < floors.size(); ++k) {
                std::uint32_t fitting = 0;
                std::size_t i = 0;
                for (const auto* list : {&generous.inputs, &generous.outputs})
                  for (const BoundaryFm& b : *list) {
                    const std::uint64_t bytes = p.fms[std::size_t(p.fm_of_vertex[b.vertex])].bytes;
                    fitting |= std::uint32_t(align_up(bytes, generous.queries[k].alignment) <= generous.queries[k].available_bytes) << i++;
                  }
                if (floors[k] && fitting + 1 != std::uint32_t(1) << boundary) budgets_by_mask[fitting].push_back(k);
              }
              for (const auto& [fitting, ks] : budgets_by_mask) {
                GroupQueries unpinnable_in_dram(p, begin, begin + length, fitting, objective);
                for (BoundaryFm& b : unpinnable_in_dram.inputs)  // a loaded model input asked as pinned, as the floor does
                  if (b.where == Residence::loaded) b.where = Residence::pinned;
                std::vector<GroupQuery> asked;
                for (const std::size_t k : ks) asked.push_back(unpinnable_in_dram.queries[k]);
                const std::vector<std::optional<GroupCost>> costs = accel.evaluate_batch(asked);
                for (std::size_t a = 0; a < ks.size(); ++a) {
                  if (!costs[a]) continue;
                  INFO("layers [" << begin << ", " << begin + length << "), FMs that fit " << fitting << ", " << to_string(objective)
                                  << " first, at " << generous.queries[ks[a]].available_bytes << " B");
                  CHECK(score_of(*floors[ks[a]], objective) >= score_of(*costs[a], objective));
                  ++unpinnable;
                }
              }
            }
          }
  }
  CHECK(answers > (pinfuse::testing::sanitized ? 10000 : 100000));
  CHECK(tightened > 0);
  CHECK(unpinnable > 0);
  CHECK(split > 0);
}

namespace {

/// Solves `model` at SPM sizes 64 KiB, 128 KiB, ..., 8 MiB (under the sanitizers
/// every other one: 64 KiB, 256 KiB, ..., 4 MiB): once a plan exists
/// the larger SPMs have one too, and the DP's proven optimum (the plan's lower
/// bound) never rises. Returns how many plans are not that optimum: the
/// allocator found no addresses for it, and address repairs
/// (docs/reference-accelerator.md §5) moved the plan off it, so it may score
/// worse than a smaller SPM's (the test says where).
int check_plans(const std::string& model, Strategy strategy, const SolveOptions& opt) {
  int repaired = 0;
  const Network g = load_model(pinfuse::testing::model_path(model));
  Hardware hw = shipped_hardware();
  std::optional<Score> previous, previous_bound;
  for (std::uint64_t spm_bytes = 64 << 10; spm_bytes <= 8 << 20; spm_bytes *= pinfuse::testing::sanitized ? 4 : 2) {
    hw.spm_bytes = spm_bytes;
    const ReferenceAccelerator accel(g, hw);
    INFO(model << ", " << to_string(strategy) << ", max_group_layers " << opt.max_group_layers << ", SPM "
               << spm_bytes / 1024 << " KiB");
    std::optional<Plan> plan;
    try {
      plan = solve(strategy, g, accel, scratchpad_of(hw), opt);
    } catch (const no_plan_fits&) {
      REQUIRE_FALSE(previous);  // a smaller SPM had a plan
      continue;
    }
    const Score score = score_of(plan->totals, opt.objective);
    repaired += plan->status.optimal ? 0 : 1;
    if (previous) {
      CHECK(plan->status.lower_bound <= *previous_bound);  // so a plan at its optimum never scores worse either
      if (*previous < score) WARN("address repairs left the plan worse than at half the SPM (docs/reference-accelerator.md §5)");
    }
    previous = score;
    previous_bound = plan->status.lower_bound;
  }
  CHECK(previous);  // the largest size holds every bundled model
  return repaired;
}

}  // namespace

// Run time (release, one thread), 17 models (under ASan + UBSan: the 7 of solved_models()), with
// halo caching: layerwise and pinning about 7 s for the three objectives, fusion about 6 s and joint
// about 15 s in the plan spaces of looping_test_options; the per-group tests above 8 s and 2.5 s.
TEST_CASE("the layerwise and pinning optima never rise with the SPM size", "[monotonic][solvers]") {
  int repaired = 0;
  for (const Strategy strategy : {Strategy::layerwise, Strategy::pinning})
    for (const auto& path : pinfuse::testing::solved_models())
      for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
        SolveOptions opt;
        opt.objective = objective;
        opt.max_pins_per_cut = pinfuse::testing::looping_test_options(path.stem().string()).max_pins_per_cut;
        repaired += check_plans(path.stem().string(), strategy, opt);
      }
  // Of the 816 solves (17 models x 8 sizes) only Inception-v3's pinning energy optimum at 256 KiB finds no addresses: every
  // step is full to the byte (docs/reference-accelerator.md §5). (At 512 KiB too, before the allocator's search by steps.)
  CHECK(repaired <= 1);
}

TEST_CASE("the fusion optimum never rises with the SPM size", "[monotonic][solvers]") {
  // With halo caching groups fit in far less SPM (line buffers), so unlimited fusion of the
  // models with many branches takes minutes: as joint below, their groups are bounded.
  for (const auto& path : pinfuse::testing::solved_models())
    check_plans(path.stem().string(), Strategy::fusion, pinfuse::testing::looping_test_options(path.stem().string()));
}

TEST_CASE("the joint optimum never rises with the SPM size", "[monotonic][solvers]") {
  // Unlimited joint solves of the models with many branches, SE blocks or dense
  // blocks take seconds to minutes each at small SPM sizes, so those are solved
  // in the smaller plan spaces of looping_test_options (support/bundled.hpp):
  // still the exact optimum of a space that only grows with the SPM size.
  int repaired = 0;
  for (const auto& path : pinfuse::testing::solved_models())
    repaired += check_plans(path.stem().string(), Strategy::joint,
                            pinfuse::testing::looping_test_options(path.stem().string()));
  CHECK(repaired == 0);  // the allocator places every optimum of this test
}
