#pragma once
// The pinfuse tool: `pinfuse import`, an ONNX or TFLite file to a model JSON and what the import did.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_text.hpp"
#include "pinfuse/io/import/options.hpp"
#include "pinfuse/pinfuse.hpp"
#if PINFUSE_HAS_ONNX
#include "pinfuse/io/onnx_import.hpp"
#endif
#if PINFUSE_HAS_TFLITE
#include "pinfuse/io/tflite_import.hpp"
#endif

namespace pinfuse::cli {

/// The options of `pinfuse import`.
struct ImportArgs {
  std::string path, out, name;
  int dtype_bytes = 0;
  std::vector<std::string> inputs;   // NAME=1x3x640x640
  std::vector<std::string> outputs;  // value names
  bool json = false;                 // the import summary as JSON on stdout (with -o)
};

/// The error for a file of a format that this build cannot read.
inline input_error without_support(const std::string& path, bool tflite) {
  return input_error(path, tflite ? "pinfuse was built without TFLite support; install libflatbuffers-dev and "
                                    "flatbuffers-compiler and rebuild (CMake option PINFUSE_WITH_TFLITE)"
                                  : "pinfuse was built without ONNX support; install libonnx-dev and libprotobuf-dev "
                                    "and rebuild (CMake option PINFUSE_WITH_ONNX)");
}

/// `pinfuse import`: an ONNX or (by the extension .tflite) a TFLite file to a model JSON.
inline int cmd_import(const ImportArgs& a) {
  const bool tflite = std::filesystem::path(a.path).extension() == ".tflite";
#if PINFUSE_HAS_ONNX || PINFUSE_HAS_TFLITE
  ImportOptions options;
  options.dtype_bytes = a.dtype_bytes;
  options.name = a.name;
  options.outputs = a.outputs;
  std::vector<std::string> notes;
  options.notes = &notes;
  ImportSummary summary;
  options.summary = &summary;
  if (a.json && a.out.empty()) throw input_error("--json", "prints the import summary; give -o MODEL.json for the model");
  for (const std::string& in : a.inputs) {
    auto [name, dims] = parse_input_dims(in);
    if (!options.input_dims.emplace(name, dims).second) throw input_error("--input " + name, "is given twice");
  }
  const auto import = [&]() -> Network {
#if PINFUSE_HAS_TFLITE
    if (tflite) return import_tflite_file(a.path, options);
#endif
#if PINFUSE_HAS_ONNX
    if (!tflite) return import_onnx_file(a.path, options);
#endif
    throw without_support(a.path, tflite);
  };
  const Network g = import();
  for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  const std::string text = model_text(model_to_json(g));
  if (a.out.empty()) {
    std::cout << text;
    std::fputs(summary_text(summary).c_str(), stderr);  // stdout holds the model
    return 0;
  }
  io::write_text_file(a.out, text);
  if (a.json) {
    nlohmann::json j = summary_json(summary);
    j["model"] = a.out;
    j["notes"] = notes;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("imported %s -> %s\n%s", a.path.c_str(), a.out.c_str(), summary_text(summary).c_str());
  return 0;
#else
  throw without_support(a.path, tflite);
#endif
}

}  // namespace pinfuse::cli
