#pragma once
// Which feature maps cross the boundary of a group [begin, end) of positions.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "pinfuse/core/problem.hpp"

namespace pinfuse::detail {

struct GroupBoundary {
  std::vector<int> inputs;   ///< FMs (indices into Problem::fms) produced before `begin`, read in the group
  std::vector<int> outputs;  ///< FMs produced in the group and read at or after `end`, or model outputs
  std::vector<std::uint8_t> outputs_read_inside;  ///< per output: 1 if a layer of the group reads it too
};

inline GroupBoundary group_boundary(const Problem& p, int begin, int end) {
  GroupBoundary b;
  const auto in_group = [&](int pos) { return pos >= begin && pos < end; };
  for (int pos = begin; pos < end; ++pos) {
    for (const int fm : p.reads[pos])
      if (p.fms[fm].producer_position < begin && std::find(b.inputs.begin(), b.inputs.end(), fm) == b.inputs.end())
        b.inputs.push_back(fm);
    const FeatureMap& out = p.fms[p.produces[pos]];
    if (out.model_output || out.last_use() >= end) {
      b.outputs.push_back(p.produces[pos]);
      b.outputs_read_inside.push_back(out.read_by(in_group) ? 1 : 0);
    }
  }
  std::sort(b.inputs.begin(), b.inputs.end());
  return b;
}

}  // namespace pinfuse::detail
