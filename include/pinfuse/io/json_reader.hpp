#pragma once
// Checked access to a JSON document: every failure names the JSON pointer of the
// offending value. Shared by the model, hardware and plan readers.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
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

/// Parses JSON text. Rejects what nlohmann/json would accept silently: a key
/// repeated in one object (the last would win), and numbers past a double
/// (1e999); both, and syntax errors, are input_errors naming `source` and the place.
inline json parse_text(const std::string& text, const std::string& source) {
  // The JSON pointer of the value being parsed: one frame per open object or
  // array, with the keys seen (objects) or the index of the next element (arrays).
  struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
    std::vector<std::string> keys;
  };
  std::vector<Frame> open;
  const auto pointer = [&] {
    std::string p;
    for (std::size_t i = 0; i + 1 < open.size(); ++i)
      p.append("/").append(open[i].array ? std::to_string(open[i].index) : pointer_token(open[i].key));
    return p;
  };
  const auto element_done = [&] {
    if (!open.empty() && open.back().array) ++open.back().index;
  };
  const json::parser_callback_t track = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open.push_back({false, 0, {}, {}}); break;
      case json::parse_event_t::array_start: open.push_back({true, 0, {}, {}}); break;
      case json::parse_event_t::key: {
        Frame& f = open.back();
        f.key = parsed.get<std::string>();
        if (std::find(f.keys.begin(), f.keys.end(), f.key) != f.keys.end())
          throw input_error(source + ":" + (pointer().empty() ? "/" : pointer()),
                            "the key \"" + f.key + "\" appears twice in one object");
        f.keys.push_back(f.key);
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open.pop_back();
        element_done();
        break;
      case json::parse_event_t::value: element_done(); break;
    }
    return true;
  };
  try {
    return json::parse(text, track);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
    throw input_error(source, std::string("malformed JSON: ") + e.what());
  }
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
