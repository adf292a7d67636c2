// Allocation instances as text (io/allocation_text.hpp) -> read_allocation_instance, then the
// allocator within the capacity: its offsets must be aligned and never overlap, its peak must be
// where its buffers end, at or above its lower bound and at or below best fit's alone.
#include <string_view>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pinfuse;
  return fuzz::run([&] {
    const AllocationInstance in =
        read_allocation_instance(std::string_view(reinterpret_cast<const char*>(data), size), "input");
    // The allocator's rounds cost about their buffer-steps each and its tables their steps: only instances
    // that take milliseconds.
    std::uint64_t buffer_steps = 0;
    for (const AllocationRequest& r : in.requests) buffer_steps += r.last_step - r.first_step + 1;
    if (buffer_steps > 4096 || detail::step_count(in.requests) > 4096) return;
    AllocationOptions options = options_to_fit(in);
    // Every step of the allocator, with less effort than its default (1,000 rounds and more of 2,345 buffers: 10 s here).
    options.effort.fit_rounds = 50;
    options.effort.fit_patience = 25;
    options.effort.improvement_rounds = 10;
    options.effort.search_nodes = 1 << 14;
    options.effort.first_search_nodes = 1 << 12;
    const Allocation a = allocate(in.requests, options);
    std::uint64_t end = 0;  // where the highest buffer ends [B]
    for (std::size_t k = 0; k < in.requests.size(); ++k)
      end = std::max(end, a.offsets[k] + align_up(in.requests[k].bytes, in.alignment));
    if (!allocation_is_valid(in.requests, a.offsets, a.peak, in.alignment))
      fuzz::finding("an allocation overlaps, is misaligned or passes its peak");
    if (a.peak != end) fuzz::finding("an allocation's peak is not where its highest buffer ends");
    if (a.peak < a.lower_bound) fuzz::finding("an allocation's peak is below its lower bound");
    if (a.lower_bound != allocation_lower_bound(in.requests, in.alignment))
      fuzz::finding("an allocation's lower bound is not allocation_lower_bound");
    AllocationOptions greedy;  // best fit alone: no rounds, no search, no hill climbing
    greedy.alignment = in.alignment;
    greedy.effort.improvement_rounds = greedy.effort.fit_rounds = greedy.effort.search_nodes = 0;
    if (a.peak > allocate(in.requests, greedy).peak) fuzz::finding("an allocation's peak is above best fit's alone");
  });
}
