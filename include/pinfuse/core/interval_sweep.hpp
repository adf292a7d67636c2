#pragma once
// Which items (pinned FMs, say) are alive in each of a run of windows that move
// forward (the groups of a plan, in order), without scanning every item per
// window: O(items log items + the sum of the answers) for the whole run.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace pinfuse {

/// An item alive over the inclusive interval [first, last] of some positions.
struct Interval {
  std::size_t item = 0;
  long long first = 0;
  long long last = 0;
};

class IntervalSweep {
 public:
  explicit IntervalSweep(std::vector<Interval> intervals) : pending_(std::move(intervals)) {
    std::sort(pending_.begin(), pending_.end(), [](const Interval& a, const Interval& b) { return a.first > b.first; });
  }

  /// The items alive somewhere in the window [begin, end) (first < end and
  /// last >= begin), in increasing item order. Windows must not move back:
  /// each `begin` at least the last one's.
  const std::vector<std::size_t>& alive(long long begin, long long end) {
    while (!pending_.empty() && pending_.back().first < end) {
      open_.push_back(pending_.back());
      pending_.pop_back();
    }
    std::erase_if(open_, [&](const Interval& i) { return i.last < begin; });
    items_.clear();
    for (const Interval& i : open_) items_.push_back(i.item);
    std::sort(items_.begin(), items_.end());
    return items_;
  }

 private:
  std::vector<Interval> pending_;  ///< not yet started, latest first
  std::vector<Interval> open_;     ///< started, not known to be over
  std::vector<std::size_t> items_;
};

}  // namespace pinfuse
