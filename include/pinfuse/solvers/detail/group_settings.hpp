#pragma once
// The settings the DP puts one group in (which boundary FMs are pinned, which
// pins pass over it, the SPM they take) and the cost model's answers for them.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/core/problem.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/solvers/detail/group_boundary.hpp"

namespace pinfuse::detail {

/// The boundary of group [begin, end) when `pinned(fm)` says which FMs are pinned,
/// and the aligned bytes the pinned FMs alive during the group occupy; those are
/// looked for among `maybe_pinned` (indices into p.fms).
struct GroupSetting {
  std::vector<BoundaryFm> inputs;
  std::vector<BoundaryFm> outputs;
  std::vector<std::uint8_t> outputs_read_inside;  ///< GroupQuery::outputs_read_inside
  std::vector<std::size_t> passing;         ///< GroupQuery::passing: pinned FMs alive during the group, not at its boundary
  std::uint64_t pinned_bytes = 0;           ///< aligned
  std::vector<std::uint64_t> pinned_sizes;  ///< bytes of each pinned FM alive during the group
};

/// Where input `f` of a group whose first position is `begin` lives: in DRAM
/// unless pinned; pinned from an earlier group, or loaded by this one when it
/// is a model input first read here (FeatureMap::pin_start).
inline Residence input_residence(const FeatureMap& f, bool pinned, int begin) {
  return !pinned ? Residence::dram : f.pin_start() >= begin ? Residence::loaded : Residence::pinned;
}

/// Vertex indices of positions [begin, end).
inline std::vector<std::size_t> positions_to_vertices(const Problem& p, int begin, int end) {
  return {p.order.begin() + begin, p.order.begin() + end};
}

/// The memory constraint's word on a group's pinned FMs and buffers together
/// (a banked or fragmented SPM may refuse what the byte count allows).
template <MemoryConstraint M>
bool fits_together(const M& spm, const GroupSetting& s, const GroupCost& c) {
  std::vector<std::uint64_t> sizes = s.pinned_sizes;
  for (const Buffer& b : c.buffers) sizes.push_back(b.bytes);
  return spm.fits(sizes);
}
template <MemoryConstraint M, class IsPinned>
GroupSetting group_setting(const Problem& p, const M& spm, int begin, int end, const GroupBoundary& b,
                           std::span<const int> maybe_pinned, const IsPinned& pinned) {
  GroupSetting s;
  for (const int fm : b.inputs) s.inputs.push_back({p.fms[fm].vertex, input_residence(p.fms[fm], pinned(fm), begin)});
  for (const int fm : b.outputs) s.outputs.push_back({p.fms[fm].vertex, pinned(fm) ? Residence::pinned : Residence::dram});
  s.outputs_read_inside = b.outputs_read_inside;
  for (const int fm : maybe_pinned) {
    const FeatureMap& f = p.fms[fm];
    if (f.pin_start() >= 0 && f.pin_start() < end && f.last_use() >= begin && pinned(fm)) {
      s.pinned_bytes += spm.aligned(f.bytes);
      s.pinned_sizes.push_back(f.bytes);
      const bool boundary = std::binary_search(b.inputs.begin(), b.inputs.end(), fm) ||
                            std::find(b.outputs.begin(), b.outputs.end(), fm) != b.outputs.end();
      if (!boundary) s.passing.push_back(f.vertex);
    }
  }
  std::sort(s.passing.begin(), s.passing.end());
  return s;
}

/// The distinct settings one group is asked about, and the cost model's answers.
/// Settings are told apart by residences and the pins passing over the group:
/// together they fix every pin alive (fits_together may depend on more than
/// their sum, e.g. with banks) and all a query says.
class GroupSettings {
 public:
  /// Index of `s` among the distinct settings (added if new).
  std::size_t add(GroupSetting s) {
    std::vector<Residence> residences;
    for (const auto* list : {&s.inputs, &s.outputs})
      for (const BoundaryFm& b : *list) residences.push_back(b.where);
    const auto [it, added] = index_.try_emplace({std::move(residences), s.passing}, settings_.size());
    if (added) settings_.push_back(std::move(s));
    return it->second;
  }
  std::size_t size() const { return settings_.size(); }
  const GroupSetting& at(std::size_t i) const { return settings_[i]; }
  /// The cost of the group of `layers` (vertex indices, in execution order) in
  /// every setting, in one batch; nullopt where the model says no or the memory
  /// constraint refuses pins and buffers together. Counted in `stats`.
  /// `reserve`: bytes held back from what the pins leave available (an
  /// address repair's squeeze); every setting's pinned_bytes + reserve is at
  /// most the capacity (the callers check).
  template <CostModel C, MemoryConstraint M>
  std::vector<std::optional<GroupCost>> ask(std::span<const std::size_t> layers, const C& cost, const M& spm,
                                            Objective objective, SolveStatistics& stats, std::uint64_t reserve = 0) const {
    std::vector<GroupQuery> queries;
    for (const GroupSetting& s : settings_)
      queries.push_back({layers, s.inputs, s.outputs, spm.capacity() - s.pinned_bytes - reserve, spm.alignment(),
                         objective, s.passing, s.outputs_read_inside});
    std::vector<std::optional<GroupCost>> answers = evaluate_all(cost, std::span<const GroupQuery>(queries));
    stats.groups_costed += queries.size();
    for (std::size_t i = 0; i < answers.size(); ++i)
      if (answers[i] && !fits_together(spm, settings_[i], *answers[i])) {
        answers[i].reset();
        ++stats.memory_refusals;
      }
    return answers;
  }

 private:
  std::vector<GroupSetting> settings_;
  std::map<std::pair<std::vector<Residence>, std::vector<std::size_t>>, std::size_t> index_;
};

/// A cache key of group `layers` (any words that name it) in a setting with
/// these residences (of its inputs, then outputs) and passing pins: what
/// GroupSettings tells settings apart by, as bytes, into `key`.
inline void setting_key(std::span<const std::size_t> layers, std::span<const Residence> residences,
                        std::span<const std::size_t> passing, std::string& key) {
  key.clear();
  const auto put = [&](std::uint64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(layers.size());
  for (const std::size_t l : layers) put(l);
  for (const Residence where : residences) key.push_back(static_cast<char>(where));
  for (const std::size_t vertex : passing) put(vertex);
}
/// The key of group `layers` in setting `s`.
inline std::string setting_key(std::span<const std::size_t> layers, const GroupSetting& s) {
  std::vector<Residence> residences;
  for (const auto* list : {&s.inputs, &s.outputs})
    for (const BoundaryFm& b : *list) residences.push_back(b.where);
  std::string key;
  setting_key(layers, residences, s.passing, key);
  return key;
}

/// Answers of the cost model kept by group and setting (setting_key), so that
/// a search asks each once. At most kMaxBytes (keys, values and the hash
/// table's node and bucket pointers): past that it starts afresh (a cache, not
/// a record), so its memory stays bounded.
/// find() may run on several threads at once; keep() on one, with no find().
template <class Answer>
class AnswerCache {
 public:
  const std::optional<Answer>* find(const std::string& key) const {
    const auto hit = answers_.find(key);
    return hit == answers_.end() ? nullptr : &hit->second;
  }
  void keep(std::string key, std::optional<Answer> answer) {
    if (bytes_ > kMaxBytes) {
      answers_.clear();
      bytes_ = 0;
    }
    bytes_ += sizeof(typename Map::value_type) + key.size() + 2 * sizeof(void*);
    answers_.emplace(std::move(key), std::move(answer));
  }

 private:
  using Map = std::unordered_map<std::string, std::optional<Answer>>;
  static constexpr std::size_t kMaxBytes = std::size_t(256) << 20;
  Map answers_;
  std::size_t bytes_ = 0;
};

}  // namespace pinfuse::detail
