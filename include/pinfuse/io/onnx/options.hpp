#pragma once
// Options of the ONNX importer (io/onnx_import.hpp).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pinfuse {

struct OnnxImportOptions {
  int dtype_bytes = 0;  ///< bytes per element; 0 takes the element type of the first graph input
  std::string name;     ///< model name; empty takes the graph's name (the file's stem for a file)
  /// Shapes of graph inputs, as ONNX dims (e.g. {"image", {1, 3, 640, 640}}): they fix
  /// dynamic dimensions ([?, 3, ?, ?]); known dimensions must agree. `pinfuse import --input`.
  std::map<std::string, std::vector<std::int64_t>> input_dims;
  /// Values to end the network at (`pinfuse import --outputs`); empty: the graph's outputs,
  /// without the post-processing after the network (ArgMax, TopK, NonMaxSuppression, masks).
  std::vector<std::string> outputs;
  /// If set, receives notes on what the import left out (the post-processing it dropped).
  std::vector<std::string>* notes = nullptr;
};

}  // namespace pinfuse
