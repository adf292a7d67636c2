#pragma once
// Rounding a byte count up to an alignment: SPM buffers, DRAM regions.
#include <cstdint>

namespace pinfuse {

/// `bytes` rounded up to a multiple of `alignment` (> 0) [B]. Callers keep
/// `bytes` below quantity_limit (core/checked.hpp), so the sum cannot wrap.
constexpr std::uint64_t align_up(std::uint64_t bytes, std::uint64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

}  // namespace pinfuse
