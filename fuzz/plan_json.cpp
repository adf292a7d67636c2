// Plan JSON (docs/plan-format.md) -> read_plan against the fuzz model, then validate_plan (32 KiB of SPM).
// A plan the validator accepts must write and read back to itself, and its command stream
// (when it has addresses) must replay cleanly: the validator and the replay must agree.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pinfuse;
  return fuzz::run_json(data, size, [](const nlohmann::json& doc) {
    const fuzz::FuzzModel& m = fuzz::fuzz_model();
    const Plan plan = read_plan(m.g, doc);
    if (!validate_plan(m.g, plan, m.accel, m.spm).ok()) return;
    const nlohmann::json written = plan_to_json(m.g, plan);
    if (plan_to_json(m.g, read_plan(m.g, written)) != written) fuzz::finding("a valid plan does not read back to itself");
    if (plan.layout.empty()) return;
    const ReplayReport replayed = replay_program(m.g, plan, build_program(m.g, plan, m.accel, m.spm), m.spm);
    if (!replayed.ok()) fuzz::finding("a valid plan's program does not replay: " + replayed.findings.front().message);
  });
}
