#pragma once
// Options of the ONNX importer (io/onnx_import.hpp): the importers' shared options.
#include "pinfuse/io/import/options.hpp"

namespace pinfuse {

using OnnxImportOptions = ImportOptions;

}  // namespace pinfuse
