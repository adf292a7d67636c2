#pragma once
// The pinfuse tool: a solved plan's summary as JSON (totals, halo caching, statistics, validation).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/pinfuse.hpp"
#include "solve_statistics.hpp"

namespace pinfuse::cli {

/// The validator's findings: [{"kind", "group" (when in one), "message"}].
inline nlohmann::json findings_json(const ValidationReport& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const Finding& f : r.findings) {
    nlohmann::json one{{"kind", to_string(f.kind)}, {"message", f.message}};
    if (f.group) one["group"] = *f.group;
    out.push_back(std::move(one));
  }
  return out;
}

/// Halo caching (docs/reference-accelerator.md §2a): the groups that keep
/// overlap rows between row tiles, and the most bytes one of them keeps [B]
/// (groups run one after another, so this is the most cached at once).
inline nlohmann::json halo_cache_json(const Plan& plan) {
  std::size_t groups = 0;
  std::int64_t most = 0;
  for (const PlannedGroup& g : plan.groups) {
    if (tiling_key::value_in(g.cost, tiling_key::halo_cached) == 0) continue;
    ++groups;
    most = std::max(most, tiling_key::value_in(g.cost, tiling_key::cache_bytes));
  }
  return {{"cached_groups", groups}, {"most_cache_bytes", most}};
}

/// One plan's summary: totals, halo caching, status, statistics and validation.
inline nlohmann::json summary_json(const Setup& s, const Outcome& o) {
  const PlanTotals& t = o.plan.totals;
  return {{"strategy", o.plan.strategy},
          {"latency_cycles", t.latency_cycles},
          {"latency_ms", double(t.latency_cycles) / (s.hw.clock_mhz * 1e3)},
          {"offchip_bytes", detail::offchip_json(t.offchip)},
          {"recompute_macs", t.recompute_macs},
          {"halo_cache", halo_cache_json(o.plan)},
          {"energy_pj", detail::energy_json(t.energy)},
          {"groups", o.plan.groups.size()},
          {"pinned", o.plan.pinned.size()},
          {"peak_spm_bytes", o.report.peak_spm_bytes},
          {"solve_ms", o.plan.solve_ms},
          {"status", detail::status_json(o.plan)},
          {"statistics", statistics_json(o.plan.statistics)},
          {"valid", o.report.ok()},
          {"validation_errors", findings_json(o.report)}};
}

}  // namespace pinfuse::cli
