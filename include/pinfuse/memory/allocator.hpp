#pragma once
// SPM address allocation, usable on its own: buffers with sizes and lifetimes
// (inclusive step ranges) get aligned offsets such that two buffers alive at
// the same step never overlap.
//
//   1. Greedy best fit, largest first: each buffer goes into the smallest gap
//      left by the already placed buffers it shares a step with (or on top).
//   2. Fit (only while the peak is above `fit_within`, e.g. the SPM capacity):
//      a. the search by steps (step 3) within first_search_nodes (64 Ki nodes):
//         five of the seven layouts in tests/data/fragmented_layouts/ fit so in
//         0.1-3 ms, where the rounds below spent up to 0.57 s (DenseNet-201's
//         2,345 buffers) before they gave up;
//      b. squeaky-wheel rounds. Every buffer that ends above `fit_within` moves to
//      a random earlier place in the order, and best fit runs again. Real plans
//      whose pins fragment the SPM (benchmarks/results/address_repairs.md) fit
//      within a few hundred rounds (the zoo's three layouts in
//      tests/data/fragmented_layouts/: 10, 100 and 300), where hill climbing
//      (step 4) needed up to 50,000 swaps. The rounds stop once fit_patience
//      of them in a row found no lower peak (DenseNet-169 at 512 KiB, 1,522
//      buffers: 0.19 ms a round): a layout that does not fit then goes to step 3.
//   3. Search by steps (only while the peak is still above `fit_within`;
//      memory/detail/step_search.hpp): the steps swept in order, the buffers
//      that live longer placed at the ends of gaps and each step's one-step
//      buffers packed exactly into the gaps left, backtracking, within a
//      budget of nodes (1 M: about 0.1 s when it finds nothing; step 2a is
//      this search with a smaller budget). Real plans the rounds gave up on
//      (torchvision's Inception-v3, EfficientNetV2-S, DenseNet-169 and
//      DenseNet-201 at 512 KiB, DenseNet-121 at 1 MiB; the four torchvision_*
//      layouts in tests/data/fragmented_layouts/) fit so, all but DenseNet-121's
//      (2^18 to 2^19 nodes, 11 ms) already in step 2a; the solver's address
//      repair then has nothing to repair. Its layout places pins high; then
//      each buffer, lowest first, moves down to the lowest gap that holds it
//      (none moves up, so it still fits), which brings the peak down to the
//      lower bound on most real plans.
//   4. Improvement: hill climbing over the placement order (swap two buffers,
//      keep the order if the peak does not grow), a fixed number of rounds; by
//      best fit, or where a search placed the buffers, by lowest fit from its
//      layout's order (it lowered 11 of the 13 zoo plans whose layout after the
//      move down stayed above the lower bound, 7 of them to it: quality.md).
// The rounds use a fixed seed, so results are reproducible (unless a deadline
// cuts them short: AllocationOptions::deadline).
// The peak can never be below the lower bound, the most aligned bytes alive at
// one step; Allocation reports both.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "pinfuse/core/align.hpp"
#include "pinfuse/memory/allocation_request.hpp"
#include "pinfuse/memory/detail/gaps.hpp"
#include "pinfuse/memory/detail/step_search.hpp"

namespace pinfuse {

struct Allocation {
  std::vector<std::uint64_t> offsets;  ///< per request, aligned
  std::uint64_t peak = 0;              ///< highest end address used (bytes)
  std::uint64_t lower_bound = 0;       ///< most aligned bytes alive at one step
};

/// How hard allocate() tries: its rounds and search (steps 2 to 4 above) and their seed.
struct AllocationEffort {
  std::size_t improvement_rounds = 200;  ///< hill-climbing swaps tried; 0 = none
  std::uint32_t seed = 1;
  std::size_t fit_rounds = 5000;    ///< squeaky-wheel rounds tried while the peak is above fit_within
  std::size_t fit_patience = 1000;  ///< ... and until this many in a row found no lower peak
  std::size_t search_nodes = std::size_t(1) << 20;  ///< the search by steps' budget (about 0.1 us a node); 0 = no search
  std::size_t first_search_nodes = std::size_t(1) << 16;  ///< ... of which it may spend this many before the rounds
};

struct AllocationOptions {
  std::uint64_t alignment = 1;
  AllocationEffort effort{};
  std::uint64_t fit_within = UINT64_MAX;  ///< a peak to reach first (bytes), e.g. the SPM capacity
  /// Set (e.g. a solve's time limit): past it, the fit and the improvement
  /// each stop after at least kRoundsPastDeadline rounds (tens of ms) rather
  /// than run all theirs (5000 fit rounds of a 100-group plan took 370 ms),
  /// and a search by steps that starts past it spends at most kNodesPastDeadline.
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  static constexpr std::size_t kRoundsPastDeadline = 300;
  static constexpr std::size_t kNodesPastDeadline = 30000;
};

/// The options that ask allocate() to fit `instance`'s buffers within its capacity, at its alignment
/// (the default effort, no deadline).
inline AllocationOptions options_to_fit(const AllocationInstance& instance) {
  AllocationOptions options;
  options.alignment = instance.alignment;
  options.fit_within = instance.capacity;
  return options;
}

namespace detail {

inline bool alive_together(const AllocationRequest& a, const AllocationRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

/// The buffers in the order of their `offsets`, lowest first (ties: request order).
inline std::vector<std::size_t> lowest_first(const std::vector<std::uint64_t>& offsets) {
  std::vector<std::size_t> order(offsets.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
  return order;
}

/// Where place_in_order() puts a buffer among the gaps the buffers placed before
/// it leave free at its steps: the smallest gap that holds it, or the lowest.
enum class Fit { best, lowest };

/// Places requests in `order`, each in the gap `fit` says or else on top (one of
/// no bytes at 0); returns the offsets and the peak. The placed buffers are
/// indexed by step, so a buffer meets only those alive in its own steps:
/// O(sum over buffers of lifetime x buffers alive), not O(n^2).
inline Allocation place_in_order(std::span<const AllocationRequest> requests, const std::vector<std::size_t>& order,
                                 std::uint64_t alignment, Fit fit = Fit::best) {
  Allocation a;
  a.offsets.assign(requests.size(), 0);
  std::vector<std::vector<std::size_t>> placed_at(step_count(requests));  // placed buffers alive at each step
  std::vector<std::size_t> met_by(requests.size(), requests.size());  // the last request that listed a buffer as busy
  std::vector<std::pair<std::uint64_t, std::uint64_t>> busy;  // [begin, end) of conflicting buffers
  for (const std::size_t r : order) {
    const std::uint64_t size = align_up(requests[r].bytes, alignment);
    if (size == 0) continue;  // no bytes: at 0, where it overlaps nothing
    busy.clear();
    for (std::size_t step = requests[r].first_step; step <= requests[r].last_step; ++step)
      for (const std::size_t p : placed_at[step])
        if (met_by[p] != r) {
          met_by[p] = r;
          busy.emplace_back(a.offsets[p], a.offsets[p] + align_up(requests[p].bytes, alignment));
        }
    std::sort(busy.begin(), busy.end());
    // The smallest (or the lowest) gap between busy ranges that holds the buffer; else on top.
    std::uint64_t best_offset = 0, best_gap = ~std::uint64_t(0);
    bool found = false;
    const std::uint64_t top = for_each_gap(busy, [&](std::uint64_t begin, std::uint64_t end) {
      const bool better = fit == Fit::lowest ? !found : end - begin < best_gap;
      if (end - begin >= size && better) {
        best_gap = end - begin;
        best_offset = begin;
        found = true;
      }
    });
    a.offsets[r] = found ? best_offset : top;
    a.peak = std::max(a.peak, a.offsets[r] + size);
    for (std::size_t step = requests[r].first_step; step <= requests[r].last_step; ++step) placed_at[step].push_back(r);
  }
  return a;
}

/// One squeaky-wheel round: each buffer of `order` that `a` places past
/// `fit_within` moves to a random place before its own (the front stays).
inline void promote_squeaky(std::span<const AllocationRequest> requests, const Allocation& a, std::uint64_t fit_within,
                            std::uint64_t alignment, std::vector<std::size_t>& order, std::mt19937& rng) {
  for (std::size_t at = 1; at < order.size(); ++at) {
    const std::size_t r = order[at];
    if (a.offsets[r] + align_up(requests[r].bytes, alignment) <= fit_within) continue;
    const std::size_t to = std::uniform_int_distribution<std::size_t>(0, at - 1)(rng);
    std::rotate(order.begin() + static_cast<std::ptrdiff_t>(to), order.begin() + static_cast<std::ptrdiff_t>(at),
                order.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
}

}  // namespace detail

/// Most aligned bytes alive at any one step: no allocation can do better.
inline std::uint64_t allocation_lower_bound(std::span<const AllocationRequest> requests, std::uint64_t alignment) {
  const std::size_t steps = detail::step_count(requests);
  std::vector<std::uint64_t> live(steps + 1, 0);  // difference array over steps
  for (const AllocationRequest& r : requests) {
    const std::uint64_t size = align_up(r.bytes, alignment);
    live[r.first_step] += size;
    live[r.last_step + 1] -= size;
  }
  std::uint64_t now = 0, most = 0;
  for (std::size_t s = 0; s < steps; ++s) most = std::max(most, now += live[s]);
  return most;
}

inline Allocation allocate(std::span<const AllocationRequest> requests, const AllocationOptions& opt = {}) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties: longer lifetime first, then request order.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto key = [&](std::size_t i) {
      return std::pair(requests[i].bytes, requests[i].last_step - requests[i].first_step);
    };
    return key(a) > key(b);
  });
  Allocation best = detail::place_in_order(requests, order, opt.alignment);
  const auto late = [&](std::size_t round) {
    return opt.deadline && round >= AllocationOptions::kRoundsPastDeadline && std::chrono::steady_clock::now() >= *opt.deadline;
  };
  const std::uint64_t bound = allocation_lower_bound(requests, opt.alignment);
  std::mt19937 rng(opt.effort.seed);
  // The search by steps within `nodes` (at most kNodesPastDeadline past the deadline), while the peak is above
  // fit_within and unless an earlier search spent as many: its placement, if it finds one, is the allocation.
  detail::Fit fit = detail::Fit::best;  // how `order` places the buffers: lowest fit once a search placed them
  std::size_t searched_nodes = 0;  // the budget of the last search that found nothing
  const auto search = [&](std::size_t nodes) {
    if (opt.deadline && std::chrono::steady_clock::now() >= *opt.deadline)
      nodes = std::min(nodes, AllocationOptions::kNodesPastDeadline);
    if (best.peak <= std::max(opt.fit_within, bound) || nodes <= searched_nodes) return;
    std::optional<std::vector<std::uint64_t>> offsets = detail::StepSearch(requests, opt.fit_within, opt.alignment, nodes).run();
    if (!offsets) {
      searched_nodes = nodes;
      return;
    }
    // Its layout places pins high: each buffer, lowest first, moves down to the lowest gap of those below it.
    // None moves up (its own place is still free: whatever lay below it and shares a step with it only moved
    // down), so the layout still fits; its peak drops to the lower bound on most real plans.
    order = detail::lowest_first(*offsets);
    fit = detail::Fit::lowest;
    best = detail::place_in_order(requests, order, opt.alignment, fit);
  };
  // 2a. the search by steps, briefly: most fragmented plans it places in a few ms, where the rounds spend
  // up to 0.5 s before they give up (tests/data/fragmented_layouts, solve_bench's allocate/)
  search(std::min(opt.effort.search_nodes, opt.effort.first_search_nodes));
  // 2b. fit: the order and placement of the last round, kept once it fits (or the best seen)
  std::vector<std::size_t> best_order = order;
  Allocation last = best;
  std::size_t since_lower = 0;  // rounds in a row that found no lower peak
  for (std::size_t round = 0; round < opt.effort.fit_rounds && since_lower < opt.effort.fit_patience &&
                              best.peak > std::max(opt.fit_within, bound) && !late(round);
       ++round) {
    detail::promote_squeaky(requests, last, opt.fit_within, opt.alignment, order, rng);
    last = detail::place_in_order(requests, order, opt.alignment);
    if (last.peak < best.peak) {
      best = last;
      best_order = order;
      since_lower = 0;
    } else {
      ++since_lower;
    }
  }
  order = std::move(best_order);
  // 3. the search by steps with its whole budget (the brief one found nothing)
  search(opt.effort.search_nodes);
  // 4. improvement
  for (std::size_t round = 0;
       round < opt.effort.improvement_rounds && best.peak > bound && order.size() > 1 && !late(round); ++round) {
    std::uniform_int_distribution<std::size_t> pick(0, order.size() - 1);
    const std::size_t i = pick(rng), j = pick(rng);
    if (i == j) continue;
    std::swap(order[i], order[j]);
    Allocation next = detail::place_in_order(requests, order, opt.alignment, fit);
    if (next.peak <= best.peak) best = std::move(next);
    else std::swap(order[i], order[j]);
  }
  best.lower_bound = bound;
  return best;
}

/// True if every buffer lies in [0, capacity), is aligned, and no two buffers
/// alive at the same step overlap. O(n^2); for checks and tests.
inline bool allocation_is_valid(std::span<const AllocationRequest> requests, std::span<const std::uint64_t> offsets,
                                std::uint64_t capacity, std::uint64_t alignment) {
  if (offsets.size() != requests.size()) return false;
  for (std::size_t a = 0; a < requests.size(); ++a) {
    if (offsets[a] % alignment != 0 || offsets[a] + requests[a].bytes > capacity) return false;
    for (std::size_t b = a + 1; b < requests.size(); ++b)
      if (detail::alive_together(requests[a], requests[b]) && requests[a].bytes > 0 && requests[b].bytes > 0 &&
          offsets[a] < offsets[b] + requests[b].bytes && offsets[b] < offsets[a] + requests[a].bytes)
        return false;
  }
  return true;
}

}  // namespace pinfuse
