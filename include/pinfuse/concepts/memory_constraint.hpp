#pragma once
// The MemoryConstraint concept: what the SPM can hold.
//
//   std::uint64_t m.capacity() const          usable bytes (reserved regions excluded)
//   std::uint64_t m.alignment() const         every buffer starts on a multiple of this
//   std::uint64_t m.aligned(bytes) const      bytes rounded up to the alignment
//   bool m.fits(std::span<const uint64_t>) const  can buffers of these sizes (bytes, not yet
//                                                  aligned) be live together? The model aligns them;
//                                                  the answer depends on the sizes, not their order.
//
// memory/scratchpad.hpp has the bundled model (capacity + alignment + reserved bytes).
#include <concepts>
#include <cstdint>
#include <span>

namespace pinfuse {

template <class M>
concept MemoryConstraint = requires(const M& m, std::uint64_t bytes, std::span<const std::uint64_t> sizes) {
  { m.capacity() } -> std::convertible_to<std::uint64_t>;
  { m.alignment() } -> std::convertible_to<std::uint64_t>;
  { m.aligned(bytes) } -> std::convertible_to<std::uint64_t>;
  { m.fits(sizes) } -> std::convertible_to<bool>;
};

}  // namespace pinfuse
