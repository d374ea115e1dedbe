#pragma once
/// \file python/src/train_impl.hpp
/// The training loops behind tabrl.train / train_online / greedy_rollout: the agent and memory
/// are dispatched from their Python objects once per call, then tabrl's own loop runs on the
/// concrete types (the same code a C++ user's train() runs). Included by the train_*.cpp
/// files only, each of which instantiates it for its environments (TABRL_PYTHON_INSTANTIATE).

#include "bindings.hpp"

namespace tabrl::python {

/// A training observer that lets Ctrl-C stop a long run: every kInterval steps (at the end of
/// an episode once that many steps have passed since the last check, and inside episodes that
/// long) the main thread takes the GIL back (if the loop released it) and calls
/// PyErr_CheckSignals(). On a pending KeyboardInterrupt it keeps the exception and asks the
/// loop to stop, which returns with the TrainingState ready to continue exactly there; the
/// caller raises the exception (raise_if_interrupted) once it holds the GIL again. Signals
/// reach only Python's main thread, so other threads never take the GIL back.
///
/// The per-step test reads only the event (the step count in the episode), and check() stays
/// out of line: inlined into the loop, its GIL handling cost ~5% of a CliffWalking step
/// (benchmarks/python_bindings, 2026-11-29).
class SignalCheck {
 public:
  /// Steps between checks (a power of two): a few hundred microseconds of native training,
  /// so Ctrl-C feels immediate while taking the GIL costs well under 0.1% of the loop.
  static constexpr std::int64_t kInterval = 4096;

  /// Construct with the GIL held; `gil_released` says whether the loop runs without it.
  explicit SignalCheck(bool gil_released) : gil_released_(gil_released), main_(on_main_thread()) {}

  Control on_step(const StepEvent& e) {
    if ((e.step_in_episode & (kInterval - 1)) != 0) [[likely]]
      return Control::proceed;
    return check();
  }

  Control on_episode_end(const EpisodeEvent& e) {
    if (e.log.env_steps - checked_at_ < kInterval) return Control::proceed;
    checked_at_ = e.log.env_steps;
    return check();
  }

  /// Raises the exception a signal handler set, if the run was interrupted (GIL held).
  void raise_if_interrupted() {
    if (error_) throw py::error_already_set(std::move(*error_));
  }

 private:
  static bool on_main_thread() {
    const py::module_ threading = py::module_::import("threading");
    return threading.attr("current_thread")().is(threading.attr("main_thread")());
  }
  [[gnu::noinline, gnu::cold]] Control check() {
    if (!main_) return Control::proceed;
    const auto interrupted = [this] {
      if (PyErr_CheckSignals() == 0) return false;
      error_.emplace();  // fetches the exception (KeyboardInterrupt) while the GIL is held
      return true;
    };
    if (!gil_released_) return interrupted() ? Control::stop : Control::proceed;
    const py::gil_scoped_acquire gil;
    return interrupted() ? Control::stop : Control::proceed;
  }

  bool gil_released_;
  bool main_;
  std::int64_t checked_at_ = 0;
  std::optional<py::error_already_set> error_;
};

/// The address a TimeLimit's unwrapped environment has (it is reachable from Python too),
/// or the environment's own address.
template <class Env>
const void* inner_address(const Env& env) {
  if constexpr (requires { env.unwrapped(); }) {
    return &env.unwrapped();
  } else {
    return &env;
  }
}

/// Runs body(observer) with the objects leased, releasing the GIL unless the environment
/// runs Python code.
template <class Env, class Body>
void run_leased(std::initializer_list<const void*> objects, const char* who, Body&& body) {
  const Lease lease(objects, who);
  SignalCheck check(!runs_python<Env>);
  if constexpr (runs_python<Env>) {
    body(check);
  } else {
    const py::gil_scoped_release release;
    body(check);
  }
  check.raise_if_interrupted();
}

/// Calls f with the agent as a minibatch-learning agent type.
template <class F>
void with_replay_agent(py::handle agent, const char* who, F&& f) {
  if (auto* a = as<QLearningAgent<>>(agent)) return f(*a);
  if (auto* a = as<ExpectedSarsaAgent<>>(agent)) return f(*a);
  if (auto* a = as<DoubleQLearningAgent<>>(agent)) return f(*a);
  if (as<SarsaAgent<>>(agent) != nullptr) {
    bad_type(who,
             "agent must learn from minibatches (SarsaAgent learns online only: use "
             "train_online)",
             agent);
  }
  bad_type(who, "agent must be a QLearningAgent, ExpectedSarsaAgent or DoubleQLearningAgent",
           agent);
}

/// Calls f with the memory as its concrete type.
template <class F>
void with_memory(py::handle memory, const char* who, F&& f) {
  if (auto* m = as<ReplayMemory<>>(memory)) return f(*m);
  if (auto* m = as<PrioritizedReplay<>>(memory)) return f(*m);
  if (auto* m = as<NStepMemory>(memory)) return std::visit(f, m->memory);
  bad_type(who, "memory must be a ReplayMemory, PrioritizedReplay or NStepReplay", memory);
}

template <class Env>
void run_replay(py::handle agent, Env& env, py::handle memory, const TrainOptions& options,
                TrainingState& state) {
  constexpr const char* who = "tabrl.train";
  with_replay_agent(agent, who, [&](auto& a) {
    with_memory(memory, who, [&](auto& mem) {
      run_leased<Env>({&a, &env, inner_address(env), &mem, &state}, who, [&](SignalCheck& check) {
        run_training(a, env, mem, options, state, check);
      });
    });
  });
}

template <class Env>
void run_online(py::handle agent, Env& env, const TrainOptions& options, TrainingState& state) {
  constexpr const char* who = "tabrl.train_online";
  with_agent(agent, who, [&](auto& a) {
    run_leased<Env>({&a, &env, inner_address(env), &state}, who, [&](SignalCheck& check) {
      run_online_training(a, env, options, state, check);
    });
  });
}

template <class Env>
Rollout run_greedy(py::handle agent, Env& env, Rng& rng, std::int64_t max_steps,
                   std::uint64_t seed) {
  constexpr const char* who = "tabrl.greedy_rollout";
  const auto* a = as<TDAgent<>>(agent);
  if (a == nullptr) bad_type(who, "agent must be a tabrl agent", agent);
  // A greedy policy may circle for ever; the cap bounds the rollout's memory (80 MB).
  constexpr std::int64_t max_cap = 10'000'000;
  if (max_steps < 0 || max_steps > max_cap) {
    detail::throw_invalid("greedy_rollout",
                          detail::concat("max_steps must be in [0, ", max_cap, "]"), max_steps);
  }
  Rollout out;
  run_leased<Env>({a, &env, inner_address(env), &rng}, who,
                  [&](SignalCheck&) { out = greedy_rollout(*a, env, rng, max_steps, seed); });
  return out;
}

/// Explicit instantiations of the three loops for one environment type.
#define TABRL_PYTHON_INSTANTIATE(Env)                                                   \
  template void run_replay<Env>(py::handle, Env&, py::handle, const TrainOptions&,      \
                                TrainingState&);                                        \
  template void run_online<Env>(py::handle, Env&, const TrainOptions&, TrainingState&); \
  template Rollout run_greedy<Env>(py::handle, Env&, Rng&, std::int64_t, std::uint64_t)

}  // namespace tabrl::python
