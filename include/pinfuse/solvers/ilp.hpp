#pragma once
// The joint pin + fuse problem as a 0-1 integer linear program, over exactly the
// space the joint DP (detail/segment_dp.hpp) searches, so the two optima are equal.
// Needs Eigen (the constraint matrix is an Eigen::SparseMatrix); link pinfuse::ilp,
// which defines PINFUSE_HAS_EIGEN=1. Any MILP solver can read the model through
// write_lp / write_mps (io/ilp_files.hpp); solvers/cbc.hpp solves it with COIN-OR CBC.
//
// Variables (all binary):
//   x[g,s]  group g = [b, e) of positions runs in setting s. A setting says, for
//           every pin candidate alive during the group (alive across b, or a fresh
//           one: produced, or as a model input first read, in the group and read
//           after it), whether it is pinned. One column per
//           setting the cost model accepts (pinned bytes within capacity, answer not
//           nullopt, fits_together), queried exactly as the DP queries.
//   p[f]    pin candidate f is pinned (only candidates some setting mentions).
// Constraints:
//   cover_i:     sum of x[g,s] over groups with b <= i < e                  = 1
//   pin_f_i:     sum of x[g,s] over groups covering i whose s pins f - p[f]  <= 0
//   keep_f_i:    sum of x[g,s] over groups covering i where f is alive
//                and s leaves it in DRAM                          + p[f]    <= 1
//   for every candidate f and every position i from f's pin start (its producer,
//   or a model input's first reader) to its last use.
// cover_* partition the positions into groups. Exactly one chosen group covers i,
// so the pin_/keep_ rows force the chosen group's setting to agree with p[f] (they
// aggregate the per-column rows x[g,s] <= p[f] / x[g,s] <= 1 - p[f]: the same
// integer points, fewer rows and a tighter LP relaxation).
//
// Objective: the DP minimizes the lexicographic Score (primary, secondary), e.g.
// (latency, off-chip bytes). A single weighted objective primary * W + secondary
// needs W above any secondary total, which pushes coefficients past 2^53 and the
// solvers' tolerances, so the model keeps the two apart: `objective` holds the
// primary metric of each column and `secondary` the other; solving is two stages,
// minimize the primary, then tie_break_model(): minimize the secondary subject to
// primary <= the optimum found (all coefficients are integers, so the bound is
// optimum + 0.5). write_lp / write_mps (io/ilp_files.hpp) write whichever stage
// they are given.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/error.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"
#include "pinfuse/solvers/ilp_model.hpp"
#include "pinfuse/solvers/options.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse {

/// Formulates the joint problem of `p` (candidates as the joint DP picks them,
/// with opt.max_pins_per_cut; opt.max_group_layers bounds group length). FMs
/// with no_pin[f] set (index into p.fms) are never pinned. The cost-model
/// queries are counted in `progress`, told after each group (a stop is not
/// honoured: the ILP has no plan before CBC's answer).
template <CostModel C, MemoryConstraint M>
IlpModel formulate_joint_ilp(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt,
                             const std::vector<char>& no_pin, detail::Progress& progress) {
  const int n = static_cast<int>(p.size());
  if (n == 0) throw input_error("model", "has no compute layers");
  const std::vector<char> is_cut(n + 1, 1);
  const std::vector<char> candidate = detail::pin_candidates(p, spm, is_cut, opt, no_pin);

  IlpModel m;
  m.metric = opt.objective;
  m.positions = p.size();
  for (int begin = 0; begin < n; ++begin) {
    for (int end = begin + 1; end <= n; ++end) {
      if (opt.max_group_layers && std::size_t(end - begin) > opt.max_group_layers) break;
      const detail::GroupBoundary boundary = detail::group_boundary(p, begin, end);
      std::vector<int> alive;  // candidates alive during the group: across `begin`, then fresh ones
      for (std::size_t f = 0; f < p.fms.size(); ++f)
        if (candidate[f] && p.fms[f].pin_start() < begin && p.fms[f].last_use() >= begin) alive.push_back(int(f));
      for (const int fm : detail::fresh_pins(p, candidate, boundary, begin, end)) alive.push_back(fm);
      // Every assignment whose pinned bytes fit (depth first, pruned on bytes);
      // distinct settings (residences + pinned sizes, as the DP keys them) asked once.
      std::vector<char> pinned(p.fms.size(), 0);
      std::vector<std::vector<int>> assignments;
      std::vector<std::size_t> setting_of;
      detail::GroupSettings settings;
      const auto visit = [&](const auto& self, std::size_t i, std::uint64_t bytes) -> void {
        if (i == alive.size()) {
          const std::size_t setting =
              settings.add(detail::group_setting(p, spm, begin, end, boundary, alive, [&](int fm) { return pinned[fm] != 0; }));
          std::vector<int> on;
          for (const int fm : alive)
            if (pinned[fm]) on.push_back(fm);
          assignments.push_back(std::move(on));
          setting_of.push_back(setting);
          return;
        }
        self(self, i + 1, bytes);
        const std::uint64_t more = bytes + spm.aligned(p.fms[alive[i]].bytes);
        if (more <= spm.capacity()) {
          pinned[alive[i]] = 1;
          self(self, i + 1, more);
          pinned[alive[i]] = 0;
        }
      };
      visit(visit, 0, 0);
      const std::vector<std::optional<GroupCost>> answers =
          settings.ask(detail::positions_to_vertices(p, begin, end), cost, spm, opt.objective, progress.stats());
      progress.stats().cache_hits += assignments.size() - settings.size();
      progress.tick();
      for (std::size_t a = 0; a < assignments.size(); ++a) {
        const std::optional<GroupCost>& c = answers[setting_of[a]];
        if (!c) continue;
        IlpModel::Choice ch{begin, end, std::move(assignments[a]), {}, score_of(*c, opt.objective)};
        for (const int fm : alive)
          if (std::find(ch.pinned.begin(), ch.pinned.end(), fm) == ch.pinned.end())
            ch.dram.push_back(fm);
        m.choices.push_back(std::move(ch));
      }
    }
  }

  // Rows: cover_i, then pin_f_i / keep_f_i for candidates some column mentions.
  struct Row {
    std::string name;
    std::vector<int> cols;
    int pin = -1;  // index into pin_fm
    double sign = 0, upper = 0;
  };
  std::vector<int> pin_col(p.fms.size(), -1);
  for (const IlpModel::Choice& ch : m.choices)
    for (const auto* list : {&ch.pinned, &ch.dram})
      for (const int fm : *list)
        if (pin_col[fm] < 0) {
          pin_col[fm] = static_cast<int>(m.pin_fm.size());
          m.pin_fm.push_back(fm);
        }
  std::sort(m.pin_fm.begin(), m.pin_fm.end());
  for (std::size_t i = 0; i < m.pin_fm.size(); ++i) pin_col[m.pin_fm[i]] = static_cast<int>(i);
  // (f, position) -> rows pin / keep
  std::vector<std::vector<int>> pin_rows(p.fms.size()), keep_rows(p.fms.size());
  std::vector<Row> rows(n);
  for (int i = 0; i < n; ++i) {
    rows[i].name = "cover";
    rows[i].name += std::to_string(i);
    rows[i].upper = 1;
  }
  for (const int fm : m.pin_fm) {
    const FeatureMap& f = p.fms[fm];
    pin_rows[fm].assign(n, -1);
    keep_rows[fm].assign(n, -1);
    for (int i = f.pin_start(); i <= f.last_use(); ++i) {
      for (const bool pin : {true, false}) {
        Row r;
        r.name = pin ? "pin" : "keep";
        r.name += std::to_string(fm);
        r.name += '_';
        r.name += std::to_string(i);
        r.pin = pin_col[fm];
        r.sign = pin ? -1 : 1;
        r.upper = pin ? 0 : 1;
        (pin ? pin_rows : keep_rows)[fm][i] = static_cast<int>(rows.size());
        rows.push_back(std::move(r));
      }
    }
  }
  for (std::size_t j = 0; j < m.choices.size(); ++j) {
    const IlpModel::Choice& ch = m.choices[j];
    for (int i = ch.begin; i < ch.end; ++i) {
      rows[i].cols.push_back(int(j));
      for (const int fm : ch.pinned)
        if (pin_rows[fm][i] >= 0) rows[pin_rows[fm][i]].cols.push_back(int(j));
      for (const int fm : ch.dram)
        if (keep_rows[fm][i] >= 0) rows[keep_rows[fm][i]].cols.push_back(int(j));
    }
  }
  // Drop pin/keep rows no column enters (they only bound p[f] by 0..1).
  rows.erase(std::remove_if(rows.begin() + n, rows.end(), [](const Row& r) { return r.cols.empty(); }), rows.end());

  const std::size_t xs = m.choices.size();
  const std::size_t cols = xs + m.pin_fm.size();
  std::vector<Eigen::Triplet<double>> entries;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (const int j : rows[r].cols) entries.emplace_back(int(r), j, 1.0);
    if (rows[r].pin >= 0) entries.emplace_back(int(r), int(xs) + rows[r].pin, rows[r].sign);
    m.row_lower.push_back(r < std::size_t(n) ? 1.0 : -std::numeric_limits<double>::infinity());
    m.row_upper.push_back(rows[r].upper);
    m.row_names.push_back(std::move(rows[r].name));
  }
  m.A.resize(Eigen::Index(rows.size()), Eigen::Index(cols));
  m.A.setFromTriplets(entries.begin(), entries.end());
  m.A.makeCompressed();
  m.col_lower.assign(cols, 0.0);
  m.col_upper.assign(cols, 1.0);
  m.integer.assign(cols, 1);
  m.objective.assign(cols, 0.0);
  m.secondary.assign(cols, 0.0);
  for (std::size_t j = 0; j < xs; ++j) {
    m.objective[j] = double(m.choices[j].score.first);
    m.secondary[j] = double(m.choices[j].score.second);
    std::string name = "x";
    name += std::to_string(j);
    m.col_names.push_back(std::move(name));
  }
  for (const int fm : m.pin_fm) {
    std::string name = "p";
    name += std::to_string(fm);
    m.col_names.push_back(std::move(name));
  }
  return m;
}
template <CostModel C, MemoryConstraint M>
IlpModel formulate_joint_ilp(const Problem& p, const C& cost, const M& spm, const SolveOptions& opt,
                             const std::vector<char>& no_pin = {}) {
  detail::Progress progress(opt.observer);
  return formulate_joint_ilp(p, cost, spm, opt, no_pin, progress);
}

/// Stage two of the lexicographic objective: minimize the secondary metric among
/// solutions whose primary total is at most `primary_optimum` (an integer).
inline IlpModel tie_break_model(const IlpModel& m, std::uint64_t primary_optimum) {
  IlpModel t = m;
  t.objective = m.secondary;
  t.secondary = m.objective;
  const Eigen::Index r = m.A.rows();
  std::vector<Eigen::Triplet<double>> entries;
  for (Eigen::Index j = 0; j < m.A.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(m.A, j); it; ++it) entries.emplace_back(int(it.row()), int(j), it.value());
  for (std::size_t j = 0; j < m.cols(); ++j)
    if (m.objective[j] != 0) entries.emplace_back(int(r), int(j), m.objective[j]);
  t.A.resize(r + 1, m.A.cols());
  t.A.setFromTriplets(entries.begin(), entries.end());
  t.A.makeCompressed();
  t.row_lower.push_back(-std::numeric_limits<double>::infinity());
  t.row_upper.push_back(double(primary_optimum) + 0.5);
  t.row_names.push_back("primary");
  return t;
}

/// The chosen columns of a solution (values > 0.5 are 1), checked to partition
/// the positions with consistent pins; the exact score they add up to.
inline std::vector<std::size_t> chosen_columns(const IlpModel& m, std::span<const double> values) {
  if (values.size() != m.cols()) throw usage_error("ilp", "solution has the wrong number of values");
  std::vector<std::size_t> chosen;
  std::vector<int> covered(m.positions, 0);
  for (std::size_t j = 0; j < m.choices.size(); ++j)
    if (values[j] > 0.5) {
      chosen.push_back(j);
      for (int i = m.choices[j].begin; i < m.choices[j].end; ++i) ++covered[i];
    }
  if (std::any_of(covered.begin(), covered.end(), [](int c) { return c != 1; }))
    throw usage_error("ilp", "solution does not split the layers into groups");
  std::sort(chosen.begin(), chosen.end(), [&](std::size_t a, std::size_t b) { return m.choices[a].begin < m.choices[b].begin; });
  return chosen;
}

inline Score solution_score(const IlpModel& m, std::span<const double> values) {
  Score s;
  for (const std::size_t j : chosen_columns(m, values)) s = s + m.choices[j].score;
  return s;
}

/// The Plan for a solution (group starts and pins from the chosen columns); no
/// SPM addresses yet (plan/layout.hpp). Its queries are counted in `stats`.
template <CostModel C, MemoryConstraint M>
Plan plan_from_solution(const Problem& p, const IlpModel& m, std::span<const double> values, const C& cost,
                        const M& spm, std::string strategy, SolveStatistics& stats) {
  std::vector<int> starts;
  std::vector<char> pinned(p.fms.size(), 0);
  std::vector<char> dram(p.fms.size(), 0);
  for (const std::size_t j : chosen_columns(m, values)) {
    starts.push_back(m.choices[j].begin);
    for (const int fm : m.choices[j].pinned) pinned[fm] = 1;
    for (const int fm : m.choices[j].dram) dram[fm] = 1;
  }
  for (std::size_t f = 0; f < p.fms.size(); ++f)
    if (pinned[f] && dram[f]) throw usage_error("ilp", "solution pins '" + p.fms[f].name + "' in one group only");
  return detail::assemble_plan(p, cost, spm, starts, pinned, m.metric, std::move(strategy), stats);
}

}  // namespace pinfuse
