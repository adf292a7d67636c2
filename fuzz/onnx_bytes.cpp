// ONNX bytes (a serialized onnx::ModelProto) -> import_onnx, then the checks of an imported network.
#include <onnx/onnx_pb.h>

#include "fuzz.hpp"
#include "pinfuse/io/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(data, int(size))) return 0;
  return pinfuse::fuzz::run([&] { pinfuse::fuzz::check_network(pinfuse::import_onnx(model)); });
}
