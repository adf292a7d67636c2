#pragma once
// The reference accelerator's memo of tile walks (ReferenceAccelerator::geometry).
//
// A solver asks about one group several times: its settings (evaluate_batch),
// in batches, from several cuts or downsets, and the chosen way is walked once
// more to list its buffers. Each of these walks the group at every tile count,
// and the walk is most of a query's time; it depends only on the group's
// layers and boundary FMs (not on residences or available bytes), so the walks
// are kept for the groups asked lately and shared by those queries (a group's
// floor, group_floor, walks it without keeping the walks: most groups floored
// are pruned, never run). Few: a walk kept is memory the next
// query does not reuse from the allocator (on MobileNetV2 at 512 KiB, 32 groups
// and 4 MiB save 13% of the solve time; 128 groups and 64 MiB save nothing).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace pinfuse::detail {

/// Tile walks (`Geometry`, with heap_bytes()) by group: of the `max_groups`
/// groups asked last, the least recently asked dropped first also once the
/// walks kept pass `max_bytes`. Thread-safe: a cost model is asked on several
/// threads at once (SolveOptions::threads). A copy starts empty. O(log groups)
/// a call: a list by recency and a running total of the bytes kept.
///
/// The limits grow (to 8 times) when the groups asked come back: a group
/// asked again soon after it was dropped (among the last `max_groups`
/// dropped) adds one group to them (and its share of the bytes). The
/// fixed-order DP sweeps the cuts and seldom asks a group again; the
/// order-free search comes back to a group from other downsets and pin sets
/// (DenseNet-121 at 512 KiB: 39,191 walks made with 32 groups kept, for 2,718
/// groups).
template <class Geometry>
class WalkCache {
  using Total = std::shared_ptr<std::atomic<std::size_t>>;

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
      if (added) {
        const std::size_t bytes = it->second->heap_bytes() + sizeof(Geometry);
        bytes_ += bytes;
        if (kept_in_) kept_in_->fetch_add(bytes);
      }
      return it->second;
    }

   private:
    friend class WalkCache;
    /// Counts its bytes in `total` from now on (kept by a cache), or in none (dropped).
    void count_in(Total total) {
      const std::lock_guard lock(mutex_);
      if (kept_in_) kept_in_->fetch_sub(bytes_);
      kept_in_ = std::move(total);
      if (kept_in_) kept_in_->fetch_add(bytes_);
    }
    std::mutex mutex_;
    std::map<std::pair<int, bool>, std::shared_ptr<const Geometry>> done_;
    std::size_t bytes_ = 0;
    Total kept_in_;  ///< the total of the cache that keeps it, if one does
  };

  explicit WalkCache(std::size_t max_groups = 32, std::size_t max_bytes = std::size_t(4) << 20)
      : first_max_groups_(max_groups), first_max_bytes_(max_bytes), max_groups_(max_groups), max_bytes_(max_bytes) {}
  WalkCache(const WalkCache& other) : WalkCache(other.first_max_groups_, other.first_max_bytes_) {}
  WalkCache& operator=(const WalkCache& other) {
    if (this != &other) {
      const std::lock_guard lock(mutex_);
      release_all();
      recency_.clear();
      index_.clear();
      dropped_.clear();
      dropped_order_.clear();
      first_max_groups_ = max_groups_ = other.first_max_groups_;
      first_max_bytes_ = max_bytes_ = other.first_max_bytes_;
    }
    return *this;
  }
  /// The limits now: grown from the constructor's when dropped groups came back.
  std::size_t max_groups() const {
    const std::lock_guard lock(mutex_);
    return max_groups_;
  }
  ~WalkCache() { release_all(); }

  /// The walks of the group `key` names (its layers and boundary FMs), empty
  /// if it is new. Its holder may use them after they leave the cache.
  std::shared_ptr<Walks> of(std::vector<std::size_t> key) {
    const std::lock_guard lock(mutex_);
    const auto it = index_.find(key);
    if (it != index_.end()) {
      recency_.splice(recency_.begin(), recency_, it->second);  // now the most recent
      return it->second->walks;
    }
    if (dropped_.count(key) && max_groups_ < kGrowth * first_max_groups_) {  // dropped too soon: keep one more
      ++max_groups_;
      max_bytes_ += first_max_bytes_ / first_max_groups_;
    }
    recency_.push_front({std::make_shared<Walks>(), {}});
    const auto [at, added] = index_.emplace(std::move(key), recency_.begin());
    recency_.front().at = at;
    recency_.front().walks->count_in(kept_);
    while (recency_.size() > 1 && (recency_.size() > max_groups_ || kept_->load() > max_bytes_)) drop_oldest();  // never the new one
    return recency_.front().walks;
  }

 private:
  struct Entry;
  using Index = std::map<std::vector<std::size_t>, typename std::list<Entry>::iterator>;
  struct Entry {
    std::shared_ptr<Walks> walks;
    typename Index::iterator at;  ///< its key in index_
  };
  /// Its holders' walks count in no total from now on.
  void release_all() {
    for (Entry& e : recency_) e.walks->count_in(nullptr);
  }
  void drop_oldest() {
    recency_.back().walks->count_in(nullptr);
    if (dropped_order_.size() >= max_groups_) {
      dropped_.erase(dropped_order_.front());
      dropped_order_.pop_front();
    }
    if (const auto [at, added] = dropped_.insert(recency_.back().at->first); added) dropped_order_.push_back(at);
    index_.erase(recency_.back().at);
    recency_.pop_back();
  }
  static constexpr std::size_t kGrowth = 8;

  mutable std::mutex mutex_;
  std::size_t first_max_groups_, first_max_bytes_;
  std::size_t max_groups_, max_bytes_;
  std::set<std::vector<std::size_t>> dropped_;  ///< the keys of the groups dropped last, at most max_groups_
  std::deque<typename std::set<std::vector<std::size_t>>::iterator> dropped_order_;  ///< dropped_, oldest first
  std::list<Entry> recency_;  ///< most recently asked first
  Index index_;
  Total kept_ = std::make_shared<std::atomic<std::size_t>>(0);  ///< bytes of the walks in recency_
};

}  // namespace pinfuse::detail
