#pragma once
// Plans as JSON (docs/plan-format.md): layers and FMs by name, so a plan file
// can be read back against the same model and validated.
#include <map>
#include <string>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/io/json_reader.hpp"
#include "pinfuse/plan/plan.hpp"

namespace pinfuse {

namespace detail {
template <Graph G>
std::vector<std::string> vertex_names(const G& g) {
  std::vector<std::string> names(num_vertices(g));
  for (auto [v, vend] = vertices(g); v != vend; ++v) names[get(boost::vertex_index, g, *v)] = layer_name(g, *v);
  return names;
}
inline nlohmann::json offchip_json(const OffchipBytes& o) {
  return {{"fm_read", o.fm_read}, {"fm_write", o.fm_write}, {"weights", o.weights}, {"total", o.total()}};
}
inline nlohmann::json energy_json(const EnergyPj& e) {
  return {{"dram", e.dram}, {"spm_read", e.spm_read}, {"spm_write", e.spm_write},
          {"mac", e.mac},   {"vector", e.vector},     {"total", e.total()}};
}
}  // namespace detail

namespace detail {

/// An objective named as to_string(Objective) writes it.
inline Objective objective_of(const io::Node& n) { return static_cast<Objective>(n.choice(objective_names)); }

/// The names of an objective's first and second metric, as plan JSON writes them.
inline std::pair<const char*, const char*> metric_names(Objective o) {
  switch (o) {
    case Objective::latency: return {"latency_cycles", "offchip_bytes"};
    case Objective::offchip_bytes: return {"offchip_bytes", "latency_cycles"};
    case Objective::energy: return {"energy_pj", "latency_cycles"};
  }
  return {};
}

/// Relative gap of a plan to a lower bound, on the objective's first metric: (value - bound) / value.
inline double gap_to(const Plan& plan, const Score& bound) {
  const std::uint64_t value = score_of(plan.totals, plan.objective).first;
  return value == 0 || bound.first >= value ? 0.0 : double(value - bound.first) / double(value);
}
/// The gap to the proven lower bound (SolveStatus::lower_bound).
inline double optimality_gap(const Plan& plan) { return gap_to(plan, plan.status.lower_bound); }

/// {"optimal", "lower_bound": {first metric, second metric}, "gap", "root_bound" (if any): the same
/// metrics}: how the solver ended.
inline nlohmann::json status_json(const Plan& plan) {
  const std::pair<const char*, const char*> names = metric_names(plan.objective);
  const auto metrics = [&](const Score& s) { return nlohmann::json{{names.first, s.first}, {names.second, s.second}}; };
  nlohmann::json status = {
      {"optimal", plan.status.optimal}, {"lower_bound", metrics(plan.status.lower_bound)}, {"gap", optimality_gap(plan)}};
  if (plan.status.root_bound) status["root_bound"] = metrics(*plan.status.root_bound);
  return status;
}

}  // namespace detail

template <Graph G>
nlohmann::json plan_to_json(const G& g, const Plan& plan) {
  using nlohmann::json;
  const std::vector<std::string> names = detail::vertex_names(g);
  const auto boundary = [&](const std::vector<BoundaryFm>& list) {
    json a = json::array();
    for (const BoundaryFm& b : list) a.push_back({{"fm", names[b.vertex]}, {"where", to_string(b.where)}});
    return a;
  };
  json doc = {{"format", "pinfuse-plan"},
              {"version", 1},
              {"strategy", plan.strategy},
              {"objective", to_string(plan.objective)}};
  json order = json::array();
  for (const std::size_t v : plan.order) order.push_back(names[v]);
  doc["order"] = order;
  const bool addressed = !plan.layout.empty();  // offsets are written when the plan has them
  json groups = json::array();
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const PlannedGroup& grp = plan.groups[g];
    json layers = json::array();
    for (const std::size_t v : grp.layers) layers.push_back(names[v]);
    json buffers = json::array();
    for (std::size_t b = 0; b < grp.cost.buffers.size(); ++b) {
      buffers.push_back({{"name", grp.cost.buffers[b].name}, {"bytes", grp.cost.buffers[b].bytes}});
      if (addressed) buffers.back()["offset"] = plan.layout.buffers[g][b];
    }
    groups.push_back({{"layers", layers},
                      {"inputs", boundary(grp.inputs)},
                      {"outputs", boundary(grp.outputs)},
                      {"latency_cycles", grp.cost.latency_cycles},
                      {"offchip", detail::offchip_json(grp.cost.offchip)},
                      {"recompute_macs", grp.cost.recompute_macs},
                      {"energy_pj", detail::energy_json(grp.cost.energy)},
                      {"buffers", buffers},
                      {"tiling", grp.cost.tiling}});
    if (grp.tiling_objective) groups.back()["tiling_objective"] = to_string(*grp.tiling_objective);
    if (grp.spm_reserve) groups.back()["spm_reserve"] = grp.spm_reserve;
  }
  doc["groups"] = groups;
  json pinned = json::array();
  for (std::size_t k = 0; k < plan.pinned.size(); ++k) {
    const PinnedFm& p = plan.pinned[k];
    pinned.push_back({{"fm", names[p.vertex]}, {"bytes", p.bytes}, {"first_group", p.first_group}, {"last_group", p.last_group}});
    if (addressed) pinned.back()["offset"] = plan.layout.pinned[k];
  }
  doc["pinned"] = pinned;
  if (addressed) doc["spm_layout"] = {{"peak_bytes", plan.layout.peak}, {"lower_bound_bytes", plan.layout.lower_bound}};
  doc["totals"] = {{"latency_cycles", plan.totals.latency_cycles},
                   {"offchip", detail::offchip_json(plan.totals.offchip)},
                   {"recompute_macs", plan.totals.recompute_macs},
                   {"energy_pj", detail::energy_json(plan.totals.energy)}};
  doc["status"] = detail::status_json(plan);
  return doc;
}

/// Reads a plan written by plan_to_json() against the same graph. Throws
/// input_error naming the JSON pointer; soundness is validate_plan()'s job.
template <Graph G>
Plan read_plan(const G& g, const nlohmann::json& doc) {
  const io::Node root = io::Node(doc, "").object();
  root.only({"format", "version", "strategy", "objective", "order", "groups", "pinned", "totals", "spm_layout", "status"});
  // Addresses are optional, but all or nothing: with "spm_layout", every buffer and pin has an "offset".
  const bool addressed = root.has("spm_layout");
  const auto offset = [&](const io::Node& n) {
    if (!addressed) {
      if (n.has("offset")) n.at("offset").fail("an offset needs the plan's \"spm_layout\"");
      return std::uint64_t(0);
    }
    return std::uint64_t(n.at("offset").integer(0));
  };
  if (root.at("format").string() != "pinfuse-plan") root.at("format").fail("expected \"pinfuse-plan\"");
  root.at("version").integer(1, 1);
  std::map<std::string, std::size_t> by_name;
  {
    const std::vector<std::string> names = detail::vertex_names(g);
    for (std::size_t v = 0; v < names.size(); ++v) by_name[names[v]] = v;
  }
  const auto vertex = [&](const io::Node& n) {
    const auto it = by_name.find(n.string());
    if (it == by_name.end()) n.fail("the model has no layer named '" + n.string() + "'");
    return it->second;
  };
  const auto u64 = [](const io::Node& n) { return std::uint64_t(n.integer(0)); };
  const auto offchip = [&](const io::Node& n) {
    n.object().only({"fm_read", "fm_write", "weights", "total"});
    const OffchipBytes o{u64(n.at("fm_read")), u64(n.at("fm_write")), u64(n.at("weights"))};
    if (n.has("total") && u64(n.at("total")) != o.total()) n.at("total").fail("is not fm_read + fm_write + weights");
    return o;
  };
  // Optional: a plan without it (an older file, or a cost model that reports no energy) spent none.
  const auto energy = [&](const io::Node& parent) {
    if (!parent.has("energy_pj")) return EnergyPj{};
    const io::Node n = parent.at("energy_pj").object();
    n.only({"dram", "spm_read", "spm_write", "mac", "vector", "total"});
    const EnergyPj e{u64(n.at("dram")), u64(n.at("spm_read")), u64(n.at("spm_write")), u64(n.at("mac")), u64(n.at("vector"))};
    if (n.has("total") && u64(n.at("total")) != e.total()) n.at("total").fail("is not the sum of the five terms");
    return e;
  };
  Plan plan;
  plan.strategy = root.at("strategy").string();
  plan.objective = detail::objective_of(root.at("objective"));
  const io::Node order = root.at("order").array();
  for (std::size_t i = 0; i < order.size(); ++i) plan.order.push_back(vertex(order.at(i)));
  const io::Node groups = root.at("groups").array();
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const io::Node n = groups.at(gi).object();
    n.only({"layers", "inputs", "outputs", "latency_cycles", "offchip", "recompute_macs", "energy_pj", "buffers", "tiling",
            "tiling_objective", "spm_reserve"});
    PlannedGroup grp;
    const io::Node layers = n.at("layers").array();
    for (std::size_t i = 0; i < layers.size(); ++i) grp.layers.push_back(vertex(layers.at(i)));
    for (auto [key, list] : {std::pair{"inputs", &grp.inputs}, std::pair{"outputs", &grp.outputs}}) {
      const io::Node a = n.at(key).array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        const io::Node b = a.at(i).object();
        b.only({"fm", "where"});
        list->push_back({vertex(b.at("fm")), static_cast<Residence>(b.at("where").choice(residence_names))});
      }
    }
    grp.cost.latency_cycles = u64(n.at("latency_cycles"));
    grp.cost.offchip = offchip(n.at("offchip"));
    grp.cost.recompute_macs = u64(n.at("recompute_macs"));
    grp.cost.energy = energy(n);
    const io::Node buffers = n.at("buffers").array();
    plan.layout.buffers.emplace_back();
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      const io::Node b = buffers.at(i).object();
      b.only({"name", "bytes", "offset"});
      grp.cost.buffers.push_back({b.at("name").string(), u64(b.at("bytes"))});
      plan.layout.buffers.back().push_back(offset(b));
    }
    const io::Node tiling = n.at("tiling").object();
    for (const auto& [key, value] : tiling.value().items()) grp.cost.tiling[key] = io::Node(value, tiling.path() + "/" + key).integer();
    if (n.has("tiling_objective")) grp.tiling_objective = detail::objective_of(n.at("tiling_objective"));
    if (n.has("spm_reserve")) grp.spm_reserve = u64(n.at("spm_reserve"));
    plan.groups.push_back(std::move(grp));
  }
  const io::Node pinned = root.at("pinned").array();
  for (std::size_t i = 0; i < pinned.size(); ++i) {
    const io::Node n = pinned.at(i).object();
    n.only({"fm", "bytes", "first_group", "last_group", "offset"});
    plan.pinned.push_back({vertex(n.at("fm")), u64(n.at("bytes")), std::size_t(u64(n.at("first_group"))),
                           std::size_t(u64(n.at("last_group")))});
    plan.layout.pinned.push_back(offset(n));
  }
  if (addressed) {
    const io::Node layout = root.at("spm_layout").object();
    layout.only({"peak_bytes", "lower_bound_bytes"});
    plan.layout.peak = u64(layout.at("peak_bytes"));
    plan.layout.lower_bound = u64(layout.at("lower_bound_bytes"));
  } else {
    plan.layout = {};
  }
  const io::Node totals = root.at("totals").object();
  totals.only({"latency_cycles", "offchip", "recompute_macs", "energy_pj"});
  plan.totals = {u64(totals.at("latency_cycles")), offchip(totals.at("offchip")), u64(totals.at("recompute_macs")), energy(totals)};
  if (root.has("status")) {  // optional: plans written before it are proven optimal in their space
    const io::Node status = root.at("status").object();
    const std::pair<const char*, const char*> names = detail::metric_names(plan.objective);
    status.only({"optimal", "lower_bound", "gap", "root_bound"});
    const auto score = [&](const char* key) {
      const io::Node bound = status.at(key).object();
      bound.only({names.first, names.second});
      return Score{u64(bound.at(names.first)), u64(bound.at(names.second))};
    };
    plan.status = {status.at("optimal").boolean(), score("lower_bound"), std::nullopt};
    if (status.has("root_bound")) {
      plan.status.root_bound = score("root_bound");
      if (plan.status.lower_bound < *plan.status.root_bound)  // the proven bound is never below the start's
        status.at("root_bound").fail("exceeds lower_bound");
    }
  } else {
    plan.status = {true, score_of(plan.totals, plan.objective), std::nullopt};
  }
  return plan;
}

}  // namespace pinfuse
