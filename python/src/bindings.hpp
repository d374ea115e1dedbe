#pragma once
/// \file python/src/bindings.hpp
/// What the translation units of the extension module share: the Python-side holders of the
/// wrapped types, the dispatch from a Python object to the concrete C++ type (once per call,
/// never per step), the guard against two threads using one object, and the init functions.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <variant>

#include <tabrl/tabrl.hpp>

#include "gymnasium_env.hpp"

namespace tabrl::python {

namespace py = pybind11;

/// Python's TimeLimit: one class over every environment it may wrap.
struct TimeLimitEnv {
  std::variant<TimeLimit<CliffWalking>, TimeLimit<FrozenLake>, TimeLimit<Taxi>,
               TimeLimit<GymnasiumEnv>>
      env;
};

/// Python's NStepReplay: one class over the two memories it may sit in front of.
struct NStepMemory {
  std::variant<NStepReplay<ReplayMemory<>>, NStepReplay<PrioritizedReplay<>>> memory;
};

/// The address of `h`'s C++ object if it is a T (or a Python subclass of T), else nullptr.
template <class T>
[[nodiscard]] T* as(py::handle h) {
  return py::isinstance<T>(h) ? &h.cast<T&>() : nullptr;
}

/// Python's name of an object's type, for error messages.
[[nodiscard]] std::string type_name(py::handle h);

/// Throws InvalidArgument "<who>: <what>, got <type of h>".
[[noreturn]] void bad_type(const char* who, const char* what, py::handle h);

/// Calls f with the environment `env` as its concrete C++ type: CliffWalking, FrozenLake,
/// Taxi, GymnasiumEnv or TimeLimit over one of them. Throws a ValueError naming the accepted
/// types otherwise.
template <class F>
decltype(auto) with_env(py::handle env, const char* who, F&& f) {
  if (auto* e = as<CliffWalking>(env)) return f(*e);
  if (auto* e = as<FrozenLake>(env)) return f(*e);
  if (auto* e = as<Taxi>(env)) return f(*e);
  if (auto* e = as<GymnasiumEnv>(env)) return f(*e);
  if (auto* e = as<TimeLimitEnv>(env)) return std::visit(f, e->env);
  bad_type(who, "env must be a CliffWalking, FrozenLake, Taxi, GymnasiumEnv or TimeLimit", env);
}

/// Calls f with the agent as its concrete type: QLearningAgent, ExpectedSarsaAgent,
/// DoubleQLearningAgent or SarsaAgent. Throws a ValueError naming them otherwise.
template <class F>
decltype(auto) with_agent(py::handle agent, const char* who, F&& f) {
  if (auto* a = as<QLearningAgent<>>(agent)) return f(*a);
  if (auto* a = as<ExpectedSarsaAgent<>>(agent)) return f(*a);
  if (auto* a = as<DoubleQLearningAgent<>>(agent)) return f(*a);
  if (auto* a = as<SarsaAgent<>>(agent)) return f(*a);
  bad_type(
      who,
      "agent must be a QLearningAgent, ExpectedSarsaAgent, DoubleQLearningAgent or SarsaAgent",
      agent);
}

/// True for environments whose steps run Python code: training them keeps the GIL.
template <class Env>
inline constexpr bool runs_python = false;
template <>
inline constexpr bool runs_python<GymnasiumEnv> = true;
template <>
inline constexpr bool runs_python<TimeLimit<GymnasiumEnv>> = true;

/// Marks objects (by the address of the C++ object a loop runs on, at most six) as in use by a
/// training run for its lifetime, so that another thread's call on them fails with a
/// RuntimeError instead of racing (the GIL is released while training). Construct and destroy
/// with the GIL held.
class Lease {
 public:
  Lease(std::initializer_list<const void*> objects, const char* who);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

 private:
  std::array<const void*, 6> objects_{};
  std::size_t count_ = 0;
};

/// Throws LogicError if `object` is leased by a training run (call with the GIL held).
void check_idle(const void* object, const char* who);

/// Converts a Python int (or anything with __index__) to a 64-bit seed; negative or too large
/// values are a ValueError naming `who`.
[[nodiscard]] std::uint64_t to_seed(py::handle value, const char* who);

/// The shortest text that reads back as `value` (as Python's repr of a float).
[[nodiscard]] std::string shortest(double value);

/// A DuplicateRule from the enum or its name ("last", "mean", "sequential").
[[nodiscard]] DuplicateRule to_duplicate_rule(py::handle value);
/// A Sampling from the enum or its name ("without_replacement", "with_replacement").
[[nodiscard]] Sampling to_sampling(py::handle value);

/// A read-only 1-D numpy array that owns a copy of `values`.
template <class T>
[[nodiscard]] py::array_t<T> to_numpy(const std::vector<T>& values) {
  py::array_t<T> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

/// The training loops (train_*.cpp instantiate them for each environment type): replay
/// training, online training and a greedy rollout, with the agent and memory dispatched from
/// their Python objects. Called with the GIL held; they release it when the environment is
/// native.
template <class Env>
void run_replay(py::handle agent, Env& env, py::handle memory, const TrainOptions& options,
                TrainingState& state);
template <class Env>
void run_online(py::handle agent, Env& env, const TrainOptions& options, TrainingState& state);
template <class Env>
Rollout run_greedy(py::handle agent, Env& env, Rng& rng, std::int64_t max_steps,
                   std::uint64_t seed);

void init_errors(py::module_& m);
void init_envs(py::module_& m);
void init_agents(py::module_& m);
void init_memories(py::module_& m);
void init_training(py::module_& m);
void init_q_table(py::module_& m);
void init_replay(py::module_& m);
void init_checkpoint(py::module_& m);
void init_viz(py::module_& m);
void init_sweep(py::module_& m);

}  // namespace tabrl::python
