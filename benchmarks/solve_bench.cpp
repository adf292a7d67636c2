// Solve time of every strategy on the bundled models at the shipped hardware.
//   build/release/benchmarks/solve_bench [--benchmark_filter=joint/mobilenet_v2]
// The bar: joint on MobileNetV2 under 100 ms.
#include <benchmark/benchmark.h>

#include <string>

#include "pinfuse/pinfuse.hpp"

namespace {

void solve_model(benchmark::State& state, const std::string& model, pinfuse::Strategy strategy) {
  const pinfuse::Network net = pinfuse::load_model(std::string(PINFUSE_SOURCE_DIR) + "/examples/models/" + model + ".json");
  const pinfuse::Hardware hw = pinfuse::load_hardware(std::string(PINFUSE_SOURCE_DIR) + "/examples/hardware/mobile_npu.json");
  const pinfuse::ReferenceAccelerator accel(net, hw);
  const pinfuse::Scratchpad spm = pinfuse::scratchpad_of(hw);
  std::size_t groups = 0;
  for (auto _ : state) {
    const pinfuse::Plan plan = pinfuse::solve(strategy, net, accel, spm);
    groups = plan.groups.size();
    benchmark::DoNotOptimize(groups);
  }
  state.counters["layers"] = double(pinfuse::totals(net).compute_layers);
  state.counters["groups"] = double(groups);
}

const bool registered = [] {
  for (const char* model : {"mobilenet_v1", "mobilenet_v2", "resnet18"})
    for (const pinfuse::Strategy s : pinfuse::all_strategies)
      benchmark::RegisterBenchmark((std::string(pinfuse::to_string(s)) + "/" + model).c_str(), solve_model, model, s)
          ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
