// pinfuse — the command-line tool: solve, validate and compare plans for a model.
//   pinfuse solve MODEL.json [--hw HW.json] [--strategy joint] [--out PLAN.json] [--program CMDS.json] [--json] [--stats]
//   pinfuse validate MODEL.json PLAN.json [--hw HW.json] [--program CMDS.json]
//   pinfuse compare MODEL.json [--hw HW.json] [--json] [--stats]
//   (solve, compare and sweep show a progress line on stderr after a second; --quiet silences it)
//   pinfuse sweep MODEL.json [--hw HW.json] [--from 64KiB] [--to 8MiB] [--csv F] [--svg F] [--traffic-svg F]
//   pinfuse import MODEL.onnx|MODEL.tflite [-o MODEL.json] [--dtype-bytes N] [--name NAME]
//                  [--input NAME=1x3x640x640]... [--outputs NAME,...]   (built with ONNX / flatbuffers)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

#include "pinfuse/accel/bounds.hpp"
#include "pinfuse/io/program_json.hpp"
#include "pinfuse/pinfuse.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/report/svg.hpp"
#include "pinfuse/io/import/options.hpp"
#if PINFUSE_HAS_ONNX
#include "pinfuse/io/onnx_import.hpp"
#endif
#if PINFUSE_HAS_TFLITE
#include "pinfuse/io/tflite_import.hpp"
#endif

namespace {

using nlohmann::json;
using namespace pinfuse;

/// The tool's exit codes (docs/reliability.md).
namespace exit_code {
constexpr int ok = 0;
constexpr int internal = 1;      ///< a bug: please report it
constexpr int bad_input = 2;     ///< input_error (and limit_error): a file, field or option is wrong
constexpr int invalid = 3;       ///< a plan or command stream failed validation or replay
constexpr int no_plan_fits = 4;  ///< the input is fine, but no plan fits the SPM
}  // namespace exit_code

struct Common {
  std::string model_path;
  std::string hw_path;
  std::string spm;  // overrides the SPM size, e.g. 512KiB
  std::string objective = "latency";
  std::size_t max_group_layers = 0;
  std::string order = "file";
  double time_limit_s = 0;
  std::size_t threads = 0;  // 0: one per hardware thread
  std::string latency_slack;  // "0.5%" or "0.005": a trade-off solve (SolveOptions::trade_off)
  bool quiet = false;  // no progress line
  bool stats = false;  // print the solver statistics
};

/// "1048576", "512KiB", "1MiB", "2MB" -> bytes, from 1 byte to 2^40 (as the
/// hardware file's spm_bytes): digits and a unit, nothing else.
std::uint64_t parse_size(const std::string& text, const std::string& option) {
  const auto bad = [&](const std::string& why) -> input_error {
    return input_error(option, why + ": expected a size such as 1048576, 512KiB or 1MiB, got '" + text + "'");
  };
  const std::size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) throw bad("no digits");
  static const std::map<std::string, std::uint64_t> units{{"", 1},           {"B", 1},           {"KiB", 1024},
                                                          {"MiB", 1 << 20},   {"KB", 1000},       {"MB", 1000000},
                                                          {"K", 1024},        {"M", 1 << 20}};
  const auto unit = units.find(digits == std::string::npos ? "" : text.substr(digits));
  if (unit == units.end()) throw bad("unknown unit");
  constexpr std::uint64_t most = std::uint64_t{1} << 40;
  std::uint64_t value = 0;
  for (const char c : text.substr(0, digits)) {
    value = value * 10 + std::uint64_t(c - '0');
    if (value > most) throw bad("more than 2^40 bytes");
  }
  if (value == 0 || value * unit->second > most) throw bad(value == 0 ? "zero bytes" : "more than 2^40 bytes");
  return value * unit->second;
}

/// "0.5%" -> 0.005, "0.005" -> 0.005: a fraction from 0 to 1e6, nothing after the number but "%".
double parse_fraction(const std::string& text, const std::string& option) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size() || !(value >= 0 && value <= 1e6))
    throw input_error(option, "expected a fraction such as 0.005 or 0.5%, from 0 up, got '" + text + "'");
  return percent ? value / 100 : value;
}

struct Setup {
  Network net;
  Hardware hw;
  SolveOptions options;
  bool progress = true;
};

Setup load(const Common& c) {
  Setup s{load_model(c.model_path), c.hw_path.empty() ? Hardware{} : load_hardware(c.hw_path), {}, !c.quiet};
  if (!c.spm.empty()) s.hw.spm_bytes = parse_size(c.spm, "--spm");
  s.options.objective = *objective_named(c.objective == "offchip" ? "offchip_bytes" : c.objective);  // checked by the CLI
  s.options.max_group_layers = c.max_group_layers;
  s.options.order_mode = c.order == "free" ? OrderMode::free : c.order == "file" ? OrderMode::file : OrderMode::search;
  s.options.time_limit = std::chrono::milliseconds(std::llround(c.time_limit_s * 1000.0));
  s.options.threads = c.threads;
  if (!c.latency_slack.empty()) s.options.trade_off = TradeOff{parse_fraction(c.latency_slack, "--latency-slack")};
  return s;
}

void add_common(CLI::App& cmd, Common& c) {
  cmd.add_option("MODEL", c.model_path, "model JSON (docs/model-format.md)")->required();
  cmd.add_option("--hw", c.hw_path, "hardware JSON (default: the built-in mobile-npu, as examples/hardware/mobile_npu.json)");
  cmd.add_option("--spm", c.spm, "SPM size overriding the hardware file, e.g. 512KiB");
  std::vector<std::string> objectives(objective_names.begin(), objective_names.end());
  objectives.emplace_back("offchip");  // short for offchip_bytes
  cmd.add_option("--objective", c.objective,
                 "what to minimize first: latency (ties: off-chip bytes), offchip_bytes or offchip (ties: latency) "
                 "or energy (ties: latency)")
      ->check(CLI::IsMember(objectives));
  cmd.add_option("--max-group", c.max_group_layers, "longest fused group in layers (0 = no limit)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20));
  cmd.add_option("--order", c.order,
                 "execution order: file (the model's, default), free (optimized with the groups and pins; "
                 "slower on branchy models, pair it with --time-limit), search (joint: best of several heuristic orders)")
      ->check(CLI::IsMember({"free", "file", "search"}));
  cmd.add_option("--time-limit", c.time_limit_s,
                 "seconds the order-free search may take; then the best plan found and a proven bound (0 = no limit)")
      ->check(CLI::Range(0.0, 1e6));
  cmd.add_option("--latency-slack", c.latency_slack,
                 "e.g. 0.5%: among plans within this much of the least latency, the one with the least off-chip "
                 "bytes (with --objective energy: the least energy; file order)");
  cmd.add_option("--threads", c.threads,
                 "threads costing groups at once (file order; the plan does not depend on it); 0 = one per hardware thread")
      ->check(CLI::Range(std::size_t{0}, std::size_t{256}));
}

/// Adds --strategy NAME (default: what `name` holds).
void add_strategy_option(CLI::App& cmd, std::string& name) {
  std::vector<std::string> names;
  for (const Strategy st : all_strategies) names.emplace_back(to_string(st));
  cmd.add_option("--strategy", name, "layerwise | fusion | pinning | joint")->check(CLI::IsMember(names));
}

/// Adds --quiet (and --stats when `stats`) to a command that solves.
void add_solve_flags(CLI::App& cmd, Common& c, bool stats) {
  cmd.add_flag("--quiet", c.quiet, "no progress line on stderr for solves longer than a second");
  if (stats) cmd.add_flag("--stats", c.stats, "print the solver's statistics (states, cost-model queries, time)");
}

/// "12 states expanded, 3 pruned, ...": the solver's statistics on one line.
std::string statistics_text(const SolveStatistics& st) {
  char line[256];
  std::snprintf(line, sizeof line,
                "%llu states expanded, %llu pruned, %llu groups costed, %llu cache hits, %llu memory refusals, "
                "%llu growth stops, %llu incumbents, %llu runs, %.1f ms",
                (unsigned long long)st.states_expanded, (unsigned long long)st.states_pruned,
                (unsigned long long)st.groups_costed, (unsigned long long)st.cache_hits,
                (unsigned long long)st.memory_refusals, (unsigned long long)st.growth_stops, (unsigned long long)st.incumbents, (unsigned long long)st.runs,
                st.elapsed_ms);
  return line;
}

json statistics_json(const SolveStatistics& st) {
  return {{"runs", st.runs},
          {"states_expanded", st.states_expanded},
          {"states_pruned", st.states_pruned},
          {"groups_costed", st.groups_costed},
          {"cache_hits", st.cache_hits},
          {"memory_refusals", st.memory_refusals},
          {"growth_stops", st.growth_stops},
          {"incumbents", st.incumbents},
          {"elapsed_ms", st.elapsed_ms}};
}

/// The progress line on stderr once a solve has run for a second: rewritten in
/// place on a terminal (at most 10 times a second), else a line every 5 s.
class ProgressLine : public SolveObserver {
 public:
  explicit ProgressLine(std::string label) : label_(std::move(label)), terminal_(isatty(STDERR_FILENO) == 1) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() override {
    if (terminal_ && shown_) std::fputs("\r\x1b[K", stderr);  // the result follows on a clean line
  }
  SolveControl progress(const SolveStatistics& st) override {
    const double every_ms = terminal_ ? 100 : 5000;
    if (st.elapsed_ms < 1000 || (shown_ && st.elapsed_ms - last_ms_ < every_ms)) return SolveControl::proceed;
    shown_ = true;
    last_ms_ = st.elapsed_ms;
    std::fprintf(stderr, "%s%s: %.0f s, %s%s", terminal_ ? "\r\x1b[K" : "", label_.c_str(), st.elapsed_ms / 1000,
                 statistics_text(st).c_str(), terminal_ ? "" : "\n");
    std::fflush(stderr);
    return SolveControl::proceed;
  }

 private:
  std::string label_;
  bool terminal_;
  bool shown_ = false;
  double last_ms_ = 0;
};

struct Outcome {
  Plan plan;
  ValidationReport report;
};

Outcome run(const Setup& s, Strategy strategy) {
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  ProgressLine line{"solving " + std::string(to_string(strategy))};
  SolveOptions options = s.options;
  if (s.progress) options.observer = &line;
  Plan plan = solve(strategy, s.net, accel, spm, options);
  ValidationReport report = validate_plan(s.net, plan, accel, spm);
  return {std::move(plan), std::move(report)};
}

/// The validator's findings: [{"kind", "group" (when in one), "message"}].
json findings_json(const ValidationReport& r) {
  json out = json::array();
  for (const Finding& f : r.findings) {
    json one{{"kind", to_string(f.kind)}, {"message", f.message}};
    if (f.group) one["group"] = *f.group;
    out.push_back(std::move(one));
  }
  return out;
}

/// Halo caching (docs/reference-accelerator.md §2a): the groups that keep
/// overlap rows between row tiles, and the most bytes one of them keeps [B]
/// (groups run one after another, so this is the most cached at once).
json halo_cache_json(const Plan& plan) {
  std::size_t groups = 0;
  std::int64_t most = 0;
  for (const PlannedGroup& g : plan.groups) {
    if (tiling_key::value_in(g.cost, tiling_key::halo_cached) == 0) continue;
    ++groups;
    most = std::max(most, tiling_key::value_in(g.cost, tiling_key::cache_bytes));
  }
  return {{"cached_groups", groups}, {"most_cache_bytes", most}};
}

json summary_json(const Setup& s, const Outcome& o) {
  const PlanTotals& t = o.plan.totals;
  return {{"strategy", o.plan.strategy},
          {"latency_cycles", t.latency_cycles},
          {"latency_ms", double(t.latency_cycles) / (s.hw.clock_mhz * 1e3)},
          {"offchip_bytes", detail::offchip_json(t.offchip)},
          {"recompute_macs", t.recompute_macs},
          {"halo_cache", halo_cache_json(o.plan)},
          {"energy_pj", detail::energy_json(t.energy)},
          {"groups", o.plan.groups.size()},
          {"pinned", o.plan.pinned.size()},
          {"peak_spm_bytes", o.report.peak_spm_bytes},
          {"solve_ms", o.plan.solve_ms},
          {"status", detail::status_json(o.plan)},
          {"statistics", statistics_json(o.plan.statistics)},
          {"valid", o.report.ok()},
          {"validation_errors", findings_json(o.report)}};
}

std::string kib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", double(bytes) / 1024.0);
  return buf;
}

/// Picojoules as microjoules, one decimal.
std::string uj(std::uint64_t pj) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", double(pj) / 1e6);
  return buf;
}

void print_header(const Setup& s) {
  const ModelTotals t = totals(s.net);
  std::printf("model %s: %llu compute layers, %.1f M MACs, %.2f M params | hardware %s: SPM %s KiB, %.0f MAC/cycle, %.0f B/cycle DRAM\n",
              model_info(s.net).name.c_str(), (unsigned long long)t.compute_layers, double(t.macs) / 1e6,
              double(t.params) / 1e6, s.hw.name.c_str(), kib(s.hw.spm_bytes).c_str(), s.hw.macs_per_cycle,
              s.hw.dram_bytes_per_cycle);
}

void print_row(const Setup& s, const Outcome& o) {
  const PlanTotals& t = o.plan.totals;
  std::printf("%-10s %13llu %8.3f %11s %11s %11s %11s %12llu %10s %6zu %6zu %9.1f %s\n", o.plan.strategy.c_str(),
              (unsigned long long)t.latency_cycles, double(t.latency_cycles) / (s.hw.clock_mhz * 1e3),
              kib(t.offchip.fm_read).c_str(), kib(t.offchip.fm_write).c_str(), kib(t.offchip.weights).c_str(),
              kib(t.offchip.total()).c_str(), (unsigned long long)t.recompute_macs, uj(t.energy.total()).c_str(),
              o.plan.groups.size(), o.plan.pinned.size(), o.plan.solve_ms, o.report.ok() ? "yes" : "NO");
}

void print_table_head() {
  std::printf("%-10s %13s %8s %11s %11s %11s %11s %12s %10s %6s %6s %9s %s\n", "strategy", "latency_cyc", "ms",
              "FM_rd_KiB", "FM_wr_KiB", "wgt_KiB", "total_KiB", "recomp_MACs", "energy_uJ", "groups", "pinned", "solve_ms",
              "valid");
}

void print_groups(const Setup& s, const Plan& plan) {
  std::printf("\ngroups (layers | tiling | SPM buffers KiB | latency cycles | DRAM KiB):\n");
  for (std::size_t i = 0; i < plan.groups.size(); ++i) {
    const PlannedGroup& grp = plan.groups[i];
    std::string layers = s.net[grp.layers.front()].name;
    if (grp.layers.size() > 1) layers += " .. " + s.net[grp.layers.back()].name + " (" + std::to_string(grp.layers.size()) + ")";
    std::string tiling;
    for (const auto& [k, v] : grp.cost.tiling) tiling += (tiling.empty() ? "" : " ") + k + "=" + std::to_string(v);
    std::printf("  %3zu  %-40s %-45s %8s %10llu %9s\n", i, layers.c_str(), tiling.c_str(), kib(grp.cost.footprint()).c_str(),
                (unsigned long long)grp.cost.latency_cycles, kib(grp.cost.offchip.total()).c_str());
  }
  if (!plan.pinned.empty()) {
    std::printf("pinned feature maps (KiB, groups alive, SPM offset):\n");
    for (std::size_t k = 0; k < plan.pinned.size(); ++k) {
      const PinnedFm& p = plan.pinned[k];
      std::printf("  %-24s %8s  %zu..%zu  @%llu\n", s.net[p.fm].name.c_str(), kib(p.bytes).c_str(), p.first_group,
                  p.last_group, (unsigned long long)plan.layout.pinned[k]);
    }
  }
  std::printf("SPM addresses: peak %s KiB, lower bound %s KiB, usable %s KiB\n", kib(plan.layout.peak).c_str(),
              kib(plan.layout.lower_bound).c_str(), kib(scratchpad_of(s.hw).capacity()).c_str());
  const EnergyPj& e = plan.totals.energy;
  std::printf("energy %s uJ: DRAM %s, SPM read %s, SPM write %s, MAC %s, vector %s\n", uj(e.total()).c_str(), uj(e.dram).c_str(),
              uj(e.spm_read).c_str(), uj(e.spm_write).c_str(), uj(e.mac).c_str(), uj(e.vector).c_str());
}

void write_file(const std::string& path, const std::string& text) { io::write_text_file(path, text); }

/// Files `solve` writes besides its report; empty = not asked for.
struct SolveFiles {
  std::string plan, occupancy_svg, program;
};

/// Replays a program against its plan and says how it went; true if clean.
bool report_replay(const Setup& s, const Plan& plan, const Program& prog) {
  const ReplayReport r = replay_program(s.net, plan, prog, scratchpad_of(s.hw));
  for (const ReplayFinding& f : r.findings)
    std::fprintf(stderr, "command stream: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  if (r.ok()) std::fprintf(stderr, "command stream: %zu commands in %zu stages replay cleanly\n", r.commands, r.stages);
  return r.ok();
}

/// With --stats, each plan's statistics on its own line.
void print_statistics(const Common& c, std::span<const Outcome> outcomes) {
  if (!c.stats) return;
  for (const Outcome& o : outcomes)
    std::printf("statistics %-10s %s\n", o.plan.strategy.c_str(), statistics_text(o.plan.statistics).c_str());
}

/// The --strategy option's strategy (the CLI checks the names it takes).
Strategy strategy_option(const std::string& name) {
  if (const std::optional<Strategy> st = pinfuse::strategy_named(name)) return *st;
  throw input_error("--strategy", "unknown strategy '" + name + "'");
}

int cmd_solve(const Common& c, const std::string& strategy_name, const SolveFiles& files, bool as_json) {
  const Setup s = load(c);
  const Outcome o = run(s, strategy_option(strategy_name));
  if (!files.plan.empty()) write_file(files.plan, plan_to_json(s.net, o.plan).dump(1) + '\n');
  bool replayed = true;
  if (!files.program.empty()) {
    const ReferenceAccelerator accel(s.net, s.hw);
    const Program prog = build_program(s.net, o.plan, accel, scratchpad_of(s.hw));
    write_file(files.program, program_to_json(s.net, prog).dump() + '\n');
    replayed = report_replay(s, o.plan, prog);
  }
  if (!files.occupancy_svg.empty())
    write_file(files.occupancy_svg, svg::occupancy(s.net, o.plan, scratchpad_of(s.hw).capacity(),
                                             model_info(s.net).name + ": " + o.plan.strategy + " plan, SPM " +
                                                 kib(s.hw.spm_bytes) + " KiB"));
  if (as_json) {
    std::cout << summary_json(s, o).dump(2) << '\n';
  } else {
    print_header(s);
    print_table_head();
    print_row(s, o);
    print_statistics(c, {&o, 1});
    if (!o.plan.status.optimal)
      std::printf("not proven optimal (time limit or address repair): lower bound %llu, gap %.2f%%\n",
                  (unsigned long long)o.plan.status.lower_bound.first, 100.0 * detail::optimality_gap(o.plan));
    print_groups(s, o.plan);
    for (const Finding& f : o.report.findings)
      std::printf("validation error: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  }
  return o.report.ok() && replayed ? exit_code::ok : exit_code::invalid;
}

int cmd_validate(const Common& c, const std::string& plan_path, const std::string& program_path) {
  const Setup s = load(c);
  const Plan plan = io::read_file(plan_path, [&](const json& doc) { return read_plan(s.net, doc); });
  const ReferenceAccelerator accel(s.net, s.hw);
  const ValidationReport report = validate_plan(s.net, plan, accel, scratchpad_of(s.hw));
  for (const Finding& f : report.findings)
    std::printf("invalid: %s (%s)\n", f.message.c_str(), std::string(to_string(f.kind)).c_str());
  if (report.ok())
    std::printf("valid: %zu groups, %zu pinned FMs, peak SPM %s KiB of %s KiB\n", plan.groups.size(), plan.pinned.size(),
                kib(report.peak_spm_bytes).c_str(), kib(scratchpad_of(s.hw).capacity()).c_str());
  bool replayed = true;
  if (!program_path.empty())
    replayed = report_replay(s, plan, io::read_file(program_path, [&](const json& doc) { return read_program(s.net, doc); }));
  return report.ok() && replayed ? exit_code::ok : exit_code::invalid;
}

/// Relative change b vs a in percent.
double change(double a, double b) { return a == 0 ? 0 : 100.0 * (b - a) / a; }

int cmd_compare(const Common& c, bool as_json) {
  const Setup s = load(c);
  std::vector<Outcome> outcomes;
  for (const Strategy st : all_strategies) outcomes.push_back(run(s, st));
  const Outcome& fusion = outcomes[1];
  const Outcome& joint = outcomes[3];
  const OffchipBytes floor = compulsory_offchip(s.net);
  const double d_latency = change(double(fusion.plan.totals.latency_cycles), double(joint.plan.totals.latency_cycles));
  const double d_fm = change(double(fusion.plan.totals.offchip.fm()), double(joint.plan.totals.offchip.fm()));
  const double d_total = change(double(fusion.plan.totals.offchip.total()), double(joint.plan.totals.offchip.total()));
  const double d_energy = change(double(fusion.plan.totals.energy.total()), double(joint.plan.totals.energy.total()));
  bool all_valid = true;
  for (const Outcome& o : outcomes) all_valid = all_valid && o.report.ok();
  if (as_json) {
    json doc = {{"model", model_info(s.net).name}, {"hardware", s.hw.name}, {"spm_bytes", s.hw.spm_bytes}};
    for (const Outcome& o : outcomes) doc["strategies"].push_back(summary_json(s, o));
    doc["compulsory_offchip_bytes"] = {{"fm", floor.fm()}, {"weights", floor.weights}, {"total", floor.total()}};
    doc["joint_vs_fusion"] = {{"latency_percent", d_latency},
                              {"fm_offchip_percent", d_fm},
                              {"total_offchip_percent", d_total},
                              {"energy_percent", d_energy}};
    std::cout << doc.dump(2) << '\n';
  } else {
    print_header(s);
    print_table_head();
    for (const Outcome& o : outcomes) print_row(s, o);
    print_statistics(c, outcomes);
    std::printf("compulsory off-chip: FM %s KiB, weights %s KiB\n", kib(floor.fm()).c_str(), kib(floor.weights).c_str());
    std::printf("joint vs fusion-only: latency %+.1f%%, FM off-chip %+.1f%%, total off-chip %+.1f%%, energy %+.1f%%\n", d_latency,
                d_fm, d_total, d_energy);
  }
  return all_valid ? exit_code::ok : exit_code::invalid;
}

#if PINFUSE_HAS_ONNX || PINFUSE_HAS_TFLITE
/// A JSON value on one line, with ", " between array items: [224, 224, 3].
std::string one_line(const json& value) {
  if (!value.is_array()) return value.dump();
  std::string text = "[";
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i) text += ", ";
    text += one_line(value[i]);
  }
  text += "]";
  return text;
}

/// A model document laid out as models/*.json: one layer a line, fields in the documented order.
std::string model_text(const json& doc) {
  std::string text = "{\n";
  for (const char* key : {"format", "version", "name", "dtype_bytes"}) {
    text += "  \"";
    text += key;
    text += "\": ";
    text += doc.at(key).dump();
    text += ",\n";
  }
  text += "  \"layers\": [\n";
  const json& layers = doc.at("layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    static const std::vector<std::string> order{"name",     "type",    "inputs", "shape",  "filters", "units",
                                                "mode",     "global",  "kernel", "stride", "dilation", "padding",
                                                "groups",   "bias",    "scale",  "begin",  "end",     "function",
                                                "activation"};
    std::string line;
    const auto field = [&](const std::string& key, const json& value) {
      if (!line.empty()) line += ", ";
      line += json(key).dump();
      line += ": ";
      line += one_line(value);
    };
    for (const std::string& key : order)
      if (layers[i].contains(key)) field(key, layers[i].at(key));
    for (const auto& [key, value] : layers[i].items())
      if (std::find(order.begin(), order.end(), key) == order.end()) field(key, value);
    text += "    {";
    text += line;
    text += i + 1 < layers.size() ? "},\n" : "}\n";
  }
  text += "  ]\n}\n";
  return text;
}
#endif

struct ImportArgs {
  std::string path, out, name;
  int dtype_bytes = 0;
  std::vector<std::string> inputs;   // NAME=1x3x640x640
  std::vector<std::string> outputs;  // value names
  bool json = false;                 // the import summary as JSON on stdout (with -o)
};

/// The error for a file of a format that this build cannot read.
input_error without_support(const std::string& path, bool tflite) {
  return input_error(path, tflite ? "pinfuse was built without TFLite support; install libflatbuffers-dev and "
                                    "flatbuffers-compiler and rebuild (CMake option PINFUSE_WITH_TFLITE)"
                                  : "pinfuse was built without ONNX support; install libonnx-dev and libprotobuf-dev "
                                    "and rebuild (CMake option PINFUSE_WITH_ONNX)");
}

/// `pinfuse import`: an ONNX or (by the extension .tflite) a TFLite file to a model JSON.
int cmd_import(const ImportArgs& a) {
  const bool tflite = std::filesystem::path(a.path).extension() == ".tflite";
#if PINFUSE_HAS_ONNX || PINFUSE_HAS_TFLITE
  ImportOptions options;
  options.dtype_bytes = a.dtype_bytes;
  options.name = a.name;
  options.outputs = a.outputs;
  std::vector<std::string> notes;
  options.notes = &notes;
  ImportSummary summary;
  options.summary = &summary;
  if (a.json && a.out.empty()) throw input_error("--json", "prints the import summary; give -o MODEL.json for the model");
  for (const std::string& in : a.inputs) {
    auto [name, dims] = parse_input_dims(in);
    if (!options.input_dims.emplace(name, dims).second) throw input_error("--input " + name, "is given twice");
  }
  const auto import = [&]() -> Network {
#if PINFUSE_HAS_TFLITE
    if (tflite) return import_tflite_file(a.path, options);
#endif
#if PINFUSE_HAS_ONNX
    if (!tflite) return import_onnx_file(a.path, options);
#endif
    throw without_support(a.path, tflite);
  };
  const Network g = import();
  for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  const std::string text = model_text(model_to_json(g));
  if (a.out.empty()) {
    std::cout << text;
    std::fputs(summary_text(summary).c_str(), stderr);  // stdout holds the model
    return 0;
  }
  write_file(a.out, text);
  if (a.json) {
    nlohmann::json j = summary_json(summary);
    j["model"] = a.out;
    j["notes"] = notes;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("imported %s -> %s\n%s", a.path.c_str(), a.out.c_str(), summary_text(summary).c_str());
  return 0;
#else
  throw without_support(a.path, tflite);
#endif
}

struct SweepRange {
  std::string from = "64KiB";
  std::string to = "8MiB";
  std::string csv, svg, traffic_svg;
};

/// Every strategy at SPM sizes from..to (doubling): CSV, a table, and SVG curves.
int cmd_sweep(const Common& c, const SweepRange& r) {
  Setup s = load(c);
  const std::uint64_t from = parse_size(r.from, "--from"), to = parse_size(r.to, "--to");
  if (from > to) throw input_error("--from", "must not exceed --to");
  std::string csv = "spm_bytes,strategy,feasible,latency_cycles,fm_offchip_bytes,weight_bytes,total_offchip_bytes,"
                    "recompute_macs,groups,pinned,peak_spm_bytes,energy_pj\n";
  svg::LineChart latency{model_info(s.net).name + ": latency over SPM size", "SPM size", "latency (cycles)", true, true, {}};
  svg::LineChart traffic{model_info(s.net).name + ": off-chip FM traffic over SPM size", "SPM size", "FM bytes", true, true, {}};
  for (const Strategy st : all_strategies) {
    latency.series.push_back({std::string(to_string(st)), {}});
    traffic.series.push_back({std::string(to_string(st)), {}});
  }
  std::printf("%10s %-10s %13s %12s %12s %10s %7s %7s\n", "SPM_KiB", "strategy", "latency_cyc", "FM_KiB", "weights_KiB",
              "energy_uJ", "groups", "pinned");
  bool all_valid = true;
  for (std::uint64_t bytes = from; bytes <= to; bytes *= 2) {
    s.hw.spm_bytes = bytes;
    for (std::size_t k = 0; k < all_strategies.size(); ++k) {
      char line[256];
      try {
        const Outcome o = run(s, all_strategies[k]);
        all_valid = all_valid && o.report.ok();
        const PlanTotals& t = o.plan.totals;
        std::snprintf(line, sizeof line, "%llu,%s,1,%llu,%llu,%llu,%llu,%llu,%zu,%zu,%llu,%llu\n", (unsigned long long)bytes,
                      o.plan.strategy.c_str(), (unsigned long long)t.latency_cycles, (unsigned long long)t.offchip.fm(),
                      (unsigned long long)t.offchip.weights, (unsigned long long)t.offchip.total(),
                      (unsigned long long)t.recompute_macs, o.plan.groups.size(), o.plan.pinned.size(),
                      (unsigned long long)o.plan.layout.peak, (unsigned long long)t.energy.total());
        latency.series[k].points.push_back({double(bytes), double(t.latency_cycles)});
        traffic.series[k].points.push_back({double(bytes), double(t.offchip.fm())});
        std::printf("%10s %-10s %13llu %12s %12s %10s %7zu %7zu\n", kib(bytes).c_str(), o.plan.strategy.c_str(),
                    (unsigned long long)t.latency_cycles, kib(t.offchip.fm()).c_str(), kib(t.offchip.weights).c_str(),
                    uj(t.energy.total()).c_str(), o.plan.groups.size(), o.plan.pinned.size());
      } catch (const no_plan_fits&) {
        std::snprintf(line, sizeof line, "%llu,%s,0,,,,,,,,,\n", (unsigned long long)bytes, std::string(to_string(all_strategies[k])).c_str());
        std::printf("%10s %-10s %13s\n", kib(bytes).c_str(), std::string(to_string(all_strategies[k])).c_str(), "no plan fits");
      }
      csv += line;
    }
    if (bytes > to / 2) break;  // no overflow past the last size
  }
  if (!r.csv.empty()) write_file(r.csv, csv);
  if (!r.svg.empty()) write_file(r.svg, svg::render(latency));
  if (!r.traffic_svg.empty()) write_file(r.traffic_svg, svg::render(traffic));
  return all_valid ? exit_code::ok : exit_code::invalid;
}

struct ParetoArgs {
  std::string strategy = "joint";
  std::string csv, svg;
};

/// `pinfuse pareto`: the plans no other beats in both latency and off-chip
/// bytes at one SPM size (a trade-off solve's front), each validated.
int cmd_pareto(const Common& c, const ParetoArgs& a, bool as_json) {
  Setup s = load(c);
  ParetoFront front;
  s.options.trade_off = TradeOff{0, &front};
  const Outcome chosen = run(s, strategy_option(a.strategy));
  const ReferenceAccelerator accel(s.net, s.hw);
  const Scratchpad spm = scratchpad_of(s.hw);
  std::vector<Outcome> points;
  for (Plan& plan : front.plans) {  // all from the one solve
    plan.solve_ms = chosen.plan.solve_ms;
    plan.statistics = chosen.plan.statistics;
    ValidationReport report = validate_plan(s.net, plan, accel, spm);
    points.push_back({std::move(plan), std::move(report)});
  }
  bool all_valid = chosen.report.ok();
  for (const Outcome& o : points) all_valid = all_valid && o.report.ok();
  // The metric traded against latency: off-chip bytes, or energy under --objective energy.
  const bool energy = s.options.objective == Objective::energy;
  const std::string traded = energy ? "energy" : "off-chip bytes";
  std::string csv = "latency_cycles,fm_offchip_bytes,weight_bytes,total_offchip_bytes,energy_pj,groups,pinned,valid\n";
  svg::LineChart chart{model_info(s.net).name + ": latency vs " + traded + ", SPM " + kib(s.hw.spm_bytes) + " KiB",
                       "latency (cycles)", energy ? "energy (pJ)" : "off-chip bytes", false, false, {{a.strategy, {}}}};
  for (const Outcome& o : points) {
    const PlanTotals& t = o.plan.totals;
    csv += std::to_string(t.latency_cycles) + "," + std::to_string(t.offchip.fm()) + "," + std::to_string(t.offchip.weights) +
           "," + std::to_string(t.offchip.total()) + "," + std::to_string(t.energy.total()) + "," +
           std::to_string(o.plan.groups.size()) + "," + std::to_string(o.plan.pinned.size()) + "," +
           (o.report.ok() ? "1" : "0") + "\n";
    chart.series[0].points.push_back({double(t.latency_cycles), double(energy ? t.energy.total() : t.offchip.total())});
  }
  if (!a.csv.empty()) write_file(a.csv, csv);
  if (!a.svg.empty()) write_file(a.svg, svg::render(chart));
  if (as_json) {
    json doc = {{"model", model_info(s.net).name}, {"hardware", s.hw.name}, {"spm_bytes", s.hw.spm_bytes},
                {"complete", front.complete}, {"unplaced", front.unplaced}, {"points", json::array()}};
    for (const Outcome& o : points) doc["points"].push_back(summary_json(s, o));
    std::cout << doc.dump(2) << '\n';
  } else {
    print_header(s);
    std::printf("%zu plans no other beats in both latency and %s (%s, file order):\n", points.size(), traded.c_str(),
                a.strategy.c_str());
    print_table_head();
    for (const Outcome& o : points) print_row(s, o);
    print_statistics(c, {&chosen, 1});
    if (front.unplaced)
      std::printf("%zu more such plans are left out: their pinned FMs fragment the SPM so that no addresses fit\n",
                  front.unplaced);
    if (!front.complete) std::printf("the time limit stopped the solve: plans may be missing from the front\n");
  }
  return all_valid ? exit_code::ok : exit_code::invalid;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pinfuse: which layers to fuse and which feature maps to pin in a DNN accelerator's scratchpad"};
  app.require_subcommand(1);
  Common common;
  std::string strategy = "joint", out, plan_path, program_path;
  SolveFiles solve_files;
  bool as_json = false;

  CLI::App* solve_cmd = app.add_subcommand("solve", "solve one strategy and print the plan");
  add_common(*solve_cmd, common);
  add_strategy_option(*solve_cmd, strategy);
  solve_cmd->add_option("--out", solve_files.plan, "write the plan as JSON to this file");
  solve_cmd->add_option("--program", solve_files.program,
                        "write the plan's command stream (DMA and compute commands) as JSON to this file, and replay it");
  solve_cmd->add_flag("--json", as_json, "print one JSON object instead of text");
  add_solve_flags(*solve_cmd, common, true);
  solve_cmd->add_option("--occupancy", solve_files.occupancy_svg, "write the plan's SPM occupancy over time as SVG to this file");

  CLI::App* validate_cmd = app.add_subcommand("validate", "check a plan file against a model and hardware");
  add_common(*validate_cmd, common);
  validate_cmd->add_option("PLAN", plan_path, "plan JSON written by 'pinfuse solve --out'")->required();
  validate_cmd->add_option("--program", program_path, "also replay this command stream ('pinfuse solve --program') against the plan");

  CLI::App* compare_cmd = app.add_subcommand("compare", "all four strategies side by side");
  add_common(*compare_cmd, common);
  compare_cmd->add_flag("--json", as_json, "print one JSON object instead of a table");
  add_solve_flags(*compare_cmd, common, true);

  SweepRange sweep;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "latency and traffic of every strategy over SPM sizes (CSV, SVG)");
  add_common(*sweep_cmd, common);
  sweep_cmd->add_option("--from", sweep.from, "smallest SPM size (default 64KiB)");
  sweep_cmd->add_option("--to", sweep.to, "largest SPM size, reached by doubling (default 8MiB)");
  sweep_cmd->add_option("--csv", sweep.csv, "write the curve as CSV to this file");
  sweep_cmd->add_option("--svg", sweep.svg, "write the latency curve as SVG to this file");
  sweep_cmd->add_option("--traffic-svg", sweep.traffic_svg, "write the FM traffic curve as SVG to this file");
  add_solve_flags(*sweep_cmd, common, false);

  ParetoArgs pareto;
  CLI::App* pareto_cmd = app.add_subcommand(
      "pareto", "the plans no other beats in both latency and off-chip bytes (or energy), at one SPM size (table, CSV, SVG)");
  add_common(*pareto_cmd, common);
  add_strategy_option(*pareto_cmd, pareto.strategy);
  pareto_cmd->add_option("--csv", pareto.csv, "write the front as CSV to this file");
  pareto_cmd->add_option("--svg", pareto.svg, "write the front (latency vs off-chip bytes) as SVG to this file");
  pareto_cmd->add_flag("--json", as_json, "print one JSON object instead of a table");
  add_solve_flags(*pareto_cmd, common, true);

  ImportArgs import_args;
  CLI::App* import_cmd = app.add_subcommand(
      "import", "convert an ONNX or TFLite model to a model JSON (needs a build with ONNX / flatbuffers)");
  import_cmd->add_option("MODEL", import_args.path, "ONNX model file, or TFLite (.tflite) flatbuffer")->required();
  import_cmd->add_option("-o,--out", import_args.out, "write the model JSON to this file (default: print it)");
  import_cmd->add_flag("--json", import_args.json, "print the import summary (layers by kind, MACs, parameters, what was "
                                                   "folded, fused and dropped) as JSON; needs -o");
  import_cmd->add_option("--dtype-bytes", import_args.dtype_bytes, "bytes per element (default: from the model's input type)")
      ->check(CLI::Range(1, 16));
  import_cmd->add_option("--name", import_args.name, "model name (default: the file name without extension)");
  import_cmd->add_option("--input", import_args.inputs,
                         "NAME=1x3x640x640: the dims of a graph input as the file orders them (ONNX NCHW, TFLite NHWC), "
                         "fixing its dynamic dimensions (repeatable)")
      ->allow_extra_args(false);
  import_cmd->add_option("--outputs", import_args.outputs,
                         "NAME,...: end the network at these values (default: the graph's outputs without "
                         "post-processing such as ArgMax, TopK, NonMaxSuppression)")
      ->delimiter(',')
      ->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // --help (code 0), or a bad option: bad input
    return app.exit(e) == 0 ? exit_code::ok : exit_code::bad_input;
  }
  try {
    const int code = *solve_cmd      ? cmd_solve(common, strategy, solve_files, as_json)
                     : *sweep_cmd    ? cmd_sweep(common, sweep)
                     : *validate_cmd ? cmd_validate(common, plan_path, program_path)
                     : *import_cmd   ? cmd_import(import_args)
                     : *pareto_cmd   ? cmd_pareto(common, pareto, as_json)
                                     : cmd_compare(common, as_json);
    // A report lost on the way out (stdout on a full disk) is a failure too.
    if (!(std::cout << std::flush) || std::fflush(stdout) != 0)
      throw input_error("standard output", std::string("cannot write: ") + std::strerror(errno));
    return code;
  } catch (const input_error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code::bad_input;
  } catch (const no_plan_fits& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code::no_plan_fits;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return exit_code::internal;
  }
}
