#pragma once
// Runs f(0), ..., f(count - 1) on up to `threads` threads (the caller's
// included), each index once, and returns when all have run. Which thread runs
// which index is not fixed, so f must write only to its own index's results.
// If some calls throw, the exception of the lowest index is rethrown (the
// one a loop on one thread would have stopped at), after all calls ended.
//
// A solve asks for this thousands of times (once per cut, or per round of
// groups), each for a few milliseconds of work, so the helper threads are
// started once, at the first call with work for two, and then wait for the
// next call: starting a thread costs ~50 us here (more than some calls' work).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pinfuse {

/// The thread count `requested` means: 0 = one per hardware thread (at least 1).
inline std::size_t thread_count(std::size_t requested) {
  return requested ? requested : std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

/// `threads` - 1 helper threads that run parallel_for() calls with the
/// caller; one solve owns one. Not for calls from several threads at once.
///
/// Claiming: the calls are numbered, and a ticket holds (call, next index).
/// A thread runs index i of call c only after moving the ticket from (c, i)
/// to (c, i + 1), so each index runs once, and only while call c is the
/// current one. The caller runs indices too, and returns once all of its
/// call's indices have run: it never waits for a helper that has not claimed
/// one (a helper asleep takes tens of microseconds to wake on a virtual
/// machine, longer than most calls' work). A call's function and count stay
/// in their slot until the next call but one (calls alternate between two
/// slots), which starts only after this call returned: a claimed index finds
/// its own call's. Two, not one: a thread looks at the count before it claims,
/// and once call c has handed out its last index and returned, the caller
/// writes call c + 1's count before it moves the ticket on; with one slot, a
/// thread holding the ticket (c, last) could read that count and claim an
/// index of c + 1 under c's number.
///
/// Waiting: a thread that waits (a helper for the next call, the caller for
/// the indices claimed by helpers) first spins for about kSpins loads, as calls
/// come every few microseconds to milliseconds, and only then sleeps on a
/// condition variable.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : threads_(std::max<std::size_t>(1, threads)) {}
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : helpers_) t.join();
  }

  /// f(0), ..., f(count - 1), as the header says.
  template <class F>
  void parallel_for(std::size_t count, F&& f) {
    if (threads_ <= 1 || count <= 1 || count > kMostIndices) {
      for (std::size_t i = 0; i < count; ++i) f(i);
      return;
    }
    std::vector<std::exception_ptr> errors(count);
    const std::function<void(std::size_t)> call = [&](std::size_t i) {
      try {
        f(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    };
    start_helpers();
    ++calls_;
    Slot& slot = slots_[calls_ & 1];
    slot.call.store(&call);
    slot.count.store(count);
    done_.store(0);
    ticket_.store((calls_ & kMostIndices) << kIndexBits);  // the helpers may claim from here
    if (sleeping_.load() > 0) {
      const std::lock_guard lock(mutex_);  // a helper going to sleep checks ticket_ under it
      wake_.notify_all();
    }
    work();
    wait_until([&] { return done_.load() == count; }, caller_sleeping_, done_cv_);
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
  }

 private:
  static constexpr int kSpins = 1 << 14;
  static constexpr int kIndexBits = 32;
  static constexpr std::uint64_t kMostIndices = (std::uint64_t(1) << kIndexBits) - 1;

  /// A call's function and index count.
  struct Slot {
    std::atomic<const std::function<void(std::size_t)>*> call{nullptr};
    std::atomic<std::size_t> count{0};
  };

  /// Claims and runs indices of the current call until none is left.
  void work() {
    std::uint64_t ticket = ticket_.load();
    for (;;) {
      const Slot& slot = slots_[(ticket >> kIndexBits) & 1];
      const std::size_t index = ticket & kMostIndices;
      // A count read after a later call took the slot fails the exchange below (the ticket has moved on).
      if (index >= slot.count.load()) return;
      if (!ticket_.compare_exchange_weak(ticket, ticket + 1)) continue;  // `ticket` is reloaded
      const std::size_t count = slot.count.load();  // the call's own: it cannot return before this index ran
      (*slot.call.load())(index);
      if (done_.fetch_add(1) + 1 == count && caller_sleeping_.load() > 0) {
        const std::lock_guard lock(mutex_);  // the caller going to sleep checks done_ under it
        done_cv_.notify_one();
      }
      ticket = ticket_.load();
    }
  }
  /// Returns once ready() holds: spins, then sleeps on `cv` (counted in `sleeping`).
  template <class Ready>
  void wait_until(const Ready& ready, std::atomic<int>& sleeping, std::condition_variable& cv) {
    for (int spin = 0; spin < kSpins; ++spin)
      if (ready()) return;
    std::unique_lock lock(mutex_);
    sleeping.fetch_add(1);
    cv.wait(lock, ready);
    sleeping.fetch_sub(1);
  }
  void start_helpers() {
    if (!helpers_.empty()) return;
    for (std::size_t k = 1; k < threads_; ++k)
      helpers_.emplace_back([this] {
        for (std::uint64_t seen = 0;;) {  // the last call it looked at
          wait_until([&] { return closing_ || (ticket_.load() >> kIndexBits) != seen; }, sleeping_, wake_);
          if (closing_) return;
          seen = ticket_.load() >> kIndexBits;
          work();
        }
      });
  }

  std::size_t threads_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;     ///< helpers: a new call, or closing
  std::condition_variable done_cv_;  ///< the caller: the indices helpers claimed have run
  /// Calls started (the caller's thread only). The ticket keeps its low 32 bits: a number comes back
  /// after 2^32 calls, which a thread between its look at the ticket and its claim would have to sleep through.
  std::uint64_t calls_ = 0;
  Slot slots_[2];                    ///< call c's in slots_[c % 2]
  std::atomic<std::uint64_t> ticket_{0};  ///< (call << kIndexBits) | the next index to claim
  std::atomic<std::size_t> done_{0};      ///< indices of the current call that have run
  std::atomic<int> sleeping_{0};          ///< helpers asleep on wake_
  std::atomic<int> caller_sleeping_{0};   ///< 1 while the caller sleeps on done_cv_
  std::atomic<bool> closing_{false};
};

}  // namespace pinfuse
