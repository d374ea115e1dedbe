/// \file python/src/memories.cpp
/// The replay memories: ReplayMemory (uniform), PrioritizedReplay and NStepReplay; storing
/// and sizes here, sampling in replay.cpp.

#include <string>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

py::tuple transition_tuple(const Transition& t) {
  return py::make_tuple(t.state, t.action, t.reward, t.next_state, t.terminated);
}

constexpr const char* push_doc =
    "Stores the transition (state, action, reward, next_state, terminated), overwriting the "
    "oldest once full. Raises ValueError for a negative state or action, an action that does "
    "not fit the memory's 8-bit action column, or a reward that is NaN or infinite.";

template <class Memory, class Class>
void def_push(Class& cls, const char* who) {
  cls.def(
      "push",
      [who](Memory& memory, int state, int action, double reward, int next_state, bool terminated) {
        check_idle(&memory, who);
        memory.push(Transition{state, action, reward, next_state, terminated});
      },
      py::arg("state"), py::arg("action"), py::arg("reward"), py::arg("next_state"),
      py::arg("terminated"), push_doc);
}

std::string sampling_name(Sampling s) {
  return s == Sampling::with_replacement ? "with_replacement" : "without_replacement";
}

}  // namespace

void init_memories(py::module_& m) {
  py::enum_<Sampling>(m, "Sampling",
                      "Whether a ReplayMemory samples slots with or without replacement. "
                      "Memories also accept the names as strings.")
      .value("without_replacement", Sampling::without_replacement,
             "Distinct slots in random order, like Python's random.sample (the default).")
      .value("with_replacement", Sampling::with_replacement, "Independent uniform slots.");

  using Uniform = ReplayMemory<>;
  py::class_<Uniform> uniform(m, "ReplayMemory", R"doc(
Experience replay memory: a ring buffer of `capacity` transitions (struct of arrays: int32
states, uint8 actions, float64 rewards) with uniform minibatch sampling, as the notebook's
deque with random.sample. sampling: 'without_replacement' (default) or 'with_replacement'.)doc");
  uniform
      .def(py::init([](std::size_t capacity, const py::object& sampling) {
             return Uniform(capacity, to_sampling(sampling));
           }),
           py::arg("capacity"), py::kw_only(), py::arg("sampling") = "without_replacement")
      .def_property_readonly("capacity", &Uniform::capacity, "Transitions it can hold.")
      .def_property_readonly("size", &Uniform::size, "Transitions stored.")
      .def("__len__", &Uniform::size)
      .def_property_readonly("full", &Uniform::full, "size == capacity.")
      .def_property_readonly("head", &Uniform::head, "The slot the next push writes to.")
      .def_property(
          "sampling", [](const Uniform& memory) { return sampling_name(memory.sampling()); },
          [](Uniform& memory, const py::object& s) {
            check_idle(&memory, "tabrl.ReplayMemory.sampling");
            memory.set_sampling(to_sampling(s));
          },
          "'without_replacement' or 'with_replacement'.")
      .def(
          "clear",
          [](Uniform& memory) {
            check_idle(&memory, "tabrl.ReplayMemory.clear");
            memory.clear();
          },
          "Empties the memory (the capacity stays).")
      .def(
          "__getitem__",
          [](const Uniform& memory, std::int64_t i) {
            const auto size = static_cast<std::int64_t>(memory.size());
            if (i < -size || i >= size)
              throw py::index_error("tabrl.ReplayMemory: index out of range");
            return transition_tuple(memory[static_cast<std::size_t>(i < 0 ? i + size : i)]);
          },
          py::arg("index"),
          "The index-th oldest transition (negative counts from the newest) as (state, "
          "action, reward, next_state, terminated).")
      .def("__repr__", [](const Uniform& memory) {
        return detail::concat("ReplayMemory(capacity=", memory.capacity(), ", sampling='",
                              sampling_name(memory.sampling()), "'), size ", memory.size());
      });
  def_push<Uniform>(uniform, "tabrl.ReplayMemory.push");

  using Prioritized = PrioritizedReplay<>;
  py::class_<Prioritized> prioritized(m, "PrioritizedReplay", R"doc(
Proportional prioritized replay (Schaul et al. 2016): a transition is sampled with probability
p^alpha / sum p^alpha; new ones get the largest priority seen; after each minibatch update
train() sets p = |TD error| + epsilon. Rows carry importance weights (N P(i))^-beta normalised
by the batch maximum, beta annealed linearly to 1 over beta_steps samples.)doc");
  prioritized
      .def(py::init([](std::size_t capacity, double alpha, double beta, std::int64_t beta_steps,
                       double epsilon) {
             return Prioritized(capacity, {alpha, beta, beta_steps, epsilon});
           }),
           py::arg("capacity"), py::kw_only(), py::arg("alpha") = 0.6, py::arg("beta") = 0.4,
           py::arg("beta_steps") = 100000, py::arg("epsilon") = 1e-6)
      .def_property_readonly("capacity", &Prioritized::capacity, "Transitions it can hold.")
      .def_property_readonly("size", &Prioritized::size, "Transitions stored.")
      .def("__len__", &Prioritized::size)
      .def_property_readonly("head", &Prioritized::head, "The slot the next push writes to.")
      .def_property_readonly("beta", &Prioritized::beta, "Beta for the next sample.")
      .def_property_readonly("max_priority", &Prioritized::max_priority,
                             "The largest priority seen (new transitions get it).")
      .def(
          "set_priority",
          [](Prioritized& memory, std::size_t slot, double priority) {
            check_idle(&memory, "tabrl.PrioritizedReplay.set_priority");
            memory.set_priority(slot, priority);
          },
          py::arg("slot"), py::arg("priority"), "Sets one slot's priority p (> 0, before alpha).")
      .def("__repr__", [](const Prioritized& memory) {
        return detail::concat("PrioritizedReplay(capacity=", memory.capacity(), "), size ",
                              memory.size());
      });
  def_push<Prioritized>(prioritized, "tabrl.PrioritizedReplay.push");

  py::class_<NStepMemory> nstep(m, "NStepReplay", R"doc(
n-step returns in front of a ReplayMemory or PrioritizedReplay: stores (s_t, a_t, r_t + gamma
r_t+1 + ... + gamma^(k-1) r_t+k-1, s_t+k, terminated) with k = n or fewer at an episode's end,
and minibatches carry gamma^k. NStepReplay(memory, n, gamma) takes a copy of `memory` (pass a
new, empty one); the agent's gamma must equal this gamma.)doc");
  nstep
      .def(py::init([](const py::handle memory, int n, double gamma) {
             if (auto* u = as<Uniform>(memory))
               return NStepMemory{NStepReplay<Uniform>(*u, n, gamma)};
             if (auto* p = as<Prioritized>(memory))
               return NStepMemory{NStepReplay<Prioritized>(*p, n, gamma)};
             bad_type("NStepReplay", "memory must be a ReplayMemory or PrioritizedReplay", memory);
           }),
           py::arg("memory"), py::arg("n"), py::arg("gamma"))
      .def_property_readonly(
          "capacity",
          [](const NStepMemory& s) {
            return std::visit([](const auto& r) { return r.capacity(); }, s.memory);
          },
          "Transitions it can hold.")
      .def_property_readonly(
          "size",
          [](const NStepMemory& s) {
            return std::visit([](const auto& r) { return r.size(); }, s.memory);
          },
          "n-step transitions stored.")
      .def("__len__",
           [](const NStepMemory& s) {
             return std::visit([](const auto& r) { return r.size(); }, s.memory);
           })
      .def_property_readonly(
          "n",
          [](const NStepMemory& s) {
            return std::visit([](const auto& r) { return r.n(); }, s.memory);
          },
          "The number of steps of each return.")
      .def_property_readonly(
          "pending",
          [](const NStepMemory& s) {
            return std::visit([](const auto& r) { return r.pending(); }, s.memory);
          },
          "Transitions still waiting for their n-step return.")
      .def(
          "discount_at",
          [](const NStepMemory& s, std::size_t slot) {
            return std::visit([&](const auto& r) { return r.discount_at(slot); }, s.memory);
          },
          py::arg("slot"), "gamma^k stored with the transition in `slot`.")
      .def(
          "push",
          [](NStepMemory& s, int state, int action, double reward, int next_state,
             bool terminated) {
            std::visit(
                [&](auto& r) {
                  check_idle(&r, "tabrl.NStepReplay.push");
                  r.push(Transition{state, action, reward, next_state, terminated});
                },
                s.memory);
          },
          py::arg("state"), py::arg("action"), py::arg("reward"), py::arg("next_state"),
          py::arg("terminated"),
          "Adds one step; a terminated one flushes every pending start with its shortened "
          "return.")
      .def(
          "end_episode",
          [](NStepMemory& s) {
            std::visit(
                [](auto& r) {
                  check_idle(&r, "tabrl.NStepReplay.end_episode");
                  r.end_episode();
                },
                s.memory);
          },
          "Stores every pending start with the return it has so far (train() calls it after "
          "each episode).")
      .def("__repr__", [](const NStepMemory& s) {
        return std::visit(
            [](const auto& r) {
              return detail::concat("NStepReplay(n=", r.n(), ", capacity=", r.capacity(),
                                    "), size ", r.size());
            },
            s.memory);
      });
}

}  // namespace tabrl::python
