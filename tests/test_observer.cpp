// The solver observer (solvers/observer.hpp): what it is told grows
// monotonically and ends in the plan's statistics, watching changes nothing,
// and a stop returns a valid plan whose proven bound is at most the optimum.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"
#include "support/bundled.hpp"
#if PINFUSE_HAS_CBC
#include "pinfuse/solvers/cbc.hpp"
#include "support/random_networks.hpp"
#endif

using namespace pinfuse;

namespace {

/// Records every report; asks to stop once `stop_after` states are expanded (0: never).
class Recorder : public SolveObserver {
 public:
  explicit Recorder(std::uint64_t stop_after = 0) : stop_after_(stop_after) {}
  SolveControl progress(const SolveStatistics& so_far) override {
    seen.push_back(so_far);
    return stop_after_ && so_far.states_expanded >= stop_after_ ? SolveControl::stop : SolveControl::proceed;
  }
  std::vector<SolveStatistics> seen;

 private:
  std::uint64_t stop_after_;
};

bool no_less(const SolveStatistics& a, const SolveStatistics& b) {  // every counter of b >= a's
  return b.runs >= a.runs && b.states_expanded >= a.states_expanded && b.states_pruned >= a.states_pruned &&
         b.groups_costed >= a.groups_costed && b.cache_hits >= a.cache_hits &&
         b.cached_transitions >= a.cached_transitions && b.memory_refusals >= a.memory_refusals &&
         b.growth_stops >= a.growth_stops &&
         b.incumbents >= a.incumbents && b.elapsed_ms >= a.elapsed_ms;
}

/// The reports never go back, and the plan's statistics are at least the last one.
void check_monotone(const std::vector<SolveStatistics>& seen, const SolveStatistics& final) {
  REQUIRE_FALSE(seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(no_less(seen[i - 1], seen[i]));
  CHECK(no_less(seen.back(), final));
}

SolveStatistics without_time(SolveStatistics s) {
  s.elapsed_ms = 0;
  return s;
}

SolveOptions with(OrderMode mode, SolveObserver* observer = nullptr) {
  SolveOptions opt;
  opt.order_mode = mode;
  opt.observer = observer;
  return opt;
}

using pinfuse::testing::Bundled;
using pinfuse::testing::bundled;

}  // namespace

TEST_CASE("the observer sees monotone statistics, which end in the plan, and watching changes nothing",
          "[solvers][observer]") {
  const Bundled m = bundled("squeezenet", 256);  // where the order-free search asks some group settings twice
  const ReferenceAccelerator accel(m.g, m.hw);
  const Scratchpad spm = scratchpad_of(m.hw);
  for (const OrderMode mode : {OrderMode::file, OrderMode::free, OrderMode::search}) {
    INFO("order mode " << int(mode));
    Recorder recorder;
    const Plan watched = solve_joint(m.g, accel, spm, with(mode, &recorder));
    const Plan plain = solve_joint(m.g, accel, spm, with(mode));
    check_monotone(recorder.seen, watched.statistics);
    const SolveStatistics& s = watched.statistics;
    CHECK(s.runs >= 1);
    CHECK(s.states_expanded > 0);
    CHECK(s.groups_costed > 0);
    CHECK(s.incumbents > 0);
    CHECK(s.memory_refusals == 0);  // a flat Scratchpad refuses nothing the cost model accepts
    CHECK(s.elapsed_ms > 0);
    CHECK(watched.solve_ms == s.elapsed_ms);
    CHECK(s.states_pruned > 0);  // the order-free search's A*, the DP's branch and bound
    if (mode == OrderMode::free) CHECK(s.cached_transitions > 0);  // its answer cache
    CHECK(s.cached_transitions <= s.cache_hits);
    if (mode == OrderMode::file) CHECK(s.cached_transitions == 0);  // the DP's shared settings cost no work
    CHECK(watched.totals == plain.totals);
    CHECK(watched.status == plain.status);
    CHECK(without_time(watched.statistics) == without_time(plain.statistics));
  }
}

TEST_CASE("stopped after N states, a solve returns a valid plan with a bound at most the optimum",
          "[solvers][observer]") {
  for (const char* name : {"squeezenet", "resnet18"}) {
    const Bundled m = bundled(name, 256);
    const ReferenceAccelerator accel(m.g, m.hw);
    const Scratchpad spm = scratchpad_of(m.hw);
    for (const OrderMode mode : {OrderMode::file, OrderMode::free, OrderMode::search}) {
      const Plan exact = solve_joint(m.g, accel, spm, with(mode));  // its score is at least the optimum
      // Both well before the end: the order-free search proves squeezenet's optimum after 67 states
      // expanded, and a stop that comes once the incumbent meets the bound is a proof, not a cut.
      for (const std::uint64_t n : {1, 20}) {
        INFO(name << ", order mode " << int(mode) << ", stop after " << n << " states");
        Recorder recorder(n);
        const Plan plan = solve_joint(m.g, accel, spm, with(mode, &recorder));
        // Told until it said stop, and not after.
        REQUIRE_FALSE(recorder.seen.empty());
        CHECK(recorder.seen.back().states_expanded >= n);
        for (std::size_t i = 0; i + 1 < recorder.seen.size(); ++i) CHECK(recorder.seen[i].states_expanded < n);
        CHECK(plan.statistics.states_expanded < exact.statistics.states_expanded);
        CHECK(validate_plan(m.g, plan, accel, spm).ok());
        CHECK_FALSE(plan.status.optimal);
        CHECK(plan.status.lower_bound <= score_of(exact));
        CHECK(score_of(exact) <= score_of(plan));
      }
    }
  }
}

TEST_CASE("the half-budget hook runs once, past half the time limit, and never without one", "[solvers][observer]") {
  using std::chrono::milliseconds;
  int runs = 0;
  detail::Progress limited(nullptr, milliseconds(1000));
  limited.at_half_budget([&] { ++runs; });
  CHECK_FALSE(limited.out_of_budget());
  CHECK(runs == 0);  // checked at once: far from half of 1000 ms
  std::this_thread::sleep_for(milliseconds(600));
  CHECK_FALSE(limited.tick());
  CHECK_FALSE(limited.out_of_budget());
  CHECK(runs == 1);
  std::this_thread::sleep_for(milliseconds(500));
  CHECK(limited.out_of_budget());
  CHECK(runs == 1);

  detail::Progress unlimited(nullptr);
  unlimited.at_half_budget([&] { ++runs; });
  std::this_thread::sleep_for(milliseconds(20));
  CHECK_FALSE(unlimited.out_of_budget());
  CHECK(runs == 1);
}

TEST_CASE("a work limit ends the budget once the work reaches it, and its half runs the half-budget hook",
          "[solvers][observer]") {
  int runs = 0;
  detail::Progress limited(nullptr, {}, 100);
  limited.at_half_budget([&] { ++runs; });
  CHECK(limited.budgeted());
  CHECK_FALSE(limited.out_of_budget());
  limited.stats().groups_costed = 48;
  limited.stats().cached_transitions = 2 * SolveStatistics::kCachedTransitionsPerWorkUnit - 1;  // work 49
  CHECK_FALSE(limited.past_part(2));
  limited.stats().layers_walked = SolveStatistics::kLayersWalkedPerWorkUnit;  // work 50
  CHECK(limited.past_part(2));
  CHECK_FALSE(limited.past_part(1));
  CHECK_FALSE(limited.tick());
  CHECK(runs == 1);
  limited.stats().groups_costed = 100;
  CHECK_FALSE(limited.past_budget());  // helper threads see the work as out_of_budget() last saw it
  CHECK(limited.tick());
  CHECK(limited.past_budget());
  CHECK(limited.stopped());
  CHECK(runs == 1);

  detail::Progress unlimited(nullptr);
  CHECK_FALSE(unlimited.budgeted());
  unlimited.stats().groups_costed = 1u << 30;
  CHECK_FALSE(unlimited.past_part(2));
  CHECK_FALSE(unlimited.tick());
}

TEST_CASE("a step run on a share of the budget left stops there alone, and an observer's stop stays final",
          "[solvers][observer]") {
  detail::Progress limited(nullptr, {}, 100);
  limited.stats().groups_costed = 50;
  bool stopped_inside = false;
  limited.run_on_share(2, [&] {  // 25 units of the 50 left
    limited.stats().groups_costed = 74;
    CHECK_FALSE(limited.tick());
    limited.stats().groups_costed = 75;
    stopped_inside = limited.tick();
    CHECK(limited.past_budget());
  });
  CHECK(stopped_inside);
  CHECK_FALSE(limited.stopped());  // the solve goes on with its own 25 units
  CHECK_FALSE(limited.past_budget());
  CHECK_FALSE(limited.tick());
  limited.stats().groups_costed = 100;
  CHECK(limited.tick());

  struct StopAtOnce : SolveObserver {
    SolveControl progress(const SolveStatistics&) override { return SolveControl::stop; }
  } stop;
  detail::Progress watched(&stop, {}, 100);
  watched.run_on_share(2, [&] { CHECK(watched.tick()); });
  CHECK(watched.stopped());
}

#if PINFUSE_HAS_CBC
TEST_CASE("the ILP path reports its formulation and CBC solves", "[solvers][observer][ilp]") {
  std::mt19937 rng(7);
  const Network g = pinfuse::testing::random_network(rng, 8, true);
  const Hardware hw = pinfuse::testing::random_hardware(rng, g);
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  Recorder recorder;
  const Plan plan = solve_joint_ilp(g, accel, spm, with(OrderMode::file, &recorder));
  check_monotone(recorder.seen, plan.statistics);
  CHECK(plan.statistics.runs >= 1);
  CHECK(plan.statistics.groups_costed > 0);
  CHECK(plan.statistics.incumbents == plan.statistics.runs);
  CHECK(score_of(plan) == score_of(solve_joint(g, accel, spm, with(OrderMode::file))));
}
#endif
