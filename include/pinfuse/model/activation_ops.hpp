#pragma once
// Vector-unit work of an activation function, in element operations per element.
#include <cstdint>
#include <optional>
#include <string_view>

namespace pinfuse {

/// Vector-unit element operations [op/element] one activation function costs,
/// counted as: add, subtract, multiply, max, min or compare-and-select = 1 op;
/// a function read from a table (exp, log, tanh, sigmoid, erf: table index, read,
/// and a linear interpolation) = 4 ops.
///   none 1 (a copy)                 relu 1 (max)               relu6, relu_n1_to_1 2 (max, min)
///   clamp 2 (max with a lower and min with an upper constant bound, either of which may be absent)
///   leaky_relu 2 (mul, max)         prelu 2 (mul by the channel's slope, select)
///   hsigmoid 4 (add 3, max, min, mul 1/6)                      hswish 5 (hsigmoid, mul)
///   sigmoid 4, tanh 4 (a table)     swish 5 (sigmoid, mul)     elu 7 (exp, sub 1, mul alpha, select)
///   gelu 8 (mul 1/sqrt 2, erf, add 1, mul 0.5, mul)            softplus 9 (exp, add 1, log)
///   mish 14 (softplus, tanh, mul)
/// Nothing for a name that is no activation.
constexpr std::optional<std::uint64_t> activation_ops_per_element(std::string_view f) {
  if (f == "none" || f == "relu") return 1;
  if (f == "relu6" || f == "relu_n1_to_1" || f == "clamp" || f == "leaky_relu" || f == "prelu") return 2;
  if (f == "hsigmoid" || f == "sigmoid" || f == "tanh") return 4;
  if (f == "hswish" || f == "swish") return 5;
  if (f == "elu") return 7;
  if (f == "gelu") return 8;
  if (f == "softplus") return 9;
  if (f == "mish") return 14;
  return std::nullopt;
}

}  // namespace pinfuse
