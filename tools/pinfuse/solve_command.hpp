#pragma once
// The pinfuse tool: `pinfuse solve`, one strategy's plan, its report and the files asked for.
#include <cstdio>
#include <iostream>
#include <string>

#include "exit_code.hpp"
#include "options.hpp"
#include "outcome.hpp"
#include "pinfuse/io/program_json.hpp"
#include "pinfuse/pinfuse.hpp"
#include "pinfuse/report/svg.hpp"
#include "report_json.hpp"
#include "report_text.hpp"

namespace pinfuse::cli {

/// Files `solve` writes besides its report; empty = not asked for.
struct SolveFiles {
  std::string plan, occupancy_svg, program, allocation;
};

/// `pinfuse solve`: the plan of one strategy as a report (text or JSON), and the files asked for.
inline int cmd_solve(const Common& c, const std::string& strategy_name, const SolveFiles& files, bool as_json) {
  const Setup s = load(c);
  const Outcome o = run(s, strategy_option(strategy_name));
  if (!files.plan.empty()) io::write_text_file(files.plan, plan_to_json(s.net, o.plan).dump(1) + '\n');
  bool replayed = true;
  if (!files.program.empty()) {
    const ReferenceAccelerator accel(s.net, s.hw);
    const Program prog = build_program(s.net, o.plan, accel, scratchpad_of(s.hw));
    io::write_text_file(files.program, program_to_json(s.net, prog).dump() + '\n');
    replayed = report_replay(s, o.plan, prog);
  }
  if (!files.allocation.empty()) {
    const Scratchpad spm = scratchpad_of(s.hw);
    io::write_text_file(files.allocation,
                        allocation_instance_text({spm.capacity(), spm.alignment(), layout_requests(o.plan)},
                                                 "The SPM allocation of pinfuse's " + o.plan.strategy + " plan of " +
                                                     model_info(s.net).name + " (" + kib(spm.capacity()) +
                                                     " KiB of SPM to use): pinned FMs, then each group's buffers\n"
                                                     "(steps = the plan's groups). Format: io/allocation_text.hpp."));
  }
  if (!files.occupancy_svg.empty())
    io::write_text_file(files.occupancy_svg, svg::occupancy(s.net, o.plan, scratchpad_of(s.hw).capacity(),
                                             model_info(s.net).name + ": " + o.plan.strategy + " plan, SPM " +
                                                 kib(s.hw.spm_bytes) + " KiB"));
  if (as_json) {
    std::cout << summary_json(s, o).dump(2) << '\n';
  } else {
    print_header(s);
    print_table_head();
    print_row(s, o);
    print_statistics(c, {&o, 1});
    if (!o.plan.status.optimal)
      std::printf("not proven optimal (%s): lower bound %llu, gap %.2f%%\n", unproven_why,
                  (unsigned long long)o.plan.status.lower_bound.first, 100.0 * detail::optimality_gap(o.plan));
    print_groups(s, o.plan);
    for (const Finding& f : o.report.findings)
      std::printf("validation error: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  }
  return o.report.ok() && replayed ? exit_code::ok : exit_code::invalid;
}

}  // namespace pinfuse::cli
