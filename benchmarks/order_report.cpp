// Order report: joint plans of the branchy bundled models on a naive
// breadth-first order, on the model file's order, with the order search
// (OrderMode::search) and with the order-free search (OrderMode::free, the
// optimum over every order, 10 s limit); Markdown + CSV. Every solve uses the
// same bounds (max_pins_per_cut = 6, max_group_layers = 8), so that the
// breadth-first order of Inception-v3 solves in seconds, not minutes.
//   reports order [--out DIR]      (writes DIR/order.md and DIR/order.csv)
// One of the subcommands of the `reports` program (reports.cpp).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pinfuse/pinfuse.hpp"
#include "pinfuse/solvers/order_search.hpp"

namespace pinfuse_reports::order {
namespace {

using namespace pinfuse;

struct Result {
  bool feasible = false;
  PlanTotals totals;
  double ms = 0;
  bool optimal = false;
};

Result run(const Network& net, const ReferenceAccelerator& accel, const Scratchpad& spm, const SolveOptions& opt) {
  try {
    const Plan plan = solve_joint(net, accel, spm, opt);
    if (!validate_plan(net, plan, accel, spm).ok()) throw std::runtime_error("invalid plan");
    return {true, plan.totals, plan.solve_ms, plan.status.optimal};
  } catch (const no_plan_fits&) {
    return {};
  }
}

double change(double before, double after) { return before > 0 ? 100.0 * (after - before) / before : 0.0; }

}  // namespace

int report(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path out = argc > 2 && std::string(argv[1]) == "--out" ? fs::path(argv[2])
                                                                   : fs::path(PINFUSE_SOURCE_DIR) / "benchmarks/results";
  const std::vector<std::string> models{"googlenet", "inception_v3", "squeezenet", "shufflenet_v2", "unet", "resnet50"};
  SolveOptions bounds;
  bounds.max_pins_per_cut = 6;
  bounds.max_group_layers = 8;
  fs::create_directories(out);
  std::ofstream csv(out / "order.csv"), md(out / "order.md");
  csv << "model,spm_bytes,order,feasible,latency_cycles,fm_offchip_bytes,solve_ms\n";
  md << "# Execution order and the joint plan\n\nJoint plans (latency objective) on the shipped hardware, per SPM size, for three orders:\n"
        "a naive breadth-first topological order (Kahn, FIFO), the model file's order (the default), and the order\n"
        "search (`--order search`: the best plan over the candidates of `solvers/order_search.hpp`: file, breadth\n"
        "first, depth first, memory greedy, smallest / largest output first, windowed least peak); and the\n"
        "order-free search (`--order free`: the optimum over every order, limited to 10 s; `*` marks a plan it\n"
        "did not prove optimal in that time).\n"
        "Every solve uses `max_pins_per_cut = 6` and `max_group_layers = 8`.\n"
        "`change`: the searched order against the breadth-first one; `free vs searched`: the order-free plan's\n"
        "latency against the searched order's. Every plan passed the validator.\n"
        "Solve times: one core of the 2-core development machine, Release.\n\n"
        "| model | SPM KiB | latency BFS | latency file | latency searched | change | latency free | free vs searched "
        "| FM KiB BFS | FM KiB searched | change | solve s BFS | solve s searched | solve s free |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  const Hardware base = load_hardware(std::string(PINFUSE_SOURCE_DIR) + "/examples/hardware/mobile_npu.json");
  for (const std::string& name : models) {
    const Network net = load_model(std::string(PINFUSE_SOURCE_DIR) + "/models/" + name + ".json");
    for (const std::uint64_t kib : {256u, 512u, 1024u}) {
      Hardware hw = base;
      hw.spm_bytes = kib * 1024;
      const ReferenceAccelerator accel(net, hw);
      const Scratchpad spm = scratchpad_of(hw);
      SolveOptions bfs = bounds, file = bounds, searched = bounds, free = bounds;
      bfs.order = breadth_first_order(net);
      searched.order_mode = OrderMode::search;
      free.order_mode = OrderMode::free;
      free.time_limit = std::chrono::seconds(10);
      const Result r[4] = {run(net, accel, spm, bfs), run(net, accel, spm, file), run(net, accel, spm, searched),
                           run(net, accel, spm, free)};
      const char* labels[4] = {"breadth_first", "file", "searched", "free"};
      for (int k = 0; k < 4; ++k)
        csv << name << ',' << kib * 1024 << ',' << labels[k] << ',' << r[k].feasible << ',' << r[k].totals.latency_cycles << ','
            << r[k].totals.offchip.fm() << ',' << r[k].ms << '\n';
      char line[512];
      if (r[0].feasible && r[2].feasible && r[3].feasible)
        std::snprintf(line, sizeof line,
                      "| %s | %llu | %llu | %llu | %llu | %+.1f%% | %llu%s | %+.2f%% | %.1f | %.1f | %+.1f%% | %.1f | %.1f | %.1f |\n",
                      name.c_str(), (unsigned long long)kib, (unsigned long long)r[0].totals.latency_cycles,
                      (unsigned long long)r[1].totals.latency_cycles, (unsigned long long)r[2].totals.latency_cycles,
                      change(double(r[0].totals.latency_cycles), double(r[2].totals.latency_cycles)),
                      (unsigned long long)r[3].totals.latency_cycles, r[3].optimal ? "" : "*",
                      change(double(r[2].totals.latency_cycles), double(r[3].totals.latency_cycles)),
                      double(r[0].totals.offchip.fm()) / 1024, double(r[2].totals.offchip.fm()) / 1024,
                      change(double(r[0].totals.offchip.fm()), double(r[2].totals.offchip.fm())), r[0].ms / 1000,
                      r[2].ms / 1000, r[3].ms / 1000);
      else
        std::snprintf(line, sizeof line, "| %s | %llu | %s | | %s | | %s | | | | | | | |\n", name.c_str(), (unsigned long long)kib,
                      r[0].feasible ? "ok" : "no plan", r[2].feasible ? "ok" : "no plan", r[3].feasible ? "ok" : "no plan");
      md << line;
      std::fprintf(stderr, "%s", line);
    }
  }
  std::printf("wrote %s and %s\n", (out / "order.md").c_str(), (out / "order.csv").c_str());
  return 0;
}

}  // namespace pinfuse_reports::order
