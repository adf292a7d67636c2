#pragma once
// The pinfuse tool: a model document laid out as the bundled models are, one layer a line.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pinfuse::cli {

/// A JSON value on one line, with ", " between array items: [224, 224, 3].
inline std::string one_line(const nlohmann::json& value) {
  if (!value.is_array()) return value.dump();
  std::string text = "[";
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i) text += ", ";
    text += one_line(value[i]);
  }
  text += "]";
  return text;
}

/// A model document laid out as models/*.json: one layer a line, fields in the documented order.
inline std::string model_text(const nlohmann::json& doc) {
  std::string text = "{\n";
  for (const char* key : {"format", "version", "name", "dtype_bytes"}) {
    text += "  \"";
    text += key;
    text += "\": ";
    text += doc.at(key).dump();
    text += ",\n";
  }
  text += "  \"layers\": [\n";
  const nlohmann::json& layers = doc.at("layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    static const std::vector<std::string> order{"name",     "type",    "inputs", "shape",  "filters", "units",
                                                "mode",     "global",  "kernel", "stride", "dilation", "padding",
                                                "groups",   "bias",    "scale",  "begin",  "end",     "function",
                                                "activation"};
    std::string line;
    const auto field = [&](const std::string& key, const nlohmann::json& value) {
      if (!line.empty()) line += ", ";
      line += nlohmann::json(key).dump();
      line += ": ";
      line += one_line(value);
    };
    for (const std::string& key : order)
      if (layers[i].contains(key)) field(key, layers[i].at(key));
    for (const auto& [key, value] : layers[i].items())
      if (std::find(order.begin(), order.end(), key) == order.end()) field(key, value);
    text += "    {";
    text += line;
    text += i + 1 < layers.size() ? "},\n" : "}\n";
  }
  text += "  ]\n}\n";
  return text;
}

}  // namespace pinfuse::cli
