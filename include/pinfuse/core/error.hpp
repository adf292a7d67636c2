#pragma once
// The exceptions pinfuse throws on purpose. Each names the place (a JSON pointer
// such as "/layers/3/kernel", a layer name, a file, an option) and the reason;
// the type says whose problem it is (the tool maps each to an exit code, see
// docs/reliability.md):
//
//   error                  where() + reason()
//   ├── input_error        the input is wrong: a file, a field, an option      (exit 2)
//   │   └── limit_error    a size, MAC or cycle count past a documented limit  (exit 2)
//   ├── no_plan_fits       the input is fine, but no plan of the asked kind fits the SPM (exit 4)
//   └── usage_error        the library is called in a way it does not support  (exit 1)
#include <stdexcept>
#include <string>
#include <utility>

namespace pinfuse {

class error : public std::runtime_error {
 public:
  error(std::string where, std::string reason)
      : std::runtime_error(where.empty() ? reason : where + ": " + reason),
        where_(std::move(where)), reason_(std::move(reason)) {}

  /// Where the problem is: a JSON pointer, a layer name, a file path or an option.
  const std::string& where() const noexcept { return where_; }
  /// Why it is a problem, in words.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string where_;
  std::string reason_;
};

/// Bad input: a file that does not parse, a field out of range, an inconsistent model.
class input_error : public error {
 public:
  using error::error;
};

/// A quantity (bytes, MACs, cycles, elements) past the limit pinfuse computes
/// exactly (core/checked.hpp): the input asks for more than any plan can mean.
class limit_error : public input_error {
 public:
  using input_error::input_error;
};

/// A valid problem without a plan of the asked kind that fits the SPM.
class no_plan_fits : public error {
 public:
  using error::error;
};

/// A call the library does not support (e.g. a cost model that answers the
/// same query differently, or an option combination a solver refuses).
class usage_error : public error {
 public:
  using error::error;
};

/// Throws `e` again at `where` (a reader prefixing its file name), keeping its type.
[[noreturn]] inline void rethrow_at(const input_error& e, std::string where) {
  if (dynamic_cast<const limit_error*>(&e)) throw limit_error(std::move(where), e.reason());
  throw input_error(std::move(where), e.reason());
}

}  // namespace pinfuse
