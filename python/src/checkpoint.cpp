/// \file python/src/checkpoint.cpp
/// Checkpoints of a whole run: the agent, the memory (none for online runs), the
/// TrainingState and the TrainOptions, as parts of one file in that order (the order tabrl's
/// C++ trainer writes, so either side reads the other's files).

#include <pybind11/stl/filesystem.h>

#include <filesystem>

#include <tabrl/experiment/saved_spec.hpp>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// Calls f with the parts of a checkpoint: agent, memory (left out when None), state, options.
template <class F>
void with_parts(py::handle agent, py::handle memory, const char* who, F&& f) {
  with_agent(agent, who, [&](auto& a) {
    check_idle(&a, who);
    if (memory.is_none()) return f(a);
    auto with_memory = [&](auto& m) {
      check_idle(&m, who);
      f(a, m);
    };
    if (auto* m = as<ReplayMemory<>>(memory)) return with_memory(*m);
    if (auto* m = as<PrioritizedReplay<>>(memory)) return with_memory(*m);
    if (auto* m = as<NStepMemory>(memory)) return std::visit(with_memory, m->memory);
    bad_type(who, "memory must be a ReplayMemory, PrioritizedReplay, NStepReplay or None", memory);
  });
}

// True when the checkpoint starts with the run's description: a file of tabrl's C++ trainer
// (cliff_walking_replay), whose parts are RunSpec, agent, [memory], environment, state, options.
bool written_by_trainer(const std::vector<unsigned char>& bytes, const std::string& who) {
  if (checkpoint_version(bytes, who) != checkpoint_format_version) return false;
  experiment::SavedRunSpec spec;
  try {
    parse_checkpoint_part(bytes, who, 0, spec);
    return true;
  } catch (const FormatError& e) {
    if (e.problem() == FormatProblem::kind) return false;
    throw;
  }
}

}  // namespace

void init_checkpoint(py::module_& m) {
  m.def(
      "save_checkpoint",
      [](const std::filesystem::path& path, const py::handle agent, const py::handle memory,
         const TrainingState& state, const TrainOptions& options) {
        constexpr const char* who = "tabrl.save_checkpoint";
        check_idle(&state, who);
        with_parts(agent, memory, who,
                   [&](const auto&... parts) { save_checkpoint(path, parts..., state, options); });
      },
      py::arg("path"), py::arg("agent"), py::arg("memory"), py::arg("state"), py::arg("options"),
      R"doc(
Saves a whole run atomically: the agent (settings and tables), the memory (contents, ring
position, priorities; None for an online run), the TrainingState (generator, episode, log, an
unfinished episode) and the TrainOptions. Loading it into fresh objects of the same kinds and
calling run_training again continues the run bit for bit. Raises OSError when the file cannot
be written.)doc");

  m.def(
      "load_checkpoint",
      [](const std::filesystem::path& path, const py::handle agent, const py::handle memory,
         TrainingState& state, const py::handle env) {
        constexpr const char* who = "tabrl.load_checkpoint";
        check_idle(&state, who);
        const std::vector<unsigned char> bytes = read_checkpoint_file(path);
        const std::string where = "tabrl::load_checkpoint: " + path.string();  // as in C++
        TrainOptions options;
        if (!written_by_trainer(bytes, where)) {
          with_parts(agent, memory, who,
                     [&](auto&... parts) { parse_checkpoint(bytes, where, parts..., state, options); });
          return options;
        }
        if (env.is_none()) {
          throw py::value_error(std::string(who) + ": " + path.string() +
                                " was written by the C++ trainer and holds the environment: pass "
                                "env= (a CliffWalking, FrozenLake or Taxi of the run's kind)");
        }
        experiment::SavedRunSpec spec;
        with_env(env, who, [&](auto& e) {
          using Env = std::remove_cvref_t<decltype(e)>;
          if constexpr (Saveable<Env>) {
            check_idle(&e, who);
            with_parts(agent, memory, who, [&](auto& a, auto&... mem) {
              parse_checkpoint(bytes, where, spec, a, mem..., e, state, options);
            });
          } else {
            bad_type(who, "env must be a CliffWalking, FrozenLake, Taxi or TimeLimit for a trainer's checkpoint", env);
          }
        });
        return options;
      },
      py::arg("path"), py::arg("agent"), py::arg("memory"), py::arg("state"), py::arg("env") = py::none(),
      R"doc(
Restores a checkpoint into `agent`, `memory` (None for an online run) and `state`, which must be
of the kinds saved and of the same shapes (table size, memory capacity and settings), and
returns its TrainOptions. A checkpoint of the C++ trainer (cliff_walking_replay --save) also
holds the run's settings and its environment: pass `env` (of the run's kind) to restore that
too. Everything is validated first: on any error nothing is changed. Raises OSError when the
file cannot be read and tabrl.FormatError (a ValueError; .problem names the failed check) when
it is not a valid checkpoint of these objects.)doc");
}

}  // namespace tabrl::python
