#pragma once
// The fixed-order DP's rounds of branch and bound below the incumbent
// (segment_dp.hpp): iterative deepening on the threshold it prunes by.
//
// The DP skips a transition whose reach, g + floor of its group + rest(end)
// (suffix_bound.hpp), exceeds a threshold T. The number of transitions kept
// grows steeply with T once T passes the optimum C* (DenseNet-121 at 512 KiB:
// 2.6 s with T = C*, 30 s with T = C* + 0.45%, 100 s with the first incumbent,
// 23% above C*), and a round with T below C* ends early, as no path keeps
// below it for long. So rather than prune by the incumbent alone, the DP runs
// rounds with T rising from rest(0) in steps, and then the incumbent's score:
//
// - A round keeps every transition of every plan scoring at most T (each of
//   their reaches is at most the plan's score), so it returns the optimum if
//   C* <= T. If the plan it returns scores at most T, that is the optimum.
// - Otherwise C* > T, and every plan either was kept whole (it scores at least
//   the round's plan) or has a transition the round skipped (it scores at least
//   that reach): the least of these is a proven bound. A plan the round found is
//   a new incumbent if it beats the old one.
// - The next round's T is the larger of T + step and that bound, until T
//   reaches the incumbent's score: that last round is the plain branch and
//   bound, and returns the optimum. Without an incumbent (fixed groups,
//   segment_dp.hpp) the incumbent is the worst score, and the rounds end at
//   the first that finds a plan within T or skips nothing (it searched the
//   whole space: no plan exists, or the one found is the optimum).
//
// The step starts at rest(0) / 4096 and grows by a quarter each round: fine
// steps where rest(0) is close to the optimum (DenseNet-121 from 1 MiB up:
// within 0.3%), few rounds where it is not (an SSDLite detector at 512 KiB:
// 4.7% below, 17 rounds rather than 190).
//
// Scores compare by their first metric (the objective's); T's second is the
// largest, so a threshold never splits two scores of the same first metric.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/core/checked.hpp"

namespace pinfuse::detail {

class BoundRounds {
 public:
  /// One round only, pruned by `incumbent` (none: nothing is pruned).
  explicit BoundRounds(std::optional<Score> incumbent) : incumbent_(incumbent), threshold_(incumbent) {}

  /// Rounds from `root` (rest(0), the bound on every plan) up to `incumbent`.
  BoundRounds(Score root, Score incumbent)
      : incumbent_(incumbent),
        step_(std::max<std::uint64_t>(root.first / 4096, 1)),
        threshold_(Score{saturating_add(root.first, step_), UINT64_MAX}),
        proven_(root) {
    if (!(*threshold_ < *incumbent_)) threshold_ = incumbent_;
  }

  /// Does the round skip a transition of this reach? Keeps the least skipped.
  bool prunes(const Score& reach) {
    if (!threshold_ || !(*threshold_ < reach)) return false;
    if (!skipped_ || reach < *skipped_) skipped_ = reach;
    return true;
  }

  /// The round's threshold (none: nothing is pruned).
  const std::optional<Score>& threshold() const { return threshold_; }
  /// The best plan's score known before this round (none: no plan known).
  const std::optional<Score>& incumbent() const { return incumbent_; }
  /// Is this round below the incumbent (so not the last one)?
  bool below_incumbent() const { return threshold_ && incumbent_ && *threshold_ < *incumbent_; }
  /// A bound on every plan the rounds before proved (none: one round only).
  const std::optional<Score>& proven() const { return proven_; }

  /// A bound on every plan when the round is stopped with `unexpanded`, the
  /// least g + h of the states not expanded yet: the plans the round skipped
  /// score at least the least reach skipped, and the earlier rounds' bound holds.
  Score stopped_bound(Score unexpanded) const {
    Score bound = skipped_ ? std::min(unexpanded, *skipped_) : unexpanded;
    return proven_ ? std::max(bound, *proven_) : bound;
  }

  /// Ends a round that ran to the end and found a plan scoring `found` (none:
  /// no plan kept whole). True if it is the last round: its plan is the optimum
  /// (or no plan exists). Otherwise the next round is set up, and `improved`
  /// tells whether `found` is the new incumbent.
  bool finish(const std::optional<Score>& found, bool& improved) {
    improved = false;
    // A round that skipped nothing searched the whole space: its plan (or that none exists) is the answer.
    if (!below_incumbent() || !skipped_ || (found && !(*threshold_ < *found))) return true;
    std::optional<Score> bound = skipped_;
    if (found && (!bound || *found < *bound)) bound = found;
    if (bound && *proven_ < *bound) proven_ = bound;
    if (found && *found < *incumbent_) {
      incumbent_ = found;
      improved = true;
    }
    skipped_.reset();
    step_ = saturating_add(step_, std::max<std::uint64_t>(step_ / 4, 1));
    threshold_ = Score{std::max(saturating_add(threshold_->first, step_), proven_->first), UINT64_MAX};
    if (!(*threshold_ < *incumbent_)) threshold_ = incumbent_;
    return false;
  }

 private:
  std::optional<Score> incumbent_;
  std::uint64_t step_ = 0;
  std::optional<Score> threshold_;
  std::optional<Score> proven_;
  std::optional<Score> skipped_;  ///< the least reach this round skipped
};

}  // namespace pinfuse::detail
