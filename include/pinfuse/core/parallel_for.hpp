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
/// Waiting: a thread that waits (a helper for the next call, the caller for
/// the helpers to end theirs) first spins for about kSpins loads, as calls
/// come every few microseconds to milliseconds, and only then sleeps on a
/// condition variable: on a virtual machine a futex wait and wake cost tens of
/// microseconds, more than the work of many calls.
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
    if (threads_ <= 1 || count <= 1) {
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
    job_ = &call;
    count_ = count;
    next_.store(0);
    busy_.store(helpers_.size());
    generation_.fetch_add(1);  // the helpers see job_ and count_ once they see this
    if (sleeping_.load() > 0) {
      const std::lock_guard lock(mutex_);  // a helper going to sleep checks generation_ under it
      wake_.notify_all();
    }
    work(call, count);
    wait_until([&] { return busy_.load() == 0; }, caller_sleeping_, done_);
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
  }

 private:
  static constexpr int kSpins = 1 << 14;

  void work(const std::function<void(std::size_t)>& call, std::size_t count) {
    for (std::size_t i; (i = next_.fetch_add(1)) < count;) call(i);
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
        for (std::uint64_t seen = 0;;) {
          wait_until([&] { return closing_ || generation_.load() != seen; }, sleeping_, wake_);
          if (closing_) return;
          seen = generation_.load();
          work(*job_, count_);
          if (busy_.fetch_sub(1) == 1 && caller_sleeping_.load() > 0) {
            const std::lock_guard lock(mutex_);  // the caller going to sleep checks busy_ under it
            done_.notify_one();
          }
        }
      });
  }

  std::size_t threads_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;  ///< helpers: a new call, or closing
  std::condition_variable done_;  ///< the caller: the helpers ended their shares
  const std::function<void(std::size_t)>* job_ = nullptr;  ///< the current call's
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0};           ///< the next index to run
  std::atomic<std::size_t> busy_{0};           ///< helpers still in the current call
  std::atomic<std::uint64_t> generation_{0};   ///< calls started
  std::atomic<int> sleeping_{0};               ///< helpers asleep on wake_
  std::atomic<int> caller_sleeping_{0};        ///< 1 while the caller sleeps on done_
  std::atomic<bool> closing_{false};
};

}  // namespace pinfuse
