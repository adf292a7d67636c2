#pragma once
// Replays a Program on a virtual SPM and DRAM that remember, for every byte,
// which tensor byte it holds and which command put it there. Independent of any
// cost model: it trusts only the graph, the plan's groups and claimed traffic.
// Checks:
//  * every region lies inside the usable SPM and inside its tensor, and DRAM
//    tensors have their graph sizes and do not overlap;
//  * stages never go back; in a stage, what one queue writes the other queue
//    neither reads nor writes (they run side by side);
//  * every read reads what was written: a load reads DRAM bytes that exist
//    (model inputs, weights, or stored before); a compute or store reads SPM
//    bytes that hold exactly the tensor bytes it names, complete (a partial sum
//    only after every input byte was folded in) — so a live buffer overwritten
//    too early shows up as the wrong bytes, naming the command that wrote them;
//  * a compute runs a layer of its group, reads each of the layer's inputs (and
//    only its inputs and weights) and writes its own output, or in place its
//    part of the output of a layer that reads it (a concat's channel slice);
//  * in the end every FM a group hands on was computed whole, every model
//    output is in DRAM, and each group moved the DRAM bytes the plan claims.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/plan/program.hpp"

namespace pinfuse {

struct ReplayReport {
  std::vector<std::string> errors;  ///< the first max_errors problems
  std::size_t commands = 0;
  std::size_t stages = 0;
  bool ok() const { return errors.empty(); }
  static constexpr std::size_t max_errors = 20;
};

namespace detail {

/// first + (runs - 1) * stride + run_bytes: where the last run ends; nullopt on overflow.
inline std::optional<std::uint64_t> runs_end(std::uint64_t first, std::uint64_t runs, std::uint64_t stride,
                                             std::uint64_t run_bytes) {
  std::uint64_t span = 0, end = 0;
  if (__builtin_mul_overflow(runs - 1, stride, &span) || __builtin_add_overflow(first, span, &end) ||
      __builtin_add_overflow(end, run_bytes, &end))
    return std::nullopt;
  return end;
}

/// A set of byte ranges [begin, end), merged.
class ByteSet {
 public:
  void add(std::uint64_t begin, std::uint64_t end) {
    if (begin >= end) return;
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin() && std::prev(it)->second >= begin) --it;
    while (it != ranges_.end() && it->first <= end) {
      begin = std::min(begin, it->first);
      end = std::max(end, it->second);
      it = ranges_.erase(it);
    }
    ranges_.emplace(begin, end);
  }
  bool covers(std::uint64_t begin, std::uint64_t end) const {
    if (begin >= end) return true;
    auto it = ranges_.upper_bound(begin);
    return it != ranges_.begin() && std::prev(it)->second >= end;
  }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;
};

/// The virtual SPM: byte ranges tagged with the tensor bytes they hold.
class TaggedSpm {
 public:
  static constexpr std::uint64_t complete = ~std::uint64_t(0);
  struct Held {
    std::uint64_t end = 0;      ///< SPM byte after the range
    TensorRef tensor;
    std::uint64_t offset = 0;   ///< tensor byte at the range's first SPM byte
    std::uint64_t folded = complete;  ///< partial sums: input bytes folded in so far
    std::size_t writer = 0;     ///< command index
  };
  /// [begin, begin + bytes) now holds tensor bytes from `offset` on.
  void write(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset, std::uint64_t folded, std::size_t writer) {
    if (bytes == 0) return;
    split_at(begin);
    split_at(begin + bytes);
    map_.erase(map_.lower_bound(begin), map_.lower_bound(begin + bytes));
    map_.emplace(begin, Held{begin + bytes, t, offset, folded, writer});
  }
  /// The first SPM byte not as asked, and what holds it (nothing: never written).
  struct Mismatch {
    std::uint64_t at = 0;
    std::optional<Held> found;
    std::uint64_t found_offset = 0;  ///< the tensor byte `found` has at `at`
  };
  /// Checks [begin, begin + bytes) holds tensor bytes from `offset` on, all with
  /// the given folded count (complete for ordinary data).
  std::optional<Mismatch> check(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset,
                                std::uint64_t folded = complete) const {
    std::uint64_t at = begin;
    const std::uint64_t end = begin + bytes;
    auto it = map_.upper_bound(begin);
    if (it != map_.begin() && std::prev(it)->second.end > begin) --it;
    for (; at < end; ++it) {
      if (it == map_.end() || it->first > at) return Mismatch{at, std::nullopt, 0};
      const Held& h = it->second;
      const std::uint64_t has = h.offset + (at - it->first);
      if (h.tensor != t || has != offset + (at - begin) || h.folded != folded) return Mismatch{at, h, has};
      at = h.end;
    }
    return std::nullopt;
  }
  /// The folded count of the partial sums [begin, begin + bytes) holds, if it
  /// holds those tensor bytes as one partial sum.
  std::optional<std::uint64_t> partial(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset) const {
    auto it = map_.upper_bound(begin);
    if (it == map_.begin()) return std::nullopt;
    const Held& h = std::prev(it)->second;
    if (h.folded == complete || check(begin, bytes, t, offset, h.folded)) return std::nullopt;
    return h.folded;
  }

 private:
  void split_at(std::uint64_t at) {
    auto it = map_.upper_bound(at);
    if (it == map_.begin()) return;
    --it;
    if (it->first == at || it->second.end <= at) return;
    Held right = it->second;
    right.offset += at - it->first;
    it->second.end = at;
    map_.emplace(at, right);
  }
  std::map<std::uint64_t, Held> map_;
};

}  // namespace detail

template <Graph G, MemoryConstraint M>
ReplayReport replay_program(const G& g, const Plan& plan, const Program& prog, const M& spm) {
  ReplayReport report;
  const auto error = [&](std::string msg) {
    if (report.errors.size() < ReplayReport::max_errors) report.errors.push_back(std::move(msg));
  };
  const std::size_t n = num_vertices(g);
  std::vector<std::string> names(n);
  std::vector<std::uint64_t> fm_size(n);
  std::vector<LayerRole> role(n);
  std::vector<std::vector<std::size_t>> preds(n);
  for (auto [v, vend] = vertices(g); v != vend; ++v) {
    const std::size_t i = get(boost::vertex_index, g, *v);
    names[i] = layer_name(g, *v);
    fm_size[i] = fm_bytes(g, *v);
    role[i] = layer_role(g, *v);
    for (auto [e, eend] = out_edges(*v, g); e != eend; ++e) preds[get(boost::vertex_index, g, target(*e, g))].push_back(i);
  }
  const auto tensor_name = [&](TensorRef t) {
    const std::string layer = t.vertex < n ? names[t.vertex] : "#" + std::to_string(t.vertex);
    return (t.kind == TensorKind::fm ? "fm '" : "weights '") + layer + "'";
  };
  if (prog.groups.size() != plan.groups.size()) {
    error("the program has " + std::to_string(prog.groups.size()) + " groups, the plan " + std::to_string(plan.groups.size()));
    return report;
  }

  // DRAM: tensor sizes, no overlap; what is there from the start.
  std::map<TensorRef, detail::ByteSet> in_dram;
  {
    std::vector<DramTensor> by_address = prog.dram;
    std::sort(by_address.begin(), by_address.end(), [](const DramTensor& a, const DramTensor& b) { return a.address < b.address; });
    for (std::size_t i = 0; i < by_address.size(); ++i) {
      const DramTensor& d = by_address[i];
      if (d.tensor.vertex >= n) {
        error("DRAM lists a tensor of vertex " + std::to_string(d.tensor.vertex) + ", which the model does not have");
        continue;
      }
      if (d.tensor.kind == TensorKind::fm && d.bytes != fm_size[d.tensor.vertex])
        error("DRAM gives " + tensor_name(d.tensor) + " " + std::to_string(d.bytes) + " bytes, the model " +
              std::to_string(fm_size[d.tensor.vertex]));
      if (i + 1 < by_address.size() && d.address + d.bytes > by_address[i + 1].address)
        error("DRAM: " + tensor_name(d.tensor) + " and " + tensor_name(by_address[i + 1].tensor) + " overlap");
      if (d.tensor.kind == TensorKind::weights || role[d.tensor.vertex] == LayerRole::input) in_dram[d.tensor].add(0, d.bytes);
    }
  }

  detail::TaggedSpm memory;
  std::vector<detail::ByteSet> computed(n);  // complete output bytes, per layer
  std::vector<std::string> who;              // per command index: for messages
  std::size_t stage = 0;
  std::vector<std::pair<const Command*, std::size_t>> in_stage;  // command, index
  // Cross-queue conflicts of one stage: sweep the SPM ranges it touches.
  const auto check_stage = [&] {
    struct Touch {
      std::uint64_t begin, end;
      Queue queue;
      bool write;
      std::size_t command;
    };
    std::vector<Touch> touches;
    for (const auto& [c, idx] : in_stage)
      for (const bool write : {false, true})
        for (const Region& r : write ? c->writes : c->reads)
          for (std::uint64_t k = 0; k < r.runs; ++k)
            touches.push_back({r.spm + k * r.spm_stride, r.spm + k * r.spm_stride + r.run_bytes, c->queue, write, idx});
    std::sort(touches.begin(), touches.end(), [](const Touch& a, const Touch& b) { return a.begin < b.begin; });
    std::uint64_t reach[2][2] = {{0, 0}, {0, 0}};  // [queue][write]: furthest end so far
    std::size_t by[2][2] = {{0, 0}, {0, 0}};
    for (const Touch& t : touches) {
      const int q = t.queue == Queue::dma ? 1 : 0, other = 1 - q;
      for (const int w : {0, 1}) {
        if ((t.write || w) && reach[other][w] > t.begin) {
          error("stage " + std::to_string(stage) + ": " + who[t.command] + " and " + who[by[other][w]] +
                " touch the same SPM bytes side by side (" + std::to_string(t.begin) + ")");
          return;
        }
      }
      if (t.end > reach[q][t.write]) reach[q][t.write] = t.end, by[q][t.write] = t.command;
    }
  };
  const auto inside = [&](const Region& r, const std::string& what) {
    bool ok = true;
    if (r.runs == 0 || r.run_bytes == 0) {
      error(what + " moves no bytes");
      return false;
    }
    if (r.runs > 1 && r.spm_stride < r.run_bytes) error(what + ": its SPM runs overlap"), ok = false;
    // Disjoint runs inside the SPM also bound how many runs there are.
    const std::optional<std::uint64_t> spm_end = detail::runs_end(r.spm, r.runs, r.spm_stride, r.run_bytes);
    if (!spm_end || *spm_end > spm.capacity())
      error(what + " reaches " + (spm_end ? "SPM byte " + std::to_string(*spm_end) : std::string("beyond 2^64")) +
            ", past the SPM (" + std::to_string(spm.capacity()) + ")"), ok = false;
    const std::optional<std::uint64_t> tensor_end = detail::runs_end(r.offset, r.runs, r.stride, r.run_bytes);
    const DramTensor* d = prog.find(r.tensor);
    if (r.tensor.vertex >= n || !d) error(what + ": " + tensor_name(r.tensor) + " has no place in DRAM"), ok = false;
    else if (!tensor_end || *tensor_end > d->bytes)
      error(what + " reaches past the end of " + tensor_name(r.tensor) + " (" + std::to_string(d->bytes) + " bytes)"), ok = false;
    return ok;
  };
  // Does the SPM hold region r (each run) as asked? Reports the first wrong byte.
  const auto holds = [&](const Region& r, const std::string& what) {
    for (std::uint64_t k = 0; k < r.runs; ++k) {
      const auto miss = memory.check(r.spm + k * r.spm_stride, r.run_bytes, r.tensor, r.offset + k * r.stride);
      if (!miss) continue;
      std::string found = "nothing";
      if (miss->found) {
        found = miss->found->folded != detail::TaggedSpm::complete ? "a partial sum of " : "";
        found += tensor_name(miss->found->tensor) + " byte " + std::to_string(miss->found_offset) + " written by " +
                 who[miss->found->writer];
      }
      error(what + " reads " + tensor_name(r.tensor) + " at SPM byte " + std::to_string(miss->at) + ", which holds " + found);
      return false;
    }
    return true;
  };

  std::size_t index = 0;
  for (std::size_t gi = 0; gi < prog.groups.size(); ++gi) {
    const PlannedGroup& grp = plan.groups[gi];
    const std::set<std::size_t> layers(grp.layers.begin(), grp.layers.end());
    OffchipBytes moved;
    for (const Command& c : prog.groups[gi]) {
      if (report.errors.size() >= ReplayReport::max_errors) return report;
      const std::string what = "group " + std::to_string(gi) + " command " + std::to_string(index) + " (" +
                               (c.kind == CommandKind::load ? "load" : c.kind == CommandKind::store ? "store" : "compute '" +
                                (c.layer < n ? names[c.layer] : "?") + "'") + ")";
      who.push_back(what);
      if (c.stage < stage) error(what + " goes back to stage " + std::to_string(c.stage));
      if (c.stage != stage || index == 0) {
        check_stage();
        in_stage.clear();
        stage = c.stage;
        ++report.stages;
      }
      bool ok = true;
      for (const Region& r : c.reads) ok = inside(r, what) && ok;
      for (const Region& r : c.writes) ok = inside(r, what) && ok;
      if (!ok) {
        ++index;
        continue;
      }
      in_stage.emplace_back(&c, index);
      if (c.kind == CommandKind::load || c.kind == CommandKind::store) {
        const bool load = c.kind == CommandKind::load;
        if ((load ? c.writes.size() : c.reads.size()) != 1 || !(load ? c.reads : c.writes).empty()) {
          error(what + " must move exactly one region");
        } else if (load) {
          const Region& r = c.writes.front();
          for (std::uint64_t k = 0; k < r.runs; ++k)
            if (!in_dram[r.tensor].covers(r.offset + k * r.stride, r.offset + k * r.stride + r.run_bytes)) {
              error(what + " loads bytes of " + tensor_name(r.tensor) + " that are not in DRAM (yet)");
              break;
            }
          for (std::uint64_t k = 0; k < r.runs; ++k)
            memory.write(r.spm + k * r.spm_stride, r.run_bytes, r.tensor, r.offset + k * r.stride, detail::TaggedSpm::complete, index);
          (r.tensor.kind == TensorKind::fm ? moved.fm_read : moved.weights) += r.bytes();
        } else {
          const Region& r = c.reads.front();
          if (r.tensor.kind != TensorKind::fm) error(what + " stores weights");
          else if (holds(r, what)) {
            for (std::uint64_t k = 0; k < r.runs; ++k) in_dram[r.tensor].add(r.offset + k * r.stride, r.offset + k * r.stride + r.run_bytes);
          }
          moved.fm_write += r.bytes();
        }
        ++index;
        continue;
      }
      // Compute.
      if (!layers.count(c.layer)) {
        error(what + " runs a layer that is not in the group");
        ++index;
        continue;
      }
      std::uint64_t folded_in = 0;
      std::set<std::size_t> read_fms;
      for (const Region& r : c.reads) {
        const bool own_weights = r.tensor.kind == TensorKind::weights && r.tensor.vertex == c.layer;
        const bool input = r.tensor.kind == TensorKind::fm &&
                           std::find(preds[c.layer].begin(), preds[c.layer].end(), r.tensor.vertex) != preds[c.layer].end();
        if (!own_weights && !input) error(what + " reads " + tensor_name(r.tensor) + ", not one of its inputs or weights");
        if (input) read_fms.insert(r.tensor.vertex), folded_in += r.bytes();
        holds(r, what);
      }
      for (const std::size_t u : preds[c.layer])
        if (!read_fms.count(u) && !c.accumulate) error(what + " does not read its input " + tensor_name({TensorKind::fm, u}));
      for (const Region& r : c.writes) {
        // Its own output, or in place its slice of a reader's (e.g. a concat's).
        const bool own = r.tensor == TensorRef{TensorKind::fm, c.layer};
        const bool in_place = r.tensor.kind == TensorKind::fm && !c.accumulate &&
                              std::count(preds[r.tensor.vertex].begin(), preds[r.tensor.vertex].end(), c.layer) == 1;
        if (!own && !in_place) {
          error(what + " writes " + tensor_name(r.tensor) + ", neither its own output nor a reader's");
          continue;
        }
        for (std::uint64_t k = 0; k < r.runs; ++k) {
          const std::uint64_t at = r.spm + k * r.spm_stride, offset = r.offset + k * r.stride;
          std::uint64_t folded = detail::TaggedSpm::complete;
          if (c.accumulate) {
            // Partial sums: start over unless this run already holds this output's partial sums.
            const std::uint64_t total = preds[c.layer].empty() ? 0 : fm_size[preds[c.layer].front()];
            folded = memory.partial(at, r.run_bytes, r.tensor, offset).value_or(0) + folded_in;
            if (folded >= total) folded = detail::TaggedSpm::complete;
          }
          memory.write(at, r.run_bytes, r.tensor, offset, folded, index);
          if (folded == detail::TaggedSpm::complete) computed[r.tensor.vertex].add(offset, offset + r.run_bytes);
        }
      }
      ++index;
    }
    const OffchipBytes& claimed = grp.cost.offchip;
    if (!(moved == claimed))
      error("group " + std::to_string(gi) + " moves " + std::to_string(moved.fm_read) + "/" + std::to_string(moved.fm_write) + "/" +
            std::to_string(moved.weights) + " bytes (FM read/FM write/weights), the plan claims " +
            std::to_string(claimed.fm_read) + "/" + std::to_string(claimed.fm_write) + "/" + std::to_string(claimed.weights));
  }
  check_stage();
  report.commands = index;

  // Intermediates need only the rows their readers read; what leaves a group must be whole.
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi)
    for (const BoundaryFm& b : plan.groups[gi].outputs)
      if (b.fm < n && !computed[b.fm].covers(0, fm_size[b.fm]))
        error("group " + std::to_string(gi) + " never computes all of its output " + tensor_name({TensorKind::fm, b.fm}));
  // Model outputs: what an output marker reads, and compute layers nobody reads.
  std::vector<char> read_by_someone(n, 0), model_output(n, 0);
  for (std::size_t v = 0; v < n; ++v)
    for (const std::size_t u : preds[v]) {
      read_by_someone[u] = 1;
      if (role[v] == LayerRole::output) model_output[u] = 1;
    }
  for (std::size_t v = 0; v < n; ++v)
    if ((model_output[v] || (role[v] == LayerRole::compute && !read_by_someone[v])) &&
        !in_dram[{TensorKind::fm, v}].covers(0, fm_size[v]))
      error("model output " + tensor_name({TensorKind::fm, v}) + " is not all in DRAM");
  return report;
}

}  // namespace pinfuse
