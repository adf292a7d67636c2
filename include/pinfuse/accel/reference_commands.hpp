#pragma once
// The reference accelerator as a CommandEmitter: the tile loop behind each
// GroupCost, as DMA and compute commands at SPM addresses. It replays the same
// walk evaluate() costs, so the bytes moved are the bytes charged:
//  * step k of tiles * chunks (chunk-major) loads its input tiles (DRAM inputs;
//    with one tile the input is loaded once; a depthwise layer's chunk loads its
//    channels of every tile, packed), its weights (resident: all at
//    step 0, packed layer after layer; chunked: the chunk's at its first tile),
//    computes the group's layers in order, and stores its output shares;
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
//  * halo caching (§2a): a cached intermediate computes only the rows no earlier
//    tile computed and keeps row r at row r mod tmp_max of its tmp buffer, a ring
//    (a run of rows that wraps is two regions), so the overlap rows a tile reads
//    are still where the tile before wrote them.
#include <string>
#include <vector>

#include "pinfuse/accel/reference_accelerator.hpp"
#include "pinfuse/core/error.hpp"

namespace pinfuse {

inline std::vector<Command> ReferenceAccelerator::commands(const GroupQuery& q, const GroupCost& cost,
                                                           const GroupAddresses& at) const {
  if (q.layers.empty()) return {};
  const GroupView v = view_of(q);
  const std::size_t m = q.layers.size(), ni = q.inputs.size(), no = q.outputs.size();
  if (at.buffers.size() != cost.buffers.size() || at.inputs.size() != ni || at.outputs.size() != no)
    throw input_error("group addresses", "do not list every buffer and boundary FM");
  const auto setting = [&](const char* key, std::int64_t least, std::int64_t most) {
    const auto it = cost.tiling.find(key);
    if (it == cost.tiling.end() || it->second < least || it->second > most)
      throw input_error("group tiling", std::string("'") + key + "' is missing or out of range (not this model's cost?)");
    return it->second;
  };
  const int tiles = static_cast<int>(setting(tiling_key::row_tiles, 1, v.height));
  const bool streamed = setting(tiling_key::weights_streamed, 0, 1) != 0, overlap = setting(tiling_key::double_buffered, 0, 1) != 0;
  const bool cached = setting(tiling_key::halo_cached, 0, 1) != 0;
  const int channels = info_[q.layers.front()].channels;
  const int chunks = static_cast<int>(setting(tiling_key::channel_chunks, 1, m == 1 && info_[q.layers.front()].channel_splittable ? channels : 1));
  const ChannelChunks split = chunks > 1 ? ChannelChunks(channels, chunks) : ChannelChunks();
  if (split.chunks != chunks) throw input_error("group tiling", "'channel_chunks' is not a split of whole channels");
  std::vector<std::vector<RowRange>> need(tiles), computed(tiles), held(tiles);
  const TileGeometry geo = geometry(q, v, tiles, cached,
                                    [&](int t, const std::vector<RowRange>& n, const std::vector<RowRange>& r,
                                        const std::vector<RowRange>& e) {
                                      need[t] = n;
                                      computed[t] = r;
                                      held[t] = e;
                                    });
  if (!geo.cache_sound) throw input_error("group tiling", "'halo_cached' is set but the group's rows do not move down tile by tile");

  // The buffers this tiling needs, listed as evaluate_batch() lists them, must
  // be the cost's; each then takes its address, and tile buffers their copies.
  std::vector<Buffer> expected;
  std::vector<std::uint64_t*> address_of;
  std::uint64_t weights_at = 0;
  std::vector<std::uint64_t> tmp_at(m), in_at(ni), out_at(no), in_copy(ni), out_copy(no), in_copies(ni), out_copies(no);
  for_each_buffer(q, v, geo, split, streamed, overlap, [&](const char* prefix, LayerId l, std::uint64_t copies, std::uint64_t bytes) {
    expected.push_back({buffer_name(prefix, l), copies * bytes});
    const std::string kind = prefix;
    if (kind == "weights") {
      address_of.push_back(&weights_at);
    } else if (kind == "tmp:") {
      address_of.push_back(&tmp_at[v.local[l]]);
    } else {
      const bool input = kind == "in:";
      const std::size_t k = std::size_t(input ? v.ext[l] : v.out[l]);
      (input ? in_copy : out_copy)[k] = bytes;
      (input ? in_copies : out_copies)[k] = copies;
      address_of.push_back(&(input ? in_at : out_at)[k]);
    }
  });
  if (expected != cost.buffers)
    throw input_error("group buffers", "differ from the ones its tiling needs (not this model's cost?)");
  for (std::size_t b = 0; b < address_of.size(); ++b) *address_of[b] = at.buffers[b];

  // Row tiles x channel chunks; a stream of more steps than this is not one anyone can run or read.
  constexpr std::size_t most_steps = std::size_t{1} << 24;
  const std::size_t steps = std::size_t(tiles) * std::size_t(split.chunks);
  if (steps > most_steps)
    throw limit_error("group tiling", std::to_string(steps) + " pipeline steps (row tiles x channel chunks) exceed the " +
                                          std::to_string(most_steps) + " a command stream may have");
  const std::uint64_t channel_weights = split.channels ? info_[q.layers.front()].weight_bytes / std::uint64_t(split.channels) : 0;
  const bool slice = sliced(q, split);  // a depthwise layer: each chunk loads its channels of the input
  const std::uint64_t chunk_copy = split.channels ? weight_buffer(q, v, false, split, overlap) / (overlap ? 2 : 1) : 0;
  std::vector<std::uint64_t> packed(m, 0);  // resident weights: each layer's offset in the buffer
  for (std::size_t i = 1; i < m; ++i) packed[i] = packed[i - 1] + info_[q.layers[i - 1]].weight_bytes;

  const auto transfer = [](CommandKind kind, const Region& r) {
    Command c;
    c.kind = kind;
    (kind == CommandKind::load ? c.writes : c.reads).push_back(r);
    return c;
  };
  struct StepCommands {
    std::vector<Command> loads, computes, stores;
  };
  std::vector<StepCommands> step(steps);
  for (std::size_t k = 0; k < steps; ++k) {
    const int chunk = int(k / std::size_t(tiles)), t = int(k % std::size_t(tiles));
    // Which copy of a double buffer this step uses.
    const auto in_slot = [&](std::size_t e) { return in_copies[e] > 1 ? std::uint64_t(k % 2) : 0; };
    const auto out_slot = [&](std::size_t o) { return out_copies[o] > 1 ? std::uint64_t(k % 2) : 0; };
    // The channels this step computes: bytes [first, first + run) of every output row.
    const auto channel_bytes = [&](LayerId l) {
      const std::uint64_t per_channel = info_[l].row_bytes / std::uint64_t(info_[l].channels);
      return split.channels ? std::pair{per_channel * std::uint64_t(chunk * split.per_chunk),
                                        per_channel * std::uint64_t(split.channels_of(chunk))}
                            : std::pair{std::uint64_t(0), info_[l].row_bytes};
    };
    StepCommands& s = step[k];
    // Rows `r` of intermediate i in its tmp buffer: from the first row the tile
    // holds on, or, cached, at row r mod tmp_max of the ring (split where it wraps).
    const auto tmp_rows = [&](std::size_t i, RowRange r, std::vector<Region>& into) {
      const LayerId l = q.layers[i];
      const std::uint64_t rb = info_[l].row_bytes;
      if (!cached || !v.cacheable[i]) {
        into.push_back(rows_region({TensorKind::fm, l}, std::uint64_t(r.begin), std::uint64_t(r.size()), rb,
                                   tmp_at[i] + std::uint64_t(r.begin - need[t][i].begin) * rb));
        return;
      }
      const int ring = geo.tmp_max[i];
      for (int row = r.begin; row < r.end;) {
        const int slot = row % ring, run = std::min(r.end - row, ring - slot);
        into.push_back(rows_region({TensorKind::fm, l}, std::uint64_t(row), std::uint64_t(run), rb,
                                   tmp_at[i] + std::uint64_t(slot) * rb));
        row += run;
      }
    };
    // Where rows `r` of boundary input e are in the SPM during this step.
    const auto input_region = [&](std::size_t e, RowRange r) {
      const LayerId u = q.inputs[e].fm;
      const std::uint64_t rb = info_[u].row_bytes;
      const std::uint64_t in_tile = in_at[e] + in_slot(e) * in_copy[e];
      if (slice && q.inputs[e].where == Residence::dram) {  // the chunk's channels of each row, packed
        const auto [first, run] = channel_bytes(u);
        return strided_region({TensorKind::fm, u}, std::uint64_t(r.begin) * rb + first, run, std::uint64_t(r.size()), rb,
                              in_tile + std::uint64_t(r.begin - held[t][e].begin) * run, run);
      }
      const std::uint64_t spm = q.inputs[e].where == Residence::pinned ? at.inputs[e] + std::uint64_t(r.begin) * rb
                                                                      : in_tile + std::uint64_t(r.begin - held[t][e].begin) * rb;
      return rows_region({TensorKind::fm, u}, std::uint64_t(r.begin), std::uint64_t(r.size()), rb, spm);
    };
    // Where rows `r` of FM u are in the SPM during this step, appended to `into`.
    const auto held_rows = [&](LayerId u, RowRange r, std::vector<Region>& into) {
      if (v.local[u] >= 0) tmp_rows(std::size_t(v.local[u]), r, into);
      else into.push_back(input_region(std::size_t(v.ext[u]), r));
    };
    // Rows `r` of output o, this step's channels: in the pinned FM or in a copy of its out buffer.
    const auto output_rows = [&](std::size_t o, RowRange r, std::uint64_t slot) {
      const LayerId l = q.outputs[o].fm;
      const std::uint64_t rb = info_[l].row_bytes;
      const auto [first, run] = channel_bytes(l);
      const std::uint64_t offset = std::uint64_t(r.begin) * rb + first;
      return q.outputs[o].where == Residence::pinned
                 ? strided_region({TensorKind::fm, l}, offset, run, std::uint64_t(r.size()), rb, at.outputs[o] + offset, rb)
                 : strided_region({TensorKind::fm, l}, offset, run, std::uint64_t(r.size()), rb, out_at[o] + slot * out_copy[o], run);
    };

    if (tiles > 1 || chunk == 0 || slice)  // one tile: the input stays for every chunk (unless sliced)
      for (std::size_t e = 0; e < q.inputs.size(); ++e)
        if (q.inputs[e].where == Residence::dram && !held[t][e].empty())
          s.loads.push_back(transfer(CommandKind::load, input_region(e, held[t][e])));
    const auto weights_region = [&](std::size_t i, std::uint64_t spm) {
      const LayerId l = q.layers[i];
      if (split.channels) {
        const std::uint64_t first = channel_weights * std::uint64_t(chunk * split.per_chunk);
        const std::uint64_t bytes = channel_weights * std::uint64_t(split.channels_of(chunk));
        return Region{{TensorKind::weights, l}, first, bytes, 1, bytes, spm, bytes};
      }
      return Region{{TensorKind::weights, l}, 0, info_[l].weight_bytes, 1, info_[l].weight_bytes, spm, info_[l].weight_bytes};
    };
    const std::uint64_t chunk_weights_at = weights_at + (overlap ? std::uint64_t(chunk % 2) : 0) * chunk_copy;
    if (split.channels && t == 0) s.loads.push_back(transfer(CommandKind::load, weights_region(0, chunk_weights_at)));
    if (!split.channels && !streamed && k == 0)
      for (std::size_t i = 0; i < m; ++i)
        if (info_[q.layers[i]].weight_bytes)
          s.loads.push_back(transfer(CommandKind::load, weights_region(i, weights_at + packed[i])));

    // Rows `rows` of layer i's FM as its channel slice of the in-place concat it feeds.
    const auto concat_slice = [&](std::size_t i, RowRange rows) {
      const std::size_t ci = std::size_t(v.writes_into[i]);
      const LayerId l = q.layers[i], concat = q.layers[ci];
      const std::uint64_t rb = info_[concat].row_bytes, per_channel = rb / std::uint64_t(info_[concat].channels);
      std::uint64_t first = 0;  // bytes of the channels of the inputs before this one
      for (std::size_t input = 0; info_[concat].inputs[input] != l; ++input)
        first += std::uint64_t(info_[info_[concat].inputs[input]].channels) * per_channel;
      const int o = v.out[concat];
      const std::uint64_t row0 =
          o < 0                                           ? tmp_at[ci] + std::uint64_t(rows.begin - need[t][ci].begin) * rb
          : q.outputs[std::size_t(o)].where == Residence::pinned ? at.outputs[std::size_t(o)] + std::uint64_t(rows.begin) * rb
                                                          : out_at[std::size_t(o)] + out_slot(std::size_t(o)) * out_copy[std::size_t(o)] +
                                                              std::uint64_t(rows.begin - tile_share(t, tiles, info_[concat].height).begin) * rb;
      return strided_region({TensorKind::fm, concat}, std::uint64_t(rows.begin) * rb + first,
                            std::uint64_t(info_[l].channels) * per_channel, std::uint64_t(rows.size()), rb, row0 + first, rb);
    };
    for (std::size_t i = 0; i < m; ++i) {
      const LayerId l = q.layers[i];
      const bool accumulate = v.accumulates[i] != 0;
      // The rows it computes; a reduction fed tile by tile rewrites all its partial sums.
      const RowRange rows = accumulate ? RowRange{0, info_[l].height} : computed[t][i];
      const int o = v.out[l];
      const RowRange share = o >= 0 ? tile_share(t, tiles, info_[l].height) : RowRange{};
      // Partial sums alternate copies by chunk; other outputs by step.
      const std::uint64_t slot = o < 0                                  ? 0
                                 : out_copies[std::size_t(o)] == 1     ? 0
                                 : accumulate                          ? std::uint64_t(chunk % 2)
                                                                       : out_slot(std::size_t(o));
      if (o >= 0 && q.outputs[std::size_t(o)].where == Residence::dram && !share.empty())
        s.stores.push_back(transfer(CommandKind::store, output_rows(std::size_t(o), share, slot)));
      if (v.in_place[i]) continue;  // its inputs wrote it
      Command c;
      c.layer = l;
      c.accumulate = accumulate;
      if (accumulate) {
        const LayerId u = info_[l].inputs.front();
        const RowRange folded = tile_share(t, tiles, info_[u].height);  // its share of the input rows
        if (folded.empty()) continue;
        held_rows(u, folded, c.reads);
      } else {
        if (rows.empty()) continue;
        for (std::size_t in = 0; in < info_[l].inputs.size(); ++in) {
          const RowRange r = input_rows(l, in, rows);
          if (!r.empty()) held_rows(info_[l].inputs[in], r, c.reads);
        }
      }
      if (info_[l].weight_bytes) {
        const std::uint64_t spm = split.channels ? chunk_weights_at : streamed ? weights_at : weights_at + packed[i];
        if (streamed) s.computes.push_back(transfer(CommandKind::load, weights_region(i, spm)));
        c.reads.push_back(weights_region(i, spm));
      }
      if (v.writes_into[i] >= 0)
        c.writes.push_back(concat_slice(i, rows));
      else if (v.is_tmp[i])
        tmp_rows(i, rows, c.writes);
      if (o >= 0 && q.outputs[std::size_t(o)].where == Residence::pinned)
        c.writes.push_back(output_rows(std::size_t(o), rows, slot));
      else if (o >= 0 && (accumulate || !share.empty()))
        c.writes.push_back(output_rows(std::size_t(o), accumulate ? rows : share, slot));
      s.computes.push_back(std::move(c));
    }
  }

  // Stages: see the header comment.
  std::vector<Command> out;
  const auto emit = [&](std::vector<Command>& list, std::size_t stage, Queue queue) {
    for (Command& c : list) {
      c.stage = stage;
      c.queue = queue;
      out.push_back(std::move(c));
    }
  };
  if (overlap && steps > 1) {
    emit(step[0].loads, 0, Queue::compute);
    for (std::size_t k = 0; k < steps; ++k) {
      if (k + 1 < steps) emit(step[k + 1].loads, k + 1, Queue::dma);
      if (k > 0) emit(step[k - 1].stores, k + 1, Queue::dma);
      emit(step[k].computes, k + 1, Queue::compute);
    }
    emit(step[steps - 1].stores, steps + 1, Queue::compute);
  } else {
    for (std::size_t k = 0; k < steps; ++k) {
      emit(step[k].loads, k, Queue::compute);
      emit(step[k].computes, k, Queue::compute);
      emit(step[k].stores, k, Queue::compute);
    }
  }
  return out;
}

static_assert(CommandEmitter<ReferenceAccelerator>);

}  // namespace pinfuse
