#pragma once
// The independent validator: replays a plan group by group on a virtual SPM
// and checks it is sound. It re-derives everything from the graph and does not
// reuse the solvers' bookkeeping (group_boundary, segment_dp), so a solver bug
// cannot hide behind a shared helper. Checks:
//  * the order is a topological order of all compute layers, and the groups
//    split it into consecutive runs;
//  * each group's declared inputs/outputs are exactly the FMs crossing its
//    boundary, and every FM a layer reads is available when it runs: produced
//    earlier in the same group, pinned and still in SPM, or written to DRAM;
//  * pins: a pinned FM stays pinned at every boundary, its lifetime in the plan
//    is [producing group, last reading group], it is not a model output;
//  * capacity: at every step, pinned FMs alive + the group's buffers fit the SPM,
//    and every buffer size is a multiple of the alignment;
//  * addresses (when the plan has them): every pinned FM and buffer is aligned
//    and inside the SPM, and no two alive at the same step overlap;
//  * traffic: the cost model, asked again, gives the claimed cost; DRAM writes
//    equal the bytes of the DRAM outputs; DRAM reads happen iff an input is in
//    DRAM; the plan totals are the sum of the groups.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/core/interval_sweep.hpp"
#include "pinfuse/core/problem.hpp"

namespace pinfuse {

/// Which check a validation finding failed (the list at the top of this file).
enum class FindingKind {
  order,         ///< the order is not a topological order of all compute layers
  grouping,      ///< the groups do not split the order into consecutive, non-empty runs
  pin,           ///< a pinned FM is declared wrong: not an FM, twice, never leaving its group, a model output, size, lifetime
  boundary,      ///< a group's declared inputs or outputs differ from the FMs crossing its boundary
  residence,     ///< a boundary FM is declared pinned or in DRAM against the plan's pins
  availability,  ///< a layer reads an FM before it is available
  alignment,     ///< a buffer size or an SPM address is not a multiple of the alignment
  capacity,      ///< pinned FMs and buffers do not fit the SPM at some step
  cost,          ///< the cost model, asked again, refuses the group or gives another cost
  traffic,       ///< the claimed DRAM traffic disagrees with the group's DRAM inputs and outputs
  model_output,  ///< a model output never reaches DRAM
  totals,        ///< the plan totals are not the sum of its groups
  layout,        ///< the SPM layout misses entries, or places something past the SPM
  overlap,       ///< two things alive at the same step overlap in the SPM
};

constexpr std::string_view to_string(FindingKind k) {
  constexpr std::string_view names[] = {"order",    "grouping", "pin",     "boundary", "residence",    "availability", "alignment",
                                        "capacity", "cost",     "traffic", "model_output", "totals", "layout",       "overlap"};
  return names[static_cast<std::size_t>(k)];
}

/// One thing wrong with a plan.
struct Finding {
  FindingKind kind;
  std::optional<std::size_t> group;  ///< the group it is in, when it is in one
  std::string message;               ///< in words, naming the group, FM or buffer involved
};

struct ValidationReport {
  std::vector<Finding> findings;
  std::uint64_t peak_spm_bytes = 0;  ///< largest pinned + buffer bytes at any step
  bool ok() const { return findings.empty(); }
  /// Whether some finding is of kind `k`.
  bool failed(FindingKind k) const {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.kind == k; });
  }
};

namespace detail {

/// Addresses: every pinned FM and buffer is aligned and inside the SPM, and at
/// every step (group) the address ranges of what is alive are disjoint.
template <MemoryConstraint M, class Error>
void check_layout(const Plan& plan, const M& spm, const Problem& p, const Error& error) {
  const SpmLayout& layout = plan.layout;
  if (layout.pinned.size() != plan.pinned.size() || layout.buffers.size() != plan.groups.size()) {
    error(FindingKind::layout, "the SPM layout does not list every pinned FM and group", std::nullopt);
    return;
  }
  struct Range {
    std::uint64_t begin, end;
    std::string what;
  };
  const auto fm_name = [&](std::size_t vertex) {
    return vertex < p.fm_of_vertex.size() && p.fm_of_vertex[vertex] >= 0 ? p.fms[p.fm_of_vertex[vertex]].name : "?";
  };
  const auto placed = [&](std::uint64_t offset, std::uint64_t bytes, const std::string& what, std::size_t g) {
    if (offset % spm.alignment() != 0) error(FindingKind::alignment, what + " starts at " + std::to_string(offset) + ", not aligned", g);
    if (offset + bytes > spm.capacity() || offset + bytes < offset)
      error(FindingKind::layout,
            what + " ends at " + std::to_string(offset + bytes) + ", past the SPM (" + std::to_string(spm.capacity()) + ")", g);
    return Range{offset, offset + bytes, what};
  };
  std::vector<Interval> pins;  // swept along the groups: not every pin per group
  for (std::size_t k = 0; k < plan.pinned.size(); ++k)
    pins.push_back({k, static_cast<long long>(plan.pinned[k].first_group), static_cast<long long>(plan.pinned[k].last_group)});
  IntervalSweep pins_alive(std::move(pins));
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const std::vector<Buffer>& buffers = plan.groups[g].cost.buffers;
    if (layout.buffers[g].size() != buffers.size()) {
      error(FindingKind::layout, "group " + std::to_string(g) + ": the SPM layout does not list every buffer", g);
      continue;
    }
    std::vector<Range> alive;
    for (const std::size_t k : pins_alive.alive(static_cast<long long>(g), static_cast<long long>(g) + 1))
      alive.push_back(placed(layout.pinned[k], plan.pinned[k].bytes, "pinned '" + fm_name(plan.pinned[k].fm) + "'", g));
    for (std::size_t b = 0; b < buffers.size(); ++b)
      alive.push_back(placed(layout.buffers[g][b], buffers[b].bytes,
                             "group " + std::to_string(g) + " buffer '" + buffers[b].name + "'", g));
    std::erase_if(alive, [](const Range& r) { return r.begin == r.end; });
    std::sort(alive.begin(), alive.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
    std::size_t reach = 0;  // the range reaching furthest so far
    for (std::size_t i = 1; i < alive.size(); ++i) {
      if (alive[i].begin < alive[reach].end)
        error(FindingKind::overlap,
              "group " + std::to_string(g) + ": " + alive[reach].what + " and " + alive[i].what + " overlap in the SPM", g);
      if (alive[i].end > alive[reach].end) reach = i;
    }
  }
}

}  // namespace detail

template <Graph G, CostModel C, MemoryConstraint M>
ValidationReport validate_plan(const G& g, const Plan& plan, const C& cost, const M& spm) {
  ValidationReport report;
  const auto error = [&](FindingKind kind, std::string message, std::optional<std::size_t> group) {
    report.findings.push_back({kind, group, std::move(message)});
  };
  Problem p;
  try {
    p = make_problem(g, plan.order);
  } catch (const input_error& e) {
    error(FindingKind::order, std::string("order: ") + e.what(), std::nullopt);
    return report;
  }
  const auto name = [&](std::size_t vertex) {
    return vertex < p.fm_of_vertex.size() && p.fm_of_vertex[vertex] >= 0 ? "'" + p.fms[p.fm_of_vertex[vertex]].name + "'"
                                                                          : "vertex " + std::to_string(vertex);
  };

  // Groups must split the order into consecutive runs.
  std::vector<int> group_of(p.size(), -1);
  {
    std::size_t pos = 0;
    for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
      if (plan.groups[gi].layers.empty()) error(FindingKind::grouping, "group " + std::to_string(gi) + " is empty", gi);
      for (const std::size_t v : plan.groups[gi].layers) {
        if (pos >= p.size() || p.order[pos] != v) {
          error(FindingKind::grouping, "group " + std::to_string(gi) + " does not continue the execution order", gi);
          return report;
        }
        group_of[pos++] = static_cast<int>(gi);
      }
    }
    if (pos != p.size()) {
      error(FindingKind::grouping,
            "the groups cover " + std::to_string(pos) + " of " + std::to_string(p.size()) + " compute layers", std::nullopt);
      return report;
    }
  }

  // Pinned FMs as the plan declares them.
  std::vector<char> pinned(p.fms.size(), 0);
  std::vector<Interval> pin_lifetimes;  // in positions, swept along the groups below
  for (const PinnedFm& pin : plan.pinned) {
    const int fm = pin.fm < p.fm_of_vertex.size() ? p.fm_of_vertex[pin.fm] : -1;
    if (fm < 0 || p.fms[fm].producer < 0) {
      error(FindingKind::pin, "pinned " + name(pin.fm) + " is not a feature map a compute layer produces", std::nullopt);
      continue;
    }
    const FeatureMap& f = p.fms[fm];
    const auto wrong = [&](const std::string& why) { error(FindingKind::pin, "pinned " + name(pin.fm) + why, std::nullopt); };
    if (pinned[fm]) wrong(" is listed twice");
    else pin_lifetimes.push_back({std::size_t(fm), f.producer, f.last_use()});
    pinned[fm] = 1;
    if (f.consumers.empty() || group_of[f.last_use()] == group_of[f.producer])
      wrong(" never leaves the group that produces it");
    if (f.model_output) wrong(" is a model output, which must be written to DRAM");
    if (pin.bytes != spm.aligned(f.bytes)) wrong(" declares the wrong size");
    if (pin.first_group != std::size_t(group_of[f.producer]) || pin.last_group != std::size_t(group_of[f.last_use()]))
      wrong(" has the wrong lifetime");
  }

  enum class Where { nowhere, dram, spm };
  std::vector<Where> where(p.fms.size(), Where::nowhere);
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
    if (p.fms[fm].producer < 0) where[fm] = Where::dram;  // model inputs arrive in DRAM

  PlanTotals sum;
  IntervalSweep pins_alive(std::move(pin_lifetimes));
  std::vector<int> in_spm;  // pinned FMs written to the SPM and not yet freed
  std::size_t begin = 0;
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
    const PlannedGroup& grp = plan.groups[gi];
    if (grp.layers.empty()) continue;  // reported above
    const std::string gname = "group " + std::to_string(gi) + " ('" + p.names[begin] + "')";
    const std::size_t end = begin + grp.layers.size();
    // The boundary, re-derived from the graph.
    std::set<std::size_t> in_expected, out_expected;
    for (std::size_t pos = begin; pos < end; ++pos) {
      for (const int fm : p.reads[pos])
        if (p.fms[fm].producer < int(begin)) in_expected.insert(p.fms[fm].id);
      const FeatureMap& out = p.fms[p.produces[pos]];
      if (out.model_output || out.last_use() >= int(end)) out_expected.insert(out.id);
    }
    std::set<std::size_t> in_declared, out_declared;
    for (const BoundaryFm& b : grp.inputs) in_declared.insert(b.fm);
    for (const BoundaryFm& b : grp.outputs) out_declared.insert(b.fm);
    const bool boundary_ok = in_declared == in_expected && out_declared == out_expected;
    if (in_declared != in_expected)
      error(FindingKind::boundary, gname + ": declared inputs differ from the FMs it reads from earlier groups", gi);
    if (out_declared != out_expected)
      error(FindingKind::boundary, gname + ": declared outputs differ from the FMs later groups need", gi);
    const auto check_residence = [&](const BoundaryFm& b, const char* role) {
      const int fm = b.fm < p.fm_of_vertex.size() ? p.fm_of_vertex[b.fm] : -1;
      if (fm < 0) return;
      if ((b.where == Residence::pinned) != (pinned[fm] != 0))
        error(FindingKind::residence,
              gname + ": " + role + " " + name(b.fm) + " is " + (pinned[fm] ? "pinned" : "not pinned") +
                  " in the plan but declared otherwise",
              gi);
    };
    for (const BoundaryFm& b : grp.inputs) check_residence(b, "input");
    for (const BoundaryFm& b : grp.outputs) check_residence(b, "output");

    // Availability of every read, layer by layer.
    for (std::size_t pos = begin; pos < end; ++pos)
      for (const int fm : p.reads[pos]) {
        const FeatureMap& f = p.fms[fm];
        const bool in_group = f.producer >= int(begin) && f.producer < int(pos);
        const bool ok = in_group || (pinned[fm] ? where[fm] == Where::spm : where[fm] == Where::dram);
        if (!ok)
          error(FindingKind::availability, gname + ": '" + p.names[pos] + "' reads " + name(f.id) + " before it is available", gi);
      }
    // Capacity: pinned FMs alive during the group (incl. those it produces) + its buffers.
    std::vector<std::uint64_t> live;
    std::uint64_t pinned_bytes = 0;
    std::vector<std::size_t> passing;  // pinned FMs alive during the group, not at its boundary
    for (const std::size_t fm : pins_alive.alive(static_cast<long long>(begin), static_cast<long long>(end))) {
      live.push_back(p.fms[fm].bytes);
      pinned_bytes += spm.aligned(p.fms[fm].bytes);
      if (!in_declared.count(p.fms[fm].id) && !out_declared.count(p.fms[fm].id)) passing.push_back(p.fms[fm].id);
    }
    std::sort(passing.begin(), passing.end());
    const std::vector<std::uint8_t> outputs_read_inside = read_in_positions(p, grp.outputs, begin, end);
    std::uint64_t step_bytes = pinned_bytes;
    for (const Buffer& b : grp.cost.buffers) {
      if (b.bytes % spm.alignment() != 0)
        error(FindingKind::alignment,
              gname + ": buffer '" + b.name + "' (" + std::to_string(b.bytes) + " bytes) is not a multiple of the alignment", gi);
      live.push_back(b.bytes);
      step_bytes += spm.aligned(b.bytes);
    }
    report.peak_spm_bytes = std::max(report.peak_spm_bytes, step_bytes);
    if (!spm.fits(live))
      error(FindingKind::capacity,
            gname + ": pinned FMs and buffers need " + std::to_string(step_bytes) + " bytes, the SPM has " +
                std::to_string(spm.capacity()),
            gi);
    // Traffic: the cost model must agree with the claim, and the claim with the boundary.
    if (boundary_ok && pinned_bytes <= spm.capacity()) {  // a malformed query is not the model's to answer
      const GroupQuery q{grp.layers,    grp.inputs,     grp.outputs, spm.capacity() - pinned_bytes,
                         spm.alignment(), grp.tiling_objective.value_or(plan.objective), passing, outputs_read_inside};
      const std::optional<GroupCost> again = cost.evaluate(q);
      if (!again) error(FindingKind::cost, gname + ": the cost model says this group cannot run in the SPM left to it", gi);
      else if (!(*again == grp.cost)) error(FindingKind::cost, gname + ": the claimed cost differs from the cost model's", gi);
    }
    std::uint64_t dram_in = 0, dram_out = 0;
    for (const BoundaryFm& b : grp.inputs)
      if (b.where == Residence::dram && b.fm < p.fm_of_vertex.size() && p.fm_of_vertex[b.fm] >= 0)
        dram_in += p.fms[p.fm_of_vertex[b.fm]].bytes;
    for (const BoundaryFm& b : grp.outputs)
      if (b.where == Residence::dram && b.fm < p.fm_of_vertex.size() && p.fm_of_vertex[b.fm] >= 0)
        dram_out += p.fms[p.fm_of_vertex[b.fm]].bytes;
    if (grp.cost.offchip.fm_write != dram_out)
      error(FindingKind::traffic,
            gname + ": writes " + std::to_string(grp.cost.offchip.fm_write) + " FM bytes to DRAM, its DRAM outputs hold " +
                std::to_string(dram_out),
            gi);
    if ((grp.cost.offchip.fm_read > 0) != (dram_in > 0))
      error(FindingKind::traffic,
            gname + ": reads " + std::to_string(grp.cost.offchip.fm_read) + " FM bytes from DRAM, but its DRAM inputs hold " +
                std::to_string(dram_in),
            gi);
    sum.latency_cycles = saturating_add(sum.latency_cycles, grp.cost.latency_cycles);
    sum.offchip.fm_read = saturating_add(sum.offchip.fm_read, grp.cost.offchip.fm_read);
    sum.offchip.fm_write = saturating_add(sum.offchip.fm_write, grp.cost.offchip.fm_write);
    sum.offchip.weights = saturating_add(sum.offchip.weights, grp.cost.offchip.weights);
    sum.recompute_macs = saturating_add(sum.recompute_macs, grp.cost.recompute_macs);
    sum.energy += grp.cost.energy;

    // Advance the virtual memory: outputs land, pins whose last reader ran are freed.
    for (std::size_t pos = begin; pos < end; ++pos) {
      const int fm = p.produces[pos];
      if (!out_expected.count(p.fms[fm].id)) continue;
      where[fm] = pinned[fm] ? Where::spm : Where::dram;
      if (pinned[fm]) in_spm.push_back(fm);
    }
    std::erase_if(in_spm, [&](int fm) {
      const bool freed = p.fms[fm].last_use() < int(end);
      if (freed) where[fm] = Where::nowhere;
      return freed;
    });
    begin = end;
  }
  for (const FeatureMap& f : p.fms)
    if (f.model_output && where[p.fm_of_vertex[f.id]] != Where::dram)
      error(FindingKind::model_output, "model output " + name(f.id) + " never reaches DRAM", std::nullopt);
  if (!(sum == plan.totals)) error(FindingKind::totals, "the plan totals are not the sum of its groups", std::nullopt);
  if (!plan.layout.empty()) detail::check_layout(plan, spm, p, error);
  return report;
}

}  // namespace pinfuse
