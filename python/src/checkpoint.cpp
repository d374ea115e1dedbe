/// \file python/src/checkpoint.cpp
/// Checkpoints of a whole run: the agent, the memory (none for online runs), the
/// TrainingState and the TrainOptions, as parts of one file in that order (the order tabrl's
/// C++ trainer writes, so either side reads the other's files).

#include <pybind11/stl/filesystem.h>

#include <filesystem>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// Calls f with the agent as its concrete type.
template <class F>
void with_agent(py::handle agent, const char* who, F&& f) {
  if (auto* a = as<QLearningAgent<>>(agent)) return f(*a);
  if (auto* a = as<ExpectedSarsaAgent<>>(agent)) return f(*a);
  if (auto* a = as<DoubleQLearningAgent<>>(agent)) return f(*a);
  if (auto* a = as<SarsaAgent<>>(agent)) return f(*a);
  bad_type(who,
           "agent must be a QLearningAgent, ExpectedSarsaAgent, DoubleQLearningAgent or SarsaAgent",
           agent);
}

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
         TrainingState& state) {
        constexpr const char* who = "tabrl.load_checkpoint";
        check_idle(&state, who);
        TrainOptions options;
        with_parts(agent, memory, who,
                   [&](auto&... parts) { load_checkpoint(path, parts..., state, options); });
        return options;
      },
      py::arg("path"), py::arg("agent"), py::arg("memory"), py::arg("state"), R"doc(
Restores a checkpoint into `agent`, `memory` (None for an online run) and `state`, which must be
of the kinds saved and of the same shapes (table size, memory capacity and settings), and
returns its TrainOptions. Everything is validated first: on any error nothing is changed.
Raises OSError when the file cannot be read and tabrl.FormatError (a ValueError; .problem
names the failed check) when it is not a valid checkpoint of these objects.)doc");
}

}  // namespace tabrl::python
