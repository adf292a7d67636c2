#pragma once
// Checks on command streams that need layer semantics, which the replay does not have,
// and random plans to check them on.
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/plan/layout.hpp"
#include "pinfuse/plan/program.hpp"
#include "pinfuse/solvers/detail/segment_dp.hpp"

namespace pinfuse::testing {

/// The rows of an FM with rows of `row_bytes` that region r touches.
inline RowRange rows_of(const Region& r, std::uint64_t row_bytes) {
  const std::uint64_t end = r.offset + (r.runs - 1) * r.stride + r.run_bytes;
  return {int(r.offset / row_bytes), int((end + row_bytes - 1) / row_bytes)};
}

/// Whether the regions `reads` of tensor t (rows of `row_bytes`) together cover
/// rows `need` (a cached run of rows may be two regions, where a ring wraps).
inline bool rows_covered(const std::vector<Region>& reads, TensorRef t, std::uint64_t row_bytes, RowRange need) {
  for (int from = need.begin; from < need.end;) {
    const auto has = std::find_if(reads.begin(), reads.end(), [&](const Region& r) {
      const RowRange got = rows_of(r, row_bytes);
      return r.tensor == t && got.begin <= from && from < got.end;
    });
    if (has == reads.end()) return false;
    from = rows_of(*has, row_bytes).end;
  }
  return true;
}

/// What the replay cannot know without layer semantics: every compute that
/// writes rows reads, of each input, the rows its window needs for them (halos
/// included, as the tiling formulas say). Returns the first miss, or "".
inline std::string missing_input_rows(const Network& net, const ReferenceAccelerator& accel, const Program& prog) {
  const auto row_bytes = [&](LayerId v) { return fm_bytes(net, v) / std::uint64_t(std::max(net[v].output.h, 1)); };
  for (const auto& list : prog.groups)
    for (const Command& c : list) {
      if (c.kind != CommandKind::compute || c.accumulate) continue;
      for (const Region& w : c.writes) {
        const RowRange out = rows_of(w, row_bytes(w.tensor.vertex));  // an in-place slice has the writer's rows
        const std::vector<LayerId> inputs = inputs_of(net, c.layer);
        for (std::size_t slot = 0; slot < inputs.size(); ++slot) {
          const RowRange need = accel.input_rows(c.layer, slot, out);
          if (!rows_covered(c.reads, {TensorKind::fm, inputs[slot]}, row_bytes(inputs[slot]), need))
            return net[c.layer].name + " writes rows [" + std::to_string(out.begin) + ", " + std::to_string(out.end) +
                   ") without reading rows [" + std::to_string(need.begin) + ", " + std::to_string(need.end) + ") of " +
                   net[inputs[slot]].name;
        }
      }
    }
  return "";
}

/// A plan with random groups and random pins of `p` (each cut and each
/// pinnable FM taken with probability 1/3), laid out; nullopt when some group
/// does not fit or the layout does not (the solvers would repair that one).
template <class Rng>
std::optional<Plan> random_laid_out_plan(const Problem& p, const ReferenceAccelerator& accel, const Scratchpad& spm, Rng& rng) {
  const auto one_in_three = [&] { return std::uniform_int_distribution<int>(0, 2)(rng) == 0; };
  std::vector<int> starts{0};
  for (int pos = 1; pos < int(p.size()); ++pos)
    if (one_in_three()) starts.push_back(pos);
  std::vector<char> pinned(p.fms.size(), 0);
  for (std::size_t fm = 0; fm < p.fms.size(); ++fm) pinned[fm] = p.fms[fm].pinnable() && one_in_three();
  Plan plan;
  SolveStatistics stats;
  try {
    plan = detail::assemble_plan(p, accel, spm, starts, pinned, Objective::latency, "random", stats);
  } catch (const no_plan_fits&) {
    return std::nullopt;
  }
  plan.layout = lay_out(plan, spm);
  if (plan.layout.peak > spm.capacity()) return std::nullopt;
  return plan;
}

}  // namespace pinfuse::testing
