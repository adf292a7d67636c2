#pragma once
// What the allocator's placements (memory/allocator.hpp: best fit; the search
// by steps, memory/detail/step_search.hpp) both need: the steps requests span
// and the gaps that placed buffers leave.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "pinfuse/memory/allocation_request.hpp"

namespace pinfuse::detail {

/// The number of steps the requests span: the last step alive + 1.
inline std::size_t step_count(std::span<const AllocationRequest> requests) {
  std::size_t steps = 0;
  for (const AllocationRequest& r : requests) steps = std::max(steps, r.last_step + 1);
  return steps;
}

/// Calls on_gap(begin, end) for each gap [begin, end) between the ranges of
/// `busy` (sorted by begin; they may overlap), in address order, and returns
/// where the last of them ends: the free space from there up is unbounded.
template <class OnGap>
std::uint64_t for_each_gap(std::span<const std::pair<std::uint64_t, std::uint64_t>> busy, OnGap&& on_gap) {
  std::uint64_t cursor = 0;
  for (const auto& [begin, end] : busy) {
    if (begin > cursor) on_gap(cursor, begin);
    cursor = std::max(cursor, end);
  }
  return cursor;
}

}  // namespace pinfuse::detail
