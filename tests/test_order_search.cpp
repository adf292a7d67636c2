// Execution order search: every candidate is a topological order, the exact
// order has the least peak of alive FM bytes, the windowed one never raises the
// file order's peak, searching never loses, and on an Inception-like network
// it beats the breadth-first order.
#include <catch2/catch.hpp>

#include <random>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/plan/validator.hpp"
#include "pinfuse/solvers/joint.hpp"
#include "pinfuse/io/model_json.hpp"
#include "support/bundled.hpp"
#include "support/random_networks.hpp"

using namespace pinfuse;

namespace {

/// Peak of alive FM bytes along an order, counted as exact_min_peak_order does.
std::uint64_t peak_alive(const detail::OrderGraph& o, const std::vector<std::size_t>& order) {
  std::vector<char> done(o.succ.size(), 0);
  std::uint64_t peak = 0;
  for (const std::size_t v : order) {
    done[v] = 1;
    std::uint64_t inputs_done = 0;  // inputs whose last reader is v are alive while v runs
    for (const std::size_t p : o.pred[v])
      if (std::all_of(o.succ[p].begin(), o.succ[p].end(), [&](std::size_t s) { return done[s]; })) inputs_done += o.bytes[p];
    peak = std::max(peak, detail::alive_bytes(o, done) + inputs_done);
  }
  return peak;
}

bool is_topological(const detail::OrderGraph& o, const std::vector<std::size_t>& order) {
  std::vector<int> at(o.succ.size(), -1);
  for (std::size_t i = 0; i < order.size(); ++i) at[order[i]] = int(i);
  for (std::size_t v = 0; v < o.succ.size(); ++v) {
    if (at[v] < 0) return false;
    for (const std::size_t s : o.succ[v])
      if (at[s] <= at[v]) return false;
  }
  return order.size() == o.succ.size();
}

/// A stem conv and `modules` GoogLeNet-style modules (1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 |
/// 3x3 max pool -> 1x1, concat), each written branch by branch.
Network inception_like(int modules) {
  using pinfuse::testing::conv_layer;
  using pinfuse::testing::simple_layer;
  Network g;
  Layer in = simple_layer("in", LayerKind::input);
  in.output = {16, 16, 8};
  LayerId x = add_layer(g, conv_layer("stem", 24, 3, 1), {add_layer(g, in)});
  for (int m = 0; m < modules; ++m) {
    const std::string p = "m" + std::to_string(m) + "_";
    const LayerId b1 = add_layer(g, conv_layer(p + "b1", 16, 1, 1), {x});
    const LayerId b2 = add_layer(g, conv_layer(p + "b2", 24, 3, 1), {add_layer(g, conv_layer(p + "b2r", 12, 1, 1), {x})});
    const LayerId b3 = add_layer(g, conv_layer(p + "b3", 8, 3, 1), {add_layer(g, conv_layer(p + "b3r", 4, 1, 1), {x})});
    Layer pool = simple_layer(p + "pool", LayerKind::pool);
    pool.rows = pool.cols = Window1D{3, 1, 1, 1, 1, false};
    const LayerId bp = add_layer(g, conv_layer(p + "proj", 8, 1, 1), {add_layer(g, pool, {x})});
    x = add_layer(g, simple_layer(p + "concat", LayerKind::concat), {b1, b2, b3, bp});
  }
  add_layer(g, simple_layer("out", LayerKind::output), {x});
  infer_shapes(g);
  return g;
}

}  // namespace

TEST_CASE("candidate orders of bigger random DAGs and of the bundled models are topological", "[order]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(10, 40)(rng), true);
    const detail::OrderGraph o = detail::order_graph(g);
    INFO("seed " << seed);
    for (const auto& order : candidate_orders(g)) CHECK(is_topological(o, order));
  }
  for (const auto& path : pinfuse::testing::bundled_models()) {
    INFO(path.stem().string());
    const Network g = load_model(path.string());
    const detail::OrderGraph o = detail::order_graph(g);
    const auto orders = candidate_orders(g);
    CHECK(orders.front() == topological_order(g));
    for (const auto& order : orders) CHECK(is_topological(o, order));
  }
}

TEST_CASE("the windowed least-peak order never raises the file order's peak", "[order]") {
  const auto check = [](const Network& g) {
    const detail::OrderGraph o = detail::order_graph(g);
    const std::vector<std::size_t> file = topological_order(g);
    const std::vector<std::size_t> windowed = detail::windowed_min_peak_order(o, file, 16);
    CHECK(is_topological(o, windowed));
    CHECK(peak_alive(o, windowed) <= peak_alive(o, file));
    return peak_alive(o, windowed) < peak_alive(o, file);
  };
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    INFO("seed " << seed);
    check(pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(5, 40)(rng), true));
  }
  // Each module alone is a window; ordered branch by branch its peak is not the least.
  CHECK(check(inception_like(3)));
}

TEST_CASE("candidate orders are topological and the exact one has the least peak", "[order]") {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    const detail::OrderGraph o = detail::order_graph(g);
    const auto orders = candidate_orders(g);
    INFO("seed " << seed);
    REQUIRE(orders.size() >= 1);
    CHECK(orders.front() == topological_order(g));
    for (const auto& order : orders) CHECK(is_topological(o, order));
    const std::uint64_t exact = peak_alive(o, detail::exact_min_peak_order(o));
    for (const auto& order : orders) CHECK(exact <= peak_alive(o, order));
  }
}

TEST_CASE("joint with order search is never worse than on the file order, and valid", "[order]") {
  for (std::uint32_t seed = 1; seed <= 25; ++seed) {
    std::mt19937 rng(seed);
    const Network g = pinfuse::testing::random_network(rng, std::uniform_int_distribution<int>(3, 9)(rng), true);
    Hardware hw;
    hw.spm_bytes = 2048 + 512 * (seed % 8);
    hw.spm_alignment = 16;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    SolveOptions searched;
    searched.order_mode = OrderMode::search;
    INFO("seed " << seed);
    SolveOptions file_order;
    file_order.order_mode = OrderMode::file;
    Plan plain, best;
    try {
      plain = solve_joint(g, accel, spm, file_order);
    } catch (const no_plan_fits&) {
      continue;  // no plan on the file order; searching may still find one, nothing to compare
    }
    best = solve_joint(g, accel, spm, searched);
    CHECK(score_of(best) <= score_of(plain));
    SolveOptions bfs;
    bfs.order = breadth_first_order(g);
    CHECK(score_of(best) <= score_of(solve_joint(g, accel, spm, bfs)));  // breadth first is a candidate
    CHECK(validate_plan(g, best, accel, spm).ok());
  }
}

TEST_CASE("on an Inception-like network the searched plan beats the breadth-first one", "[order]") {
  const Network g = inception_like(3);
  int better = 0;
  const std::vector<std::uint64_t> sizes_kib =
      pinfuse::testing::sanitized ? std::vector<std::uint64_t>{8, 24} : std::vector<std::uint64_t>{8, 12, 16, 24, 32, 48};
  for (const std::uint64_t kib : sizes_kib) {
    INFO(kib << " KiB");
    Hardware hw;
    hw.spm_bytes = kib * 1024;
    const ReferenceAccelerator accel(g, hw);
    const Scratchpad spm = scratchpad_of(hw);
    SolveOptions bfs, searched;
    bfs.order = breadth_first_order(g);
    searched.order_mode = OrderMode::search;
    const Plan a = solve_joint(g, accel, spm, bfs), b = solve_joint(g, accel, spm, searched);
    CHECK(score_of(b) <= score_of(a));
    CHECK(validate_plan(g, b, accel, spm).ok());
    better += score_of(b) < score_of(a);
  }
  CHECK(better > 0);
}
