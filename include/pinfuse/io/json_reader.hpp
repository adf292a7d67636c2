#pragma once
// Checked access to a JSON document: every failure names the JSON pointer of the
// offending value. Shared by the model, hardware and plan readers.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "pinfuse/core/error.hpp"

namespace pinfuse::io {

using json = nlohmann::json;

/// A JSON value together with its path in the document.
class Node {
 public:
  Node(const json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& reason) const { throw input_error(path_.empty() ? "/" : path_, reason); }

  Node object() const {
    if (!value_->is_object()) fail("expected an object");
    return *this;
  }
  bool has(std::string_view key) const { return value_->contains(key); }
  Node at(std::string_view key) const {
    if (!has(key)) fail("missing required field '" + std::string(key) + "'");
    return Node((*value_)[std::string(key)], path_ + "/" + std::string(key));
  }
  Node at(std::size_t index) const { return Node((*value_)[index], path_ + "/" + std::to_string(index)); }
  std::size_t size() const { return value_->size(); }
  Node array() const {
    if (!value_->is_array()) fail("expected an array");
    return *this;
  }

  /// Rejects fields outside `allowed` (a typo should not be silently ignored).
  void only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, v] : value_->items())
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        Node(v, path_ + "/" + key).fail("unknown field '" + key + "'");
  }

  std::string string() const {
    if (!value_->is_string()) fail("expected a string");
    return value_->get<std::string>();
  }
  bool boolean() const {
    if (!value_->is_boolean()) fail("expected true or false");
    return value_->get<bool>();
  }
  long long integer(long long lo = std::numeric_limits<long long>::min(),
                    long long hi = std::numeric_limits<long long>::max()) const {
    if (!value_->is_number_integer()) fail("expected an integer");
    const long long v = value_->get<long long>();
    if (v < lo || v > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
  }
  double number(double lo, double hi) const {
    if (!value_->is_number()) fail("expected a number");
    const double v = value_->get<double>();
    if (!(v >= lo && v <= hi)) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }
  /// One of `choices`; returns its index.
  std::size_t choice(std::initializer_list<std::string_view> choices) const {
    return choice(std::span<const std::string_view>(choices.begin(), choices.size()));
  }
  std::size_t choice(std::span<const std::string_view> choices) const {
    const std::string s = string();
    const auto it = std::find(choices.begin(), choices.end(), s);
    if (it == choices.end()) {
      std::string list;
      for (const auto c : choices) list += (list.empty() ? "" : ", ") + std::string("\"") + std::string(c) + "\"";
      fail("\"" + s + "\" is not one of " + list);
    }
    return static_cast<std::size_t>(it - choices.begin());
  }

 private:
  const json* value_;
  std::string path_;
};

/// Parses a JSON file; syntax errors name the file and the byte offset.
inline json parse_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open the file");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw input_error(path, std::string("malformed JSON: ") + e.what());
  }
}

/// Parses `path` and hands the document to `read`; errors are prefixed with the
/// file, so they read "file.json:/layers/3/kernel: reason".
template <class Read>
auto read_file(const std::string& path, Read&& read) {
  const json doc = parse_file(path);
  try {
    return read(doc);
  } catch (const input_error& e) {
    throw input_error(path + ":" + e.where(), e.reason());
  }
}

}  // namespace pinfuse::io
