#pragma once
// The reference accelerator's memo of tile walks (ReferenceAccelerator::geometry).
//
// The fixed-order DP asks about one group several times in a row: its floor in
// the bound pass and again before its batch (group_floor), then its settings
// (evaluate_batch), whose chosen way is walked once more to list its buffers.
// Each of these walks the group at every tile count, and the walk is most of a
// query's time; it depends only on the group's layers and boundary FMs (not on
// residences or available bytes), so the walks are kept for the groups asked
// lately and shared by those queries. Few: a walk kept is memory the next
// query does not reuse from the allocator (on MobileNetV2 at 512 KiB, 32 groups
// and 4 MiB save 13% of the solve time; 128 groups and 64 MiB save nothing).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace pinfuse::detail {

/// Tile walks (`Geometry`, with heap_bytes()) by group: of the `max_groups`
/// groups asked last, the least recently asked dropped first also once the
/// walks kept pass `max_bytes`. Thread-safe: a cost model is asked on several
/// threads at once (SolveOptions::threads). A copy starts empty.
template <class Geometry>
class WalkCache {
 public:
  /// One group's walks, by (tiles, cached).
  class Walks {
   public:
    /// The walk at (tiles, cached), made by walk() the first time.
    template <class Walk>
    std::shared_ptr<const Geometry> at(int tiles, bool cached, const Walk& walk) {
      {
        const std::lock_guard lock(mutex_);
        const auto it = done_.find({tiles, cached});
        if (it != done_.end()) return it->second;
      }
      auto made = std::make_shared<const Geometry>(walk());  // outside the lock: walks of other tile counts go on
      const std::lock_guard lock(mutex_);
      const auto [it, added] = done_.try_emplace({tiles, cached}, std::move(made));
      if (added) bytes_ += it->second->heap_bytes() + sizeof(Geometry);
      return it->second;
    }
    std::size_t bytes() const { return bytes_; }

   private:
    std::mutex mutex_;
    std::map<std::pair<int, bool>, std::shared_ptr<const Geometry>> done_;
    std::atomic<std::size_t> bytes_{0};
  };

  explicit WalkCache(std::size_t max_groups = 32, std::size_t max_bytes = std::size_t(4) << 20)
      : max_groups_(max_groups), max_bytes_(max_bytes) {}
  WalkCache(const WalkCache& other) : max_groups_(other.max_groups_), max_bytes_(other.max_bytes_) {}
  WalkCache& operator=(const WalkCache& other) {
    if (this != &other) {
      const std::lock_guard lock(mutex_);
      groups_.clear();
      max_groups_ = other.max_groups_;
      max_bytes_ = other.max_bytes_;
    }
    return *this;
  }

  /// The walks of the group `key` names (its layers and boundary FMs), empty
  /// if it is new. Its holder may use them after they leave the cache.
  std::shared_ptr<Walks> of(std::vector<std::size_t> key) {
    const std::lock_guard lock(mutex_);
    const auto [it, added] = groups_.try_emplace(std::move(key));
    it->second.asked = ++clock_;
    if (!added) return it->second.walks;
    it->second.walks = std::make_shared<Walks>();
    std::size_t kept = 0;  // O(max_groups) per new group
    for (const auto& [k, entry] : groups_) kept += entry.walks->bytes();
    while (groups_.size() > 1 && (groups_.size() > max_groups_ || kept > max_bytes_)) {
      auto oldest = groups_.begin();  // the least recently asked: never the new one
      for (auto g = groups_.begin(); g != groups_.end(); ++g)
        if (g->second.asked < oldest->second.asked) oldest = g;
      kept -= oldest->second.walks->bytes();
      groups_.erase(oldest);
    }
    return it->second.walks;
  }

 private:
  struct Entry {
    std::shared_ptr<Walks> walks;
    std::uint64_t asked = 0;  ///< clock_ when last asked
  };
  std::mutex mutex_;
  std::size_t max_groups_, max_bytes_;
  std::uint64_t clock_ = 0;
  std::map<std::vector<std::size_t>, Entry> groups_;
};

}  // namespace pinfuse::detail
