#pragma once
// The pinfuse tool: one strategy's plan for a model, solved with the progress line, and its validation.
#include <string>
#include <utility>

#include "options.hpp"
#include "pinfuse/pinfuse.hpp"
#include "progress_line.hpp"

namespace pinfuse::cli {

/// One strategy's plan and what the validator found in it.
struct Outcome {
  Plan plan;
  ValidationReport report;
};

/// Solves with `strategy` (showing the progress line unless --quiet) and validates the plan.
inline Outcome run(const Setup& s, Strategy strategy) {
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  ProgressLine line{"solving " + std::string(to_string(strategy))};
  SolveOptions options = s.options;
  options.order_mode = order_mode_for(s, strategy);
  if (s.progress) options.observer = &line;
  Plan plan = solve(strategy, s.net, accel, spm, options);
  ValidationReport report = validate_plan(s.net, plan, accel, spm);
  return {std::move(plan), std::move(report)};
}

}  // namespace pinfuse::cli
