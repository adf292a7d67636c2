#pragma once
// Checked arithmetic for every size, element, MAC, byte and cycle count.
//
// pinfuse computes these counts in 64-bit integers and accepts none above
// `quantity_limit` = 2^48 (256 TiB, 2.8e14 MACs or cycles). Below it a sum of
// up to 2^15 such counts cannot wrap, and a double holds each exactly, so a
// count that passed a check stays exact through the solvers' sums. Past it the
// input is rejected with a limit_error that names the place and the quantity,
// never wrapped into a small, valid-looking number.
#include <climits>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "pinfuse/core/error.hpp"

namespace pinfuse {

/// The largest count pinfuse accepts (docs/reliability.md "Limits").
inline constexpr std::uint64_t quantity_limit = std::uint64_t{1} << 48;

namespace detail {

/// A place for an error message: a string, or a callable that makes one only when it is needed.
template <class Place>
std::string describe(const Place& place) {
  if constexpr (std::invocable<const Place&>) return std::string(place());
  else return std::string(place);
}

}  // namespace detail

/// Throws the limit_error of `what` (e.g. "MACs") at `place`, for a value past the limit.
template <class Place>
[[noreturn]] void throw_past_limit(std::string_view what, const Place& place) {
  throw limit_error(detail::describe(place), std::string(what) + " exceed 2^48 (" + std::to_string(quantity_limit) +
                                                 "), the largest count pinfuse computes");
}

/// a + b, or UINT64_MAX where that wraps: for sums that are compared, not reported.
constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? ~std::uint64_t{0} : sum;
}

/// a * b, or a limit_error naming `what` at `place`.
template <class Place>
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::string_view what, const Place& place) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product) || product > quantity_limit) throw_past_limit(what, place);
  return product;
}

/// a + b, or a limit_error naming `what` at `place`.
template <class Place>
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::string_view what, const Place& place) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum > quantity_limit) throw_past_limit(what, place);
  return sum;
}

/// ceil(x) as a count, for a count computed in floating point (cycles from
/// MACs / throughput): NaN, negative or past the limit is a limit_error.
template <class Place>
std::uint64_t checked_ceil(double x, std::string_view what, const Place& place) {
  const double up = std::ceil(x);
  if (!(up >= 0.0 && up <= double(quantity_limit))) throw_past_limit(what, place);
  return static_cast<std::uint64_t>(up);
}

/// A shape extent computed in 64 bits (a concat's channel sum, an upscaled
/// height, a transposed conv's output) as the `int` a Shape holds.
template <class Place>
int checked_extent(std::int64_t x, std::string_view what, const Place& place) {
  if (x > INT_MAX) throw limit_error(detail::describe(place), std::string(what) + " of " + std::to_string(x) +
                                                                  " exceeds " + std::to_string(INT_MAX));
  return static_cast<int>(x);
}

}  // namespace pinfuse
