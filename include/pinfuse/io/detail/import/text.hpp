#pragma once
// Model import (ONNX, TFLite): tensor dims and the text helpers the importers' messages use.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/core/layer.hpp"

namespace pinfuse::import_detail {

using Dims = std::vector<std::int64_t>;  // a tensor's shape as the file gives it; -1 is an unknown dimension
constexpr std::int64_t max_extent = 1 << 20;

/// Concatenates strings and integers with += (GCC 12 warns falsely on "literal" + std::string&& at -O3).
inline void append(std::string& s, std::string_view x) { s += x; }
inline void append(std::string& s, std::int64_t x) { s += std::to_string(x); }
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (append(s, parts), ...);
  return s;
}

/// "[1, ?, 224, 224]"; with a separator "x": "1x?x224x224".
inline std::string dims_text(const Dims& d, std::string_view separator = {}) {
  std::string s = separator.empty() ? "[" : "";
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i) s += separator.empty() ? ", " : separator;
    s += d[i] < 0 ? std::string("?") : std::to_string(d[i]);
  }
  if (separator.empty()) s += "]";
  return s;
}

inline std::string shape_text(const Shape& s) {
  std::string t = "[";
  t += std::to_string(s.h);
  t += ", ";
  t += std::to_string(s.w);
  t += ", ";
  t += std::to_string(s.c);
  t += "]";
  return t;
}

inline std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// A vector: [1, N], or [N] (a batch-1 vector whose batch axis was squeezed away).
inline bool is_vector(const Dims& d) { return d.size() == 1 || (d.size() == 2 && d[0] == 1); }

/// A batch-1 feature map's dims -> our [H, W, C]: 4-D dims with batch 1 read at the format's
/// H, W and C axes (ONNX NCHW: 2, 3, 1; TFLite NHWC: 1, 2, 3), or a vector as [1, 1, N].
inline std::optional<Shape> feature_map_shape(const Dims& d, std::size_t h, std::size_t w, std::size_t c) {
  for (const std::int64_t x : d)
    if (x < 1 || x > max_extent) return std::nullopt;
  if (d.size() == 4 && d[0] == 1) return Shape{int(d[h]), int(d[w]), int(d[c])};
  if (is_vector(d)) return Shape{1, 1, int(d.back())};
  return std::nullopt;
}

/// Why a reshape of a map `from` into `to` does not fold, when `to` is neither the same map
/// (size-1 axes dropped, restored or moved) nor a flattening to [1, N]; `input` names the map
/// (for --outputs) and `map` spells the format's map dims ("[1, C, H, W]").
inline std::string reshape_problem(const Dims& from, const Dims& to, const std::string& input, std::string_view map) {
  if (to.size() != 4 && !is_vector(to))
    return cat("turns ", dims_text(from), " into ", dims_text(to), ", a tensor of rank ", std::int64_t(to.size()),
               " (a sequence or a matrix, not an image); pinfuse maps only ", map,
               " and [1, N] feature maps: end the network before this node with --outputs ", input);
  return cat("turns ", dims_text(from), " into ", dims_text(to), ", which moves data between the map's axes; pinfuse folds ",
             "only reshapes that drop, restore or move size-1 axes, or flatten a map to [1, N]");
}

/// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    const std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > s.size()) return false;
    std::uint32_t code = length == 1 ? c : c & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) >> 6) != 0x2) return false;
      code = (code << 6) | (byte(i + k) & 0x3F);
    }
    constexpr std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < least[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace pinfuse::import_detail
