#pragma once
// The one exception type pinfuse throws for bad input: it names the place
// (a JSON pointer such as "/layers/3/kernel", a layer name, a file) and the reason.
#include <stdexcept>
#include <string>
#include <utility>

namespace pinfuse {

class input_error : public std::runtime_error {
 public:
  input_error(std::string where, std::string reason)
      : std::runtime_error(where.empty() ? reason : where + ": " + reason),
        where_(std::move(where)), reason_(std::move(reason)) {}

  /// Where the problem is: a JSON pointer, a layer name or a file path.
  const std::string& where() const noexcept { return where_; }
  /// Why it is a problem, in words.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string where_;
  std::string reason_;
};

}  // namespace pinfuse
