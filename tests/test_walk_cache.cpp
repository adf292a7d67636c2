// The reference accelerator's cache of tile walks (accel/detail/walk_cache.hpp):
// what it keeps and drops, and that no answer depends on what it holds.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <tuple>
#include <vector>

#include "pinfuse/accel/detail/walk_cache.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;

namespace {

/// A walk of a foreign type: what WalkCache asks of one is heap_bytes().
struct FakeWalk {
  int tiles = 0;
  std::vector<char> payload;
  std::size_t heap_bytes() const { return payload.size(); }
};

using Cache = detail::WalkCache<FakeWalk>;

/// A floor's metrics, comparable (CostFloor has no ==).
std::optional<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> metrics(const std::optional<CostFloor>& f) {
  if (!f) return std::nullopt;
  return std::tuple(f->latency_cycles, f->offchip_bytes, f->energy_pj);
}

/// Asks `walks` for (tiles, false), counting the walks made in `made`.
std::shared_ptr<const FakeWalk> ask(Cache::Walks& walks, int tiles, int& made, std::size_t bytes = 0) {
  return walks.at(tiles, false, [&] {
    ++made;
    return FakeWalk{tiles, std::vector<char>(bytes)};
  });
}

}  // namespace

TEST_CASE("a group's walk is made once per tile count and kept while the group is", "[walk_cache]") {
  Cache cache(2);
  int made = 0;
  const std::shared_ptr<Cache::Walks> a = cache.of({1, 2, 3});
  CHECK(ask(*a, 4, made)->tiles == 4);
  CHECK(ask(*a, 4, made)->tiles == 4);
  CHECK(ask(*a, 5, made)->tiles == 5);
  CHECK(made == 2);
  CHECK(a->at(4, true, [] { return FakeWalk{-1, {}}; })->tiles == -1);  // cached walks apart
  CHECK(cache.of({1, 2, 3}) == a);
  CHECK(cache.of({1, 2}) != a);
}

TEST_CASE("the group asked least recently is dropped first, past the group and byte limits", "[walk_cache]") {
  int made = 0;
  SECTION("groups") {
    Cache cache(2);
    const std::shared_ptr<Cache::Walks> a = cache.of({1});
    ask(*a, 1, made);
    cache.of({2});
    CHECK(cache.of({1}) == a);  // asked again: {2} is now the oldest
    cache.of({3});              // drops {2}
    CHECK(cache.of({1}) == a);
    const std::shared_ptr<Cache::Walks> two = cache.of({2});  // new again, drops {3}
    CHECK(ask(*two, 1, made) != nullptr);
    CHECK(made == 2);
  }
  SECTION("bytes") {
    Cache cache(100, 1000);
    const std::shared_ptr<Cache::Walks> a = cache.of({1});
    ask(*a, 1, made, 2000);
    const std::shared_ptr<Cache::Walks> b = cache.of({2});  // past 1000 bytes: drops {1}, never the new one
    CHECK(cache.of({2}) == b);
    CHECK(cache.of({1}) != a);
    CHECK(ask(*a, 1, made)->payload.size() == 2000);  // a holder keeps what it holds
    CHECK(made == 1);
  }
  SECTION("a copy starts empty") {
    Cache cache(4);
    const std::shared_ptr<Cache::Walks> a = cache.of({1});
    Cache copy = cache;
    Cache other(4);
    other = cache;
    CHECK(copy.of({1}) != a);
    CHECK(other.of({1}) != a);
    CHECK(cache.of({1}) == a);
  }
}

TEST_CASE("the limits grow when dropped groups are asked again, not on a sweep", "[walk_cache]") {
  Cache sweep(4), again(4);
  for (std::size_t g = 0; g < 100; ++g) sweep.of({g});  // each asked once: the fixed-order DP's pattern
  CHECK(sweep.max_groups() == 4);
  for (int round = 0; round < 10; ++round)
    for (std::size_t g = 0; g < 6; ++g) again.of({g});  // six groups in turn, four kept: each comes back dropped
  CHECK(again.max_groups() == 6);  // one more for each group that came back: six now stay
  // A cycle grows them while a group comes back before as many others were dropped as it keeps:
  const auto cycle = [&](std::size_t groups) {
    for (int round = 0; round < 10; ++round)
      for (std::size_t g = 0; g < groups; ++g) again.of({g});
  };
  cycle(10);
  CHECK(again.max_groups() == 10);
  cycle(100);  // past twice the limit: no group comes back in time
  CHECK(again.max_groups() == 10);
  cycle(20);
  CHECK(again.max_groups() == 20);
  cycle(40);
  CHECK(again.max_groups() == 32);  // at most 8 times the first limit
  Cache copy = again;
  CHECK(copy.max_groups() == 4);  // a copy starts empty, with the first limits
}

TEST_CASE("the reference accelerator answers the same whatever walks it keeps", "[walk_cache][accelerator][property]") {
  std::mt19937 rng(11);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 30; ++trial) {
    const Network g = pinfuse::testing::random_network(rng, pick(3, 7), true);
    const ReferenceAccelerator pristine(g, Hardware{});
    const ReferenceAccelerator shared = pristine;  // asked everything, in order: its cache fills and drops
    const Problem p = make_problem(g);
    for (int k = 0; k < 8; ++k) {
      const int begin = pick(0, int(p.size()) - 1), end = pick(begin + 1, int(p.size()));
      std::vector<std::size_t> layers;
      for (int pos = begin; pos < end; ++pos) layers.push_back(p.order[std::size_t(pos)]);
      const detail::GroupBoundary b = detail::group_boundary(p, begin, end);
      std::vector<BoundaryFm> inputs, outputs;
      for (const int fm : b.inputs) inputs.push_back({p.fms[std::size_t(fm)].vertex, pick(0, 1) ? Residence::pinned : Residence::dram});
      for (const int fm : b.outputs) outputs.push_back({p.fms[std::size_t(fm)].vertex, pick(0, 1) ? Residence::pinned : Residence::dram});
      // The same group at two alignments, which change the intermediates'
      // buffers a walk adds up (so alignment is part of its key), each at the
      // least SPM it runs in and around it, where a wrong footprint shows.
      std::vector<std::uint64_t> alignments{1, 4096};
      if (pick(0, 1)) std::swap(alignments[0], alignments[1]);
      for (const std::uint64_t alignment : alignments) {
        const ReferenceAccelerator fresh = pristine;  // a copy: an empty cache
        const auto query = [&](std::uint64_t available) {
          return GroupQuery{layers, inputs, outputs, available, alignment, Objective::latency, {}, b.outputs_read_inside};
        };
        std::uint64_t low = 0, high = std::uint64_t(1) << 26;  // fresh runs it in `high` bytes, not in `low`
        if (!fresh.evaluate(query(high))) continue;
        while (high - low > 1) {
          const std::uint64_t mid = low + (high - low) / 2;
          (fresh.evaluate(query(mid)) ? high : low) = mid;
        }
        for (const std::uint64_t available : {low, high, high + alignment, std::uint64_t(1) << 26}) {
          INFO("trial " << trial << ", layers [" << begin << ", " << end << "), alignment " << alignment << ", "
                        << available << " bytes");
          CHECK(shared.evaluate(query(available)) == fresh.evaluate(query(available)));
          CHECK(metrics(shared.group_floor(query(available))) == metrics(fresh.group_floor(query(available))));
        }
      }
    }
  }
}
