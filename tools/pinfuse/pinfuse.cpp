// pinfuse — the command-line tool: solve, validate and compare plans for a model.
//   pinfuse solve MODEL.json [--hw HW.json] [--strategy joint] [--out PLAN.json] [--program CMDS.json] [--allocation ALLOC.txt] [--json] [--stats]
//   pinfuse validate MODEL.json PLAN.json [--hw HW.json] [--program CMDS.json]
//   pinfuse compare MODEL.json [--hw HW.json] [--json] [--stats] [--jobs N]
//   (solve, compare and sweep show a progress line on stderr after a second; --quiet silences it)
//   pinfuse sweep MODEL.json [--hw HW.json] [--from 64KiB] [--to 8MiB] [--csv F] [--svg F] [--traffic-svg F] [--jobs N]
//   pinfuse import MODEL.onnx|MODEL.tflite [-o MODEL.json] [--dtype-bytes N] [--name NAME]
//                  [--input NAME=1x3x640x640]... [--outputs NAME,...]   (built with ONNX / flatbuffers)
// This file defines the command line and runs the command asked for. Each command is in its
// NAME_command.hpp; the options they share are in options.hpp, the plans' reports in
// report_text.hpp and report_json.hpp, the exit codes in exit_code.hpp.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "compare_command.hpp"
#include "exit_code.hpp"
#include "import_command.hpp"
#include "options.hpp"
#include "pareto_command.hpp"
#include "pinfuse/pinfuse.hpp"
#include "solve_command.hpp"
#include "sweep_command.hpp"
#include "validate_command.hpp"

int main(int argc, char** argv) {
  using namespace pinfuse::cli;
  CLI::App app{"pinfuse: which layers to fuse and which feature maps to pin in a DNN accelerator's scratchpad"};
  app.require_subcommand(1);
  Common common;
  std::string strategy = "joint", plan_path, program_path;
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
  solve_cmd->add_option("--allocation", solve_files.allocation,
                        "write the plan's SPM allocation question (buffer sizes and lifetimes, capacity, alignment) as text to this file");

  CLI::App* validate_cmd = app.add_subcommand("validate", "check a plan file against a model and hardware");
  add_common(*validate_cmd, common);
  validate_cmd->add_option("PLAN", plan_path, "plan JSON written by 'pinfuse solve --out'")->required();
  validate_cmd->add_option("--program", program_path, "also replay this command stream ('pinfuse solve --program') against the plan");

  CLI::App* compare_cmd = app.add_subcommand("compare", "all four strategies side by side");
  add_common(*compare_cmd, common);
  compare_cmd->add_flag("--json", as_json, "print one JSON object instead of a table");
  add_solve_flags(*compare_cmd, common, true);
  add_jobs_option(*compare_cmd, common);

  SweepRange sweep;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "latency and traffic of every strategy over SPM sizes (CSV, SVG)");
  add_common(*sweep_cmd, common);
  sweep_cmd->add_option("--from", sweep.from, "smallest SPM size (default 64KiB)");
  sweep_cmd->add_option("--to", sweep.to, "largest SPM size, reached by doubling (default 8MiB)");
  sweep_cmd->add_option("--csv", sweep.csv, "write the curve as CSV to this file");
  sweep_cmd->add_option("--svg", sweep.svg, "write the latency curve as SVG to this file");
  sweep_cmd->add_option("--traffic-svg", sweep.traffic_svg, "write the FM traffic curve as SVG to this file");
  add_solve_flags(*sweep_cmd, common, false);
  add_jobs_option(*sweep_cmd, common);

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
      throw pinfuse::input_error("standard output", std::string("cannot write: ") + std::strerror(errno));
    return code;
  } catch (const pinfuse::input_error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code::bad_input;
  } catch (const pinfuse::no_plan_fits& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code::no_plan_fits;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return exit_code::internal;
  }
}
