#pragma once
// The pinfuse tool: `pinfuse compare`, every strategy side by side, and joint against fusion-only.
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_code.hpp"
#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/accel/bounds.hpp"
#include "pinfuse/pinfuse.hpp"
#include "report_json.hpp"
#include "report_text.hpp"

namespace pinfuse::cli {

/// Relative change b vs a in percent.
inline double change(double a, double b) { return a == 0 ? 0 : 100.0 * (b - a) / a; }

/// `pinfuse compare`: every strategy's plan side by side, and joint against fusion-only.
inline int cmd_compare(const Common& c, bool as_json) {
  const Setup s = load(c);
  std::vector<Outcome> outcomes;  // in all_strategies' order, solved at once (--jobs)
  const std::size_t threads = thread_count(c.jobs);
  solve_in_order(
      all_strategies.size(), threads, [&](std::size_t k) { return run(s, all_strategies[k], threads == 1); },
      [&](std::size_t, Outcome o) { outcomes.push_back(std::move(o)); });
  const Outcome& fusion = outcomes[1];
  const Outcome& joint = outcomes[3];
  const OffchipBytes floor = compulsory_offchip(s.net);
  const double d_latency = change(double(fusion.plan.totals.latency_cycles), double(joint.plan.totals.latency_cycles));
  const double d_fm = change(double(fusion.plan.totals.offchip.fm()), double(joint.plan.totals.offchip.fm()));
  const double d_total = change(double(fusion.plan.totals.offchip.total()), double(joint.plan.totals.offchip.total()));
  const double d_energy = change(double(fusion.plan.totals.energy.total()), double(joint.plan.totals.energy.total()));
  bool all_valid = true;
  for (const Outcome& o : outcomes) all_valid = all_valid && o.report.ok();
  if (as_json) {
    nlohmann::json doc = {{"model", model_info(s.net).name}, {"hardware", s.hw.name}, {"spm_bytes", s.hw.spm_bytes}};
    for (const Outcome& o : outcomes) doc["strategies"].push_back(summary_json(s, o));
    doc["compulsory_offchip_bytes"] = {{"fm", floor.fm()}, {"weights", floor.weights}, {"total", floor.total()}};
    doc["joint_vs_fusion"] = {{"latency_percent", d_latency},
                              {"fm_offchip_percent", d_fm},
                              {"total_offchip_percent", d_total},
                              {"energy_percent", d_energy}};
    std::cout << doc.dump(2) << '\n';
  } else {
    print_header(s);
    print_table_head();
    for (const Outcome& o : outcomes) print_row(s, o);
    print_statistics(c, outcomes);
    std::printf("compulsory off-chip: FM %s KiB, weights %s KiB\n", kib(floor.fm()).c_str(), kib(floor.weights).c_str());
    std::printf("joint vs fusion-only: latency %+.1f%%, FM off-chip %+.1f%%, total off-chip %+.1f%%, energy %+.1f%%\n", d_latency,
                d_fm, d_total, d_energy);
  }
  return all_valid ? exit_code::ok : exit_code::invalid;
}

}  // namespace pinfuse::cli
