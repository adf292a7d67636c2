#pragma once
// Which feature maps cross the boundary of a group of positions: [begin, end)
// of the file order, or any convex set of them (the order-free search).
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "pinfuse/core/problem.hpp"

namespace pinfuse::detail {

struct GroupBoundary {
  std::vector<int> inputs;   ///< FMs (indices into Problem::fms) produced outside the group (before it), read in it; ascending
  std::vector<int> outputs;  ///< FMs produced in the group and read after it, or model outputs
  std::vector<std::uint8_t> outputs_read_inside;  ///< per output: 1 if a layer of the group reads it too
};

/// The boundary of the group of `positions` (ascending; any convex set, in the
/// order-free search) whose membership `in_group` tells.
template <class Positions, class InGroup>
GroupBoundary boundary_of(const Problem& p, const Positions& positions, const InGroup& in_group) {
  GroupBoundary b;
  b.inputs.reserve(2 * positions.size());  // most groups read about one FM per layer from outside
  b.outputs.reserve(positions.size());
  b.outputs_read_inside.reserve(positions.size());
  for (const int pos : positions) {
    for (const int fm : p.reads[std::size_t(pos)])
      if (!in_group(p.fms[fm].producer_position) && std::find(b.inputs.begin(), b.inputs.end(), fm) == b.inputs.end())
        b.inputs.push_back(fm);
    const FeatureMap& out = p.fms[p.produces[std::size_t(pos)]];
    const bool read_after = !std::all_of(out.consumer_positions.begin(), out.consumer_positions.end(), in_group);
    if (out.model_output || read_after) {
      b.outputs.push_back(p.produces[std::size_t(pos)]);
      b.outputs_read_inside.push_back(out.read_by(in_group) ? 1 : 0);
    }
  }
  std::sort(b.inputs.begin(), b.inputs.end());
  return b;
}

inline GroupBoundary group_boundary(const Problem& p, int begin, int end) {
  std::vector<int> positions(std::size_t(end - begin));  // (not std::views::iota: clang 14 with libstdc++ 12 rejects it)
  std::iota(positions.begin(), positions.end(), begin);
  return boundary_of(p, positions, [&](int pos) { return pos >= begin && pos < end; });
}
/// Of a group of any positions (ascending).
inline GroupBoundary group_boundary(const Problem& p, const std::vector<int>& positions) {
  return boundary_of(p, positions, [&](int pos) { return std::binary_search(positions.begin(), positions.end(), pos); });
}

}  // namespace pinfuse::detail
