#pragma once
// Helpers for tests on the bundled models: paths, the list of them, layers by name.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "pinfuse/model/network.hpp"

namespace pinfuse::testing {

inline std::string model_path(const std::string& name) {
  return std::string(PINFUSE_SOURCE_DIR) + "/examples/models/" + name + ".json";
}

/// Every examples/models/*.json, sorted.
inline std::vector<std::filesystem::path> bundled_models() {
  std::vector<std::filesystem::path> models;
  for (const auto& e : std::filesystem::directory_iterator(std::string(PINFUSE_SOURCE_DIR) + "/examples/models"))
    if (e.path().extension() == ".json") models.push_back(e.path());
  std::sort(models.begin(), models.end());
  return models;
}

/// The layer called `name`; fails the test if there is none.
inline LayerId find_layer(const Network& g, const std::string& name) {
  for (LayerId v = 0; v < boost::num_vertices(g); ++v)
    if (g[v].name == name) return v;
  FAIL("no layer named " << name);
  return 0;
}

}  // namespace pinfuse::testing
