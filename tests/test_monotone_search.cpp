// first_holding (core/monotone_search.hpp): the first index of a monotone
// predicate, for every length and threshold, with the few questions its
// callers rely on (the first tile count that fits, the growth stop).
#include <catch2/catch.hpp>

#include <bit>
#include <cstddef>
#include <set>

#include "pinfuse/core/monotone_search.hpp"

TEST_CASE("first_holding finds the first index of a monotone predicate in few questions", "[monotone]") {
  for (std::size_t n = 0; n <= 70; ++n)
    for (std::size_t k = 0; k <= n; ++k) {  // holds from k on (k = n: nowhere)
      std::set<std::size_t> asked;
      std::size_t questions = 0;
      const std::size_t found = pinfuse::first_holding(n, [&](std::size_t i) {
        REQUIRE(i < n);
        asked.insert(i);
        ++questions;
        return i >= k;
      });
      INFO("n " << n << ", first holding at " << k);
      CHECK(found == k);
      CHECK(questions == asked.size());  // no index asked twice
      // O(log k): the gallop to the first power of two past k, then bisection below it
      CHECK(questions <= 2 * std::size_t(std::bit_width(k + 1)) + 1);
      if (n > 0 && k == 0) CHECK(questions == 1);
    }
}
