/// \file python/src/envs.cpp
/// The environments: CliffWalking, FrozenLake, Taxi, TimeLimit, GymnasiumEnv, and the
/// factories with Gymnasium's registered time limits.

#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace tabrl::python {

// ---- GymnasiumEnv's out-of-line parts ------------------------------------------------------

namespace {

// A space is Discrete when its class (or a base) is named so and it has `n`: Gymnasium's own
// class, or gym's older one, without importing either.
bool is_discrete(const py::handle space) {
  if (!py::hasattr(space, "n")) return false;
  for (const py::handle base : py::type::handle_of(space).attr("__mro__")) {
    if (py::str(base.attr("__name__")).cast<std::string>() == "Discrete") return true;
  }
  return false;
}

std::pair<long long, int> discrete_space(const py::object& env, const char* name) {
  if (!py::hasattr(env, name)) {
    detail::throw_invalid("GymnasiumEnv",
                          detail::concat("env must have an ", name, " (a Gymnasium environment)"),
                          type_name(env));
  }
  const py::object space = env.attr(name);
  if (!is_discrete(space)) {
    detail::throw_invalid(
        "GymnasiumEnv",
        detail::concat(name, " must be a gymnasium.spaces.Discrete (tabrl's agents are tabular)"),
        py::repr(space).cast<std::string>());
  }
  const auto n = py::int_(space.attr("n")).cast<long long>();
  if (n < 1 || n > INT_MAX) {
    detail::throw_invalid("GymnasiumEnv", detail::concat(name, ".n must be in [1, ", INT_MAX, "]"),
                          n);
  }
  const long long start =
      py::hasattr(space, "start") ? py::int_(space.attr("start")).cast<long long>() : 0;
  return {start, static_cast<int>(n)};
}

}  // namespace

GymnasiumEnv::GymnasiumEnv(py::object env) : env_(std::move(env)) {
  std::tie(observation_start_, num_states_) = discrete_space(env_, "observation_space");
  std::tie(action_start_, num_actions_) = discrete_space(env_, "action_space");
  reset_ = env_.attr("reset");
  step_ = env_.attr("step");
}

int GymnasiumEnv::reset(std::optional<std::uint64_t> seed) {
  const py::object out = seed ? reset_(py::arg("seed") = *seed) : reset_();
  if (!PyTuple_Check(out.ptr()) || PyTuple_GET_SIZE(out.ptr()) != 2) {
    bad_result("reset", "(observation, info)", out);
  }
  return observation(PyTuple_GET_ITEM(out.ptr(), 0), "reset");
}

long long GymnasiumEnv::integer(PyObject* obs, const char* where) const {
  const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obs));
  long long value = -1;
  if (index) value = PyLong_AsLongLong(index.ptr());
  if (!index || (value == -1 && PyErr_Occurred() != nullptr)) {
    PyErr_Clear();
    detail::throw_invalid(std::string("GymnasiumEnv::") + where,
                          "observation must be an integer of the Discrete observation space",
                          py::repr(obs).cast<std::string>());
  }
  return value;
}

void GymnasiumEnv::bad_observation(const char* where, long long value) const {
  detail::throw_invalid(std::string("GymnasiumEnv::") + where,
                        detail::concat("observation must be in [", observation_start_, ", ",
                                       observation_start_ + num_states_, ")"),
                        value);
}

void GymnasiumEnv::bad_result(const char* where, const char* expected, const py::object& got) {
  detail::throw_invalid(std::string("GymnasiumEnv::") + where,
                        detail::concat("env.", where, " must return ", expected),
                        py::repr(got).cast<std::string>());
}

// ---- bindings ------------------------------------------------------------------------------

namespace {

py::tuple step_tuple(const StepResult& r) {
  return py::make_tuple(r.next_state, r.reward, r.terminated, r.truncated);
}

std::optional<std::uint64_t> optional_seed(const py::object& seed, const char* who) {
  if (seed.is_none()) return std::nullopt;
  return to_seed(seed, who);
}

py::list outcomes(const std::vector<Outcome>& list) {
  py::list out;
  for (const Outcome& o : list) {
    out.append(py::make_tuple(o.probability, o.next_state, o.reward, o.terminated));
  }
  return out;
}

// What every native environment has, reset/step guarded against a concurrent training run.
template <class Env, class Class>
void def_native(Class& cls, const char* name) {
  static const std::string reset_who = std::string("tabrl.") + name + ".reset";
  static const std::string step_who = std::string("tabrl.") + name + ".step";
  // Lambdas, not member pointers: some of these are static members.
  cls.def_property_readonly(
         "num_states", [](const Env& env) { return env.num_states(); }, "Number of states.")
      .def_property_readonly(
          "num_actions", [](const Env& env) { return env.num_actions(); }, "Number of actions.")
      .def_property_readonly(
          "state", [](const Env& env) { return env.state(); }, "The current state.")
      .def(
          "reset",
          [](Env& env, const py::object& seed) {
            check_idle(&env, reset_who.c_str());
            return env.reset(optional_seed(seed, reset_who.c_str()));
          },
          py::arg("seed") = py::none(),
          "Starts an episode and returns the start state. A seed reseeds the environment's "
          "generator; without one it continues where it was.")
      .def(
          "step",
          [](Env& env, int action) {
            check_idle(&env, step_who.c_str());
            return step_tuple(env.step(action));
          },
          py::arg("action"),
          "Takes one step: returns (next_state, reward, terminated, truncated). Raises "
          "ValueError for an action out of range and RuntimeError before reset() or after the "
          "episode terminated.")
      .def(
          "transitions",
          [](const Env& env, int state, int action) {
            return outcomes(env.transitions(state, action));
          },
          py::arg("state"), py::arg("action"),
          "The model: every outcome of `action` in `state` as (probability, next_state, "
          "reward, terminated), in the order of Gymnasium's P[state][action].")
      .def("render_ansi", &Env::render_ansi, "The grid as text.")
      .def("__copy__", [](const Env& env) { return Env(env); })
      .def(
          "__deepcopy__", [](const Env& env, const py::dict&) { return Env(env); }, py::arg("memo"),
          "An exact copy, generator state included.");
}

std::vector<std::string> frozen_lake_map(const py::object& map) {
  if (map.is_none()) return FrozenLake::map_4x4();
  if (py::isinstance<py::str>(map)) {
    const auto name = map.cast<std::string>();
    if (name == "4x4") return FrozenLake::map_4x4();
    if (name == "8x8") return FrozenLake::map_8x8();
    detail::throw_invalid("FrozenLake", "map must be '4x4', '8x8' or a list of rows", name);
  }
  return map.cast<std::vector<std::string>>();
}

template <class Inner>
py::object unwrapped_of(Inner& inner, const py::handle owner) {
  return py::cast(&inner, py::return_value_policy::reference_internal, owner);
}

TimeLimitEnv make_time_limit(const py::handle env, std::int64_t max_episode_steps) {
  if (auto* e = as<CliffWalking>(env)) return {TimeLimit<CliffWalking>(*e, max_episode_steps)};
  if (auto* e = as<FrozenLake>(env)) return {TimeLimit<FrozenLake>(*e, max_episode_steps)};
  if (auto* e = as<Taxi>(env)) return {TimeLimit<Taxi>(*e, max_episode_steps)};
  if (auto* e = as<GymnasiumEnv>(env)) return {TimeLimit<GymnasiumEnv>(*e, max_episode_steps)};
  bad_type("TimeLimit", "env must be a CliffWalking, FrozenLake, Taxi or GymnasiumEnv", env);
}

std::string repr_of(const CliffWalking& env) {
  return std::string("CliffWalking(is_slippery=") + (env.is_slippery() ? "True" : "False") + ")";
}
std::string repr_of(const FrozenLake& env) {
  std::string rows;
  for (const auto& row : env.map()) rows += (rows.empty() ? "'" : ", '") + row + "'";
  return "FrozenLake(map=[" + rows + "], is_slippery=" + (env.is_slippery() ? "True" : "False") +
         ")";
}
std::string repr_of(const Taxi&) {
  return "Taxi()";
}
std::string repr_of(const GymnasiumEnv& env) {
  return "GymnasiumEnv(" + py::repr(env.env()).cast<std::string>() + ")";
}

}  // namespace

void init_envs(py::module_& m) {
  py::class_<CliffWalking> cliff(m, "CliffWalking", R"doc(
CliffWalking on a 4 x 12 grid with Gymnasium's rules (CliffWalking-v0): state = row * 12 + col,
actions 0 up, 1 right, 2 down, 3 left, start 36, goal 47. Stepping into the cliff costs -100
and returns to the start without ending the episode; every other step costs -1; the goal
terminates. No time limit (wrap it in TimeLimit for one). With is_slippery, the intended move
or either perpendicular one happens, 1/3 each (Gymnasium 1.0's option).)doc");
  cliff
      .def(py::init([](bool is_slippery) { return CliffWalking({.is_slippery = is_slippery}); }),
           py::kw_only(), py::arg("is_slippery") = false)
      .def_property_readonly("is_slippery", &CliffWalking::is_slippery,
                             "Whether moves slip sideways.")
      .def_property_readonly_static("rows", [](const py::object&) { return CliffWalking::rows; })
      .def_property_readonly_static("cols", [](const py::object&) { return CliffWalking::cols; })
      .def_property_readonly_static("start_state",
                                    [](const py::object&) { return CliffWalking::start_state; })
      .def_property_readonly_static("goal_state",
                                    [](const py::object&) { return CliffWalking::goal_state; })
      .def_static("is_cliff", &CliffWalking::is_cliff, py::arg("state"),
                  "True for the cliff cells (row 3, columns 1 to 10).")
      .def("__repr__", [](const CliffWalking& env) { return repr_of(env); });
  def_native<CliffWalking>(cliff, "CliffWalking");

  py::class_<FrozenLake> lake(m, "FrozenLake", R"doc(
FrozenLake with Gymnasium's rules (FrozenLake-v1): a map of S (start), F (frozen), H (hole) and
G (goal) rows; state = row * cols + col; actions 0 left, 1 down, 2 right, 3 up. Reaching G
gives 1, everything else 0; H and G terminate. Slippery by default, as in Gymnasium: the
intended move or either perpendicular one, 1/3 each. No time limit (make_frozen_lake() adds
Gymnasium's 100 steps).

map: None or '4x4' (the standard 4 x 4 map), '8x8', or a list of equally long strings.)doc");
  lake.def(py::init([](const py::object& map, bool is_slippery) {
             return FrozenLake(frozen_lake_map(map), {.is_slippery = is_slippery});
           }),
           py::arg("map") = py::none(), py::kw_only(), py::arg("is_slippery") = true)
      .def_property_readonly("is_slippery", &FrozenLake::is_slippery, "Whether moves slip.")
      .def_property_readonly("rows", &FrozenLake::rows, "Rows of the map.")
      .def_property_readonly("cols", &FrozenLake::cols, "Columns of the map.")
      .def_property_readonly("map", &FrozenLake::map, "The map, one string per row.")
      .def_property_readonly("start_state", &FrozenLake::start_state, "The S cell's state.")
      .def(
          "letter",
          [](const FrozenLake& env, int state) { return std::string(1, env.letter(state)); },
          py::arg("state"), "The map letter of a state: 'S', 'F', 'H' or 'G'.")
      .def_static("map_4x4", &FrozenLake::map_4x4, "The standard 4 x 4 map.")
      .def_static("map_8x8", &FrozenLake::map_8x8, "The standard 8 x 8 map.")
      .def_static("random_map", &FrozenLake::random_map, py::arg("size"), py::arg("p"),
                  py::arg("seed"),
                  "A seeded random size x size map whose goal is reachable, each cell frozen "
                  "with probability p (Gymnasium's generate_random_map, tabrl's generator).")
      .def("__repr__", [](const FrozenLake& env) { return repr_of(env); });
  def_native<FrozenLake>(lake, "FrozenLake");

  py::class_<Taxi> taxi(m, "Taxi", R"doc(
Taxi with Gymnasium's rules (Taxi-v3): 500 states ((row * 5 + col) * 5 + passenger) * 4 +
destination, actions 0 south, 1 north, 2 east, 3 west, 4 pick up, 5 drop off. Every step costs
-1, a drop-off at the destination gives +20 and terminates, an illegal pick-up or drop-off
costs -10. No time limit (make_taxi() adds Gymnasium's 200 steps).)doc");
  taxi.def(py::init<>())
      .def_static(
          "encode",
          [](int row, int col, int passenger, int destination) {
            if (row < 0 || row > 4)
              detail::throw_invalid("Taxi::encode", "row must be in [0, 5)", row);
            if (col < 0 || col > 4)
              detail::throw_invalid("Taxi::encode", "col must be in [0, 5)", col);
            if (passenger < 0 || passenger > 4)
              detail::throw_invalid("Taxi::encode", "passenger must be in [0, 5)", passenger);
            if (destination < 0 || destination > 3)
              detail::throw_invalid("Taxi::encode", "destination must be in [0, 4)", destination);
            return Taxi::encode(row, col, passenger, destination);
          },
          py::arg("row"), py::arg("col"), py::arg("passenger"), py::arg("destination"),
          "The state of a taxi position, passenger (0-3 a stand R G Y B, 4 in the taxi) and "
          "destination (0-3).")
      .def_static(
          "decode",
          [](int state) {
            const Taxi::Decoded d = Taxi::decode(state);
            return py::make_tuple(d.taxi_row, d.taxi_col, d.passenger, d.destination);
          },
          py::arg("state"), "(row, col, passenger, destination) of a state.")
      .def_static(
          "action_mask",
          [](int state) {
            const auto mask = Taxi::action_mask(state);
            py::array_t<std::int8_t> out(static_cast<py::ssize_t>(mask.size()));
            for (std::size_t i = 0; i < mask.size(); ++i)
              out.mutable_at(static_cast<py::ssize_t>(i)) = static_cast<std::int8_t>(mask[i]);
            return out;
          },
          py::arg("state"),
          "Gymnasium's action_mask: 1 for the actions that change something (int8 array).")
      .def_static(
          "map",
          [] {
            const auto rows = Taxi::map();
            return std::vector<std::string>(rows.begin(), rows.end());
          },
          "The map with its walls, one string per row.")
      .def("__repr__", [](const Taxi& env) { return repr_of(env); });
  def_native<Taxi>(taxi, "Taxi");

  py::class_<GymnasiumEnv>(m, "GymnasiumEnv", R"doc(
Adapts a Gymnasium environment with Discrete observation and action spaces so tabrl's agents,
memories and training loops run on it: GymnasiumEnv(gymnasium.make("CliffWalking-v0")).
Terminated and truncated stay apart (only terminated stops bootstrapping). Training resets
episode e with seed=derive_seed(seed, e), as for native environments. Spaces with a non-zero
start are renumbered from 0. Raises ValueError for spaces that are not Discrete.)doc")
      .def(py::init<py::object>(), py::arg("env"))
      .def_property_readonly("env", &GymnasiumEnv::env, "The wrapped Gymnasium environment.")
      .def_property_readonly("num_states", &GymnasiumEnv::num_states, "observation_space.n")
      .def_property_readonly("num_actions", &GymnasiumEnv::num_actions, "action_space.n")
      .def(
          "reset",
          [](GymnasiumEnv& env, const py::object& seed) {
            return env.reset(optional_seed(seed, "tabrl.GymnasiumEnv.reset"));
          },
          py::arg("seed") = py::none(), "env.reset(seed=seed); returns the observation.")
      .def(
          "step", [](GymnasiumEnv& env, int action) { return step_tuple(env.step(action)); },
          py::arg("action"), "env.step(action) as (next_state, reward, terminated, truncated).")
      .def("__repr__", [](const GymnasiumEnv& env) { return repr_of(env); });

  py::class_<TimeLimitEnv>(m, "TimeLimit", R"doc(
Truncates episodes after max_episode_steps steps: that step reports truncated=True unless it
terminated (as tabrl's C++ TimeLimit does; Gymnasium's TimeLimit reports truncated=True on a
terminating step too, and tabrl.gym follows Gymnasium there). Wraps a copy of `env`, which must
be a CliffWalking, FrozenLake, Taxi or GymnasiumEnv; `unwrapped` is that copy.)doc")
      .def(py::init(&make_time_limit), py::arg("env"), py::arg("max_episode_steps"))
      .def_property_readonly(
          "max_episode_steps",
          [](const TimeLimitEnv& t) {
            return std::visit([](const auto& e) { return e.max_episode_steps(); }, t.env);
          },
          "The step limit.")
      .def_property_readonly(
          "elapsed_steps",
          [](const TimeLimitEnv& t) {
            return std::visit([](const auto& e) { return e.elapsed_steps(); }, t.env);
          },
          "Steps taken in the current episode.")
      .def_property_readonly(
          "num_states",
          [](const TimeLimitEnv& t) {
            return std::visit([](const auto& e) { return e.num_states(); }, t.env);
          },
          "Number of states.")
      .def_property_readonly(
          "num_actions",
          [](const TimeLimitEnv& t) {
            return std::visit([](const auto& e) { return e.num_actions(); }, t.env);
          },
          "Number of actions.")
      .def_property_readonly(
          "unwrapped",
          [](py::object self) {
            auto& t = self.cast<TimeLimitEnv&>();
            return std::visit([&](auto& e) { return unwrapped_of(e.unwrapped(), self); }, t.env);
          },
          "The wrapped environment (a view into this TimeLimit, kept alive by it).")
      .def(
          "reset",
          [](TimeLimitEnv& t, const py::object& seed) {
            const auto s = optional_seed(seed, "tabrl.TimeLimit.reset");
            return std::visit(
                [&](auto& e) {
                  check_idle(&e, "tabrl.TimeLimit.reset");
                  return e.reset(s);
                },
                t.env);
          },
          py::arg("seed") = py::none(), "Resets the step count and the wrapped environment.")
      .def(
          "step",
          [](TimeLimitEnv& t, int action) {
            return step_tuple(std::visit(
                [&](auto& e) {
                  check_idle(&e, "tabrl.TimeLimit.step");
                  return e.step(action);
                },
                t.env));
          },
          py::arg("action"), "Steps the wrapped environment and counts the step.")
      .def(
          "transitions",
          [](const TimeLimitEnv& t, int state, int action) {
            return std::visit(
                [&](const auto& e) -> py::list {
                  if constexpr (requires { e.unwrapped().transitions(state, action); }) {
                    return outcomes(e.unwrapped().transitions(state, action));
                  } else {
                    throw LogicError("tabrl.TimeLimit.transitions: a GymnasiumEnv has no model");
                  }
                },
                t.env);
          },
          py::arg("state"), py::arg("action"), "The wrapped environment's model.")
      .def("__repr__", [](const TimeLimitEnv& t) {
        return std::visit(
            [](const auto& e) {
              return "TimeLimit(" + repr_of(e.unwrapped()) +
                     ", max_episode_steps=" + std::to_string(e.max_episode_steps()) + ")";
            },
            t.env);
      });

  m.def(
      "make_cliff_walking", [](bool is_slippery) { return make_cliff_walking(is_slippery); },
      py::kw_only(), py::arg("is_slippery") = false,
      "CliffWalking-v0 as Gymnasium registers it: no time limit.");
  m.def(
      "make_frozen_lake",
      [](bool is_slippery) { return TimeLimitEnv{make_frozen_lake(is_slippery)}; }, py::kw_only(),
      py::arg("is_slippery") = true,
      "FrozenLake-v1 (4 x 4) as Gymnasium registers it: TimeLimit of 100 steps.");
  m.def(
      "make_frozen_lake_8x8",
      [](bool is_slippery) { return TimeLimitEnv{make_frozen_lake_8x8(is_slippery)}; },
      py::kw_only(), py::arg("is_slippery") = true,
      "FrozenLake8x8-v1 as Gymnasium registers it: TimeLimit of 200 steps.");
  m.def(
      "make_taxi", [] { return TimeLimitEnv{make_taxi()}; },
      "Taxi-v3 as Gymnasium registers it: TimeLimit of 200 steps.");
}

}  // namespace tabrl::python
