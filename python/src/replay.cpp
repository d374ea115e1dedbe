/// \file python/src/replay.cpp
/// Sampling from Python: Minibatch (its columns as numpy arrays), memory.sample(...),
/// agent.update(batch), agent.last_td_errors and update_priorities. Kept apart from the rest:
/// it is the one file that reads minibatches (through their accessors, issue 21's API).

#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// The already registered class `name`, to add methods to it as where it was defined.
template <class T>
py::class_<T> class_of(py::module_& m, const char* name) {
  return py::reinterpret_borrow<py::class_<T>>(m.attr(name));
}

// The accessor `read` (&Minibatch::state, ...) of every row as a numpy array.
template <class To, class Read>
py::array_t<To> column(const Minibatch& batch, Read read) {
  py::array_t<To> out(static_cast<py::ssize_t>(batch.size()));
  To* data = out.mutable_data();
  for (Eigen::Index i = 0; i < batch.size(); ++i) data[i] = static_cast<To>((batch.*read)(i));
  return out;
}

template <class To, class T>
py::array_t<To> column(std::span<const T> values) {
  py::array_t<To> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

template <class Errors>
py::array_t<double> errors_array(const Errors& errors) {
  py::array_t<double> out(static_cast<py::ssize_t>(errors.size()));
  for (Eigen::Index i = 0; i < errors.size(); ++i)
    out.mutable_data()[i] = static_cast<double>(errors[i]);
  return out;
}

// A C-ordered float64 copy of a 1-D array-like, or a ValueError naming `who`.
std::vector<double> doubles_of(const py::handle values, const char* who, const char* what) {
  const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array || array.ndim() != 1) {
    PyErr_Clear();
    detail::throw_invalid(who, detail::concat(what, " must be a 1-D array of numbers"),
                          py::repr(values).cast<std::string>());
  }
  return {array.data(), array.data() + array.size()};
}

std::size_t batch_size_of(std::int64_t batch_size, const char* who) {
  if (batch_size < 1) detail::throw_invalid(who, "batch_size must be >= 1", batch_size);
  return static_cast<std::size_t>(batch_size);
}

// Samples into `out` (a Minibatch, or None for a new one) and returns it.
template <class Memory>
py::object sample_into(Memory& memory, std::int64_t batch_size, Rng& rng, py::object out,
                       const char* who) {
  check_idle(&memory, who);
  if (out.is_none()) out = py::cast(Minibatch{});
  auto* batch = as<Minibatch>(out);
  if (batch == nullptr) bad_type(who, "out must be a Minibatch or None", out);
  memory.sample(batch_size_of(batch_size, who), rng, *batch);
  return out;
}

constexpr const char* sample_doc =
    "Samples batch_size transitions with `rng` into a Minibatch and returns it; pass a "
    "Minibatch as `out` to reuse it (no allocation once it is large enough).";

template <class AgentT>
void def_batch_update(py::module_& m, const char* cls_name, const char* who) {
  class_of<AgentT>(m, cls_name)
      .def(
          "update",
          [who](AgentT& agent, const Minibatch& batch) {
            check_idle(&agent, who);
            agent.update(batch);
          },
          py::arg("batch"),
          "The minibatch update: every row's target from the pre-update table, then scattered "
          "(repeated (state, action) rows follow `duplicates`). Rows carry importance weights "
          "and n-step discounts when the memory provides them. Raises ValueError on an "
          "out-of-range row before changing anything.")
      .def_property_readonly(
          "last_td_errors",
          [](const AgentT& agent) { return errors_array(agent.last_td_errors()); },
          "TD errors of the rows of the last minibatch update (float64 copy).");
}

}  // namespace

void init_replay(py::module_& m) {
  py::class_<Minibatch>(m, "Minibatch", R"doc(
Transitions an agent learns from in one update, one row each: what memory.sample() returns, or
built by hand with push(). Its columns read as numpy arrays (copies): states, actions,
rewards, next_states, terminated, slots (the memory slot of each row), weights (importance
weights of prioritized replay, empty otherwise) and discounts (gamma^k of n-step replay,
empty otherwise).)doc")
      .def(py::init<>())
      .def("__len__", [](const Minibatch& b) { return b.size(); })
      .def(
          "__getitem__",
          [](const Minibatch& b, std::int64_t i) {
            const auto n = static_cast<std::int64_t>(b.size());
            if (i < -n || i >= n) throw py::index_error("tabrl.Minibatch: index out of range");
            const Transition t = b.row(i < 0 ? i + n : i);
            return py::make_tuple(t.state, t.action, t.reward, t.next_state, t.terminated);
          },
          py::arg("index"), "Row `index` as (state, action, reward, next_state, terminated).")
      .def(
          "push",
          [](Minibatch& b, int state, int action, double reward, int next_state, bool terminated) {
            b.push_back(Transition{state, action, reward, next_state, terminated});
          },
          py::arg("state"), py::arg("action"), py::arg("reward"), py::arg("next_state"),
          py::arg("terminated"),
          "Appends a row (a batch built by hand; the agent's update checks the ranges).")
      .def(
          "set_weights",
          [](Minibatch& b, const py::handle weights) {
            const auto w = doubles_of(weights, "Minibatch::set_weights", "weights");
            b.set_weights(w);
          },
          py::arg("weights"),
          "One importance weight per row (finite, >= 0): each row's TD step is scaled by it.")
      .def(
          "set_discounts",
          [](Minibatch& b, const py::handle discounts) {
            const auto d = doubles_of(discounts, "Minibatch::set_discounts", "discounts");
            b.set_discounts(d);
          },
          py::arg("discounts"),
          "One bootstrap discount per row in [0, 1], used instead of the agent's gamma.")
      .def_property_readonly(
          "states", [](const Minibatch& b) { return column<std::int32_t>(b, &Minibatch::state); },
          "s of every row (int32).")
      .def_property_readonly(
          "actions", [](const Minibatch& b) { return column<std::int32_t>(b, &Minibatch::action); },
          "a of every row (int32).")
      .def_property_readonly(
          "rewards", [](const Minibatch& b) { return column<double>(b, &Minibatch::reward); },
          "r of every row (float64).")
      .def_property_readonly(
          "next_states",
          [](const Minibatch& b) { return column<std::int32_t>(b, &Minibatch::next_state); },
          "s' of every row (int32).")
      .def_property_readonly(
          "terminated", [](const Minibatch& b) { return column<bool>(b, &Minibatch::terminated); },
          "Whether each row entered a terminal state (bool).")
      .def_property_readonly(
          "slots", [](const Minibatch& b) { return column<std::int32_t>(b.slots()); },
          "The memory slot each row came from (int32).")
      .def_property_readonly(
          "weights", [](const Minibatch& b) { return column<double>(b.weights()); },
          "Importance weights (float64), empty unless the rows carry them.")
      .def_property_readonly(
          "discounts",
          [](const Minibatch& b) {
            if (!b.discounted()) return py::array_t<double>(0);
            return column<double>(b, &Minibatch::discount);
          },
          "Bootstrap discounts gamma^k (float64), empty unless the rows carry them.");

  class_of<ReplayMemory<>>(m, "ReplayMemory")
      .def(
          "sample",
          [](ReplayMemory<>& memory, std::int64_t batch_size, Rng& rng, py::object out) {
            return sample_into(memory, batch_size, rng, std::move(out),
                               "tabrl.ReplayMemory.sample");
          },
          py::arg("batch_size"), py::arg("rng"), py::kw_only(), py::arg("out") = py::none(),
          sample_doc);
  class_of<PrioritizedReplay<>>(m, "PrioritizedReplay")
      .def(
          "sample",
          [](PrioritizedReplay<>& memory, std::int64_t batch_size, Rng& rng, py::object out) {
            return sample_into(memory, batch_size, rng, std::move(out),
                               "tabrl.PrioritizedReplay.sample");
          },
          py::arg("batch_size"), py::arg("rng"), py::kw_only(), py::arg("out") = py::none(),
          sample_doc);
  class_of<NStepMemory>(m, "NStepReplay")
      .def(
          "sample",
          [](NStepMemory& s, std::int64_t batch_size, Rng& rng, py::object out) {
            return std::visit(
                [&](auto& r) {
                  return sample_into(r, batch_size, rng, std::move(out),
                                     "tabrl.NStepReplay.sample");
                },
                s.memory);
          },
          py::arg("batch_size"), py::arg("rng"), py::kw_only(), py::arg("out") = py::none(),
          sample_doc);

  const auto update_priorities = [](auto& memory, const Minibatch& batch,
                                    const py::handle td_errors, const char* who) {
    check_idle(&memory, who);
    const std::vector<double> errors = doubles_of(td_errors, who, "td_errors");
    memory.update_priorities(batch, Eigen::Map<const Eigen::VectorXd>(
                                        errors.data(), static_cast<Eigen::Index>(errors.size())));
  };
  constexpr const char* priorities_doc =
      "Sets the priorities of the batch's rows from their TD errors: p = |delta| + epsilon "
      "(train() does this after every update).";
  class_of<PrioritizedReplay<>>(m, "PrioritizedReplay")
      .def(
          "update_priorities",
          [update_priorities](PrioritizedReplay<>& memory, const Minibatch& batch,
                              const py::handle td_errors) {
            update_priorities(memory, batch, td_errors,
                              "tabrl.PrioritizedReplay.update_priorities");
          },
          py::arg("batch"), py::arg("td_errors"), priorities_doc);
  class_of<NStepMemory>(m, "NStepReplay")
      .def(
          "update_priorities",
          [update_priorities](NStepMemory& s, const Minibatch& batch, const py::handle td_errors) {
            auto* prioritized = std::get_if<NStepReplay<PrioritizedReplay<>>>(&s.memory);
            if (prioritized == nullptr) {
              throw LogicError(
                  "tabrl.NStepReplay.update_priorities: the memory behind it is a ReplayMemory, "
                  "which has no priorities");
            }
            update_priorities(*prioritized, batch, td_errors,
                              "tabrl.NStepReplay.update_priorities");
          },
          py::arg("batch"), py::arg("td_errors"), priorities_doc);

  def_batch_update<QLearningAgent<>>(m, "QLearningAgent", "tabrl.QLearningAgent.update");
  def_batch_update<ExpectedSarsaAgent<>>(m, "ExpectedSarsaAgent",
                                         "tabrl.ExpectedSarsaAgent.update");
  def_batch_update<DoubleQLearningAgent<>>(m, "DoubleQLearningAgent",
                                           "tabrl.DoubleQLearningAgent.update");
}

}  // namespace tabrl::python
