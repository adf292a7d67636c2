// Hardware JSON (docs/reference-accelerator.md) -> read_hardware, then cheap solves of the bundled model on it.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = pinfuse::fuzz::parse_json(data, size);
  if (!doc) return 0;
  return pinfuse::fuzz::run([&] {
    pinfuse::fuzz::solve_and_check(pinfuse::fuzz::bundled_model(), pinfuse::read_hardware(*doc), true);
  });
}
