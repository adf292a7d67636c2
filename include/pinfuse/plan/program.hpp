#pragma once
// Program: a plan as the command stream a code generator issues — per group,
// the cost model's DMA and compute commands at the plan's SPM addresses — and
// where each tensor lives in DRAM. replay_program() (plan/replay.hpp) checks it.
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "pinfuse/concepts/command_emitter.hpp"
#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/align.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/plan.hpp"

namespace pinfuse {

/// Where a tensor lives in DRAM: bytes [address, address + bytes).
struct DramTensor {
  TensorRef tensor;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
  friend bool operator==(const DramTensor&, const DramTensor&) = default;
};

struct Program {
  std::vector<DramTensor> dram;               ///< sorted by tensor
  std::vector<std::vector<Command>> groups;   ///< per plan group; stages count on across groups

  /// The DRAM entry of `t`, or nullptr.
  const DramTensor* find(TensorRef t) const {
    const auto it = std::lower_bound(dram.begin(), dram.end(), t, [](const DramTensor& d, TensorRef x) { return d.tensor < x; });
    return it != dram.end() && it->tensor == t ? &*it : nullptr;
  }
  /// DRAM byte of a region's first run.
  std::uint64_t dram_address(const Region& r) const {
    const DramTensor* d = find(r.tensor);
    return d ? d->address + r.offset : 0;
  }
  friend bool operator==(const Program&, const Program&) = default;
};

/// Every DRAM tensor starts at a multiple of this (bytes): a burst.
inline constexpr std::uint64_t dram_alignment = 64;

/// The commands of every group of `plan` (which must have an SPM layout), and a
/// DRAM layout: every feature map (fm_bytes), then the weights the commands
/// load (sized by the furthest byte loaded), each at the next aligned address.
template <Graph G, CommandEmitter C, MemoryConstraint M>
Program build_program(const G& g, const Plan& plan, const C& model, const M& spm) {
  if (plan.layout.empty() || plan.layout.buffers.size() != plan.groups.size())
    throw input_error("plan", "has no SPM layout, so its commands have no addresses");
  std::map<std::size_t, std::uint64_t> pinned_at;
  for (std::size_t k = 0; k < plan.pinned.size(); ++k) pinned_at[plan.pinned[k].vertex] = plan.layout.pinned[k];
  const auto boundary_addresses = [&](const std::vector<BoundaryFm>& list) {
    std::vector<std::uint64_t> a;
    for (const BoundaryFm& b : list) {
      const auto it = pinned_at.find(b.vertex);
      if (in_spm(b.where) && it == pinned_at.end())
        throw input_error("plan", "a group reads or writes a pinned FM the plan does not pin");
      a.push_back(in_spm(b.where) ? it->second : 0);
    }
    return a;
  };
  Program prog;
  std::size_t first_stage = 0;
  std::map<TensorRef, std::uint64_t> weights;  // bytes, by the commands' loads
  const Problem problem = make_problem(g, plan.order);
  const auto at_boundary = [](const PlannedGroup& grp, std::size_t vertex) {
    const auto is = [&](const BoundaryFm& b) { return b.vertex == vertex; };
    return std::any_of(grp.inputs.begin(), grp.inputs.end(), is) || std::any_of(grp.outputs.begin(), grp.outputs.end(), is);
  };
  for (std::size_t gi = 0, begin = 0; gi < plan.groups.size(); begin += plan.groups[gi].layers.size(), ++gi) {
    const PlannedGroup& grp = plan.groups[gi];
    std::uint64_t pinned_bytes = 0;
    std::vector<std::size_t> passing;  // as the solvers asked (GroupQuery::passing)
    for (const PinnedFm& p : plan.pinned)
      if (p.first_group <= gi && gi <= p.last_group) {
        pinned_bytes += p.bytes;
        if (!at_boundary(grp, p.vertex)) passing.push_back(p.vertex);
      }
    std::sort(passing.begin(), passing.end());
    const std::size_t end = begin + grp.layers.size();
    const std::vector<std::uint8_t> outputs_read_inside = read_in_positions(problem, grp.outputs, begin, end);
    const GroupQuery q{grp.layers,    grp.inputs,     grp.outputs, available_to(grp, spm.capacity(), pinned_bytes).value_or(0),
                       spm.alignment(), grp.tiling_objective.value_or(plan.objective), passing, outputs_read_inside};
    const std::vector<std::uint64_t> inputs = boundary_addresses(grp.inputs), outputs = boundary_addresses(grp.outputs);
    std::vector<Command> commands = model.commands(q, grp.cost, {plan.layout.buffers[gi], inputs, outputs});
    std::size_t last_stage = first_stage;
    for (Command& c : commands) {
      c.stage += first_stage;
      last_stage = std::max(last_stage, c.stage);
      if (c.kind == CommandKind::load && c.writes.size() == 1 && c.writes.front().tensor.kind == TensorKind::weights) {
        const Region& r = c.writes.front();
        std::uint64_t& bytes = weights[r.tensor];
        bytes = std::max(bytes, r.offset + (r.runs - 1) * r.stride + r.run_bytes);
      }
    }
    first_stage = last_stage + 1;
    prog.groups.push_back(std::move(commands));
  }
  std::uint64_t address = 0;
  const auto place = [&](TensorRef t, std::uint64_t bytes) {
    prog.dram.push_back({t, address, bytes});
    address += align_up(bytes, dram_alignment);
  };
  for (auto [v, vend] = vertices(g); v != vend; ++v)
    if (layer_role(g, *v) != LayerRole::output) place({TensorKind::fm, get(boost::vertex_index, g, *v)}, fm_bytes(g, *v));
  for (const auto& [t, bytes] : weights) place(t, bytes);
  std::sort(prog.dram.begin(), prog.dram.end(), [](const DramTensor& a, const DramTensor& b) { return a.tensor < b.tensor; });
  return prog;
}

}  // namespace pinfuse
