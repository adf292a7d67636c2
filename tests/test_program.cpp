// Command streams (plan/program.hpp): the reference accelerator's commands for
// real and random plans replay cleanly on the byte-level virtual SPM, each kind
// of corruption is caught with a message naming it, and JSON round-trips.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "support/bundled.hpp"
#include "support/findings.hpp"
#include "support/program_checks.hpp"
#include "support/random_networks.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/program_json.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"
#include "pinfuse/solvers/solve.hpp"

using namespace pinfuse;
using pinfuse::testing::all_errors;
using pinfuse::testing::missing_input_rows;

namespace {

struct Built {
  Network net;
  Hardware hw;
  Plan plan;
  Program prog;
};

/// A model solved at `spm_kib`, with its program.
Built build(const std::string& model, std::uint64_t spm_kib, Strategy strategy = Strategy::joint) {
  Built b{load_model(testing::model_path(model)), Hardware{}, {}, {}};
  b.hw.spm_bytes = spm_kib * 1024;
  const ReferenceAccelerator accel(b.net, b.hw);
  b.plan = solve(strategy, b.net, accel, scratchpad_of(b.hw));
  b.prog = build_program(b.net, b.plan, accel, scratchpad_of(b.hw));
  return b;
}

ReplayReport replay(const Built& b, const Program& prog) { return replay_program(b.net, b.plan, prog, scratchpad_of(b.hw)); }

/// The first command of `kind` for which `pick` holds.
template <class Pick>
Command* find_command(Program& prog, CommandKind kind, Pick&& pick) {
  for (auto& list : prog.groups)
    for (Command& c : list)
      if (c.kind == kind && pick(c)) return &c;
  return nullptr;
}

}  // namespace

// (Every strategy's program on every bundled model is replayed in test_validator.cpp.)
TEST_CASE("programs exercise every way a group runs, and replay cleanly", "[program]") {
  std::set<std::string> seen;
  for (const char* model : {"squeezenet", "mobilenet_v2", "resnet18"}) {
    const Network net = load_model(testing::model_path(model));
    for (const std::uint64_t kib : {96u, 1024u}) {
      Hardware hw;
      hw.spm_bytes = kib * 1024;
      const ReferenceAccelerator accel(net, hw);
      const Scratchpad spm = scratchpad_of(hw);
      for (const Strategy s : {Strategy::layerwise, Strategy::joint}) {
        INFO(model << " at " << kib << " KiB, " << to_string(s));
        Plan plan;
        try {
          plan = solve(s, net, accel, spm);
        } catch (const no_plan_fits&) {
          continue;  // no plan fits this SPM
        }
        const Program prog = build_program(net, plan, accel, spm);
        const ReplayReport r = replay_program(net, plan, prog, spm);
        CHECK(all_errors(r) == "");
        CHECK(r.commands > 0);
        for (const PlannedGroup& g : plan.groups) {
          const auto& t = g.cost.tiling;
          if (t.at(tiling_key::channel_chunks) > 1) seen.insert("chunks");
          if (!t.at(tiling_key::double_buffered)) seen.insert("single-buffered");
          if (t.at(tiling_key::row_tiles) > 1) seen.insert("tiles");
        }
        for (const auto& list : prog.groups)
          for (const Command& c : list) {
            if (c.accumulate) seen.insert("accumulate");
            for (const Region& r : c.writes)
              if (c.kind == CommandKind::compute && r.tensor.vertex != c.layer) seen.insert("in-place concat");
          }
      }
    }
  }
  CHECK(seen == std::set<std::string>{"accumulate", "chunks", "in-place concat", "single-buffered", "tiles"});
}

TEST_CASE("programs of random plans on random hardware replay cleanly", "[program]") {
  bool streamed = false;  // the bundled hardware keeps fused weights resident
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    const Network g = testing::random_network(rng, std::uniform_int_distribution<int>(2, 9)(rng), seed % 2 == 0);
    const Hardware hw = testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    for (const Strategy s : all_strategies) {
      INFO("seed " << seed << ", " << to_string(s) << ", SPM " << hw.spm_bytes << " B");
      Plan plan;
      try {
        plan = solve(s, g, accel, spm);
      } catch (const no_plan_fits&) {
        continue;
      }
      const ReplayReport r = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
      CHECK(all_errors(r) == "");
      for (const PlannedGroup& grp : plan.groups) streamed = streamed || grp.cost.tiling.at(tiling_key::weights_streamed) != 0;
    }
  }
  CHECK(streamed);
}

TEST_CASE("programs of random groupings and pins replay cleanly and read every input row they need", "[program][property]") {
  // Random cuts and pins (not only the solvers' choices) on networks with
  // reductions, broadcasts, in-place concat candidates and transposed convs,
  // under random hardware: every way of running a group must come up.
  std::set<std::string> seen;
  std::size_t plans = 0;
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    std::mt19937 rng(seed);
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const Network g = testing::random_rich_network(rng, pick(2, 8));
    const Problem p = make_problem(g);
    for (int trial = 0; trial < 4; ++trial) {
      Hardware hw = testing::random_hardware(rng, g);
      hw.spm_bytes = hw.spm_bytes * std::uint64_t(pick(1, 4)) / 2 + 64;
      const ReferenceAccelerator accel(g, hw);
      const Scratchpad spm = scratchpad_of(hw);
      const std::optional<Plan> random_plan = testing::random_laid_out_plan(p, accel, spm, rng);
      if (!random_plan) continue;  // some group or the layout does not fit
      const Plan& plan = *random_plan;
      INFO("seed " << seed << " trial " << trial << ", SPM " << hw.spm_bytes << " B");
      const Program prog = build_program(g, plan, accel, spm);
      CHECK(all_errors(replay_program(g, plan, prog, spm)) == "");
      CHECK(missing_input_rows(g, accel, prog) == "");
      ++plans;
      for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
        const auto& t = plan.groups[gi].cost.tiling;
        const bool pins = std::any_of(plan.groups[gi].inputs.begin(), plan.groups[gi].inputs.end(),
                                      [](const BoundaryFm& b) { return b.where == Residence::pinned; });
        if (t.at(tiling_key::channel_chunks) > 1) seen.insert(t.at(tiling_key::row_tiles) > 1 ? "chunks x tiles" : "chunks, one tile");
        if (t.at(tiling_key::channel_chunks) > 1 && pins) seen.insert("chunks, pinned input");
        if (t.at(tiling_key::channel_chunks) > 1 && t.at(tiling_key::input_stationary))
          seen.insert(t.at(tiling_key::double_buffered) ? "input-stationary chunks" : "single-buffered input-stationary chunks");
        if (t.at(tiling_key::weights_streamed)) seen.insert("streamed");
        if (!t.at(tiling_key::double_buffered) && t.at(tiling_key::row_tiles) > 1) seen.insert("single-buffered tiles");
        if (!t.at(tiling_key::double_buffered) && t.at(tiling_key::row_tiles) > 1 && t.at(tiling_key::channel_chunks) > 1)
          seen.insert("single-buffered chunks x tiles");
        if (!t.at(tiling_key::double_buffered) && t.at(tiling_key::weights_streamed)) seen.insert("single-buffered streamed");
        if (t.at(tiling_key::halo_cached)) seen.insert("halo cached");
        if (std::any_of(plan.groups[gi].inputs.begin(), plan.groups[gi].inputs.end(),
                        [](const BoundaryFm& b) { return b.where == Residence::loaded; }))
          seen.insert(t.at(tiling_key::inputs_preloaded) ? "loaded input, before the first step" : "loaded input, tile by tile");
        for (const Command& c : prog.groups[gi]) {
          if (c.accumulate) seen.insert("accumulate");
          for (const Region& w : c.writes)
            if (c.kind == CommandKind::compute && w.tensor.vertex != c.layer) seen.insert("in-place concat");
          const auto own = [&](const Region& w) { return w.tensor == TensorRef{TensorKind::fm, c.layer}; };
          if (c.kind == CommandKind::compute && std::count_if(c.writes.begin(), c.writes.end(), own) > 1)
            seen.insert("cached rows wrap around the ring");
        }
      }
    }
  }
  CHECK(plans > 500);
  CHECK(seen == std::set<std::string>{"accumulate", "cached rows wrap around the ring", "chunks x tiles", "chunks, one tile",
                                      "chunks, pinned input", "halo cached", "in-place concat", "input-stationary chunks",
                                      "loaded input, before the first step", "loaded input, tile by tile",
                                      "single-buffered chunks x tiles", "single-buffered input-stationary chunks",
                                      "single-buffered streamed", "single-buffered tiles", "streamed"});
}

TEST_CASE("the replay catches corrupted programs", "[program]") {
  const Built b = build("mobilenet_v2", 256);
  REQUIRE(replay(b, b.prog).ok());
  Program prog = b.prog;

  SECTION("a load lands on another live buffer") {
    // Move the second input-tile load of a tiled group onto the first copy: with
    // double buffering it overwrites the tile being computed.
    Command* first = find_command(prog, CommandKind::load, [](const Command& c) {
      return c.queue == Queue::dma && c.writes.front().tensor.kind == TensorKind::fm;
    });
    REQUIRE(first);
    const std::size_t stage = first->stage;
    Command* previous = find_command(prog, CommandKind::load, [&](const Command& c) {
      return c.stage + 1 == stage && c.writes.front().tensor == first->writes.front().tensor;
    });
    REQUIRE(previous);
    first->writes.front().spm = previous->writes.front().spm;
    const ReplayReport r = replay(b, prog);
    INFO(all_errors(r));
    CHECK(r.failed(ReplayFindingKind::race));
  }
  SECTION("a compute reads rows that are not there") {
    Command* c = find_command(prog, CommandKind::compute, [](const Command& c) { return c.reads.size() > 1; });
    REQUIRE(c);
    c->reads.front().offset += c->reads.front().run_bytes;  // the next rows of the input
    CHECK(replay(b, prog).failed(ReplayFindingKind::stale_read));
  }
  SECTION("a store is dropped") {
    for (auto& list : prog.groups)
      for (auto it = list.begin(); it != list.end(); ++it)
        if (it->kind == CommandKind::store) {
          list.erase(it);
          const ReplayReport r = replay(b, prog);
          INFO(all_errors(r));
          CHECK(r.failed(ReplayFindingKind::traffic));  // traffic no longer matches the plan
          CHECK((r.failed(ReplayFindingKind::stale_read) || r.failed(ReplayFindingKind::model_output)));
          return;
        }
    FAIL("no store");
  }
  SECTION("a compute is dropped") {
    for (auto& list : prog.groups)
      if (!list.empty() && list.back().kind == CommandKind::compute) {
        list.pop_back();
        CHECK(replay(b, prog).failed(ReplayFindingKind::incomplete));
        return;
      }
    for (auto& list : prog.groups)
      for (auto it = list.begin(); it != list.end(); ++it)
        if (it->kind == CommandKind::compute) {
          list.erase(it);
          CHECK(!replay(b, prog).ok());
          return;
        }
  }
  SECTION("a buffer reaches past the SPM") {
    Command* c = find_command(prog, CommandKind::load, [](const Command&) { return true; });
    c->writes.front().spm = scratchpad_of(b.hw).capacity() - 1;
    CHECK(replay(b, prog).failed(ReplayFindingKind::region));
  }
  SECTION("a pinned FM is overwritten while alive") {
    REQUIRE(!b.plan.pinned.empty());
    // Point a load of the pin's last reading group right at the pinned FM.
    const PinnedFm& pin = b.plan.pinned.front();
    Command* load = nullptr;
    for (Command& c : prog.groups[pin.last_group])
      if (c.kind == CommandKind::load && !load) load = &c;
    REQUIRE(load);
    load->writes.front().spm = b.plan.layout.pinned.front();
    load->writes.front().runs = 1;
    CHECK(replay(b, prog).failed(ReplayFindingKind::stale_read));
  }
  SECTION("a region with absurd runs is refused, not walked") {
    Command* c = find_command(prog, CommandKind::load, [](const Command&) { return true; });
    c->writes.front().runs = std::uint64_t(1) << 62;
    c->writes.front().spm_stride = std::uint64_t(1) << 62;
    CHECK(replay(b, prog).failed(ReplayFindingKind::region));
  }
  SECTION("a layer computes without its weights") {
    for (auto& list : prog.groups)
      for (Command& c : list)
        if (c.kind == CommandKind::compute) std::erase_if(c.reads, [](const Region& r) { return r.tensor.kind == TensorKind::weights; });
    CHECK(replay(b, prog).failed(ReplayFindingKind::traffic));
  }
  SECTION("partial sums fold the same input twice") {
    // A tile's fold repeated while the sums are still partial (more tiles to come):
    // layer by layer, the global pool runs in several tiles.
    const Built lw = build("mobilenet_v2", 256, Strategy::layerwise);
    REQUIRE(replay(lw, lw.prog).ok());
    prog = lw.prog;
    for (auto& list : prog.groups)
      for (auto it = list.begin(); it != list.end(); ++it)
        if (it->accumulate && std::any_of(it + 1, list.end(), [&](const Command& c) { return c.accumulate && c.writes == it->writes; })) {
          const Command twin = *it;
          list.insert(it + 1, twin);
          CHECK(replay(lw, prog).failed(ReplayFindingKind::command));
          return;
        }
    FAIL("no accumulating compute");
  }
  SECTION("both queues write the same DRAM bytes in one stage") {
    for (auto& list : prog.groups)
      for (auto it = list.begin(); it != list.end(); ++it)
        if (it->kind == CommandKind::store && it->queue == Queue::dma) {
          Command twin = *it;  // the same store again, in the compute queue of the same stage
          twin.queue = Queue::compute;
          list.insert(it + 1, twin);
          CHECK(replay(b, prog).failed(ReplayFindingKind::race));
          return;
        }
    FAIL("no overlapped store");
  }
  SECTION("a command goes back in time") {
    prog.groups.back().back().stage = 0;
    CHECK(replay(b, prog).failed(ReplayFindingKind::stage_order));
  }
}

namespace {

/// Whether SPM byte `at` lies in one of region r's SPM runs.
bool spm_holds(const Region& r, std::uint64_t at) {
  for (std::uint64_t k = 0; k < r.runs; ++k)
    if (at >= r.spm + k * r.spm_stride && at < r.spm + k * r.spm_stride + r.run_bytes) return true;
  return false;
}

/// A read of cached rows (§2a) in group `group`: compute `reader` reads region
/// `read` of an intermediate, last written to the SPM by compute `writer`, of
/// an earlier stage (an earlier tile), through its write `written`; `refill`
/// is the compute of the same layer before the reader in its stage (the tile's new rows).
struct CachedRead {
  std::size_t group = 0, reader = 0, read = 0, writer = 0, written = 0, refill = 0;
};

std::optional<CachedRead> find_cached_read(const Program& prog) {
  for (std::size_t gi = 0; gi < prog.groups.size(); ++gi) {
    const std::vector<Command>& list = prog.groups[gi];
    for (std::size_t j = 0; j < list.size(); ++j)
      for (std::size_t r = 0; list[j].kind == CommandKind::compute && r < list[j].reads.size(); ++r) {
        const Region& read = list[j].reads[r];
        std::optional<std::pair<std::size_t, std::size_t>> last;  // (command, write) that last wrote the read's first byte
        std::optional<std::size_t> refill;
        for (std::size_t w = 0; w < j; ++w)
          for (std::size_t x = 0; x < list[w].writes.size(); ++x)
            if (spm_holds(list[w].writes[x], read.spm)) last = {w, x};
        for (std::size_t w = 0; w < j; ++w)
          if (list[w].kind == CommandKind::compute && list[w].layer == read.tensor.vertex && list[w].stage == list[j].stage) refill = w;
        if (!last || !refill || list[last->first].kind != CommandKind::compute || list[last->first].stage == list[j].stage ||
            list[last->first].writes[last->second].tensor != read.tensor)
          continue;
        return CachedRead{gi, j, r, last->first, last->second, *refill};
      }
  }
  return std::nullopt;
}

/// Whether the replay flags command `k` of group `gi` for a stale read.
bool stale_read_at(const ReplayReport& r, const Program& prog, std::size_t gi, std::size_t k) {
  std::size_t index = k;  // commands are numbered across groups
  for (std::size_t g = 0; g < gi; ++g) index += prog.groups[g].size();
  const std::string who = "group " + std::to_string(gi) + " command " + std::to_string(index) + " (";
  return std::any_of(r.findings.begin(), r.findings.end(), [&](const ReplayFinding& f) {
    return f.kind == ReplayFindingKind::stale_read && f.message.rfind(who, 0) == 0;
  });
}

}  // namespace

TEST_CASE("the replay catches a halo cache overwritten or read before it is written", "[program][halo]") {
  const Built b = build("mobilenet_v2", 256);
  REQUIRE(replay(b, b.prog).ok());
  const std::optional<CachedRead> found = find_cached_read(b.prog);
  REQUIRE(found);
  Program prog = b.prog;
  std::vector<Command>& list = prog.groups[found->group];
  const Region read = list[found->reader].reads[found->read];
  INFO(b.net[read.tensor.vertex].name << " read by command " << found->reader << " of group " << found->group);

  SECTION("the tile's new rows overwrite the cached ones") {
    for (Region& w : list[found->refill].writes)
      if (w.tensor == read.tensor) w.spm = read.spm;
    const ReplayReport r = replay(b, prog);
    INFO(all_errors(r));
    CHECK(stale_read_at(r, prog, found->group, found->reader));
  }
  SECTION("the cached rows were never written") {
    std::vector<Region>& writes = list[found->writer].writes;
    writes.erase(writes.begin() + std::ptrdiff_t(found->written));
    const ReplayReport r = replay(b, prog);
    INFO(all_errors(r));
    CHECK(stale_read_at(r, prog, found->group, found->reader));
  }
}

TEST_CASE("programs round-trip through JSON", "[program]") {
  const Built b = build("resnet18", 512);
  const nlohmann::json doc = program_to_json(b.net, b.prog);
  const Program again = read_program(b.net, doc);
  CHECK(again == b.prog);
  CHECK(replay(b, again).ok());

  nlohmann::json bad = doc;
  bad["groups"][0]["commands"][0]["dram"] = 12345678901ULL;
  CHECK_THROWS_WITH(read_program(b.net, bad), Catch::Contains("/groups/0/commands/0/dram"));
  bad = doc;
  bad["groups"][0]["commands"][0]["tensor"] = "fm:nope";
  CHECK_THROWS_WITH(read_program(b.net, bad), Catch::Contains("no layer named 'nope'"));
}
