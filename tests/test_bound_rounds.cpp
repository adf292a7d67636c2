// The rounds of branch and bound below the incumbent (solvers/detail/bound_rounds.hpp):
// thresholds, proven bounds and when the last round comes.
#include <catch2/catch.hpp>

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

TEST_CASE("rounds rise by the step from the root to the incumbent", "[solver][bound_rounds]") {
  BoundRounds rounds(Score{1000, 0}, Score{1100, 0}, 20);  // step 50
  REQUIRE(rounds.below_incumbent());
  CHECK(rounds.threshold()->first == 1050);
  CHECK(rounds.proven() == Score{1000, 0});
  // A threshold compares by the first metric only.
  CHECK_FALSE(rounds.prunes({1050, UINT64_MAX}));
  CHECK(rounds.prunes({1063, 0}));
  CHECK(rounds.prunes({1052, 4}));
  // Stopped now: the least reach skipped bounds the plans skipped.
  CHECK(rounds.stopped_bound({1070, 0}) == Score{1052, 4});
  CHECK(rounds.stopped_bound({1010, 0}) == Score{1010, 0});

  bool improved = true;
  CHECK_FALSE(rounds.finish(std::nullopt, improved));  // nothing at most 1050: the optimum is above
  CHECK_FALSE(improved);
  CHECK(rounds.proven() == Score{1052, 4});
  CHECK(rounds.threshold()->first == 1100);  // 1050 + 50 reaches the incumbent: the last round
  CHECK_FALSE(rounds.below_incumbent());
  CHECK(rounds.finish(Score{1090, 0}, improved));
}

TEST_CASE("a round's plan above its threshold is a new incumbent, not the optimum", "[solver][bound_rounds]") {
  BoundRounds rounds(Score{1000, 0}, Score{2000, 0}, 100);  // step 10
  CHECK(rounds.prunes({1200, 0}));
  bool improved = false;
  CHECK_FALSE(rounds.finish(Score{1500, 3}, improved));
  CHECK(improved);
  CHECK(rounds.incumbent() == Score{1500, 3});
  CHECK(rounds.proven() == Score{1200, 0});       // every plan was skipped (>= 1200) or kept (>= 1500)
  CHECK(rounds.threshold()->first == 1200);       // the proven bound is past 1010 + 10
  CHECK_FALSE(rounds.prunes({1200, 9}));
  // A plan at most the threshold is the optimum: the last round.
  CHECK(rounds.finish(Score{1200, 9}, improved));
}
