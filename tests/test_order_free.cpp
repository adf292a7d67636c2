// The order-free search (solvers/detail/dag_search.hpp) beyond brute force: on chains
// it is the fixed-order DP; on bundled DAGs it is never worse than the file
// order; stopped by a time limit, its lower bound is at most the exact optimum,
// which is at most the plan it returns; its plans validate.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "support/bundled.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/random_networks.hpp"
#include "support/restricted.hpp"
#include "support/sanitized.hpp"
#include "support/solve_options.hpp"

using namespace pinfuse;
using pinfuse::testing::with_order;

namespace {

/// The shipped hardware with 512 KiB of SPM, where the address-repair tests' models fragment it.
Hardware shipped_with_512_kib() {
  Hardware hw = pinfuse::testing::shipped_hardware();
  hw.spm_bytes = 512 * 1024;
  return hw;
}

/// torchvision's EfficientNetV2-S, exported (tests/data/models/README.md): at 512 KiB the order-free
/// search's first optimum gets SPM addresses only squeezed.
Network efficientnet_v2_s() {
  return load_model(std::string(PINFUSE_SOURCE_DIR) + "/tests/data/models/efficientnet_v2_s.json");
}

/// The order-free search's own optimum (detail::DagSearch, without the hand-off
/// to the fixed-order DP that solve_order_free makes on such DAGs and without
/// the address repair): its proven bound, which is the optimum's score. With
/// `lattice` limits, its floor pass may give up (then it walks each downset's
/// groups itself); `root` gets the bound it started from.
template <class Accel>
std::optional<Score> search_optimum(const Network& g, const Accel& accel, const Scratchpad& spm, Strategy s,
                                    detail::LatticeLimits lattice = {}, std::optional<Score>* root = nullptr,
                                    SolveStatistics* stats = nullptr, Objective objective = Objective::latency) {
  const Problem p = make_problem(g);
  SolveOptions opt;
  opt.objective = objective;
  if (s == Strategy::pinning) opt.max_group_layers = 1;
  detail::Progress progress(nullptr);
  const auto found = detail::DagSearch<Accel, Scratchpad>(p, accel, spm, opt, detail::SearchSpace{s != Strategy::fusion, {}, {}},
                                                          progress, lattice)
                         .run();
  if (stats) *stats = progress.stats();
  if (!found) return std::nullopt;
  if (root) *root = found->bounds.root;
  return found->bounds.lower;
}

}  // namespace

TEST_CASE("on chains order-free solves are the fixed-order DP's, and the search itself finds the same optimum",
          "[solvers][order_free]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 12)(rng), false);
    const Hardware hw = pinfuse::testing::random_hardware(rng, g);
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO("seed " << seed);
    for (const Strategy s : {Strategy::fusion, Strategy::pinning, Strategy::joint}) {
      Plan fixed;
      try {
        fixed = solve(s, g, accel, spm, with_order(OrderMode::file));
      } catch (const no_plan_fits&) {
        REQUIRE_THROWS_AS(solve(s, g, accel, spm, with_order(OrderMode::free)), no_plan_fits);
        CHECK_FALSE(search_optimum(g, accel, spm, s));
        continue;
      }
      const Plan free = solve(s, g, accel, spm, with_order(OrderMode::free));
      CHECK(score_of(free) == score_of(fixed));
      CHECK(free.order == fixed.order);
      CHECK(free.statistics.layers_walked == 0);  // one order, one map alive: the fixed-order DP solved it
      if (fixed.status.optimal)  // else an address repair: the search's optimum ignores addresses
        CHECK(search_optimum(g, accel, spm, s) == score_of(fixed));
    }
  }
}

TEST_CASE("without its lattice (a floor pass that gave up) the search finds the same optimum, pruning by walked floors",
          "[solvers][order_free]") {
  // No downset kept: each expansion walks its downset's groups and keys them by
  // fused floor + the floor after (walked_key), as the lattice's edges are keyed.
  const detail::LatticeLimits none{0, 0};
  std::size_t lower_roots = 0;  // searches that started lower without the lattice (its rest)
  const auto compare = [&](const Network& g, const Hardware& hw) {
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    for (const Strategy s : {Strategy::fusion, Strategy::joint}) {
      INFO(to_string(s));
      std::optional<Score> with_root, without_root;
      const std::optional<Score> optimum = search_optimum(g, accel, spm, s, {}, &with_root);
      CHECK(search_optimum(g, accel, spm, s, none, &without_root) == optimum);
      if (!optimum) continue;
      REQUIRE((with_root && without_root));
      CHECK(*without_root <= *with_root);  // the layers' floor alone, at most max(it, rest)
      lower_roots += *without_root < *with_root ? 1 : 0;
    }
  };
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    INFO("seed " << seed);
    compare(g, pinfuse::testing::random_hardware(rng, g));
  }
  for (const char* name : {"squeezenet", "googlenet"}) {
    if (pinfuse::testing::sanitized && std::string(name) != "squeezenet") continue;
    const auto [g, hw] = pinfuse::testing::bundled(name, 256);
    INFO(name);
    compare(g, hw);
  }
  CHECK(lower_roots > 0);  // the limits did take the lattice away
}

TEST_CASE("without its lattice, growth floors stop walks early and change no optimum", "[solvers][order_free][growth_floor]") {
  // The search without the lattice walks each downset's groups; the reference
  // accelerator's growth floor stops growing a group once no group grown from
  // it can be taken. The same search over CoreFloorsOnly grows every group its
  // SPM floor lets it (and has no interchange keys either: the walks are
  // compared on fusion, which pins nothing).
  const detail::LatticeLimits none{0, 0};
  // A stopped growth may bring its state back sooner (at the reach of the growth floor), so a
  // search may walk more in all; over all of them, far less.
  std::size_t fewer = 0;  // fusion searches that walked fewer layers with growth floors
  std::uint64_t walked_grown = 0, walked_all = 0;
  const auto compare = [&](const Network& g, const Hardware& hw, Objective objective) {
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    for (const Strategy s : {Strategy::fusion, Strategy::joint}) {
      INFO(to_string(s) << ", " << to_string(objective));
      SolveStatistics grown, all;
      const std::optional<Score> optimum = search_optimum(g, accel, spm, s, none, nullptr, &grown, objective);
      CHECK(search_optimum(g, pinfuse::testing::CoreFloorsOnly{accel}, spm, s, none, nullptr, &all, objective) == optimum);
      if (s != Strategy::fusion) continue;
      fewer += grown.layers_walked < all.layers_walked ? 1 : 0;
      walked_grown += grown.layers_walked;
      walked_all += all.layers_walked;
    }
  };
  for (std::uint32_t seed = 1; seed <= 60; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    Hardware hw = pinfuse::testing::random_hardware(rng, g);
    pinfuse::testing::random_energy(rng, hw);
    INFO("seed " << seed);
    compare(g, hw, seed % 4 == 0 ? Objective::energy : pinfuse::testing::latency_or_offchip(seed));
  }
  const auto [squeezenet, hw] = pinfuse::testing::bundled("squeezenet", 256);
  compare(squeezenet, hw, Objective::latency);
  CHECK(fewer > 0);
  CHECK(walked_grown < walked_all);
}

TEST_CASE("the order-free search itself finds MobileNetV2's fixed-order optimum (one order, two maps alive)",
          "[solvers][order_free]") {
  for (const std::uint64_t kib : {256, 1024}) {
    const auto [v2, hw] = pinfuse::testing::bundled("mobilenet_v2", kib);
    const ReferenceAccelerator accel(v2, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO("MobileNetV2 at " << kib << " KiB");
    const Plan fixed = solve_joint(v2, accel, spm, with_order(OrderMode::file));
    REQUIRE(fixed.status.optimal);
    CHECK(search_optimum(v2, accel, spm, Strategy::joint) == score_of(fixed));
  }
}

TEST_CASE("a DAG has one order when every layer reads the one before it, and what is alive across its cuts",
          "[solvers][order_free]") {
  const auto problem_of = [](const char* name) { return make_problem(load_model(pinfuse::testing::model_path(name))); };
  const auto dag_of = [&](const char* name) { return detail::layer_dag_of(problem_of(name)); };
  const Problem v1 = problem_of("mobilenet_v1"), v2 = problem_of("mobilenet_v2"), densenet = problem_of("densenet121");
  CHECK(detail::has_one_order(detail::layer_dag_of(v1)));
  CHECK(detail::most_alive_across_a_cut(v1) == 1);
  CHECK(detail::has_one_order(detail::layer_dag_of(v2)));  // each residual add reads its block's last conv too
  CHECK(detail::most_alive_across_a_cut(v2) == 2);  // the block's input and the current map
  CHECK(detail::has_one_order(detail::layer_dag_of(densenet)));
  CHECK(detail::most_alive_across_a_cut(densenet) > 12);  // a dense block's concat reads all its maps
  CHECK_FALSE(detail::has_one_order(dag_of("googlenet")));
  CHECK_FALSE(detail::has_one_order(dag_of("resnet18")));  // a downsampling block's shortcut conv runs beside its 3x3s
  detail::LayerDag diamond{{{}, {0}, {0}, {1, 2}}, {{1, 2}, {3}, {3}, {}}};
  CHECK_FALSE(detail::has_one_order(diamond));
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
      // The bound each started from is admissible: at most the optimum of its
      // space (a solve stopped at once may have had no time for its floors).
      REQUIRE(fixed.status.root_bound);
      REQUIRE(exact.status.root_bound);
      for (const Plan* plan : {&fixed, &exact, &rushed})
        if (plan->status.root_bound)
          CHECK(*plan->status.root_bound <= score_of(plan == &fixed ? fixed : exact));  // the file order's space is smaller
      CHECK(rushed.status.optimal == (score_of(rushed) == rushed.status.lower_bound));
      CHECK(validate_plan(g, rushed, accel, spm).ok());
    }
  }
}

TEST_CASE("a stopped order-free solve is no worse than the candidate orders' fixed-order plans its seed share made",
          "[solvers][order_free]") {
  // SSDLite's lattice is too large to keep, so the search takes its seed at its start, in half of the limit:
  // the file order's fixed-order DP, a quick look at each other candidate order (its DP stopped at once),
  // then their full DPs, the best quick look first (best_fixed_order_plan). At 256 KiB the file order's
  // optimum is 1.6% above the depth-first order's (1,008,638 against 992,749 cycles); with the file
  // order's seed alone, the search stopped at this limit returned 1,003,150.
  const auto [g, hw] = pinfuse::testing::bundled("ssdlite320_mobilenet_v3_large", 256);
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  const std::vector<std::vector<std::size_t>> orders = candidate_orders(g);
  std::vector<Score> full, quick;
  std::vector<std::uint64_t> full_work;
  std::uint64_t quick_work = 0;
  for (const std::vector<std::size_t>& order : orders) {
    SolveOptions fixed;
    fixed.order = order;
    const Plan plan = solve_joint(g, accel, spm, fixed);
    full.push_back(score_of(plan));
    full_work.push_back(plan.statistics.work());
    fixed.work_limit = 1;  // stopped at once: the quick mode
    const Plan look = solve_joint(g, accel, spm, fixed);
    quick.push_back(score_of(look));
    if (quick.size() > 1) quick_work += look.statistics.work();
  }
  const std::size_t best = std::size_t(std::min_element(full.begin(), full.end()) - full.begin());
  REQUIRE(best != 0);  // another order than the file order's is better
  REQUIRE(std::min_element(quick.begin() + 1, quick.end()) - quick.begin() == std::ptrdiff_t(best));  // ranked first
  SolveOptions limited = with_order(OrderMode::free);
  limited.work_limit = 2 * (full_work.front() + quick_work + full_work[best]) + 1000;  // the seed's half covers it
  const Plan plan = solve_joint(g, accel, spm, limited);
  CHECK(!plan.status.optimal);  // stopped: its plan is the seed's or the search's
  CHECK(score_of(plan) <= full[best]);
  CHECK(plan.status.lower_bound <= score_of(plan));
  CHECK(validate_plan(g, plan, accel, spm).ok());
}

TEST_CASE("a search past a quarter of its work limit dives from its best state and stays exact",
          "[solvers][order_free]") {
  const Hardware base = pinfuse::testing::shipped_hardware();
  for (const char* name : {"squeezenet", "shufflenet_v2"}) {
    const Network g = load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/" + name + ".json");
    Hardware hw = base;
    hw.spm_bytes = 256 * 1024;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    INFO(name);
    const Plan exact = solve_joint(g, accel, spm, with_order(OrderMode::free));
    // A limit of 3 times the exact search's work: its last quarter of it is
    // past a quarter of the limit (so dives follow), and it ends before half
    // of it (its fixed-order seed) and long before the end.
    SolveOptions late = with_order(OrderMode::free);
    late.work_limit = 3 * exact.statistics.work();
    const Plan dived = solve_joint(g, accel, spm, late);
    CHECK(dived.status.optimal);
    CHECK(score_of(dived) == score_of(exact));
    CHECK(dived.statistics.states_expanded > exact.statistics.states_expanded);  // a dive expands the states on its way
    CHECK(validate_plan(g, dived, accel, spm).ok());
  }
}

TEST_CASE("SSDLite's heads: proven optimal well within the tool's work limit", "[solvers][order_free]") {
  // Its lattice has more than 2 M downsets (twelve head chains side by side): the pass gives up before it walks a
  // group, and the search takes the file order's plan as its incumbent at once. Its bound stops one cycle below
  // the optimum without the cost floor's alone terms and per-tile rounding (reference-accelerator.md §10); with
  // them, and the incumbent, about 21 k work units prove the plan (the counts are the same on every machine).
  const auto [g, hw] = pinfuse::testing::bundled("ssdlite320_mobilenet_v3_large", 2048);
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  SolveOptions limited = with_order(OrderMode::free);
  limited.work_limit = default_work_limit;
  const Plan plan = solve_joint(g, accel, spm, limited);
  CHECK(plan.status.optimal);
  CHECK(plan.statistics.work() < 40'000);
  CHECK(validate_plan(g, plan, accel, spm).ok());
}

TEST_CASE("a work limit stops a solve at the same place on every run and with any number of threads",
          "[solvers][order_free][dp]") {
  const auto [g, hw] = pinfuse::testing::bundled("googlenet", 256);
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  for (const OrderMode mode : {OrderMode::free, OrderMode::file}) {
    INFO((mode == OrderMode::free ? "order-free" : "file order"));
    const Plan exact = solve_joint(g, accel, spm, with_order(mode));
    REQUIRE(exact.status.optimal);
    SolveOptions limited = with_order(mode);
    limited.work_limit = exact.statistics.work() / 4;
    std::vector<Plan> plans;
    for (const std::size_t threads : {1, 1, 2}) {
      limited.threads = threads;
      plans.push_back(solve_joint(g, accel, spm, limited));
      Plan& plan = plans.back();
      CHECK(plan.statistics.work() >= limited.work_limit);  // it ran to the limit
      CHECK(plan.status.lower_bound <= score_of(exact));
      CHECK(score_of(exact) <= score_of(plan));
      CHECK(validate_plan(g, plan, accel, spm).ok());
      plan.statistics.elapsed_ms = plan.solve_ms = 0;  // all that may differ
    }
    CHECK_FALSE(plans[0].status.optimal);
    for (const Plan& again : {plans[1], plans[2]}) {
      CHECK(again.order == plans[0].order);
      CHECK(again.groups == plans[0].groups);
      CHECK(again.pinned == plans[0].pinned);
      CHECK(again.totals == plans[0].totals);
      CHECK(again.status == plans[0].status);
      CHECK(again.statistics == plans[0].statistics);
    }
  }
}

namespace {

/// GoogLeNet's order-free joint plan at 512 KiB, which pins FMs: what the
/// address repair tests pretend got no SPM addresses.
struct PinningPlan {
  Network g = load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/googlenet.json");
  Hardware hw = shipped_with_512_kib();
  ReferenceAccelerator accel{g, hw};
  Scratchpad spm = scratchpad_of(hw);
  Plan plan = solve_joint(g, accel, spm, with_order(OrderMode::free));
  Problem p = make_problem(g, plan.order);
};

}  // namespace

TEST_CASE("an address repair first squeezes the tiles, keeping the groups, order and pins", "[solvers][order_free][dp]") {
  const PinningPlan s;
  const auto& [g, hw, accel, spm, plan, p] = s;
  REQUIRE(plan.pinned.size() >= 2);
  detail::Progress progress(nullptr);
  const std::uint64_t lacked = 20 * 1024;
  Plan unplaced = plan;  // as if the allocator had needed 20 KiB more than the SPM has
  unplaced.layout.peak = spm.capacity() + lacked;
  const std::optional<Plan> squeezed = detail::squeeze_until_placed(p, accel, spm, unplaced, progress, AllocationEffort{});
  REQUIRE(squeezed);
  CHECK(progress.stats().squeezes == 1);  // the first reserve fits: 20 KiB of 512
  CHECK(progress.stats().pins_given_up == 0);
  CHECK(squeezed->layout.peak <= spm.capacity());
  CHECK(squeezed->order == plan.order);
  CHECK(squeezed->pinned == plan.pinned);
  REQUIRE(squeezed->groups.size() == plan.groups.size());
  std::size_t reserved = 0;  // groups asked with less SPM: the others cannot run with less
  for (std::size_t k = 0; k < plan.groups.size(); ++k) {
    CHECK(squeezed->groups[k].layers == plan.groups[k].layers);
    CHECK(squeezed->groups[k].inputs == plan.groups[k].inputs);
    CHECK((squeezed->groups[k].spm_reserve == 0 || squeezed->groups[k].spm_reserve == lacked));
    reserved += squeezed->groups[k].spm_reserve == lacked ? 1 : 0;
  }
  CHECK(reserved > plan.groups.size() / 2);
  CHECK(score_of(plan) <= score_of(*squeezed));  // less SPM never costs less
  CHECK(validate_plan(g, *squeezed, accel, spm).ok());
  CHECK(replay_program(g, *squeezed, build_program(g, *squeezed, accel, spm), spm).ok());
  // The reserve is part of the plan file, and the validator asks with it.
  const Plan read = read_plan(g, plan_to_json(g, *squeezed));
  CHECK(read.groups == squeezed->groups);
  std::size_t changed = 0;  // a group the reserve made tile otherwise
  while (changed < plan.groups.size() && squeezed->groups[changed].cost == plan.groups[changed].cost) ++changed;
  REQUIRE(changed < plan.groups.size());
  Plan unreserved = *squeezed;
  unreserved.groups[changed].spm_reserve = 0;
  const ValidationReport r = validate_plan(g, unreserved, accel, spm);
  CHECK(r.findings.size() == 1);
  CHECK(std::any_of(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.kind == FindingKind::cost; }));
  // A layout that lacks more than an eighth of the capacity is not squeezed.
  Plan hopeless = plan;
  hopeless.layout.peak = spm.capacity() + spm.capacity() / 4;
  CHECK_FALSE(detail::squeeze_until_placed(p, accel, spm, hopeless, progress, AllocationEffort{}));
}

TEST_CASE("a squeezed plan waits for one rerun without the largest pin, and the better is kept", "[solvers][order_free][dp]") {
  Plan worse, better;  // their scores, pins and status matter here: by their own objective, off-chip bytes first
  for (Plan* plan : {&worse, &better}) {
    plan->objective = Objective::offchip_bytes;
    plan->pinned.push_back(PinnedFm{});
    plan->status.optimal = false;  // above the first run's bound
  }
  better.totals.offchip.fm_read = 1000;
  worse.totals.offchip.fm_read = 2000;
  better.totals.latency_cycles = 2000;  // (the other way round)
  worse.totals.latency_cycles = 1000;
  const auto placed = [](const Plan& p, bool squeezed) { return detail::Placement{p, squeezed}; };
  const auto read = [](const std::optional<Plan>& p) { return p ? p->totals.offchip.fm_read : 0; };
  detail::Progress budget(nullptr);
  SolveStatistics& stats = budget.stats();
  {  // the rerun's plan is better: it is kept, and so is the count of its ban
    detail::SqueezeRival rival;
    CHECK_FALSE(rival.settle(placed(worse, true), budget));  // ban the largest pin and solve again
    CHECK(rival.waiting());
    ++stats.pins_given_up;  // ban_largest_pin's
    CHECK(read(rival.settle(placed(better, false), budget)) == 1000);
    CHECK_FALSE(rival.waiting());
    CHECK(stats.pins_given_up == 1);
  }
  stats.pins_given_up = 0;
  {  // the rerun's plan is worse, or has no addresses: the squeezed one is kept, with all its pins
    detail::SqueezeRival rival;
    CHECK_FALSE(rival.settle(placed(better, true), budget));
    ++stats.pins_given_up;
    CHECK(read(rival.settle(placed(worse, true), budget)) == 1000);
    CHECK(stats.pins_given_up == 0);
    detail::SqueezeRival lone;
    CHECK_FALSE(lone.settle(placed(worse, true), budget));
    ++stats.pins_given_up;
    CHECK(read(lone.settle({}, budget)) == 2000);
    CHECK(stats.pins_given_up == 0);
    CHECK_FALSE(lone.settle({}, budget));  // one rerun only: then the caller bans as before
    CHECK(read(lone.settle(placed(worse, true), budget)) == 2000);
  }
  {  // the rerun finds no plan at all: the caller keeps the squeezed one
    detail::SqueezeRival rival;
    CHECK_FALSE(rival.settle(placed(better, true), budget));
    ++stats.pins_given_up;
    REQUIRE(rival.waiting());
    CHECK(rival.keep(budget).totals.offchip.fm_read == 1000);
    CHECK(stats.pins_given_up == 0);
  }
  {  // no budget left for a rerun, no squeeze, no pin to ban or nothing to gain: the plan as it is
    detail::Progress spent(nullptr, std::chrono::milliseconds(0), 1);
    spent.stats().groups_costed = 2;
    detail::SqueezeRival rival;
    CHECK(read(rival.settle(placed(worse, true), spent)) == 2000);
    CHECK(read(rival.settle(placed(better, false), budget)) == 1000);
    Plan pinless = worse, optimal = worse;
    pinless.pinned.clear();
    optimal.status.optimal = true;
    CHECK(read(rival.settle(placed(pinless, true), budget)) == 2000);
    CHECK(read(rival.settle(placed(optimal, true), budget)) == 2000);
    CHECK_FALSE(rival.waiting());
  }
  // A real export: torchvision's EfficientNetV2-S (tests/data/models/README.md). With the allocator's
  // rounds alone (before its search by steps, which places it), the first run's optimum finds no
  // addresses at 512 or 544 KiB and is squeezed; one rerun without the largest pin follows, and the
  // better of the two is kept (one pin given up if it is the rerun's). Which one wins moves with the
  // cost model (the rerun won at 512 KiB within 0.1% of the first run's optimum before input-stationary
  // chunks, §5c, lost with them, and won again with chunked adds), so only the one rerun is checked here;
  // the choice itself is above.
  const Network g = efficientnet_v2_s();
  for (const std::uint64_t kib : {512, 544}) {
    INFO(kib << " KiB");
    Hardware hw = pinfuse::testing::shipped_hardware();
    hw.spm_bytes = kib * 1024;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    SolveOptions rounds_alone = with_order(OrderMode::free);
    rounds_alone.layout_effort.search_nodes = 0;
    CHECK(solve_joint(g, accel, spm, with_order(OrderMode::free)).statistics.squeezes == 0);  // the search places it
    const Plan plan = solve_joint(g, accel, spm, rounds_alone);
    REQUIRE(plan.statistics.squeezes > 0);  // the premise: the first run's plan needed a squeeze
    CHECK(plan.statistics.pins_given_up <= 1);  // one rerun, one ban
    CHECK_FALSE(plan.status.optimal);
    CHECK(plan.status.lower_bound.first < plan.totals.latency_cycles);
    CHECK(validate_plan(g, plan, accel, spm).ok());
  }
}

namespace {

/// The reference accelerator (and its floors: refusing more keeps them floors), except that the FMs
/// `must` (their producers' vertices) run only pinned: a group that reads or writes one in DRAM, or
/// keeps one inside, is refused. So a solve that bans pinning one of them finds no plan at all.
struct MustPin {
  const ReferenceAccelerator* accel;
  std::vector<std::size_t> must;

  bool allows(const GroupQuery& q) const {
    for (const std::size_t fm : must) {
      for (const auto* list : {&q.inputs, &q.outputs})
        for (const BoundaryFm& b : *list)
          if (b.vertex == fm && b.where == Residence::dram) return false;
      const bool produced = std::find(q.layers.begin(), q.layers.end(), fm) != q.layers.end();
      const bool written = std::any_of(q.outputs.begin(), q.outputs.end(), [&](const BoundaryFm& b) { return b.vertex == fm; });
      if (produced && !written) return false;
    }
    return true;
  }
  std::optional<GroupCost> evaluate(const GroupQuery& q) const {
    if (!allows(q)) return std::nullopt;
    return accel->evaluate(q);
  }
  std::vector<std::optional<GroupCost>> evaluate_batch(std::span<const GroupQuery> queries) const {
    std::vector<std::optional<GroupCost>> answers = accel->evaluate_batch(queries);
    for (std::size_t k = 0; k < queries.size(); ++k)
      if (!allows(queries[k])) answers[k].reset();
    return answers;
  }
  CostFloor floor(std::span<const std::size_t> layers) const { return accel->floor(layers); }
  std::vector<CostFloor> fused_floors(std::span<const std::size_t> layers) const { return accel->fused_floors(layers); }
  std::optional<CostFloor> group_floor(const GroupQuery& q) const { return accel->group_floor(q); }
  std::uint64_t least_spm_bytes(std::span<const std::size_t> layers) const { return accel->least_spm_bytes(layers); }
};

}  // namespace

TEST_CASE("a squeezed plan is kept when the rerun without its largest pin finds no plan", "[solvers][order_free][dp]") {
  // EfficientNetV2-S at 512 KiB with the allocator's rounds alone, as above: the order-free search's first
  // optimum needs a squeeze, and its rival is the rerun without its largest pin. Here that pin (and any as
  // large) runs only pinned, so the rerun ends without a plan and the squeezed plan is the answer, with every
  // pin it had. (In the file order no reserve fits the first optimum, so there the largest pin is banned at
  // once: no rival.)
  const Network g = efficientnet_v2_s();
  const Hardware hw = shipped_with_512_kib();
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  const Problem p = make_problem(g);
  SolveOptions opt = with_order(OrderMode::free);
  opt.layout_effort.search_nodes = 0;
  detail::Progress progress(nullptr);
  const auto first = detail::DagSearch<ReferenceAccelerator, Scratchpad>(p, accel, spm, opt, detail::SearchSpace{true, {}, {}},
                                                                         progress).run();  // before addresses
  REQUIRE(first);
  std::uint64_t largest = 0;  // aligned, as detail::largest_pin compares them
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
    if (first->pinned[fm]) largest = std::max(largest, spm.aligned(p.fms[fm].bytes));
  MustPin model{&accel, {}};
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
    if (first->pinned[fm] && spm.aligned(p.fms[fm].bytes) == largest) model.must.push_back(p.fms[fm].vertex);
  REQUIRE_FALSE(model.must.empty());

  const Plan plan = solve_joint(g, model, spm, opt);
  REQUIRE(plan.statistics.squeezes > 0);  // the premise: the first run's plan needed a squeeze
  CHECK(plan.statistics.runs == 2);       // the rival, the rerun without the largest pin, ran
  CHECK(plan.statistics.pins_given_up == 0);  // the squeezed plan kept its pins
  for (const std::size_t fm : model.must)
    CHECK(std::any_of(plan.pinned.begin(), plan.pinned.end(), [&](const PinnedFm& f) { return f.vertex == fm; }));
  CHECK_FALSE(plan.status.optimal);
  CHECK(plan.status.lower_bound == first->bounds.lower);  // the first run's bound stays
  CHECK(first->bounds.lower < score_of(plan));
  CHECK(validate_plan(g, plan, model, spm).ok());
}

TEST_CASE("a stopped solve's address repair unpins the largest pins and keeps the groups", "[solvers][order_free][dp]") {
  const PinningPlan s;
  const auto& [g, hw, accel, spm, plan, p] = s;
  REQUIRE(plan.pinned.size() >= 2);
  detail::Progress progress(nullptr);
  Plan unplaced = plan;  // as if the allocator had found no addresses
  unplaced.layout.peak = spm.capacity() + 1;
  const std::optional<Plan> repaired = detail::unpin_until_placed(p, accel, spm, unplaced, progress, AllocationEffort{});
  REQUIRE(repaired);
  CHECK(progress.stats().pins_given_up == 1);
  CHECK(repaired->layout.peak <= spm.capacity());
  CHECK(repaired->order == plan.order);
  REQUIRE(repaired->groups.size() == plan.groups.size());
  for (std::size_t k = 0; k < plan.groups.size(); ++k) CHECK(repaired->groups[k].layers == plan.groups[k].layers);
  // One pin fewer: the largest.
  const auto largest = std::max_element(plan.pinned.begin(), plan.pinned.end(),
                                        [](const PinnedFm& a, const PinnedFm& b) { return a.bytes < b.bytes; });
  REQUIRE(repaired->pinned.size() + 1 == plan.pinned.size());
  for (const PinnedFm& f : repaired->pinned) CHECK(f.vertex != largest->vertex);
  CHECK(score_of(plan) <= score_of(*repaired));
  CHECK(validate_plan(g, *repaired, accel, spm).ok());
  // A trade-off plan keeps each group's tiling objective.
  SolveOptions traded = with_order(OrderMode::file);
  traded.trade_off = TradeOff{0.02, nullptr};
  const Plan mixed = solve_joint(g, accel, spm, traded);
  REQUIRE(!mixed.pinned.empty());
  REQUIRE(std::any_of(mixed.groups.begin(), mixed.groups.end(), [](const PlannedGroup& k) { return k.tiling_objective.has_value(); }));
  Plan mixed_unplaced = mixed;
  mixed_unplaced.layout.peak = spm.capacity() + 1;
  const std::optional<Plan> mixed_repaired =
      detail::unpin_until_placed(make_problem(g, mixed.order), accel, spm, mixed_unplaced, progress, AllocationEffort{});
  REQUIRE(mixed_repaired);
  REQUIRE(mixed_repaired->groups.size() == mixed.groups.size());
  for (std::size_t k = 0; k < mixed.groups.size(); ++k)
    CHECK(mixed_repaired->groups[k].tiling_objective == mixed.groups[k].tiling_objective);
  CHECK(validate_plan(g, *mixed_repaired, accel, spm).ok());
  // Nothing left to unpin: no repair.
  Plan pinless = *repaired;
  pinless.pinned.clear();
  pinless.layout.peak = spm.capacity() + 1;
  CHECK_FALSE(detail::unpin_until_placed(p, accel, spm, pinless, progress, AllocationEffort{}));
}
