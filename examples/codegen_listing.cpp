// codegen_listing — from a plan to the calls a code generator emits.
//
// Solves a model jointly on the shipped hardware, turns the plan into its
// command stream (build_program), checks it byte by byte (replay_program), and
// prints it as C-like runtime calls: one block per stage, the compute queue and
// the DMA queue that overlaps it side by side. A real back end would map these
// calls to its DMA descriptors and kernels.
// Usage: codegen_listing [MODEL.json] [GROUPS]   (run from the repository root;
//        GROUPS: how many groups to print, default 2)
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "pinfuse/pinfuse.hpp"
#include "pinfuse/plan/replay.hpp"

namespace {

// (Strings are built with += : GCC 12 warns falsely on "literal" + std::string at -O3.)
std::string tensor_name(const pinfuse::Network& g, pinfuse::TensorRef t) {
  std::string s = t.kind == pinfuse::TensorKind::fm ? "fm_" : "w_";
  s += g[t.vertex].name;
  return s;
}

/// `runs` x `run_bytes`, with the strides when the runs are not back to back.
std::string shape(const pinfuse::Region& r) {
  std::string s = std::to_string(r.run_bytes);
  if (r.runs > 1) {
    s += " x";
    s += std::to_string(r.runs);
    s += " (dram stride " + std::to_string(r.stride);
    s += ", spm stride " + std::to_string(r.spm_stride);
    s += ")";
  }
  return s;
}

void print(const pinfuse::Network& g, const pinfuse::Program& prog, const pinfuse::Command& c) {
  const char* queue = c.queue == pinfuse::Queue::dma ? "dma " : "main";
  if (c.kind == pinfuse::CommandKind::compute) {
    const auto list = [&](const std::vector<pinfuse::Region>& regions) {
      std::string s;
      for (const pinfuse::Region& r : regions) {
        s += ' ';
        s += tensor_name(g, r.tensor);
        s += "@spm+";
        s += std::to_string(r.spm);
      }
      return s;
    };
    std::printf("  [%s] %s_%s(%s ->%s);\n", queue, c.accumulate ? "accumulate" : "run", g[c.layer].name.c_str(),
                list(c.reads).c_str() + 1, list(c.writes).c_str());
    return;
  }
  const bool load = c.kind == pinfuse::CommandKind::load;
  const pinfuse::Region& r = load ? c.writes.front() : c.reads.front();
  std::printf("  [%s] dma_%s(spm+%llu, dram+%llu, %s);  // %s bytes %llu..\n", queue, load ? "load " : "store",
              (unsigned long long)r.spm, (unsigned long long)prog.dram_address(r), shape(r).c_str(),
              tensor_name(g, r.tensor).c_str(), (unsigned long long)r.offset);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string path = argc > 1 ? argv[1] : "models/mobilenet_v2.json";
    const std::size_t groups = argc > 2 ? std::stoul(argv[2]) : 2;
    const pinfuse::Network net = pinfuse::load_model(path);
    const pinfuse::Hardware hw;  // the shipped mobile NPU
    const pinfuse::ReferenceAccelerator accel(net, hw);
    const pinfuse::Scratchpad spm = pinfuse::scratchpad_of(hw);

    const pinfuse::Plan plan = pinfuse::solve_joint(net, accel, spm);
    const pinfuse::Program prog = pinfuse::build_program(net, plan, accel, spm);
    const pinfuse::ReplayReport replay = pinfuse::replay_program(net, plan, prog, spm);
    for (const pinfuse::ReplayFinding& f : replay.findings) std::fprintf(stderr, "replay: %s\n", f.message.c_str());
    if (!replay.ok()) return 3;
    std::printf("// %s: %zu groups, %zu commands in %zu stages; replayed byte by byte, clean\n",
                pinfuse::model_info(net).name.c_str(), plan.groups.size(), replay.commands, replay.stages);

    for (std::size_t gi = 0; gi < plan.groups.size() && gi < groups; ++gi) {
      std::string tiling;
      for (const auto& [k, v] : plan.groups[gi].cost.tiling) {
        tiling += ' ';
        tiling += k;
        tiling += '=';
        tiling += std::to_string(v);
      }
      std::printf("\n// group %zu: %s .. %s,%s\n", gi, net[plan.groups[gi].layers.front()].name.c_str(),
                  net[plan.groups[gi].layers.back()].name.c_str(), tiling.c_str());
      std::size_t stage = ~std::size_t(0);
      for (const pinfuse::Command& c : prog.groups[gi]) {
        if (c.stage != stage) std::printf("stage_%zu:\n", stage = c.stage);
        print(net, prog, c);
      }
    }
    return 0;
  } catch (const pinfuse::error& e) {  // bad input, or no plan fits
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::logic_error& e) {  // std::stoul on a bad GROUPS argument
    std::fprintf(stderr, "error: GROUPS: not a number (%s)\n", e.what());
    return 2;
  }
}
