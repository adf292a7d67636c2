#pragma once
// What the sanitized run of the suite (PINFUSE_TESTS_SANITIZED: AddressSanitizer +
// UBSan, scripts/test.sh) checks less of than the optimized one.
#include <cstdint>

namespace pinfuse::testing {

/// True under AddressSanitizer + UBSan (PINFUSE_TESTS_SANITIZED): tests that
/// repeat one property over many sizes or models check fewer there (bundled.hpp:
/// solved_models()).
#ifdef PINFUSE_TESTS_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

/// The step between the seeds a property test checks: every seed optimized,
/// every third under the sanitizers. The optimized run checks the property on
/// all of them; the sanitized run, 10-20 times slower, is there for memory and
/// undefined-behaviour errors on the same code paths.
inline constexpr std::uint32_t seed_step = sanitized ? 3 : 1;

}  // namespace pinfuse::testing
