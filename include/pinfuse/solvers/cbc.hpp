#pragma once
// The joint problem solved as an ILP (solvers/ilp.hpp) by COIN-OR CBC, through
// its C API. Optional: link pinfuse::cbc (defines PINFUSE_HAS_CBC=1; Debian:
// coinor-libcbc-dev, libeigen3-dev). It searches exactly the space of the joint
// DP, so the optimum is the same; it exists to cross-check the DP and to compare
// solve times, not as a faster solver.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Cbc_C_Interface.h>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/solvers/ilp.hpp"

namespace pinfuse {

/// What CBC returned for one model.
struct CbcResult {
  enum class Status { optimal, infeasible, stopped };
  Status status = Status::stopped;
  double objective = 0;
  std::vector<double> values;  ///< per column, when optimal
};

namespace detail {

class CbcHandle {
 public:
  CbcHandle() : m_(Cbc_newModel()) {
    Cbc_setLogLevel(m_, 0);
    Cbc_setParameter(m_, "log", "0");
    Cbc_setParameter(m_, "slog", "0");
  }
  ~CbcHandle() { Cbc_deleteModel(m_); }
  CbcHandle(const CbcHandle&) = delete;
  CbcHandle& operator=(const CbcHandle&) = delete;
  Cbc_Model* get() const { return m_; }

 private:
  Cbc_Model* m_;
};

/// Solves the loaded model to proven optimality (integer objectives: an absolute
/// gap below 1 is exact; no relative gap).
inline CbcResult run_cbc(Cbc_Model* model, double max_seconds) {
  Cbc_setAllowableFractionGap(model, 0);
  Cbc_setAllowableGap(model, 1e-6);
  if (max_seconds > 0) Cbc_setMaximumSeconds(model, max_seconds);
  Cbc_solve(model);
  CbcResult r;
  if (Cbc_isProvenOptimal(model)) {
    r.status = CbcResult::Status::optimal;
    r.objective = Cbc_getObjValue(model);
    const double* x = Cbc_getColSolution(model);
    r.values.assign(x, x + Cbc_getNumCols(model));
  } else if (Cbc_isProvenInfeasible(model)) {
    r.status = CbcResult::Status::infeasible;
  }
  return r;
}

inline double cbc_bound(double v) {  // CBC's infinity is COIN_DBL_MAX
  constexpr double big = std::numeric_limits<double>::max();
  return v == std::numeric_limits<double>::infinity() ? big : v == -std::numeric_limits<double>::infinity() ? -big : v;
}

}  // namespace detail

/// Solves `m` with CBC (silent). `start`: a feasible solution to begin from, or empty.
inline CbcResult solve_cbc(const IlpModel& m, const std::vector<double>& start = {}, double max_seconds = 0) {
  detail::CbcHandle h;
  const Eigen::SparseMatrix<double>& a = m.A;  // compressed, column major: the CSC arrays CBC takes
  std::vector<CoinBigIndex> starts(a.outerIndexPtr(), a.outerIndexPtr() + a.cols() + 1);
  std::vector<double> col_lo(m.cols()), col_hi(m.cols()), row_lo(m.rows()), row_hi(m.rows());
  for (std::size_t j = 0; j < m.cols(); ++j) {
    col_lo[j] = detail::cbc_bound(m.col_lower[j]);
    col_hi[j] = detail::cbc_bound(m.col_upper[j]);
  }
  for (std::size_t r = 0; r < m.rows(); ++r) {
    row_lo[r] = detail::cbc_bound(m.row_lower[r]);
    row_hi[r] = detail::cbc_bound(m.row_upper[r]);
  }
  Cbc_loadProblem(h.get(), int(m.cols()), int(m.rows()), starts.data(), a.innerIndexPtr(), a.valuePtr(), col_lo.data(),
                  col_hi.data(), m.objective.data(), row_lo.data(), row_hi.data());
  for (std::size_t j = 0; j < m.cols(); ++j)
    if (m.integer[j]) Cbc_setInteger(h.get(), int(j));
  if (!start.empty()) {
    std::vector<int> index(m.cols());
    for (std::size_t j = 0; j < m.cols(); ++j) index[j] = int(j);
    Cbc_setMIPStartI(h.get(), int(m.cols()), index.data(), start.data());
  }
  return detail::run_cbc(h.get(), max_seconds);
}

/// Reads an LP (name ends in ".lp") or MPS file with CBC's readers and solves it.
/// (CBC 2.10's C API asserts, aborting the program, on an MPS file it cannot read.)
inline CbcResult solve_cbc_file(const std::string& path, double max_seconds = 0) {
  detail::CbcHandle h;
  const bool lp = path.size() >= 3 && path.compare(path.size() - 3, 3, ".lp") == 0;
  const int status = lp ? Cbc_readLp(h.get(), path.c_str()) : Cbc_readMps(h.get(), path.c_str());
  if (status != 0) throw input_error("'" + path + "'", "CBC could not read it (status " + std::to_string(status) + ")");
  return detail::run_cbc(h.get(), max_seconds);
}

/// Both stages of the lexicographic objective (ilp.hpp): the primary optimum,
/// then the best secondary among solutions that reach it. Returns the column
/// values; nullopt if the model is infeasible. Throws std::runtime_error if CBC
/// stops without proving optimality.
inline std::optional<std::vector<double>> solve_lexicographic_cbc(const IlpModel& m, double max_seconds = 0) {
  const auto check = [](const CbcResult& r) {
    if (r.status == CbcResult::Status::stopped) throw std::runtime_error("CBC stopped before proving optimality");
  };
  std::vector<char> covered(m.positions, 0);  // a layer no column covers: infeasible without asking CBC
  for (const IlpModel::Choice& c : m.choices) std::fill(covered.begin() + c.begin, covered.begin() + c.end, 1);
  if (std::find(covered.begin(), covered.end(), 0) != covered.end()) return std::nullopt;
  const CbcResult first = solve_cbc(m, {}, max_seconds);
  check(first);
  if (first.status == CbcResult::Status::infeasible) return std::nullopt;
  const Score s = solution_score(m, first.values);  // exact integers, not CBC's double
  const CbcResult second = solve_cbc(tie_break_model(m, s.first), first.values, max_seconds);
  check(second);
  if (second.status != CbcResult::Status::optimal) return first.values;  // cannot happen: `first` is feasible
  return second.values;
}

/// The joint plan from the ILP solved by CBC ("joint-ilp"), with SPM addresses and
/// the same repair as solve_segments (solvers/detail/address_repair.hpp: squeeze
/// the tiles, else ban the largest pin and solve again). Throws no_plan_fits if no plan fits. It solves one
/// execution order: SolveOptions::order, or the file order when
/// SolveOptions::order_mode is OrderMode::file (the default); it refuses the
/// others, and trade-off solves (SolveOptions::trade_off: one objective only).
/// SolveOptions::observer is told after every group formulated and every CBC
/// solve, but cannot stop it: there is no plan before CBC's answer, and CBC's C
/// API cannot be interrupted.
template <Graph G, CostModel C, MemoryConstraint M>
Plan solve_joint_ilp(const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  if (opt.order.empty() && opt.order_mode != OrderMode::file)
    throw usage_error("order_mode", "joint-ilp solves one execution order: give an order or OrderMode::file");
  if (opt.trade_off)
    throw usage_error("trade_off", "joint-ilp minimizes one objective: trade-off solves use the joint DP (solve_joint)");
  detail::Progress progress(opt.observer);
  const Problem p = make_problem(g, opt.order);
  std::vector<char> no_pin;
  std::optional<detail::ProvenBounds> first_run;  // the optimum before any repair
  detail::SqueezeRival rival;
  for (;;) {
    ++progress.stats().runs;
    const IlpModel m = formulate_joint_ilp(p, cost, spm, opt, no_pin, progress);
    const std::optional<std::vector<double>> x = solve_lexicographic_cbc(m);
    if (!x && rival.waiting()) {  // its rival's rerun found no plan
      Plan kept = rival.keep(progress);
      progress.finish(kept);
      return kept;
    }
    if (!x)
      throw no_plan_fits("spm", "no joint-ilp plan fits the SPM (" + std::to_string(spm.capacity()) + " usable bytes)");
    ++progress.stats().incumbents;
    Plan plan = plan_from_solution(p, m, *x, cost, spm, "joint-ilp", progress.stats());
    progress.tick();
    const detail::ProvenBounds bounds{score_of(plan.totals, plan.objective), std::nullopt};
    plan.status = detail::exact_status(plan, bounds, first_run);
    if (std::optional<Plan> placed = rival.settle(detail::place_plan(p, cost, spm, plan, progress, opt.layout_effort), progress)) {
      placed->status = detail::exact_status(*placed, bounds, first_run);
      progress.finish(*placed);
      return std::move(*placed);
    }
    detail::ban_largest_pin(p, plan, spm.capacity(), no_pin, progress.stats());
  }
}

}  // namespace pinfuse
