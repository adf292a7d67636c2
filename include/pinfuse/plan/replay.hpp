#pragma once
// Replays a Program on a virtual SPM and DRAM that remember, for every byte,
// which tensor byte it holds and which command put it there. Independent of any
// cost model: it trusts only the graph and the plan (groups, SPM layout,
// claimed traffic). Checks:
//  * bounds: every region lies inside its tensor and inside the SPM, within one
//    of its group's buffers or a pinned FM alive then (per the plan's layout);
//    feature maps in DRAM have their graph sizes (weights: the program's), and
//    DRAM tensors are aligned and do not overlap;
//  * timing: stages never go back; in a stage, what one queue writes the other
//    queue neither reads nor writes (they run side by side), in the SPM or DRAM;
//  * every read reads what was written: a load reads DRAM bytes that exist
//    (model inputs, weights, or stored before); a compute or store reads SPM
//    bytes that hold exactly the tensor bytes it names, complete (partial sums
//    only once every input byte was folded in, none twice) — so a live buffer overwritten
//    too early shows up as the wrong bytes, naming the command that wrote them;
//  * layers: a compute runs a layer of its group and reads only its inputs and
//    weights; a layer that computes in a group reads all of its weights (those
//    the program puts in DRAM) there; it writes its own output,
//    or in place its channel slice of a reader's output (a concat's), where the
//    slices of different layers must not overlap nor exceed their outputs;
//  * in the end every FM a group hands on was computed whole, every model
//    output is in DRAM, and each group moved the DRAM bytes the plan claims.
// What it cannot see without layer semantics: whether a compute read enough
// input rows for the rows it wrote (tests/test_program.cpp checks that for the
// reference accelerator).
// Cost: O(regions · log) time and memory (byte ranges, not bytes); at most
// `run_budget` runs are replayed, so a hostile file cannot exhaust memory.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pinfuse/concepts/graph.hpp"
#include "pinfuse/concepts/memory_constraint.hpp"
#include "pinfuse/plan/plan.hpp"
#include "pinfuse/plan/program.hpp"

namespace pinfuse {

/// What a replay finding is about.
enum class ReplayFindingKind {
  mismatch,      ///< the program does not fit the plan (group count, no SPM layout)
  dram_layout,   ///< a DRAM tensor unknown, of the wrong size, unaligned or overlapping another
  region,        ///< a region moves nothing, or reaches outside its tensor, the SPM or the group's SPM ranges
  budget,        ///< more runs than the replay follows (ReplayReport::run_budget)
  stale_read,    ///< a read of bytes not (yet, or any more) where the command says: never written, or overwritten
  race,          ///< two commands of one stage touch the same bytes, one of them writing
  stage_order,   ///< a command goes back to an earlier stage
  command,       ///< a command does what its kind may not (a store of weights, a compute outside its group, ...)
  traffic,       ///< the bytes moved differ from the plan's claim, or a layer never reads all of its weights
  incomplete,    ///< a group's output never computed whole, or in-place slices that overflow or overlap
  model_output,  ///< a model output not all in DRAM at the end
};

constexpr std::string_view to_string(ReplayFindingKind k) {
  constexpr std::string_view names[] = {"mismatch", "dram_layout", "region",  "budget",     "stale_read",  "race",
                                        "stage_order", "command",  "traffic", "incomplete", "model_output"};
  return names[static_cast<std::size_t>(k)];
}

struct ReplayFinding {
  ReplayFindingKind kind;
  std::string message;  ///< in words, naming the group, command, tensor and bytes involved
};

struct ReplayReport {
  std::vector<ReplayFinding> findings;  ///< the first max_errors problems
  std::size_t commands = 0;             ///< commands replayed
  std::size_t stages = 0;               ///< distinct stages
  bool ok() const { return findings.empty(); }
  /// Whether some finding is of kind `k`.
  bool failed(ReplayFindingKind k) const {
    return std::any_of(findings.begin(), findings.end(), [&](const ReplayFinding& f) { return f.kind == k; });
  }
  static constexpr std::size_t max_errors = 20;
  static constexpr std::uint64_t run_budget = std::uint64_t(1) << 22;  ///< most runs replayed
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
  bool overlaps(std::uint64_t begin, std::uint64_t end) const {
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin() && std::prev(it)->second > begin) return true;
    return it != ranges_.end() && it->first < end;
  }
  void add(const ByteSet& other) {
    for (const auto& [b, e] : other.ranges_) add(b, e);
  }
  bool covers(std::uint64_t begin, std::uint64_t end) const {
    if (begin >= end) return true;
    auto it = ranges_.upper_bound(begin);
    return it != ranges_.begin() && std::prev(it)->second >= end;
  }
  std::uint64_t bytes() const {
    std::uint64_t sum = 0;
    for (const auto& [b, e] : ranges_) sum += e - b;
    return sum;
  }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;
};

/// The virtual SPM: byte ranges tagged with the tensor bytes they hold.
class TaggedSpm {
 public:
  struct Held {
    std::uint64_t end = 0;      ///< SPM byte after the range
    TensorRef tensor;
    std::uint64_t offset = 0;   ///< tensor byte at the range's first SPM byte
    std::size_t partial = 0;    ///< 0: complete data; else the id of the partial sums it holds
    std::size_t writer = 0;     ///< command index
  };
  /// [begin, begin + bytes) now holds tensor bytes from `offset` on.
  void write(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset, std::size_t partial, std::size_t writer) {
    if (bytes == 0) return;
    split_at(begin);
    split_at(begin + bytes);
    map_.erase(map_.lower_bound(begin), map_.lower_bound(begin + bytes));
    map_.emplace(begin, Held{begin + bytes, t, offset, partial, writer});
  }
  /// The first SPM byte not as asked, and what holds it (nothing: never written).
  struct Mismatch {
    std::uint64_t at = 0;
    std::optional<Held> found;
    std::uint64_t found_offset = 0;  ///< the tensor byte `found` has at `at`
  };
  /// Checks [begin, begin + bytes) holds tensor bytes from `offset` on, all of
  /// them complete data (partial == 0) or all the given partial sums.
  std::optional<Mismatch> check(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset,
                                std::size_t partial = 0) const {
    std::uint64_t at = begin;
    const std::uint64_t end = begin + bytes;
    auto it = map_.upper_bound(begin);
    if (it != map_.begin() && std::prev(it)->second.end > begin) --it;
    for (; at < end; ++it) {
      if (it == map_.end() || it->first > at) return Mismatch{at, std::nullopt, 0};
      const Held& h = it->second;
      const std::uint64_t has = h.offset + (at - it->first);
      if (h.tensor != t || has != offset + (at - begin) || h.partial != partial) return Mismatch{at, h, has};
      at = h.end;
    }
    return std::nullopt;
  }
  /// The id of the partial sums [begin, begin + bytes) holds, if it holds those
  /// tensor bytes as one partial sum.
  std::optional<std::size_t> partial(std::uint64_t begin, std::uint64_t bytes, TensorRef t, std::uint64_t offset) const {
    auto it = map_.upper_bound(begin);
    if (it == map_.begin()) return std::nullopt;
    const Held& h = std::prev(it)->second;
    if (h.partial == 0 || check(begin, bytes, t, offset, h.partial)) return std::nullopt;
    return h.partial;
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

/// The replay's state and one method per kind of check; replay_program() drives it.
template <Graph G, MemoryConstraint M>
class Replayer {
 public:
  Replayer(const G& g, const Plan& plan, const Program& prog, const M& spm, ReplayReport& report)
      : plan_(plan), prog_(prog), spm_(spm), report_(report) {
    const std::size_t n = num_vertices(g);
    names_.resize(n);
    fm_size_.resize(n);
    role_.resize(n);
    preds_.resize(n);
    for (auto [v, vend] = vertices(g); v != vend; ++v) {
      const std::size_t i = get(boost::vertex_index, g, *v);
      names_[i] = layer_name(g, *v);
      fm_size_[i] = fm_bytes(g, *v);
      role_[i] = layer_role(g, *v);
      for (auto [e, eend] = out_edges(*v, g); e != eend; ++e) preds_[get(boost::vertex_index, g, target(*e, g))].push_back(i);
    }
    computed_.resize(n);
    partials_.emplace_back();  // id 0: complete data
  }

  void run() {
    if (prog_.groups.size() != plan_.groups.size())
      return error(ReplayFindingKind::mismatch, "the program has " + std::to_string(prog_.groups.size()) + " groups, the plan " +
                   std::to_string(plan_.groups.size()));
    if (plan_.layout.empty()) return error(ReplayFindingKind::mismatch, "the plan has no SPM layout to check the program's addresses against");
    check_dram();
    for (std::size_t gi = 0; gi < prog_.groups.size() && !stopped(); ++gi) run_group(gi);
    end_stage();
    if (!stopped()) finish();
  }

 private:
  void error(ReplayFindingKind kind, std::string message) {
    if (report_.findings.size() < ReplayReport::max_errors) report_.findings.push_back({kind, std::move(message)});
  }
  bool stopped() const { return report_.findings.size() >= ReplayReport::max_errors || runs_ > ReplayReport::run_budget; }
  std::string tensor_name(TensorRef t) const {
    std::string s = t.kind == TensorKind::fm ? "fm '" : "weights '";
    s += t.vertex < names_.size() ? names_[t.vertex] : "#" + std::to_string(t.vertex);
    return s + "'";
  }
  bool reads_input(std::size_t layer, std::size_t vertex) const {
    return std::find(preds_[layer].begin(), preds_[layer].end(), vertex) != preds_[layer].end();
  }
  /// Run k of region r: [spm begin, end) and its first tensor byte.
  static std::pair<std::uint64_t, std::uint64_t> spm_run(const Region& r, std::uint64_t k) {
    return {r.spm + k * r.spm_stride, r.spm + k * r.spm_stride + r.run_bytes};
  }
  static std::uint64_t tensor_run(const Region& r, std::uint64_t k) { return r.offset + k * r.stride; }
  /// Adds the tensor bytes of every run of r to `set`.
  static void add_tensor_runs(ByteSet& set, const Region& r) {
    for (std::uint64_t k = 0; k < r.runs; ++k) set.add(tensor_run(r, k), tensor_run(r, k) + r.run_bytes);
  }

  /// DRAM: tensor sizes, alignment, no overlap; what is there from the start.
  void check_dram() {
    std::vector<DramTensor> by_address = prog_.dram;
    std::sort(by_address.begin(), by_address.end(), [](const DramTensor& a, const DramTensor& b) { return a.address < b.address; });
    std::uint64_t reach = 0;  // end of the tensors so far
    for (const DramTensor& d : by_address) {
      if (d.tensor.vertex >= names_.size()) {
        error(ReplayFindingKind::dram_layout, "DRAM lists a tensor of vertex " + std::to_string(d.tensor.vertex) + ", which the model does not have");
        continue;
      }
      if (d.tensor.kind == TensorKind::fm && d.bytes != fm_size_[d.tensor.vertex])
        error(ReplayFindingKind::dram_layout, "DRAM gives " + tensor_name(d.tensor) + " " + std::to_string(d.bytes) + " bytes, the model " +
              std::to_string(fm_size_[d.tensor.vertex]));
      if (d.address % dram_alignment != 0) error(ReplayFindingKind::dram_layout, "DRAM: " + tensor_name(d.tensor) + " is not aligned to a burst");
      std::uint64_t end = 0;
      if (d.address < reach || __builtin_add_overflow(d.address, d.bytes, &end))
        error(ReplayFindingKind::dram_layout, "DRAM: " + tensor_name(d.tensor) + " overlaps another tensor or wraps around");
      reach = std::max(reach, end);
      if (d.tensor.kind == TensorKind::weights || role_[d.tensor.vertex] == LayerRole::input) in_dram_[d.tensor].add(0, d.bytes);
    }
  }

  /// The SPM ranges group gi may touch: its buffers and the pinned FMs alive, by start.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> allowed_ranges(std::size_t gi) const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    const std::vector<Buffer>& buffers = plan_.groups[gi].cost.buffers;
    for (std::size_t b = 0; b < buffers.size() && b < plan_.layout.buffers[gi].size(); ++b)
      ranges.emplace_back(plan_.layout.buffers[gi][b], plan_.layout.buffers[gi][b] + buffers[b].bytes);
    for (std::size_t k = 0; k < plan_.pinned.size() && k < plan_.layout.pinned.size(); ++k)
      if (plan_.pinned[k].first_group <= gi && gi <= plan_.pinned[k].last_group)
        ranges.emplace_back(plan_.layout.pinned[k], plan_.layout.pinned[k] + plan_.pinned[k].bytes);
    std::sort(ranges.begin(), ranges.end());
    return ranges;
  }

  /// Region r is inside its tensor, the SPM and one of the group's ranges.
  bool inside(const Region& r, const std::string& what) {
    if (r.runs == 0 || r.run_bytes == 0) {
      error(ReplayFindingKind::region, what + " moves no bytes");
      return false;
    }
    bool ok = true;
    if (r.runs > 1 && r.spm_stride < r.run_bytes) error(ReplayFindingKind::region, what + ": its SPM runs overlap"), ok = false;
    // Disjoint runs inside the SPM also bound how many runs there are.
    const std::optional<std::uint64_t> spm_end = runs_end(r.spm, r.runs, r.spm_stride, r.run_bytes);
    if (!spm_end || *spm_end > spm_.capacity())
      error(ReplayFindingKind::region, what + " reaches " + (spm_end ? "SPM byte " + std::to_string(*spm_end) : std::string("beyond 2^64")) +
            ", past the SPM (" + std::to_string(spm_.capacity()) + ")"), ok = false;
    const std::optional<std::uint64_t> tensor_end = runs_end(r.offset, r.runs, r.stride, r.run_bytes);
    const DramTensor* d = prog_.find(r.tensor);
    if (r.tensor.vertex >= names_.size() || !d) error(ReplayFindingKind::region, what + ": " + tensor_name(r.tensor) + " has no place in DRAM"), ok = false;
    else if (!tensor_end || *tensor_end > d->bytes)
      error(ReplayFindingKind::region, what + " reaches past the end of " + tensor_name(r.tensor) + " (" + std::to_string(d->bytes) + " bytes)"), ok = false;
    if (!ok) return false;
    if ((runs_ += r.runs) > ReplayReport::run_budget) {
      error(ReplayFindingKind::budget, "the program has more than " + std::to_string(ReplayReport::run_budget) + " runs; the rest is not replayed");
      return false;
    }
    for (std::uint64_t k = 0; k < r.runs; ++k) {
      const auto [begin, end] = spm_run(r, k);
      auto it = std::upper_bound(allowed_.begin(), allowed_.end(), std::pair{begin, ~std::uint64_t(0)});
      if (it == allowed_.begin() || std::prev(it)->second < end) {
        error(ReplayFindingKind::region, what + ": SPM bytes [" + std::to_string(begin) + ", " + std::to_string(end) +
              ") lie outside the group's buffers and pinned FMs");
        return false;
      }
    }
    return true;
  }

  /// Does the SPM hold region r (each run) as asked? Reports the first wrong byte.
  bool holds(const Region& r, const std::string& what) {
    for (std::uint64_t k = 0; k < r.runs; ++k) {
      const auto miss = memory_.check(spm_run(r, k).first, r.run_bytes, r.tensor, tensor_run(r, k));
      if (!miss) continue;
      std::string found = "nothing";
      if (miss->found) {
        found = miss->found->partial ? "a partial sum of " : "";
        found += tensor_name(miss->found->tensor) + " byte " + std::to_string(miss->found_offset) + " written by " +
                 who_[miss->found->writer];
      }
      error(ReplayFindingKind::stale_read, what + " reads " + tensor_name(r.tensor) + " at SPM byte " + std::to_string(miss->at) + ", which holds " + found);
      return false;
    }
    return true;
  }

  /// A byte range a command of the current stage reads or writes.
  struct Touch {
    std::uint64_t begin, end;
    int queue;
    bool write;
    std::size_t command;
  };
  /// The first pair of commands of different queues that touch the same bytes
  /// of one memory, one of them writing: (command, command), or nullopt.
  static std::optional<std::pair<std::size_t, std::size_t>> first_conflict(std::vector<Touch>& touches) {
    std::sort(touches.begin(), touches.end(), [](const Touch& a, const Touch& b) { return a.begin < b.begin; });
    std::uint64_t reach[2][2] = {{0, 0}, {0, 0}};  // [queue][write]: furthest end so far
    std::size_t by[2][2] = {{0, 0}, {0, 0}};
    for (const Touch& t : touches) {
      const int other = 1 - t.queue;
      for (const int w : {0, 1})
        if ((t.write || w) && reach[other][w] > t.begin) return std::pair{t.command, by[other][w]};
      if (t.end > reach[t.queue][t.write]) reach[t.queue][t.write] = t.end, by[t.queue][t.write] = t.command;
    }
    return std::nullopt;
  }
  /// Cross-queue conflicts of the stage that just ended, in the SPM and in each
  /// DRAM tensor (a load must not race a store of the same bytes).
  void end_stage() {
    std::vector<Touch> spm;
    std::map<TensorRef, std::vector<Touch>> dram;
    for (const auto& [c, index] : in_stage_) {
      const int queue = c->queue == Queue::dma ? 1 : 0;
      for (const bool write : {false, true})
        for (const Region& r : write ? c->writes : c->reads)
          for (std::uint64_t k = 0; k < r.runs; ++k) {
            const auto [begin, end] = spm_run(r, k);
            spm.push_back({begin, end, queue, write, index});
            // A load reads DRAM and a store writes it.
            if (c->kind != CommandKind::compute)
              dram[r.tensor].push_back({tensor_run(r, k), tensor_run(r, k) + r.run_bytes, queue, c->kind == CommandKind::store, index});
          }
    }
    in_stage_.clear();
    const auto report = [&](const char* memory, std::optional<std::pair<std::size_t, std::size_t>> clash) {
      if (clash)
        error(ReplayFindingKind::race, "stage " + std::to_string(stage_) + ": " + who_[clash->first] + " and " + who_[clash->second] +
              " touch the same " + memory + " bytes side by side");
      return clash.has_value();
    };
    if (report("SPM", first_conflict(spm))) return;
    for (auto& [tensor, touches] : dram)
      if (report("DRAM", first_conflict(touches))) return;
  }

  void run_group(std::size_t gi) {
    const PlannedGroup& grp = plan_.groups[gi];
    const std::set<std::size_t> layers(grp.layers.begin(), grp.layers.end());
    allowed_ = allowed_ranges(gi);
    OffchipBytes moved;
    std::map<std::size_t, ByteSet> weights_read;  // per layer that computes here
    for (const Command& c : prog_.groups[gi]) {
      if (stopped()) return;
      const std::size_t index = who_.size();
      std::string what = "group " + std::to_string(gi) + " command " + std::to_string(index) + " (";
      what += c.kind == CommandKind::load ? "load)" : c.kind == CommandKind::store ? "store)" : "compute '";
      if (c.kind == CommandKind::compute) what += (c.layer < names_.size() ? names_[c.layer] : "?") + "')";
      who_.push_back(what);
      ++report_.commands;
      if (c.stage < stage_) error(ReplayFindingKind::stage_order, what + " goes back to stage " + std::to_string(c.stage));
      if (c.stage != stage_ || index == 0) {
        end_stage();
        stage_ = c.stage;
        ++report_.stages;
      }
      bool ok = true;
      for (const Region& r : c.reads) ok = inside(r, what) && ok;
      for (const Region& r : c.writes) ok = inside(r, what) && ok;
      if (!ok) continue;
      in_stage_.emplace_back(&c, index);
      if (c.kind == CommandKind::compute) compute(c, index, layers, weights_read, what);
      else transfer(c, index, moved, what);
    }
    for (const auto& [layer, read] : weights_read)
      if (const DramTensor* d = prog_.find({TensorKind::weights, layer}); d && !read.covers(0, d->bytes))
        error(ReplayFindingKind::traffic, "group " + std::to_string(gi) + ": '" + names_[layer] + "' never reads all of its weights");
    if (!(moved == grp.cost.offchip))
      error(ReplayFindingKind::traffic, "group " + std::to_string(gi) + " moves " + std::to_string(moved.fm_read) + "/" + std::to_string(moved.fm_write) +
            "/" + std::to_string(moved.weights) + " bytes (FM read/FM write/weights), the plan claims " +
            std::to_string(grp.cost.offchip.fm_read) + "/" + std::to_string(grp.cost.offchip.fm_write) + "/" +
            std::to_string(grp.cost.offchip.weights));
  }

  void transfer(const Command& c, std::size_t index, OffchipBytes& moved, const std::string& what) {
    const bool load = c.kind == CommandKind::load;
    if ((load ? c.writes.size() : c.reads.size()) != 1 || !(load ? c.reads : c.writes).empty())
      return error(ReplayFindingKind::command, what + " must move exactly one region");
    if (load) {
      const Region& r = c.writes.front();
      for (std::uint64_t k = 0; k < r.runs; ++k)
        if (!in_dram_[r.tensor].covers(tensor_run(r, k), tensor_run(r, k) + r.run_bytes)) {
          error(ReplayFindingKind::stale_read, what + " loads bytes of " + tensor_name(r.tensor) + " that are not in DRAM (yet)");
          break;
        }
      for (std::uint64_t k = 0; k < r.runs; ++k) memory_.write(spm_run(r, k).first, r.run_bytes, r.tensor, tensor_run(r, k), 0, index);
      (r.tensor.kind == TensorKind::fm ? moved.fm_read : moved.weights) += r.bytes();
      return;
    }
    const Region& r = c.reads.front();
    moved.fm_write += r.bytes();
    if (r.tensor.kind != TensorKind::fm) return error(ReplayFindingKind::command, what + " stores weights");
    if (holds(r, what)) add_tensor_runs(in_dram_[r.tensor], r);
  }

  void compute(const Command& c, std::size_t index, const std::set<std::size_t>& layers,
               std::map<std::size_t, ByteSet>& weights_read, const std::string& what) {
    if (!layers.count(c.layer)) return error(ReplayFindingKind::command, what + " runs a layer that is not in the group");
    weights_read[c.layer];  // it computes here, so it must read all its weights here
    for (const Region& r : c.reads) {
      const bool weights = r.tensor == TensorRef{TensorKind::weights, c.layer};
      const bool input = r.tensor.kind == TensorKind::fm && reads_input(c.layer, r.tensor.vertex);
      if (!weights && !input) error(ReplayFindingKind::command, what + " reads " + tensor_name(r.tensor) + ", not one of its inputs or weights");
      if (weights) add_tensor_runs(weights_read[c.layer], r);
      holds(r, what);
    }
    if (c.accumulate && preds_[c.layer].size() != 1) return error(ReplayFindingKind::command, what + " accumulates, but not over exactly one input");
    for (const Region& r : c.writes) {
      // Its own output, or in place its slice of a reader's output (e.g. a concat's).
      const bool own = r.tensor == TensorRef{TensorKind::fm, c.layer};
      const bool in_place = r.tensor.kind == TensorKind::fm && !c.accumulate &&
                            std::count(preds_[r.tensor.vertex].begin(), preds_[r.tensor.vertex].end(), c.layer) == 1;
      if (!own && !in_place) {
        error(ReplayFindingKind::command, what + " writes " + tensor_name(r.tensor) + ", neither its own output nor a reader's");
        continue;
      }
      for (std::uint64_t k = 0; k < r.runs; ++k) {
        const std::uint64_t at = spm_run(r, k).first, offset = tensor_run(r, k);
        std::size_t partial = 0;
        if (c.accumulate) {
          // Partial sums: go on with those this run holds, else start over; whole
          // once every input byte was folded in (each byte counted once).
          const std::optional<std::size_t> held = memory_.partial(at, r.run_bytes, r.tensor, offset);
          partial = held.value_or(partials_.size());
          if (!held) partials_.emplace_back();
          if (!fold(partials_[partial], c.reads, c.layer)) error(ReplayFindingKind::command, what + " folds input bytes into its partial sums twice");
          if (partials_[partial].covers(0, fm_size_[preds_[c.layer].front()])) partial = 0;
        }
        memory_.write(at, r.run_bytes, r.tensor, offset, partial, index);
        if (partial == 0) computed_[r.tensor.vertex].add(offset, offset + r.run_bytes);
        if (in_place) in_place_[{c.layer, r.tensor.vertex}].add(offset, offset + r.run_bytes);
      }
    }
  }
  /// Adds the input bytes a compute reads to the partial sums' folded bytes;
  /// false if some were folded in before.
  bool fold(ByteSet& into, const std::vector<Region>& reads, std::size_t layer) const {
    bool once = true;
    for (const Region& r : reads)
      if (r.tensor.kind == TensorKind::fm && reads_input(layer, r.tensor.vertex))
        for (std::uint64_t k = 0; k < r.runs; ++k) {
          once = once && !into.overlaps(tensor_run(r, k), tensor_run(r, k) + r.run_bytes);
          into.add(tensor_run(r, k), tensor_run(r, k) + r.run_bytes);
        }
    return once;
  }

  void finish() {
    // Intermediates need only the rows their readers read; what leaves a group must be whole.
    for (std::size_t gi = 0; gi < plan_.groups.size(); ++gi)
      for (const BoundaryFm& b : plan_.groups[gi].outputs)
        if (b.vertex < names_.size() && !computed_[b.vertex].covers(0, fm_size_[b.vertex]))
          error(ReplayFindingKind::incomplete, "group " + std::to_string(gi) + " never computes all of its output " + tensor_name({TensorKind::fm, b.vertex}));
    // In-place slices: no writer writes more bytes than its output has, no two
    // writers the same bytes (a slice read in its group only may be partial).
    std::map<std::size_t, std::pair<std::uint64_t, ByteSet>> targets;  // target -> (sum of slices, union)
    for (const auto& [key, bytes] : in_place_) {
      const auto [writer, target] = key;
      if (bytes.bytes() > fm_size_[writer])
        error(ReplayFindingKind::incomplete, "'" + names_[writer] + "' writes " + std::to_string(bytes.bytes()) + " bytes of " +
              tensor_name({TensorKind::fm, target}) + " in place, its output has " + std::to_string(fm_size_[writer]));
      targets[target].first += bytes.bytes();
      targets[target].second.add(bytes);
    }
    for (const auto& [target, sums] : targets)
      if (sums.first != sums.second.bytes())
        error(ReplayFindingKind::incomplete, "the in-place slices of " + tensor_name({TensorKind::fm, target}) + " overlap");
    // Model outputs: what an output marker reads, and compute layers nobody reads.
    std::vector<char> read_by_someone(names_.size(), 0), model_output(names_.size(), 0);
    for (std::size_t v = 0; v < names_.size(); ++v)
      for (const std::size_t u : preds_[v]) {
        read_by_someone[u] = 1;
        if (role_[v] == LayerRole::output) model_output[u] = 1;
      }
    for (std::size_t v = 0; v < names_.size(); ++v)
      if ((model_output[v] || (role_[v] == LayerRole::compute && !read_by_someone[v])) &&
          !in_dram_[{TensorKind::fm, v}].covers(0, fm_size_[v]))
        error(ReplayFindingKind::model_output, "model output " + tensor_name({TensorKind::fm, v}) + " is not all in DRAM");
  }

  const Plan& plan_;
  const Program& prog_;
  const M& spm_;
  ReplayReport& report_;
  std::vector<std::string> names_;
  std::vector<std::uint64_t> fm_size_;
  std::vector<LayerRole> role_;
  std::vector<std::vector<std::size_t>> preds_;
  TaggedSpm memory_;
  std::map<TensorRef, ByteSet> in_dram_;
  std::vector<ByteSet> computed_;            ///< complete output bytes, per FM
  std::vector<ByteSet> partials_;            ///< folded input bytes, per partial-sum id (0 unused)
  std::map<std::pair<std::size_t, std::size_t>, ByteSet> in_place_;  ///< (writer, target) -> target bytes written
  std::vector<std::pair<std::uint64_t, std::uint64_t>> allowed_;     ///< the current group's SPM ranges
  std::vector<std::string> who_;             ///< per command index, for messages
  std::vector<std::pair<const Command*, std::size_t>> in_stage_;     ///< the current stage's commands
  std::size_t stage_ = 0;
  std::uint64_t runs_ = 0;                   ///< runs replayed so far
};

}  // namespace detail

template <Graph G, MemoryConstraint M>
ReplayReport replay_program(const G& g, const Plan& plan, const Program& prog, const M& spm) {
  ReplayReport report;
  detail::Replayer<G, M>(g, plan, prog, spm, report).run();
  return report;
}

}  // namespace pinfuse
