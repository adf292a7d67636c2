#pragma once
// The first index where a monotone predicate holds, by galloping: for a
// predicate false below some index k and true from it on, asks indices
// 0, 1, 3, 7, ... until one holds (or the last does not), then bisects the
// last step: O(log k) questions, few where k is small (the common case of its
// callers: the first tile count that fits, the first layers that overflow the
// SPM), and a single one past the last step when none holds.
#include <algorithm>
#include <cstddef>

namespace pinfuse {

/// The least i in [0, n) with holds(i), or n if none; `holds` must be false
/// below that i and true from it on.
template <class Holds>
std::size_t first_holding(std::size_t n, Holds&& holds) {
  std::size_t lo = 0, next = 0;  // holds(i) is false for every i < lo; `next`: the next index the gallop asks
  for (; next < n && !holds(next); next = 2 * next + 1) lo = next + 1;
  std::size_t hi = next;  // holds(hi), if hi < n
  if (hi >= n) {
    if (lo == n || !holds(n - 1)) return n;
    hi = n - 1;
  }
  while (lo < hi) {  // holds(hi); the answer lies in [lo, hi]
    const std::size_t mid = lo + (hi - lo) / 2;
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

}  // namespace pinfuse
