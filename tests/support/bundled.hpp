#pragma once
// Helpers for tests on the bundled models: paths, the list of them, layers by name.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/io/hardware_json.hpp"
#include "pinfuse/io/model_json.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/solvers/options.hpp"
#include "support/sanitized.hpp"

namespace pinfuse::testing {

inline std::string model_path(const std::string& name) {
  return std::string(PINFUSE_SOURCE_DIR) + "/models/" + name + ".json";
}

/// The shipped hardware, examples/hardware/mobile_npu.json.
inline Hardware shipped_hardware() {
  return load_hardware(std::string(PINFUSE_SOURCE_DIR) + "/examples/hardware/mobile_npu.json");
}

/// A bundled model and the shipped hardware with an SPM of `spm_kib` KiB.
struct Bundled {
  Network g;
  Hardware hw;
};
inline Bundled bundled(const std::string& name, std::uint64_t spm_kib) {
  Bundled b{load_model(model_path(name)), shipped_hardware()};
  b.hw.spm_bytes = spm_kib * 1024;
  return b;
}

/// Every models/*.json, sorted.
inline std::vector<std::filesystem::path> bundled_models() {
  std::vector<std::filesystem::path> models;
  for (const auto& e : std::filesystem::directory_iterator(std::string(PINFUSE_SOURCE_DIR) + "/models"))
    if (e.path().extension() == ".json") models.push_back(e.path());
  std::sort(models.begin(), models.end());
  return models;
}


/// The bundled models that the tests solving every model solve (validity,
/// monotonicity, order search): all of them, except under AddressSanitizer +
/// UBSan (PINFUSE_TESTS_SANITIZED). The optimized run has checked those
/// properties on every model already; the sanitized run is there for memory and
/// undefined-behaviour errors on the same code paths, which one model per
/// structure reaches at a fraction of the time: a plain chain, residual blocks,
/// inverted residuals, concat branches, squeeze-excitation with hard-swish, an
/// encoder-decoder with long skips and a transposed-conv upsampler.
inline std::vector<std::filesystem::path> solved_models() {
#ifdef PINFUSE_TESTS_SANITIZED
  std::vector<std::filesystem::path> models;
  for (const char* name : {"fsrcnn", "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "resnet18", "squeezenet", "unet"})
    models.emplace_back(model_path(name));
  return models;
#else
  return bundled_models();
#endif
}

/// Solve options for the tests that solve every bundled model (properties such
/// as validity and monotonicity, not speed): where an unlimited exact solve
/// takes longer than a test should, a smaller plan space that does not depend
/// on the SPM size in a way that matters to them. Groups of at most 6 layers (4
/// for the Inception blocks; the detectors' heads make long groups many) and, for
/// DenseNet-121, whose dense blocks keep up to a dozen FMs alive across every cut
/// (2^12 pin states, and plans whose long-lived pins fragment the SPM, so that
/// address repairs solve again and again), at most 3 pin candidates per cut
/// (the smallest: a set that only grows with the SPM).
inline SolveOptions looping_test_options(const std::string& model) {
  static const std::map<std::string, std::pair<std::size_t, std::size_t>> limits = {  // group layers, pins per cut
      {"densenet121", {4, 3}},       {"efficientnet_b0", {6, 12}},    {"googlenet", {4, 12}},
      {"inception_v3", {4, 12}},     {"mobilenet_v3_large", {6, 12}}, {"mobilenet_v3_small", {6, 12}},
      {"resnet50", {6, 12}},         {"shufflenet_v2", {6, 12}},      {"ssdlite320_mobilenet_v3_large", {6, 12}},
      {"yolov5s", {6, 12}}};
  SolveOptions opt;
  if (const auto it = limits.find(model); it != limits.end()) {
    opt.max_group_layers = it->second.first;
    opt.max_pins_per_cut = it->second.second;
  }
  return opt;
}

/// The layer called `name`; fails the test if there is none.
inline LayerId find_layer(const Network& g, const std::string& name) {
  for (LayerId v = 0; v < boost::num_vertices(g); ++v)
    if (g[v].name == name) return v;
  FAIL("no layer named " << name);
  return 0;
}

}  // namespace pinfuse::testing
