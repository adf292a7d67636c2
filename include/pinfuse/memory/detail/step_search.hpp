#pragma once
// The allocator's search by steps (memory/allocator.hpp, steps 2a and 3):
// buffers placed below a limit, briefly before the squeaky-wheel rounds and
// with the whole budget where neither the brief search nor the rounds placed them.
//
// A plan's layout (plan/layout.hpp) has buffers of two kinds: pinned FMs,
// alive over several steps, and each group's buffers, alive at one step. Once
// the buffers that live longer have their places, those of one step only have
// to be packed into the gaps left at that step: a small bin packing (a group
// has a few buffers). So the search sweeps the steps in order. At each step it
// places the buffers that start there and live longer, largest first, each at
// the top or the bottom of a gap free over its whole lifetime (as high as it
// can go first: what lives long gathers at the top and leaves the bottom whole
// for the one-step buffers), and keeps a place only if at every step of the buffer's
// lifetime what is alive there and has no place yet still packs into the gaps
// (a necessary condition: a place that fragments a later step fails at once,
// not when the sweep gets there). Then it packs the step's one-step buffers
// into the step's gaps, exactly; on failure it goes back to the last place it
// chose and tries the next. Every place tried and every buffer put into a gap
// (the packings' too) is a node; the search gives up once it has spent its
// budget. It tries only the ends of gaps (a buffer that has to sit between
// two placed after it is not found: 1 of 3,000 random instances of 5-9
// buffers placeable at the lower bound; none of tests/test_allocator.cpp's
// 1,095 of 4-8), so finding none is no proof that none exists.
//
// Real plans whose pins the rounds could not place (torchvision's
// Inception-v3, EfficientNetV2-S and DenseNet-201 at 512 KiB, DenseNet-121
// at 1 MiB: tests/data/fragmented_layouts/; DenseNet-169 at 512 KiB too) fit
// this way in 0.1-11 ms; the rounds fit them only when let run 50,000
// rounds, 20,000 in a row without a lower peak (0.4 s for Inception-v3;
// DenseNet-201 with one seed of 32), where they stop after 1,000 such.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "pinfuse/core/align.hpp"
#include "pinfuse/memory/allocation_request.hpp"
#include "pinfuse/memory/detail/gaps.hpp"

namespace pinfuse::detail {

class StepSearch {
 public:
  /// `limit`: every buffer ends at or below it [B]; `nodes`: the budget.
  StepSearch(std::span<const AllocationRequest> requests, std::uint64_t limit, std::uint64_t alignment, std::size_t nodes)
      : requests_(requests), limit_(limit), alignment_(alignment), budget_(nodes) {}

  /// Aligned offsets, per request, that keep every buffer below the limit and
  /// apart from those alive with it; nullopt when the search found none
  /// within its budget.
  std::optional<std::vector<std::uint64_t>> run() {
    const std::size_t n = requests_.size();
    nodes_ = 0;
    spent_ = false;
    offsets_.assign(n, 0);
    size_.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      size_[r] = align_up(requests_[r].bytes, alignment_);
      if (size_[r] > limit_) return std::nullopt;
    }
    const std::size_t steps = step_count(requests_);
    placed_at_.assign(steps, {});
    one_step_at_.assign(steps, {});
    longer_at_.assign(steps, {});
    placed_.assign(n, 0);
    seen_.assign(n, 0);
    std::vector<std::vector<std::size_t>> starting(steps);  // buffers living longer, by first step
    for (std::size_t r = 0; r < n; ++r) {
      if (size_[r] == 0) continue;  // takes no room: offset 0
      const AllocationRequest& q = requests_[r];
      (q.first_step == q.last_step ? one_step_at_ : starting)[q.first_step].push_back(r);
      if (q.first_step < q.last_step)
        for (std::size_t s = q.first_step; s <= q.last_step; ++s) longer_at_[s].push_back(r);
    }
    const auto larger_first = [&](std::size_t a, std::size_t b) { return size_[a] > size_[b]; };
    std::vector<Event> events;  // per step: its longer buffers placed, then its one-step buffers packed
    for (std::size_t s = 0; s < steps; ++s) {
      std::stable_sort(starting[s].begin(), starting[s].end(), larger_first);
      std::stable_sort(one_step_at_[s].begin(), one_step_at_[s].end(), larger_first);
      for (const std::size_t r : starting[s]) events.push_back({r, s, false});
      events.push_back({0, s, true});
    }
    // Depth-first over the places of the longer buffers; one frame per buffer placed.
    struct Frame {
      std::size_t event;
      std::vector<std::uint64_t> places;
      std::size_t next = 0;  ///< the place to try after the current one
    };
    std::vector<Frame> frames;
    // The next place of f's buffer after which every step of its lifetime can still hold what is alive there.
    const auto try_next = [&](Frame& f) {
      const std::size_t r = events[f.event].request;
      while (f.next < f.places.size() && spend()) {
        place(r, f.places[f.next++]);
        if (room_left_over(r)) return true;
        unplace(r);
      }
      return false;
    };
    for (std::size_t e = 0; e < events.size();) {
      const Event& event = events[e];
      if (event.pack) {
        if (pack(event.step)) {
          ++e;
          continue;
        }
      } else {
        frames.push_back({e, places_for(event.request)});
        if (try_next(frames.back())) {
          ++e;
          continue;
        }
        frames.pop_back();
      }
      for (;;) {  // back to the last buffer placed that has another place to try
        if (frames.empty() || spent_) return std::nullopt;
        Frame& f = frames.back();
        unplace(events[f.event].request);
        if (try_next(f)) {
          e = f.event + 1;
          break;
        }
        frames.pop_back();
      }
    }
    return offsets_;
  }

 private:
  using Range = std::pair<std::uint64_t, std::uint64_t>;  ///< [begin, end) [B]
  struct Event {
    std::size_t request;  ///< a longer buffer to place (pack: unused)
    std::size_t step;
    bool pack;  ///< pack the one-step buffers of `step`
  };

  /// Counts a node; false once the budget is spent.
  bool spend() {
    if (nodes_ == budget_) spent_ = true;
    else ++nodes_;
    return !spent_;
  }

  /// The gaps below the limit that `busy` leaves, in address order.
  std::vector<Range> gaps(std::vector<Range>& busy) const {
    std::sort(busy.begin(), busy.end());
    std::vector<Range> free;
    const std::uint64_t top = for_each_gap(busy, [&](std::uint64_t begin, std::uint64_t end) { free.emplace_back(begin, end); });
    if (top < limit_) free.emplace_back(top, limit_);
    return free;
  }
  Range range_of(std::size_t r) const { return {offsets_[r], offsets_[r] + size_[r]}; }

  /// Where longer buffer `r` may go: the ends of each gap free over its whole
  /// lifetime that holds it, as high as it can go first: the highest gap
  /// first, its top before its bottom.
  std::vector<std::uint64_t> places_for(std::size_t r) {
    ++stamp_;
    std::vector<Range> busy;
    for (std::size_t s = requests_[r].first_step; s <= requests_[r].last_step; ++s)
      for (const std::size_t other : placed_at_[s])
        if (seen_[other] != stamp_) {
          seen_[other] = stamp_;
          busy.push_back(range_of(other));
        }
    std::vector<Range> free = gaps(busy);
    std::vector<std::uint64_t> places;
    for (auto g = free.rbegin(); g != free.rend(); ++g) {  // the highest gap first
      const auto [begin, end] = *g;
      if (end - begin < size_[r]) continue;
      const std::uint64_t top = (end - size_[r]) / alignment_ * alignment_;  // the limit may be unaligned
      places.push_back(top);
      if (top != begin) places.push_back(begin);
    }
    return places;
  }

  void place(std::size_t r, std::uint64_t offset) {
    offsets_[r] = offset;
    placed_[r] = 1;
    for (std::size_t s = requests_[r].first_step; s <= requests_[r].last_step; ++s) placed_at_[s].push_back(r);
  }
  /// Undoes place(r): r is the last buffer placed at each of its steps.
  void unplace(std::size_t r) {
    placed_[r] = 0;
    for (std::size_t s = requests_[r].first_step; s <= requests_[r].last_step; ++s) placed_at_[s].pop_back();
  }

  /// The room at step `s`: per gap the placed buffers leave there [B]; `free`: the gaps.
  std::vector<std::uint64_t> room_at(std::size_t s, std::vector<Range>& free) const {
    std::vector<Range> busy;
    for (const std::size_t r : placed_at_[s]) busy.push_back(range_of(r));
    free = gaps(busy);
    std::vector<std::uint64_t> room;
    for (const auto& [begin, end] : free) room.push_back(end - begin);
    return room;
  }

  /// Whether, at every step of the lifetime of `r` (just placed), the buffers
  /// alive there that have no place yet fit into the gaps the placed ones leave,
  /// as a bin packing: a necessary condition (each will also need its gap free
  /// at its other steps) that fails as soon as a place leaves some later step
  /// too fragmented, not when the sweep gets there.
  bool room_left_over(std::size_t r) {
    std::vector<Range> free;
    std::vector<std::uint64_t> sizes;
    for (std::size_t s = requests_[r].first_step; s <= requests_[r].last_step; ++s) {
      sizes.clear();
      for (const std::size_t q : one_step_at_[s]) sizes.push_back(size_[q]);
      for (const std::size_t q : longer_at_[s])
        if (!placed_[q]) sizes.push_back(size_[q]);
      if (sizes.empty()) continue;
      std::sort(sizes.begin(), sizes.end(), std::greater<>());
      std::vector<std::uint64_t> room = room_at(s, free);
      std::vector<std::size_t> gap_of(sizes.size());
      if (!assign(sizes, 0, room, gap_of)) return false;
    }
    return true;
  }

  /// Packs the one-step buffers of step `s` into the gaps the longer ones
  /// leave there (exact, within the budget) and sets their offsets: each
  /// gap's buffers from its bottom up.
  bool pack(std::size_t s) {
    const std::vector<std::size_t>& items = one_step_at_[s];  // largest first
    if (items.empty()) return true;
    std::vector<Range> free;
    std::vector<std::uint64_t> room = room_at(s, free);
    std::vector<std::uint64_t> sizes;
    for (const std::size_t q : items) sizes.push_back(size_[q]);
    std::vector<std::size_t> gap_of(items.size());
    if (!assign(sizes, 0, room, gap_of)) return false;
    std::vector<std::uint64_t> cursor;
    for (const auto& [begin, end] : free) cursor.push_back(begin);
    for (std::size_t k = 0; k < items.size(); ++k) {
      offsets_[items[k]] = cursor[gap_of[k]];
      cursor[gap_of[k]] += size_[items[k]];
    }
    return true;
  }
  /// Puts items of `sizes[k...]` (largest first) into gaps with `room` left
  /// (depth-first). Two gaps with the same room left are alike to the items
  /// still to put, and so are two items of one size: the second goes into a
  /// gap no earlier than the first's.
  bool assign(const std::vector<std::uint64_t>& sizes, std::size_t k, std::vector<std::uint64_t>& room,
              std::vector<std::size_t>& gap_of) {
    if (k == sizes.size()) return true;
    const std::uint64_t size = sizes[k];
    const std::size_t first = k > 0 && sizes[k - 1] == size ? gap_of[k - 1] : 0;
    for (std::size_t g = first; g < room.size(); ++g) {
      if (room[g] < size || std::find(room.begin() + std::ptrdiff_t(first), room.begin() + std::ptrdiff_t(g), room[g]) !=
                                room.begin() + std::ptrdiff_t(g))
        continue;
      if (!spend()) return false;
      room[g] -= size;
      gap_of[k] = g;
      if (assign(sizes, k + 1, room, gap_of)) return true;
      room[g] += size;
    }
    return false;
  }

  std::span<const AllocationRequest> requests_;
  std::uint64_t limit_, alignment_;
  std::size_t budget_, nodes_ = 0;
  bool spent_ = false;
  std::vector<std::uint64_t> size_;                     ///< per request, aligned [B]
  std::vector<std::uint64_t> offsets_;                  ///< per request [B]
  std::vector<std::vector<std::size_t>> placed_at_;     ///< per step: the longer buffers placed alive there
  std::vector<std::vector<std::size_t>> one_step_at_;   ///< per step: its one-step buffers, largest first
  std::vector<std::vector<std::size_t>> longer_at_;     ///< per step: the longer buffers alive there
  std::vector<char> placed_;                            ///< per request: a longer buffer with a place now
  std::vector<std::size_t> seen_;                       ///< per request: the stamp of the last places_for that met it
  std::size_t stamp_ = 0;
};

}  // namespace pinfuse::detail
