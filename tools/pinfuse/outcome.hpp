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
/// labelled `label` unless --quiet or `alone` is false (other solves run at the same time: their lines
/// would overwrite each other and the rows printed meanwhile), and validates the plan.
inline Outcome run(const Setup& s, const Hardware& hw, Strategy strategy, const std::string& label, bool alone) {
  const ReferenceAccelerator accel(s.net, hw);
  const Scratchpad spm = scratchpad_of(hw);
  ProgressLine line{label};
  SolveOptions options = s.options;
  options.order_mode = order_mode_for(s, strategy);
  if (s.progress && alone) options.observer = &line;
  Plan plan = solve(strategy, s.net, accel, spm, options);
  ValidationReport report = validate_plan(s.net, plan, accel, spm);
  return {std::move(plan), std::move(report)};
}
inline Outcome run(const Setup& s, Strategy strategy, bool alone = true) {
  return run(s, s.hw, strategy, "solving " + std::string(to_string(strategy)), alone);
}

/// solve(0), ..., solve(count - 1) on `threads` threads at once, and done(k,
/// result of solve(k)) for each k in order, as soon as solve(0..k) have
/// returned (on the thread that finished the last of them, one done() at a
/// time). The solves are independent, each deterministic under a work limit, so
/// what done() sees does not depend on `threads` (under a time limit it may). If
/// some solves (or done()) throw, the exception of the lowest index is rethrown
/// once all have ended (done() stops before it).
template <class Solve, class Done>
void solve_in_order(std::size_t count, std::size_t threads, const Solve& solve, const Done& done) {
  using Result = decltype(solve(std::size_t{0}));
  std::vector<std::optional<Result>> finished(count);  // returned, and not yet passed to done()
  std::size_t next = 0;                                // the next index for done()
  std::mutex mutex;
  WorkerPool pool(threads);
  pool.parallel_for(count, [&](std::size_t k) {
    Result result = solve(k);
    const std::lock_guard lock(mutex);
    finished[k].emplace(std::move(result));
    for (; next < count && finished[next]; ++next) {
      Result ready = std::move(*finished[next]);
      finished[next].reset();  // so that a done() that throws leaves no moved-from result behind
      done(next, std::move(ready));
    }
  });
}

}  // namespace pinfuse::cli
