// TFLite bytes (a .tflite flatbuffer) -> import_tflite, which verifies the buffer before it reads
// it, then the checks of an imported network.
#include "fuzz.hpp"
#include "pinfuse/io/tflite_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pinfuse::fuzz::run([&] { pinfuse::fuzz::check_network(pinfuse::import_tflite(data, size)); });
}
