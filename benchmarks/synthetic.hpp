#pragma once
// Synthetic MobileNetV2-like networks of any depth, for solver scaling:
// repeated inverted-residual blocks (1x1 expand, 3x3 depthwise, 1x1 project,
// residual add) at a constant 28x28 resolution.
#include <string>

#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::bench {

inline Network synthetic_network(int compute_layers) {
  Network g;
  g[boost::graph_bundle].name = "synthetic_" + std::to_string(compute_layers);
  const auto conv = [&](const std::string& name, int filters, int kernel, int groups, LayerId from) {
    Layer l;
    l.name = name;
    l.kind = LayerKind::conv2d;
    l.filters = filters;
    l.groups = groups;
    l.rows = l.cols = Window1D{kernel, 1, 1, kernel / 2, kernel / 2, false};
    return add_layer(g, l, {from});
  };
  Layer in;
  in.name = "in";
  in.output = {28, 28, 32};
  LayerId last = add_layer(g, in);
  int made = 0;
  for (int block = 0; made < compute_layers; ++block) {
    const std::string b = "b" + std::to_string(block);
    const LayerId block_in = last;
    last = conv(b + "_expand", 96, 1, 1, last);
    if (++made == compute_layers) break;
    last = conv(b + "_dw", 96, 3, 96, last);
    if (++made == compute_layers) break;
    last = conv(b + "_project", 32, 1, 1, last);
    if (++made == compute_layers) break;
    Layer add;
    add.name = b + "_add";
    add.kind = LayerKind::add;
    last = add_layer(g, add, {last, block_in});
    ++made;
  }
  Layer out;
  out.name = "out";
  out.kind = LayerKind::output;
  add_layer(g, out, {last});
  infer_shapes(g);
  return g;
}

}  // namespace pinfuse::bench
