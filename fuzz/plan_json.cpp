// Plan JSON (docs/plan-format.md) -> read_plan against the fuzz model, then validate_plan (32 KiB of SPM).
// A plan the validator accepts must write and read back to itself, and its command stream
// (when it has addresses) must replay cleanly: the validator and the replay must agree.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pinfuse;
  const auto doc = fuzz::parse_json(data, size);
  if (!doc) return 0;
  return fuzz::run([&] {
    const Network& g = fuzz::bundled_model();
    static const ReferenceAccelerator accel(g, fuzz::small_spm_hardware());
    static const Scratchpad spm = scratchpad_of(fuzz::small_spm_hardware());
    const Plan plan = read_plan(g, *doc);
    if (!validate_plan(g, plan, accel, spm).ok()) return;
    const nlohmann::json written = plan_to_json(g, plan);
    if (plan_to_json(g, read_plan(g, written)) != written) fuzz::finding("a valid plan does not read back to itself");
    if (plan.layout.empty()) return;
    const ReplayReport replayed = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
    if (!replayed.ok()) fuzz::finding("a valid plan's program does not replay: " + replayed.errors.front());
  });
}
