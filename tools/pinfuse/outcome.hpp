#pragma once
// The pinfuse tool: one strategy's plan for a model, solved with the progress line, and its validation;
// several such solves at once (sweep, compare).
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "options.hpp"
#include "pinfuse/core/parallel_for.hpp"
#include "pinfuse/pinfuse.hpp"
#include "progress_line.hpp"

namespace pinfuse::cli {

/// One strategy's plan and what the validator found in it.
struct Outcome {
  Plan plan;
  ValidationReport report;
};

/// Solves with `strategy` on hardware `hw` (s.hw, or it at another SPM size), showing the progress line
/// labelled `label` unless --quiet, and validates the plan.
inline Outcome run(const Setup& s, const Hardware& hw, Strategy strategy, const std::string& label) {
  const ReferenceAccelerator accel(s.net, hw);
  const Scratchpad spm = scratchpad_of(hw);
  ProgressLine line{label};
  SolveOptions options = s.options;
  options.order_mode = order_mode_for(s, strategy);
  if (s.progress) options.observer = &line;
  Plan plan = solve(strategy, s.net, accel, spm, options);
  ValidationReport report = validate_plan(s.net, plan, accel, spm);
  return {std::move(plan), std::move(report)};
}
inline Outcome run(const Setup& s, Strategy strategy) {
  return run(s, s.hw, strategy, "solving " + std::string(to_string(strategy)));
}

/// solve(0), ..., solve(count - 1) on up to `jobs` threads at once (0: one per
/// hardware thread), and done(k, result of solve(k)) for each k in order, as
/// soon as solve(0..k) have returned (on the thread that finished the last of
/// them, one done() at a time). The solves are independent, each deterministic
/// under a work limit, so what done() sees does not depend on `jobs`. If some
/// solves throw, the exception of the lowest index is rethrown once all have
/// ended (done() stops before it).
template <class Solve, class Done>
void solve_in_order(std::size_t count, std::size_t jobs, const Solve& solve, const Done& done) {
  using Result = decltype(solve(std::size_t{0}));
  std::vector<std::optional<Result>> finished(count);  // returned, and not yet passed to done()
  std::size_t next = 0;                                // the next index for done()
  std::mutex mutex;
  WorkerPool pool(thread_count(jobs));
  pool.parallel_for(count, [&](std::size_t k) {
    Result result = solve(k);
    const std::lock_guard lock(mutex);
    finished[k].emplace(std::move(result));
    for (; next < count && finished[next]; ++next) {
      done(next, std::move(*finished[next]));
      finished[next].reset();
    }
  });
}

}  // namespace pinfuse::cli
