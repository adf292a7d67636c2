#pragma once
// ONNX import: shape folding. Evaluates the integer shape arithmetic
// that ONNX's shape inference leaves unknown and turns it into Constant nodes.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/io/onnx/proto.hpp"

namespace pinfuse::onnx_import_detail {


/// A small integer tensor of shape arithmetic (rank 0 or 1 in practice), INT64 or INT32.
struct IntTensor {
  Dims shape;
  std::vector<std::int64_t> v;
  std::int32_t type = onnx::TensorProto::INT64;
};

/// Evaluates the shape arithmetic that ONNX 1.12's inference leaves unknown
/// (PyTorch's x.view(x.size(0), -1) is Shape -> Gather -> Unsqueeze -> Concat ->
/// Reshape): int64 values computed by Shape, Size, Gather, Unsqueeze, Squeeze,
/// Concat, Slice, Cast, Identity and Add/Sub/Mul/Div from known shapes and
/// constants. Each such node becomes a Constant node holding its value, so that
/// the next run of shape inference sees it.
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
    if (t.data_type() != onnx::TensorProto::INT64 && t.data_type() != onnx::TensorProto::INT32) return;
    const auto v = tensor_values(t);
    if (!v) return;
    IntTensor x{Dims(t.dims().begin(), t.dims().end()), {}, t.data_type()};
    for (const double d : *v) x.v.push_back(std::int64_t(d));
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

  std::optional<IntTensor> eval(const onnx::NodeProto& n) const {
    const std::string& op = n.op_type();
    if (op == "Shape" || op == "Size") {
      const auto d = n.input_size() == 1 ? dims_.find(n.input(0)) : dims_.end();
      if (d == dims_.end() || std::any_of(d->second.begin(), d->second.end(), [](std::int64_t x) { return x < 0; }))
        return std::nullopt;
      const Dims& s = d->second;
      if (op == "Size") {
        std::int64_t size = 1;
        for (const std::int64_t x : s) size *= x;
        return IntTensor{{}, {size}};
      }
      const auto r = std::int64_t(s.size());
      const std::int64_t b = clamp_index(attr_int(n, "start", 0), r), e = clamp_index(attr_int(n, "end", r), r);
      IntTensor t{{std::max<std::int64_t>(e - b, 0)}, {}};
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
    const auto input_ints = [&](std::size_t i, std::string_view attr) -> std::optional<Dims> {
      if (const auto a = attr_ints(n, attr)) return a;
      if (i < in.size() && in[i]) return in[i]->v;
      return std::nullopt;
    };
    if (op == "Identity") return x;
    if (op == "Cast") {
      const std::int64_t to = attr_int(n, "to", 0);
      if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32) return std::nullopt;
      IntTensor t = x;
      t.type = std::int32_t(to);
      return t;
    }
    if (op == "Gather") {
      if (x.shape.size() != 1 || in.size() != 2 || !in[1] || attr_int(n, "axis", 0) != 0) return std::nullopt;
      IntTensor t{in[1]->shape, {}, x.type};
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
      IntTensor t{{0}, {}, x.type};
      for (const IntTensor* p : in) {
        if (!p || p->shape.size() != 1) return std::nullopt;
        t.v.insert(t.v.end(), p->v.begin(), p->v.end());
      }
      t.shape[0] = std::int64_t(t.v.size());
      return t;
    }
    if (op == "Slice") {
      if (x.shape.size() != 1) return std::nullopt;
      const auto starts = input_ints(1, "starts"), ends = input_ints(2, "ends");
      const Dims steps = input_ints(4, "steps").value_or(Dims{1});
      if (!starts || !ends || starts->size() != 1 || ends->size() != 1 || steps != Dims{1}) return std::nullopt;
      const auto size = std::int64_t(x.v.size());
      const std::int64_t b = clamp_index(starts->front(), size), e = clamp_index(ends->front(), size);
      IntTensor t{{std::max<std::int64_t>(e - b, 0)}, {}, x.type};
      for (std::int64_t i = b; i < e; ++i) t.v.push_back(x.v[i]);
      return t;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      if (in.size() != 2 || !in[1]) return std::nullopt;
      const IntTensor& y = *in[1];
      if (x.v.size() != y.v.size() && x.v.size() != 1 && y.v.size() != 1) return std::nullopt;
      IntTensor t = x.v.size() >= y.v.size() ? x : y;
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
