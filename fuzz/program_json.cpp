// Command-stream JSON (pinfuse solve --program) -> read_program against the fuzz model, then
// replay_program against each of the model's plans (every strategy, 32 KiB of SPM) with as many groups.
#include <vector>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pinfuse;
  const auto doc = fuzz::parse_json(data, size);
  if (!doc) return 0;
  return fuzz::run([&] {
    const Network& g = fuzz::bundled_model();
    static const Scratchpad spm = scratchpad_of(fuzz::small_spm_hardware());
    static const std::vector<Plan> plans = [&] {
      const ReferenceAccelerator accel(g, fuzz::small_spm_hardware());
      std::vector<Plan> all;
      for (const Strategy s : all_strategies) all.push_back(solve(s, g, accel, spm));
      return all;
    }();
    const Program prog = read_program(g, *doc);
    for (const Plan& plan : plans)
      if (plan.groups.size() == prog.groups.size()) (void)replay_program(g, plan, prog, spm);
  });
}
