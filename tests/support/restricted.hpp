#pragma once
// The reference accelerator with only some of its optional extensions, for
// tests that compare a solver with and without those that only make it faster.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/concepts/cost_model.hpp"

namespace pinfuse::testing {

/// Forwards evaluate, evaluate_batch and floor to the reference accelerator,
/// least_spm_bytes with `spm_floor` (else a solver grows every group to the
/// end), group_floor and fused_floors with `group_floors` (else the fixed-order
/// DP runs without branch and bound). It has neither interchange keys (not an
/// InterchangeableFmModel: a search tells every pin set apart) nor growth
/// floors (not a GrowthFloorModel: a walk grows every group it may).
template <bool spm_floor, bool group_floors>
struct Restricted {
  const ReferenceAccelerator& accel;
  std::optional<GroupCost> evaluate(const GroupQuery& q) const { return accel.evaluate(q); }
  std::vector<std::optional<GroupCost>> evaluate_batch(std::span<const GroupQuery> qs) const {
    return accel.evaluate_batch(qs);
  }
  CostFloor floor(std::span<const std::size_t> layers) const { return accel.floor(layers); }
  std::uint64_t least_spm_bytes(std::span<const std::size_t> layers) const
    requires spm_floor
  {
    return accel.least_spm_bytes(layers);
  }
  std::optional<CostFloor> group_floor(const GroupQuery& q) const
    requires group_floors
  {
    return accel.group_floor(q);
  }
  std::vector<CostFloor> fused_floors(std::span<const std::size_t> layers) const
    requires group_floors
  {
    return accel.fused_floors(layers);
  }
};

/// Every floor, no interchange keys and no growth floors.
using CoreFloorsOnly = Restricted<true, true>;
static_assert(FusedFloorModel<CoreFloorsOnly> && SpmFloorModel<CoreFloorsOnly> && !InterchangeableFmModel<CoreFloorsOnly> &&
              !GrowthFloorModel<CoreFloorsOnly>);

}  // namespace pinfuse::testing
