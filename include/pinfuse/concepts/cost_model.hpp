#pragma once
// The CostModel concept: the hardware knowledge the solvers consult.
//
// A solver proposes a *group* (layers run together tile by tile) and says where
// each boundary feature map lives; the cost model answers with the group's cost
// or std::nullopt when the group cannot run in the SPM bytes left to it.
//
//   std::optional<pinfuse::GroupCost> m.evaluate(const pinfuse::GroupQuery&) const
//
// The query names the group's layers, its boundary FMs and where they live,
// the pinned FMs that pass over it (alive, untouched) and which outputs the
// group also reads itself; a model that charges or forbids residency in its own
// way (banked SPM, retention limits) can refuse any of it by answering nullopt,
// and the solvers then never run that group in that setting. (Their address
// repairs give up pins and solve again: a model that refuses a group unless
// some FM is pinned may leave them without a plan; docs/architecture.md.)
//
// Contract (the validator checks the first two on every plan):
//  * every buffer in GroupCost::buffers is already rounded up to query.alignment,
//    and their sum is <= query.available_bytes;
//  * offchip.fm_write counts each DRAM output once (its bytes), pinned outputs 0;
//    offchip.fm_read is 0 when no input is in DRAM (with one, it is what the
//    group reads of it: often part of it, e.g. a strided 1x1 conv skips rows,
//    and 0 when it needs none of its rows, e.g. every window in the padding);
//    a loaded input is read whole (its bytes at least);
//  * evaluate() is deterministic (the exact solvers compare answers);
//  * GroupCost::energy is optional: a model without an energy estimate leaves it
//    0, and Objective::energy then ranks plans by latency alone;
//
// Optionally (BatchCostModel), a model may answer several queries about the same
// group at once — same layers, same boundary FMs, only residences and available
// bytes differ — to share work between them; the solvers batch such queries.
//
//   std::vector<std::optional<pinfuse::GroupCost>>
//       m.evaluate_batch(std::span<const pinfuse::GroupQuery>) const
//
// Optionally (CostFloorModel), a model tells a floor on what running a set of
// layers costs, whatever the grouping, order, residences and SPM left:
//
//   pinfuse::CostFloor m.floor(std::span<const std::size_t> layers) const
//
// Contract: for every partition of `layers` (vertex indices) into groups, each
// run in any setting the model accepts with its model outputs in DRAM (as the
// solvers ask: a model output is never pinned), the groups' latencies add up to at least
// floor.latency_cycles, their off-chip totals to at least floor.offchip_bytes
// and their energy totals to at least floor.energy_pj.
// The order-free solver uses it as its A* heuristic (the cost still to come) and
// for the lower bound it proves when it stops early; without it the floor is 0.
//
// Optionally (CapacityFloorModel, with CostFloorModel), a model tells a
// tighter floor for an SPM of a given size:
//
//   pinfuse::CostFloor m.floor(std::span<const std::size_t> layers, std::uint64_t capacity) const
//
// Contract: as floor(layers), for the partitions into convex groups (every
// path between two layers of a group stays in it, as in every plan the
// solvers make) whose groups each run in a setting that fits an SPM of
// `capacity` bytes: available_bytes plus the
// aligned bytes of every pinned FM alive while it runs (its pinned and loaded
// boundary FMs and the pins passing over it) at most `capacity`, as the
// solvers ask, where `layers` are the layers still to run of a plan in that
// SPM: a layer outside them that one of them reads ran in an earlier group of
// that plan, and its FM reaches its readers pinned (by a pin that had room
// from its producer's group on) or from DRAM. It is at least floor(layers). A
// small SPM forces traffic no grouping avoids (an FM no group can hold with
// its reader, nor pin beside it, crosses DRAM); the solvers ask it with their SPM's capacity wherever
// they ask floor() (floor_in()). Such a model with a growth floor (below)
// may also tell it for that SPM (CapacityGrowthFloorModel):
//
//   pinfuse::CostFloor m.growth_floor(std::span<const std::size_t> group, std::span<const std::size_t> rest,
//                                     std::uint64_t capacity) const
//
// Contract: as growth_floor(group, rest), for the groups G grown from `group`
// that fit that SPM (least_spm_bytes(G) <= capacity, where the model tells
// it), with floor(rest - G, capacity) after them (growth_floor_in()).
//
// Optionally (GroupFloorModel), a model tells a floor on one group's score over
// every setting at most as generous as a query:
//
//   std::optional<pinfuse::CostFloor> m.group_floor(const pinfuse::GroupQuery& q) const
//
// Contract: take any query q' about the same layers, boundary FMs, objective,
// alignment and outputs_read_inside as q, in DRAM every boundary FM q says is in DRAM
// (those q says pinned or loaded may be in any residence), any passing pins,
// and q'.available_bytes at most q.available_bytes less the aligned bytes of
// the boundary FMs q' pins or loads (their SPM comes out of what q has, as a
// solver's pins come out of the capacity). If the model accepts q', its answer scores at
// least score_of(floor, q.objective); nullopt means it accepts no such q'.
// The fixed-order DP and the order-free search ask it once per group, with the
// group's pin candidates pinned and the whole capacity available, for their
// floors on the cost still to come (solvers/detail/suffix_bound.hpp,
// solvers/detail/downset_bound.hpp): branch and bound, and a tighter lower
// bound when they stop early.
//
// Optionally (FusedFloorModel, with GroupFloorModel), a model tells cheap
// floors on running the first layers of a list as one group, for each length:
//
//   std::vector<pinfuse::CostFloor> m.fused_floors(std::span<const std::size_t> layers) const
//
// Contract: one floor per layer; floor k holds for the group of layers[0..k]
// (vertex indices): every query about exactly these layers that the model
// accepts, whatever its boundary residences (model outputs in DRAM, as above),
// passing pins and available bytes,
// is answered with at least its latency cycles, off-chip bytes and energy.
// The fixed-order DP asks it once per cut, for the groups from that cut, and
// asks group_floor only of the groups whose fused floor could still lower its
// floor on the cost still to come (solvers/detail/suffix_bound.hpp); it should cost
// far less than an evaluate(), e.g. running sums over the layers.
//
// Optionally (GrowthFloorModel, with FusedFloorModel and CostFloorModel), a
// model tells a floor on a group and everything larger the order-free search
// may grow it into, with the rest of the layers after it:
//
//   pinfuse::CostFloor m.growth_floor(std::span<const std::size_t> group, std::span<const std::size_t> rest) const
//
// Contract: `group` holds two or more layers (vertex indices), `rest` others;
// for every G with group <= G <= group + rest, the fused floor of G (the last
// of fused_floors of G's layers, in any order) plus floor(rest - G) is at
// least it, in each of latency cycles, off-chip bytes and energy. The search
// walks the groups from a downset by adding layers (solvers/detail/
// convex_groups.hpp) and keys each by that sum; where the growth floor already
// shows that no group grown from this one can beat the incumbent or come
// within the current limit, it grows the group no further. Without it, the
// walk enumerates them all (SSDLite's twelve head chains side by side: tens of
// millions of layers walked per solve).
//
// Optionally (SpmFloorModel), a model tells a floor on the SPM a group takes:
//
//   std::uint64_t m.least_spm_bytes(std::span<const std::size_t> layers) const
//
// Contract: every group that contains all of `layers` (vertex indices), in any
// order and setting the model accepts, takes at least this many bytes at once:
// its buffers plus its boundary FMs that are pinned or loaded. So it never decreases as
// layers are added, and once it passes the SPM's capacity the solvers stop
// growing the group: neither it nor any group containing it can run. Without
// it, groups grow until SolveOptions::max_group_layers (or the model's end).
//
// Optionally (InterchangeableFmModel), a model tells which FMs it cannot tell
// apart as a group's inputs:
//
//   std::optional<std::uint64_t> m.interchange_key(std::size_t vertex) const
//
// Contract: take FMs a and b (producer vertices) of the same bytes with the
// same key (nullopt: like no other), both produced before a group, and any
// query q about that group whose layers that read a are those that read b (as
// boundary inputs; or none reads either, and q may list them as passing). The
// query q' in which a and b trade places (a has b's residence and b a's;
// q'.passing lists b where q.passing lists a and the other way round,
// ascending again) gets the same answer as q: accepted iff q is, with the same
// latency cycles, off-chip bytes, energy and buffer sizes (in any order). The
// order-free search then keeps one state for the pin sets that differ only by
// which of such FMs (read by the same layers still to run) are pinned
// (dag_search.hpp): DenseNet's dense blocks have up to 24 alike FMs alive at
// once, and 2^k pin sets of them.
//
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pinfuse/core/checked.hpp"

namespace pinfuse {

/// Where a feature map that crosses a group boundary lives.
///  * dram:   in DRAM; an input is loaded tile by tile, an output stored so.
///  * pinned: whole in the SPM while the group runs; an input is read there,
///            an output written there (it stays for later groups).
///  * loaded: an input only: a model input in DRAM that the group loads whole
///            into its pinned place, reads there, and leaves there for later
///            groups (pinned from then on). Its bytes, like a pinned FM's, are
///            not in GroupQuery::available_bytes.
enum class Residence { dram, pinned, loaded };

/// Every residence's name, by enum value: the one name plan JSON and messages use.
inline constexpr std::array<std::string_view, 3> residence_names{"dram", "pinned", "loaded"};
constexpr std::string_view to_string(Residence r) { return residence_names[static_cast<std::size_t>(r)]; }
/// Does a boundary FM of this residence take SPM bytes of its own (outside the group's buffers)?
constexpr bool in_spm(Residence r) { return r != Residence::dram; }

/// What the solvers minimize: the first metric, ties broken by the second:
/// latency then off-chip bytes, off-chip bytes then latency, or energy then
/// latency. A cost model that reports no energy (GroupCost::energy all 0) makes
/// every plan's energy 0, so `energy` then ranks plans by latency alone.
enum class Objective { latency, offchip_bytes, energy };

/// Every objective's name, by enum value: the one name plan JSON, the tool's
/// --objective and the reports use.
inline constexpr std::array<std::string_view, 3> objective_names{"latency", "offchip_bytes", "energy"};
constexpr std::string_view to_string(Objective o) { return objective_names[static_cast<std::size_t>(o)]; }
/// The objective called `name` (one of objective_names), or none.
constexpr std::optional<Objective> objective_named(std::string_view name) {
  for (std::size_t i = 0; i < objective_names.size(); ++i)
    if (objective_names[i] == name) return static_cast<Objective>(i);
  return std::nullopt;
}

/// Lexicographic score of two of (latency, off-chip bytes, energy) under an
/// objective; all three add up over groups, so scores do too.
struct Score {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  friend auto operator<=>(const Score&, const Score&) = default;
  /// Saturates at UINT64_MAX instead of wrapping, so a sum past any real count
  /// compares as the worst score, never as a small one.
  Score operator+(const Score& o) const { return {saturating_add(first, o.first), saturating_add(second, o.second)}; }
};
inline Score score_of(std::uint64_t latency_cycles, std::uint64_t offchip_bytes, std::uint64_t energy_pj, Objective o) {
  switch (o) {
    case Objective::latency: return {latency_cycles, offchip_bytes};
    case Objective::offchip_bytes: return {offchip_bytes, latency_cycles};
    case Objective::energy: return {energy_pj, latency_cycles};
  }
  return {};
}

/// A feature map at a group boundary.
struct BoundaryFm {
  std::size_t vertex = 0;  ///< vertex index of its producer (or of the model input)
  Residence where = Residence::dram;
  friend bool operator==(const BoundaryFm&, const BoundaryFm&) = default;
};

struct GroupQuery {
  std::span<const std::size_t> layers;   ///< vertex indices, in execution order
  std::span<const BoundaryFm> inputs;    ///< FMs produced before the group and read in it
  std::span<const BoundaryFm> outputs;   ///< FMs produced in the group and needed after it
  std::uint64_t available_bytes = 0;     ///< SPM bytes left for the group's own buffers
  std::uint64_t alignment = 1;           ///< every buffer is rounded up to this (bytes)
  Objective objective = Objective::latency;  ///< what the tiling choice should favour
  /// Pinned FMs alive while the group runs that it neither reads nor writes
  /// (they pass over it), by producer vertex, ascending. Their bytes, like those
  /// of the pinned boundary FMs, are not in available_bytes.
  std::span<const std::size_t> passing = {};
  /// Per output (as `outputs`): 1 if a later layer of the group reads it too,
  /// 0 if only layers after the group do.
  std::span<const std::uint8_t> outputs_read_inside = {};
};

/// Off-chip (DRAM) traffic in bytes, by kind.
struct OffchipBytes {
  std::uint64_t fm_read = 0;
  std::uint64_t fm_write = 0;
  std::uint64_t weights = 0;
  std::uint64_t fm() const { return saturating_add(fm_read, fm_write); }       ///< saturates, see Score
  std::uint64_t total() const { return saturating_add(fm(), weights); }
  OffchipBytes& operator+=(const OffchipBytes& o) {
    fm_read += o.fm_read;
    fm_write += o.fm_write;
    weights += o.weights;
    return *this;
  }
  friend bool operator==(const OffchipBytes&, const OffchipBytes&) = default;
};

/// Energy a group spends, by where [pJ]. Each term is a whole number of
/// picojoules (the reference accelerator rounds each up per group); a model that
/// reports none leaves all 0.
struct EnergyPj {
  std::uint64_t dram = 0;       ///< DRAM accesses (the off-chip bytes)
  std::uint64_t spm_read = 0;   ///< SPM reads (DMA out, compute reading FMs and weights)
  std::uint64_t spm_write = 0;  ///< SPM writes (DMA in, compute writing FMs)
  std::uint64_t mac = 0;        ///< MAC-array operations
  std::uint64_t vector = 0;     ///< vector-unit element operations
  std::uint64_t total() const {  ///< saturates, see Score
    return saturating_add(saturating_add(saturating_add(dram, spm_read), saturating_add(spm_write, mac)), vector);
  }
  EnergyPj& operator+=(const EnergyPj& o) {  ///< saturates each term, see Score
    dram = saturating_add(dram, o.dram);
    spm_read = saturating_add(spm_read, o.spm_read);
    spm_write = saturating_add(spm_write, o.spm_write);
    mac = saturating_add(mac, o.mac);
    vector = saturating_add(vector, o.vector);
    return *this;
  }
  friend bool operator==(const EnergyPj&, const EnergyPj&) = default;
};

/// An SPM buffer a group needs for its whole duration.
struct Buffer {
  std::string name;         ///< e.g. "weights", "in:conv3", "tmp:conv4"
  std::uint64_t bytes = 0;  ///< aligned size
  friend bool operator==(const Buffer&, const Buffer&) = default;
};

struct GroupCost {
  std::uint64_t latency_cycles = 0;
  OffchipBytes offchip;
  std::uint64_t recompute_macs = 0;  ///< MACs computed more than once because tiles overlap
  EnergyPj energy{};                 ///< all 0 when the model reports no energy
  std::vector<Buffer> buffers;       ///< the group's SPM footprint (pinned FMs excluded)
  /// The tiling the model chose, as named integers (e.g. {"row_tiles", 8}); opaque to solvers.
  std::map<std::string, std::int64_t> tiling;

  std::uint64_t footprint() const {
    std::uint64_t sum = 0;
    for (const Buffer& b : buffers) sum += b.bytes;
    return sum;
  }
  friend bool operator==(const GroupCost&, const GroupCost&) = default;
};

inline Score score_of(const GroupCost& c, Objective o) {
  return score_of(c.latency_cycles, c.offchip.total(), c.energy.total(), o);
}

template <class M>
concept CostModel = requires(const M& m, const GroupQuery& q) {
  { m.evaluate(q) } -> std::same_as<std::optional<GroupCost>>;
};

/// A floor on the cost of running a set of layers (CostFloorModel).
struct CostFloor {
  std::uint64_t latency_cycles = 0;
  std::uint64_t offchip_bytes = 0;
  std::uint64_t energy_pj = 0;
};

inline Score score_of(const CostFloor& f, Objective o) { return score_of(f.latency_cycles, f.offchip_bytes, f.energy_pj, o); }

template <class M>
concept CostFloorModel = CostModel<M> && requires(const M& m, std::span<const std::size_t> layers) {
  { m.floor(layers) } -> std::same_as<CostFloor>;
};

template <class M>
concept CapacityFloorModel = CostFloorModel<M> && requires(const M& m, std::span<const std::size_t> layers,
                                                           std::uint64_t capacity) {
  { m.floor(layers, capacity) } -> std::same_as<CostFloor>;
};

/// The floor of a CostFloorModel on `layers` in an SPM of `capacity` bytes:
/// its capacity floor where it has one (CapacityFloorModel), else its floor.
template <CostFloorModel M>
CostFloor floor_in(const M& m, std::span<const std::size_t> layers, std::uint64_t capacity) {
  if constexpr (CapacityFloorModel<M>) return m.floor(layers, capacity);
  else return (void)capacity, m.floor(layers);
}

template <class M>
concept CapacityGrowthFloorModel = CapacityFloorModel<M> &&
                                   requires(const M& m, std::span<const std::size_t> group,
                                            std::span<const std::size_t> rest, std::uint64_t capacity) {
  { m.growth_floor(group, rest, capacity) } -> std::same_as<CostFloor>;
};

template <class M>
concept GroupFloorModel = CostModel<M> && requires(const M& m, const GroupQuery& q) {
  { m.group_floor(q) } -> std::same_as<std::optional<CostFloor>>;
};

template <class M>
concept FusedFloorModel = GroupFloorModel<M> && requires(const M& m, std::span<const std::size_t> layers) {
  { m.fused_floors(layers) } -> std::same_as<std::vector<CostFloor>>;
};

template <class M>
concept GrowthFloorModel = FusedFloorModel<M> && CostFloorModel<M> &&
                           requires(const M& m, std::span<const std::size_t> group, std::span<const std::size_t> rest) {
  { m.growth_floor(group, rest) } -> std::same_as<CostFloor>;
};

/// The growth floor of a GrowthFloorModel in an SPM of `capacity` bytes: its
/// capacity growth floor where it has one (CapacityGrowthFloorModel), else its
/// growth floor.
template <GrowthFloorModel M>
CostFloor growth_floor_in(const M& m, std::span<const std::size_t> group, std::span<const std::size_t> rest,
                          std::uint64_t capacity) {
  if constexpr (CapacityGrowthFloorModel<M>) return m.growth_floor(group, rest, capacity);
  else return (void)capacity, m.growth_floor(group, rest);
}

template <class M>
concept SpmFloorModel = CostModel<M> && requires(const M& m, std::span<const std::size_t> layers) {
  { m.least_spm_bytes(layers) } -> std::same_as<std::uint64_t>;
};

template <class M>
concept InterchangeableFmModel = CostModel<M> && requires(const M& m, std::size_t vertex) {
  { m.interchange_key(vertex) } -> std::same_as<std::optional<std::uint64_t>>;
};

template <class M>
concept BatchCostModel = CostModel<M> && requires(const M& m, std::span<const GroupQuery> qs) {
  { m.evaluate_batch(qs) } -> std::same_as<std::vector<std::optional<GroupCost>>>;
};

/// Answers queries about one group: in one batch if the model can, else one by one.
template <CostModel M>
std::vector<std::optional<GroupCost>> evaluate_all(const M& m, std::span<const GroupQuery> queries) {
  if constexpr (BatchCostModel<M>) {
    return m.evaluate_batch(queries);
  } else {
    std::vector<std::optional<GroupCost>> answers;
    answers.reserve(queries.size());
    for (const GroupQuery& q : queries) answers.push_back(m.evaluate(q));
    return answers;
  }
}

}  // namespace pinfuse
