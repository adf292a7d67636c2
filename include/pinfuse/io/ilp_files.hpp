#pragma once
// An IlpModel (solvers/ilp_model.hpp) in the files MILP solvers read: CPLEX LP
// and MPS. Needs Eigen (pinfuse::ilp).
#include <cstddef>
#include <iomanip>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pinfuse/solvers/ilp_model.hpp"

namespace pinfuse {

namespace detail {

inline void write_number(std::ostream& os, double v) {
  if (v == std::numeric_limits<double>::infinity()) os << "inf";
  else if (v == -std::numeric_limits<double>::infinity()) os << "-inf";
  else os << std::setprecision(std::numeric_limits<double>::max_digits10) << v;
}

inline void write_terms(std::ostream& os, const std::vector<std::pair<int, double>>& terms, const IlpModel& m) {
  std::size_t on_line = 0;
  bool first = true;
  for (const auto& [j, v] : terms) {
    if (on_line == 8) {
      os << "\n   ";
      on_line = 0;
    }
    os << ' ' << (v < 0 ? "- " : first ? "" : "+ ");
    write_number(os, v < 0 ? -v : v);
    os << ' ' << m.col_names[j];
    first = false;
    ++on_line;
  }
}

}  // namespace detail

/// The model in CPLEX LP format (ranged rows become two rows, `<name>_lo` and `<name>_hi`).
inline void write_lp(const IlpModel& m, std::ostream& os) {
  const auto inf = std::numeric_limits<double>::infinity();
  os << "\\ pinfuse joint ILP: " << m.rows() << " rows, " << m.cols() << " columns, " << m.A.nonZeros() << " nonzeros\n";
  for (std::size_t j = 0; j < m.choices.size(); ++j) {
    const IlpModel::Choice& c = m.choices[j];
    os << "\\ " << m.col_names[j] << ": positions [" << c.begin << ", " << c.end << ")";
    if (!c.pinned.empty()) {
      os << " pins";
      for (const int fm : c.pinned) os << " p" << fm;
    }
    os << '\n';
  }
  os << "Minimize\n obj:";
  std::vector<std::pair<int, double>> terms;
  for (std::size_t j = 0; j < m.cols(); ++j)
    if (m.objective[j] != 0 || j < m.choices.size()) terms.emplace_back(int(j), m.objective[j]);
  if (terms.empty()) terms.emplace_back(0, 0.0);
  detail::write_terms(os, terms, m);
  os << "\nSubject To\n";
  const Eigen::SparseMatrix<double, Eigen::RowMajor> rows = m.A;
  for (Eigen::Index r = 0; r < rows.outerSize(); ++r) {
    terms.clear();
    for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(rows, r); it; ++it)
      terms.emplace_back(int(it.col()), it.value());
    const double lo = m.row_lower[r], hi = m.row_upper[r];
    const auto row = [&](const std::string& name, const char* sense, double rhs) {
      os << ' ' << name << ':';
      detail::write_terms(os, terms, m);
      os << ' ' << sense << ' ';
      detail::write_number(os, rhs);
      os << '\n';
    };
    if (terms.empty()) continue;
    if (lo == hi) row(m.row_names[r], "=", lo);
    else if (lo == -inf && hi != inf) row(m.row_names[r], "<=", hi);
    else if (hi == inf && lo != -inf) row(m.row_names[r], ">=", lo);
    else if (lo != -inf) {
      row(m.row_names[r] + "_lo", ">=", lo);
      row(m.row_names[r] + "_hi", "<=", hi);
    }
  }
  std::ostringstream bounds;
  for (std::size_t j = 0; j < m.cols(); ++j) {
    if (m.integer[j] && m.col_lower[j] == 0 && m.col_upper[j] == 1) continue;  // Binaries below
    bounds << ' ';
    if (m.col_lower[j] == -inf && m.col_upper[j] == inf) {
      bounds << m.col_names[j] << " free\n";
      continue;
    }
    detail::write_number(bounds, m.col_lower[j]);
    bounds << " <= " << m.col_names[j] << " <= ";
    detail::write_number(bounds, m.col_upper[j]);
    bounds << '\n';
  }
  if (!bounds.str().empty()) os << "Bounds\n" << bounds.str();
  for (const bool binaries : {false, true}) {
    std::size_t on_line = 0, count = 0;
    for (std::size_t j = 0; j < m.cols(); ++j) {
      if (!m.integer[j] || binaries != (m.col_lower[j] == 0 && m.col_upper[j] == 1)) continue;
      if (count++ == 0) os << (binaries ? "Binaries\n" : "Generals\n");
      os << ' ' << m.col_names[j];
      if (++on_line == 10) {
        os << '\n';
        on_line = 0;
      }
    }
    if (on_line) os << '\n';
  }
  os << "End\n";
}

namespace detail {

/// One MPS data line in the fixed-format columns (2, 5, 15, 25, 40) when the names
/// are short enough, otherwise separated by single blanks: valid free MPS always,
/// and fixed MPS when every name has at most 8 characters.
inline void mps_line(std::ostream& os, std::string_view type, std::string_view a, std::string_view b = {},
                     std::optional<double> value = std::nullopt) {
  std::string line = " ";
  line += type;
  const auto field = [&](std::size_t column, std::string_view text) {  // column is 1-based
    line.append(line.size() + 1 < column ? column - 1 - line.size() : 1, ' ');
    line += text;
  };
  field(5, a);
  if (!b.empty()) field(15, b);
  if (value) {
    std::ostringstream v;
    write_number(v, *value);
    field(25, v.str());
  }
  os << line << '\n';
}

}  // namespace detail

/// The model in MPS format, objective row `obj` (see detail::mps_line: fixed
/// columns where names allow, so CBC's reader, which guesses fixed or free per
/// line, and strict fixed readers both read it when names are short).
inline void write_mps(const IlpModel& m, std::ostream& os) {
  const auto inf = std::numeric_limits<double>::infinity();
  os << "NAME          pinfuse_joint\nROWS\n";
  detail::mps_line(os, "N", "obj");
  for (std::size_t r = 0; r < m.rows(); ++r) {
    const double lo = m.row_lower[r], hi = m.row_upper[r];
    const char* type = lo == hi ? "E" : lo == -inf ? (hi == inf ? "N" : "L") : "G";
    detail::mps_line(os, type, m.row_names[r]);
  }
  os << "COLUMNS\n";
  bool in_integers = false;
  for (std::size_t j = 0; j < m.cols(); ++j) {
    if (bool(m.integer[j]) != in_integers) {
      in_integers = m.integer[j];
      os << "    MARKER                 'MARKER'                 " << (in_integers ? "'INTORG'" : "'INTEND'") << '\n';
    }
    const std::string& c = m.col_names[j];
    if (m.objective[j] != 0) detail::mps_line(os, " ", c, "obj", m.objective[j]);
    for (Eigen::SparseMatrix<double>::InnerIterator it(m.A, Eigen::Index(j)); it; ++it)
      detail::mps_line(os, " ", c, m.row_names[it.row()], it.value());
    if (m.objective[j] == 0 && m.A.col(Eigen::Index(j)).nonZeros() == 0) detail::mps_line(os, " ", c, "obj", 0.0);
  }
  if (in_integers) os << "    MARKER                 'MARKER'                 'INTEND'\n";
  os << "RHS\n";
  for (std::size_t r = 0; r < m.rows(); ++r) {
    const double lo = m.row_lower[r], hi = m.row_upper[r];
    const double rhs = lo == hi || lo == -inf ? hi : lo;
    if (rhs != 0 && rhs != inf && rhs != -inf) detail::mps_line(os, " ", "RHS", m.row_names[r], rhs);
  }
  bool ranges = false;
  for (std::size_t r = 0; r < m.rows(); ++r) {
    const double lo = m.row_lower[r], hi = m.row_upper[r];
    if (lo == hi || lo == -inf || hi == inf) continue;
    if (!ranges) os << "RANGES\n";
    ranges = true;
    detail::mps_line(os, " ", "RNG", m.row_names[r], hi - lo);
  }
  os << "BOUNDS\n";
  for (std::size_t j = 0; j < m.cols(); ++j) {
    const double lo = m.col_lower[j], hi = m.col_upper[j];
    const std::string& c = m.col_names[j];
    if (m.integer[j] && lo == 0 && hi == 1) {
      detail::mps_line(os, "BV", "BND", c);
      continue;
    }
    if (lo == -inf && hi == inf) {
      detail::mps_line(os, "FR", "BND", c);
      continue;
    }
    if (lo == -inf) detail::mps_line(os, "MI", "BND", c);
    else if (lo != 0) detail::mps_line(os, "LO", "BND", c, lo);
    if (hi != inf) detail::mps_line(os, "UP", "BND", c, hi);
  }
  os << "ENDATA\n";
}

}  // namespace pinfuse
