// Reads a model that is no TFLite flatbuffer: proves the TFLite importer's headers, the
// generated schema header among them, are usable installed or embedded.
#include <pinfuse/io/tflite_import.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

int main() {
  const std::string bytes = "not a TFLite model at all";
  try {
    pinfuse::import_tflite(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  } catch (const pinfuse::input_error& e) {
    std::printf("%s\n", e.what());
    return std::string(e.what()).find("is not a TFLite model") != std::string::npos ? 0 : 1;
  }
  return 1;
}
