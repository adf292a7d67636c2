// custom_cost_model — plugging your own hardware model into pinfuse.
//
// pinfuse's solvers know nothing about hardware: they ask a CostModel what one
// group costs. RooflineNpu is a deliberately small model with no tiling:
//  * DRAM inputs, DRAM outputs and weights stream through fixed DMA staging
//    buffers (at most `stage_bytes` each);
//  * an FM produced and read inside the group stays whole in the SPM (a pinned
//    FM also stays whole, but the solver accounts for pins, not the model);
//  * latency = launch + max(MACs / peak, DRAM bytes / bandwidth) (a roofline).
// Usage: custom_cost_model [MODEL.json]   (run from the repository root)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "pinfuse/pinfuse.hpp"

struct RooflineNpu {
  const pinfuse::Network* net;
  double macs_per_cycle = 512;            // peak MAC/cycle
  double dram_bytes_per_cycle = 8;        // DRAM bandwidth, bytes/cycle
  std::uint64_t stage_bytes = 32 * 1024;  // one DMA staging buffer, bytes
  std::uint64_t launch_cycles = 200;      // fixed cost of starting a group

  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery& q) const {
    const pinfuse::Network& g = *net;
    // Contract: every buffer is a multiple of q.alignment.
    const auto align = [&](std::uint64_t b) { return (b + q.alignment - 1) / q.alignment * q.alignment; };
    const auto staged = [&](std::uint64_t b) { return align(std::min(b, stage_bytes)); };
    pinfuse::GroupCost c;
    std::uint64_t macs = 0;
    for (const std::size_t v : q.layers) {
      macs += pinfuse::macs(g, v);
      c.offchip.weights += pinfuse::weight_bytes(g, v);
      // Intermediate: some later layer of the group reads it. A layer that is not
      // a group output is one; an output is one too if q.outputs_read_inside says so.
      const auto out = std::find_if(q.outputs.begin(), q.outputs.end(), [&](const pinfuse::BoundaryFm& o) { return o.vertex == v; });
      const std::size_t o = std::size_t(out - q.outputs.begin());
      const bool read_inside = out == q.outputs.end() || q.outputs_read_inside[o] != 0;
      const bool pinned_out = out != q.outputs.end() && out->where == pinfuse::Residence::pinned;
      if (read_inside && !pinned_out) c.buffers.push_back({"tmp:" + g[v].name, align(pinfuse::fm_bytes(g, v))});
    }
    // q.passing lists the pinned FMs that pass over the group untouched: their
    // bytes are already outside q.available_bytes, so this model ignores them (a
    // model with banks or retention limits could refuse or charge them here).
    if (c.offchip.weights > 0) c.buffers.push_back({"weights", staged(c.offchip.weights)});
    // Contract: fm_read > 0 iff some input is in DRAM; fm_write = bytes of the DRAM outputs.
    // A loaded input (a model input the group loads whole to keep it pinned) is
    // read once into its pinned place: no staging buffer.
    for (const pinfuse::BoundaryFm& in : q.inputs) {
      if (in.where == pinfuse::Residence::pinned) continue;
      c.offchip.fm_read += pinfuse::fm_bytes(g, in.vertex);
      if (in.where == pinfuse::Residence::dram)
        c.buffers.push_back({"in:" + g[in.vertex].name, staged(pinfuse::fm_bytes(g, in.vertex))});
    }
    for (const pinfuse::BoundaryFm& out : q.outputs)
      if (out.where == pinfuse::Residence::dram) {
        c.offchip.fm_write += pinfuse::fm_bytes(g, out.vertex);
        c.buffers.push_back({"out:" + g[out.vertex].name, staged(pinfuse::fm_bytes(g, out.vertex))});
      }
    // Contract: the buffers fit in what the pinned FMs leave, else "infeasible".
    if (c.footprint() > q.available_bytes) return std::nullopt;
    const double compute = double(macs) / macs_per_cycle;
    const double dma = double(c.offchip.total()) / dram_bytes_per_cycle;
    c.latency_cycles = launch_cycles + std::uint64_t(std::ceil(std::max(compute, dma)));
    c.tiling = {{"tiles", 1}};
    return c;
  }
  // Optional (InterchangeableFmModel): an input costs its bytes alone, so the solvers keep
  // one state for pin sets that differ only by which FMs of one size they pin.
  std::optional<std::uint64_t> interchange_key(std::size_t v) const { return pinfuse::fm_bytes(*net, v); }
};
static_assert(pinfuse::CostModel<RooflineNpu>);

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "models/mobilenet_v2.json";
  try {
    const pinfuse::Network net = pinfuse::load_model(path);
    const RooflineNpu model{&net};
    const pinfuse::Scratchpad spm(512 * 1024, 64);  // 512 KiB, 64-byte alignment
    bool all_valid = true;
    for (const pinfuse::Plan& plan : {pinfuse::solve_joint(net, model, spm), pinfuse::solve_fusion(net, model, spm)}) {
      const pinfuse::ValidationReport report = pinfuse::validate_plan(net, plan, model, spm);
      std::printf("%-7s latency %9llu cycles | off-chip %9llu B (FM %8llu B) | %3zu groups | %3zu pinned | %s\n",
                  plan.strategy.c_str(), (unsigned long long)plan.totals.latency_cycles,
                  (unsigned long long)plan.totals.offchip.total(), (unsigned long long)plan.totals.offchip.fm(),
                  plan.groups.size(), plan.pinned.size(), report.ok() ? "valid" : "INVALID");
      for (const pinfuse::Finding& f : report.findings) std::printf("  %s\n", f.message.c_str());
      all_valid = all_valid && report.ok();
    }
    return all_valid ? 0 : 3;
  } catch (const pinfuse::error& e) {  // bad input, or no plan fits
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
