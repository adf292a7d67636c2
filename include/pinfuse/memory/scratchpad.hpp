#pragma once
// The bundled MemoryConstraint: a flat SPM of `size` bytes, a reserved part
// (e.g. for the runtime's stack or command queue) and an address alignment.
#include <cstdint>
#include <span>

#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/error.hpp"

namespace pinfuse {

class Scratchpad {
 public:
  Scratchpad(std::uint64_t size_bytes, std::uint64_t alignment_bytes = 1, std::uint64_t reserved_bytes = 0)
      : size_(size_bytes), alignment_(alignment_bytes), reserved_(reserved_bytes) {
    if (alignment_ == 0) throw input_error("spm", "alignment must be >= 1 byte");
    if (reserved_ >= size_) throw input_error("spm", "reserved bytes leave no usable SPM");
  }
  std::uint64_t capacity() const { return size_ - reserved_; }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t aligned(std::uint64_t bytes) const { return align_up(bytes, alignment_); }
  /// Flat SPM: buffers fit together when their aligned sizes add up to at most the capacity.
  bool fits(std::span<const std::uint64_t> sizes) const {
    std::uint64_t sum = 0;
    for (const std::uint64_t s : sizes) sum += aligned(s);
    return sum <= capacity();
  }

 private:
  std::uint64_t size_;
  std::uint64_t alignment_;
  std::uint64_t reserved_;
};
static_assert(MemoryConstraint<Scratchpad>);

}  // namespace pinfuse
