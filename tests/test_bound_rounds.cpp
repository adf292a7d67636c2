// The rounds of branch and bound below the incumbent (solvers/detail/bound_rounds.hpp):
// thresholds, proven bounds and when the last round comes.
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>

#include "pinfuse/solvers/detail/bound_rounds.hpp"

using pinfuse::Score;
using pinfuse::detail::BoundRounds;

TEST_CASE("one round pruned by the incumbent, or by nothing", "[solver][bound_rounds]") {
  BoundRounds none(std::nullopt);
  CHECK_FALSE(none.prunes({UINT64_MAX, UINT64_MAX}));
  bool improved = true;
  CHECK(none.finish(Score{5, 0}, improved));
  CHECK_FALSE(improved);

  BoundRounds one(Score{100, 7});
  CHECK_FALSE(one.below_incumbent());
  CHECK_FALSE(one.prunes({100, 7}));  // ties are kept: the incumbent's own path
  CHECK(one.prunes({100, 8}));
  CHECK(one.finish(std::nullopt, improved));
}

TEST_CASE("rounds rise from the root in growing steps to the incumbent", "[solver][bound_rounds]") {
  BoundRounds rounds(Score{409600, 0}, Score{410000, 0});  // first step 409600 / 4096 = 100
  REQUIRE(rounds.below_incumbent());
  CHECK(rounds.threshold()->first == 409700);
  CHECK(rounds.proven() == Score{409600, 0});
  // A threshold compares by the first metric only.
  CHECK_FALSE(rounds.prunes({409700, UINT64_MAX}));
  CHECK(rounds.prunes({409763, 0}));
  CHECK(rounds.prunes({409752, 4}));
  // Stopped now: the least reach skipped bounds the plans skipped, the root all.
  CHECK(rounds.stopped_bound({409770, 0}) == Score{409752, 4});
  CHECK(rounds.stopped_bound({409500, 0}) == Score{409600, 0});

  bool improved = true;
  CHECK_FALSE(rounds.finish(std::nullopt, improved));  // nothing at most 409700: the optimum is above
  CHECK_FALSE(improved);
  CHECK(rounds.proven() == Score{409752, 4});
  CHECK(rounds.threshold()->first == 409700 + 125);  // the step grew by a quarter
  CHECK(rounds.prunes({409900, 0}));
  CHECK_FALSE(rounds.finish(std::nullopt, improved));
  CHECK(rounds.proven() == Score{409900, 0});
  CHECK(rounds.threshold()->first == 409825 + 156);
  CHECK(rounds.prunes({409990, 0}));
  CHECK_FALSE(rounds.finish(std::nullopt, improved));
  CHECK(rounds.proven() == Score{409990, 0});
  CHECK(rounds.threshold() == Score{410000, 0});  // 409981 + 195 passes the incumbent: the last round
  CHECK_FALSE(rounds.below_incumbent());
  CHECK(rounds.finish(Score{409990, 0}, improved));
}

TEST_CASE("without an incumbent the rounds end at the first that skips nothing", "[solver][bound_rounds]") {
  BoundRounds rounds(Score{409600, 0}, Score{UINT64_MAX, UINT64_MAX});  // fixed groups: no incumbent
  REQUIRE(rounds.below_incumbent());
  CHECK(rounds.prunes({500000, 0}));
  bool improved = false;
  CHECK_FALSE(rounds.finish(std::nullopt, improved));  // a reach was skipped: a plan may lie above
  CHECK(rounds.proven() == Score{500000, 0});
  CHECK(rounds.threshold()->first == 500000);
  CHECK(rounds.below_incumbent());
  CHECK(rounds.finish(std::nullopt, improved));  // nothing skipped: the whole space holds no plan
  CHECK_FALSE(improved);
}

TEST_CASE("a round's plan above its threshold is a new incumbent, not the optimum", "[solver][bound_rounds]") {
  BoundRounds rounds(Score{409600, 0}, Score{500000, 0});  // threshold 409700
  CHECK(rounds.prunes({420000, 0}));
  bool improved = false;
  CHECK_FALSE(rounds.finish(Score{450000, 3}, improved));
  CHECK(improved);
  CHECK(rounds.incumbent() == Score{450000, 3});
  CHECK(rounds.proven() == Score{420000, 0});  // every plan was skipped (>= 420000) or kept (>= 450000)
  CHECK(rounds.threshold()->first == 420000);  // the proven bound is past 409700 + 125
  CHECK_FALSE(rounds.prunes({420000, 9}));
  // A plan at most the threshold is the optimum: the last round.
  CHECK(rounds.finish(Score{420000, 9}, improved));
}
