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
//    is [producing group, last reading group], it is not a model output; a
//    pinned model input is loaded by its first reading group (Residence::loaded);
//  * capacity: at every step, pinned FMs alive + the group's buffers fit the SPM,
//    and every buffer size is a multiple of the alignment;
//  * addresses (when the plan has them): every pinned FM and buffer is aligned
//    and inside the SPM, and no two alive at the same step overlap;
//  * traffic: the cost model, asked again, gives the claimed cost; DRAM writes
//    equal the bytes of the DRAM outputs; DRAM reads happen only if an input is
//    in DRAM; the plan totals are the sum of the groups.
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
      alive.push_back(placed(layout.pinned[k], plan.pinned[k].bytes, "pinned '" + fm_name(plan.pinned[k].vertex) + "'", g));
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

/// The checks of validate_plan, one function each, over one plan and the
/// Problem re-derived from the graph along the plan's order. Call
/// check_grouping() first (the rest assume a sound grouping), then check_pins(),
/// check_group() for each group in order, and the whole-plan checks.
template <CostModel C, MemoryConstraint M>
class PlanChecker {
 public:
  PlanChecker(const Problem& p, const Plan& plan, const C& cost, const M& spm, ValidationReport& report)
      : p_(p), plan_(plan), cost_(cost), spm_(spm), report_(report), group_of_(p.size(), -1), pinned_(p.fms.size(), 0),
        where_(p.fms.size(), Where::nowhere) {
    for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
      if (p.fms[fm].producer_position < 0) where_[fm] = Where::dram;  // model inputs arrive in DRAM
  }

  void error(FindingKind kind, std::string message, std::optional<std::size_t> group) const {
    report_.findings.push_back({kind, group, std::move(message)});
  }

  /// The groups split the order into consecutive, non-empty runs. False if the
  /// other checks cannot run.
  bool check_grouping() {
    std::size_t pos = 0;
    for (std::size_t gi = 0; gi < plan_.groups.size(); ++gi) {
      if (plan_.groups[gi].layers.empty()) error(FindingKind::grouping, "group " + std::to_string(gi) + " is empty", gi);
      for (const std::size_t v : plan_.groups[gi].layers) {
        if (pos >= p_.size() || p_.order[pos] != v) {
          error(FindingKind::grouping, "group " + std::to_string(gi) + " does not continue the execution order", gi);
          return false;
        }
        group_of_[pos++] = static_cast<int>(gi);
      }
    }
    if (pos != p_.size()) {
      error(FindingKind::grouping,
            "the groups cover " + std::to_string(pos) + " of " + std::to_string(p_.size()) + " compute layers", std::nullopt);
      return false;
    }
    return true;
  }

  /// Pinned FMs as the plan declares them: feature maps some layer reads,
  /// listed once, leaving the group that produces (or loads) them, not a model
  /// output, their size and lifetime.
  void check_pins() {
    std::vector<Interval> lifetimes;  // in positions, swept along the groups
    for (const PinnedFm& pin : plan_.pinned) {
      const int fm = fm_index(pin.vertex);
      if (fm < 0 || p_.fms[fm].pin_start() < 0) {
        error(FindingKind::pin, "pinned " + name(pin.vertex) + " is not a feature map a compute layer produces or reads", std::nullopt);
        continue;
      }
      const FeatureMap& f = p_.fms[fm];
      const auto wrong = [&](const std::string& why) { error(FindingKind::pin, "pinned " + name(pin.vertex) + why, std::nullopt); };
      if (pinned_[fm]) wrong(" is listed twice");
      else lifetimes.push_back({std::size_t(fm), f.pin_start(), f.last_use()});
      pinned_[fm] = 1;
      if (group_of_[f.last_use()] == group_of_[f.pin_start()])
        wrong(f.model_input() ? " is read by one group only" : " never leaves the group that produces it");
      if (f.model_output) wrong(" is a model output, which must be written to DRAM");
      if (pin.bytes != spm_.aligned(f.bytes)) wrong(" declares the wrong size");
      if (pin.first_group != std::size_t(group_of_[f.pin_start()]) || pin.last_group != std::size_t(group_of_[f.last_use()]))
        wrong(" has the wrong lifetime");
    }
    pins_alive_ = IntervalSweep(std::move(lifetimes));
  }

  /// Group `gi`, positions [begin, end): its boundary, residences, reads,
  /// capacity, cost and traffic; then its outputs land and pins whose last
  /// reader ran are freed.
  void check_group(std::size_t gi, std::size_t begin, std::size_t end) {
    const PlannedGroup& grp = plan_.groups[gi];
    const Step step{gi, begin, end, "group " + std::to_string(gi) + " ('" + p_.names[begin] + "')", declared(grp.inputs),
                    declared(grp.outputs), outputs_of(begin, end)};
    const bool boundary_ok = check_boundary(step);
    check_residences(step, grp);
    check_availability(step);
    const Pinned alive = check_capacity(step, grp);
    if (boundary_ok && alive.bytes <= spm_.capacity()) check_cost(step, grp, alive);  // a malformed query is not the model's to answer
    check_traffic(step, grp);
    add_to_totals(grp.cost);
    advance_memory(step);
  }

  /// Every model output reaches DRAM.
  void check_model_outputs() const {
    for (const FeatureMap& f : p_.fms)
      if (f.model_output && where_[p_.fm_of_vertex[f.vertex]] != Where::dram)
        error(FindingKind::model_output, "model output " + name(f.vertex) + " never reaches DRAM", std::nullopt);
  }

  /// The plan totals are the sum of the groups checked.
  void check_totals() const {
    if (!(sum_ == plan_.totals)) error(FindingKind::totals, "the plan totals are not the sum of its groups", std::nullopt);
  }

  /// The plan's SPM addresses, when it has them (check_layout).
  void check_addresses() const {
    if (!plan_.layout.empty())
      check_layout(plan_, spm_, p_, [&](FindingKind k, std::string m, std::optional<std::size_t> g) { error(k, std::move(m), g); });
  }

 private:
  enum class Where { nowhere, dram, spm };
  struct Step {  // the group being checked
    std::size_t index, begin, end;                    // its index and positions [begin, end)
    std::string name;                                 // for messages
    std::set<std::size_t> declared_inputs, declared_outputs;  // by vertex, as the plan declares them
    std::set<std::size_t> outputs;                    // by vertex, re-derived: outputs_of()
  };
  struct Pinned {  // the pinned FMs alive while a group runs
    std::uint64_t bytes = 0;           // aligned
    std::vector<std::size_t> passing;  // those not at its boundary, by vertex, ascending (GroupQuery::passing)
  };

  /// Index into p_.fms of the FM produced by `vertex`, or -1.
  int fm_index(std::size_t vertex) const { return vertex < p_.fm_of_vertex.size() ? p_.fm_of_vertex[vertex] : -1; }
  std::string name(std::size_t vertex) const {
    const int fm = fm_index(vertex);
    return fm >= 0 ? "'" + p_.fms[std::size_t(fm)].name + "'" : "vertex " + std::to_string(vertex);
  }
  static std::set<std::size_t> declared(const std::vector<BoundaryFm>& list) {
    std::set<std::size_t> out;
    for (const BoundaryFm& b : list) out.insert(b.vertex);
    return out;
  }
  /// The FMs produced in [begin, end) that a later group reads, or model outputs (by vertex).
  std::set<std::size_t> outputs_of(std::size_t begin, std::size_t end) const {
    std::set<std::size_t> out;
    for (std::size_t pos = begin; pos < end; ++pos) {
      const FeatureMap& f = p_.fms[p_.produces[pos]];
      if (f.model_output || f.last_use() >= int(end)) out.insert(f.vertex);
    }
    return out;
  }

  /// The declared inputs and outputs are the FMs crossing the boundary,
  /// re-derived from the graph. True if they are.
  bool check_boundary(const Step& s) const {
    std::set<std::size_t> inputs;
    for (std::size_t pos = s.begin; pos < s.end; ++pos)
      for (const int fm : p_.reads[pos])
        if (p_.fms[fm].producer_position < int(s.begin)) inputs.insert(p_.fms[fm].vertex);
    const bool inputs_ok = s.declared_inputs == inputs, outputs_ok = s.declared_outputs == s.outputs;
    if (!inputs_ok) error(FindingKind::boundary, s.name + ": declared inputs differ from the FMs it reads from earlier groups", s.index);
    if (!outputs_ok) error(FindingKind::boundary, s.name + ": declared outputs differ from the FMs later groups need", s.index);
    return inputs_ok && outputs_ok;
  }

  /// Each boundary FM is declared in DRAM iff the plan does not pin it, and a
  /// pinned one as loaded iff it is a model input the group loads (reads first).
  void check_residences(const Step& s, const PlannedGroup& grp) const {
    const auto check = [&](const BoundaryFm& b, const char* role) {
      const int fm = fm_index(b.vertex);
      if (fm < 0) return;
      const Residence expected = !pinned_[fm] ? Residence::dram : loads_here(s, fm) ? Residence::loaded : Residence::pinned;
      if (b.where != expected)
        error(FindingKind::residence,
              s.name + ": " + role + " " + name(b.vertex) + " is declared " + std::string(to_string(b.where)) +
                  ", the plan's pins make it " + std::string(to_string(expected)),
              s.index);
    };
    for (const BoundaryFm& b : grp.inputs) check(b, "input");
    for (const BoundaryFm& b : grp.outputs) check(b, "output");
  }
  /// Does the group load pinned FM `fm` into the SPM: a model input it reads first?
  bool loads_here(const Step& s, int fm) const {
    const FeatureMap& f = p_.fms[std::size_t(fm)];
    return pinned_[std::size_t(fm)] && f.model_input() && f.pin_start() >= int(s.begin) && f.pin_start() < int(s.end);
  }

  /// Every FM a layer reads is produced earlier in the group, pinned and in
  /// the SPM, or in DRAM.
  void check_availability(const Step& s) const {
    for (std::size_t pos = s.begin; pos < s.end; ++pos)
      for (const int fm : p_.reads[pos]) {
        const FeatureMap& f = p_.fms[fm];
        const bool in_group = f.producer_position >= int(s.begin) && f.producer_position < int(pos);
        const Where expected = pinned_[fm] && !loads_here(s, fm) ? Where::spm : Where::dram;
        if (!in_group && where_[fm] != expected)
          error(FindingKind::availability, s.name + ": '" + p_.names[pos] + "' reads " + name(f.vertex) + " before it is available",
                s.index);
      }
  }

  /// The pinned FMs alive during the group (those it produces included) and
  /// its buffers fit the SPM, and every buffer is a multiple of the alignment.
  Pinned check_capacity(const Step& s, const PlannedGroup& grp) {
    Pinned alive;
    std::vector<std::uint64_t> sizes;
    for (const std::size_t fm : pins_alive_.alive(static_cast<long long>(s.begin), static_cast<long long>(s.end))) {
      sizes.push_back(p_.fms[fm].bytes);
      alive.bytes += spm_.aligned(p_.fms[fm].bytes);
      if (!s.declared_inputs.count(p_.fms[fm].vertex) && !s.declared_outputs.count(p_.fms[fm].vertex))
        alive.passing.push_back(p_.fms[fm].vertex);
    }
    std::sort(alive.passing.begin(), alive.passing.end());
    std::uint64_t step_bytes = alive.bytes;
    for (const Buffer& b : grp.cost.buffers) {
      if (b.bytes % spm_.alignment() != 0)
        error(FindingKind::alignment,
              s.name + ": buffer '" + b.name + "' (" + std::to_string(b.bytes) + " bytes) is not a multiple of the alignment",
              s.index);
      sizes.push_back(b.bytes);
      step_bytes += spm_.aligned(b.bytes);
    }
    report_.peak_spm_bytes = std::max(report_.peak_spm_bytes, step_bytes);
    if (!spm_.fits(sizes))
      error(FindingKind::capacity,
            s.name + ": pinned FMs and buffers need " + std::to_string(step_bytes) + " bytes, the SPM has " +
                std::to_string(spm_.capacity()),
            s.index);
    return alive;
  }

  /// The cost model, asked again with the SPM the pins leave (less the
  /// group's reserve), gives the claimed cost.
  void check_cost(const Step& s, const PlannedGroup& grp, const Pinned& alive) const {
    const std::optional<std::uint64_t> available = available_to(grp, spm_.capacity(), alive.bytes);
    if (!available) {
      error(FindingKind::capacity,
            s.name + ": its SPM reserve (" + std::to_string(grp.spm_reserve) + " bytes) is more than the " +
                std::to_string(spm_.capacity() - alive.bytes) + " its pinned FMs leave",
            s.index);
      return;
    }
    const std::vector<std::uint8_t> read_inside = read_in_positions(p_, grp.outputs, s.begin, s.end);
    const GroupQuery q{grp.layers,      grp.inputs, grp.outputs, *available,
                       spm_.alignment(), grp.tiling_objective.value_or(plan_.objective), alive.passing, read_inside};
    const std::optional<GroupCost> again = cost_.evaluate(q);
    if (!again) error(FindingKind::cost, s.name + ": the cost model says this group cannot run in the SPM left to it", s.index);
    else if (!(*again == grp.cost)) error(FindingKind::cost, s.name + ": the claimed cost differs from the cost model's", s.index);
  }

  /// DRAM writes are the bytes of the DRAM outputs; DRAM reads happen only if
  /// an input is in DRAM (or loaded). Not "if": a group may need none of the
  /// rows of a DRAM input, e.g. when every window of the layer reading it lies
  /// in the padding, or a later layer's stride skips the only rows that read it.
  void check_traffic(const Step& s, const PlannedGroup& grp) const {
    const auto dram_bytes = [&](const std::vector<BoundaryFm>& list) {
      std::uint64_t bytes = 0;
      for (const BoundaryFm& b : list)
        if (const int fm = fm_index(b.vertex); b.where != Residence::pinned && fm >= 0) bytes += p_.fms[std::size_t(fm)].bytes;
      return bytes;
    };
    const std::uint64_t dram_in = dram_bytes(grp.inputs), dram_out = dram_bytes(grp.outputs);
    if (grp.cost.offchip.fm_write != dram_out)
      error(FindingKind::traffic,
            s.name + ": writes " + std::to_string(grp.cost.offchip.fm_write) + " FM bytes to DRAM, its DRAM outputs hold " +
                std::to_string(dram_out),
            s.index);
    if (grp.cost.offchip.fm_read > 0 && dram_in == 0)
      error(FindingKind::traffic,
            s.name + ": reads " + std::to_string(grp.cost.offchip.fm_read) + " FM bytes from DRAM, but none of its inputs is in DRAM",
            s.index);
  }

  /// Adds a group's cost to the totals (saturating: an overflowing plan fails check_totals, it does not throw).
  void add_to_totals(const GroupCost& c) {
    sum_.latency_cycles = saturating_add(sum_.latency_cycles, c.latency_cycles);
    sum_.offchip.fm_read = saturating_add(sum_.offchip.fm_read, c.offchip.fm_read);
    sum_.offchip.fm_write = saturating_add(sum_.offchip.fm_write, c.offchip.fm_write);
    sum_.offchip.weights = saturating_add(sum_.offchip.weights, c.offchip.weights);
    sum_.recompute_macs = saturating_add(sum_.recompute_macs, c.recompute_macs);
    sum_.energy += c.energy;
  }

  /// The virtual memory after the group: its outputs land (pinned ones in the
  /// SPM, the others in DRAM), the model inputs it loads are in the SPM, pins
  /// whose last reader ran are freed.
  void advance_memory(const Step& s) {
    for (std::size_t pos = s.begin; pos < s.end; ++pos) {
      const int fm = p_.produces[pos];
      if (!s.outputs.count(p_.fms[fm].vertex)) continue;
      where_[fm] = pinned_[fm] ? Where::spm : Where::dram;
      if (pinned_[fm]) in_spm_.push_back(fm);
    }
    for (std::size_t pos = s.begin; pos < s.end; ++pos)
      for (const int fm : p_.reads[pos])
        if (loads_here(s, fm) && where_[fm] != Where::spm) {
          where_[fm] = Where::spm;
          in_spm_.push_back(fm);
        }
    std::erase_if(in_spm_, [&](int fm) {
      const bool freed = p_.fms[fm].last_use() < int(s.end);
      if (freed) where_[fm] = Where::nowhere;
      return freed;
    });
  }

  const Problem& p_;
  const Plan& plan_;
  const C& cost_;
  const M& spm_;
  ValidationReport& report_;
  std::vector<int> group_of_;     // per position
  std::vector<char> pinned_;      // per FM of p_
  std::vector<Where> where_;      // per FM of p_: where it is after the groups checked so far
  std::vector<int> in_spm_;       // pinned FMs written to the SPM and not yet freed
  IntervalSweep pins_alive_{{}};  // the pinned FMs' lifetimes in positions
  PlanTotals sum_;                // of the groups checked
};

}  // namespace detail

/// Checks `plan` against the graph, the cost model and the memory: the list at
/// the top of this file; each problem found is a Finding of the report.
template <Graph G, CostModel C, MemoryConstraint M>
ValidationReport validate_plan(const G& g, const Plan& plan, const C& cost, const M& spm) {
  ValidationReport report;
  Problem p;
  try {
    p = make_problem(g, plan.order);
  } catch (const input_error& e) {
    report.findings.push_back({FindingKind::order, std::nullopt, std::string("order: ") + e.what()});
    return report;
  }
  detail::PlanChecker<C, M> check(p, plan, cost, spm, report);
  if (!check.check_grouping()) return report;
  check.check_pins();
  for (std::size_t gi = 0, begin = 0; gi < plan.groups.size(); begin += plan.groups[gi].layers.size(), ++gi)
    if (!plan.groups[gi].layers.empty()) check.check_group(gi, begin, begin + plan.groups[gi].layers.size());
  check.check_model_outputs();
  check.check_totals();
  check.check_addresses();
  return report;
}

}  // namespace pinfuse
