// Plans as JSON (io/plan_json.hpp): written, dumped, parsed and read back they
// equal the original and still validate; bad plan documents name the JSON pointer.
#include <catch2/catch.hpp>

#include <string>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"

using namespace pinfuse;
using nlohmann::json;

namespace {

const Network& mobilenet_v1() {
  static const Network net = load_model(PINFUSE_SOURCE_DIR "/models/mobilenet_v1.json");
  return net;
}

void check_equal(const Plan& a, const Plan& b) {
  CHECK(a.strategy == b.strategy);
  CHECK(a.objective == b.objective);
  CHECK(a.order == b.order);
  REQUIRE(a.groups.size() == b.groups.size());
  for (std::size_t gi = 0; gi < a.groups.size(); ++gi) {
    INFO("group " << gi);
    CHECK(a.groups[gi].layers == b.groups[gi].layers);
    CHECK(a.groups[gi].inputs == b.groups[gi].inputs);
    CHECK(a.groups[gi].outputs == b.groups[gi].outputs);
    CHECK(a.groups[gi].cost == b.groups[gi].cost);  // latency, off-chip, recompute, buffers, tiling
  }
  CHECK(a.pinned == b.pinned);
  CHECK(a.totals == b.totals);
  CHECK(a.layout == b.layout);  // SPM addresses survive the round trip
  CHECK(a.status == b.status);  // optimal, lower bound and root bound
}

/// read_plan must fail at `where` with a reason containing `cause`.
void expect_plan_rejected(const json& doc, const std::string& where, const std::string& cause) {
  try {
    read_plan(mobilenet_v1(), doc);
    FAIL("read_plan accepted the plan; expected an error at " << where);
  } catch (const input_error& e) {
    INFO("what(): " << e.what());
    CHECK(e.where() == where);
    CHECK_THAT(e.reason(), Catch::Contains(cause));
  }
}

}  // namespace

TEST_CASE("strategies and objectives have one name each, and it reads back", "[plan_json]") {
  for (const Strategy s : all_strategies) CHECK(strategy_named(to_string(s)) == s);
  for (const Objective o : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
    CHECK(objective_named(to_string(o)) == o);
    Plan plan;
    plan.objective = o;
    CHECK(plan_to_json(Network{}, plan).at("objective") == std::string(to_string(o)));
  }
  CHECK(to_string(Objective::offchip_bytes) == "offchip_bytes");
  CHECK_FALSE(objective_named("offchip"));  // the tool's shorthand only
  CHECK_FALSE(strategy_named("joint-ilp"));
}

TEST_CASE("plan JSON round trip gives an equal plan that validates, for every strategy", "[plan_json]") {
  const Network& net = mobilenet_v1();
  const Hardware hw;
  const ReferenceAccelerator accel(net, hw);
  const Scratchpad spm = scratchpad_of(hw);
  for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy})
    for (const Strategy strategy : all_strategies) {
      INFO("strategy " << to_string(strategy) << ", objective " << to_string(objective));
      SolveOptions opt;
      opt.objective = objective;
      const Plan plan = solve(strategy, net, accel, spm, opt);
      if (strategy == Strategy::joint) CHECK(plan.status.root_bound);  // written and read back too
      const std::string text = plan_to_json(net, plan).dump(2);
      const Plan again = read_plan(net, json::parse(text));
      CHECK(plan.totals.energy.total() > 0);  // the energy breakdown is written and read back
      check_equal(plan, again);
      const ValidationReport report = validate_plan(net, again, accel, spm);
      INFO((report.findings.empty() ? std::string() : report.findings.front().message));
      CHECK(report.ok());
      // Writing the re-read plan gives the same document.
      CHECK(plan_to_json(net, again).dump(2) == text);
    }
}

TEST_CASE("plan JSON names layers and FMs by name", "[plan_json]") {
  const Network& net = mobilenet_v1();
  const Hardware hw;
  const ReferenceAccelerator accel(net, hw);
  const Plan plan = solve_joint(net, accel, scratchpad_of(hw));
  const json doc = plan_to_json(net, plan);
  CHECK(doc["format"] == "pinfuse-plan");
  CHECK(doc["version"] == 1);
  CHECK(doc["strategy"] == plan.strategy);
  CHECK(doc["order"][0] == "conv1");
  CHECK(doc["groups"][0]["inputs"][0]["fm"] == "input");
  CHECK(doc["groups"][0]["inputs"][0]["where"] == "dram");
  CHECK(doc["totals"]["offchip"]["total"] == plan.totals.offchip.total());
  CHECK(doc["totals"]["energy_pj"]["total"] == plan.totals.energy.total());
  CHECK(doc["totals"]["energy_pj"]["mac"] == plan.totals.energy.mac);
  CHECK(doc["groups"][0]["energy_pj"]["dram"] == plan.groups[0].cost.energy.dram);
  REQUIRE(!plan.pinned.empty());
  CHECK(doc["pinned"][0]["fm"] == net[plan.pinned[0].vertex].name);
}

TEST_CASE("read_plan rejects bad plan documents with the JSON pointer", "[plan_json][errors]") {
  const Network& net = mobilenet_v1();
  const Hardware hw;
  const ReferenceAccelerator accel(net, hw);
  const Plan plan = solve_joint(net, accel, scratchpad_of(hw));
  json doc = plan_to_json(net, plan);
  REQUIRE(doc["groups"].size() > 2);
  REQUIRE(!doc["pinned"].empty());
  REQUIRE_NOTHROW(read_plan(net, doc));

  SECTION("a root bound above the proven lower bound") {
    REQUIRE(doc["status"].contains("root_bound"));
    doc["status"]["root_bound"]["latency_cycles"] = doc["status"]["lower_bound"]["latency_cycles"].get<std::uint64_t>() + 1;
    expect_plan_rejected(doc, "/status/root_bound", "exceeds lower_bound");
  }
  SECTION("a root bound without its second metric") {
    doc["status"]["root_bound"].erase("offchip_bytes");
    expect_plan_rejected(doc, "/status/root_bound", "'offchip_bytes'");
  }
  SECTION("an unknown layer in the order") {
    doc["order"][3] = "b3_nope";
    expect_plan_rejected(doc, "/order/3", "no layer named 'b3_nope'");
  }
  SECTION("an unknown layer in a group") {
    doc["groups"][1]["layers"][0] = "nope";
    expect_plan_rejected(doc, "/groups/1/layers/0", "'nope'");
  }
  SECTION("an unknown FM among a group's outputs") {
    doc["groups"][2]["outputs"][0]["fm"] = "nope";
    expect_plan_rejected(doc, "/groups/2/outputs/0/fm", "'nope'");
  }
  SECTION("an unknown pinned FM") {
    doc["pinned"][0]["fm"] = "nope";
    expect_plan_rejected(doc, "/pinned/0/fm", "'nope'");
  }
  SECTION("a group without latency") {
    doc["groups"][0].erase("latency_cycles");
    expect_plan_rejected(doc, "/groups/0", "'latency_cycles'");
  }
  SECTION("a boundary FM without residence") {
    doc["groups"][1]["inputs"][0].erase("where");
    expect_plan_rejected(doc, "/groups/1/inputs/0", "'where'");
  }
  SECTION("a residence that is neither dram nor pinned") {
    doc["groups"][1]["inputs"][0]["where"] = "cache";
    expect_plan_rejected(doc, "/groups/1/inputs/0/where", "\"cache\"");
  }
  SECTION("a pin without last_group") {
    doc["pinned"][0].erase("last_group");
    expect_plan_rejected(doc, "/pinned/0", "'last_group'");
  }
  SECTION("totals without off-chip bytes") {
    doc["totals"].erase("offchip");
    expect_plan_rejected(doc, "/totals", "'offchip'");
  }
  SECTION("no totals") {
    doc.erase("totals");
    expect_plan_rejected(doc, "/", "'totals'");
  }
  SECTION("no order") {
    doc.erase("order");
    expect_plan_rejected(doc, "/", "'order'");
  }
  SECTION("a buffer without bytes") {
    doc["groups"][0]["buffers"][0].erase("bytes");
    expect_plan_rejected(doc, "/groups/0/buffers/0", "'bytes'");
  }
  SECTION("a negative byte count") {
    doc["groups"][0]["offchip"]["fm_read"] = -1;
    expect_plan_rejected(doc, "/groups/0/offchip/fm_read", "got -1");
  }
  SECTION("an off-chip total that is not the sum of its parts") {
    doc["groups"][1]["offchip"]["total"] = doc["groups"][1]["offchip"]["total"].get<std::uint64_t>() + 1;
    expect_plan_rejected(doc, "/groups/1/offchip/total", "fm_read + fm_write + weights");
  }
  SECTION("an energy total that is not the sum of its terms") {
    doc["groups"][1]["energy_pj"]["total"] = doc["groups"][1]["energy_pj"]["total"].get<std::uint64_t>() + 1;
    expect_plan_rejected(doc, "/groups/1/energy_pj/total", "sum of the five terms");
  }
  SECTION("an energy term missing") {
    doc["totals"]["energy_pj"].erase("spm_write");
    expect_plan_rejected(doc, "/totals/energy_pj", "'spm_write'");
  }
  SECTION("an energy the validator disagrees with") {
    doc["groups"][0]["energy_pj"]["mac"] = doc["groups"][0]["energy_pj"]["mac"].get<std::uint64_t>() + 1;
    doc["groups"][0]["energy_pj"]["total"] = doc["groups"][0]["energy_pj"]["total"].get<std::uint64_t>() + 1;
    const Plan changed = read_plan(net, doc);
    CHECK_FALSE(validate_plan(net, changed, accel, scratchpad_of(hw)).ok());
  }
  SECTION("a tiling value that is not an integer") {
    doc["groups"][0]["tiling"]["row_tiles"] = "four";
    expect_plan_rejected(doc, "/groups/0/tiling/row_tiles", "integer");
  }
  SECTION("a wrong format") {
    doc["format"] = "pinfuse-model";
    expect_plan_rejected(doc, "/format", "pinfuse-plan");
  }
  SECTION("an unknown field in a group") {
    doc["groups"][0]["tiles"] = 3;
    expect_plan_rejected(doc, "/groups/0/tiles", "unknown field 'tiles'");
  }
}
