#pragma once
// The pinfuse tool's exit codes (docs/reliability.md).

namespace pinfuse::cli::exit_code {

constexpr int ok = 0;
constexpr int internal = 1;      ///< a bug: please report it
constexpr int bad_input = 2;     ///< input_error (and limit_error): a file, field or option is wrong
constexpr int invalid = 3;       ///< a plan or command stream failed validation or replay
constexpr int no_plan_fits = 4;  ///< the input is fine, but no plan fits the SPM

}  // namespace pinfuse::cli::exit_code
