// Model JSON (docs/model-format.md) -> read_model, shape inference, statistics, a cheap solve.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = pinfuse::fuzz::parse_json(data, size);
  if (!doc) return 0;
  return pinfuse::fuzz::run([&] { pinfuse::fuzz::check_network(pinfuse::read_model(*doc)); });
}
