#pragma once
// Shared by the libFuzzer targets in fuzz/: bad input must end in pinfuse::input_error (or, for a
// sound input, pinfuse::no_plan_fits);
// any other exception, a failed check, a crash, a hang or a sanitizer report is a finding.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "pinfuse/pinfuse.hpp"

namespace pinfuse::fuzz {

/// Stops the run with a message: libFuzzer saves the input as a crash file.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "pinfuse fuzz finding: %s\n", what.c_str());
  std::abort();
}

/// Runs one input: input_error is the way to reject it; any other exception is a finding.
template <class Body>
int run(Body&& body) {
  try {
    body();
  } catch (const input_error&) {   // limit_error included
  } catch (const no_plan_fits&) {  // a sound answer: the input is fine, no plan of the kind fits
  } catch (const std::exception& e) {
    finding(std::string("unexpected ") + typeid(e).name() + ": " + e.what());
  }
  return 0;
}

/// Parses the input as JSON and runs `body(doc)` as run() does; input that is not JSON is
/// skipped (nlohmann's parser is not under test).
template <class Body>
int run_json(const std::uint8_t* data, std::size_t size, Body&& body) {
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  return run([&] { body(doc); });
}

/// The model the hardware, plan and program targets work on (PINFUSE_FUZZ_MODEL, fuzz/model.json),
/// with the default hardware but 32 KiB of SPM, where its plans tile, pin and recompute
/// (make_corpus.sh solves with --spm 32KiB too).
struct FuzzModel {
  Network g = load_model(PINFUSE_FUZZ_MODEL);
  Hardware hw = [] {
    Hardware small;
    small.spm_bytes = 32 << 10;
    return small;
  }();
  ReferenceAccelerator accel{g, hw};
  Scratchpad spm = scratchpad_of(hw);
};

inline const FuzzModel& fuzz_model() {
  static const FuzzModel m;
  return m;
}

/// Cheap solves of `g` on `hw` (layerwise, and fusion of at most 3 layers): each plan must
/// validate; with `replay`, the fusion plan's command stream must replay cleanly too.
inline void solve_and_check(const Network& g, const Hardware& hw, bool replay) {
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  SolveOptions options;
  options.max_group_layers = 3;
  for (const Strategy s : {Strategy::layerwise, Strategy::fusion}) {
    const Plan plan = solve(s, g, accel, spm, options);
    const ValidationReport report = validate_plan(g, plan, accel, spm);
    if (!report.ok()) finding("the " + plan.strategy + " plan does not validate: " + report.findings.front().message);
    if (!replay || s != Strategy::fusion) continue;
    const ReplayReport replayed = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
    if (!replayed.ok()) finding("the fusion plan's program does not replay: " + replayed.findings.front().message);
  }
}

/// A network read from a file (JSON or ONNX): every feature map has a positive shape and a
/// byte size 64 bits hold (else reading it should have failed), its model JSON reads back to
/// the same document, and on the default hardware solve_and_check holds. Only networks of
/// at most 24 layers and at most kMostRowsSolved rows a layer are solved (the reference
/// accelerator walks every tile count of a group: a 262,156-row resize took 1.2 s a solve
/// optimized and 42 s under the sanitizers, fuzz/regressions/tflite_bytes/tall_resize_*), and
/// only those of at most 2^24 MACs replayed (a command a tile), so that an input takes milliseconds.
inline constexpr int kMostRowsSolved = 4096;
inline void check_network(const Network& g) {
  int tallest = 0;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    const Shape& s = g[v].output;
    tallest = std::max(tallest, s.h);
    std::uint64_t bytes = std::uint64_t(model_info(g).dtype_bytes);
    for (const int extent : {s.h, s.w, s.c})
      if (extent <= 0 || __builtin_mul_overflow(bytes, std::uint64_t(extent), &bytes))
        finding("layer '" + g[v].name + "' was accepted with the shape [" + std::to_string(s.h) + ", " +
                std::to_string(s.w) + ", " + std::to_string(s.c) + "]");
  }
  const ModelTotals t = totals(g);
  const nlohmann::json doc = model_to_json(g);
  if (model_to_json(read_model(doc)) != doc) finding("the model JSON does not read back to itself");
  if (boost::num_vertices(g) <= 24 && tallest <= kMostRowsSolved) solve_and_check(g, Hardware{}, t.macs <= (1u << 24));
}

}  // namespace pinfuse::fuzz
