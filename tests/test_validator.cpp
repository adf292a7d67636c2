// The validator (plan/validator.hpp) accepts a real joint plan and rejects each
// kind of corruption of it with a message that names the problem.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "support/bundled.hpp"
#include "support/findings.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"

using namespace pinfuse;
using pinfuse::testing::all_errors;
using pinfuse::testing::find_layer;
using pinfuse::testing::mentions;

namespace {

struct Solved {
  Network net;
  Hardware hw;
  Plan plan;
};

/// MobileNetV2 solved jointly on the default hardware, once for all cases.
const Solved& mobilenet_v2() {
  static const Solved s = [] {
    Solved r{load_model(PINFUSE_SOURCE_DIR "/models/mobilenet_v2.json"), Hardware{}, {}};
    const ReferenceAccelerator accel(r.net, r.hw);
    r.plan = solve_joint(r.net, accel, scratchpad_of(r.hw));
    return r;
  }();
  return s;
}

std::size_t group_of(const Plan& plan, std::size_t vertex) {
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi)
    if (std::count(plan.groups[gi].layers.begin(), plan.groups[gi].layers.end(), vertex)) return gi;
  FAIL("vertex " << vertex << " is in no group");
  return 0;
}

/// A CostModel that forwards to the reference accelerator only queries whose
/// boundary matches the graph (every producer outside the group is a declared
/// input, every declared output is produced in the group). It records the
/// others instead of forwarding them: the reference accelerator indexes out of
/// bounds on such queries.
struct CheckedCostModel {
  const Network* net;
  const ReferenceAccelerator* inner;
  std::vector<std::string>* malformed;

  std::optional<GroupCost> evaluate(const GroupQuery& q) const {
    const std::set<std::size_t> in_group(q.layers.begin(), q.layers.end());
    std::set<std::size_t> declared;
    for (const BoundaryFm& b : q.inputs) declared.insert(b.vertex);
    bool ok = true;
    for (const std::size_t l : q.layers)
      for (const LayerId u : inputs_of(*net, l))
        if (!in_group.count(u) && !declared.count(u)) {
          malformed->push_back("'" + (*net)[l].name + "' reads undeclared input '" + (*net)[u].name + "'");
          ok = false;
        }
    for (const BoundaryFm& b : q.outputs)
      if (!in_group.count(b.vertex)) {
        malformed->push_back("output '" + (*net)[b.vertex].name + "' is not produced in the group");
        ok = false;
      }
    if (!ok) return std::nullopt;
    return inner->evaluate(q);
  }
};
static_assert(CostModel<CheckedCostModel>);

}  // namespace

TEST_CASE("the joint plan of MobileNetV2 validates", "[validator]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  const ValidationReport report = validate_plan(s.net, s.plan, accel, spm);
  INFO(all_errors(report));
  CHECK(report.ok());
  CHECK(report.peak_spm_bytes > 0);
  CHECK(report.peak_spm_bytes <= spm.capacity());
  // The corruptions below need pins and several groups to work on.
  CHECK(s.plan.groups.size() > 2);
  CHECK(!s.plan.pinned.empty());
}

TEST_CASE("the validator rejects corrupted copies of a valid plan", "[validator]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  REQUIRE(validate_plan(s.net, s.plan, accel, spm).ok());
  REQUIRE(!s.plan.pinned.empty());
  Plan plan = s.plan;

  SECTION("a smaller SPM than the plan was made for") {
    const Scratchpad small(s.hw.spm_bytes / 4, s.hw.spm_alignment);
    const ValidationReport r = validate_plan(s.net, plan, accel, small);
    INFO(all_errors(r));
    CHECK(!r.ok());
    CHECK(mentions(r, FindingKind::capacity, "the SPM has " + std::to_string(small.capacity())));
  }
  SECTION("two dependent layers swapped in the order") {
    // conv1 feeds b1_dw, the next layer.
    const LayerId conv1 = find_layer(s.net, "conv1"), dw = find_layer(s.net, "b1_dw");
    const auto a = std::find(plan.order.begin(), plan.order.end(), conv1);
    const auto b = std::find(plan.order.begin(), plan.order.end(), dw);
    REQUIRE(a != plan.order.end());
    REQUIRE(b != plan.order.end());
    std::iter_swap(a, b);
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::order, "order"));
    CHECK(mentions(r, FindingKind::order, "runs before its input 'conv1'"));
  }
  SECTION("a group dropped from the middle") {
    plan.groups.erase(plan.groups.begin() + std::ptrdiff_t(plan.groups.size() / 2));
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::grouping, "does not continue the execution order"));
  }
  SECTION("the last group dropped") {
    plan.groups.pop_back();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::grouping, "compute layers"));
  }
  SECTION("a group's claimed latency changed") {
    plan.groups[1].cost.latency_cycles += 1;
    plan.totals.latency_cycles += 1;  // keep the totals consistent: only the claim is wrong
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(r.findings.size() == 1);
    CHECK(mentions(r, FindingKind::cost, "group 1 "));
    CHECK(mentions(r, FindingKind::cost, "claimed cost differs"));
  }
  SECTION("a group's SPM reserve (an address repair's) more than its pins leave") {
    plan.groups[1].spm_reserve = spm.capacity();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(r.findings.size() == 1);
    CHECK(mentions(r, FindingKind::capacity, "group 1 "));
    CHECK(mentions(r, FindingKind::capacity, "its SPM reserve (" + std::to_string(spm.capacity()) + " bytes) is more than"));
  }
  SECTION("the plan totals changed") {
    SECTION("latency") { plan.totals.latency_cycles -= 1; }
    SECTION("off-chip weights") { plan.totals.offchip.weights += 1; }
    SECTION("recompute") { plan.totals.recompute_macs += 1; }
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(r.findings.size() == 1);
    CHECK(mentions(r, FindingKind::totals, "plan totals"));
  }
  SECTION("a pinned FM declared in DRAM among one group's outputs") {
    const PinnedFm pin = plan.pinned.front();
    auto& outputs = plan.groups[pin.first_group].outputs;
    const auto it = std::find_if(outputs.begin(), outputs.end(), [&](const BoundaryFm& b) { return b.vertex == pin.vertex; });
    REQUIRE(it != outputs.end());
    REQUIRE(it->where == Residence::pinned);
    it->where = Residence::dram;
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::residence, "output '" + s.net[pin.vertex].name + "' is declared dram, the plan's pins make it pinned"));
  }
  SECTION("the model output FM pinned") {
    const LayerId fc = find_layer(s.net, "fc");  // the FM the "output" layer reads
    const std::size_t gi = group_of(plan, fc);
    plan.pinned.push_back({fc, spm.aligned(fm_bytes(s.net, fc)), gi, gi});
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::pin, "pinned 'fc' is a model output"));
  }
  SECTION("a pin with the wrong last group") {
    PinnedFm& pin = plan.pinned.front();
    pin.last_group += 1;
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::pin, "pinned '" + s.net[pin.vertex].name + "' has the wrong lifetime"));
  }
  SECTION("a pin with the wrong size") {
    PinnedFm& pin = plan.pinned.front();
    pin.bytes += spm.alignment();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::pin, "pinned '" + s.net[pin.vertex].name + "' declares the wrong size"));
  }
  SECTION("a buffer size changed") {
    REQUIRE(!plan.groups[0].cost.buffers.empty());
    plan.groups[0].cost.buffers[0].bytes += spm.alignment();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::cost, "group 0 "));
    CHECK(mentions(r, FindingKind::cost, "claimed cost differs"));
  }
  SECTION("a group input declared pinned that the plan does not pin") {
    // An intermediate FM read from DRAM (not the model input).
    const LayerId model_input = find_layer(s.net, "input");
    bool changed = false;
    for (std::size_t gi = 0; gi < plan.groups.size() && !changed; ++gi)
      for (BoundaryFm& b : plan.groups[gi].inputs)
        if (b.where == Residence::dram && b.vertex != model_input) {
          b.where = Residence::pinned;
          changed = true;
          INFO("group " << gi << " input '" << s.net[b.vertex].name << "'");
          break;
        }
    if (!changed) {
      // Every intermediate input is pinned: drop one pin from plan.pinned instead.
      const PinnedFm pin = plan.pinned.front();
      plan.pinned.erase(plan.pinned.begin());
      INFO("dropped the pin of '" << s.net[pin.vertex].name << "'");
    }
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::residence, "is declared pinned, the plan's pins make it dram"));
  }
  SECTION("a pin dropped from plan.pinned while its groups still declare it pinned") {
    const PinnedFm pin = plan.pinned.back();
    plan.pinned.pop_back();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::residence, "input '" + s.net[pin.vertex].name + "' is declared pinned, the plan's pins make it dram"));
    CHECK(mentions(r, FindingKind::residence, "output '" + s.net[pin.vertex].name + "' is declared pinned, the plan's pins make it dram"));
  }
  SECTION("a group's DRAM write claim changed") {
    plan.groups[2].cost.offchip.fm_write += 1;
    plan.totals.offchip.fm_write += 1;
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::traffic, "group 2 "));
    CHECK(mentions(r, FindingKind::traffic, "FM bytes to DRAM"));
  }
  SECTION("a group that reads DRAM bytes without a DRAM input") {
    auto it = std::find_if(plan.groups.begin(), plan.groups.end(), [](const PlannedGroup& g) { return g.cost.offchip.fm_read > 0; });
    REQUIRE(it != plan.groups.end());
    for (BoundaryFm& b : it->inputs) b.where = Residence::pinned;
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::traffic, "FM bytes from DRAM, but none of its inputs is in DRAM"));
  }
  SECTION("a declared group output removed") {
    auto it = std::find_if(plan.groups.begin(), plan.groups.end(), [](const PlannedGroup& g) { return !g.outputs.empty(); });
    REQUIRE(it != plan.groups.end());
    it->outputs.pop_back();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::boundary, "declared outputs differ"));
  }
}

TEST_CASE("the validator asks the cost model only about well-formed groups of a valid plan", "[validator]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  std::vector<std::string> malformed;
  const CheckedCostModel checked{&s.net, &accel, &malformed};
  const ValidationReport r = validate_plan(s.net, s.plan, checked, scratchpad_of(s.hw));
  INFO(all_errors(r));
  CHECK(r.ok());
  CHECK(malformed.empty());
}

// A group whose declared boundary is wrong is reported, not handed to the cost
// model (the reference accelerator would index out of bounds on it).
TEST_CASE("the validator does not pass a group with a wrong boundary to the cost model", "[validator]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  std::vector<std::string> malformed;
  const CheckedCostModel checked{&s.net, &accel, &malformed};
  Plan plan = s.plan;
  SECTION("a group whose declared inputs are missing") {
    REQUIRE(!plan.groups[1].inputs.empty());
    plan.groups[1].inputs.clear();
    const ValidationReport r = validate_plan(s.net, plan, checked, scratchpad_of(s.hw));
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::boundary, "declared inputs differ"));
  }
  SECTION("a group declaring an output another group produces") {
    plan.groups[1].outputs.push_back({plan.groups[3].layers.front(), Residence::dram});
    const ValidationReport r = validate_plan(s.net, plan, checked, scratchpad_of(s.hw));
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::boundary, "declared outputs differ"));
  }
  INFO("queries the validator sent: " << (malformed.empty() ? std::string("none malformed") : malformed.front()));
  CHECK(malformed.empty());
}

TEST_CASE("an empty group is reported, in the middle or at the end of a plan", "[validator]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  Plan plan = s.plan;
  std::string expected;
  SECTION("in the middle") {
    plan.groups.insert(plan.groups.begin() + 2, PlannedGroup{});
    expected = "group 2 is empty";
  }
  SECTION("at the end (this once made the validator read one past the order)") {
    plan.groups.push_back(PlannedGroup{});
    expected = "is empty";
  }
  const ValidationReport r = validate_plan(s.net, plan, accel, scratchpad_of(s.hw));
  INFO(all_errors(r));
  CHECK(mentions(r, FindingKind::grouping, expected));
}

TEST_CASE("plans carry SPM addresses the validator checks", "[validator][layout]") {
  const Solved& s = mobilenet_v2();
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  REQUIRE_FALSE(s.plan.layout.empty());
  CHECK(s.plan.layout.peak <= spm.capacity());
  CHECK(s.plan.layout.peak >= s.plan.layout.lower_bound);
  CHECK(validate_plan(s.net, s.plan, accel, spm).ok());

  SECTION("two live buffers at one address") {
    Plan plan = s.plan;
    auto g = std::find_if(plan.layout.buffers.begin(), plan.layout.buffers.end(), [](const auto& b) { return b.size() >= 2; });
    REQUIRE(g != plan.layout.buffers.end());
    (*g)[1] = (*g)[0];
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::overlap, "overlap in the SPM"));
  }
  SECTION("a pinned FM over a buffer of a group it lives through") {
    Plan plan = s.plan;
    REQUIRE_FALSE(plan.pinned.empty());
    const PinnedFm& pin = plan.pinned.front();
    REQUIRE_FALSE(plan.layout.buffers[pin.first_group].empty());
    plan.layout.pinned.front() = plan.layout.buffers[pin.first_group].front();
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::overlap, "overlap in the SPM"));
  }
  SECTION("an address past the SPM or misaligned") {
    Plan plan = s.plan;
    plan.layout.buffers.front().front() = spm.capacity();
    plan.layout.buffers.back().front() += 1;
    const ValidationReport r = validate_plan(s.net, plan, accel, spm);
    INFO(all_errors(r));
    CHECK(mentions(r, FindingKind::layout, "past the SPM"));
    CHECK(mentions(r, FindingKind::alignment, "not aligned"));
  }
  SECTION("a layout missing a group") {
    Plan plan = s.plan;
    plan.layout.buffers.pop_back();
    CHECK(mentions(validate_plan(s.net, plan, accel, spm), FindingKind::layout, "does not list every"));
  }
}

TEST_CASE("every strategy's plan on every bundled model is valid, addresses and commands included",
          "[validator][layout][program][zoo]") {
  REQUIRE(pinfuse::testing::bundled_models().size() >= 12);
  for (const auto& path : pinfuse::testing::solved_models()) {
    const Network net = load_model(path.string());
    // every model at the shipped 1 MiB; the quick ones also where capacity binds hard
    const bool quick = totals(net).compute_layers < 70 && path.stem() != "resnet50";
    for (const std::uint64_t kib : {1024u, 256u}) {
      if (kib == 256 && !quick) continue;
      Hardware hw;
      hw.spm_bytes = kib * 1024;
      const ReferenceAccelerator accel(net, hw);
      const Scratchpad spm = scratchpad_of(hw);
      for (const Strategy st : all_strategies) {
        INFO(path.stem().string() << " " << kib << " KiB " << to_string(st));
        const Plan plan = solve(st, net, accel, spm, pinfuse::testing::looping_test_options(path.stem().string()));
        CHECK(plan.layout.peak <= spm.capacity());
        const ValidationReport r = validate_plan(net, plan, accel, spm);
        INFO(all_errors(r));
        CHECK(r.ok());
        const ReplayReport replayed = replay_program(net, plan, build_program(net, plan, accel, spm), spm);
        INFO((replayed.findings.empty() ? std::string() : replayed.findings.front().message));
        CHECK(replayed.ok());
      }
    }
  }
}

// A group may need none of the rows of a DRAM input (a fuzz finding,
// fuzz/regressions/tflite_bytes/): its plans read 0 bytes of it, and that is valid.
TEST_CASE("plans whose groups read none of a DRAM input's rows validate and replay", "[validator][program]") {
  const auto model = [](const char* layers) {
    return read_model(nlohmann::json::parse(std::string(R"({"format": "pinfuse-model", "version": 1, "name": "x",
      "layers": [{"name": "in", "type": "input", "shape": [2, 4, 6]}, )") + layers + "]}"));
  };
  // "padding": one output row, whose 1-row window is padding row -4.
  // "strided": a's row 1 reads input row 1, its row 0 padding row -1; b (stride 2) reads a's row 0 only,
  // so the group {a, b} reads none of the input.
  const std::pair<const char*, Network> cases[] = {
      {"padding", model(R"({"name": "a", "type": "conv2d", "inputs": ["in"], "filters": 4, "kernel": 1, "stride": 8,
                             "padding": [4, 0, 0, 0]})")},
      {"strided", model(R"({"name": "a", "type": "conv2d", "inputs": ["in"], "filters": 4, "kernel": 1, "stride": 2,
                             "padding": [1, 1, 0, 0]},
                            {"name": "b", "type": "conv2d", "inputs": ["a"], "filters": 4, "kernel": 1, "stride": 2})")}};
  for (const auto& [name, g] : cases) {
    INFO(name);
    const Hardware hw;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    std::size_t reading_nothing = 0;
    for (const Strategy strategy : all_strategies) {
      const Plan plan = solve(strategy, g, accel, spm);
      INFO(to_string(strategy));
      CHECK(all_errors(validate_plan(g, plan, accel, spm)) == "");
      CHECK(all_errors(replay_program(g, plan, build_program(g, plan, accel, spm), spm)) == "");
      for (const PlannedGroup& grp : plan.groups)
        if (grp.cost.offchip.fm_read == 0 &&
            std::any_of(grp.inputs.begin(), grp.inputs.end(), [](const BoundaryFm& b) { return b.where == Residence::dram; }))
          ++reading_nothing;
    }
    CHECK(reading_nothing > 0);
  }
}
