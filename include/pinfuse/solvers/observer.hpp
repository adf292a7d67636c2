#pragma once
// Watching and stopping a solve: the SolveObserver interface (in the spirit of
// Taskflow's observers and Boost.Graph's visitors) and the bookkeeping the
// solvers share to feed it.
//
// Pass an observer in SolveOptions::observer. Every solver calls progress()
// after each batch of cost-model queries (one group's settings) with the
// statistics so far (plan/plan.hpp: SolveStatistics; counters never decrease
// within one solve call), on the solving thread. Returning SolveControl::stop
// cancels the solve, as the time and work limits do (SolveOptions), which then returns a valid plan soon, with
// Plan::status.optimal false unless it is proven anyway and a proven lower
// bound (see each solver's header comment for what it does on a stop). The
// stop is final: address repairs and further orders after it run in the
// solver's quick mode too, and progress() is not called again.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "pinfuse/plan/plan.hpp"

namespace pinfuse {

enum class SolveControl { proceed, stop };

class SolveObserver {
 public:
  virtual ~SolveObserver() = default;
  virtual SolveControl progress(const SolveStatistics& so_far) = 0;
};

namespace detail {

/// The statistics of one solve call, its observer, and whether it is to stop:
/// the observer asked to, or the budget ran out: the time limit
/// (SolveOptions::time_limit, 0 = none) passed or the work
/// (SolveStatistics::work()) reached the work limit (SolveOptions::work_limit,
/// 0 = none).
class Progress {
 public:
  explicit Progress(SolveObserver* observer, std::chrono::milliseconds time_limit = {}, std::uint64_t work_limit = 0)
      : observer_(observer), started_(std::chrono::steady_clock::now()), work_limit_(work_limit) {
    if (time_limit.count() > 0) deadline_ = started_ + time_limit;
  }
  SolveStatistics& stats() { return stats_; }
  /// Tells the observer the statistics so far; true once it has asked to stop
  /// or the budget is spent.
  bool tick() {
    if (observer_ && !stopped_) stopped_ = observer_stopped_ = observer_->progress(stamped()) == SolveControl::stop;
    if (!stopped_) stopped_ = out_of_budget();
    return stopped_;
  }
  bool stopped() const { return stopped_; }
  /// Is the budget spent, as out_of_budget() last saw it for the work? Runs
  /// no hook and reads no counter: for helper threads.
  bool past_budget() const {
    return out_of_work_ || (deadline_ && std::chrono::steady_clock::now() >= *deadline_);
  }
  /// Has 1/`parts` of the time or the work limit passed? Never without one.
  bool past_part(int parts) const {
    return (deadline_ && std::chrono::steady_clock::now() >= started_ + (*deadline_ - started_) / parts) ||
           (work_limit_ > 0 && stats_.work() * std::uint64_t(parts) >= work_limit_);  // parts is 2 or 4
  }
  /// Is there a time or a work limit?
  bool budgeted() const { return deadline_.has_value() || work_limit_ > 0; }
  /// When the time limit passes (none without one).
  std::optional<std::chrono::steady_clock::time_point> deadline() const { return deadline_; }
  /// Is the budget spent (whether or not tick() has seen it yet)?
  bool out_of_budget() {
    run_half_budget_hook();
    out_of_work_ = out_of_work_ || (work_limit_ > 0 && stats_.work() >= work_limit_);
    return past_budget();
  }
  /// Runs `hook` once, at the first tick() or out_of_budget() past half the
  /// time or work limit (never without one): e.g. a cheaper solve to hand a
  /// share of the budget left to (solve_order_free, run_on_share). The hook
  /// may use this Progress itself.
  void at_half_budget(std::function<void()> hook) { half_budget_hook_ = std::move(hook); }
  /// Runs that hook now, if it has not run: for a solve that learns early that
  /// it will need what the hook makes (with a limit; without one there is none).
  void run_half_budget_hook_now() {
    if (half_budget_hook_) std::exchange(half_budget_hook_, {})();
  }
  /// Runs `step` with 1/`parts` of the budget left (of the time and of the
  /// work) as its whole budget: running out of that stops `step` (e.g. the
  /// fixed-order DP then finishes in its quick mode) but not the solve, which
  /// goes on with the rest. An observer's stop stays final.
  template <class Step>
  void run_on_share(int parts, Step&& step) {
    const auto deadline = deadline_;
    const std::uint64_t work_limit = work_limit_;
    if (deadline_) {
      const auto now = std::chrono::steady_clock::now();
      deadline_ = now + std::max(*deadline_ - now, std::chrono::steady_clock::duration::zero()) / parts;
    }
    if (work_limit_ > 0) {
      const std::uint64_t spent = stats_.work();
      work_limit_ = spent + (work_limit_ > spent ? work_limit_ - spent : 0) / std::uint64_t(parts);
      if (work_limit_ == 0) work_limit_ = 1;  // 0 would mean no limit
    }
    step();
    deadline_ = deadline;
    work_limit_ = work_limit;
    out_of_work_ = work_limit_ > 0 && stats_.work() >= work_limit_;
    if (!observer_stopped_) stopped_ = false;
  }
  /// Takes a stop back and stops asking the observer, the clock and the work
  /// count (a quick mode that found no plan).
  void keep_going() {
    observer_ = nullptr;
    deadline_.reset();
    work_limit_ = 0;
    out_of_work_ = false;
    stopped_ = observer_stopped_ = false;
  }
  /// Records the statistics and wall time in the plan the solve returns.
  void finish(Plan& plan) {
    plan.statistics = stamped();
    plan.solve_ms = plan.statistics.elapsed_ms;
  }

 private:
  void run_half_budget_hook() {
    if (past_part(2)) run_half_budget_hook_now();
  }
  const SolveStatistics& stamped() {
    stats_.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    return stats_;
  }

  SolveObserver* observer_;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::uint64_t work_limit_;
  bool out_of_work_ = false;
  SolveStatistics stats_;
  bool stopped_ = false;
  bool observer_stopped_ = false;  ///< the stop is the observer's (final)
  std::function<void()> half_budget_hook_;
};

}  // namespace detail

}  // namespace pinfuse
