#pragma once
// Programs (plan/program.hpp) as JSON, docs/plan-format.md#command-stream:
// layers and tensors by name ("fm:conv1", "weights:conv1"), so a program can be
// read back against the same model and replayed.
#include <map>
#include <string>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/io/json_reader.hpp"
#include "pinfuse/io/plan_json.hpp"
#include "pinfuse/plan/program.hpp"

namespace pinfuse {

template <Graph G>
nlohmann::json program_to_json(const G& g, const Program& prog) {
  using nlohmann::json;
  const std::vector<std::string> names = detail::vertex_names(g);
  const auto tensor = [&](TensorRef t) { return (t.kind == TensorKind::fm ? "fm:" : "weights:") + names[t.vertex]; };
  const auto region = [&](const Region& r) {
    return json{{"tensor", tensor(r.tensor)}, {"offset", r.offset}, {"run_bytes", r.run_bytes}, {"runs", r.runs},
                {"stride", r.stride},         {"spm", r.spm},       {"spm_stride", r.spm_stride}};
  };
  json dram = json::array();
  for (const DramTensor& d : prog.dram) dram.push_back({{"tensor", tensor(d.tensor)}, {"address", d.address}, {"bytes", d.bytes}});
  json groups = json::array();
  for (const std::vector<Command>& list : prog.groups) {
    json commands = json::array();
    for (const Command& c : list) {
      json j = {{"stage", c.stage}, {"queue", c.queue == Queue::dma ? "dma" : "compute"}};
      if (c.kind == CommandKind::compute) {
        j["op"] = "compute";
        j["layer"] = names[c.layer];
        j["accumulate"] = c.accumulate;
        json reads = json::array(), writes = json::array();
        for (const Region& r : c.reads) reads.push_back(region(r));
        for (const Region& r : c.writes) writes.push_back(region(r));
        j["reads"] = reads;
        j["writes"] = writes;
      } else {
        const Region& r = c.kind == CommandKind::load ? c.writes.front() : c.reads.front();
        j["op"] = c.kind == CommandKind::load ? "load" : "store";
        j.update(region(r));
        j["dram"] = prog.dram_address(r);
      }
      commands.push_back(std::move(j));
    }
    groups.push_back({{"commands", commands}});
  }
  return {{"format", "pinfuse-program"}, {"version", 1}, {"dram", dram}, {"groups", groups}};
}

/// Reads a program written by program_to_json() against the same graph. Throws
/// input_error naming the JSON pointer; soundness is replay_program()'s job.
template <Graph G>
Program read_program(const G& g, const nlohmann::json& doc) {
  const io::Node root = io::Node(doc, "").object();
  root.only({"format", "version", "dram", "groups"});
  if (root.at("format").string() != "pinfuse-program") root.at("format").fail("expected \"pinfuse-program\"");
  root.at("version").integer(1, 1);
  std::map<std::string, std::size_t> by_name;
  {
    const std::vector<std::string> names = detail::vertex_names(g);
    for (std::size_t v = 0; v < names.size(); ++v) by_name[names[v]] = v;
  }
  const auto vertex = [&](const io::Node& n, const std::string& name) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) n.fail("the model has no layer named '" + name + "'");
    return it->second;
  };
  const auto tensor = [&](const io::Node& n) {
    const std::string s = n.string();
    for (const auto& [prefix, kind] : {std::pair{std::string("fm:"), TensorKind::fm}, std::pair{std::string("weights:"), TensorKind::weights}})
      if (s.rfind(prefix, 0) == 0) return TensorRef{kind, vertex(n, s.substr(prefix.size()))};
    n.fail("expected \"fm:<layer>\" or \"weights:<layer>\"");
  };
  const auto u64 = [](const io::Node& n) { return std::uint64_t(n.integer(0)); };
  const auto region = [&](const io::Node& n) {
    return Region{tensor(n.at("tensor")), u64(n.at("offset")), u64(n.at("run_bytes")), u64(n.at("runs")),
                  u64(n.at("stride")),    u64(n.at("spm")),    u64(n.at("spm_stride"))};
  };
  Program prog;
  const io::Node dram = root.at("dram").array();
  for (std::size_t i = 0; i < dram.size(); ++i) {
    const io::Node d = dram.at(i).object();
    d.only({"tensor", "address", "bytes"});
    prog.dram.push_back({tensor(d.at("tensor")), u64(d.at("address")), u64(d.at("bytes"))});
  }
  std::sort(prog.dram.begin(), prog.dram.end(), [](const DramTensor& a, const DramTensor& b) { return a.tensor < b.tensor; });
  for (std::size_t i = 1; i < prog.dram.size(); ++i)
    if (prog.dram[i].tensor == prog.dram[i - 1].tensor) dram.fail("lists a tensor twice");
  const io::Node groups = root.at("groups").array();
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const io::Node group = groups.at(gi).object();
    group.only({"commands"});
    const io::Node commands = group.at("commands").array();
    std::vector<Command>& list = prog.groups.emplace_back();
    for (std::size_t k = 0; k < commands.size(); ++k) {
      const io::Node n = commands.at(k).object();
      Command c;
      c.stage = std::size_t(u64(n.at("stage")));
      c.queue = n.at("queue").choice({"compute", "dma"}) == 0 ? Queue::compute : Queue::dma;
      const std::size_t op = n.at("op").choice({"load", "store", "compute"});
      if (op == 2) {
        n.only({"stage", "queue", "op", "layer", "accumulate", "reads", "writes"});
        c.kind = CommandKind::compute;
        c.layer = vertex(n.at("layer"), n.at("layer").string());
        c.accumulate = n.at("accumulate").boolean();
        for (auto [key, out] : {std::pair{"reads", &c.reads}, std::pair{"writes", &c.writes}}) {
          const io::Node a = n.at(key).array();
          for (std::size_t i = 0; i < a.size(); ++i) {
            a.at(i).object().only({"tensor", "offset", "run_bytes", "runs", "stride", "spm", "spm_stride"});
            out->push_back(region(a.at(i)));
          }
        }
      } else {
        n.only({"stage", "queue", "op", "tensor", "offset", "run_bytes", "runs", "stride", "spm", "spm_stride", "dram"});
        c.kind = op == 0 ? CommandKind::load : CommandKind::store;
        const Region r = region(n);
        if (!prog.find(r.tensor)) n.at("tensor").fail("has no place in \"dram\"");
        if (u64(n.at("dram")) != prog.dram_address(r)) n.at("dram").fail("is not the tensor's DRAM address + offset");
        (op == 0 ? c.writes : c.reads).push_back(r);
      }
      list.push_back(std::move(c));
    }
  }
  return prog;
}

}  // namespace pinfuse
