// Command-stream JSON (pinfuse solve --program) -> read_program against the fuzz model, then
// replay_program against each of the model's plans (every strategy, 32 KiB of SPM) with as many groups.
#include <vector>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pinfuse;
  return fuzz::run_json(data, size, [](const nlohmann::json& doc) {
    const fuzz::FuzzModel& m = fuzz::fuzz_model();
    static const std::vector<Plan> plans = [&] {
      std::vector<Plan> all;
      for (const Strategy s : all_strategies) all.push_back(solve(s, m.g, m.accel, m.spm));
      return all;
    }();
    const Program prog = read_program(m.g, doc);
    for (const Plan& plan : plans)
      if (plan.groups.size() == prog.groups.size()) (void)replay_program(m.g, plan, prog, m.spm);
  });
}
