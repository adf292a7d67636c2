// Hardware JSON (docs/reference-accelerator.md) -> read_hardware, then cheap solves of the fuzz model on it.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pinfuse::fuzz::run_json(data, size, [](const nlohmann::json& doc) {
    pinfuse::fuzz::solve_and_check(pinfuse::fuzz::fuzz_model().g, pinfuse::read_hardware(doc), true);
  });
}
