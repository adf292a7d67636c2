// The extension points with foreign types, as Boost.Graph's *_cc.cpp tests do:
// a graph that is neither pinfuse::Network nor a boost::adjacency_list, an
// analytic cost model and a banked SPM whose fits() refuses what a byte count
// allows, run through every strategy, the validator and the plan JSON, and
// checked against brute force; types that must not satisfy the concepts; and
// every bundled model against its concept.
#include <catch2/catch.hpp>

#include <boost/iterator/counting_iterator.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/pinfuse.hpp"
#include "support/brute_force.hpp"
#include "support/solve_options.hpp"

namespace foreign {

using pinfuse::LayerRole;

/// The nested types boost::graph_traits reads.
struct GraphTypes {
  using vertex_descriptor = std::size_t;
  using edge_descriptor = std::pair<std::size_t, std::size_t>;  ///< (source, target)
  using vertex_iterator = boost::counting_iterator<std::size_t>;
  using out_edge_iterator = std::vector<edge_descriptor>::const_iterator;
  using directed_category = boost::directed_tag;
  using edge_parallel_category = boost::disallow_parallel_edge_tag;
  struct traversal_category : boost::vertex_list_graph_tag, boost::incidence_graph_tag {};
};

/// A layer graph with its own adjacency lists: each vertex a layer with the
/// bytes of the FM it produces and the cycles it computes for.
struct LayerGraph : GraphTypes {
  struct Node {
    std::string name;
    LayerRole role = LayerRole::compute;
    std::uint64_t bytes = 0;
    std::uint64_t cycles = 0;
  };
  std::vector<Node> nodes;
  std::vector<std::vector<edge_descriptor>> out;

  std::size_t add(Node node, std::initializer_list<std::size_t> inputs = {}) {
    nodes.push_back(std::move(node));
    out.emplace_back();
    for (const std::size_t u : inputs) out[u].push_back({u, nodes.size() - 1});
    return nodes.size() - 1;
  }
};

std::size_t num_vertices(const LayerGraph& g) { return g.nodes.size(); }
std::pair<LayerGraph::vertex_iterator, LayerGraph::vertex_iterator> vertices(const LayerGraph& g) {
  return {0, g.nodes.size()};
}
std::pair<LayerGraph::out_edge_iterator, LayerGraph::out_edge_iterator> out_edges(std::size_t v, const LayerGraph& g) {
  return {g.out[v].begin(), g.out[v].end()};
}
std::size_t target(const LayerGraph::edge_descriptor& e, const LayerGraph&) { return e.second; }
std::size_t get(boost::vertex_index_t, const LayerGraph&, std::size_t v) { return v; }
std::uint64_t fm_bytes(const LayerGraph& g, std::size_t v) { return g.nodes[v].bytes; }
LayerRole layer_role(const LayerGraph& g, std::size_t v) { return g.nodes[v].role; }
std::string layer_name(const LayerGraph& g, std::size_t v) { return g.nodes[v].name; }

/// A cost model with no tiling: every FM a group touches in DRAM is staged
/// whole, as is every FM produced and read inside it; latency = launch + the
/// layers' cycles + one cycle per 4 DRAM bytes. A group's cycles are its floor.
struct WholeFmModel {
  const LayerGraph* g;
  std::uint64_t launch_cycles = 60;

  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery& q) const {
    const auto aligned = [&](std::uint64_t b) { return (b + q.alignment - 1) / q.alignment * q.alignment; };
    const auto in_group = [&](std::size_t v) { return std::find(q.layers.begin(), q.layers.end(), v) != q.layers.end(); };
    const auto boundary = [&](std::size_t v) {
      return std::any_of(q.outputs.begin(), q.outputs.end(), [&](const pinfuse::BoundaryFm& o) { return o.vertex == v; });
    };
    pinfuse::GroupCost c;
    c.latency_cycles = launch_cycles;
    for (const std::size_t v : q.layers) {
      c.latency_cycles += g->nodes[v].cycles;
      const bool read_inside = std::any_of(g->out[v].begin(), g->out[v].end(), [&](const auto& e) { return in_group(e.second); });
      if (read_inside && !boundary(v)) c.buffers.push_back({"tmp:" + g->nodes[v].name, aligned(g->nodes[v].bytes)});
    }
    for (const pinfuse::BoundaryFm& in : q.inputs)
      if (in.where == pinfuse::Residence::dram) {
        c.offchip.fm_read += g->nodes[in.vertex].bytes;
        c.buffers.push_back({"in:" + g->nodes[in.vertex].name, aligned(g->nodes[in.vertex].bytes)});
      }
    for (const pinfuse::BoundaryFm& out : q.outputs)
      if (out.where == pinfuse::Residence::dram) {
        c.offchip.fm_write += g->nodes[out.vertex].bytes;
        c.buffers.push_back({"out:" + g->nodes[out.vertex].name, aligned(g->nodes[out.vertex].bytes)});
      }
    if (c.footprint() > q.available_bytes) return std::nullopt;
    c.latency_cycles += c.offchip.total() / 4;
    return c;
  }

  pinfuse::CostFloor floor(std::span<const std::size_t> layers) const {
    pinfuse::CostFloor f;
    for (const std::size_t v : layers) f.latency_cycles += g->nodes[v].cycles;
    return f;
  }

  /// InterchangeableFmModel: a group costs an input by its bytes alone.
  std::optional<std::uint64_t> interchange_key(std::size_t v) const { return g->nodes[v].bytes; }
};

/// An SPM of `banks` banks of `bank_bytes`; no buffer may straddle a bank
/// boundary, so the buffers live together only if they pack into the banks
/// (first fit, largest first).
struct BankedSpm {
  std::uint64_t banks = 4;
  std::uint64_t bank_bytes = 1024;
  std::uint64_t align = 64;

  std::uint64_t capacity() const { return banks * bank_bytes; }
  std::uint64_t alignment() const { return align; }
  std::uint64_t aligned(std::uint64_t bytes) const { return (bytes + align - 1) / align * align; }
  bool fits(std::span<const std::uint64_t> sizes) const {
    std::vector<std::uint64_t> sorted;
    for (const std::uint64_t s : sizes) sorted.push_back(aligned(s));
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    std::vector<std::uint64_t> free(banks, bank_bytes);
    for (const std::uint64_t s : sorted) {
      const auto bank = std::find_if(free.begin(), free.end(), [&](std::uint64_t left) { return left >= s; });
      if (bank == free.end()) return false;
      *bank -= s;
    }
    return true;
  }
};

}  // namespace foreign

// ---- Types that must not satisfy the concepts (declarations suffice). ----
namespace not_models {

/// Has the nested types but not a single function.
struct TypesOnly : foreign::GraphTypes {};
/// Everything the Graph concept asks for except layer_name.
struct Nameless : foreign::GraphTypes {};
std::size_t num_vertices(const Nameless&);
std::pair<foreign::GraphTypes::vertex_iterator, foreign::GraphTypes::vertex_iterator> vertices(const Nameless&);
std::pair<foreign::GraphTypes::out_edge_iterator, foreign::GraphTypes::out_edge_iterator> out_edges(std::size_t, const Nameless&);
std::size_t target(const foreign::GraphTypes::edge_descriptor&, const Nameless&);
std::size_t get(boost::vertex_index_t, const Nameless&, std::size_t);
std::uint64_t fm_bytes(const Nameless&, std::size_t);
pinfuse::LayerRole layer_role(const Nameless&, std::size_t);

struct CostNotOptional {
  pinfuse::GroupCost evaluate(const pinfuse::GroupQuery&) const;
};
struct EvaluateNotConst {
  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery&);
};
struct BatchWithoutOptional {
  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery&) const;
  std::vector<pinfuse::GroupCost> evaluate_batch(std::span<const pinfuse::GroupQuery>) const;
};
struct FloorAsScore {
  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery&) const;
  pinfuse::Score floor(std::span<const std::size_t>) const;
};
struct CapacityFloorWithoutFloor {  // a floor in a capacity extends the floor in any SPM
  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery&) const;
  pinfuse::CostFloor floor(std::span<const std::size_t>, std::uint64_t) const;
};
struct GroupFloorNotOptional {  // a floor for a group that may not run must say so
  std::optional<pinfuse::GroupCost> evaluate(const pinfuse::GroupQuery&) const;
  pinfuse::CostFloor group_floor(const pinfuse::GroupQuery&) const;
};
struct NoFits {
  std::uint64_t capacity() const;
  std::uint64_t alignment() const;
  std::uint64_t aligned(std::uint64_t) const;
};
struct CapacityAsText {
  std::string capacity() const;
  std::uint64_t alignment() const;
  std::uint64_t aligned(std::uint64_t) const;
  bool fits(std::span<const std::uint64_t>) const;
};

}  // namespace not_models

namespace {

using namespace pinfuse;
using pinfuse::testing::with_order;

static_assert(Graph<foreign::LayerGraph>);
static_assert(CostModel<foreign::WholeFmModel> && CostFloorModel<foreign::WholeFmModel> &&
              InterchangeableFmModel<foreign::WholeFmModel>);
static_assert(!BatchCostModel<foreign::WholeFmModel> && !CommandEmitter<foreign::WholeFmModel>);
static_assert(MemoryConstraint<foreign::BankedSpm>);

static_assert(!Graph<int>);
static_assert(!Graph<not_models::TypesOnly>);
static_assert(!Graph<not_models::Nameless>);
static_assert(!CostModel<int>);
static_assert(!CostModel<not_models::CostNotOptional>);
static_assert(!CostModel<not_models::EvaluateNotConst>);
static_assert(CostModel<not_models::BatchWithoutOptional> && !BatchCostModel<not_models::BatchWithoutOptional>);
static_assert(CostModel<not_models::FloorAsScore> && !CostFloorModel<not_models::FloorAsScore>);
static_assert(CostModel<not_models::GroupFloorNotOptional> && !GroupFloorModel<not_models::GroupFloorNotOptional>);
static_assert(!GroupFloorModel<foreign::WholeFmModel>);
static_assert(!CapacityFloorModel<foreign::WholeFmModel>);  // floor_in() asks its floor(layers)
static_assert(!CostFloorModel<not_models::CapacityFloorWithoutFloor> &&
              !CapacityFloorModel<not_models::CapacityFloorWithoutFloor>);
static_assert(CapacityFloorModel<ReferenceAccelerator> && CapacityGrowthFloorModel<ReferenceAccelerator>);
static_assert(!MemoryConstraint<int>);
static_assert(!MemoryConstraint<not_models::NoFits>);
static_assert(!MemoryConstraint<not_models::CapacityAsText>);

// The bundled models (also asserted next to each type).
static_assert(Graph<Network>);
static_assert(CostModel<ReferenceAccelerator> && BatchCostModel<ReferenceAccelerator> &&
              CostFloorModel<ReferenceAccelerator> && GroupFloorModel<ReferenceAccelerator> &&
              SpmFloorModel<ReferenceAccelerator> && CommandEmitter<ReferenceAccelerator>);
static_assert(MemoryConstraint<Scratchpad>);

/// in -> a -> b -> {c, d} -> e -> f -> out: a chain around a fork and join.
/// With `d_bytes` 800, c and d have the same bytes and are read by e only:
/// alike FMs for the solvers (WholeFmModel's interchange keys).
foreign::LayerGraph diamond(std::uint64_t d_bytes = 600) {
  foreign::LayerGraph g;
  const std::size_t in = g.add({"in", LayerRole::input, 700, 0});
  const std::size_t a = g.add({"a", LayerRole::compute, 700, 400}, {in});
  const std::size_t b = g.add({"b", LayerRole::compute, 900, 300}, {a});
  const std::size_t c = g.add({"c", LayerRole::compute, 800, 500}, {b});
  const std::size_t d = g.add({"d", LayerRole::compute, d_bytes, 200}, {b});
  const std::size_t e = g.add({"e", LayerRole::compute, 900, 100}, {c, d});
  const std::size_t f = g.add({"f", LayerRole::compute, 500, 300}, {e});
  g.add({"out", LayerRole::output, 0, 0}, {f});
  return g;
}

/// What each strategy searches, for the brute force.
testing::BruteForceSpace space_of(Strategy s) {
  return {s == Strategy::fusion || s == Strategy::joint, s == Strategy::pinning || s == Strategy::joint};
}

}  // namespace

TEST_CASE("foreign graph, cost model and banked SPM: every strategy is valid, round-trips and is optimal",
          "[concepts]") {
  for (const foreign::LayerGraph& g : {diamond(), diamond(800)}) {
    CAPTURE(g.nodes[4].bytes);  // d's
    const foreign::WholeFmModel model{&g};
    const foreign::BankedSpm banked;
    const Scratchpad flat(banked.capacity(), banked.alignment());
    for (const Strategy s : all_strategies)
      for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
        CAPTURE(to_string(s), mode == OrderMode::free);
        const Plan plan = solve(s, g, model, banked, with_order(mode));
        const ValidationReport report = validate_plan(g, plan, model, banked);
        INFO((report.findings.empty() ? std::string() : report.findings.front().message));
        CHECK(report.ok());
        const Plan back = read_plan(g, plan_to_json(g, plan));
        CHECK(back.groups.size() == plan.groups.size());
        CHECK(back.totals == plan.totals);
        CHECK(validate_plan(g, back, model, banked).ok());
        const std::optional<Score> best = mode == OrderMode::free
                                              ? testing::brute_force_any_order(g, model, banked, space_of(s), Objective::latency)
                                              : testing::brute_force(g, model, banked, space_of(s), Objective::latency);
        REQUIRE(best);
        CHECK(plan.status.optimal);
        CHECK(score_of(plan) == *best);
        CHECK(score_of(solve(s, g, model, flat, with_order(mode))) <= score_of(plan));  // banks only take plans away
      }
  }
}

TEST_CASE("a banked SPM refuses answers a byte count accepts, and the plans work around it", "[concepts]") {
  const foreign::LayerGraph g = diamond();
  const foreign::WholeFmModel model{&g};
  const foreign::BankedSpm banked;
  const Scratchpad flat(banked.capacity(), banked.alignment());
  for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
    CAPTURE(mode == OrderMode::free);
    const Plan unconstrained = solve_joint(g, model, flat, with_order(mode));
    const Plan plan = solve_joint(g, model, banked, with_order(mode));
    CHECK(unconstrained.statistics.memory_refusals == 0);
    CHECK(plan.statistics.memory_refusals > 0);
    CHECK(score_of(unconstrained) < score_of(plan));
    // The flat optimum does not pack into the banks.
    CHECK_FALSE(validate_plan(g, unconstrained, model, banked).ok());
    CHECK(validate_plan(g, plan, model, banked).ok());
  }
}

TEST_CASE("a foreign cost model that reports no energy: the energy objective ranks plans by latency", "[concepts][energy]") {
  const foreign::LayerGraph g = diamond();
  const foreign::WholeFmModel model{&g};
  const foreign::BankedSpm banked;
  for (const Strategy s : all_strategies)
    for (const OrderMode mode : {OrderMode::file, OrderMode::free}) {
      CAPTURE(to_string(s), mode == OrderMode::free);
      SolveOptions opt = with_order(mode);
      const Plan fastest = solve(s, g, model, banked, opt);
      opt.objective = Objective::energy;
      const Plan plan = solve(s, g, model, banked, opt);
      CHECK(plan.totals.energy == EnergyPj{});
      CHECK(plan.totals.latency_cycles == fastest.totals.latency_cycles);
      CHECK(plan.status.optimal);
      CHECK(score_of(plan) == Score{0, fastest.totals.latency_cycles});
      CHECK(validate_plan(g, plan, model, banked).ok());
      CHECK(read_plan(g, plan_to_json(g, plan)).totals == plan.totals);
    }
}
