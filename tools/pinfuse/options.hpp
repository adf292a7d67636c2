#pragma once
// The pinfuse tool: the options its commands share (model, hardware, solver settings),
// their parsing, and the model, hardware and solve options they load.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/pinfuse.hpp"

namespace pinfuse::cli {


/// The options every command that reads a model takes (add_common, add_solve_flags).
struct Common {
  std::string model_path;
  std::string hw_path;
  std::string spm;  // overrides the SPM size, e.g. 512KiB
  std::string objective = "latency";
  std::size_t max_group_layers = 0;
  std::string order;  // empty: the default of order_mode_for()
  double time_limit_s = 0;
  std::optional<std::uint64_t> work_limit;  // none: pinfuse::default_work_limit, or no work limit with a time limit
  std::size_t threads = 1;  // 0: one per hardware thread
  std::size_t jobs = 0;     // compare, sweep: solves at once (solve_in_order); 0: one per hardware thread
  std::string latency_slack;  // "0.5%" or "0.005": a trade-off solve (SolveOptions::trade_off)
  bool no_input_pins = false;  // SolveOptions::pin_model_inputs off
  bool quiet = false;  // no progress line
  bool stats = false;  // print the solver statistics
};

/// "1048576", "512KiB", "1MiB", "2MB" -> bytes, from 1 byte to 2^40 (as the
/// hardware file's spm_bytes): digits and a unit, nothing else.
inline std::uint64_t parse_size(const std::string& text, const std::string& option) {
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
inline double parse_fraction(const std::string& text, const std::string& option) {
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

/// What the common options load: the model, the hardware and the solve options.
struct Setup {
  Network net;
  Hardware hw;
  SolveOptions options;
  std::optional<OrderMode> order;  ///< --order; none: order_mode_for()'s default
  bool progress = true;
};

/// The order a solve with `strategy` takes: --order, or by default the
/// order-free search for joint (the file order for a trade-off solve, which
/// needs one order) and the file order for the other strategies.
inline OrderMode order_mode_for(const Setup& s, Strategy strategy) {
  if (s.order) return *s.order;
  return strategy == Strategy::joint && !s.options.trade_off ? OrderMode::free : OrderMode::file;
}

inline Setup load(const Common& c) {
  Setup s{load_model(c.model_path), c.hw_path.empty() ? Hardware{} : load_hardware(c.hw_path), {}, {}, !c.quiet};
  if (!c.spm.empty()) s.hw.spm_bytes = parse_size(c.spm, "--spm");
  s.options.objective = *objective_named(c.objective == "offchip" ? "offchip_bytes" : c.objective);  // checked by the CLI
  s.options.max_group_layers = c.max_group_layers;
  if (!c.order.empty()) s.order = c.order == "free" ? OrderMode::free : c.order == "file" ? OrderMode::file : OrderMode::search;
  s.options.time_limit = std::chrono::milliseconds(std::llround(c.time_limit_s * 1000.0));
  s.options.work_limit = c.work_limit.value_or(s.options.time_limit.count() > 0 ? 0 : default_work_limit);
  s.options.threads = c.threads;
  s.options.pin_model_inputs = !c.no_input_pins;
  if (!c.latency_slack.empty()) s.options.trade_off = TradeOff{parse_fraction(c.latency_slack, "--latency-slack")};
  return s;
}

/// Adds MODEL and the options of Common that every command reading a model takes.
inline void add_common(CLI::App& cmd, Common& c) {
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
                 "execution order: free (optimized with the groups and pins; the default for joint), file (the model's; "
                 "the default for the other strategies and --latency-slack), search (joint: best of several heuristic "
                 "orders)")
      ->check(CLI::IsMember({"free", "file", "search"}));
  cmd.add_option("--time-limit", c.time_limit_s,
                 "seconds the solve may take; then the best plan found and a proven bound (0 = no limit)")
      ->check(CLI::Range(0.0, 1e6));
  cmd.add_option("--work-limit", c.work_limit,
                 "work units the solve may spend (one a group setting costed, 1/256 a layer of a group walked); then the best plan "
                 "found and a proven bound, the same on every machine (default " +
                     std::to_string(default_work_limit) + ", none with a --time-limit of 1 ms or more; 0 = no limit: exact)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 50));
  cmd.add_option("--latency-slack", c.latency_slack,
                 "e.g. 0.5%: among plans within this much of the least latency, the one with the least off-chip "
                 "bytes (with --objective energy: the least energy; file order)");
  cmd.add_option("--threads", c.threads,
                 "threads costing groups at once (the plan does not depend on it; default 1: on a 2-core machine 2 gained "
                 "little, benchmarks/results/threads.md); 0 = one per hardware thread")
      ->check(CLI::Range(std::size_t{0}, std::size_t{256}));
  cmd.add_flag("--no-input-pins", c.no_input_pins,
               "never pin a model input (by default one that several groups read may be loaded once and kept)");
}

/// Adds --jobs N to a command that runs several solves (compare, sweep).
inline void add_jobs_option(CLI::App& cmd, Common& c) {
  cmd.add_option("--jobs", c.jobs,
                 "solves run at once, each on its own thread (and its --threads) with its own memory; the plans do not "
                 "depend on it unless a --time-limit stops them; no progress lines when more than one; 0 = one per "
                 "hardware thread (the default)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{256}));
}

/// Adds --strategy NAME (default: what `name` holds).
inline void add_strategy_option(CLI::App& cmd, std::string& name) {
  std::vector<std::string> names;
  for (const Strategy st : all_strategies) names.emplace_back(to_string(st));
  cmd.add_option("--strategy", name, "layerwise | fusion | pinning | joint")->check(CLI::IsMember(names));
}

/// Adds --quiet (and --stats when `stats`) to a command that solves.
inline void add_solve_flags(CLI::App& cmd, Common& c, bool stats) {
  cmd.add_flag("--quiet", c.quiet, "no progress line on stderr for solves longer than a second");
  if (stats) cmd.add_flag("--stats", c.stats, "print the solver's statistics (states, cost-model queries, time)");
}

/// The --strategy option's strategy (the CLI checks the names it takes).
inline Strategy strategy_option(const std::string& name) {
  if (const std::optional<Strategy> st = pinfuse::strategy_named(name)) return *st;
  throw input_error("--strategy", "unknown strategy '" + name + "'");
}

}  // namespace pinfuse::cli
