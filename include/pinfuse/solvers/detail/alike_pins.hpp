#pragma once
// Alike pins: pin candidates the cost model cannot tell apart
// (InterchangeableFmModel) that have the same bytes and the same readers still
// to run. Which of them a state pins makes no difference to any plan from it:
// each plan from one pin set has a twin from any other that pins as many of
// them, with their residences traded, that costs the same group by group (the
// contract; alike FMs stay alike, read by the same layers). So the solvers key
// a state by how many of each class of alike FMs it pins, not which: the
// order-free search (dag_search.hpp) and the fixed-order DP
// (segment_dp.hpp) keep one state for all such pin sets, and their plans pin
// what their transitions pinned. DenseNet's dense blocks have up to 24 alike
// FMs alive at once: 2^k pin sets of them are k + 1 states.
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/core/problem.hpp"

namespace pinfuse::detail {

/// An FM's interchange key (InterchangeableFmModel) and bytes.
using AlikeKind = std::pair<std::uint64_t, std::uint64_t>;

/// Per FM of `p`: the kind of a pin candidate (`candidate`) a layer produced
/// (not a model input) that shares it with another such candidate, nullopt
/// for the others; empty where no two share one (always without
/// InterchangeableFmModel).
template <CostModel C>
std::vector<std::optional<AlikeKind>> alike_kinds(const Problem& p, const C& cost, const std::vector<char>& candidate) {
  std::vector<std::optional<AlikeKind>> kinds(p.fms.size());
  if constexpr (InterchangeableFmModel<C>) {
    std::map<AlikeKind, int> sharing;  // kind -> candidates of it
    for (std::size_t fm = 0; fm < p.fms.size(); ++fm)
      if (candidate[fm] && !p.fms[fm].model_input())
        if (const std::optional<std::uint64_t> key = cost.interchange_key(p.fms[fm].vertex))
          ++sharing[*(kinds[fm] = AlikeKind(*key, p.fms[fm].bytes))];
    bool any = false;
    for (std::optional<AlikeKind>& kind : kinds) {
      if (kind && sharing[*kind] == 1) kind.reset();  // alike no other
      any = any || kind.has_value();
    }
    if (any) return kinds;
  }
  return {};
}

/// The classes of alike FMs among `alive` (FMs of `p`, ascending, each alive
/// across one frontier): by kind (`kinds`, alike_kinds()) and the positions
/// of their readers for which `to_run(pos)` holds. Those of two FMs or more,
/// each as indices into `alive`, ascending.
template <class ToRun>
std::vector<std::vector<int>> alike_classes(const Problem& p, const std::vector<std::optional<AlikeKind>>& kinds,
                                            const std::vector<int>& alive, ToRun&& to_run) {
  std::map<std::tuple<AlikeKind, std::vector<int>>, std::vector<int>> classes;  // (kind, readers to run) -> indices
  for (std::size_t i = 0; i < alive.size(); ++i) {
    const int fm = alive[i];
    if (!kinds[std::size_t(fm)]) continue;
    std::vector<int> readers;
    for (const int pos : p.fms[std::size_t(fm)].consumer_positions)
      if (to_run(pos)) readers.push_back(pos);
    classes[{*kinds[std::size_t(fm)], std::move(readers)}].push_back(static_cast<int>(i));
  }
  std::vector<std::vector<int>> alike;
  for (auto& [key, members] : classes)
    if (members.size() > 1) alike.push_back(std::move(members));
  return alike;
}

}  // namespace pinfuse::detail
