#pragma once
// The reference accelerator as a CommandEmitter: the tile loop behind each
// GroupCost, as DMA and compute commands at SPM addresses. It replays the same
// walk evaluate() costs, so the bytes moved are the bytes charged:
//  * step k of tiles * chunks (chunk-major) loads its input tiles (DRAM inputs;
//    with one tile the input is loaded once; a grouped conv's chunk loads its
//    channels of every tile, packed), its weights (resident: all at
//    step 0, packed layer after layer; chunked: the chunk's at its first tile),
//    computes the group's layers in order, and stores its output shares;
//  * input-stationary chunks (tile-major): step k runs chunk k mod c of tile
//    k / c; it loads the tile's inputs at its first chunk only (they stay in the
//    tile's copy of the in buffer, copies alternating by tile) and its chunk's
//    weights in every step (copies alternating by step);
//  * streamed weights are loaded right before the layer that uses them, in the
//    compute queue (compute waits for them);
//  * double-buffered: stage 0 loads step 0, stage k + 1 computes step k while
//    the DMA queue loads step k + 1 and stores step k - 1 (copies alternate by
//    step), and the last stage stores the last step. Single-buffered: stage k
//    does step k's loads, computes and stores in order;
//  * a reduction that accumulates over tiles keeps its partial sums in one copy
//    of its output buffer per chunk (they must survive the tiles; copies
//    alternate by chunk); it is stored when its share, the whole output, falls
//    due: after the last tile;
//  * an in-place concat has no command: its inputs write their channel slices
//    of its rows where it lives (strided runs, one per row);
//  * model inputs the group keeps (Residence::loaded, §8a) are loaded into their
//    pinned places tile by tile with the step's loads (the rows up to the tile's
//    that no step loaded before), or whole in a stage of their own before the
//    pipeline's (inputs_preloaded, always with channel chunks);
//  * halo caching (§2a): a cached intermediate computes only the rows no earlier
//    tile computed and keeps row r at row r mod tmp_max of its tmp buffer, a ring
//    (a run of rows that wraps is two regions), so the overlap rows a tile reads
//    are still where the tile before wrote them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/accel/buffer_kinds.hpp"
#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/error.hpp"

namespace pinfuse {

/// One commands() call: the group's tiling read back from its cost, its tile
/// walk and every buffer's SPM address (constructor), then one step per kind of
/// command (load_inputs, load_weights, run_layer) over the pipeline steps, and
/// the steps' commands in stages (stages()).
class ReferenceAccelerator::CommandWriter {
 public:
  CommandWriter(const ReferenceAccelerator& a, const GroupQuery& q, const GroupCost& cost, const GroupAddresses& at)
      : a_(a), info_(a.info_), q_(q), at_(at), v_(a.view_of(q)), m_(q.layers.size()) {
    if (at.buffers.size() != cost.buffers.size() || at.inputs.size() != q.inputs.size() || at.outputs.size() != q.outputs.size())
      throw input_error("group addresses", "do not list every buffer and boundary FM");
    read_tiling(cost);
    walk_tiles();
    place_buffers(cost);
    place_weights();
  }

  /// The steps' commands in stages; see the header comment.
  std::vector<Command> stages() const {
    std::vector<StepCommands> step(steps_);
    for (std::size_t k = 0; k < steps_; ++k) step[k] = step_commands(k);
    std::vector<Command> out = load_whole_inputs();  // stage 0, compute queue
    const std::size_t first = out.empty() ? 0 : 1;  // the pipeline's first stage
    const auto emit = [&](std::vector<Command>& list, std::size_t stage, Queue queue) {
      for (Command& c : list) {
        c.stage = first + stage;
        c.queue = queue;
        out.push_back(std::move(c));
      }
    };
    if (overlap_ && steps_ > 1) {
      emit(step[0].loads, 0, Queue::compute);
      for (std::size_t k = 0; k < steps_; ++k) {
        if (k + 1 < steps_) emit(step[k + 1].loads, k + 1, Queue::dma);
        if (k > 0) emit(step[k - 1].stores, k + 1, Queue::dma);
        emit(step[k].computes, k + 1, Queue::compute);
      }
      emit(step[steps_ - 1].stores, steps_ + 1, Queue::compute);
    } else {
      for (std::size_t k = 0; k < steps_; ++k) {
        emit(step[k].loads, k, Queue::compute);
        emit(step[k].computes, k, Queue::compute);
        emit(step[k].stores, k, Queue::compute);
      }
    }
    return out;
  }

 private:
  /// Pipeline step k of tiles * chunks: chunk-major, channel chunk k / tiles and row tile k % tiles;
  /// input-stationary, row tile k / chunks and channel chunk k % chunks.
  struct StepAt {
    std::size_t k = 0;
    int chunk = 0;
    int t = 0;
  };
  struct StepCommands {
    std::vector<Command> loads, computes, stores;
  };
  /// The tile buffers of the DRAM inputs (or outputs): per boundary FM, its
  /// address, the bytes of one copy and the copies (2: double-buffered) [B].
  struct TileBuffers {
    std::vector<std::uint64_t> at, copy, copies;
    void assign(std::size_t fms) {
      at.assign(fms, 0);
      copy.assign(fms, 0);
      copies.assign(fms, 0);
    }
    /// Records FM k's buffer; returns where its address goes.
    std::uint64_t* place(std::size_t k, std::uint64_t n, std::uint64_t bytes) {
      copy[k] = bytes;
      copies[k] = n;
      return &at[k];
    }
    /// The copy step k uses: k mod 2 when double-buffered, else 0.
    std::uint64_t slot(std::size_t k, std::size_t step) const { return copies[k] > 1 ? std::uint64_t(step % 2) : 0; }
  };

  /// The value of `key` in the cost's tiling (accel/tiling_keys.hpp), within [least, most].
  static std::int64_t setting(const GroupCost& cost, const char* key, std::int64_t least, std::int64_t most) {
    const auto it = cost.tiling.find(key);
    if (it == cost.tiling.end() || it->second < least || it->second > most)
      throw input_error("group tiling", std::string("'") + key + "' is missing or out of range (not this model's cost?)");
    return it->second;
  }
  /// The choice evaluate_batch() made: row tiles, channel chunks, weights streamed, DMA overlapped, halo cached.
  void read_tiling(const GroupCost& cost) {
    tiles_ = static_cast<int>(setting(cost, tiling_key::row_tiles, 1, v_.height));
    streamed_ = setting(cost, tiling_key::weights_streamed, 0, 1) != 0;
    overlap_ = setting(cost, tiling_key::double_buffered, 0, 1) != 0;
    cached_ = setting(cost, tiling_key::halo_cached, 0, 1) != 0;
    const LayerInfo& first = info_[q_.layers.front()];
    const int chunks = static_cast<int>(
        setting(cost, tiling_key::channel_chunks, 1, m_ == 1 && first.channel_splittable ? first.chunk_units : 1));
    split_ = chunks > 1 ? ChannelChunks(first.chunk_units, chunks) : ChannelChunks();
    if (split_.chunks != chunks) throw input_error("group tiling", "'channel_chunks' is not a split of whole channels (a grouped conv's: of whole groups)");
    preloaded_ = loads_inputs(q_) && setting(cost, tiling_key::inputs_preloaded, chunks > 1 ? 1 : 0, 1) != 0;
    input_stationary_ =
        chunks > 1 && setting(cost, tiling_key::input_stationary, 0, a_.may_run_input_stationary(q_, v_, split_, tiles_) ? 1 : 0) != 0;
  }
  /// Per tile, the rows of each layer it holds (need) and computes, and of each input it holds (held) [rows].
  void walk_tiles() {
    need_.resize(std::size_t(tiles_));
    computed_.resize(std::size_t(tiles_));
    held_.resize(std::size_t(tiles_));
    geo_ = a_.geometry(q_, v_, tiles_, cached_,
                       [&](int t, const std::vector<RowRange>& n, const std::vector<RowRange>& r, const std::vector<RowRange>& e) {
                         need_[std::size_t(t)] = n;
                         computed_[std::size_t(t)] = r;
                         held_[std::size_t(t)] = e;
                       });
    if (!geo_.cache_sound)
      throw input_error("group tiling", "'halo_cached' is set but the group's rows do not move down tile by tile");
    loaded_rows_.resize(q_.inputs.size());
    for (std::size_t e = 0; e < q_.inputs.size(); ++e)
      if (q_.inputs[e].where == Residence::loaded && !preloaded_)
        loaded_rows_[e] = rows_loaded(geo_, q_.inputs.size(), e, info_[q_.inputs[e].vertex].height);
  }
  /// The buffers this tiling needs, listed as evaluate_batch() lists them, must
  /// be the cost's; each then takes its address [B] (per kind: the weights', an
  /// intermediate's, a DRAM input's or output's), and the tile buffers the size
  /// of one copy [B] and their number of copies.
  void place_buffers(const GroupCost& cost) {
    tmp_at_.assign(m_, 0);
    in_.assign(q_.inputs.size());
    out_.assign(q_.outputs.size());
    std::vector<Buffer> expected;
    std::vector<std::uint64_t*> address_of;
    a_.for_each_buffer(q_, v_, geo_, split_, streamed_, overlap_,
                       [&](BufferKind kind, LayerId l, std::uint64_t copies, std::uint64_t bytes) {
                         expected.push_back({a_.buffer_name(kind, l), copies * bytes});
                         switch (kind) {
                           case BufferKind::weights: address_of.push_back(&weights_at_); break;
                           case BufferKind::tmp: address_of.push_back(&tmp_at_[std::size_t(v_.local[l])]); break;
                           case BufferKind::in: address_of.push_back(in_.place(std::size_t(v_.ext[l]), copies, bytes)); break;
                           case BufferKind::out: address_of.push_back(out_.place(std::size_t(v_.out[l]), copies, bytes)); break;
                         }
                       });
    if (expected != cost.buffers)
      throw input_error("group buffers", "differ from the ones its tiling needs (not this model's cost?)");
    for (std::size_t b = 0; b < address_of.size(); ++b) *address_of[b] = at_.buffers[b];
  }
  /// The step count (row tiles x channel chunks), and where the weights sit in
  /// their buffer: one channel's bytes and one chunk copy's [B] when split, each
  /// layer's offset when resident (packed layer after layer) [B].
  void place_weights() {
    // A stream of more steps than this is not one anyone can run or read.
    constexpr std::size_t most_steps = std::size_t{1} << 24;
    steps_ = std::size_t(tiles_) * std::size_t(split_.chunks);
    if (steps_ > most_steps)
      throw limit_error("group tiling", std::to_string(steps_) + " pipeline steps (row tiles x channel chunks) exceed the " +
                                            std::to_string(most_steps) + " a command stream may have");
    unit_weights_ = split_.units ? info_[q_.layers.front()].weight_bytes / std::uint64_t(split_.units) : 0;
    slice_ = a_.sliced(q_, split_);
    chunk_copy_ = split_.units ? a_.weight_buffer(q_, v_, false, split_, overlap_) / (overlap_ ? 2 : 1) : 0;
    packed_.assign(m_, 0);
    for (std::size_t i = 1; i < m_; ++i) packed_[i] = packed_[i - 1] + info_[q_.layers[i - 1]].weight_bytes;
  }

  static Command transfer(CommandKind kind, const Region& r) {
    Command c;
    c.kind = kind;
    (kind == CommandKind::load ? c.writes : c.reads).push_back(r);
    return c;
  }
  /// The channels the step computes (or, l a sliced input, reads): bytes [first, first + run) of every row
  /// of l, first = chunk * per_chunk * one chunk unit's bytes (row bytes / units: output channels, or a
  /// grouped conv's groups, whose input and output channels are contiguous); the whole row when not split [B].
  std::pair<std::uint64_t, std::uint64_t> channel_bytes(const StepAt& s, LayerId l) const {
    if (!split_.units) return {0, info_[l].row_bytes};
    const std::uint64_t per_unit = info_[l].row_bytes / std::uint64_t(split_.units);
    return {per_unit * std::uint64_t(s.chunk * split_.per_chunk), per_unit * std::uint64_t(split_.units_of(s.chunk))};
  }
  /// Rows `r` of intermediate i in its tmp buffer, appended to `into`: row x at
  /// tmp_at + (x - first row the tile holds) * row bytes, or, cached, at row
  /// x mod tmp_max of the ring (split where it wraps) [B].
  void tmp_rows(const StepAt& s, std::size_t i, RowRange r, std::vector<Region>& into) const {
    const LayerId l = q_.layers[i];
    const std::uint64_t rb = info_[l].row_bytes;
    if (!cached_ || !v_.members[i].cacheable) {
      into.push_back(rows_region({TensorKind::fm, l}, std::uint64_t(r.begin), std::uint64_t(r.size()), rb,
                                 tmp_at_[i] + std::uint64_t(r.begin - need_[std::size_t(s.t)][i].begin) * rb));
      return;
    }
    const int ring = geo_.tmp_max(i);
    for (int row = r.begin; row < r.end;) {
      const int slot = row % ring, run = std::min(r.end - row, ring - slot);
      into.push_back(rows_region({TensorKind::fm, l}, std::uint64_t(row), std::uint64_t(run), rb,
                                 tmp_at_[i] + std::uint64_t(slot) * rb));
      row += run;
    }
  }
  /// Where rows `r` of boundary input e are in the SPM during the step: in the
  /// pinned FM (row x at its address + x * row bytes), or in this step's copy of
  /// its in buffer from the first row the tile holds on; a sliced input (grouped conv
  /// chunks) holds the chunk's channels of each row, packed [B].
  Region input_region(const StepAt& s, std::size_t e, RowRange r) const {
    const LayerId u = q_.inputs[e].vertex;
    const std::uint64_t rb = info_[u].row_bytes;
    // Input-stationary, a tile's input stays for its chunks: the copies alternate by tile.
    const std::uint64_t in_tile = in_.at[e] + in_.slot(e, input_stationary_ ? std::size_t(s.t) : s.k) * in_.copy[e];
    const RowRange held = held_[std::size_t(s.t)][e];
    if (slice_ && q_.inputs[e].where == Residence::dram) {
      const auto [first, run] = channel_bytes(s, u);
      return strided_region({TensorKind::fm, u}, std::uint64_t(r.begin) * rb + first, run, std::uint64_t(r.size()), rb,
                            in_tile + std::uint64_t(r.begin - held.begin) * run, run);
    }
    const std::uint64_t spm = in_spm(q_.inputs[e].where) ? at_.inputs[e] + std::uint64_t(r.begin) * rb
                                                         : in_tile + std::uint64_t(r.begin - held.begin) * rb;
    return rows_region({TensorKind::fm, u}, std::uint64_t(r.begin), std::uint64_t(r.size()), rb, spm);
  }
  /// Where rows `r` of FM u (a group layer's or an input's) are in the SPM during the step, appended to `into`.
  void held_rows(const StepAt& s, LayerId u, RowRange r, std::vector<Region>& into) const {
    if (v_.local[u] >= 0) tmp_rows(s, std::size_t(v_.local[u]), r, into);
    else into.push_back(input_region(s, std::size_t(v_.ext[u]), r));
  }
  /// Rows `r` of output o, the step's channels: in the pinned FM at its own
  /// offset, or in copy `slot` of its out buffer, channel runs packed [B].
  Region output_rows(const StepAt& s, std::size_t o, RowRange r, std::uint64_t slot) const {
    const LayerId l = q_.outputs[o].vertex;
    const std::uint64_t rb = info_[l].row_bytes;
    const auto [first, run] = channel_bytes(s, l);
    const std::uint64_t offset = std::uint64_t(r.begin) * rb + first;
    return q_.outputs[o].where == Residence::pinned
               ? strided_region({TensorKind::fm, l}, offset, run, std::uint64_t(r.size()), rb, at_.outputs[o] + offset, rb)
               : strided_region({TensorKind::fm, l}, offset, run, std::uint64_t(r.size()), rb, out_.at[o] + slot * out_.copy[o], run);
  }
  /// Layer i's weights at SPM byte `spm`: all of them, or, split, the chunk's
  /// units: bytes [chunk * per_chunk, + units_of(chunk)) x one unit's [B].
  Region weights_region(const StepAt& s, std::size_t i, std::uint64_t spm) const {
    const LayerId l = q_.layers[i];
    if (split_.units) {
      const std::uint64_t first = unit_weights_ * std::uint64_t(s.chunk * split_.per_chunk);
      const std::uint64_t bytes = unit_weights_ * std::uint64_t(split_.units_of(s.chunk));
      return Region{{TensorKind::weights, l}, first, bytes, 1, bytes, spm, bytes};
    }
    return Region{{TensorKind::weights, l}, 0, info_[l].weight_bytes, 1, info_[l].weight_bytes, spm, info_[l].weight_bytes};
  }
  /// The copy of the weight-chunk buffer the step's chunk uses when double-buffered: chunk mod 2, or,
  /// input-stationary (a chunk's weights in every step), step mod 2 [B].
  std::uint64_t chunk_weights_at(const StepAt& s) const {
    const std::size_t copy = input_stationary_ ? s.k : std::size_t(s.chunk);
    return weights_at_ + (overlap_ ? std::uint64_t(copy % 2) : 0) * chunk_copy_;
  }
  /// Rows `rows` of layer i's FM as its channel slice of the in-place concat it
  /// feeds, where the concat's rows are (its tmp buffer, pinned FM or out buffer):
  /// the slice starts at the channels of the concat's inputs before i [B].
  Region concat_slice(const StepAt& s, std::size_t i, RowRange rows) const {
    const std::size_t ci = std::size_t(v_.members[i].writes_into);
    const LayerId l = q_.layers[i], concat = q_.layers[ci];
    const std::uint64_t rb = info_[concat].row_bytes, per_channel = rb / std::uint64_t(info_[concat].channels);
    std::uint64_t first = 0;  // bytes of the channels of the inputs before this one
    for (std::size_t input = 0; info_[concat].inputs[input] != l; ++input)
      first += std::uint64_t(info_[info_[concat].inputs[input]].channels) * per_channel;
    const int o = v_.out[concat];
    const std::uint64_t row0 =
        o < 0 ? tmp_at_[ci] + std::uint64_t(rows.begin - need_[std::size_t(s.t)][ci].begin) * rb
        : q_.outputs[std::size_t(o)].where == Residence::pinned
            ? at_.outputs[std::size_t(o)] + std::uint64_t(rows.begin) * rb
            : out_.at[std::size_t(o)] + out_.slot(std::size_t(o), s.k) * out_.copy[std::size_t(o)] +
                  std::uint64_t(rows.begin - tile_share(s.t, tiles_, info_[concat].height).begin) * rb;
    return strided_region({TensorKind::fm, concat}, std::uint64_t(rows.begin) * rb + first,
                          std::uint64_t(info_[l].channels) * per_channel, std::uint64_t(rows.size()), rb, row0 + first, rb);
  }

  /// The loads of the model inputs the group loads whole into their pinned
  /// places (Residence::loaded) before anything else, if it does (§8a).
  std::vector<Command> load_whole_inputs() const {
    std::vector<Command> loads;
    for (std::size_t e = 0; e < q_.inputs.size(); ++e)
      if (q_.inputs[e].where == Residence::loaded && preloaded_) {
        const LayerId u = q_.inputs[e].vertex;
        loads.push_back(transfer(CommandKind::load, rows_region({TensorKind::fm, u}, 0, std::uint64_t(info_[u].height),
                                                                info_[u].row_bytes, at_.inputs[e])));
      }
    return loads;
  }
  /// The step's loads of its DRAM inputs: the rows the tile holds. With one tile,
  /// or input-stationary, the tile's input stays for every chunk (loaded at
  /// chunk 0), unless sliced. And the new rows of the inputs it loads tile by
  /// tile into their pinned places (§8a).
  void load_inputs(const StepAt& s, StepCommands& into) const {
    if ((tiles_ == 1 || input_stationary_) && s.chunk != 0 && !slice_) return;
    for (std::size_t e = 0; e < q_.inputs.size(); ++e) {
      if (q_.inputs[e].where == Residence::dram && !held_[std::size_t(s.t)][e].empty())
        into.loads.push_back(transfer(CommandKind::load, input_region(s, e, held_[std::size_t(s.t)][e])));
      if (!loaded_rows_[e].empty() && !loaded_rows_[e][std::size_t(s.t)].empty())
        into.loads.push_back(transfer(CommandKind::load, input_region(s, e, loaded_rows_[e][std::size_t(s.t)])));
    }
  }
  /// The step's weight loads: a chunk's at its first tile (input-stationary: in
  /// every step); resident weights all at step 0, packed layer after layer.
  /// (Streamed ones: run_layer.)
  void load_weights(const StepAt& s, StepCommands& into) const {
    if (split_.units && unit_weights_ && (s.t == 0 || input_stationary_))  // (an add or an activation has none)
      into.loads.push_back(transfer(CommandKind::load, weights_region(s, 0, chunk_weights_at(s))));
    if (!split_.units && !streamed_ && s.k == 0)
      for (std::size_t i = 0; i < m_; ++i)
        if (info_[q_.layers[i]].weight_bytes)
          into.loads.push_back(transfer(CommandKind::load, weights_region(s, i, weights_at_ + packed_[i])));
  }
  /// Group layer i in the step: the store of its output share (if a DRAM group
  /// output), its streamed weights' load, and its compute, reading its input rows
  /// and weights and writing its rows (into the concat it feeds, its tmp buffer,
  /// its output's). An in-place concat has no command (its inputs wrote it); a
  /// reduction fed tile by tile reads its share of the input rows and rewrites
  /// all its partial sums, which alternate copies by chunk (other outputs: by step).
  void run_layer(const StepAt& s, std::size_t i, StepCommands& into) const {
    const LayerId l = q_.layers[i];
    const bool accumulate = v_.members[i].accumulates;
    const RowRange rows = accumulate ? RowRange{0, info_[l].height} : computed_[std::size_t(s.t)][i];
    const int o = v_.out[l];
    const RowRange share = o >= 0 ? tile_share(s.t, tiles_, info_[l].height) : RowRange{};
    const std::uint64_t slot = o < 0                                ? 0
                               : out_.copies[std::size_t(o)] == 1  ? 0
                               : accumulate                        ? std::uint64_t(s.chunk % 2)
                                                                   : out_.slot(std::size_t(o), s.k);
    if (o >= 0 && q_.outputs[std::size_t(o)].where == Residence::dram && !share.empty())
      into.stores.push_back(transfer(CommandKind::store, output_rows(s, std::size_t(o), share, slot)));
    if (v_.members[i].in_place) return;
    Command c;
    c.layer = l;
    c.accumulate = accumulate;
    if (accumulate) {
      const LayerId u = info_[l].inputs.front();
      const RowRange folded = tile_share(s.t, tiles_, info_[u].height);
      if (folded.empty()) return;
      held_rows(s, u, folded, c.reads);
    } else {
      if (rows.empty()) return;
      for (std::size_t in = 0; in < info_[l].inputs.size(); ++in) {
        const RowRange r = a_.input_rows(l, in, rows);
        if (!r.empty()) held_rows(s, info_[l].inputs[in], r, c.reads);
      }
    }
    if (info_[l].weight_bytes) {
      const std::uint64_t spm = split_.units ? chunk_weights_at(s) : streamed_ ? weights_at_ : weights_at_ + packed_[i];
      if (streamed_) into.computes.push_back(transfer(CommandKind::load, weights_region(s, i, spm)));
      c.reads.push_back(weights_region(s, i, spm));
    }
    if (v_.members[i].writes_into >= 0)
      c.writes.push_back(concat_slice(s, i, rows));
    else if (v_.members[i].is_tmp())
      tmp_rows(s, i, rows, c.writes);
    if (o >= 0 && q_.outputs[std::size_t(o)].where == Residence::pinned)
      c.writes.push_back(output_rows(s, std::size_t(o), rows, slot));
    else if (o >= 0 && (accumulate || !share.empty()))
      c.writes.push_back(output_rows(s, std::size_t(o), accumulate ? rows : share, slot));
    into.computes.push_back(std::move(c));
  }
  /// Step k: its input loads, weight loads, then each layer in order.
  StepCommands step_commands(std::size_t k) const {
    const std::size_t chunks = std::size_t(split_.chunks), tiles = std::size_t(tiles_);
    const StepAt s = input_stationary_ ? StepAt{k, int(k % chunks), int(k / chunks)} : StepAt{k, int(k / tiles), int(k % tiles)};
    StepCommands commands;
    load_inputs(s, commands);
    load_weights(s, commands);
    for (std::size_t i = 0; i < m_; ++i) run_layer(s, i, commands);
    return commands;
  }

  const ReferenceAccelerator& a_;
  const std::vector<LayerInfo>& info_;
  const GroupQuery& q_;
  const GroupAddresses& at_;
  const GroupView v_;
  const std::size_t m_;  ///< the group's layers
  // The tiling (read_tiling) and its steps (place_weights).
  int tiles_ = 1;
  bool streamed_ = false, overlap_ = false, cached_ = false;
  bool preloaded_ = false;  ///< loaded inputs before the first step; else tile by tile (loaded_rows_)
  bool input_stationary_ = false;  ///< chunks tile-outer, chunk-inner (read_tiling)
  ChannelChunks split_;
  bool slice_ = false;  ///< a grouped conv (e.g. depthwise): each chunk loads its groups' channels of the input
  std::size_t steps_ = 0;
  // The tile walk (walk_tiles): per tile, per layer or input [rows].
  TileGeometry geo_;
  std::vector<std::vector<RowRange>> need_, computed_, held_;
  std::vector<std::vector<RowRange>> loaded_rows_;  ///< per input loaded tile by tile: per tile, the rows it loads
  // SPM addresses (place_buffers) [B].
  std::uint64_t weights_at_ = 0;
  std::vector<std::uint64_t> tmp_at_;
  TileBuffers in_, out_;
  // Where the weights sit (place_weights) [B].
  std::uint64_t unit_weights_ = 0, chunk_copy_ = 0;
  std::vector<std::uint64_t> packed_;  ///< resident weights: each layer's offset in the buffer
};

inline std::vector<Command> ReferenceAccelerator::commands(const GroupQuery& q, const GroupCost& cost,
                                                           const GroupAddresses& at) const {
  if (q.layers.empty()) return {};
  return CommandWriter(*this, q, cost, at).stages();
}

static_assert(CommandEmitter<ReferenceAccelerator>);

}  // namespace pinfuse
