#pragma once
// The pinfuse tool: `pinfuse sweep`, every strategy over SPM sizes (a table, CSV and SVG curves).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "exit_code.hpp"
#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/pinfuse.hpp"
#include "pinfuse/report/svg.hpp"
#include "report_text.hpp"

namespace pinfuse::cli {

/// The SPM sizes `pinfuse sweep` solves at, and the files it writes.
struct SweepRange {
  std::string from = "64KiB";
  std::string to = "8MiB";
  std::string csv, svg, traffic_svg;
};

/// Every strategy at SPM sizes from..to (doubling): CSV, a table, and SVG curves.
inline int cmd_sweep(const Common& c, const SweepRange& r) {
  const Setup s = load(c);
  const std::uint64_t from = parse_size(r.from, "--from"), to = parse_size(r.to, "--to");
  if (from > to) throw input_error("--from", "must not exceed --to");
  std::string csv = "spm_bytes,strategy,feasible,latency_cycles,fm_offchip_bytes,weight_bytes,total_offchip_bytes,"
                    "recompute_macs,groups,pinned,peak_spm_bytes,energy_pj,optimal,gap\n";
  svg::LineChart latency{model_info(s.net).name + ": latency over SPM size", "SPM size", "latency (cycles)", true, true, {}};
  svg::LineChart traffic{model_info(s.net).name + ": off-chip FM traffic over SPM size", "SPM size", "FM bytes", true, true, {}};
  for (const Strategy st : all_strategies) {
    latency.series.push_back({std::string(to_string(st)), {}});
    traffic.series.push_back({std::string(to_string(st)), {}});
  }
  std::printf("%10s %-10s %13s %12s %12s %10s %7s %7s %7s\n", "SPM_KiB", "strategy", "latency_cyc", "FM_KiB", "weights_KiB",
              "energy_uJ", "groups", "pinned", "gap");
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t bytes = from; bytes <= to; bytes *= 2) {
    sizes.push_back(bytes);
    if (bytes > to / 2) break;  // no overflow past the last size
  }
  // Every (size, strategy) solve, several at once (--jobs); rows in this order.
  const std::size_t strategies = all_strategies.size(), threads = thread_count(c.jobs);
  const auto solve = [&](std::size_t task) -> std::optional<Outcome> {
    Hardware hw = s.hw;
    hw.spm_bytes = sizes[task / strategies];
    const Strategy st = all_strategies[task % strategies];
    try {
      return run(s, hw, st, "solving " + std::string(to_string(st)) + " at " + kib(hw.spm_bytes) + " KiB", threads == 1);
    } catch (const no_plan_fits&) {
      return std::nullopt;
    }
  };
  bool all_valid = true;
  std::size_t solved = 0, unproven = 0;  // solves with a plan; of them, not proven optimal
  double widest_gap = 0;           // of them, the largest gap to the proven bound
  std::string widest_at;           // and its solve: "joint at 256.0 KiB"
  const auto row = [&](std::size_t task, std::optional<Outcome> o) {
    const std::uint64_t bytes = sizes[task / strategies];
    const std::size_t k = task % strategies;
    char line[256];
    if (o) {
      ++solved;
      all_valid = all_valid && o->report.ok();
      const PlanTotals& t = o->plan.totals;
      const double gap = detail::optimality_gap(o->plan);
      std::snprintf(line, sizeof line, "%llu,%s,1,%llu,%llu,%llu,%llu,%llu,%zu,%zu,%llu,%llu,%d,%.6f\n", (unsigned long long)bytes,
                    o->plan.strategy.c_str(), (unsigned long long)t.latency_cycles, (unsigned long long)t.offchip.fm(),
                    (unsigned long long)t.offchip.weights, (unsigned long long)t.offchip.total(),
                    (unsigned long long)t.recompute_macs, o->plan.groups.size(), o->plan.pinned.size(),
                    (unsigned long long)o->plan.layout.peak, (unsigned long long)t.energy.total(), o->plan.status.optimal ? 1 : 0,
                    gap);
      if (!o->plan.status.optimal) {
        ++unproven;
        if (widest_at.empty() || gap > widest_gap) {
          widest_gap = gap;
          widest_at = o->plan.strategy + " at " + kib(bytes) + " KiB";
        }
      }
      latency.series[k].points.push_back({double(bytes), double(t.latency_cycles)});
      traffic.series[k].points.push_back({double(bytes), double(t.offchip.fm())});
      std::printf("%10s %-10s %13llu %12s %12s %10s %7zu %7zu %7s\n", kib(bytes).c_str(), o->plan.strategy.c_str(),
                  (unsigned long long)t.latency_cycles, kib(t.offchip.fm()).c_str(), kib(t.offchip.weights).c_str(),
                  uj(t.energy.total()).c_str(), o->plan.groups.size(), o->plan.pinned.size(), gap_text(o->plan).c_str());
    } else {
      std::snprintf(line, sizeof line, "%llu,%s,0,,,,,,,,,,,\n", (unsigned long long)bytes, std::string(to_string(all_strategies[k])).c_str());
      std::printf("%10s %-10s %13s\n", kib(bytes).c_str(), std::string(to_string(all_strategies[k])).c_str(), "no plan fits");
    }
    csv += line;
  };
  solve_in_order(sizes.size() * strategies, threads, solve, row);
  if (unproven > 0)
    std::printf("not proven optimal: %zu of %zu plans (%s), at most %.2f%% from the optimum (%s)\n", unproven, solved,
                unproven_why, 100.0 * widest_gap, widest_at.c_str());
  if (!r.csv.empty()) io::write_text_file(r.csv, csv);
  if (!r.svg.empty()) io::write_text_file(r.svg, svg::render(latency));
  if (!r.traffic_svg.empty()) io::write_text_file(r.traffic_svg, svg::render(traffic));
  return all_valid ? exit_code::ok : exit_code::invalid;
}

}  // namespace pinfuse::cli
