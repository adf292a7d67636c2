// The order-free search's lattice and floor (solvers/detail/convex_groups.hpp,
// solvers/detail/downset_bound.hpp): every convex group from every downset is
// walked once, rest() is a floor on the order-free optimum that its own edges
// respect, and the pass gives up (knowing nothing) when told to stop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/solvers/detail/downset_bound.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"
#include "support/brute_force.hpp"
#include "support/random_networks.hpp"
#include "support/sanitized.hpp"

using namespace pinfuse;
using pinfuse::detail::DownsetBound;
using pinfuse::detail::LayerDag;
using pinfuse::detail::LayerSet;

namespace {

LayerSet set_of(std::uint32_t mask, int n) {
  LayerSet s(static_cast<std::size_t>(n));
  for (int pos = 0; pos < n; ++pos)
    if ((mask >> pos) & 1U) s.add(pos);
  return s;
}

bool is_downset(std::uint32_t mask, const LayerDag& dag) {
  for (std::size_t pos = 0; pos < dag.producers.size(); ++pos)
    if ((mask >> pos) & 1U)
      for (const int u : dag.producers[pos])
        if (!((mask >> u) & 1U)) return false;
  return true;
}

/// A random DAG on random hardware, with what the lattice pass takes.
struct RandomCase {
  RandomCase(std::mt19937& rng, int layers)
      : g(pinfuse::testing::random_network(rng, layers, true)), hw(pinfuse::testing::random_hardware(rng, g)), accel(g, hw),
        spm(scratchpad_of(hw)), p(make_problem(g)), dag(detail::layer_dag_of(p)) {}
  Network g;
  Hardware hw;
  ReferenceAccelerator accel;
  Scratchpad spm;
  Problem p;
  LayerDag dag;
};

/// Stops at once.
struct StopAtOnce final : SolveObserver {
  SolveControl progress(const SolveStatistics&) override { return SolveControl::stop; }
};

}  // namespace

TEST_CASE("every group that extends a downset to a downset is walked once", "[solvers][order_free]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(2, 9)(rng), true);
    const Problem p = make_problem(g);
    const LayerDag dag = detail::layer_dag_of(p);
    const int n = static_cast<int>(p.size());
    const std::size_t limit = seed % 4 == 0 ? 2 : 0;
    INFO("seed " << seed << ", " << n << " layers, groups of at most " << limit);
    for (std::uint32_t done = 0; done < (1U << n); ++done) {
      if (!is_downset(done, dag)) continue;
      std::multiset<std::uint32_t> walked;
      detail::for_each_convex_group(dag, set_of(done, n), limit, [] { return false; },
                                    [&](const std::vector<int>& group, const LayerSet& inside) {
        std::uint32_t mask = 0;
        for (const int pos : group) mask |= 1U << pos;
        CHECK(inside == set_of(mask, n));
        CHECK(std::is_sorted(group.begin(), group.end()));  // file order, as the growth stop is asked
        walked.insert(mask);
        return true;
      });
      std::multiset<std::uint32_t> expected;
      for (std::uint32_t group = 1; group < (1U << n); ++group)
        if (!(group & done) && is_downset(done | group, dag) &&
            (limit == 0 || static_cast<std::size_t>(__builtin_popcount(group)) <= limit))
          expected.insert(group);
      CHECK(walked == expected);
    }
  }
}

TEST_CASE("the growth stop's first position is where the layers left, in file order, first stop",
          "[solvers][order_free]") {
  // A stop on the number of layers (k or more) or on one layer (`banned`), never decreasing as layers join.
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(1, 9)(rng), true);
    const Problem p = make_problem(g);
    const int n = static_cast<int>(p.size());
    const std::uint32_t done = std::uniform_int_distribution<std::uint32_t>(0, (1U << n) - 1)(rng);
    const std::size_t k = std::uniform_int_distribution<std::size_t>(1, std::size_t(n) + 1)(rng);
    const std::size_t banned = p.order[std::uniform_int_distribution<std::size_t>(0, p.size() - 1)(rng)];
    const bool by_count = seed % 2 == 0;
    const auto too_large = [&](const std::vector<std::size_t>& layers) {
      return by_count ? layers.size() >= k : std::find(layers.begin(), layers.end(), banned) != layers.end();
    };
    INFO("seed " << seed << ", " << n << " layers, done " << done << (by_count ? ", count " : ", banned vertex ")
                 << (by_count ? k : banned));
    int expected = n;  // a scan: the first position whose prefix of the layers left stops
    std::vector<std::size_t> prefix;
    for (int pos = 0; pos < n && expected == n; ++pos) {
      if (done >> pos & 1U) continue;
      prefix.push_back(p.order[std::size_t(pos)]);
      if (too_large(prefix)) expected = pos;
    }
    CHECK(detail::first_stopped_position(p, set_of(done, n), too_large) == expected);
  }
}

TEST_CASE("rest is a floor on the order-free optimum, and on each group's floor plus rest after it",
          "[solvers][order_free]") {
  for (std::uint32_t seed = 101; seed <= 130; seed += pinfuse::testing::seed_step) {
    std::mt19937 rng(seed);
    const RandomCase c(rng, std::uniform_int_distribution<int>(2, 7)(rng));
    const Problem& p = c.p;
    const SolveOptions opt;
    const int n = static_cast<int>(p.size());
    std::vector<char> candidate(p.fms.size());
    for (std::size_t f = 0; f < p.fms.size(); ++f) candidate[f] = detail::may_pin(p, f, c.spm, opt, {});
    detail::Progress progress(nullptr);
    DownsetBound<ReferenceAccelerator, Scratchpad> bound(p, c.accel, c.spm, opt.objective, candidate, c.dag, 0,
                                                         [](const std::vector<std::size_t>&) { return false; }, progress);
    INFO("seed " << seed << ", SPM " << c.hw.spm_bytes << " B");
    REQUIRE(bound.run());
    const int root = bound.id(LayerSet(static_cast<std::size_t>(n)));
    REQUIRE(root >= 0);
    const std::optional<Score> optimum = pinfuse::testing::brute_force_any_order(c.g, c.accel, c.spm, {true, true}, opt.objective);
    if (optimum) {  // (a relaxation: rest may also be known where no plan fits)
      REQUIRE(bound.rest(root));
      CHECK(*bound.rest(root) <= *optimum);
    }
    for (std::uint32_t done = 0; done < (1U << n); ++done) {
      if (!is_downset(done, c.dag)) continue;
      const int d = bound.id(set_of(done, n));
      REQUIRE(d >= 0);  // every downset is reached (no group is too large here)
      CHECK(bound.set(d) == set_of(done, n));
      for (DownsetBound<ReferenceAccelerator, Scratchpad>::Edge& e : bound.edges(d)) {
        const Score fused = e.floor;
        if (!bound.make_exact(d, e) || !bound.rest(e.after)) continue;
        CHECK(fused <= e.floor);  // the fused floor is the weaker one
        REQUIRE(bound.rest(d));
        CHECK(*bound.rest(d) <= e.floor + *bound.rest(e.after));
      }
    }
  }
}

TEST_CASE("the lattice pass stops when told to, and then knows no downset", "[solvers][order_free]") {
  std::mt19937 rng(7);
  const RandomCase c(rng, 6);
  const std::vector<char> candidate(c.p.fms.size(), 1);
  StopAtOnce stop;
  detail::Progress progress(&stop);
  DownsetBound<ReferenceAccelerator, Scratchpad> bound(c.p, c.accel, c.spm, Objective::latency, candidate, c.dag, 0,
                                                       [](const std::vector<std::size_t>&) { return false; }, progress);
  CHECK_FALSE(bound.run());
  CHECK(bound.id(LayerSet(c.p.size())) == -1);
  CHECK_FALSE(bound.too_large_to_keep());  // stopped: the search waits for half of its limit to take a seed
}

TEST_CASE("the lattice pass gives up inside a downset's walk once it has more edges than it keeps", "[solvers][order_free]") {
  std::mt19937 rng(11);
  const RandomCase c(rng, 7);
  const std::vector<char> candidate(c.p.fms.size(), 1);
  const auto walked = [&](detail::LatticeLimits limits, bool& ran) {
    detail::Progress progress(nullptr);
    DownsetBound<ReferenceAccelerator, Scratchpad> bound(c.p, c.accel, c.spm, Objective::latency, candidate, c.dag, 0,
                                                         [](const std::vector<std::size_t>&) { return false; }, progress,
                                                         limits);
    ran = bound.run();
    CHECK(bound.too_large_to_keep() == !ran);
    return progress.stats().layers_walked;
  };
  bool ran = false;
  const std::uint64_t whole = walked({}, ran);
  REQUIRE(ran);
  // A limit of one edge stops the first walk (from the empty downset) after
  // its second group: at most 1 + 2 layers walked.
  detail::LatticeLimits one_edge;
  one_edge.edges = 1;
  CHECK(walked(one_edge, ran) <= 3);
  CHECK_FALSE(ran);
  CHECK(whole > 3);
}

TEST_CASE("the downsets are counted once each, and a pass with more than it keeps walks no group", "[solvers][order_free]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const RandomCase c(rng, std::uniform_int_distribution<int>(1, 9)(rng));
    const int n = static_cast<int>(c.p.size());
    std::size_t downsets = 0;  // by brute force, the empty one included
    for (std::uint32_t mask = 0; mask < (1U << n); ++mask) downsets += is_downset(mask, c.dag) ? 1 : 0;
    INFO("seed " << seed << ", " << n << " layers, " << downsets << " downsets");
    CHECK_FALSE(detail::more_downsets_than(c.dag, downsets));
    CHECK(detail::more_downsets_than(c.dag, downsets - 1));
    const std::vector<char> candidate(c.p.fms.size(), 1);
    for (const std::size_t keeps : {downsets - 1, downsets}) {
      detail::Progress progress(nullptr);
      detail::LatticeLimits limits;
      limits.downsets = keeps;
      DownsetBound<ReferenceAccelerator, Scratchpad> bound(c.p, c.accel, c.spm, Objective::latency, candidate, c.dag, 0,
                                                           [](const std::vector<std::size_t>&) { return false; }, progress,
                                                           limits);
      const bool ran = bound.run();
      CHECK(ran == (keeps == downsets));
      CHECK(bound.too_large_to_keep() == !ran);
      if (!ran) CHECK(progress.stats().layers_walked == 0);
    }
  }
}
