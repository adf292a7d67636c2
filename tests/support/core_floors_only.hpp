#pragma once
// The reference accelerator with only its core floors, for tests that compare
// a search with and without the optional extensions that only make it faster.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse::testing {

/// Forwards evaluate, evaluate_batch, floor, fused_floors, group_floor and
/// least_spm_bytes to the reference accelerator, and has neither interchange
/// keys (not an InterchangeableFmModel: a search tells every pin set apart)
/// nor growth floors (not a GrowthFloorModel: a walk grows every group).
struct CoreFloorsOnly {
  const ReferenceAccelerator& accel;
  std::optional<GroupCost> evaluate(const GroupQuery& q) const { return accel.evaluate(q); }
  std::vector<std::optional<GroupCost>> evaluate_batch(std::span<const GroupQuery> qs) const {
    return accel.evaluate_batch(qs);
  }
  CostFloor floor(std::span<const std::size_t> layers) const { return accel.floor(layers); }
  std::vector<CostFloor> fused_floors(std::span<const std::size_t> layers) const { return accel.fused_floors(layers); }
  std::optional<CostFloor> group_floor(const GroupQuery& q) const { return accel.group_floor(q); }
  std::uint64_t least_spm_bytes(std::span<const std::size_t> layers) const { return accel.least_spm_bytes(layers); }
};
static_assert(FusedFloorModel<CoreFloorsOnly> && SpmFloorModel<CoreFloorsOnly> && !InterchangeableFmModel<CoreFloorsOnly> &&
              !GrowthFloorModel<CoreFloorsOnly>);

}  // namespace pinfuse::testing
