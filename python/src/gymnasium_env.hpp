#pragma once
/// \file python/src/gymnasium_env.hpp
/// Any Gymnasium-API environment with Discrete observation and action spaces, seen from C++
/// as a tabrl DiscreteEnvironment, so tabrl's agents, memories and training loops run on it.

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>

#include <tabrl/error.hpp>
#include <tabrl/types.hpp>

namespace tabrl::python {

/// Wraps a Gymnasium environment (anything with reset(seed=...) -> (obs, info), step(action)
/// -> (obs, reward, terminated, truncated, info) and Discrete spaces). States and actions are
/// renumbered from 0 when a space has a non-zero `start`. Every method calls into Python and
/// needs the GIL: training loops keep it while they run such an environment.
class GymnasiumEnv {
 public:
  /// Throws InvalidArgument when a space is missing or not Discrete (naming which).
  explicit GymnasiumEnv(pybind11::object env);

  [[nodiscard]] int num_states() const noexcept { return num_states_; }
  [[nodiscard]] int num_actions() const noexcept { return num_actions_; }
  /// The wrapped Gymnasium environment.
  [[nodiscard]] const pybind11::object& env() const noexcept { return env_; }

  /// env.reset(seed=seed) (or env.reset() without a seed); returns the observation.
  int reset(std::optional<std::uint64_t> seed = std::nullopt);

  /// env.step(action); Python exceptions propagate as pybind11::error_already_set.
  StepResult step(int action) {
    if (action < 0 || action >= num_actions_) [[unlikely]] {
      detail::throw_invalid("GymnasiumEnv::step",
                            detail::concat("action must be in [0, ", num_actions_, ")"), action);
    }
    PyObject* py_action = PyLong_FromLongLong(action_start_ + action);
    if (py_action == nullptr) throw pybind11::error_already_set();
    PyObject* raw = PyObject_CallOneArg(step_.ptr(), py_action);
    Py_DECREF(py_action);
    if (raw == nullptr) throw pybind11::error_already_set();
    const auto result = pybind11::reinterpret_steal<pybind11::object>(raw);
    if (!PyTuple_Check(raw) || PyTuple_GET_SIZE(raw) != 5) [[unlikely]] {
      bad_result("step", "(observation, reward, terminated, truncated, info)", result);
    }
    StepResult out;
    out.next_state = observation(PyTuple_GET_ITEM(raw, 0), "step");
    out.reward = PyFloat_AsDouble(PyTuple_GET_ITEM(raw, 1));
    if (out.reward == -1.0 && PyErr_Occurred() != nullptr) throw pybind11::error_already_set();
    out.terminated = truth(PyTuple_GET_ITEM(raw, 2));
    out.truncated = truth(PyTuple_GET_ITEM(raw, 3));
    return out;
  }

 private:
  int observation(PyObject* obs, const char* where) const {
    long long value = 0;
    if (PyLong_CheckExact(obs)) {
      value = PyLong_AsLongLong(obs);
      if (value == -1 && PyErr_Occurred() != nullptr) throw pybind11::error_already_set();
    } else {
      value = integer(obs, where);  // numpy integers and other __index__ types
    }
    value -= observation_start_;
    if (value < 0 || value >= num_states_) [[unlikely]] {
      bad_observation(where, value + observation_start_);
    }
    return static_cast<int>(value);
  }
  static bool truth(PyObject* flag) {
    const int t = PyObject_IsTrue(flag);
    if (t < 0) throw pybind11::error_already_set();
    return t != 0;
  }
  long long integer(PyObject* obs, const char* where) const;
  [[noreturn]] void bad_observation(const char* where, long long value) const;
  [[noreturn]] static void bad_result(const char* where, const char* expected,
                                      const pybind11::object& got);

  pybind11::object env_;
  pybind11::object reset_;
  pybind11::object step_;
  long long observation_start_ = 0;
  long long action_start_ = 0;
  int num_states_ = 0;
  int num_actions_ = 0;
};

}  // namespace tabrl::python
