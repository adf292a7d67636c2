#pragma once
// Checked access to a JSON document: every failure names the JSON pointer of the
// offending value. Shared by the model, hardware and plan readers.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <set>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/files.hpp"

namespace pinfuse::io {

using json = nlohmann::json;

/// A key as one JSON pointer token (RFC 6901: "~" is written "~0", "/" is "~1").
inline std::string pointer_token(std::string_view key) {
  std::string token;
  for (const char c : key) {
    if (c == '~') token.append("~0");
    else if (c == '/') token.append("~1");
    else token.push_back(c);
  }
  return token;
}

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
    return Node((*value_)[std::string(key)], path_ + "/" + pointer_token(key));
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
        Node(v, path_ + "/" + pointer_token(key)).fail("unknown field '" + key + "'");
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
    const auto range = [&] { return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got "; };
    if (value_->is_number_unsigned() && value_->get<unsigned long long>() > (unsigned long long)hi)
      fail(range() + std::to_string(value_->get<unsigned long long>()));  // printed unsigned: 2^63 and up too
    const long long v = value_->get<long long>();
    if (v < lo || v > hi) fail(range() + std::to_string(v));
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

namespace detail {

/// nlohmann/json's own DOM builder, behind a SAX handler that also keeps the
/// JSON pointer of the value being parsed and the keys of each open object,
/// to reject a repeated key (nlohmann/json keeps the last one silently).
class StrictSax {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  StrictSax(json& result, std::string source) : dom_(result, true), source_(std::move(source)) {}

  bool null() { return value(dom_.null()); }
  bool boolean(bool v) { return value(dom_.boolean(v)); }
  bool number_integer(number_integer_t v) { return value(dom_.number_integer(v)); }
  bool number_unsigned(number_unsigned_t v) { return value(dom_.number_unsigned(v)); }
  bool number_float(number_float_t v, const string_t& text) { return value(dom_.number_float(v, text)); }
  bool string(string_t& v) { return value(dom_.string(v)); }
  bool binary(binary_t& v) { return value(dom_.binary(v)); }
  bool start_object(std::size_t n) {
    open_.push_back({false, 0, {}, {}});
    return dom_.start_object(n);
  }
  bool key(string_t& k) {
    Frame& f = open_.back();
    if (!f.keys.insert(k).second)
      throw input_error(source_ + ":" + pointer(), "the key \"" + k + "\" appears twice in one object");
    f.key = k;
    return dom_.key(k);
  }
  bool end_object() { return close(dom_.end_object()); }
  bool start_array(std::size_t n) {
    open_.push_back({true, 0, {}, {}});
    return dom_.start_array(n);
  }
  bool end_array() { return close(dom_.end_array()); }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string& token, const Exception& e) {
    return dom_.parse_error(position, token, e);
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t index = 0;  ///< arrays: the element being parsed
    std::string key;        ///< objects: the member being parsed
    std::set<std::string> keys;
  };
  /// The pointer of the innermost open object or array ("/" for the root).
  std::string pointer() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < open_.size(); ++i)
      p.append("/").append(open_[i].array ? std::to_string(open_[i].index) : pointer_token(open_[i].key));
    return p.empty() ? "/" : p;
  }
  bool value(bool ok) {
    if (!open_.empty() && open_.back().array) ++open_.back().index;
    return ok;
  }
  bool close(bool ok) {
    open_.pop_back();
    return value(ok);
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string source_;
  std::vector<Frame> open_;
};

}  // namespace detail

/// Parses JSON text. Rejects what nlohmann/json would accept silently: a key
/// repeated in one object (the last would win), and numbers past a double
/// (1e999); both, and syntax errors, are input_errors naming `source` and the place.
inline json parse_text(const std::string& text, const std::string& source) {
  json result;
  detail::StrictSax sax(result, source);
  try {
    json::sax_parse(text, &sax);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
    throw input_error(source, std::string("malformed JSON: ") + e.what());
  }
  return result;
}

/// Parses a JSON file; errors name the file and the place.
inline json parse_file(const std::string& path) { return parse_text(read_text_file(path), path); }

/// Parses `path` and hands the document to `read`; errors are prefixed with the
/// file, so they read "file.json:/layers/3/kernel: reason".
template <class Read>
auto read_file(const std::string& path, Read&& read) {
  const json doc = parse_file(path);
  try {
    return read(doc);
  } catch (const input_error& e) {
    rethrow_at(e, path + ":" + e.where());
  }
}

}  // namespace pinfuse::io
