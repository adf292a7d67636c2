#pragma once
// Joint pin + fuse: groups, pinned FMs and (with OrderMode::free, the pinfuse
// tool's default) the execution order chosen together, exactly, by the
// order-free search of detail/dag_search.hpp; or, for one execution order (the
// library's default, OrderMode::file), by the DP of detail/segment_dp.hpp (exact over pin candidates,
// see SolveOptions::max_pins_per_cut), or the best of several orders
// (OrderMode::search).
#include <algorithm>
#include <optional>

#include "pinfuse/solvers/detail/dag_search.hpp"
#include "pinfuse/solvers/order_search.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse {

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_joint(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  if (opt.order.empty() && opt.order_mode == OrderMode::free) return detail::solve_order_free(g, cost, spm, opt, true, 0, "joint");
  if (opt.order_mode != OrderMode::search || !opt.order.empty())
    return detail::solve_segments(make_problem(g, opt.order), cost, spm, opt, detail::SearchSpace{true, {}, {}}, "joint");
  detail::require_one_order(opt);
  detail::Progress progress(opt.observer, opt.time_limit, opt.work_limit);
  std::optional<Plan> best;
  std::optional<Score> least_bound;  // over every order: the bound of the union of their plan spaces
  const auto score = [&](const Plan& p) {
    return score_of(p.totals, opt.objective);
  };
  std::optional<no_plan_fits> failure;
  for (const std::vector<std::size_t>& order : candidate_orders(g)) {
    try {
      Plan plan = detail::solve_segments(make_problem(g, order), cost, spm, opt, detail::SearchSpace{true, {}, {}}, "joint", progress);
      least_bound = std::min(least_bound.value_or(plan.status.lower_bound), plan.status.lower_bound);
      if (!best || score(plan) < score(*best)) best = std::move(plan);
    } catch (const no_plan_fits& e) {  // this order has no plan that fits; another may
      if (!failure) failure = e;
    }
  }
  if (!best) throw *failure;
  best->status = {score(*best) == *least_bound, *least_bound, std::nullopt};  // no root bound over the orders
  progress.finish(*best);
  return std::move(*best);
}

}  // namespace pinfuse
