#pragma once
// Checks of an imported network (the ONNX and TFLite importers' tests): finding layers,
// and the round trip through model_to_json plus every strategy's plan, validated and replayed.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/model/statistics.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/plan/replay.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/solve.hpp"

namespace pinfuse::testing {

inline LayerId find(const Network& g, const std::string& name) {
  for (LayerId v = 0; v < boost::num_vertices(g); ++v)
    if (g[v].name == name) return v;
  FAIL("no layer '" << name << "'");
  return 0;
}

inline std::vector<std::string> input_names(const Network& g, LayerId v) {
  std::vector<std::string> names;
  for (const LayerId u : inputs_of(g, v)) names.push_back(g[u].name);
  return names;
}

inline std::vector<std::string> kinds(const Network& g) {
  std::vector<std::string> k;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) k.emplace_back(to_string(g[v].kind));
  return k;
}

/// The writer and reader agree, and every strategy gives a plan the validator accepts,
/// whose command stream replays cleanly.
inline void check_round_trip_and_solve(const Network& g) {
  const nlohmann::json doc = model_to_json(g);
  const Network back = read_model(doc);
  REQUIRE(boost::num_vertices(back) == boost::num_vertices(g));
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    INFO("layer " << g[v].name);
    CHECK(back[v].name == g[v].name);
    CHECK(back[v].kind == g[v].kind);
    CHECK(back[v].output == g[v].output);
    CHECK(back[v].activation == g[v].activation);
    CHECK(input_names(back, v) == input_names(g, v));
    CHECK(macs(back, v) == macs(g, v));
    CHECK(params(back, v) == params(g, v));
  }
  CHECK(model_to_json(back) == doc);
  const Hardware hw;
  const ReferenceAccelerator accel(g, hw);
  const Scratchpad spm = scratchpad_of(hw);
  for (const Strategy s : all_strategies) {
    INFO("strategy " << to_string(s));
    const Plan plan = solve(s, g, accel, spm);
    const ValidationReport report = validate_plan(g, plan, accel, spm);
    INFO((report.findings.empty() ? std::string() : report.findings.front().message));
    CHECK(report.ok());
    const ReplayReport replayed = replay_program(g, plan, build_program(g, plan, accel, spm), spm);
    INFO((replayed.findings.empty() ? std::string() : replayed.findings.front().message));
    CHECK(replayed.ok());
  }
}

}  // namespace pinfuse::testing
