// The reference accelerator's CostFloorModel and FusedFloorModel contracts: the
// floor of a set of layers, and its fused floor (the same layers as one group),
// are at most what the group of them costs, in any setting it accepts (so sums
// of floors over any grouping bound the plan). Checked on every contiguous group
// of random chains and DAGs, all boundary FMs in DRAM or all pinned (model
// inputs in DRAM or loaded), at random SPM sizes and energy constants. And the
// GrowthFloorModel contract: a growth floor is at most the fused floor of any
// group grown from its group plus the floor of the layers after it. And the
// CapacityFloorModel contract: the floor in an SPM of a given size is at most
// the best plan's in that SPM, by brute force over every order, grouping and
// pin set.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <string>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/brute_force.hpp"
#include "support/bundled.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;

namespace {

/// The networks for_each_random_group() walks: random chains and DAGs, or a third
/// each of those, random_rich_network() (transposed convs, fc, global pools,
/// multiplies, concats) and random_cnn_kinds_network() (pads, block shuffles, resizes).
enum class NetworkKinds { plain, all };

/// Calls f(seed, g, accel, hw, p, begin, end, boundary, layers) for every contiguous
/// group [begin, end) of random networks of 2..most_layers layers, on random hardware
/// (then adjust(hw, seed)).
template <class F, class Adjust = void (*)(Hardware&, std::uint32_t)>
void for_each_random_group(std::uint32_t seeds, int most_layers, const F& f,
                           const Adjust& adjust = [](Hardware&, std::uint32_t) {},
                           NetworkKinds kinds = NetworkKinds::plain) {
  for (std::uint32_t seed = 1; seed <= seeds; ++seed) {
    std::mt19937 rng(seed);
    const int layers = std::uniform_int_distribution<int>(2, most_layers)(rng);
    const Network g = kinds == NetworkKinds::plain || seed % 3 == 0
                          ? pinfuse::testing::random_network(rng, layers, seed % 2 == 0)
                      : seed % 3 == 1 ? pinfuse::testing::random_rich_network(rng, layers)
                                      : pinfuse::testing::random_cnn_kinds_network(rng, layers);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    hw.halo_caching = seed % 4 != 0;  // random_hardware always allows it
    adjust(hw, seed);
    const ReferenceAccelerator accel(g, hw);
    const Problem p = make_problem(g);
    const int n = static_cast<int>(p.size());
    for (int begin = 0; begin < n; ++begin)
      for (int end = begin + 1; end <= n; ++end)
        f(seed, g, accel, hw, p, begin, end, detail::group_boundary(p, begin, end),
          std::vector<std::size_t>(p.order.begin() + begin, p.order.begin() + end));
  }
}

/// A boundary FM's residence when a test puts the boundary `where`: in DRAM, or
/// pinned, or (where == loaded) with the model inputs loaded and the rest pinned.
/// Model inputs stay in DRAM unless loaded.
Residence boundary_residence(const FeatureMap& f, Residence where) {
  if (where == Residence::dram) return Residence::dram;
  if (f.model_input()) return where == Residence::loaded ? Residence::loaded : Residence::dram;
  return Residence::pinned;
}

}  // namespace

TEST_CASE("the reference floor and fused floor are below every group's cost", "[accel][floor]") {
  std::size_t tighter = 0;  // groups whose fused floor is above their floor
  for_each_random_group(200, 9, [&tighter](std::uint32_t seed, const Network&, const ReferenceAccelerator& accel, const Hardware& hw, const Problem& p,
                                   int begin, int end, const detail::GroupBoundary& b, const std::vector<std::size_t>& layers) {
        const std::vector<CostFloor> prefixes = accel.fused_floors(layers);  // the last is the group's (the others: shorter groups)
        REQUIRE(prefixes.size() == layers.size());
        const CostFloor floor = accel.floor(layers), fused = prefixes.back();
        // the fused floor drops the channel chunks (§5c) of groups of two or more: never lower
        CHECK(fused.latency_cycles >= floor.latency_cycles);
        CHECK(fused.offchip_bytes == floor.offchip_bytes);
        CHECK(fused.energy_pj == floor.energy_pj);
        if (fused.latency_cycles > floor.latency_cycles) ++tighter;
        // in DRAM; the FMs that may be pinned pinned; and so with the model inputs loaded
        for (const Residence where : {Residence::dram, Residence::pinned, Residence::loaded})
          for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
            std::vector<BoundaryFm> inputs, outputs;
            std::uint64_t pinned_bytes = 0;  // what the pinned and loaded boundary FMs take, aligned [B]
            const auto add = [&](std::vector<BoundaryFm>& list, int fm, Residence r) {
              list.push_back({p.fms[fm].vertex, r});
              if (in_spm(r)) pinned_bytes += align_up(p.fms[fm].bytes, hw.spm_alignment);
            };
            for (const int fm : b.inputs) add(inputs, fm, boundary_residence(p.fms[fm], where));
            for (const int fm : b.outputs)
              add(outputs, fm, p.fms[fm].model_output ? Residence::dram : boundary_residence(p.fms[fm], where));
            const GroupQuery q{layers, inputs, outputs, hw.spm_bytes, hw.spm_alignment, objective};
            INFO("seed " << seed << ", layers [" << begin << ", " << end << "), boundary " << to_string(where));
            // The group floor of q (its pins come out of its bytes) is at most the answer with the bytes they
            // leave (over the sound cached walks, where evaluate() may walk recompute).
            if (pinned_bytes <= hw.spm_bytes) {
              GroupQuery beside_pins = q;
              beside_pins.available_bytes = hw.spm_bytes - pinned_bytes;
              if (const std::optional<GroupCost> run = accel.evaluate(beside_pins)) {
                const std::optional<CostFloor> group = accel.group_floor(q);
                REQUIRE(group);
                CHECK(score_of(*group, objective) <=
                      score_of(run->latency_cycles, run->offchip.total(), run->energy.total(), objective));
              }
            }
            const std::optional<GroupCost> c = accel.evaluate(q);
            if (!c) continue;
            CHECK(floor.latency_cycles <= c->latency_cycles);
            CHECK(floor.offchip_bytes <= c->offchip.total());
            CHECK(floor.energy_pj <= c->energy.total());
            CHECK(fused.latency_cycles <= c->latency_cycles);
          }
  });
  CHECK(tighter > 100);
}

TEST_CASE("the floor in a small SPM counts the maps it cannot keep on chip and the layers it cannot fuse, below "
          "every plan in that SPM",
          "[accel][floor][capacity_floor]") {
  int raised = 0, solvable = 0, unfused = 0;  // unfused: solvable cases with a layer whose weights pass the SPM
  for (std::uint32_t seed = 1; seed <= 60; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const int layers = std::uniform_int_distribution<int>(2, 5)(rng);
    const Network g = seed % 3 == 0   ? pinfuse::testing::random_network(rng, layers, true)
                      : seed % 3 == 1 ? pinfuse::testing::random_rich_network(rng, layers)
                                      : pinfuse::testing::random_cnn_kinds_network(rng, layers);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    std::uint64_t largest = 0, heaviest = 0;  // the largest FM, the most weights of a layer [B]
    for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
      largest = std::max(largest, fm_bytes(g, v));
      heaviest = std::max(heaviest, weight_bytes(g, v));
    }
    // From a quarter of the largest FM to that FM, so some maps cannot stay on chip; on even seeds,
    // where a layer's weights pass a quarter of that FM, from half of them to them: it cannot be fused.
    const bool heavy = seed % 2 == 0 && heaviest / 2 > largest / 4;
    hw.spm_bytes = heavy ? std::uniform_int_distribution<std::uint64_t>(heaviest / 2 + 64, heaviest + 63)(rng)
                         : std::uniform_int_distribution<std::uint64_t>(largest / 4 + 64, largest + 64)(rng);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    const Problem p = make_problem(g);
    const std::vector<std::size_t> all(p.order.begin(), p.order.end());
    const CostFloor anywhere = accel.floor(all), here = accel.floor(all, spm.capacity());
    INFO("seed " << seed << ", SPM " << spm.capacity() << " B");
    CHECK(here.latency_cycles >= anywhere.latency_cycles);
    CHECK(here.offchip_bytes >= anywhere.offchip_bytes);
    CHECK(here.energy_pj >= anywhere.energy_pj);
    // an SPM larger than every group of the model keeps every map on chip and fuses any layers
    const CostFloor unbounded = accel.floor(all, std::numeric_limits<std::uint64_t>::max());
    CHECK(unbounded.latency_cycles == anywhere.latency_cycles);
    CHECK(unbounded.offchip_bytes == anywhere.offchip_bytes);
    if (here.offchip_bytes > anywhere.offchip_bytes) ++raised;
    for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
      const std::optional<Score> best = pinfuse::testing::brute_force_any_order(g, accel, spm, {}, objective);
      if (!best) continue;
      ++solvable;
      unfused += heaviest > spm.capacity();
      INFO("objective " << int(objective));
      CHECK(score_of(here, objective).first <= best->first);
    }
  }
  CHECK(solvable >= 120 / int(pinfuse::testing::seed_step));  // 150 (45 sanitized)
  CHECK(raised >= 9 / int(pinfuse::testing::seed_step));      // 17 (3 sanitized)
  CHECK(unfused >= 9 / int(pinfuse::testing::seed_step));     // 27 (3 sanitized)
}

TEST_CASE("a pinned concat holds its inputs' rows: the floor in an SPM just larger than it lets it stay on chip",
          "[accel][floor][capacity_floor]") {
  // x and y write straight into their concat when it is pinned (in place): the SPM it
  // needs for that is its bytes and little more, not its bytes plus its inputs' rows.
  Network g;
  Layer in = pinfuse::testing::simple_layer("in", LayerKind::input);
  in.output = {56, 56, 8};
  const LayerId input = add_layer(g, in);
  const LayerId x = add_layer(g, pinfuse::testing::conv_layer("x", 64, 1, 1), {input});
  const LayerId y = add_layer(g, pinfuse::testing::conv_layer("y", 64, 1, 1), {input});
  const LayerId cat = add_layer(g, pinfuse::testing::simple_layer("cat", LayerKind::concat), {x, y});
  // c's weights (128 * 9 * 400 B) pass the SPM: it runs alone, reading the concat pinned or from DRAM
  const LayerId c = add_layer(g, pinfuse::testing::conv_layer("c", 400, 3, 1), {cat});
  add_layer(g, pinfuse::testing::simple_layer("out", LayerKind::output), {c});
  infer_shapes(g);
  const std::uint64_t concat_bytes = fm_bytes(g, cat);  // 56 * 56 * 128 [B]
  int plans = 0;
  for (std::uint64_t extra = 0; extra <= 8192; extra += 1024) {
    Hardware hw;
    hw.spm_bytes = concat_bytes + extra;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    const Problem p = make_problem(g);
    const std::vector<std::size_t> all(p.order.begin(), p.order.end());
    const std::optional<Score> best = pinfuse::testing::brute_force_any_order(g, accel, spm, {}, Objective::offchip_bytes);
    if (!best) continue;
    ++plans;
    INFO("SPM " << hw.spm_bytes << " B");
    CHECK(accel.floor(all, spm.capacity()).offchip_bytes <= best->first);
  }
  CHECK(plans >= 5);
}

TEST_CASE("the floor in a small SPM of layers whose producer ran before loads the maps no pin can hold",
          "[accel][floor][capacity_floor]") {
  // Once p has run, c's group gets p's map (32 * 32 * 64 B) pinned, where a pin has room beside both
  // layers, or from DRAM.
  Network g;
  Layer in = pinfuse::testing::simple_layer("in", LayerKind::input);
  in.output = {32, 32, 8};
  const LayerId input = add_layer(g, in);
  const LayerId p = add_layer(g, pinfuse::testing::conv_layer("p", 64, 3, 1), {input});
  const LayerId c = add_layer(g, pinfuse::testing::conv_layer("c", 16, 1, 1), {p});
  add_layer(g, pinfuse::testing::simple_layer("out", LayerKind::output), {c});
  infer_shapes(g);
  const std::vector<std::size_t> after_p{c};
  const std::uint64_t map = fm_bytes(g, p);  // [B]
  Hardware hw;
  hw.spm_bytes = map / 2;
  const std::uint64_t compulsory = ReferenceAccelerator(g, hw).floor(after_p).offchip_bytes;  // c's weights and output
  CHECK(ReferenceAccelerator(g, hw).floor(after_p, hw.spm_bytes).offchip_bytes ==
        compulsory + map);  // a 1x1 conv reads every row of p
  // Across the SPM sizes where a pin of p's map starts to fit: below what c's group costs after p's in
  // the best plan of single-layer groups with pins, in every metric (pinned, it loads nothing).
  int loaded = 0, pinned = 0;
  for (hw.spm_bytes = map; hw.spm_bytes <= map + 8192; hw.spm_bytes += 128) {
    const ReferenceAccelerator accel(g, hw);
    const CostFloor floor = accel.floor(after_p, hw.spm_bytes);
    INFO("SPM " << hw.spm_bytes << " B");
    for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
      SolveOptions opt;
      opt.objective = objective;
      opt.order_mode = OrderMode::file;
      const Plan plan = solve_pinning(g, accel, scratchpad_of(hw), opt);
      REQUIRE(plan.groups.size() == 2);
      REQUIRE(plan.groups[1].layers == after_p);
      const GroupCost& cost = plan.groups[1].cost;
      INFO("objective " << int(objective));
      CHECK(floor.latency_cycles <= cost.latency_cycles);
      CHECK(floor.offchip_bytes <= cost.offchip.total());
      CHECK(floor.energy_pj <= cost.energy.total());
      pinned += !plan.pinned.empty();
    }
    loaded += floor.offchip_bytes == compulsory + map;
  }
  CHECK(loaded > 0);
  CHECK(pinned > 0);
}

TEST_CASE("along solved plans, the floor in their SPM of the layers still to run is below what the plan's groups cost "
          "for them",
          "[accel][floor][capacity_floor]") {
  // What the solvers ask of it: the rest after each group of a plan, in any metric
  // (the plans of every objective: each is a split into convex groups that fit the SPM).
  int suffixes = 0;
  for (std::uint32_t seed = 1; seed <= 40; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const int layers = std::uniform_int_distribution<int>(3, 8)(rng);
    const Network g = seed % 2 == 0 ? pinfuse::testing::random_rich_network(rng, layers)
                                    : pinfuse::testing::random_network(rng, layers, true);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    std::uint64_t largest = 0;  // [B]
    for (LayerId v = 0; v < boost::num_vertices(g); ++v) largest = std::max(largest, fm_bytes(g, v));
    hw.spm_bytes = std::uniform_int_distribution<std::uint64_t>(largest / 4 + 64, largest + 64)(rng);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    for (const Objective objective : {Objective::latency, Objective::offchip_bytes, Objective::energy}) {
      SolveOptions opt;
      opt.objective = objective;
      std::optional<Plan> plan;
      try {
        plan = solve_joint(g, accel, spm, opt);
      } catch (const no_plan_fits&) {
        continue;
      }
      std::vector<std::size_t> rest;
      CostFloor cost;  // of the groups from the back to the current one
      for (auto group = plan->groups.rbegin(); group != plan->groups.rend(); ++group) {
        rest.insert(rest.end(), group->layers.begin(), group->layers.end());
        cost.latency_cycles += group->cost.latency_cycles;
        cost.offchip_bytes += group->cost.offchip.total();
        cost.energy_pj += group->cost.energy.total();
        const CostFloor floor = accel.floor(rest, spm.capacity());
        INFO("seed " << seed << ", objective " << int(objective) << ", " << rest.size() << " layers after");
        CHECK(floor.latency_cycles <= cost.latency_cycles);
        CHECK(floor.offchip_bytes <= cost.offchip_bytes);
        CHECK(floor.energy_pj <= cost.energy_pj);
        ++suffixes;
      }
    }
  }
  CHECK(suffixes >= 150 / int(pinfuse::testing::seed_step));
}

TEST_CASE("a layer's floor counts what it costs alone, and a fused group's the last stores of its model outputs",
          "[accel][floor]") {
  std::size_t exact = 0;  // layers with overhead alone whose floor is what they cost alone (what the term adds)
  for_each_random_group(150, 9, [&exact](std::uint32_t seed, const Network& g, const ReferenceAccelerator& accel, const Hardware& hw,
                                       const Problem& p, int begin, int end, const detail::GroupBoundary& b,
                                       const std::vector<std::size_t>& layers) {
    INFO("seed " << seed << ", layers [" << begin << ", " << end << ")");
    // In a group of two or more, each layer waits for its weights (least compute + dma(weights)) and each model
    // output's last row is stored after the last compute (dma(one row)).
    std::uint64_t fused_terms = 0;  // [cyc]
    for (const std::size_t v : layers) {
      fused_terms += accel.least_compute_cycles(v) + accel.dma_cycles(weight_bytes(g, v));
      if (p.fms[std::size_t(p.fm_of_vertex[v])].model_output) fused_terms += accel.dma_cycles(fm_bytes(g, v) / std::uint64_t(g[v].output.h));
    }
    if (layers.size() >= 2) CHECK(accel.fused_floors(layers).back().latency_cycles >= fused_terms);
    if (layers.size() != 1) return;
    // Alone: every input pinned, every output but a model output pinned, no SPM limit: the least it costs in any
    // query (no query with fewer pins or bytes costs less). Its floor is at most that, and at least that or the
    // fused terms, whichever is less.
    std::vector<BoundaryFm> inputs, outputs;
    for (const int fm : b.inputs) inputs.push_back({p.fms[std::size_t(fm)].vertex, Residence::pinned});
    for (const int fm : b.outputs)
      outputs.push_back({p.fms[std::size_t(fm)].vertex, p.fms[std::size_t(fm)].model_output ? Residence::dram : Residence::pinned});
    const GroupQuery q{layers, inputs, outputs, std::numeric_limits<std::uint64_t>::max(), hw.spm_alignment, Objective::latency};
    const std::optional<GroupCost> alone = accel.evaluate(q);
    const std::uint64_t floor = accel.floor(layers).latency_cycles;
    if (alone) CHECK(floor <= alone->latency_cycles);
    CHECK(floor >= (alone ? std::min(alone->latency_cycles, fused_terms) : fused_terms));
    if (alone && floor == alone->latency_cycles && floor > accel.least_compute_cycles(layers.front())) ++exact;
  });
  CHECK(exact > 50);
}

TEST_CASE("a fused floor counts the per-tile rounding of a model output no layer reads", "[accel][floor]") {
  // SSDLite's last heads, fused: box4_conv (2 rows of 13.5 cycles, a model output read by no layer) computes
  // ceil(13.5) twice in 2 tiles, or stores both rows after its one compute of 27: 95 cycles either way, not
  // 27 + dma(one row) = 94. With that the fused floor is what the group costs (its inputs pinned).
  const pinfuse::testing::Bundled b = pinfuse::testing::bundled("ssdlite320_mobilenet_v3_large", 4096);
  const ReferenceAccelerator accel(b.g, b.hw);
  const auto vertex = [&](const std::string& name) { return pinfuse::testing::find_layer(b.g, name); };
  const std::vector<std::size_t> group{vertex("cls5_conv"), vertex("box3_dw"), vertex("box3_conv"), vertex("box4_dw"),
                                       vertex("box4_conv")};
  const std::vector<BoundaryFm> inputs{{vertex("cls5_dw"), Residence::pinned},
                                       {vertex("extra2_expand"), Residence::pinned},
                                       {vertex("extra3_expand"), Residence::pinned}};
  const std::vector<BoundaryFm> outputs{{vertex("cls5_conv"), Residence::dram},
                                        {vertex("box3_conv"), Residence::dram},
                                        {vertex("box4_conv"), Residence::dram}};
  const std::optional<GroupCost> cost =
      accel.evaluate(GroupQuery{group, inputs, outputs, b.hw.spm_bytes, b.hw.spm_alignment, Objective::latency});
  REQUIRE(cost);
  CHECK(tiling_key::value_in(*cost, tiling_key::row_tiles) == 3);
  CHECK(accel.fused_floors(group).back().latency_cycles == cost->latency_cycles);
}

namespace pinfuse::detail {
/// The reference accelerator's answers without the shortcuts its SPM floors allow
/// (queries below them, tile counts below the first-tile floor at that count,
/// and those the prefix floor rules out are not walked), to test the floors themselves.
struct ReferenceAcceleratorAccess {
  static std::optional<GroupCost> evaluate_every_tiling(const ReferenceAccelerator& a, const GroupQuery& q) {
    return std::move(a.evaluate_batch(std::span<const GroupQuery>(&q, 1), false).front());
  }
  /// What model output v adds to a fused floor for its compute and last store (least_compute_and_last_store).
  static std::uint64_t fused_tail(const ReferenceAccelerator& a, LayerId v) { return a.least_compute_and_last_store(a.info_[v]); }
  static double cycles_per_row(const ReferenceAccelerator& a, LayerId v) { return a.info_[v].cycles_per_row; }
  /// One split of a single conv or fc into channel chunks at `tiles` row tiles, chunk-outer or
  /// input-stationary: chunked_dma_floor(), chunked_latency_bound() and chunked()'s (or
  /// input_stationary_chunks()') latency, serialized [0] and overlapped [1].
  struct ChunkSplit {
    int chunks = 1;
    bool input_stationary = false;
    std::uint64_t floor = 0;
    std::array<std::uint64_t, 2> bound{}, latency{};
    std::array<std::uint64_t, 2> step_by_step{};  ///< input-stationary: the pipeline summed over all T x c steps
  };
  /// An input-stationary split's pipeline (§5c, §6) summed step by step over all T x c steps, tile-outer [cyc].
  static std::uint64_t input_stationary_step_by_step(const ReferenceAccelerator& a, const ReferenceAccelerator::GroupView& v,
                                                     const ReferenceAccelerator::Transfers& x,
                                                     const ReferenceAccelerator::ChannelChunks& split, bool overlap) {
    const std::uint64_t units = std::uint64_t(split.units), unit_weights = v.weights / units;
    std::vector<ReferenceAccelerator::Step> steps;
    for (std::size_t t = 0; t < x.steps.size(); ++t)
      for (int j = 0; j < split.chunks; ++j) {
        const std::uint64_t share = std::uint64_t(split.units_of(j));
        ReferenceAccelerator::Step s = x.steps[t];
        s.load = (j == 0 ? x.steps[t].load : 0) + a.dma_cycles(share * unit_weights);
        s.compute = (x.steps[t].compute * share + units - 1) / units;
        s.store = a.dma_cycles(x.out_tile_bytes[t] / units * share);
        steps.push_back(s);
      }
    std::uint64_t latency = overlap ? steps.front().load + steps.back().store : 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const ReferenceAccelerator::Step& s = steps[i];
      const std::uint64_t dma = (i + 1 < steps.size() ? steps[i + 1].load : 0) + (i > 0 ? steps[i - 1].store : 0);
      latency += overlap ? s.stall + std::max(s.compute, dma) : s.load + s.stall + s.compute + s.store;
    }
    return latency;
  }
  /// Every split candidates() may try in each order it may run in, fewest chunks first (none where q's
  /// one layer cannot split).
  static std::vector<ChunkSplit> chunk_splits(const ReferenceAccelerator& a, const GroupQuery& q, int tiles) {
    std::vector<ChunkSplit> splits;
    const ReferenceAccelerator::LayerInfo& info = a.info_[q.layers.front()];
    if (q.layers.size() != 1 || !info.may_run_in_chunks()) return splits;
    const ReferenceAccelerator::GroupView v = a.view_of(q);
    const ReferenceAccelerator::TileGeometry geo = a.geometry(q, v, tiles, false);
    ReferenceAccelerator::Transfers x;
    a.transfers(q, geo, ReferenceAccelerator::WholeInputs::before_first_step, x);
    for (const int count : ReferenceAccelerator::counts_searched(info.chunk_units)) {
      if (count == 1) continue;  // not a split
      const ReferenceAccelerator::ChannelChunks split(info.chunk_units, count);
      const bool sliced = a.sliced(q, split);
      for (const bool stationary : {false, true}) {
        if (stationary && !a.may_run_input_stationary(q, v, split, tiles)) continue;
        ChunkSplit s{split.chunks, stationary, a.chunked_dma_floor(v, x, split, sliced, stationary), {}, {}, {}};
        for (const bool overlap : {false, true}) {
          s.bound[overlap] = a.chunked_latency_bound(v, x, split, sliced, stationary, overlap);
          s.latency[overlap] = stationary ? a.input_stationary_chunks(v, x, split, overlap).latency
                                          : a.chunked(v, x, split, sliced, overlap).latency;
          if (stationary) s.step_by_step[overlap] = input_stationary_step_by_step(a, v, x, split, overlap);
        }
        splits.push_back(s);
      }
    }
    return splits;
  }
  static int height(const ReferenceAccelerator& a, const GroupQuery& q) { return a.view_of(q).height; }
  /// The recomputing [0] and the cached [1] walk of q's group at `tiles`: their MACs and vector ops,
  /// and whether the cached one is sound and saves layer work (TileGeometry::cache_saves_work).
  struct WalkPair {
    std::array<std::uint64_t, 2> macs{}, vector_ops{};
    bool sound = false, saves_work = false;
  };
  static WalkPair walk_pair(const ReferenceAccelerator& a, const GroupQuery& q, int tiles) {
    const ReferenceAccelerator::GroupView v = a.view_of(q);
    const ReferenceAccelerator::TileGeometry recomputed = a.geometry(q, v, tiles, false);
    const ReferenceAccelerator::TileGeometry cached = a.geometry(q, v, tiles, true);
    return {{recomputed.macs, cached.macs}, {recomputed.vector_ops, cached.vector_ops}, cached.cache_sound,
            cached.cache_saves_work};
  }
};
}  // namespace pinfuse::detail

TEST_CASE("a fused model output no layer reads adds the least over tile counts of its rounded shares and last store",
          "[accel][floor]") {
  std::size_t checked = 0;
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 9)(rng), seed % 2 == 0);
    const ReferenceAccelerator accel(g, pinfuse::testing::random_hardware(rng, g));
    const Problem p = make_problem(g);
    for (const FeatureMap& f : p.fms) {
      const Layer& l = g[f.vertex];
      if (f.model_input() || !f.model_output || !f.consumer_positions.empty() || l.kind == LayerKind::concat ||
          l.kind == LayerKind::fc || (l.kind == LayerKind::pool && l.global_pool) || l.output.h <= 0)
        continue;
      // Tile by tile, as geometry() computes a group output's share and transfers() stores it.
      const int h = l.output.h;
      const std::uint64_t row_bytes = fm_bytes(g, f.vertex) / std::uint64_t(h);
      const double cycles = detail::ReferenceAcceleratorAccess::cycles_per_row(accel, f.vertex);
      std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
      for (int tiles = 1; tiles <= h + 2; ++tiles) {  // past h: the same as h
        std::uint64_t compute = 0;
        for (int t = 0; t < tiles; ++t) compute += std::uint64_t(std::ceil(tile_share(t, tiles, h).size() * cycles));
        least = std::min(least, compute + accel.dma_cycles(std::uint64_t(tile_share(tiles - 1, tiles, h).size()) * row_bytes));
      }
      INFO("seed " << seed << ", layer " << l.name << ", " << h << " rows of " << cycles << " cycles");
      CHECK(detail::ReferenceAcceleratorAccess::fused_tail(accel, f.vertex) == least);
      ++checked;
    }
  }
  CHECK(checked > 50);
}

namespace {

/// The least available bytes with which the reference accelerator runs the
/// group at all, trying every tiling (feasibility only grows with the bytes);
/// nullopt when not even the whole SPM is enough.
std::optional<std::uint64_t> least_available(const ReferenceAccelerator& accel, GroupQuery q, std::uint64_t most) {
  q.available_bytes = most;
  if (!detail::ReferenceAcceleratorAccess::evaluate_every_tiling(accel, q)) return std::nullopt;
  std::uint64_t low = 0, high = most;  // runs with `high`, not with anything below `low`
  while (low < high) {
    q.available_bytes = low + (high - low) / 2;
    if (detail::ReferenceAcceleratorAccess::evaluate_every_tiling(accel, q)) high = q.available_bytes;
    else low = q.available_bytes + 1;
  }
  return high;
}

}  // namespace

TEST_CASE("the SPM floors are below what every group needs, and the shortcuts they allow change no answer",
          "[accel][floor][spm_floor]") {
  for_each_random_group(120, 8, [](std::uint32_t seed, const Network&, const ReferenceAccelerator& accel, const Hardware& hw, const Problem& p,
                                   int begin, int end, const detail::GroupBoundary& b, const std::vector<std::size_t>& layers) {
        const std::uint64_t floor = accel.least_spm_bytes(layers);
        std::vector<GroupQuery> batch;  // every query below, asked at once
        std::array<std::vector<BoundaryFm>, 3> inputs_at, outputs_at;  // per residence: what its queries point to
        for (const Residence where : {Residence::dram, Residence::pinned, Residence::loaded}) {
          std::vector<BoundaryFm>& inputs = inputs_at[std::size_t(where)];
          std::vector<BoundaryFm>& outputs = outputs_at[std::size_t(where)];
          std::uint64_t pinned_bytes = 0;  // the pinned (and loaded) boundary FMs, whole
          const auto add = [&](std::vector<BoundaryFm>& list, int fm, Residence r) {
            list.push_back({p.fms[fm].vertex, r});
            if (in_spm(r)) pinned_bytes += p.fms[fm].bytes;
          };
          for (const int fm : b.inputs) add(inputs, fm, boundary_residence(p.fms[fm], where));
          for (const int fm : b.outputs) add(outputs, fm, p.fms[fm].model_output ? Residence::dram : boundary_residence(p.fms[fm], where));
          const Objective objective = std::array{Objective::latency, Objective::offchip_bytes, Objective::energy}[seed % 3];
          const GroupQuery q{layers, inputs, outputs, 0, hw.spm_alignment, objective};
          INFO("seed " << seed << ", layers [" << begin << ", " << end << "), boundary " << to_string(where));
          const std::optional<std::uint64_t> least = least_available(accel, q, hw.spm_bytes);
          if (least) CHECK(floor <= *least + pinned_bytes);
          // Answers with and without the shortcuts (least_held, the first tile at the most tiles and at
          // each count, the prefix floor) agree, also at the least bytes the group runs with and one below, where a floor
          // set too high would refuse; one query at a time, and all of them (every residence) in one
          // batch, whose tile counts the floor skips by the most bytes of any of them
          const std::uint64_t at_least = least ? *least : hw.spm_bytes;
          for (const std::uint64_t available :
               {std::uint64_t{0}, floor / 2, floor, hw.spm_bytes / 3, hw.spm_bytes, at_least, at_least - 1}) {
            GroupQuery at = q;
            at.available_bytes = available;
            CHECK(accel.evaluate(at) == detail::ReferenceAcceleratorAccess::evaluate_every_tiling(accel, at));
            batch.push_back(at);
          }
        }
        INFO("seed " << seed << ", layers [" << begin << ", " << end << "), one batch");
        const std::vector<std::optional<GroupCost>> answers = accel.evaluate_batch(batch);
        for (std::size_t k = 0; k < batch.size(); ++k)
          CHECK(answers[k] == detail::ReferenceAcceleratorAccess::evaluate_every_tiling(accel, batch[k]));
  });
}

TEST_CASE("a split's chunk DMA floor is below its latency bound and grows with the chunks, and input-stationary latency is its "
          "pipeline over every step", "[accel][floor][chunks]") {
  // candidates() stops trying splits at the first whose floors (in each order it may run in) cannot beat
  // the best way so far: sound only if no later split (more chunks) has a lower one in the same order.
  std::size_t splits = 0, stationary = 0;
  for_each_random_group(150, 6, [&splits, &stationary](std::uint32_t seed, const Network&, const ReferenceAccelerator& accel, const Hardware& hw,
                                          const Problem& p, int begin, int end, const detail::GroupBoundary& b,
                                          const std::vector<std::size_t>& layers) {
    if (end != begin + 1) return;
    for (const Residence where : {Residence::dram, Residence::pinned, Residence::loaded}) {
      std::vector<BoundaryFm> inputs, outputs;
      for (const int fm : b.inputs) inputs.push_back({p.fms[fm].vertex, boundary_residence(p.fms[fm], where)});
      for (const int fm : b.outputs)
        outputs.push_back({p.fms[fm].vertex, p.fms[fm].model_output ? Residence::dram : boundary_residence(p.fms[fm], where)});
      const GroupQuery q{layers, inputs, outputs, hw.spm_bytes, hw.spm_alignment, Objective::latency};
      const int height = detail::ReferenceAcceleratorAccess::height(accel, q);
      for (int tiles = 1; tiles <= height; ++tiles) {
        INFO("seed " << seed << ", layer " << begin << ", boundary " << to_string(where) << ", " << tiles << " tiles");
        std::array<std::uint64_t, 2> before{};  // per order: the floor of the split with fewer chunks
        std::array<int, 2> chunks_before{1, 1};
        for (const auto& s : detail::ReferenceAcceleratorAccess::chunk_splits(accel, q, tiles)) {
          INFO(s.chunks << " chunks, " << (s.input_stationary ? "input-stationary" : "chunk-outer"));
          CHECK(s.chunks > chunks_before[s.input_stationary]);
          CHECK(s.floor >= before[s.input_stationary]);
          for (const bool overlap : {false, true}) {
            CHECK(s.floor <= s.bound[overlap]);
            CHECK(s.bound[overlap] <= s.latency[overlap]);
            if (s.input_stationary) CHECK(s.latency[overlap] == s.step_by_step[overlap]);  // the O(T) sum is exact
          }
          before[s.input_stationary] = s.floor;
          chunks_before[s.input_stationary] = s.chunks;
          ++splits;
          stationary += s.input_stationary ? 1 : 0;
        }
      }
    }
  }, [](Hardware& hw, std::uint32_t seed) {
    if (seed % 2 == 1) hw.dram_bytes_per_cycle += 0.37;  // a bandwidth whose divisions do not come out even
  });
  CHECK(splits > 1000);
  CHECK(stationary > 100);
}

TEST_CASE("the SPM floor never decreases as layers join a group", "[accel][floor][spm_floor]") {
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 10)(rng), seed % 2 == 0);
    const ReferenceAccelerator accel(g, pinfuse::testing::random_hardware(rng, g));
    const Problem p = make_problem(g);
    // A random chain of sets, each adding one layer, in execution order.
    std::vector<std::size_t> positions(p.size());
    std::iota(positions.begin(), positions.end(), std::size_t{0});
    std::shuffle(positions.begin(), positions.end(), rng);
    std::vector<std::size_t> members;
    std::uint64_t previous = 0;
    for (const std::size_t pos : positions) {
      members.insert(std::upper_bound(members.begin(), members.end(), pos), pos);
      std::vector<std::size_t> layers;
      for (const std::size_t m : members) layers.push_back(p.order[m]);
      const std::uint64_t floor = accel.least_spm_bytes(layers);
      INFO("seed " << seed << ", " << layers.size() << " layers");
      CHECK(floor >= previous);
      previous = floor;
    }
  }
}

TEST_CASE("the SPM floor holds a whole window of a row every plan computes, not only an edge's", "[accel][floor][spm_floor]") {
  // A conv reading 7 rows (padding 3: its top and bottom rows read 4) and a 1x1 conv after it.
  constexpr int kHeight = 24;
  Network g;
  Layer in = pinfuse::testing::simple_layer("in", LayerKind::input);
  in.output = {kHeight, 16, 8};
  const LayerId x = add_layer(g, in);
  const LayerId tall = add_layer(g, pinfuse::testing::conv_layer("tall", 8, 7, 1), {x});
  const LayerId point = add_layer(g, pinfuse::testing::conv_layer("point", 8, 1, 1), {tall});
  add_layer(g, pinfuse::testing::simple_layer("out", LayerKind::output), {point});
  infer_shapes(g);
  for (const bool halo_caching : {false, true}) {
    Hardware hw;
    hw.fused_weights = WeightPolicy::resident;
    hw.halo_caching = halo_caching;
    const ReferenceAccelerator accel(g, hw);
    const std::vector<std::size_t> group{tall, point};
    const auto row_bytes = [&](LayerId v) { return fm_bytes(g, v) / kHeight; };
    // need: point 1 row (a model output), tall 1 row (point reads one), x 7 rows (a middle row of tall reads 7)
    const std::uint64_t floor = accel.least_spm_bytes(group);
    INFO("halo caching " << halo_caching);
    CHECK(floor == 7 * row_bytes(x) + row_bytes(tall) + row_bytes(point) + weight_bytes(g, tall) + weight_bytes(g, point));
    const std::vector<BoundaryFm> inputs{{x, Residence::dram}}, outputs{{point, Residence::dram}};
    const GroupQuery q{group, inputs, outputs, 0, hw.spm_alignment, Objective::latency};
    const std::optional<std::uint64_t> least = least_available(accel, q, hw.spm_bytes);
    REQUIRE(least);
    CHECK(floor <= *least);
  }
}

TEST_CASE("the growth floor is below every group grown from it plus the floor of the rest, in any SPM",
          "[accel][floor][growth_floor]") {
  std::size_t above_floor = 0;  // growth floors above the plain floor of all their layers (what they add)
  std::size_t fitting = 0, above_growth = 0;  // in a smaller SPM: grown groups that fit; floors it raised
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 10)(rng), seed % 2 == 0);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    const ReferenceAccelerator accel(g, hw);
    const Problem p = make_problem(g);
    // A random group of two or more layers, a random rest among the others, and
    // random groups grown from the group by layers of the rest.
    std::vector<std::size_t> layers(p.order.begin(), p.order.end());
    std::shuffle(layers.begin(), layers.end(), rng);
    const auto size = std::uniform_int_distribution<std::size_t>(2, layers.size())(rng);
    const std::vector<std::size_t> group(layers.begin(), layers.begin() + std::ptrdiff_t(size));
    std::vector<std::size_t> rest;
    for (std::size_t i = size; i < layers.size(); ++i)
      if (rng() % 4 != 0) rest.push_back(layers[i]);
    const CostFloor growth = accel.growth_floor(group, rest);
    std::vector<std::size_t> all = group;
    all.insert(all.end(), rest.begin(), rest.end());
    above_floor += growth.latency_cycles > accel.floor(all).latency_cycles ? 1 : 0;
    // In an SPM that some layers' weights may pass (CapacityGrowthFloorModel): for the grown groups that fit it.
    std::uint64_t heaviest = 0;  // [B]
    for (const std::size_t v : all) heaviest = std::max(heaviest, weight_bytes(g, v));
    const std::uint64_t capacity = std::uniform_int_distribution<std::uint64_t>(heaviest / 4 + 1, 4 * heaviest + 1)(rng);
    const CostFloor growth_here = accel.growth_floor(group, rest, capacity);
    CHECK(growth_here.latency_cycles >= growth.latency_cycles);
    above_growth += growth_here.latency_cycles > growth.latency_cycles ? 1 : 0;
    for (int grown = 0; grown < 8; ++grown) {
      std::vector<std::size_t> larger = group, after;
      for (const std::size_t v : rest) (rng() % 2 == 0 ? larger : after).push_back(v);
      std::shuffle(larger.begin(), larger.end(), rng);  // any order: the fused floor is of the set
      const CostFloor fused = accel.fused_floors(larger).back(), floor_after = accel.floor(after);
      INFO("seed " << seed << ": a group of " << group.size() << " grown to " << larger.size() << ", "
                   << after.size() << " layers after");
      CHECK(growth.latency_cycles <= fused.latency_cycles + floor_after.latency_cycles);
      CHECK(growth.offchip_bytes <= fused.offchip_bytes + floor_after.offchip_bytes);  // energy: 0
      std::vector<std::size_t> in_order = larger;  // least_spm_bytes asks for execution order
      std::sort(in_order.begin(), in_order.end(), [&](std::size_t a, std::size_t b) {
        return std::find(p.order.begin(), p.order.end(), a) < std::find(p.order.begin(), p.order.end(), b);
      });
      if (accel.least_spm_bytes(in_order) > capacity) continue;
      ++fitting;
      const CostFloor after_here = accel.floor(after, capacity);
      CHECK(growth_here.latency_cycles <= fused.latency_cycles + after_here.latency_cycles);
      CHECK(growth_here.offchip_bytes <= fused.offchip_bytes + after_here.offchip_bytes);
    }
  }
  CHECK(above_floor > 0);  // the growth floor sees the weights a fused group cannot hide behind its compute
  CHECK(fitting > 500);      // grown groups that fit the smaller SPM (797)
  CHECK(above_growth >= 8);  // where a layer of the rest cannot be fused there (10)
}

TEST_CASE("a sound cached walk that saves layer work computes strictly less than recompute", "[accel][caching]") {
  // costed_walk() then takes the cached walk without the recomputing one, where it would
  // take it only if cached MACs or vector ops are fewer. On every kind of random network,
  // kind_input_rows()'s row maps included.
  std::size_t saving = 0, not_saving = 0;
  for_each_random_group(120, 8, [&](std::uint32_t seed, const Network& g, const ReferenceAccelerator& accel, const Hardware& hw,
                                    const Problem& p, int begin, int end, const detail::GroupBoundary& b,
                                    const std::vector<std::size_t>& layers) {
    if (end - begin < 2) return;  // no intermediates to cache
    std::vector<BoundaryFm> inputs, outputs;
    for (const int fm : b.inputs) inputs.push_back({p.fms[fm].vertex, Residence::dram});
    for (const int fm : b.outputs) outputs.push_back({p.fms[fm].vertex, Residence::dram});
    const GroupQuery q{layers, inputs, outputs, hw.spm_bytes, hw.spm_alignment, Objective::latency};
    const int height = detail::ReferenceAcceleratorAccess::height(accel, q);
    for (int tiles = 2; tiles <= height; ++tiles) {
      INFO(g[boost::graph_bundle].name << ", seed " << seed << ", layers [" << begin << ", " << end << "), " << tiles
                                       << " tiles");
      const auto w = detail::ReferenceAcceleratorAccess::walk_pair(accel, q, tiles);
      if (!w.sound) continue;
      CHECK(w.macs[1] <= w.macs[0]);
      CHECK(w.vector_ops[1] <= w.vector_ops[0]);
      if (w.saves_work) {
        CHECK((w.macs[1] < w.macs[0] || w.vector_ops[1] < w.vector_ops[0]));
        ++saving;
      } else {
        ++not_saving;
      }
    }
  }, [](Hardware&, std::uint32_t) {}, NetworkKinds::all);
  CHECK(saving > 1000);
  CHECK(not_saving > 100);
}
