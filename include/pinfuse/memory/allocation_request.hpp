#pragma once
// What the SPM allocator (memory/allocator.hpp) places: a buffer's bytes and
// the steps it is alive.
#include <cstddef>
#include <cstdint>

namespace pinfuse {

struct AllocationRequest {
  std::uint64_t bytes = 0;
  std::size_t first_step = 0;  ///< first step the buffer is alive
  std::size_t last_step = 0;   ///< last step it is alive (inclusive)
};

}  // namespace pinfuse
