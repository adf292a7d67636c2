#pragma once
// Vector-unit work of an activation function, in element operations per element.
#include <cstdint>

#include "pinfuse/core/layer.hpp"

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
constexpr std::uint64_t activation_ops_per_element(Activation f) {
  switch (f) {
    case Activation::none:
    case Activation::relu: return 1;
    case Activation::relu6:
    case Activation::relu_n1_to_1:
    case Activation::clamp:
    case Activation::leaky_relu:
    case Activation::prelu: return 2;
    case Activation::hsigmoid:
    case Activation::sigmoid:
    case Activation::tanh: return 4;
    case Activation::hswish:
    case Activation::swish: return 5;
    case Activation::elu: return 7;
    case Activation::gelu: return 8;
    case Activation::softplus: return 9;
    case Activation::mish: return 14;
  }
  return 1;
}

}  // namespace pinfuse
