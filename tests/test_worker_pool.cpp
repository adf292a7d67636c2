// WorkerPool (core/parallel_for.hpp): every index once per call, on calls that
// come back to back (helpers still spinning) and after a pause (helpers asleep),
// on large and small calls alternating (slots reused while helpers look on),
// and the exception of the lowest index that threw.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pinfuse/core/parallel_for.hpp"

using pinfuse::WorkerPool;

TEST_CASE("a worker pool runs every index once per call, awake or asleep", "[parallel]") {
  for (const std::size_t threads : {1, 2, 3}) {
    WorkerPool pool(threads);
    for (int call = 0; call < 200; ++call) {
      const std::size_t count = std::size_t(call % 7);
      std::vector<std::atomic<int>> runs(count);
      pool.parallel_for(count, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < count; ++i) REQUIRE(runs[i].load() == 1);
      if (call % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // helpers fall asleep
    }
  }
}

TEST_CASE("a worker pool rethrows the exception of the lowest index, after every call ended", "[parallel]") {
  WorkerPool pool(2);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ended{0};
    try {
      pool.parallel_for(16, [&](std::size_t i) {
        ended.fetch_add(1);
        if (i == 5 || i == 11) throw std::runtime_error("index " + std::to_string(i));
      });
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "index 5");
    }
    CHECK(ended.load() == 16);
  }
  std::atomic<int> after{0};
  pool.parallel_for(8, [&](std::size_t) { after.fetch_add(1); });  // still usable
  CHECK(after.load() == 8);
}

TEST_CASE("a worker pool hands out each index once when large and small calls alternate back to back", "[parallel]") {
  // A call's slot is reused by the call after next: a helper still looking at the ticket of an ended call
  // must neither run one of its indices again nor an index of the next call under the old call's number.
  for (const std::size_t threads : {2, 3}) {
    WorkerPool pool(threads);
    for (int call = 0; call < 3000; ++call) {
      const std::size_t count = call % 3 == 0 ? 64 : std::size_t(2 + call % 2);
      std::vector<std::atomic<int>> runs(count);
      pool.parallel_for(count, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < count; ++i) REQUIRE(runs[i].load() == 1);
    }
  }
}
