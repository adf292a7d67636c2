// The stand-alone SPM allocator: valid placements, never below the lower bound,
// optimal where an exhaustive search can tell, and near the bound on real plans.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "pinfuse/memory/allocator.hpp"

using namespace pinfuse;

namespace {

std::vector<AllocationRequest> random_requests(std::mt19937& rng, int count, int steps) {
  std::vector<AllocationRequest> r;
  for (int i = 0; i < count; ++i) {
    const std::size_t a = std::uniform_int_distribution<std::size_t>(0, steps - 1)(rng);
    const std::size_t b = std::uniform_int_distribution<std::size_t>(a, steps - 1)(rng);
    r.push_back({std::uniform_int_distribution<std::uint64_t>(1, 1000)(rng), a, b});
  }
  return r;
}

/// Smallest peak over every placement order of best fit (the greedy's reach).
std::uint64_t best_over_orders(const std::vector<AllocationRequest>& r, std::uint64_t alignment) {
  std::vector<std::size_t> order(r.size());
  std::iota(order.begin(), order.end(), 0);
  std::uint64_t best = ~std::uint64_t(0);
  do best = std::min(best, detail::place_best_fit(r, order, alignment).peak);
  while (std::next_permutation(order.begin(), order.end()));
  return best;
}

}  // namespace

TEST_CASE("allocations are valid and never below the lower bound", "[allocator]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const std::uint64_t alignment = std::uint64_t(1) << std::uniform_int_distribution<int>(0, 6)(rng);
    const auto r = random_requests(rng, std::uniform_int_distribution<int>(1, 30)(rng), 12);
    const Allocation a = allocate(r, {alignment, 100, 1});
    INFO("trial " << trial);
    CHECK(a.peak >= a.lower_bound);
    CHECK(a.lower_bound == allocation_lower_bound(r, alignment));
    CHECK(allocation_is_valid(r, a.offsets, a.peak, alignment));
  }
}

TEST_CASE("hill climbing reaches the best placement order on small instances", "[allocator]") {
  std::mt19937 rng(11);
  int at_bound = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const auto r = random_requests(rng, 6, 5);
    const Allocation a = allocate(r, {8, 400, 3});
    CHECK(a.peak == best_over_orders(r, 8));
    at_bound += a.peak == a.lower_bound ? 1 : 0;
  }
  CHECK(at_bound > 30);  // most small instances pack to the bound
}

TEST_CASE("buffers that are never alive together share addresses", "[allocator]") {
  const std::vector<AllocationRequest> r{{100, 0, 0}, {100, 1, 1}, {100, 2, 2}};
  const Allocation a = allocate(r);
  CHECK(a.peak == 100);
  CHECK(a.lower_bound == 100);
  const std::vector<AllocationRequest> overlapping{{100, 0, 1}, {100, 1, 2}};
  CHECK_FALSE(allocation_is_valid(overlapping, std::vector<std::uint64_t>{0, 50}, 1000, 1));
  CHECK(allocation_is_valid(overlapping, std::vector<std::uint64_t>{0, 100}, 1000, 1));
  CHECK_FALSE(allocation_is_valid(overlapping, std::vector<std::uint64_t>{0, 100}, 150, 1));  // past capacity
  CHECK_FALSE(allocation_is_valid(overlapping, std::vector<std::uint64_t>{0, 101}, 1000, 2));  // misaligned
}
