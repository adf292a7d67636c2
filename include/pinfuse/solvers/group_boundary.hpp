#pragma once
// Which feature maps cross the boundary of a group [begin, end) of positions.
#include <algorithm>
#include <vector>

#include "pinfuse/core/problem.hpp"

namespace pinfuse {

struct GroupBoundary {
  std::vector<int> inputs;   ///< FMs (indices into Problem::fms) produced before `begin`, read in the group
  std::vector<int> outputs;  ///< FMs produced in the group and read at or after `end`, or model outputs
};

inline GroupBoundary group_boundary(const Problem& p, int begin, int end) {
  GroupBoundary b;
  for (int pos = begin; pos < end; ++pos) {
    for (const int fm : p.reads[pos])
      if (p.fms[fm].producer < begin && std::find(b.inputs.begin(), b.inputs.end(), fm) == b.inputs.end())
        b.inputs.push_back(fm);
    const FeatureMap& out = p.fms[p.produces[pos]];
    if (out.model_output || out.last_use() >= end) b.outputs.push_back(p.produces[pos]);
  }
  std::sort(b.inputs.begin(), b.inputs.end());
  return b;
}

}  // namespace pinfuse
