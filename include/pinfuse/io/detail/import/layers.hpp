#pragma once
// Model import: the network an importer builds. Layers get unique names, each remembers
// the place (node, operator, graph input) its errors name, and the chosen output values
// become output layers.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/io/detail/import/problems.hpp"
#include "pinfuse/model/network.hpp"
#include "pinfuse/model/shape_inference.hpp"

namespace pinfuse::import_detail {

struct Layers {
  Network g;
  std::set<std::string> names;
  std::vector<std::string> labels;  ///< per layer: the place its errors name

  /// `base`, or `base_2`, `base_3`, ... when taken.
  std::string unique_name(std::string base) {
    if (base.empty()) base = "layer";
    std::string name = base;
    for (int k = 2; names.count(name); ++k) {
      name = base;
      name += "_";
      name += std::to_string(k);
    }
    names.insert(name);
    return name;
  }

  LayerId add(Layer layer, const std::vector<LayerId>& inputs, std::string label) {
    layer.name = unique_name(layer.name);
    const LayerId v = add_layer(g, std::move(layer), std::span<const LayerId>(inputs));
    labels.push_back(std::move(label));
    return v;
  }

  /// pinfuse::infer_shapes; its errors name the layer's place in the file.
  void infer() {
    infer_shapes(g, [this](LayerId v) { return labels[v]; });
  }
};

/// One output layer per output value (`keys`, named by `name_of`): the values must be feature
/// maps (Value::Kind::feature_map, with the layer that holds them); a failed value was reported
/// where it failed.
template <class Key, class Value, class NameOf>
void add_output_layers(Layers& layers, Problems& problems, const std::map<Key, Value>& values,
                       const std::vector<Key>& keys, NameOf name_of) {
  for (const Key& key : keys) {
    const std::string name = name_of(key);
    const std::string where = "graph output '" + name + "'";
    const auto it = values.find(key);
    if (it == values.end()) {
      problems.add(where, "no node produces it");
      continue;
    }
    const Value& v = it->second;
    if (v.kind == Value::Kind::failed) continue;
    if (v.kind != Value::Kind::feature_map) {
      problems.add(where, "is a constant; pinfuse models outputs of layers only");
      continue;
    }
    Layer l;
    l.name = layers.names.count(name) ? name + "_output" : name;
    l.kind = LayerKind::output;
    layers.add(std::move(l), {v.layer}, where);
  }
}

}  // namespace pinfuse::import_detail
