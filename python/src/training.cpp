/// \file python/src/training.cpp
/// train, train_online, the resumable run_training / run_online_training, greedy_rollout, and
/// their values: TrainOptions, TrainingLog (numpy arrays), TrainingState, Rollout.

#include <climits>
#include <string>
#include <utility>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// TrainOptions from Python integers, with tabrl's messages for out-of-range values (Python
// ints are unbounded, so the range of the C++ field is checked here first).
TrainOptions make_options(std::int64_t episodes, std::int64_t batch_size,
                          std::int64_t updates_per_step, const py::handle seed, const char* who) {
  if (episodes < 0 || episodes > INT_MAX) {
    detail::throw_invalid(who, detail::concat("episodes must be in [0, ", INT_MAX, "]"), episodes);
  }
  if (batch_size < 1) detail::throw_invalid(who, "batch_size must be >= 1", batch_size);
  if (updates_per_step < 0 || updates_per_step > INT_MAX) {
    detail::throw_invalid(who, detail::concat("updates_per_step must be in [0, ", INT_MAX, "]"),
                          updates_per_step);
  }
  return {static_cast<int>(episodes), static_cast<std::size_t>(batch_size),
          static_cast<int>(updates_per_step), to_seed(seed, who)};
}

int num_states_of(py::handle env, const char* who) {
  return with_env(env, who, [](const auto& e) { return e.num_states(); });
}

// A read-only numpy view of a log column, kept alive by the log object `owner`. Logs held by
// Python are never changed (TrainingState.log hands out copies), so the view stays valid.
template <class T>
py::array_t<T> column_view(const std::vector<T>& column, const py::handle owner) {
  py::array_t<T> view(static_cast<py::ssize_t>(column.size()), column.data(), owner);
  view.attr("setflags")(py::arg("write") = false);
  return view;
}

std::string repr_of(const TrainOptions& o) {
  return detail::concat("TrainOptions(episodes=", o.episodes, ", batch_size=", o.batch_size,
                        ", updates_per_step=", o.updates_per_step, ", seed=", o.seed, ")");
}

}  // namespace

void init_training(py::module_& m) {
  py::class_<TrainOptions>(m, "TrainOptions",
                           "What run_training runs (train takes the same as keywords).")
      .def(py::init([](std::int64_t episodes, std::int64_t batch_size,
                       std::int64_t updates_per_step, const py::object& seed) {
             return make_options(episodes, batch_size, updates_per_step, seed, "TrainOptions");
           }),
           py::kw_only(), py::arg("episodes") = 100, py::arg("batch_size") = 32,
           py::arg("updates_per_step") = 1, py::arg("seed") = 0)
      .def_readonly("episodes", &TrainOptions::episodes,
                    "Episodes to run (the total, for a resumed run).")
      .def_readonly("batch_size", &TrainOptions::batch_size,
                    "Minibatch size; updates start once the memory holds more transitions.")
      .def_readonly("updates_per_step", &TrainOptions::updates_per_step,
                    "Minibatch updates after each environment step.")
      .def_readonly("seed", &TrainOptions::seed,
                    "Seeds the agent's generator and every episode's reset (episode e: "
                    "derive_seed(seed, e)).")
      .def(
          "__eq__",
          [](const TrainOptions& a, const TrainOptions& b) {
            return a.episodes == b.episodes && a.batch_size == b.batch_size &&
                   a.updates_per_step == b.updates_per_step && a.seed == b.seed;
          },
          py::is_operator())
      .def("__repr__", &repr_of);

  py::class_<TrainingLog>(m, "TrainingLog", "What a training run recorded.")
      .def_property_readonly(
          "returns",
          [](const py::object& self) {
            return column_view(self.cast<const TrainingLog&>().returns, self);
          },
          "Undiscounted return of each episode (float64, read-only).")
      .def_property_readonly(
          "lengths",
          [](const py::object& self) {
            return column_view(self.cast<const TrainingLog&>().lengths, self);
          },
          "Environment steps of each episode (int64, read-only).")
      .def_property_readonly(
          "visit_counts",
          [](const py::object& self) {
            return column_view(self.cast<const TrainingLog&>().visit_counts, self);
          },
          "Visits per state, start states included (int64, read-only).")
      .def_readonly("env_steps", &TrainingLog::env_steps, "Environment steps over all episodes.")
      .def_readonly("updates", &TrainingLog::updates, "Updates performed (minibatch or online).")
      .def_readonly("seconds", &TrainingLog::seconds, "Wall-clock seconds inside the loop.")
      .def_property_readonly(
          "episodes", [](const TrainingLog& log) { return log.returns.size(); }, "Episodes run.")
      .def("mean_return_last", &TrainingLog::mean_return_last, py::arg("n"),
           "Mean return of the last n episodes (of all when fewer; 0 when none).")
      .def(
          "__eq__", [](const TrainingLog& a, const TrainingLog& b) { return a == b; },
          py::is_operator(), "Equal results (seconds, a measurement, is not compared).")
      .def("__repr__", [](const TrainingLog& log) {
        return detail::concat("TrainingLog(episodes=", log.returns.size(),
                              ", env_steps=", log.env_steps, ", updates=", log.updates,
                              ", mean_return_last_10=", shortest(log.mean_return_last(10)), ")");
      });

  py::class_<TrainingState>(m, "TrainingState", R"doc(
The resumable state of a run: the generator, the next episode and the log so far. A run split
into several run_training calls on one TrainingState equals one uninterrupted run.)doc")
      .def(py::init([](const py::object& seed, int num_states) {
             return TrainingState(to_seed(seed, "tabrl.TrainingState"), num_states);
           }),
           py::kw_only(), py::arg("seed"), py::arg("num_states"))
      .def_property_readonly(
          "episode",
          [](const TrainingState& s) {
            check_idle(&s, "tabrl.TrainingState.episode");
            return s.episode;
          },
          "The next episode to run.")
      .def_property_readonly(
          "log",
          [](const TrainingState& s) {
            check_idle(&s, "tabrl.TrainingState.log");
            return TrainingLog(s.log);
          },
          "A copy of the log so far.")
      .def_property_readonly(
          "rng",
          [](const TrainingState& s) {
            check_idle(&s, "tabrl.TrainingState.rng");
            return Rng(s.rng);
          },
          "A copy of the run's generator.");

  py::class_<Rollout>(m, "Rollout", "One greedy episode.")
      .def_property_readonly(
          "states", [](const Rollout& r) { return to_numpy(r.states); },
          "States visited, the start included (int32).")
      .def_property_readonly(
          "actions", [](const Rollout& r) { return to_numpy(r.actions); }, "Actions taken (int32).")
      .def_readonly("total_return", &Rollout::total_return, "Sum of the rewards.")
      .def_readonly("terminated", &Rollout::terminated,
                    "True if it ended in a terminal state (not at the step cap or a truncation).")
      .def_property_readonly("length", &Rollout::length, "Steps taken.")
      .def("__repr__", [](const Rollout& r) {
        return detail::concat("Rollout(length=", r.length(),
                              ", total_return=", shortest(r.total_return),
                              ", terminated=", r.terminated ? "True" : "False", ")");
      });

  m.def("derive_seed", &derive_seed, py::arg("seed"), py::arg("index"),
        "The seed of stream `index` of a run seeded with `seed` (training resets episode e "
        "with derive_seed(seed, e)).");

  m.def(
      "train",
      [](const py::handle agent, const py::handle env, const py::handle memory,
         std::int64_t episodes, std::int64_t batch_size, std::int64_t updates_per_step,
         const py::object& seed) {
        const TrainOptions options =
            make_options(episodes, batch_size, updates_per_step, seed, "train");
        TrainingState state(options.seed, num_states_of(env, "tabrl.train"));
        with_env(env, "tabrl.train",
                 [&](auto& e) { run_replay(agent, e, memory, options, state); });
        return std::move(state.log);
      },
      py::arg("agent"), py::arg("env"), py::arg("memory"), py::kw_only(), py::arg("episodes") = 100,
      py::arg("batch_size") = 32, py::arg("updates_per_step") = 1, py::arg("seed") = 0, R"doc(
Trains `agent` on `env` with experience replay from `memory`, as the notebook does: act
epsilon-greedily, step, store, and once the memory holds more than batch_size transitions
sample a minibatch and update, updates_per_step times per step. Episode e resets the
environment with derive_seed(seed, e). The whole loop runs in C++ with the GIL released
(native environments), so other Python threads run meanwhile; Ctrl-C raises
KeyboardInterrupt between two steps and leaves agent, env and memory usable. Returns a
TrainingLog. Deterministic: the same seed gives the same log and Q table.)doc");

  m.def(
      "train_online",
      [](const py::handle agent, const py::handle env, std::int64_t episodes,
         const py::object& seed) {
        const TrainOptions options = make_options(episodes, 32, 1, seed, "train_online");
        TrainingState state(options.seed, num_states_of(env, "tabrl.train_online"));
        with_env(env, "tabrl.train_online", [&](auto& e) { run_online(agent, e, options, state); });
        return std::move(state.log);
      },
      py::arg("agent"), py::arg("env"), py::kw_only(), py::arg("episodes") = 100,
      py::arg("seed") = 0, R"doc(
Trains `agent` online, one update per step and no memory: the baseline replay is compared
with. Seeds episodes exactly as train() does. SarsaAgent learns here only.)doc");

  m.def(
      "run_training",
      [](const py::handle agent, const py::handle env, const py::handle memory,
         TrainingState& state, const TrainOptions& options) {
        with_env(env, "tabrl.run_training",
                 [&](auto& e) { run_replay(agent, e, memory, options, state); });
      },
      py::arg("agent"), py::arg("env"), py::arg("memory"), py::arg("state"), py::arg("options"),
      "Continues `state` with replay training up to options.episodes episodes (what train() "
      "runs, resumable: split runs equal one whole run).");

  m.def(
      "run_online_training",
      [](const py::handle agent, const py::handle env, TrainingState& state,
         const TrainOptions& options) {
        with_env(env, "tabrl.run_online_training",
                 [&](auto& e) { run_online(agent, e, options, state); });
      },
      py::arg("agent"), py::arg("env"), py::arg("state"), py::arg("options"),
      "Continues `state` with online training up to options.episodes episodes.");

  m.def(
      "greedy_rollout",
      [](const py::handle agent, const py::handle env, std::int64_t max_steps,
         const py::object& seed, Rng* rng) {
        const std::uint64_t s = to_seed(seed, "tabrl.greedy_rollout");
        Rng local(s);
        Rng& r = rng != nullptr ? *rng : local;
        return with_env(env, "tabrl.greedy_rollout",
                        [&](auto& e) { return run_greedy(agent, e, r, max_steps, s); });
      },
      py::arg("agent"), py::arg("env"), py::kw_only(), py::arg("max_steps") = 100,
      py::arg("seed") = 0, py::arg("rng") = py::none(), R"doc(
Follows the agent's greedy policy from env.reset(seed) for at most max_steps steps (at most
10,000,000); ties are broken with `rng` (default: Rng(seed)). Returns a Rollout.)doc");
}

}  // namespace tabrl::python
