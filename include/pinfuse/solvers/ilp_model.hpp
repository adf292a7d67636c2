#pragma once
// The 0-1 ILP that solvers/ilp.hpp formulates, solvers/cbc.hpp solves and
// io/ilp_files.hpp writes as CPLEX LP or MPS. Needs Eigen (pinfuse::ilp).
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/SparseCore>

#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse {

/// A 0-1 ILP: minimize objective . x subject to row_lower <= A x <= row_upper,
/// col_lower <= x <= col_upper, x[j] integer where integer[j]. Infinite bounds
/// are +-std::numeric_limits<double>::infinity().
struct IlpModel {
  Eigen::SparseMatrix<double> A;  ///< rows = constraints, columns = variables (column major)
  std::vector<double> row_lower, row_upper;
  std::vector<double> col_lower, col_upper;
  std::vector<double> objective;  ///< minimized
  std::vector<double> secondary;  ///< the tie-breaking metric (see tie_break_model)
  std::vector<char> integer;
  std::vector<std::string> row_names, col_names;

  /// Column j < choices.size() is x for choices[j].
  struct Choice {
    int begin = 0, end = 0;           ///< the group [begin, end) of positions
    std::vector<int> pinned;          ///< candidates (indices into Problem::fms) the setting pins
    std::vector<int> dram;            ///< candidates alive during the group it leaves in DRAM
    Score score;                      ///< exact cost, as the DP adds it
  };
  std::vector<Choice> choices;
  std::vector<int> pin_fm;            ///< column choices.size() + i is p[pin_fm[i]]
  Objective metric = Objective::latency;
  std::size_t positions = 0;

  std::size_t rows() const { return row_lower.size(); }
  std::size_t cols() const { return col_lower.size(); }
};

}  // namespace pinfuse
