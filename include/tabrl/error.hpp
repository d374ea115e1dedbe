#pragma once
/// \file error.hpp
/// Every exception type tabrl throws, and the helpers that build their messages.

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace tabrl {

/// Base of every exception tabrl throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A caller passed a value outside its documented domain (bad hyperparameter, state, action...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// An operation was called in a state that does not allow it (step after termination...).
class LogicError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written (I/O failure, not a format problem).
class IoError : public Error {
 public:
  using Error::Error;
};

/// What was wrong with a file that failed to load.
enum class FormatProblem : std::uint8_t {
  truncated,    ///< the file ends before the data it announces
  magic,        ///< not a tabrl file of this kind
  version,      ///< a format version this build does not read
  scalar_type,  ///< the stored scalar type differs from the requested one (or is unknown)
  checksum,     ///< contents do not match the stored checksum (corruption)
  shape,        ///< dimensions do not match what the caller expects, or are impossible
  kind,         ///< the file holds another kind of agent, memory or part than the caller's
  value,        ///< a stored value is outside its domain (NaN, out of range, inconsistent)
};

/// The name of a FormatProblem as it appears in messages ("wrong magic", ...).
[[nodiscard]] constexpr std::string_view to_string(FormatProblem p) noexcept {
  switch (p) {
    case FormatProblem::truncated:
      return "truncated";
    case FormatProblem::magic:
      return "wrong magic";
    case FormatProblem::version:
      return "unsupported version";
    case FormatProblem::scalar_type:
      return "wrong scalar type";
    case FormatProblem::checksum:
      return "checksum mismatch";
    case FormatProblem::shape:
      return "shape mismatch";
    case FormatProblem::kind:
      return "wrong kind";
    case FormatProblem::value:
      return "bad value";
  }
  return "unknown";
}

/// A file (or saved state) that is not valid data of the expected kind. problem() says which
/// check failed; the message names it too.
class FormatError : public Error {
 public:
  /// `message` is the whole text (what(); it names the file and the field).
  FormatError(FormatProblem problem, const std::string& message)
      : Error(message), problem_(problem) {}
  /// Which check failed.
  [[nodiscard]] FormatProblem problem() const noexcept { return problem_; }

 private:
  FormatProblem problem_;
};

namespace detail {

template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}

/// value < 0, without a warning for unsigned types.
template <class T>
[[nodiscard]] constexpr bool is_negative(T value) noexcept {
  if constexpr (std::is_signed_v<T>) {
    return value < 0;
  } else {
    return false;
  }
}

/// Throws InvalidArgument("tabrl::<who>: <what>, got <value>").
template <class Value>
[[noreturn]] void throw_invalid(std::string_view who, std::string_view what, const Value& value) {
  throw InvalidArgument(concat("tabrl::", who, ": ", what, ", got ", value));
}

}  // namespace detail
}  // namespace tabrl
