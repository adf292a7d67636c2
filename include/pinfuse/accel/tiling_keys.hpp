#pragma once
// The names of the reference accelerator's tiling choices in GroupCost::tiling
// (docs/reference-accelerator.md §5, §2a): one name each for the cost model,
// its command emitter, the tool, the reports and the tests.
#include <cstdint>

#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse::tiling_key {

inline constexpr const char* row_tiles = "row_tiles";                ///< T: row tiles of the group's outputs
inline constexpr const char* channel_chunks = "channel_chunks";      ///< output-channel chunks of a single layer (1: none)
inline constexpr const char* weights_streamed = "weights_streamed";  ///< 1: weights loaded per layer and tile (§5b)
inline constexpr const char* double_buffered = "double_buffered";    ///< 1: DMA overlaps compute (§6)
inline constexpr const char* halo_cached = "halo_cached";            ///< 1: overlap rows kept between tiles (§2a)
inline constexpr const char* cache_bytes = "cache_bytes";            ///< overlap rows carried between tiles, at most [B]
/// Groups in channel chunks only: 1 when they run input-stationary, tile-outer
/// and chunk-inner (each tile's input loaded once, the chunks' weights once per
/// tile), 0 chunk-outer (§5c).
inline constexpr const char* input_stationary = "input_stationary";
/// Groups that load a model input to keep it (Residence::loaded) only: 1 when
/// they load it before the first step, 0 tile by tile (§8a).
inline constexpr const char* inputs_preloaded = "inputs_preloaded";

/// The value of `key` in a group's tiling, or 0 where the cost model did not set it.
inline std::int64_t value_in(const GroupCost& cost, const char* key) {
  const auto it = cost.tiling.find(key);
  return it == cost.tiling.end() ? 0 : it->second;
}

}  // namespace pinfuse::tiling_key
