#pragma once
// The findings of a validation or a replay as text (for INFO), and whether a
// validation has a finding of a kind that names something.
#include <algorithm>
#include <string>

#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"

namespace pinfuse::testing {

/// Every finding of a ValidationReport or a ReplayReport, "kind: message" a line.
template <class Report>
std::string all_errors(const Report& r) {
  std::string text;
  for (const auto& f : r.findings) {
    text += std::string(to_string(f.kind)) + ": " + f.message;
    text += '\n';
  }
  return text;
}

/// Whether the report has a finding of `kind` whose message names `needle`.
inline bool mentions(const ValidationReport& r, FindingKind kind, const std::string& needle) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [&](const Finding& f) { return f.kind == kind && f.message.find(needle) != std::string::npos; });
}

}  // namespace pinfuse::testing
