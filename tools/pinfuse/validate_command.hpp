#pragma once
// The pinfuse tool: `pinfuse validate`, a plan file (and a command stream) checked against a model.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "exit_code.hpp"
#include "options.hpp"
#include "pinfuse/io/program_json.hpp"
#include "pinfuse/pinfuse.hpp"
#include "report_text.hpp"

namespace pinfuse::cli {

/// `pinfuse validate`: a plan file (and a command stream) checked against the model and hardware.
inline int cmd_validate(const Common& c, const std::string& plan_path, const std::string& program_path) {
  const Setup s = load(c);
  const Plan plan = io::read_file(plan_path, [&](const nlohmann::json& doc) { return read_plan(s.net, doc); });
  const ReferenceAccelerator accel(s.net, s.hw);
  const ValidationReport report = validate_plan(s.net, plan, accel, scratchpad_of(s.hw));
  for (const Finding& f : report.findings)
    std::printf("invalid: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  if (report.ok())
    std::printf("valid: %zu groups, %zu pinned FMs, peak SPM %s KiB of %s KiB\n", plan.groups.size(), plan.pinned.size(),
                kib(report.peak_spm_bytes).c_str(), kib(scratchpad_of(s.hw).capacity()).c_str());
  bool replayed = true;
  if (!program_path.empty())
    replayed = report_replay(s, plan, io::read_file(program_path, [&](const nlohmann::json& doc) { return read_program(s.net, doc); }));
  return report.ok() && replayed ? exit_code::ok : exit_code::invalid;
}

}  // namespace pinfuse::cli
