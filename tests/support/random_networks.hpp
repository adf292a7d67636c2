#pragma once
// Small random networks for property tests: chains, and DAGs with residual
// adds and concats, made of the layer kinds real models use.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pinfuse/accel/hardware.hpp"
#include "pinfuse/concepts/cost_model.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/statistics.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::testing {

inline Layer conv_layer(const std::string& name, int filters, int kernel, int stride, int groups = 1) {
  Layer l;
  l.name = name;
  l.kind = LayerKind::conv2d;
  l.filters = filters;
  l.groups = groups;
  l.rows = l.cols = Window1D{kernel, stride, 1, 0, 0, true};
  return l;
}

inline Layer simple_layer(const std::string& name, LayerKind kind) {
  Layer l;
  l.name = name;
  l.kind = kind;
  return l;
}

/// A random network with `layers` compute layers. With `dag`, layers may read
/// older feature maps (residual adds, concats, branches); otherwise a chain.
inline Network random_network(std::mt19937& rng, int layers, bool dag) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Network g;
  g[boost::graph_bundle].name = dag ? "random_dag" : "random_chain";
  Layer in = simple_layer("in", LayerKind::input);
  in.output = {pick(4, 14), pick(3, 10), pick(1, 6)};
  std::vector<LayerId> fms{add_layer(g, in)};
  for (int i = 0; i < layers; ++i) {
    std::string name = "l";
    name += std::to_string(i);  // (not "l" + ...: GCC 12 -Wrestrict false positive at -O3)
    const LayerId last = fms.back();
    const LayerId older = dag ? fms[pick(0, int(fms.size()) - 1)] : last;
    const Shape s = g[last].output;
    const Shape o = g[older].output;
    LayerId v;
    switch (pick(0, 6)) {
      case 0: v = add_layer(g, conv_layer(name, pick(1, 8), 3, s.h > 3 && pick(0, 2) == 0 ? 2 : 1), {last}); break;
      case 1: v = add_layer(g, conv_layer(name, s.c, 3, 1, s.c), {last}); break;  // depthwise
      case 2: v = add_layer(g, conv_layer(name, pick(1, 8), 1, 1), {older}); break;
      case 3: {
        Layer pool = simple_layer(name, LayerKind::pool);
        pool.rows = pool.cols = Window1D{2, 2, 1, 0, 0, false};
        v = s.h >= 2 && s.w >= 2 ? add_layer(g, pool, {last}) : add_layer(g, conv_layer(name, 4, 1, 1), {last});
        break;
      }
      case 4:
        v = older != last && o == s ? add_layer(g, simple_layer(name, LayerKind::add), {last, older})
                                    : add_layer(g, simple_layer(name, LayerKind::activation), {last});
        break;
      case 5:
        v = older != last && o.h == s.h && o.w == s.w ? add_layer(g, simple_layer(name, LayerKind::concat), {last, older})
                                                      : add_layer(g, conv_layer(name, pick(1, 6), 3, 1), {older});
        break;
      default: {
        Layer up = simple_layer(name, LayerKind::resize);
        up.scale_h = up.scale_w = 2;
        up.resize_mode = pick(0, 1) ? ResizeMode::nearest : ResizeMode::bilinear;
        v = s.h <= 8 ? add_layer(g, up, {last}) : add_layer(g, conv_layer(name, pick(1, 6), 3, 2), {last});
      }
    }
    infer_shapes(g);
    fms.push_back(v);
  }
  add_layer(g, simple_layer("out", LayerKind::output), {fms.back()});
  infer_shapes(g);
  return g;
}

/// A random DAG that also has what random_network() lacks: global pools and fc
/// layers (reductions that accumulate over tiles), squeeze-and-excitation
/// broadcast muls, concats of two fresh branches (in-place candidates), and
/// transposed convs whose stride may exceed their kernel (rows fed by no input).
inline Network random_rich_network(std::mt19937& rng, int layers) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Network g;
  g[boost::graph_bundle].name = "random_rich";
  Layer in = simple_layer("in", LayerKind::input);
  in.output = {pick(4, 16), pick(3, 10), pick(1, 6)};
  std::vector<LayerId> fms{add_layer(g, in)};
  for (int i = 0; i < layers; ++i) {
    std::string name = "l";
    name += std::to_string(i);
    const auto named = [&](const char* suffix) {
      std::string n = name;
      n += suffix;
      return n;
    };
    const LayerId last = fms.back();
    const LayerId older = fms[pick(0, int(fms.size()) - 1)];
    const Shape s = g[last].output;
    const Shape o = g[older].output;
    LayerId v;
    switch (pick(0, 7)) {
      case 0: v = add_layer(g, conv_layer(name, pick(1, 8), 3, s.h > 3 && pick(0, 2) == 0 ? 2 : 1), {last}); break;
      case 1: {
        Layer pool = simple_layer(name, LayerKind::pool);
        pool.global_pool = true;
        pool.pool_mode = PoolMode::avg;
        v = add_layer(g, pool, {last});
        break;
      }
      case 2: {
        Layer fc = simple_layer(name, LayerKind::fc);
        fc.filters = pick(1, 8);
        v = add_layer(g, fc, {older});
        break;
      }
      case 3: {  // squeeze and excitation: global pool -> 1x1 conv -> broadcast mul
        Layer pool = simple_layer(named("_pool"), LayerKind::pool);
        pool.global_pool = true;
        pool.pool_mode = PoolMode::avg;
        const LayerId squeezed = add_layer(g, pool, {last});
        const LayerId excite = add_layer(g, conv_layer(named("_excite"), s.c, 1, 1), {squeezed});
        v = add_layer(g, simple_layer(name, LayerKind::mul), {last, excite});
        break;
      }
      case 4:
        if (older != last && o.h == s.h && o.w == s.w) {
          const LayerId a = add_layer(g, conv_layer(named("_a"), pick(1, 4), 1, 1), {last});
          const LayerId b = add_layer(g, conv_layer(named("_b"), pick(1, 4), 3, 1), {older});
          v = add_layer(g, simple_layer(name, LayerKind::concat), {a, b});
        } else {
          v = add_layer(g, conv_layer(name, pick(1, 6), 3, 1), {older});
        }
        break;
      case 5: {
        Layer up = simple_layer(name, LayerKind::conv2d_transpose);
        up.filters = pick(1, 6);
        const int kernel = pick(1, 3), stride = pick(1, 3);
        up.rows = up.cols = Window1D{kernel, stride, 1, 0, 0, false};
        v = s.h <= 6 ? add_layer(g, up, {last}) : add_layer(g, conv_layer(name, pick(1, 6), 3, 2), {last});
        break;
      }
      case 6: v = add_layer(g, conv_layer(name, s.c, 3, 1, s.c), {last}); break;  // depthwise
      default:
        v = older != last && o == s ? add_layer(g, simple_layer(name, LayerKind::add), {last, older})
                                    : add_layer(g, conv_layer(name, pick(1, 8), 1, 1), {older});
    }
    infer_shapes(g);
    fms.push_back(v);
  }
  add_layer(g, simple_layer("out", LayerKind::output), {fms.back()});
  infer_shapes(g);
  return g;
}

/// A random DAG of the kinds real CNNs need beyond random_rich_network(): pads
/// (spatial and channel), depth_to_space / space_to_depth, resizes by sizes and
/// by non-integer and down-scaling factors in every mode, coordinate mapping and
/// rounding, and every activation function; with convs and residual adds between.
inline Network random_cnn_kinds_network(std::mt19937& rng, int layers) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  using enum Activation;
  static constexpr Activation functions[] = {relu, relu6, hswish, hsigmoid, sigmoid, swish, leaky_relu,
                                             prelu, elu, tanh, softplus, gelu, mish, relu_n1_to_1};
  Network g;
  g[boost::graph_bundle].name = "random_cnn_kinds";
  Layer in = simple_layer("in", LayerKind::input);
  in.output = {pick(4, 12), pick(3, 9), pick(1, 4)};
  std::vector<LayerId> fms{add_layer(g, in)};
  for (int i = 0; i < layers; ++i) {
    std::string name = "l";
    name += std::to_string(i);
    const LayerId last = fms.back();
    const LayerId older = fms[pick(0, int(fms.size()) - 1)];
    const Shape s = g[last].output;
    LayerId v;
    switch (pick(0, 6)) {
      case 0: {
        Layer pad = simple_layer(name, LayerKind::pad);
        pad.rows.pad_before = pick(0, 2);
        pad.rows.pad_after = pick(0, 2);
        pad.cols.pad_before = pick(0, 2);
        pad.cols.pad_after = pick(0, 2);
        pad.pad_channels_after = pick(0, 2);
        v = s.h <= 14 ? add_layer(g, pad, {last}) : add_layer(g, conv_layer(name, pick(1, 6), 3, 2), {last});
        break;
      }
      case 1: {
        Layer d2s = simple_layer(name, LayerKind::depth_to_space);
        d2s.block = 2;
        d2s.depth_order = pick(0, 1) ? DepthOrder::dcr : DepthOrder::crd;
        v = s.c % 4 == 0 && s.h <= 8 ? add_layer(g, d2s, {last}) : add_layer(g, conv_layer(name, 4 * pick(1, 2), 1, 1), {last});
        break;
      }
      case 2: {
        Layer s2d = simple_layer(name, LayerKind::space_to_depth);
        s2d.block = 2;
        v = s.h % 2 == 0 && s.w % 2 == 0 && s.h >= 2 ? add_layer(g, s2d, {last})
                                                       : add_layer(g, conv_layer(name, pick(1, 6), 3, 1), {last});
        break;
      }
      case 3: {
        Layer up = simple_layer(name, LayerKind::resize);
        up.resize_mode = pick(0, 1) ? ResizeMode::nearest : ResizeMode::bilinear;
        up.coordinates = static_cast<ResizeCoordinates>(pick(0, 4));
        up.rounding = up.resize_mode == ResizeMode::nearest ? static_cast<NearestRounding>(pick(0, 3)) : NearestRounding::floor;
        static constexpr double scales[] = {0.5, 0.75, 1.5, 2, 2.5, 3};
        if (pick(0, 1)) {
          up.size_h = pick(1, 2 * s.h);
          up.size_w = pick(1, 2 * s.w);
        } else {
          up.scale_h = scales[pick(0, 5)];
          up.scale_w = scales[pick(0, 5)];
          if (std::floor(s.h * up.scale_h) < 1 || std::floor(s.w * up.scale_w) < 1) up.scale_h = up.scale_w = 2;
        }
        v = s.h <= 10 ? add_layer(g, up, {last}) : add_layer(g, conv_layer(name, pick(1, 6), 3, 2), {last});
        break;
      }
      case 4: {
        Layer act = simple_layer(name, LayerKind::activation);
        act.activation = functions[pick(0, 13)];
        v = add_layer(g, act, {last});
        break;
      }
      case 5: v = add_layer(g, conv_layer(name, pick(1, 6), 3, s.h > 3 && pick(0, 2) == 0 ? 2 : 1), {last}); break;
      default:
        v = older != last && g[older].output == s ? add_layer(g, simple_layer(name, LayerKind::add), {last, older})
                                                  : add_layer(g, conv_layer(name, s.c, 3, 1, s.c), {last});
    }
    infer_shapes(g);
    fms.push_back(v);
  }
  add_layer(g, simple_layer("out", LayerKind::output), {fms.back()});
  infer_shapes(g);
  return g;
}

/// A random DenseNet-like block: a stem conv, then `layers` convs, each reading
/// the concat of the stem and of every conv before it (the first the stem
/// alone), and a 1x1 conv over the concat of them all. Most convs have the
/// same filters (and 1x1 or 3x3 kernels, padded), so their outputs are alike
/// (the same shape, read by the same concats still to run); with `side_reader`, the last conv's output
/// is also read by a side conv that the last concat takes too (so it has a
/// reader of its own until the side conv has run).
inline Network random_dense_block(std::mt19937& rng, int layers, bool side_reader) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Network g;
  g[boost::graph_bundle].name = "random_dense_block";
  Layer in = simple_layer("in", LayerKind::input);
  in.output = {pick(3, 12), pick(3, 10), pick(1, 4)};
  const LayerId input = add_layer(g, in);
  std::vector<LayerId> fms{add_layer(g, conv_layer("stem", pick(1, 6), 3, 1), {input})};
  const int growth = pick(1, 4);
  for (int i = 1; i <= layers; ++i) {
    const std::string name = "conv" + std::to_string(i);
    const LayerId read = fms.size() == 1 ? fms.front()
                                         : add_layer(g, simple_layer("concat" + std::to_string(i), LayerKind::concat), fms);
    const LayerId conv = add_layer(g, conv_layer(name, pick(0, 3) > 0 ? growth : growth + 1, pick(0, 1) * 2 + 1, 1), {read});
    fms.push_back(conv);
    infer_shapes(g);
  }
  if (side_reader) fms.push_back(add_layer(g, conv_layer("side", pick(1, 8), 3, 1), {fms.back()}));
  const LayerId all = add_layer(g, simple_layer("concat", LayerKind::concat), fms);
  add_layer(g, simple_layer("out", LayerKind::output), {add_layer(g, conv_layer("head", pick(1, 4), 1, 1), {all})});
  infer_shapes(g);
  return g;
}

/// Random reference-accelerator parameters for `g`: the SPM lies between
/// "barely runs layer by layer" and "holds most of the model", so that capacity
/// binds (tiles shrink, pins compete, some groups do not fit).
inline Hardware random_hardware(std::mt19937& rng, const Network& g) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Hardware hw;
  std::uint64_t largest = 0, total = 0;
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    largest = std::max(largest, fm_bytes(g, v));
    total += fm_bytes(g, v) + weight_bytes(g, v);
  }
  hw.spm_bytes = std::uint64_t(pick(int(largest / 3) + 64, int(total) + 64));
  hw.spm_alignment = std::uint64_t(1) << pick(0, 5);
  hw.macs_per_cycle = pick(1, 64);
  hw.vector_elements_per_cycle = pick(1, 16);
  hw.dram_bytes_per_cycle = pick(1, 8);
  hw.dma_setup_cycles = std::uint64_t(pick(0, 40));
  hw.double_buffering = pick(0, 1) == 1;
  hw.fused_weights = static_cast<WeightPolicy>(pick(0, 2));
  return hw;
}

/// Latency or off-chip bytes, by seed, as the property tests have always drawn them.
inline Objective latency_or_offchip(std::uint32_t seed) {
  return seed % 3 == 0 ? Objective::offchip_bytes : Objective::latency;
}

/// Random energy constants [pJ/B, pJ/op] (each 0 one time in five), so that no
/// term always dominates: DRAM 0..400, SPM 0..40, MAC 0..2, vector 0..1.
inline void random_energy(std::mt19937& rng, Hardware& hw) {
  const auto draw = [&](double most) {
    return std::uniform_int_distribution<int>(0, 4)(rng) == 0 ? 0.0 : std::uniform_real_distribution<double>(0, most)(rng);
  };
  hw.dram_pj_per_byte = draw(400);
  hw.spm_read_pj_per_byte = draw(40);
  hw.spm_write_pj_per_byte = draw(40);
  hw.mac_pj = draw(2);
  hw.vector_op_pj = draw(1);
}

}  // namespace pinfuse::testing
