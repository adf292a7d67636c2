#pragma once
// ONNX import: protobuf access. ONNX shapes (Dims), tensor values held
// in the model, element sizes, and the text helpers the importer's messages use.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "pinfuse/core/layer.hpp"
#include "pinfuse/io/detail/import/text.hpp"

namespace pinfuse::onnx_import_detail {

using import_detail::cat;
using import_detail::Dims;  // ONNX tensor shape; -1 is an unknown dimension
using import_detail::dims_text;
using import_detail::is_vector;
using import_detail::max_extent;
using import_detail::number_text;
using import_detail::shape_text;

/// ONNX shape of a batch-1 feature map -> our [H, W, C]: [1, C, H, W], or a vector as [1, 1, N].
inline std::optional<Shape> to_shape(const Dims& d) { return import_detail::feature_map_shape(d, 2, 3, 1); }

/// Layouts of 4-D feature maps. A layout lists, per ONNX axis, the NCHW axis it
/// holds: {0, 2, 3, 1} is NHWC. Empty means NCHW (and is the only layout of other ranks).
inline bool is_nchw(const Dims& layout) {
  for (std::size_t i = 0; i < layout.size(); ++i)
    if (layout[i] != std::int64_t(i)) return false;
  return true;
}

/// ONNX dims in a layout -> the same tensor's NCHW dims.
inline Dims nchw_dims(const Dims& d, const Dims& layout) {
  Dims c = d;
  if (layout.size() == d.size())
    for (std::size_t i = 0; i < d.size(); ++i)
      if (layout[i] >= 0 && std::size_t(layout[i]) < c.size()) c[std::size_t(layout[i])] = d[i];
  return c;
}

/// "NHWC" for {0, 2, 3, 1}.
inline std::string layout_text(const Dims& layout) {
  if (layout.empty()) return "NCHW";
  std::string s;
  for (const std::int64_t a : layout) s += "NCHW"[a];
  return s;
}

/// The layout after Transpose(perm) of a tensor in `layout`: ONNX axis i takes axis perm[i].
inline Dims transposed(const Dims& layout, const Dims& perm) {
  Dims out;
  for (const std::int64_t p : perm) out.push_back(layout.empty() ? p : layout[std::size_t(p)]);
  return out;
}

/// A Transpose node's `perm` attribute (empty when it has none: reverse the axes).
inline Dims perm_of(const onnx::NodeProto& transpose) {
  Dims perm;
  for (const auto& a : transpose.attribute())
    if (a.name() == "perm") perm.assign(a.ints().begin(), a.ints().end());
  return perm;
}

/// The Transpose perm that a Reshape of 4-D `in` to 4-D `out` amounts to when it only moves
/// size-1 axes: the axes longer than 1 keep their order (tf2onnx writes NHWC -> NCHW of a
/// 1-channel map, [1, H, W, 1] -> [1, 1, H, W], as such a Reshape). The size-1 axes are
/// matched in order. Nothing when the Reshape does more, or nothing (the same dims).
inline std::optional<Dims> size1_move_perm(const Dims& in, const Dims& out) {
  if (in.size() != 4 || out.size() != 4 || in == out) return std::nullopt;
  Dims long_in, ones_in, perm;
  for (std::size_t i = 0; i < 4; ++i) (in[i] == 1 ? ones_in : long_in).push_back(std::int64_t(i));
  std::size_t next_long = 0, next_one = 0;
  for (const std::int64_t d : out) {
    if (d == 1) {
      if (next_one == ones_in.size()) return std::nullopt;
      perm.push_back(ones_in[next_one++]);
    } else {
      if (next_long == long_in.size() || in[std::size_t(long_in[next_long])] != d) return std::nullopt;
      perm.push_back(long_in[next_long++]);
    }
  }
  return perm;
}

inline std::optional<Dims> dims_of(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return std::nullopt;
  Dims d;
  for (const auto& dim : type.tensor_type().shape().dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return d;
}

inline int bytes_of(std::int32_t elem_type) {
  using T = onnx::TensorProto;
  switch (elem_type) {
    case T::INT8: case T::UINT8: case T::BOOL: return 1;
    case T::INT16: case T::UINT16: case T::FLOAT16: case T::BFLOAT16: return 2;
    case T::DOUBLE: case T::INT64: case T::UINT64: return 8;
    default: return 4;
  }
}

template <class T>
void append_raw(const std::string& raw, std::vector<double>& out) {
  for (std::size_t i = 0; i + sizeof(T) <= raw.size(); i += sizeof(T)) {
    T v;
    std::memcpy(&v, raw.data() + i, sizeof(T));  // ONNX raw data is little-endian, as the hosts we build on
    out.push_back(double(v));
  }
}

/// The values of a float, double, int32 or int64 tensor held in the model.
inline std::optional<std::vector<double>> tensor_values(const onnx::TensorProto& t) {
  using T = onnx::TensorProto;
  if (t.data_location() == T::EXTERNAL) return std::nullopt;
  std::vector<double> v;
  const std::string& raw = t.raw_data();
  switch (t.data_type()) {
    case T::FLOAT:
      if (t.has_raw_data()) append_raw<float>(raw, v);
      else v.assign(t.float_data().begin(), t.float_data().end());
      return v;
    case T::DOUBLE:
      if (t.has_raw_data()) append_raw<double>(raw, v);
      else v.assign(t.double_data().begin(), t.double_data().end());
      return v;
    case T::INT64:
      if (t.has_raw_data()) append_raw<std::int64_t>(raw, v);
      else v.assign(t.int64_data().begin(), t.int64_data().end());
      return v;
    case T::INT32:
      if (t.has_raw_data()) append_raw<std::int32_t>(raw, v);
      else v.assign(t.int32_data().begin(), t.int32_data().end());
      return v;
    default: return std::nullopt;
  }
}

/// The axes a Reduce node reduces, from its `axes` attribute or (opset 18) its constant axes
/// input (`constant(name)`: the values of a constant the model holds, if any), counted from 0
/// in a tensor of `rank` axes, in the node's order.
template <class Constant>
Dims reduce_axes(const onnx::NodeProto& n, std::int64_t rank, const Constant& constant) {
  Dims axes;
  for (const auto& a : n.attribute())
    if (a.name() == "axes") axes.assign(a.ints().begin(), a.ints().end());
  if (n.input_size() > 1 && !n.input(1).empty())
    if (const std::optional<std::vector<double>> v = constant(n.input(1))) {
      axes.clear();
      for (const double a : *v) axes.push_back(std::int64_t(std::clamp(a, -4e18, 4e18)));
    }
  for (std::int64_t& a : axes) a = a < 0 ? a + rank : a;
  return axes;
}

}  // namespace pinfuse::onnx_import_detail
