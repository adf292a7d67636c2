#pragma once
// ONNX import: shape folding. Evaluates the integer shape arithmetic
// that ONNX's shape inference leaves unknown and turns it into Constant nodes.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/io/detail/onnx/proto.hpp"

namespace pinfuse::onnx_import_detail {


/// A small tensor of shape arithmetic (rank 0 or 1 in practice): INT64 or INT32 values in
/// `v`, or FLOAT values in `f` (sizes scaled in floating point, as tf2onnx computes a Resize's).
struct IntTensor {
  Dims shape;
  std::vector<std::int64_t> v;
  std::int32_t type = onnx::TensorProto::INT64;
  std::vector<double> f;
  bool is_float() const { return type == onnx::TensorProto::FLOAT; }
  std::size_t size() const { return is_float() ? f.size() : v.size(); }
};

/// Evaluates the shape arithmetic that ONNX 1.12's inference leaves unknown
/// (PyTorch's x.view(x.size(0), -1) is Shape -> Gather -> Unsqueeze -> Concat ->
/// Reshape; its F.pad computes the pads by ConstantOfShape -> Concat -> Reshape ->
/// Slice(step -1) -> Transpose -> Reshape -> Cast; tf2onnx scales a Resize's sizes by
/// Cast(float) -> Mul -> Floor -> Cast(int64)): integer values computed by Shape,
/// Size, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape, Transpose,
/// ConstantOfShape, Cast, Identity and Add/Sub/Mul/Div from known shapes and
/// constants (at most max_elements values), and float values by Cast, Add, Sub,
/// Mul, Div, Floor and Ceil. Each such node becomes a Constant node
/// holding its value, so that the next run of shape inference sees it.
class ShapeFolder {
 public:
  ShapeFolder(onnx::GraphProto& graph, const std::map<std::string, Dims>& dims) : graph_(graph), dims_(dims) {
    for (const auto& t : graph.initializer()) remember(t.name(), t);
  }

  /// Folds what it can; returns how many nodes became constants.
  int run() {
    int folded = 0;
    for (onnx::NodeProto& n : *graph_.mutable_node()) {
      if (n.op_type() == "Constant") {
        for (const auto& a : n.attribute())
          if (a.name() == "value" && n.output_size() == 1) remember(n.output(0), a.t());
        continue;
      }
      if (n.output_size() != 1 || !(n.domain().empty() || n.domain() == "ai.onnx")) continue;
      const std::optional<IntTensor> t = eval(n);
      if (!t) continue;
      known_[n.output(0)] = *t;
      make_constant(n, *t);
      ++folded;
    }
    return folded;
  }

 private:
  void remember(const std::string& name, const onnx::TensorProto& t) {
    const bool is_float = t.data_type() == onnx::TensorProto::FLOAT;
    if (t.data_type() != onnx::TensorProto::INT64 && t.data_type() != onnx::TensorProto::INT32 && !is_float) return;
    const Dims shape(t.dims().begin(), t.dims().end());
    if (elements(shape) > max_elements) return;  // weights, not shape arithmetic
    const auto v = tensor_values(t);
    if (!v || v->size() != std::size_t(elements(shape))) return;  // no values, or not as many as the shape says
    IntTensor x{shape, {}, t.data_type(), {}};
    if (is_float) x.f = *v;
    else
      for (const double d : *v) {
        if (!(d >= -0x1p63 && d < 0x1p63)) return;  // read through a double: not an int64 any more
        x.v.push_back(std::int64_t(d));
      }
    known_[name] = x;
  }

  static void make_constant(onnx::NodeProto& n, const IntTensor& t) {
    n.clear_input();
    n.clear_attribute();
    n.set_op_type("Constant");
    n.set_domain("");
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name("value");
    a.set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto& value = *a.mutable_t();
    value.set_data_type(t.type);  // a Cast to INT32 stays INT32, or ONNX's next inference pass rejects the graph
    for (const std::int64_t d : t.shape) value.add_dims(d);
    for (const double x : t.f) value.add_float_data(float(x));
    for (const std::int64_t x : t.v) {
      if (t.type == onnx::TensorProto::INT32) value.add_int32_data(std::int32_t(x));
      else value.add_int64_data(x);
    }
  }

  static std::int64_t attr_int(const onnx::NodeProto& n, std::string_view name, std::int64_t fallback) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.i();
    return fallback;
  }
  static std::optional<Dims> attr_ints(const onnx::NodeProto& n, std::string_view name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return Dims(a.ints().begin(), a.ints().end());
    return std::nullopt;
  }

  /// Clamps ONNX start/end indices into [0, size].
  static std::int64_t clamp_index(std::int64_t i, std::int64_t size) {
    return std::clamp(i < 0 ? i + size : i, std::int64_t(0), size);
  }

  static constexpr std::int64_t max_elements = 4096;

  static std::int64_t elements(const Dims& shape) {
    std::int64_t n = 1;
    // Each factor at most max_elements + 1 before a multiply: no wrap.
    for (const std::int64_t d : shape) n = d < 0 || d > max_elements || n > max_elements ? max_elements + 1 : n * d;
    return n;
  }

  /// Row-major strides of `shape`.
  static Dims strides(const Dims& shape) {
    Dims st(shape.size(), 1);
    for (std::size_t i = shape.size(); i-- > 1;)  // saturated: only a tensor with no elements can pass INT64_MAX
      if (__builtin_mul_overflow(st[i], shape[i], &st[i - 1])) st[i - 1] = std::numeric_limits<std::int64_t>::max();
    return st;
  }

  /// A tensor of `shape` whose element at index (i_0, ..., i_k) is x's element at the
  /// flat offset sum_a (first[a] + i_a * step[a]) (offsets in x's elements): Slice and Transpose.
  static IntTensor gather(const IntTensor& x, const Dims& shape, const Dims& first, const Dims& step) {
    IntTensor t{shape, {}, x.type, {}};
    const std::int64_t n = elements(shape);
    for (std::int64_t flat = 0; flat < n; ++flat) {
      std::int64_t rest = flat, at = 0;
      for (std::size_t a = shape.size(); a-- > 0;) {
        at += (first[a] + rest % shape[a] * step[a]);
        rest /= shape[a];
      }
      t.v.push_back(x.v[std::size_t(at)]);
    }
    return t;
  }

  std::optional<IntTensor> eval(const onnx::NodeProto& n) const {
    const std::string& op = n.op_type();
    if (op == "ConstantOfShape") {
      const auto s = n.input_size() == 1 ? known_.find(n.input(0)) : known_.end();
      if (s == known_.end() || s->second.shape.size() != 1 || elements(s->second.v) > max_elements) return std::nullopt;
      IntTensor t{s->second.v, {}, onnx::TensorProto::FLOAT, {}};  // ONNX's default value: float 0
      std::int64_t value = 0;
      for (const auto& a : n.attribute())
        if (a.name() == "value") {
          const auto v = tensor_values(a.t());
          if (!v || v->size() != 1) return std::nullopt;
          t.type = a.t().data_type();
          value = std::int64_t(v->front());
        }
      if (t.type != onnx::TensorProto::INT64 && t.type != onnx::TensorProto::INT32) return std::nullopt;
      t.v.assign(std::size_t(elements(t.shape)), value);
      return t;
    }
    if (op == "Shape" || op == "Size") {
      const auto d = n.input_size() == 1 ? dims_.find(n.input(0)) : dims_.end();
      if (d == dims_.end() || std::any_of(d->second.begin(), d->second.end(), [](std::int64_t x) { return x < 0; }))
        return std::nullopt;
      const Dims& s = d->second;
      if (op == "Size") {
        std::int64_t size = 1;
        for (const std::int64_t x : s)
          if (__builtin_mul_overflow(size, x, &size)) return std::nullopt;  // not a size worth folding
        return IntTensor{{}, {size}, onnx::TensorProto::INT64, {}};
      }
      const auto r = std::int64_t(s.size());
      const std::int64_t b = clamp_index(attr_int(n, "start", 0), r), e = clamp_index(attr_int(n, "end", r), r);
      IntTensor t{{std::max<std::int64_t>(e - b, 0)}, {}, onnx::TensorProto::INT64, {}};
      for (std::int64_t i = b; i < e; ++i) t.v.push_back(s[i]);
      return t;
    }
    std::vector<const IntTensor*> in;
    for (const std::string& name : n.input()) {
      if (name.empty()) {
        in.push_back(nullptr);
        continue;
      }
      const auto it = known_.find(name);
      if (it == known_.end()) return std::nullopt;
      in.push_back(&it->second);
    }
    if (in.empty() || !in[0]) return std::nullopt;
    const IntTensor& x = *in[0];
    const bool floats = std::any_of(in.begin(), in.end(), [](const IntTensor* t) { return t && t->is_float(); });
    if (floats && op != "Cast" && op != "Add" && op != "Sub" && op != "Mul" && op != "Div" && op != "Floor" &&
        op != "Ceil" && op != "Identity")
      return std::nullopt;
    const auto input_ints = [&](std::size_t i, std::string_view attr) -> std::optional<Dims> {
      if (const auto a = attr_ints(n, attr)) return a;
      if (i < in.size() && in[i]) return in[i]->v;
      return std::nullopt;
    };
    if (op == "Identity") return x;
    if (op == "Cast") {
      const std::int64_t to = attr_int(n, "to", 0);
      IntTensor t{x.shape, {}, std::int32_t(to), {}};
      if (to == onnx::TensorProto::FLOAT) {
        if (x.is_float()) return x;
        t.f.assign(x.v.begin(), x.v.end());
        return t;
      }
      if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32) return std::nullopt;
      if (!x.is_float()) t.v = x.v;
      for (const double d : x.f) t.v.push_back(std::int64_t(std::trunc(d)));  // ONNX Cast truncates toward zero
      return t;
    }
    if (op == "Floor" || op == "Ceil") {
      if (!x.is_float()) return std::nullopt;
      IntTensor t = x;
      for (double& d : t.f) d = op == "Floor" ? std::floor(d) : std::ceil(d);
      return t;
    }
    if (op == "Gather") {
      if (x.shape.size() != 1 || in.size() != 2 || !in[1] || attr_int(n, "axis", 0) != 0) return std::nullopt;
      IntTensor t{in[1]->shape, {}, x.type, {}};
      for (const std::int64_t i : in[1]->v) {
        const std::int64_t k = i < 0 ? i + std::int64_t(x.v.size()) : i;
        if (k < 0 || k >= std::int64_t(x.v.size())) return std::nullopt;
        t.v.push_back(x.v[k]);
      }
      return t;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
      IntTensor t = x;
      const Dims axes = input_ints(1, "axes").value_or(Dims{});
      if (op == "Unsqueeze") {
        const auto rank = std::int64_t(x.shape.size() + axes.size());
        Dims sorted;
        for (const std::int64_t a : axes) sorted.push_back(a < 0 ? a + rank : a);
        std::sort(sorted.begin(), sorted.end());
        for (const std::int64_t a : sorted) {
          if (a < 0 || a > std::int64_t(t.shape.size())) return std::nullopt;
          t.shape.insert(t.shape.begin() + a, 1);
        }
      } else {
        Dims kept;
        for (std::size_t i = 0; i < x.shape.size(); ++i) {
          const bool listed = std::any_of(axes.begin(), axes.end(), [&](std::int64_t a) {
            return (a < 0 ? a + std::int64_t(x.shape.size()) : a) == std::int64_t(i);
          });
          if (!(x.shape[i] == 1 && (axes.empty() || listed))) kept.push_back(x.shape[i]);
        }
        t.shape = kept;
      }
      return t;
    }
    if (op == "Concat") {
      IntTensor t{{0}, {}, x.type, {}};
      for (const IntTensor* p : in) {
        if (!p || p->shape.size() != 1) return std::nullopt;
        t.v.insert(t.v.end(), p->v.begin(), p->v.end());
      }
      t.shape[0] = std::int64_t(t.v.size());
      return t;
    }
    if (op == "Slice") {
      const auto starts = input_ints(1, "starts"), ends = input_ints(2, "ends");
      if (!starts || !ends || starts->size() != ends->size()) return std::nullopt;
      const auto rank = std::int64_t(x.shape.size());
      Dims axes = input_ints(3, "axes").value_or(Dims{});
      if (axes.empty())
        for (std::int64_t a = 0; a < std::int64_t(starts->size()); ++a) axes.push_back(a);
      const Dims steps = input_ints(4, "steps").value_or(Dims(starts->size(), 1));
      if (axes.size() != starts->size() || steps.size() != starts->size()) return std::nullopt;
      Dims shape = x.shape, first(x.shape.size(), 0), step(x.shape.size(), 1);
      const Dims st = strides(x.shape);
      for (std::size_t k = 0; k < axes.size(); ++k) {
        const std::int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
        if (a < 0 || a >= rank || steps[k] == 0) return std::nullopt;
        const std::int64_t size = x.shape[std::size_t(a)], s = steps[k];
        const auto index = [&](std::int64_t i) {  // ONNX clamps to [0, size] going up, [-1, size - 1] going down
          i = i < 0 ? i + size : i;
          return s > 0 ? std::clamp(i, std::int64_t(0), size) : std::clamp(i, std::int64_t(-1), size - 1);
        };
        const std::int64_t b = index((*starts)[k]), e = index((*ends)[k]);
        shape[std::size_t(a)] = s > 0 ? std::max<std::int64_t>(0, (e - b + s - 1) / s) : std::max<std::int64_t>(0, (b - e - s - 1) / -s);
        first[std::size_t(a)] = b;
        step[std::size_t(a)] = s;
      }
      Dims at(x.shape.size()), by(x.shape.size());  // in flat offsets
      for (std::size_t a = 0; a < x.shape.size(); ++a) {
        at[a] = first[a] * st[a];
        by[a] = step[a] * st[a];
      }
      return gather(x, shape, at, by);
    }
    if (op == "Transpose") {
      Dims perm = perm_of(n);
      if (perm.empty())
        for (std::size_t i = x.shape.size(); i-- > 0;) perm.push_back(std::int64_t(i));
      if (perm.size() != x.shape.size()) return std::nullopt;
      const Dims st = strides(x.shape);
      Dims shape, by;
      std::vector<bool> seen(perm.size(), false);  // perm must name every axis once
      for (const std::int64_t p : perm) {
        if (p < 0 || p >= std::int64_t(x.shape.size()) || seen[std::size_t(p)]) return std::nullopt;
        seen[std::size_t(p)] = true;
        shape.push_back(x.shape[std::size_t(p)]);
        by.push_back(st[std::size_t(p)]);
      }
      return gather(x, shape, Dims(shape.size(), 0), by);
    }
    if (op == "Reshape") {
      if (in.size() < 2 || !in[1]) return std::nullopt;
      Dims shape = in[1]->v;
      std::int64_t known = 1, unknown = -1;
      for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0 && i < x.shape.size()) shape[i] = x.shape[i];
        if (shape[i] == -1) unknown = std::int64_t(i);
        else known *= shape[i];
      }
      if (unknown >= 0) shape[std::size_t(unknown)] = known > 0 ? std::int64_t(x.v.size()) / known : 0;
      if (elements(shape) != std::int64_t(x.v.size())) return std::nullopt;
      IntTensor t = x;
      t.shape = shape;
      return t;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      if (in.size() != 2 || !in[1]) return std::nullopt;
      const IntTensor& y = *in[1];
      if (x.is_float() != y.is_float()) return std::nullopt;
      if (x.size() != y.size() && x.size() != 1 && y.size() != 1) return std::nullopt;
      // Broadcasting: the result has the shape of the larger operand, or of the higher rank ([] - [1] is [1]).
      IntTensor t = x.size() > y.size() || (x.size() == y.size() && x.shape.size() >= y.shape.size()) ? x : y;
      for (std::size_t i = 0; i < t.f.size(); ++i) {
        const double a = x.f[x.f.size() == 1 ? 0 : i], b = y.f[y.f.size() == 1 ? 0 : i];
        t.f[i] = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
      }
      for (std::size_t i = 0; i < t.v.size(); ++i) {
        const std::int64_t a = x.v[x.v.size() == 1 ? 0 : i], b = y.v[y.v.size() == 1 ? 0 : i];
        if (op == "Div" && b == 0) return std::nullopt;
        t.v[i] = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
      }
      return t;
    }
    return std::nullopt;
  }

  onnx::GraphProto& graph_;
  const std::map<std::string, Dims>& dims_;
  std::map<std::string, IntTensor> known_;
};

}  // namespace pinfuse::onnx_import_detail
