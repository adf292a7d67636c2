#pragma once
// Reading and writing a Network in the model JSON format (docs/model-format.md).
#include <array>
#include <map>
#include <string_view>
#include <tuple>
#include <string>
#include <vector>

#include "pinfuse/io/json_reader.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse {

namespace detail {

constexpr int max_extent = 1 << 20;  // guards the int arithmetic of shapes

/// An integer or an [height, width] pair, each in [lo, max_extent].
inline std::pair<int, int> read_pair(const io::Node& n, int lo) {
  if (n.value().is_array()) {
    if (n.size() != 2) n.fail("expected an integer or a pair [height, width]");
    return {int(n.at(0).integer(lo, max_extent)), int(n.at(1).integer(lo, max_extent))};
  }
  const int v = int(n.integer(lo, max_extent));
  return {v, v};
}

/// Reads kernel/stride/dilation/padding of a window layer into rows/cols.
inline void read_window(const io::Node& n, Layer& l, bool default_stride_is_kernel) {
  const auto [kh, kw] = read_pair(n.at("kernel"), 1);
  l.rows.kernel = kh;
  l.cols.kernel = kw;
  const auto [sh, sw] = n.has("stride") ? read_pair(n.at("stride"), 1)
                                        : (default_stride_is_kernel ? std::pair{kh, kw} : std::pair{1, 1});
  l.rows.stride = sh;
  l.cols.stride = sw;
  if (n.has("dilation")) std::tie(l.rows.dilation, l.cols.dilation) = read_pair(n.at("dilation"), 1);
  if (!n.has("padding")) return;
  const io::Node p = n.at("padding");
  if (p.value().is_string()) {
    const bool same = p.choice({"valid", "same"}) == 1;
    l.rows.same = l.cols.same = same;
  } else if (p.value().is_array()) {
    if (p.size() != 4) p.fail("expected \"valid\", \"same\", an integer or [top, bottom, left, right]");
    l.rows.pad_before = int(p.at(0).integer(0, max_extent));
    l.rows.pad_after = int(p.at(1).integer(0, max_extent));
    l.cols.pad_before = int(p.at(2).integer(0, max_extent));
    l.cols.pad_after = int(p.at(3).integer(0, max_extent));
  } else {
    const int v = int(p.integer(0, max_extent));
    l.rows.pad_before = l.rows.pad_after = l.cols.pad_before = l.cols.pad_after = v;
  }
}

/// A resize scale: a number or a [height, width] pair, each in (0, max_extent].
inline std::pair<double, double> read_scale(const io::Node& n) {
  const auto one = [](const io::Node& x) {
    const double v = x.number(0, max_extent);
    if (!(v > 0)) x.fail("a scale must be > 0");
    return v;
  };
  if (n.value().is_array()) {
    if (n.size() != 2) n.fail("expected a number or a pair [height, width]");
    return {one(n.at(0)), one(n.at(1))};
  }
  const double v = one(n);
  return {v, v};
}

/// ResizeCoordinates after mode_default, and NearestRounding, as the model format names them.
inline constexpr std::array<std::string_view, 4> coordinate_names{"asymmetric", "half_pixel", "pytorch_half_pixel",
                                                                  "align_corners"};
inline constexpr std::array<std::string_view, 4> rounding_names{"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};

inline Activation read_activation(const io::Node& n) { return static_cast<Activation>(n.choice(activation_names)); }

}  // namespace detail

/// Builds and shape-checks a Network from a parsed model document.
/// Throws input_error whose where() is the JSON pointer of the problem.
inline Network read_model(const nlohmann::json& doc) {
  const io::Node root = io::Node(doc, "").object();
  root.only({"format", "version", "name", "dtype_bytes", "layers"});
  if (root.at("format").string() != "pinfuse-model") root.at("format").fail("expected \"pinfuse-model\"");
  root.at("version").integer(1, 1);
  Network g;
  g[boost::graph_bundle].name = root.at("name").string();
  g[boost::graph_bundle].dtype_bytes = root.has("dtype_bytes") ? int(root.at("dtype_bytes").integer(1, 16)) : 1;
  const io::Node layers = root.at("layers").array();
  if (layers.size() == 0) layers.fail("a model needs at least one layer");

  // Pass 1: layers and their attributes; pass 2: edges by name.
  std::map<std::string, LayerId> by_name;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const io::Node n = layers.at(i).object();
    Layer l;
    l.name = n.at("name").string();
    if (l.name.empty()) n.at("name").fail("a layer name cannot be empty");
    if (by_name.count(l.name)) n.at("name").fail("duplicate layer name '" + l.name + "'");
    const std::size_t kind = n.at("type").choice({"input", "conv2d", "pool", "add", "mul", "concat", "fc", "resize",
                                                  "activation", "output", "slice", "shuffle", "conv2d_transpose", "pad",
                                                  "depth_to_space", "space_to_depth", "layer_norm"});
    l.kind = static_cast<LayerKind>(kind);
    switch (l.kind) {
      case LayerKind::input: {
        n.only({"name", "type", "shape"});
        const io::Node s = n.at("shape").array();
        if (s.size() != 3) s.fail("expected [H, W, C]");
        l.output = {int(s.at(0).integer(1, detail::max_extent)), int(s.at(1).integer(1, detail::max_extent)),
                    int(s.at(2).integer(1, detail::max_extent))};
        break;
      }
      case LayerKind::conv2d:
      case LayerKind::conv2d_transpose:
        if (l.kind == LayerKind::conv2d)
          n.only({"name", "type", "inputs", "filters", "kernel", "stride", "dilation", "padding", "groups", "bias", "activation"});
        else
          n.only({"name", "type", "inputs", "filters", "kernel", "stride", "padding", "groups", "bias", "activation"});
        l.filters = int(n.at("filters").integer(1, detail::max_extent));
        detail::read_window(n, l, false);
        if (n.has("groups")) l.groups = int(n.at("groups").integer(1, detail::max_extent));
        if (n.has("bias")) l.bias = n.at("bias").boolean();
        if (n.has("activation")) l.activation = detail::read_activation(n.at("activation"));
        break;
      case LayerKind::pool:
        n.only({"name", "type", "inputs", "mode", "kernel", "stride", "padding", "global"});
        l.pool_mode = n.at("mode").choice({"max", "avg"}) == 0 ? PoolMode::max : PoolMode::avg;
        l.global_pool = n.has("global") && n.at("global").boolean();
        if (!l.global_pool) detail::read_window(n, l, true);
        else if (n.has("kernel") || n.has("stride") || n.has("padding"))
          n.fail("a global pool takes no kernel, stride or padding");
        break;
      case LayerKind::add:
      case LayerKind::mul:
        n.only({"name", "type", "inputs", "activation"});
        if (n.has("activation")) l.activation = detail::read_activation(n.at("activation"));
        break;
      case LayerKind::fc:
        n.only({"name", "type", "inputs", "units", "bias", "activation"});
        l.filters = int(n.at("units").integer(1, detail::max_extent));
        if (n.has("bias")) l.bias = n.at("bias").boolean();
        if (n.has("activation")) l.activation = detail::read_activation(n.at("activation"));
        break;
      case LayerKind::resize: {
        n.only({"name", "type", "inputs", "scale", "size", "mode", "coordinates", "rounding"});
        if (n.has("scale") == n.has("size")) n.fail("a resize takes either \"scale\" or \"size\"");
        if (n.has("scale")) std::tie(l.scale_h, l.scale_w) = detail::read_scale(n.at("scale"));
        else std::tie(l.size_h, l.size_w) = detail::read_pair(n.at("size"), 1);
        if (n.has("mode")) l.resize_mode = n.at("mode").choice({"nearest", "bilinear"}) == 0 ? ResizeMode::nearest : ResizeMode::bilinear;
        if (n.has("coordinates"))
          l.coordinates = static_cast<ResizeCoordinates>(1 + n.at("coordinates").choice(detail::coordinate_names));
        if (n.has("rounding")) {
          if (l.resize_mode != ResizeMode::nearest) n.at("rounding").fail("only a nearest resize rounds");
          l.rounding = static_cast<NearestRounding>(n.at("rounding").choice(detail::rounding_names));
        }
        break;
      }
      case LayerKind::pad:
        n.only({"name", "type", "inputs", "padding", "channels", "value"});
        if (n.has("padding")) {
          const io::Node p = n.at("padding");
          if (p.value().is_array()) {
            if (p.size() != 4) p.fail("expected an integer or [top, bottom, left, right]");
            l.rows.pad_before = int(p.at(0).integer(0, detail::max_extent));
            l.rows.pad_after = int(p.at(1).integer(0, detail::max_extent));
            l.cols.pad_before = int(p.at(2).integer(0, detail::max_extent));
            l.cols.pad_after = int(p.at(3).integer(0, detail::max_extent));
          } else {
            const int v = int(p.integer(0, detail::max_extent));
            l.rows.pad_before = l.rows.pad_after = l.cols.pad_before = l.cols.pad_after = v;
          }
        }
        if (n.has("channels")) {
          const io::Node c = n.at("channels").array();
          if (c.size() != 2) c.fail("expected [before, after]");
          l.pad_channels_before = int(c.at(0).integer(0, detail::max_extent));
          l.pad_channels_after = int(c.at(1).integer(0, detail::max_extent));
        }
        if (n.has("value")) l.pad_value = n.at("value").number(-1e38, 1e38);
        break;
      case LayerKind::depth_to_space:
      case LayerKind::space_to_depth:
        n.only({"name", "type", "inputs", "block", "order"});
        l.block = int(n.at("block").integer(1, 1 << 10));
        if (n.has("order")) l.depth_order = n.at("order").choice({"dcr", "crd"}) == 0 ? DepthOrder::dcr : DepthOrder::crd;
        break;
      case LayerKind::activation:
        n.only({"name", "type", "inputs", "function"});
        l.activation = detail::read_activation(n.at("function"));
        break;
      case LayerKind::slice:
        n.only({"name", "type", "inputs", "begin", "end"});
        l.slice_begin = int(n.at("begin").integer(0, detail::max_extent));
        l.slice_end = int(n.at("end").integer(1, detail::max_extent));
        break;
      case LayerKind::shuffle:
        n.only({"name", "type", "inputs", "groups"});
        l.groups = int(n.at("groups").integer(1, detail::max_extent));
        break;
      case LayerKind::concat:
        n.only({"name", "type", "inputs", "constant_channels"});
        if (n.has("constant_channels"))
          l.constant_channels = int(n.at("constant_channels").integer(0, detail::max_extent));
        break;
      case LayerKind::layer_norm:
        n.only({"name", "type", "inputs", "scale", "bias"});
        if (n.has("scale")) l.norm_scale = n.at("scale").boolean();
        if (n.has("bias")) l.bias = n.at("bias").boolean();
        break;
      case LayerKind::output: n.only({"name", "type", "inputs"}); break;
    }
    by_name[l.name] = boost::add_vertex(std::move(l), g);
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const io::Node n = layers.at(i);
    if (g[i].kind == LayerKind::input) continue;
    const io::Node in = n.at("inputs").array();
    for (std::size_t slot = 0; slot < in.size(); ++slot) {
      const std::string name = in.at(slot).string();
      const auto it = by_name.find(name);
      if (it == by_name.end()) in.at(slot).fail("no layer is named '" + name + "'");
      if (it->second == i) in.at(slot).fail("a layer cannot read its own output");
      if (g[it->second].kind == LayerKind::output)
        in.at(slot).fail("'" + name + "' is an output marker, which produces no feature map to read");
      boost::add_edge(it->second, i, InputSlot{int(slot)}, g);
    }
  }
  infer_shapes(g, [](LayerId v) { return "/layers/" + std::to_string(v); });
  return g;
}

namespace detail {

/// An integer when both axes agree, else [height, width].
inline nlohmann::json int_or_pair(int h, int w) { return h == w ? nlohmann::json(h) : nlohmann::json::array({h, w}); }

/// kernel, stride, dilation and padding of a window layer, leaving out defaults.
inline void write_window(nlohmann::json& j, const Layer& l) {
  j["kernel"] = int_or_pair(l.rows.kernel, l.cols.kernel);
  const bool pool = l.kind == LayerKind::pool;  // a pool's stride defaults to its kernel
  if (pool ? (l.rows.stride != l.rows.kernel || l.cols.stride != l.cols.kernel) : (l.rows.stride != 1 || l.cols.stride != 1))
    j["stride"] = int_or_pair(l.rows.stride, l.cols.stride);
  if (l.kind == LayerKind::conv2d && (l.rows.dilation != 1 || l.cols.dilation != 1))
    j["dilation"] = int_or_pair(l.rows.dilation, l.cols.dilation);
  const std::array<int, 4> pads{l.rows.pad_before, l.rows.pad_after, l.cols.pad_before, l.cols.pad_after};
  if (l.rows.same && l.cols.same) j["padding"] = "same";
  else if (pads == std::array<int, 4>{}) return;  // "valid"
  else if (pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3]) j["padding"] = pads[0];
  else j["padding"] = pads;  // [top, bottom, left, right]
}

inline void write_activation(nlohmann::json& j, const std::string& key, Activation activation) {
  if (activation != Activation::none) j[key] = to_string(activation);
}

}  // namespace detail

/// Writes a Network as a model document (docs/model-format.md), the inverse of
/// read_model: read_model(model_to_json(g)) gives g back, layer for layer in
/// vertex order. Fields at their default are left out. `g` should be shape-inferred
/// (as read_model and import_onnx return it), so that a window with "same" padding
/// along only one axis is written with that axis's resolved padding.
inline nlohmann::json model_to_json(const Network& g) {
  nlohmann::json layers = nlohmann::json::array();
  for (LayerId v = 0; v < boost::num_vertices(g); ++v) {
    const Layer& l = g[v];
    nlohmann::json j{{"name", l.name}, {"type", std::string(to_string(l.kind))}};
    if (l.kind != LayerKind::input) {
      j["inputs"] = nlohmann::json::array();
      for (const LayerId u : inputs_of(g, v)) j["inputs"].push_back(g[u].name);
    }
    switch (l.kind) {
      case LayerKind::input: j["shape"] = {l.output.h, l.output.w, l.output.c}; break;
      case LayerKind::conv2d:
      case LayerKind::conv2d_transpose:
        j["filters"] = l.filters;
        detail::write_window(j, l);
        if (l.groups != 1) j["groups"] = l.groups;
        if (!l.bias) j["bias"] = false;
        detail::write_activation(j, "activation", l.activation);
        break;
      case LayerKind::pool:
        j["mode"] = l.pool_mode == PoolMode::max ? "max" : "avg";
        if (l.global_pool) j["global"] = true;
        else detail::write_window(j, l);
        break;
      case LayerKind::add:
      case LayerKind::mul: detail::write_activation(j, "activation", l.activation); break;
      case LayerKind::fc:
        j["units"] = l.filters;
        if (!l.bias) j["bias"] = false;
        detail::write_activation(j, "activation", l.activation);
        break;
      case LayerKind::resize:
        if (l.size_h > 0 || l.size_w > 0) j["size"] = nlohmann::json::array({l.output.h, l.output.w});
        else j["scale"] = l.scale_h == l.scale_w ? nlohmann::json(l.scale_h) : nlohmann::json::array({l.scale_h, l.scale_w});
        if (l.resize_mode == ResizeMode::bilinear) j["mode"] = "bilinear";
        if (l.coordinates != ResizeCoordinates::mode_default)
          j["coordinates"] = detail::coordinate_names[std::size_t(l.coordinates) - 1];
        if (l.resize_mode == ResizeMode::nearest && l.rounding != NearestRounding::floor)
          j["rounding"] = detail::rounding_names[std::size_t(l.rounding)];
        break;
      case LayerKind::pad: {
        const std::array<int, 4> pads{l.rows.pad_before, l.rows.pad_after, l.cols.pad_before, l.cols.pad_after};
        if (pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3]) {
          if (pads[0]) j["padding"] = pads[0];
        } else {
          j["padding"] = pads;  // [top, bottom, left, right]
        }
        if (l.pad_channels_before || l.pad_channels_after) j["channels"] = {l.pad_channels_before, l.pad_channels_after};
        if (l.pad_value != 0) j["value"] = l.pad_value;
        break;
      }
      case LayerKind::depth_to_space:
      case LayerKind::space_to_depth:
        j["block"] = l.block;
        if (l.depth_order == DepthOrder::crd) j["order"] = "crd";
        break;
      case LayerKind::activation: j["function"] = to_string(l.activation); break;
      case LayerKind::slice:
        j["begin"] = l.slice_begin;
        j["end"] = l.slice_end;
        break;
      case LayerKind::shuffle: j["groups"] = l.groups; break;
      case LayerKind::concat:
        if (l.constant_channels) j["constant_channels"] = l.constant_channels;
        break;
      case LayerKind::layer_norm:
        if (!l.norm_scale) j["scale"] = false;
        if (!l.bias) j["bias"] = false;
        break;
      case LayerKind::output: break;
    }
    layers.push_back(std::move(j));
  }
  const ModelInfo& info = model_info(g);
  return {{"format", "pinfuse-model"}, {"version", 1}, {"name", info.name}, {"dtype_bytes", info.dtype_bytes},
          {"layers", std::move(layers)}};
}

/// Reads a model file; errors name the file, then the JSON pointer.
inline Network load_model(const std::string& path) {
  return io::read_file(path, [](const nlohmann::json& doc) { return read_model(doc); });
}

}  // namespace pinfuse
