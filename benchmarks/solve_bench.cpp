// Solve time and memory of the solvers.
//   build/release/benchmarks/solve_bench [--benchmark_filter=joint/mobilenet_v2]
// 1. Every strategy on every bundled model at the shipped hardware (the issue's
//    bar: joint on MobileNetV2 under 100 ms).
// 2. Scaling on synthetic networks of 100..5000 layers (benchmarks/synthetic.hpp).
// 3. With CBC (PINFUSE_HAS_CBC): joint-ilp/<model>, the same joint optimum as
//    joint/<model> from the ILP of solvers/ilp.hpp solved by CBC, with the ILP's
//    size as counters (ilp_rows, ilp_cols, ilp_nonzeros).
// 4. allocate/<layout>: the SPM allocator with its default effort on the fragmented
//    layouts of tests/data/fragmented_layouts/ (plans whose buffers the older
//    allocators could not place), with counters fits (peak <= capacity), peak_KiB,
//    lower_bound_KiB and buffers.
// Memory: peak_heap_MiB, the most heap a solve held above what was allocated
// before it, counted by the global operator new below.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "pinfuse/pinfuse.hpp"
#include "pinfuse/plan/replay.hpp"
#include "synthetic.hpp"
#if defined(PINFUSE_HAS_CBC)
#include "pinfuse/solvers/cbc.hpp"
#endif

namespace {

// Heap accounting: every allocation carries its size in a header.
std::atomic<std::int64_t> heap_now{0}, heap_peak{0};

void* counted_alloc(std::size_t n) {
  auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(std::max_align_t)));
  if (!p) throw std::bad_alloc();
  *p = n;
  const std::int64_t now = heap_now += std::int64_t(n);
  std::int64_t peak = heap_peak.load();
  while (now > peak && !heap_peak.compare_exchange_weak(peak, now)) {
  }
  return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
}
void counted_free(void* q) noexcept {
  if (!q) return;
  auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(q) - sizeof(std::max_align_t));
  heap_now -= std::int64_t(*p);
  std::free(p);
}

pinfuse::Hardware shipped_hardware() {
  return pinfuse::load_hardware(std::string(PINFUSE_SOURCE_DIR) + "/examples/hardware/mobile_npu.json");
}

template <class Solve>
void solve_network_with(benchmark::State& state, const pinfuse::Network& net, const Solve& solve) {
  const pinfuse::Hardware hw = shipped_hardware();
  const pinfuse::ReferenceAccelerator accel(net, hw);
  const pinfuse::Scratchpad spm = pinfuse::scratchpad_of(hw);
  std::size_t groups = 0;
  const std::int64_t before = heap_now.load();
  heap_peak = before;
  for (auto _ : state) {
    const pinfuse::Plan plan = solve(accel, spm);
    groups = plan.groups.size();
    benchmark::DoNotOptimize(groups);
  }
  state.counters["layers"] = double(pinfuse::totals(net).compute_layers);
  state.counters["groups"] = double(groups);
  state.counters["peak_heap_MiB"] = double(heap_peak.load() - before) / (1 << 20);
}

void solve_network(benchmark::State& state, const pinfuse::Network& net, pinfuse::Strategy strategy,
                   const pinfuse::SolveOptions& options) {
  solve_network_with(state, net, [&](const pinfuse::ReferenceAccelerator& accel, const pinfuse::Scratchpad& spm) {
    return pinfuse::solve(strategy, net, accel, spm, options);
  });
}

/// The files of the source tree's `folder` with the extension `extension`, sorted.
std::vector<std::filesystem::path> source_files(const std::string& folder, const std::string& extension) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(PINFUSE_SOURCE_DIR) + "/" + folder))
    if (e.path().extension() == extension) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

const bool registered = [] {
  namespace fs = std::filesystem;
  for (const fs::path& path : source_files("models", ".json")) {
    const auto net = std::make_shared<const pinfuse::Network>(pinfuse::load_model(path.string()));
    for (const pinfuse::Strategy s : pinfuse::all_strategies) {
      const std::string name = std::string(pinfuse::to_string(s)) + "/" + path.stem().string();
      benchmark::RegisterBenchmark(name.c_str(), [net, s](benchmark::State& st) { solve_network(st, *net, s, {}); })
          ->Unit(benchmark::kMillisecond);
    }
  }
#if defined(PINFUSE_HAS_CBC)
  // The joint ILP solved by CBC, against joint/<model> (same optimum). Two CBC
  // solves per plan (primary metric, then the tie-break); see solvers/ilp.hpp.
  for (const char* model : {"mobilenet_v1", "mobilenet_v2", "resnet18", "squeezenet"}) {
    const auto net = std::make_shared<const pinfuse::Network>(
        pinfuse::load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/" + model + ".json"));
    const std::string name = std::string("joint-ilp/") + model;
    benchmark::RegisterBenchmark(name.c_str(), [net](benchmark::State& st) {
      solve_network_with(st, *net, [&](const pinfuse::ReferenceAccelerator& accel, const pinfuse::Scratchpad& spm) {
        return pinfuse::solve_joint_ilp(*net, accel, spm);
      });
      const pinfuse::ReferenceAccelerator accel(*net, shipped_hardware());
      const pinfuse::IlpModel m =
          pinfuse::formulate_joint_ilp(pinfuse::make_problem(*net), accel, pinfuse::scratchpad_of(shipped_hardware()), {});
      st.counters["ilp_rows"] = double(m.rows());
      st.counters["ilp_cols"] = double(m.cols());
      st.counters["ilp_nonzeros"] = double(m.A.nonZeros());
    })->Unit(benchmark::kMillisecond);
  }
#endif
  // Command streams: building a joint plan's program and replaying it byte by byte
  // (the plan is solved once, outside the timing).
  for (const char* model : {"mobilenet_v2", "resnet50", "inception_v3", "unet"}) {
    const auto net = std::make_shared<const pinfuse::Network>(
        pinfuse::load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/" + model + ".json"));
    const std::string name = std::string("program/") + model;
    benchmark::RegisterBenchmark(name.c_str(), [net](benchmark::State& st) {
      const pinfuse::Hardware hw = shipped_hardware();
      const pinfuse::ReferenceAccelerator accel(*net, hw);
      const pinfuse::Scratchpad spm = pinfuse::scratchpad_of(hw);
      const pinfuse::Plan plan = pinfuse::solve_joint(*net, accel, spm);
      pinfuse::ReplayReport report;
      for (auto _ : st) {
        report = pinfuse::replay_program(*net, plan, pinfuse::build_program(*net, plan, accel, spm), spm);
        if (!report.ok()) st.SkipWithError(report.findings.front().message.c_str());
      }
      st.counters["commands"] = double(report.commands);
      st.counters["stages"] = double(report.stages);
    })->Unit(benchmark::kMillisecond);
  }
  // The allocator on layouts that fragment the SPM: what a solve's address step costs where it is hardest.
  for (const fs::path& path : source_files("tests/data/fragmented_layouts", ".txt")) {
    const auto layout = std::make_shared<const pinfuse::AllocationInstance>(
        pinfuse::read_allocation_instance(pinfuse::io::read_text_file(path.string()), path.string()));
    benchmark::RegisterBenchmark(("allocate/" + path.stem().string()).c_str(), [layout](benchmark::State& st) {
      const pinfuse::AllocationOptions options = pinfuse::options_to_fit(*layout);
      pinfuse::Allocation a;
      for (auto _ : st) a = pinfuse::allocate(layout->requests, options);
      st.counters["fits"] = a.peak <= layout->capacity ? 1 : 0;
      st.counters["peak_KiB"] = double(a.peak) / 1024;
      st.counters["lower_bound_KiB"] = double(a.lower_bound) / 1024;
      st.counters["buffers"] = double(layout->requests.size());
    })->Unit(benchmark::kMillisecond);
  }
  // Scaling: groups of at most 12 layers keep the DP at O(n * 12) group queries.
  for (const int layers : {100, 300, 1000, 3000, 5000})
    for (const pinfuse::Strategy s : {pinfuse::Strategy::fusion, pinfuse::Strategy::joint}) {
      const std::string name = std::string(pinfuse::to_string(s)) + "/synthetic/" + std::to_string(layers);
      benchmark::RegisterBenchmark(name.c_str(), [layers, s](benchmark::State& st) {
        const pinfuse::Network net = pinfuse::bench::synthetic_network(layers);
        pinfuse::SolveOptions options;
        options.max_group_layers = 12;
        solve_network(st, net, s, options);
      })->Unit(benchmark::kMillisecond)->Iterations(layers >= 1000 ? 1 : 3);
    }
  // The same chains with default options (no group limit): groups stop growing
  // where the cost model's SPM floor passes the capacity (SpmFloorModel).
  for (const int layers : {1000, 5000})
    benchmark::RegisterBenchmark(("joint-default/synthetic/" + std::to_string(layers)).c_str(), [layers](benchmark::State& st) {
      solve_network(st, pinfuse::bench::synthetic_network(layers), pinfuse::Strategy::joint, {});
    })->Unit(benchmark::kMillisecond)->Iterations(1);
  // Everything around the search is linear (issue 11): layerwise plans, their SPM
  // addresses and their validation on networks of up to 100,000 layers.
  for (const int layers : {10000, 100000}) {
    benchmark::RegisterBenchmark(("layerwise/synthetic/" + std::to_string(layers)).c_str(), [layers](benchmark::State& st) {
      solve_network(st, pinfuse::bench::synthetic_network(layers), pinfuse::Strategy::layerwise, {});
    })->Unit(benchmark::kMillisecond)->Iterations(1);
    benchmark::RegisterBenchmark(("validate/layerwise/synthetic/" + std::to_string(layers)).c_str(), [layers](benchmark::State& st) {
      const pinfuse::Network net = pinfuse::bench::synthetic_network(layers);
      const pinfuse::Hardware hw = shipped_hardware();
      const pinfuse::ReferenceAccelerator accel(net, hw);
      const pinfuse::Scratchpad spm = pinfuse::scratchpad_of(hw);
      const pinfuse::Plan plan = pinfuse::solve_layerwise(net, accel, spm);
      for (auto _ : st)
        if (!pinfuse::validate_plan(net, plan, accel, spm).ok()) st.SkipWithError("invalid plan");
    })->Unit(benchmark::kMillisecond)->Iterations(1);
  }
  return true;
}();

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

BENCHMARK_MAIN();
