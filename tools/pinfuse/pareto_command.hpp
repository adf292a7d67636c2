#pragma once
// The pinfuse tool: `pinfuse pareto`, the plans of a trade-off solve's front (a table, CSV, SVG, JSON).
#include <iostream>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_code.hpp"
#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/pinfuse.hpp"
#include "pinfuse/report/svg.hpp"
#include "report_json.hpp"
#include "report_text.hpp"

namespace pinfuse::cli {

/// The options of `pinfuse pareto` besides the common ones.
struct ParetoArgs {
  std::string strategy = "joint";
  std::string csv, svg;
};

/// `pinfuse pareto`: the plans no other beats in both latency and off-chip
/// bytes at one SPM size (a trade-off solve's front), each validated.
inline int cmd_pareto(const Common& c, const ParetoArgs& a, bool as_json) {
  Setup s = load(c);
  ParetoFront front;
  s.options.trade_off = TradeOff{0, &front};
  const Outcome chosen = run(s, strategy_option(a.strategy));
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  std::vector<Outcome> points;
  for (Plan& plan : front.plans) {  // all from the one solve
    plan.solve_ms = chosen.plan.solve_ms;
    plan.statistics = chosen.plan.statistics;
    ValidationReport report = validate_plan(s.net, plan, accel, spm);
    points.push_back({std::move(plan), std::move(report)});
  }
  bool all_valid = chosen.report.ok();
  for (const Outcome& o : points) all_valid = all_valid && o.report.ok();
  // The metric traded against latency: off-chip bytes, or energy under --objective energy.
  const bool energy = s.options.objective == Objective::energy;
  const std::string traded = energy ? "energy" : "off-chip bytes";
  std::string csv = "latency_cycles,fm_offchip_bytes,weight_bytes,total_offchip_bytes,energy_pj,groups,pinned,valid\n";
  svg::LineChart chart{model_info(s.net).name + ": latency vs " + traded + ", SPM " + kib(s.hw.spm_bytes) + " KiB",
                       "latency (cycles)", energy ? "energy (pJ)" : "off-chip bytes", false, false, {{a.strategy, {}}}};
  for (const Outcome& o : points) {
    const PlanTotals& t = o.plan.totals;
    csv += std::to_string(t.latency_cycles) + "," + std::to_string(t.offchip.fm()) + "," + std::to_string(t.offchip.weights) +
           "," + std::to_string(t.offchip.total()) + "," + std::to_string(t.energy.total()) + "," +
           std::to_string(o.plan.groups.size()) + "," + std::to_string(o.plan.pinned.size()) + "," +
           (o.report.ok() ? "1" : "0") + "\n";
    chart.series[0].points.push_back({double(t.latency_cycles), double(energy ? t.energy.total() : t.offchip.total())});
  }
  if (!a.csv.empty()) io::write_text_file(a.csv, csv);
  if (!a.svg.empty()) io::write_text_file(a.svg, svg::render(chart));
  if (as_json) {
    nlohmann::json doc = {{"model", model_info(s.net).name}, {"hardware", s.hw.name}, {"spm_bytes", s.hw.spm_bytes},
                {"complete", front.complete}, {"unplaced", front.unplaced}, {"points", nlohmann::json::array()}};
    for (const Outcome& o : points) doc["points"].push_back(summary_json(s, o));
    std::cout << doc.dump(2) << '\n';
  } else {
    print_header(s);
    std::printf("%zu plans no other beats in both latency and %s (%s, file order):\n", points.size(), traded.c_str(),
                a.strategy.c_str());
    print_table_head();
    for (const Outcome& o : points) print_row(s, o);
    print_statistics(c, {&chosen, 1});
    if (front.unplaced)
      std::printf("%zu more such plans are left out: their pinned FMs fragment the SPM so that no addresses fit\n",
                  front.unplaced);
    if (!front.complete) std::printf("a time or work limit stopped the solve: plans may be missing from the front\n");
  }
  return all_valid ? exit_code::ok : exit_code::invalid;
}

}  // namespace pinfuse::cli
