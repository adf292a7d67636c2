// Quality report: every bundled model x SPM size x strategy, with the
// compulsory-traffic and roofline floors; Markdown + CSV.
//   reports quality [--models DIR] [--hw HW.json] [--out DIR] [--time-limit-ms N]
// One of the subcommands of the `reports` program (reports.cpp).
// scripts/quality_report.sh builds and runs it into benchmarks/results/.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pinfuse/accel/bounds.hpp"
#include "pinfuse/pinfuse.hpp"

namespace pinfuse_reports::quality {
namespace {

using namespace pinfuse;
namespace fs = std::filesystem;

constexpr std::uint64_t KiB = 1024;
const std::vector<std::uint64_t> spm_sizes{256 * KiB, 512 * KiB, 1024 * KiB, 2048 * KiB, 4096 * KiB};

struct Row {
  std::string model;
  std::uint64_t spm = 0;
  std::string strategy;
  bool feasible = false;
  PlanTotals totals;
  std::size_t groups = 0, pinned = 0;
  std::size_t cached_groups = 0;  ///< groups that keep overlap rows between row tiles (halo caching, §2a)
  std::uint64_t spm_peak = 0, spm_lower_bound = 0;  ///< highest SPM address used; most bytes alive at once
  double solve_ms = 0;
  bool optimal = false;  ///< proven optimal (not stopped by the time limit, no address repair)
  std::uint64_t floor_fm = 0, floor_weights = 0, roofline = 0;
};

std::string arg(int argc, char** argv, const std::string& name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

double reduction(double before, double after) { return before > 0 ? 100.0 * (after - before) / before : 0.0; }

/// SPM address peak over the live-bytes lower bound (1 when nothing is alive).
double peak_ratio(const Row& r) { return r.spm_lower_bound ? double(r.spm_peak) / double(r.spm_lower_bound) : 1.0; }

}  // namespace

int report(int argc, char** argv) {
  const fs::path models_dir = arg(argc, argv, "--models", std::string(PINFUSE_SOURCE_DIR) + "/models");
  const fs::path out_dir = arg(argc, argv, "--out", std::string(PINFUSE_SOURCE_DIR) + "/benchmarks/results");
  const Hardware base = load_hardware(arg(argc, argv, "--hw", std::string(PINFUSE_SOURCE_DIR) + "/examples/hardware/mobile_npu.json"));
  SolveOptions options;  // every solve is bounded: a plan not proven optimal is marked
  options.time_limit = std::chrono::milliseconds(std::stoll(arg(argc, argv, "--time-limit-ms", std::string("30000"))));
  std::vector<fs::path> models;
  for (const auto& entry : fs::directory_iterator(models_dir))
    if (entry.path().extension() == ".json") models.push_back(entry.path());
  std::sort(models.begin(), models.end());

  std::vector<Row> rows;
  for (const fs::path& path : models) {
    const Network net = load_model(path.string());
    const OffchipBytes floor = compulsory_offchip(net);
    for (const std::uint64_t spm_bytes : spm_sizes) {
      Hardware hw = base;
      hw.spm_bytes = spm_bytes;
      const ReferenceAccelerator accel(net, hw);
      const Scratchpad spm = scratchpad_of(hw);
      for (const Strategy s : all_strategies) {
        Row r;
        r.model = model_info(net).name;
        r.spm = spm_bytes;
        r.strategy = to_string(s);
        r.floor_fm = floor.fm();
        r.floor_weights = floor.weights;
        r.roofline = roofline_latency(net, accel);
        try {
          const Plan plan = solve(s, net, accel, spm, options);
          if (!validate_plan(net, plan, accel, spm).ok() ||
              !replay_program(net, plan, build_program(net, plan, accel, spm), spm).ok()) {
            std::fprintf(stderr, "INVALID plan: %s %llu %s\n", r.model.c_str(), (unsigned long long)spm_bytes, r.strategy.c_str());
            return 3;
          }
          r.feasible = true;
          r.totals = plan.totals;
          r.groups = plan.groups.size();
          r.pinned = plan.pinned.size();
          r.cached_groups = std::size_t(std::count_if(plan.groups.begin(), plan.groups.end(), [](const PlannedGroup& g) {
            return tiling_key::value_in(g.cost, tiling_key::halo_cached) != 0;
          }));
          r.spm_peak = plan.layout.peak;
          r.spm_lower_bound = plan.layout.lower_bound;
          r.solve_ms = plan.solve_ms;
          r.optimal = plan.status.optimal;
        } catch (const no_plan_fits&) {
          // no plan fits this SPM: reported as infeasible
        }
        std::fprintf(stderr, "%-20s %5llu KiB %-9s %s %.1f ms\n", r.model.c_str(), (unsigned long long)(spm_bytes / KiB),
                     r.strategy.c_str(), r.feasible ? "ok" : "infeasible", r.solve_ms);
        rows.push_back(r);
      }
    }
  }

  fs::create_directories(out_dir);
  std::ofstream csv(out_dir / "quality.csv");
  csv << "model,spm_bytes,strategy,feasible,latency_cycles,fm_offchip_bytes,fm_read_bytes,fm_write_bytes,weight_bytes,"
         "recompute_macs,groups,pinned,solve_ms,floor_fm_bytes,floor_weight_bytes,roofline_cycles,spm_peak_bytes,"
         "spm_lower_bound_bytes,optimal,energy_pj,energy_dram_pj,energy_spm_read_pj,energy_spm_write_pj,energy_mac_pj,"
         "energy_vector_pj,cached_groups\n";
  for (const Row& r : rows)
    csv << r.model << ',' << r.spm << ',' << r.strategy << ',' << (r.feasible ? 1 : 0) << ',' << r.totals.latency_cycles << ','
        << r.totals.offchip.fm() << ',' << r.totals.offchip.fm_read << ',' << r.totals.offchip.fm_write << ','
        << r.totals.offchip.weights << ',' << r.totals.recompute_macs << ',' << r.groups << ',' << r.pinned << ','
        << r.solve_ms << ',' << r.floor_fm << ',' << r.floor_weights << ',' << r.roofline << ',' << r.spm_peak << ','
        << r.spm_lower_bound << ',' << (r.optimal ? 1 : 0) << ',' << r.totals.energy.total() << ',' << r.totals.energy.dram
        << ',' << r.totals.energy.spm_read << ',' << r.totals.energy.spm_write << ',' << r.totals.energy.mac << ','
        << r.totals.energy.vector << ',' << r.cached_groups << '\n';

  // Joint vs fusion-only where both have a plan.
  double sum_fm = 0, sum_latency = 0;
  int pairs = 0;
  std::ofstream md(out_dir / "quality.md");
  md << "# Quality report\n\nHardware: `" << base.name << "` with the SPM size of each row; every plan passed the validator,\n"
     << "and its command stream replayed cleanly.\n"
     << "Latency in cycles; traffic in KiB; energy in uJ (docs/reference-accelerator.md section 11; the CSV has its breakdown);\n"
     << "floors: compulsory FM / weight traffic and the roofline latency;\n"
     << "SPM peak / LB: the highest SPM address the plan's layout uses over the most bytes alive at once (1 = no fragmentation).\n"
     << "Every solve has a time limit of " << options.time_limit.count() << " ms; a solve time marked * is a plan not proven\n"
     << "optimal (stopped by the limit, or an address repair banned a pin of the optimum).\n\n";
  for (std::size_t i = 0; i < rows.size(); i += all_strategies.size()) {
    const Row& head = rows[i];
    if (i == 0 || rows[i - 1].model != head.model) {
      md << "\n## " << head.model << "\n\nFloors: FM " << head.floor_fm / KiB << " KiB, weights " << head.floor_weights / KiB
         << " KiB.\n\n| SPM KiB | strategy | latency | vs roofline | FM KiB | weights KiB | recompute MMAC | cached groups | energy uJ | "
            "groups | pinned | SPM peak / LB | solve ms |\n"
         << "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    }
    for (std::size_t k = 0; k < all_strategies.size(); ++k) {
      const Row& r = rows[i + k];
      char line[512];
      if (!r.feasible)
        std::snprintf(line, sizeof line, "| %llu | %s | no plan fits | | | | | | | | | | |\n", (unsigned long long)(r.spm / KiB), r.strategy.c_str());
      else
        std::snprintf(line, sizeof line, "| %llu | %s | %llu | %.2fx | %.1f | %.1f | %.2f | %zu | %.1f | %zu | %zu | %.3f | %.1f%s |\n",
                      (unsigned long long)(r.spm / KiB), r.strategy.c_str(), (unsigned long long)r.totals.latency_cycles,
                      double(r.totals.latency_cycles) / double(std::max<std::uint64_t>(r.roofline, 1)),
                      double(r.totals.offchip.fm()) / KiB, double(r.totals.offchip.weights) / KiB,
                      double(r.totals.recompute_macs) / 1e6, r.cached_groups, double(r.totals.energy.total()) / 1e6, r.groups, r.pinned,
                      peak_ratio(r), r.solve_ms,
                      r.optimal ? "" : "*");
      md << line;
    }
    const Row& fusion = rows[i + 1];
    const Row& joint = rows[i + 3];
    if (fusion.feasible && joint.feasible) {
      sum_fm += reduction(double(fusion.totals.offchip.fm()), double(joint.totals.offchip.fm()));
      sum_latency += reduction(double(fusion.totals.latency_cycles), double(joint.totals.latency_cycles));
      ++pairs;
    }
  }
  char summary[512];
  std::snprintf(summary, sizeof summary,
                "Summary: joint vs fusion-only, averaged over %d model x SPM pairs: FM off-chip traffic %+.1f%%, latency %+.1f%% "
                "(paper: -50%%, -15%%).\n",
                pairs, pairs ? sum_fm / pairs : 0.0, pairs ? sum_latency / pairs : 0.0);
  // The address allocator against its lower bound, over every plan.
  int plans = 0, at_bound = 0;
  const Row* worst = nullptr;
  for (const Row& r : rows) {
    if (!r.feasible) continue;
    ++plans;
    at_bound += r.spm_peak == r.spm_lower_bound;
    if (!worst || peak_ratio(r) > peak_ratio(*worst)) worst = &r;
  }
  if (worst)
    std::snprintf(summary + std::strlen(summary), sizeof summary - std::strlen(summary),
                  "SPM addresses: the peak equals the live-bytes lower bound in %d of %d plans; worst peak / LB %.3f "
                  "(%s, %llu KiB, %s).\n",
                  at_bound, plans, peak_ratio(*worst), worst->model.c_str(), (unsigned long long)(worst->spm / KiB),
                  worst->strategy.c_str());
  md << '\n' << summary;
  std::printf("%s", summary);
  std::printf("wrote %s and %s\n", (out_dir / "quality.md").c_str(), (out_dir / "quality.csv").c_str());
  return 0;
}

}  // namespace pinfuse_reports::quality
