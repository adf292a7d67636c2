#pragma once
// The pinfuse tool: plans as text (the table of totals, the groups, the statistics)
// and what a command stream's replay found.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/pinfuse.hpp"
#include "pinfuse/plan/replay.hpp"
#include "solve_statistics.hpp"

namespace pinfuse::cli {

/// Bytes as KiB, one decimal.
inline std::string kib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", double(bytes) / 1024.0);
  return buf;
}

/// Picojoules as microjoules, one decimal.
inline std::string uj(std::uint64_t pj) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", double(pj) / 1e6);
  return buf;
}

/// Why a plan may not be proven optimal, as the reports say it.
inline constexpr const char* unproven_why = "stopped by a time or work limit, or an address repair";

/// How far the plan may be from the optimum: "opt" when proven optimal, else its gap to the proven lower bound.
inline std::string gap_text(const Plan& plan) {
  if (plan.status.optimal) return "opt";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * detail::optimality_gap(plan));
  return buf;
}

/// The model's size and the hardware, on one line.
inline void print_header(const Setup& s) {
  const ModelTotals t = totals(s.net);
  std::printf("model %s: %llu compute layers, %.1f M MACs, %.2f M params | hardware %s: SPM %s KiB, %.0f MAC/cycle, %.0f B/cycle DRAM\n",
              model_info(s.net).name.c_str(), (unsigned long long)t.compute_layers, double(t.macs) / 1e6,
              double(t.params) / 1e6, s.hw.name.c_str(), kib(s.hw.spm_bytes).c_str(), s.hw.macs_per_cycle,
              s.hw.dram_bytes_per_cycle);
}

/// One plan's totals as a row of the table print_table_head starts.
inline void print_row(const Setup& s, const Outcome& o) {
  const PlanTotals& t = o.plan.totals;
  std::printf("%-10s %13llu %8.3f %11s %11s %11s %11s %12llu %10s %6zu %6zu %9.1f %7s %s\n", o.plan.strategy.c_str(),
              (unsigned long long)t.latency_cycles, double(t.latency_cycles) / (s.hw.clock_mhz * 1e3),
              kib(t.offchip.fm_read).c_str(), kib(t.offchip.fm_write).c_str(), kib(t.offchip.weights).c_str(),
              kib(t.offchip.total()).c_str(), (unsigned long long)t.recompute_macs, uj(t.energy.total()).c_str(),
              o.plan.groups.size(), o.plan.pinned.size(), o.plan.solve_ms, gap_text(o.plan).c_str(), o.report.ok() ? "yes" : "NO");
}

/// The head of print_row's table; `gap`: gap_text().
inline void print_table_head() {
  std::printf("%-10s %13s %8s %11s %11s %11s %11s %12s %10s %6s %6s %9s %7s %s\n", "strategy", "latency_cyc", "ms",
              "FM_rd_KiB", "FM_wr_KiB", "wgt_KiB", "total_KiB", "recomp_MACs", "energy_uJ", "groups", "pinned", "solve_ms",
              "gap", "valid");
}

/// The plan's groups, pinned FMs, SPM addresses and energy.
inline void print_groups(const Setup& s, const Plan& plan) {
  std::printf("\ngroups (layers | tiling | SPM buffers KiB | latency cycles | DRAM KiB):\n");
  for (std::size_t i = 0; i < plan.groups.size(); ++i) {
    const PlannedGroup& grp = plan.groups[i];
    std::string layers = s.net[grp.layers.front()].name;
    if (grp.layers.size() > 1) layers += " .. " + s.net[grp.layers.back()].name + " (" + std::to_string(grp.layers.size()) + ")";
    std::string tiling;
    for (const auto& [k, v] : grp.cost.tiling) tiling += (tiling.empty() ? "" : " ") + k + "=" + std::to_string(v);
    std::printf("  %3zu  %-40s %-45s %8s %10llu %9s\n", i, layers.c_str(), tiling.c_str(), kib(grp.cost.footprint()).c_str(),
                (unsigned long long)grp.cost.latency_cycles, kib(grp.cost.offchip.total()).c_str());
  }
  if (!plan.pinned.empty()) {
    std::printf("pinned feature maps (KiB, groups alive, SPM offset):\n");
    for (std::size_t k = 0; k < plan.pinned.size(); ++k) {
      const PinnedFm& p = plan.pinned[k];
      std::printf("  %-24s %8s  %zu..%zu  @%llu\n", s.net[p.vertex].name.c_str(), kib(p.bytes).c_str(), p.first_group,
                  p.last_group, (unsigned long long)plan.layout.pinned[k]);
    }
  }
  std::printf("SPM addresses: peak %s KiB, lower bound %s KiB, usable %s KiB\n", kib(plan.layout.peak).c_str(),
              kib(plan.layout.lower_bound).c_str(), kib(scratchpad_of(s.hw).capacity()).c_str());
  const EnergyPj& e = plan.totals.energy;
  std::printf("energy %s uJ: DRAM %s, SPM read %s, SPM write %s, MAC %s, vector %s\n", uj(e.total()).c_str(), uj(e.dram).c_str(),
              uj(e.spm_read).c_str(), uj(e.spm_write).c_str(), uj(e.mac).c_str(), uj(e.vector).c_str());
}

/// Replays a program against its plan and says how it went; true if clean.
inline bool report_replay(const Setup& s, const Plan& plan, const Program& prog) {
  const ReplayReport r = replay_program(s.net, plan, prog, scratchpad_of(s.hw));
  for (const ReplayFinding& f : r.findings)
    std::fprintf(stderr, "command stream: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  if (r.ok()) std::fprintf(stderr, "command stream: %zu commands in %zu stages replay cleanly\n", r.commands, r.stages);
  return r.ok();
}

/// With --stats, each plan's statistics on its own line.
inline void print_statistics(const Common& c, std::span<const Outcome> outcomes) {
  if (!c.stats) return;
  for (const Outcome& o : outcomes) {
    std::printf("statistics %-10s %s\n", o.plan.strategy.c_str(), statistics_text(o.plan.statistics).c_str());
    if (const std::optional<Score>& root = o.plan.status.root_bound)  // first metric: the objective's
      std::printf("root bound %-10s %llu, %.2f%% below the plan: what the search had to close\n", o.plan.strategy.c_str(),
                  (unsigned long long)root->first, 100.0 * detail::gap_to(o.plan, *root));
  }
}

}  // namespace pinfuse::cli
