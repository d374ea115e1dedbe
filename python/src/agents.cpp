/// \file python/src/agents.cpp
/// The generator and the agents: QLearningAgent, SarsaAgent, ExpectedSarsaAgent and
/// DoubleQLearningAgent with their settings, and `q`, a zero-copy numpy view of the Q table.

#include <string>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

using Base = TDAgent<>;

// A numpy view of `table` whose base is `owner`, so the view keeps the agent alive. The table
// is never reallocated after construction (loading copies into it), so the view stays valid.
py::array_t<double> table_view(const QTable<double>& table, const py::handle owner, bool writable) {
  py::array_t<double> view(
      {static_cast<py::ssize_t>(table.rows()), static_cast<py::ssize_t>(table.cols())},
      {static_cast<py::ssize_t>(table.cols() * py::ssize_t{sizeof(double)}),
       static_cast<py::ssize_t>(sizeof(double))},
      table.data(), owner);
  if (!writable) view.attr("setflags")(py::arg("write") = false);
  return view;
}

// A C-ordered float64 copy of `table` with the given shape, or a ValueError naming `who`.
QTable<double> to_table(const py::handle table, Eigen::Index rows, Eigen::Index cols,
                        const char* who) {
  const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(table);
  if (!array || array.ndim() != 2 || array.shape(0) != rows || array.shape(1) != cols) {
    detail::throw_invalid(who, detail::concat("table must be a ", rows, " x ", cols, " array"),
                          py::repr(py::getattr(table, "shape", table)).cast<std::string>());
  }
  QTable<double> out(rows, cols);
  std::copy(array.data(), array.data() + array.size(), out.data());
  return out;
}

std::string duplicate_name(DuplicateRule rule) {
  switch (rule) {
    case DuplicateRule::last:
      return "last";
    case DuplicateRule::mean:
      return "mean";
    case DuplicateRule::sequential:
      return "sequential";
  }
  return "last";
}

template <class AgentT>
std::string repr_of(const AgentT& a, const char* name) {
  return detail::concat(name, "(", a.num_states(), ", ", a.num_actions(),
                        ", gamma=", shortest(a.gamma()), ", alpha=", shortest(a.alpha()),
                        ", epsilon=", shortest(a.epsilon()), ", duplicates='",
                        duplicate_name(a.duplicates()), "')");
}

TDOptions options(double gamma, double alpha, double epsilon, const py::object& duplicates) {
  return {gamma, alpha, epsilon, to_duplicate_rule(duplicates)};
}

constexpr const char* settings_doc =
    "gamma: discount in [0, 1]; alpha: learning rate in (0, 1]; epsilon: exploration rate of "
    "the epsilon-greedy behaviour policy in [0, 1]; duplicates: how a minibatch update treats "
    "repeated (state, action) rows, 'last' (as numpy fancy indexing), 'mean' or 'sequential'.";

// The constructor and online update of the agents whose update takes one transition.
template <class AgentT, class Class>
void def_online_update(Class& cls, const char* who) {
  cls.def(
      "update",
      [who](AgentT& agent, int state, int action, double reward, int next_state, bool terminated) {
        check_idle(&agent, who);
        return agent.update(Transition{state, action, reward, next_state, terminated});
      },
      py::arg("state"), py::arg("action"), py::arg("reward"), py::arg("next_state"),
      py::arg("terminated"),
      "The online update from one transition; returns the TD error. Only `terminated` stops "
      "the bootstrap (pass False for a truncated step).");
}

}  // namespace

void init_agents(py::module_& m) {
  py::enum_<DuplicateRule>(m, "DuplicateRule",
                           "How a minibatch update treats several rows with the same (state, "
                           "action). Agents also accept the names as strings.")
      .value("last", DuplicateRule::last,
             "All targets from the pre-update table; the last duplicate's write wins (numpy).")
      .value("mean", DuplicateRule::mean,
             "All targets from the pre-update table; duplicates' TD errors averaged.")
      .value("sequential", DuplicateRule::sequential,
             "Rows applied one after another, each seeing the previous rows' updates.");

  py::class_<Rng>(m, "Rng", R"doc(
tabrl's seeded generator (xoshiro256**): the same seed gives the same run on every platform.
Agents draw their exploration from the Rng passed to act().)doc")
      .def(py::init([](const py::object& seed) { return Rng(to_seed(seed, "tabrl.Rng")); }),
           py::arg("seed") = 0)
      .def(
          "reseed",
          [](Rng& rng, const py::object& seed) { rng.reseed(to_seed(seed, "tabrl.Rng.reseed")); },
          py::arg("seed"), "Restarts the generator from a seed.")
      .def(
          "__call__", [](Rng& rng) { return rng(); }, "The next 64-bit value.")
      .def(
          "uniform_real", [](Rng& rng) { return uniform_real(rng); },
          "A uniform double in [0, 1) with 53 random bits.")
      .def(
          "uniform_int",
          [](Rng& rng, std::int64_t low, std::int64_t high) { return uniform_int(rng, low, high); },
          py::arg("low"), py::arg("high"), "A uniform integer in [low, high] (both included).")
      .def_property(
          "state", [](const Rng& rng) { return rng.state(); },
          [](Rng& rng, const Rng::state_type& s) { rng.set_state(s); },
          "The 256-bit state as four 64-bit integers (not all zero).")
      .def("__copy__", [](const Rng& rng) { return Rng(rng); })
      .def(
          "__deepcopy__", [](const Rng& rng, const py::dict&) { return Rng(rng); }, py::arg("memo"))
      .def(
          "__eq__", [](const Rng& a, const Rng& b) { return a == b; }, py::is_operator());

  py::class_<Base> base(m, "TDAgent", R"doc(
Base of the tabular TD agents: a num_states x num_actions Q table (row-major, zero at the
start) with greedy and epsilon-greedy policies. Not constructed directly.)doc");
  base.def_property_readonly("num_states", &Base::num_states, "Rows of the Q table.")
      .def_property_readonly("num_actions", &Base::num_actions, "Columns of the Q table.")
      .def_property(
          "gamma", &Base::gamma,
          [](Base& a, double v) {
            check_idle(&a, "tabrl.TDAgent.gamma");
            a.set_gamma(v);
          },
          "Discount in [0, 1].")
      .def_property(
          "alpha", &Base::alpha,
          [](Base& a, double v) {
            check_idle(&a, "tabrl.TDAgent.alpha");
            a.set_alpha(v);
          },
          "Learning rate in (0, 1].")
      .def_property(
          "epsilon", &Base::epsilon,
          [](Base& a, double v) {
            check_idle(&a, "tabrl.TDAgent.epsilon");
            a.set_epsilon(v);
          },
          "Exploration rate in [0, 1].")
      .def_property(
          "duplicates", [](const Base& a) { return duplicate_name(a.duplicates()); },
          [](Base& a, const py::object& rule) {
            check_idle(&a, "tabrl.TDAgent.duplicates");
            a.set_duplicates(to_duplicate_rule(rule));
          },
          "The minibatch rule for repeated (state, action): 'last', 'mean' or 'sequential'.")
      .def_property_readonly(
          "q",
          [](const py::object& self) {
            return table_view(self.cast<Base&>().q_values(), self, true);
          },
          "The Q table as a writable float64 numpy array of shape (num_states, num_actions) "
          "that shares the agent's memory: writes through it are what the agent reads. The "
          "array keeps the agent alive.")
      .def(
          "act",
          [](const Base& a, int state, Rng& rng) {
            check_idle(&a, "tabrl.TDAgent.act");
            return a.act(state, rng);
          },
          py::arg("state"), py::arg("rng"),
          "The behaviour policy: epsilon-greedy, ties broken at random with `rng`.")
      .def(
          "greedy_action",
          [](const Base& a, int state, Rng& rng) { return a.greedy_action(state, rng); },
          py::arg("state"), py::arg("rng"), "An action of maximal value, ties at random.")
      .def(
          "greedy_policy",
          [](const Base& a) {
            const Eigen::VectorXi policy = a.greedy_policy();
            py::array_t<std::int32_t> out(policy.size());
            std::copy(policy.data(), policy.data() + policy.size(), out.mutable_data());
            return out;
          },
          "The greedy action of every state (ties to the lowest index) as an int32 array.");

  py::class_<QLearningAgent<>, Base> q(m, "QLearningAgent", R"doc(
Q-learning: Q(s, a) += alpha * (r + gamma * max_a' Q(s', a') - Q(s, a)), no bootstrap past a
terminated transition. Trains with replay (train) or online (train_online).)doc");
  q.def(py::init([](int num_states, int num_actions, double gamma, double alpha, double epsilon,
                    const py::object& duplicates) {
          return QLearningAgent<>(num_states, num_actions,
                                  options(gamma, alpha, epsilon, duplicates));
        }),
        py::arg("num_states"), py::arg("num_actions"), py::kw_only(), py::arg("gamma") = 1.0,
        py::arg("alpha") = 0.5, py::arg("epsilon") = 0.1, py::arg("duplicates") = "last",
        settings_doc)
      .def("__repr__", [](const QLearningAgent<>& a) { return repr_of(a, "QLearningAgent"); });
  def_online_update<QLearningAgent<>>(q, "tabrl.QLearningAgent.update");

  py::class_<ExpectedSarsaAgent<>, Base> es(m, "ExpectedSarsaAgent", R"doc(
Expected SARSA: the target is r + gamma * (expected value of s' under the agent's own
epsilon-greedy policy). Sound with replay, as the expectation is taken at update time.)doc");
  es.def(py::init([](int num_states, int num_actions, double gamma, double alpha, double epsilon,
                     const py::object& duplicates) {
           return ExpectedSarsaAgent<>(num_states, num_actions,
                                       options(gamma, alpha, epsilon, duplicates));
         }),
         py::arg("num_states"), py::arg("num_actions"), py::kw_only(), py::arg("gamma") = 1.0,
         py::arg("alpha") = 0.5, py::arg("epsilon") = 0.1, py::arg("duplicates") = "last",
         settings_doc)
      .def("expected_value", &ExpectedSarsaAgent<>::expected_value, py::arg("state"),
           "The expected value of `state` under the current epsilon-greedy policy.")
      .def("__repr__",
           [](const ExpectedSarsaAgent<>& a) { return repr_of(a, "ExpectedSarsaAgent"); });
  def_online_update<ExpectedSarsaAgent<>>(es, "tabrl.ExpectedSarsaAgent.update");

  py::class_<SarsaAgent<>, Base> sarsa(m, "SarsaAgent", R"doc(
SARSA: the target is r + gamma * Q(s', a') with a' the action taken next, so it learns online
only (train_online); replaying old a' would evaluate old policies.)doc");
  sarsa
      .def(py::init([](int num_states, int num_actions, double gamma, double alpha, double epsilon,
                       const py::object& duplicates) {
             return SarsaAgent<>(num_states, num_actions,
                                 options(gamma, alpha, epsilon, duplicates));
           }),
           py::arg("num_states"), py::arg("num_actions"), py::kw_only(), py::arg("gamma") = 1.0,
           py::arg("alpha") = 0.5, py::arg("epsilon") = 0.1, py::arg("duplicates") = "last",
           settings_doc)
      .def(
          "update",
          [](SarsaAgent<>& agent, int state, int action, double reward, int next_state,
             bool terminated, int next_action) {
            check_idle(&agent, "tabrl.SarsaAgent.update");
            return agent.update(Transition{state, action, reward, next_state, terminated},
                                next_action);
          },
          py::arg("state"), py::arg("action"), py::arg("reward"), py::arg("next_state"),
          py::arg("terminated"), py::arg("next_action"),
          "The SARSA update with the next action (ignored when terminated); returns the TD "
          "error.")
      .def("__repr__", [](const SarsaAgent<>& a) { return repr_of(a, "SarsaAgent"); });

  using DoubleQ = DoubleQLearningAgent<>;
  py::class_<DoubleQ, Base> dq(m, "DoubleQLearningAgent", R"doc(
Double Q-learning: two tables A and B, each update (or minibatch) picks one with a fair coin
from the agent's own generator (coin_seed) and values its argmax with the other. Acting is
epsilon-greedy on A + B, which `q` shows read-only (change the tables with set_tables).)doc");
  dq.def(py::init([](int num_states, int num_actions, double gamma, double alpha, double epsilon,
                     const py::object& duplicates, const py::object& coin_seed) {
           return DoubleQ(num_states, num_actions, options(gamma, alpha, epsilon, duplicates),
                          to_seed(coin_seed, "tabrl.DoubleQLearningAgent"));
         }),
         py::arg("num_states"), py::arg("num_actions"), py::kw_only(), py::arg("gamma") = 1.0,
         py::arg("alpha") = 0.5, py::arg("epsilon") = 0.1, py::arg("duplicates") = "last",
         py::arg("coin_seed") = 0, settings_doc)
      .def_property_readonly(
          "q",
          [](const py::object& self) {
            return table_view(self.cast<const DoubleQ&>().q_values(), self, false);
          },
          "A + B as a read-only numpy view (set_tables changes the tables).")
      .def_property_readonly(
          "table_a",
          [](const py::object& self) {
            return table_view(self.cast<const DoubleQ&>().table_a(), self, false);
          },
          "Table A as a read-only numpy view.")
      .def_property_readonly(
          "table_b",
          [](const py::object& self) {
            return table_view(self.cast<const DoubleQ&>().table_b(), self, false);
          },
          "Table B as a read-only numpy view.")
      .def(
          "set_tables",
          [](DoubleQ& agent, const py::handle a, const py::handle b) {
            check_idle(&agent, "tabrl.DoubleQLearningAgent.set_tables");
            const Eigen::Index rows = agent.num_states(), cols = agent.num_actions();
            agent.set_tables(to_table(a, rows, cols, "DoubleQLearningAgent::set_tables"),
                             to_table(b, rows, cols, "DoubleQLearningAgent::set_tables"));
          },
          py::arg("a"), py::arg("b"), "Sets both tables (same shape as q); q becomes A + B.")
      .def("__repr__", [](const DoubleQ& a) { return repr_of(a, "DoubleQLearningAgent"); });
  def_online_update<DoubleQ>(dq, "tabrl.DoubleQLearningAgent.update");
}

}  // namespace tabrl::python
