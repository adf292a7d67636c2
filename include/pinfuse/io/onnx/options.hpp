#pragma once
// Options of the ONNX importer (io/onnx_import.hpp).
#include <string>

namespace pinfuse {

struct OnnxImportOptions {
  int dtype_bytes = 0;  ///< bytes per element; 0 takes the element type of the first graph input
  std::string name;     ///< model name; empty takes the graph's name (the file's stem for a file)
};

}  // namespace pinfuse
