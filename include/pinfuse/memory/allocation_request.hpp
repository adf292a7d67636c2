#pragma once
// What the SPM allocator (memory/allocator.hpp) places: a buffer's bytes and
// the steps it is alive; and a whole question to it (io/allocation_text.hpp
// reads and writes them).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pinfuse {

struct AllocationRequest {
  std::uint64_t bytes = 0;
  std::size_t first_step = 0;  ///< first step the buffer is alive
  std::size_t last_step = 0;   ///< last step it is alive (inclusive)
};

/// An allocator's question: these buffers within `capacity` bytes, at multiples of `alignment`.
struct AllocationInstance {
  std::uint64_t capacity = 0;   ///< [B]
  std::uint64_t alignment = 1;  ///< [B], at least 1
  std::vector<AllocationRequest> requests;
};

}  // namespace pinfuse
