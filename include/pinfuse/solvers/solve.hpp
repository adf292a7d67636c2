#pragma once
// One entry point for all strategies, for tools that pick one by name.
#include <array>
#include <optional>
#include <string_view>

#include "pinfuse/solvers/fusion.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "pinfuse/solvers/layerwise.hpp"
#include "pinfuse/solvers/pinning.hpp"

namespace pinfuse {

enum class Strategy { layerwise, fusion, pinning, joint };
inline constexpr std::array<Strategy, 4> all_strategies{Strategy::layerwise, Strategy::fusion, Strategy::pinning,
                                                        Strategy::joint};

constexpr std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::layerwise: return "layerwise";
    case Strategy::fusion: return "fusion";
    case Strategy::pinning: return "pinning";
    case Strategy::joint: return "joint";
  }
  return "?";
}

/// The strategy called `name` (as to_string writes it), or none.
constexpr std::optional<Strategy> strategy_named(std::string_view name) {
  for (const Strategy s : all_strategies)
    if (to_string(s) == name) return s;
  return std::nullopt;
}

template <Graph G, CostModel C, MemoryConstraint M>
Plan solve(Strategy s, const G& g, const C& cost, const M& spm, const SolveOptions& opt = {}) {
  switch (s) {
    case Strategy::layerwise: return solve_layerwise(g, cost, spm, opt);
    case Strategy::fusion: return solve_fusion(g, cost, spm, opt);
    case Strategy::pinning: return solve_pinning(g, cost, spm, opt);
    case Strategy::joint: break;
  }
  return solve_joint(g, cost, spm, opt);
}

}  // namespace pinfuse
