#pragma once
// Gives a plan SPM addresses: pinned FMs live over their groups, each group's
// buffers over that group alone (steps = groups), laid out by the allocator.
#include <chrono>
#include <optional>
#include <vector>

#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/memory/allocator.hpp"
#include "pinfuse/plan/plan.hpp"

namespace pinfuse {

/// The allocation requests of a plan: pinned FMs first, then every group's
/// buffers in order.
inline std::vector<AllocationRequest> layout_requests(const Plan& plan) {
  std::vector<AllocationRequest> requests;
  for (const PinnedFm& p : plan.pinned) requests.push_back({p.bytes, p.first_group, p.last_group});
  for (std::size_t g = 0; g < plan.groups.size(); ++g)
    for (const Buffer& b : plan.groups[g].cost.buffers) requests.push_back({b.bytes, g, g});
  return requests;
}

/// The plan's addresses, fitted within the SPM's capacity where the allocator
/// finds a way (memory/allocator.hpp, trying as hard as `effort` says); a peak
/// above it means it found none. Past `deadline` (a solve's time limit) the
/// allocator cuts its rounds short.
template <MemoryConstraint M>
SpmLayout lay_out(const Plan& plan, const M& spm,
                  std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
                  const AllocationEffort& effort = {}) {
  const std::vector<AllocationRequest> requests = layout_requests(plan);
  AllocationOptions options;
  options.effort = effort;
  options.alignment = spm.alignment();
  options.fit_within = spm.capacity();
  options.deadline = deadline;
  const Allocation a = allocate(requests, options);
  SpmLayout layout;
  layout.peak = a.peak;
  layout.lower_bound = a.lower_bound;
  std::size_t next = 0;
  for (std::size_t i = 0; i < plan.pinned.size(); ++i) layout.pinned.push_back(a.offsets[next++]);
  for (const PlannedGroup& g : plan.groups) {
    layout.buffers.emplace_back();
    for (std::size_t b = 0; b < g.cost.buffers.size(); ++b) layout.buffers.back().push_back(a.offsets[next++]);
  }
  return layout;
}

}  // namespace pinfuse
