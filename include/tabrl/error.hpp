#pragma once
/// \file error.hpp
/// Exceptions thrown by tabrl and the TABRL_ASSERT macro for hot-path preconditions.

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

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

/// A violated hot-path precondition checked by TABRL_ASSERT.
class AssertionError : public Error {
 public:
  using Error::Error;
};

namespace detail {

template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}

/// Throws InvalidArgument("<who>: <what>, got <value>").
template <class Value>
[[noreturn]] void throw_invalid(std::string_view who, std::string_view what, const Value& value) {
  throw InvalidArgument(concat("tabrl::", who, ": ", what, ", got ", value));
}

[[noreturn]] inline void assertion_failed(const char* expr, const char* file, int line,
                                          const char* message) {
  throw AssertionError(concat("tabrl: assertion `", expr, "` failed at ", file, ":", line,
                              message != nullptr && *message != '\0' ? ": " : "",
                              message != nullptr ? message : ""));
}

}  // namespace detail
}  // namespace tabrl

/// Hot-path precondition. Throws tabrl::AssertionError when TABRL_ENABLE_ASSERTS is defined
/// (tests and Debug builds define it), compiles to nothing otherwise. Public entry points
/// that take user input validate unconditionally and never rely on this macro alone.
#if defined(TABRL_ENABLE_ASSERTS) || !defined(NDEBUG)
#define TABRL_ASSERT(expr, message)                                                     \
  do {                                                                                  \
    if (!(expr)) ::tabrl::detail::assertion_failed(#expr, __FILE__, __LINE__, message); \
  } while (false)
#else
#define TABRL_ASSERT(expr, message) \
  do {                              \
  } while (false)
#endif
