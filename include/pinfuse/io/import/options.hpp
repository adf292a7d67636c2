#pragma once
// Options of the model importers (io/onnx_import.hpp, io/tflite_import.hpp), and the
// `--input NAME=1x3x640x640` syntax of `pinfuse import`.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/import/summary.hpp"

namespace pinfuse {

struct ImportOptions {
  int dtype_bytes = 0;  ///< bytes per element; 0 takes the element type of the model's feature maps
  std::string name;     ///< model name; empty takes the graph's name (the file's stem for a file)
  /// Shapes of graph inputs, as the file's dims (ONNX {"image", {1, 3, 640, 640}}, TFLite NHWC
  /// {"image", {1, 640, 640, 3}}): they fix dynamic dimensions; known dimensions must agree.
  /// `pinfuse import --input`.
  std::map<std::string, std::vector<std::int64_t>> input_dims;
  /// Values to end the network at (`pinfuse import --outputs`); empty: the graph's outputs,
  /// without the post-processing after the network (ArgMax, TopK, NonMaxSuppression, masks).
  std::vector<std::string> outputs;
  /// If set, receives notes on what the import left out (the post-processing it dropped).
  std::vector<std::string>* notes = nullptr;
  /// If set, receives what the import built, folded, fused and dropped (io/import/summary.hpp).
  ImportSummary* summary = nullptr;
};

/// "image=1x3x640x640" -> {"image", {1, 3, 640, 640}} (`pinfuse import --input`).
inline std::pair<std::string, std::vector<std::int64_t>> parse_input_dims(const std::string& text) {
  const auto bad = [&] { return input_error("--input", "expected NAME=1x3x640x640 (the file's dims, all positive), got '" + text + "'"); };
  const std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) throw bad();
  std::vector<std::int64_t> dims;
  std::size_t at = eq + 1;
  while (at <= text.size()) {
    const std::size_t x = std::min(text.find('x', at), text.size());
    const std::string part = text.substr(at, x - at);
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) throw bad();
    dims.push_back(std::stoll(part));
    if (dims.back() < 1) throw bad();
    at = x + 1;
  }
  return {text.substr(0, eq), dims};
}

}  // namespace pinfuse
