// Model JSON (docs/model-format.md) -> read_model, shape inference, statistics, a cheap solve.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pinfuse::fuzz::run_json(data, size, [](const nlohmann::json& doc) {
    pinfuse::fuzz::check_network(pinfuse::read_model(doc));
  });
}
