#pragma once
// ONNX import: activation patterns. Exporters spell one activation in many ways
// (PaddlePaddle's hard-swish is x * Clip(x + 3, 0, 6) / 6, PyTorch's GELU is
// x * 0.5 * (1 + Erf(x / sqrt(2))), Mish is x * Tanh(Softplus(x))). Rather than
// listing spellings, the importer evaluates a candidate region of elementwise
// nodes, whose only non-constant input is one feature map x, as a function of x at
// sample points, and names the function it computes (classify_activation).
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "pinfuse/core/layer.hpp"

namespace pinfuse::onnx_import_detail {

/// The points at which a region is evaluated: dense around the kinks of relu6,
/// hard sigmoid and hard swish (-3, 0, 3, 6), wide enough for the saturations.
inline constexpr std::array<double, 31> activation_samples{
    -10, -7, -6, -5, -4, -3.5, -3, -2.5, -2, -1.5, -1, -0.75, -0.5, -0.25, -0.1, 0,
    0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 10};

/// The op types an activation region may hold (elementwise; constants must be scalars).
inline bool is_elementwise_op(std::string_view op) {
  static constexpr std::array<std::string_view, 27> ops{
      "Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Softplus", "Softsign",
      "HardSwish", "HardSigmoid", "LeakyRelu", "Elu", "Selu", "Celu", "Clip", "PRelu", "Add", "Sub", "Mul", "Div",
      "Pow", "Max", "Min"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

/// The attributes an elementwise op reads, where the node has them.
struct ElementwiseAttrs {
  std::optional<double> alpha, beta, gamma, min, max;  // min/max: Clip before opset 11
};

/// One elementwise op at one point: `args` are its inputs (feature-map values and
/// scalar constants, in input order; NaN for an absent optional input).
inline double eval_elementwise(std::string_view op, const ElementwiseAttrs& a, std::span<const double> args) {
  const double x = args.empty() ? NAN : args[0];
  const auto arg = [&](std::size_t i, double fallback) { return i < args.size() && !std::isnan(args[i]) ? args[i] : fallback; };
  const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  if (op == "Relu") return std::max(x, 0.0);
  if (op == "Sigmoid") return sigmoid(x);
  if (op == "Tanh") return std::tanh(x);
  if (op == "Erf") return std::erf(x);
  if (op == "Exp") return std::exp(x);
  if (op == "Log") return std::log(x);
  if (op == "Sqrt") return std::sqrt(x);
  if (op == "Neg") return -x;
  if (op == "Abs") return std::abs(x);
  if (op == "Reciprocal") return 1 / x;
  if (op == "Softplus") return std::log1p(std::exp(x));
  if (op == "Softsign") return x / (1 + std::abs(x));
  if (op == "HardSigmoid") return std::clamp(a.alpha.value_or(0.2) * x + a.beta.value_or(0.5), 0.0, 1.0);
  if (op == "HardSwish") return x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
  if (op == "LeakyRelu") return x >= 0 ? x : a.alpha.value_or(0.01) * x;
  if (op == "Elu") return x >= 0 ? x : a.alpha.value_or(1.0) * std::expm1(x);
  if (op == "Celu") return std::max(x, 0.0) + std::min(0.0, a.alpha.value_or(1.0) * std::expm1(x / a.alpha.value_or(1.0)));
  if (op == "Selu")
    return a.gamma.value_or(1.05070102214813232421875) *
           (x > 0 ? x : a.alpha.value_or(1.67326319217681884765625) * std::expm1(x));
  if (op == "Clip")
    return std::clamp(x, arg(1, a.min.value_or(-INFINITY)), std::max(arg(1, a.min.value_or(-INFINITY)), arg(2, a.max.value_or(INFINITY))));
  if (op == "PRelu") return x >= 0 ? x : arg(1, NAN) * x;
  if (args.size() < 2) return NAN;
  const double y = args[1];
  if (op == "Add") return x + y;
  if (op == "Sub") return x - y;
  if (op == "Mul") return x * y;
  if (op == "Div") return x / y;
  if (op == "Pow") return std::pow(x, y);
  if (op == "Max") return std::max(x, y);
  if (op == "Min") return std::min(x, y);
  return NAN;
}

/// What a region computes: an activation of the format, or an affine a*x + b
/// (a scale and shift, which folds like a constant Mul/Add), or nothing known.
struct Classified {
  std::optional<Activation> activation;  ///< nothing: the affine function
  double slope = 1, offset = 0;  ///< affine: a and b
};

/// Names the function whose values at activation_samples are `y`. Known: relu,
/// relu6, leaky_relu and elu (any slope alpha), sigmoid, tanh, softplus, hsigmoid
/// (clip(a*x + b, 0, 1), any a > 0 and 0 < b < 1, e.g. x/6 + 1/2 or ONNX's
/// 0.2*x + 0.5), hswish (x * such a hard sigmoid), swish (x * sigmoid(x)), gelu
/// (erf form; the tanh approximation is within the tolerance), mish (x * tanh(softplus(x))).
inline std::optional<Classified> classify_activation(std::span<const double> y) {
  const auto& xs = activation_samples;
  if (y.size() != xs.size() || std::any_of(y.begin(), y.end(), [](double v) { return !std::isfinite(v); }))
    return std::nullopt;
  const auto at = [&](double x) {
    return y[std::size_t(std::find(xs.begin(), xs.end(), x) - xs.begin())];
  };
  const auto matches = [&](const std::function<double(double)>& f) {
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double want = f(xs[i]);
      if (!std::isfinite(want) || std::abs(y[i] - want) > 1e-3 * std::max(1.0, std::abs(want))) return false;
    }
    return true;
  };
  const double a = (at(1) - at(-1)) / 2, b = at(0);
  if (matches([&](double x) { return a * x + b; })) return Classified{std::nullopt, a, b};
  const auto sigmoid = [](double x) { return 1 / (1 + std::exp(-x)); };
  const auto softplus = [](double x) { return std::log1p(std::exp(x)); };
  const double alpha = -at(-1);  // leaky_relu's slope, and elu's alpha * (1 - 1/e)
  // A hard sigmoid clip(s * x + t, 0, 1) from its linear part around 0; hswish from y / x.
  const double hs_s = (at(0.25) - at(-0.25)) / 0.5, hs_t = at(0);
  const double q = at(0.25) / 0.25, r = at(-0.25) / -0.25, hw_s = (q - r) / 0.5, hw_t = (q + r) / 2;
  const auto hard_sigmoid = [](double x, double s, double t) {
    return s > 0 && t > 0 && t < 1 ? std::clamp(s * x + t, 0.0, 1.0) : NAN;
  };
  const std::vector<std::pair<Activation, std::function<double(double)>>> known{
      {Activation::relu, [](double x) { return std::max(x, 0.0); }},
      {Activation::relu6, [](double x) { return std::clamp(x, 0.0, 6.0); }},
      {Activation::leaky_relu, [&](double x) { return x >= 0 || alpha <= 0 || alpha >= 1 ? x : alpha * x; }},
      {Activation::elu, [&](double x) { return x >= 0 ? x : alpha / (1 - std::exp(-1.0)) * std::expm1(x); }},
      {Activation::sigmoid, sigmoid},
      {Activation::tanh, [](double x) { return std::tanh(x); }},
      {Activation::softplus, softplus},
      {Activation::hsigmoid, [&](double x) { return hard_sigmoid(x, hs_s, hs_t); }},
      {Activation::hswish, [&](double x) { return x * hard_sigmoid(x, hw_s, hw_t); }},
      {Activation::swish, [&](double x) { return x * sigmoid(x); }},
      {Activation::gelu, [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {Activation::mish, [&](double x) { return x * std::tanh(softplus(x)); }},
  };
  for (const auto& [activation, f] : known)
    if (matches(f)) return Classified{activation, 1, 0};
  return std::nullopt;
}

}  // namespace pinfuse::onnx_import_detail
