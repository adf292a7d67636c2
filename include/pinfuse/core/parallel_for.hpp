#pragma once
// Runs f(0), ..., f(count - 1) on up to `threads` threads (the caller's
// included), each index once, and returns when all have run. Which thread runs
// which index is not fixed, so f must write only to its own index's results.
// If some calls throw, the exception of the lowest index is rethrown (the
// one a loop on one thread would have stopped at), after all calls ended.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace pinfuse {

/// The thread count `requested` means: 0 = one per hardware thread (at least 1).
inline std::size_t thread_count(std::size_t requested) {
  return requested ? requested : std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

template <class F>
void parallel_for(std::size_t count, std::size_t threads, F&& f) {
  if (threads <= 1 || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) f(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(count);
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) {
      try {
        f(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t k = 1; k < std::min(threads, count); ++k) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace pinfuse
