#pragma once
// The reference accelerator's SPM buffers in GroupCost::buffers
// (docs/plan-format.md): one name each for the cost model, its command
// emitter, the tool and the tests.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace pinfuse {

/// What a buffer of the reference accelerator holds, in the order a group lists them.
enum class BufferKind {
  weights,  ///< the group's weights: resident, the streamed layer's, or weight chunks (one per group)
  tmp,      ///< a tile of an intermediate read later in the group (with halo caching, a ring)
  in,       ///< a tile of a DRAM input
  out,      ///< a tile of a DRAM output
};

/// The kind's name, or the prefix of its buffers' names: "weights", "tmp:", "in:", "out:".
constexpr std::string_view buffer_prefix(BufferKind kind) {
  constexpr std::array<std::string_view, 4> prefixes{"weights", "tmp:", "in:", "out:"};
  return prefixes[static_cast<std::size_t>(kind)];
}

/// A buffer's name: "weights" (one per group), else the prefix and the FM's name ("in:conv3").
inline std::string buffer_name(BufferKind kind, std::string_view fm_name) {
  std::string name(buffer_prefix(kind));
  if (kind != BufferKind::weights) name += fm_name;
  return name;
}

}  // namespace pinfuse
