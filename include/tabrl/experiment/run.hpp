#pragma once
/// \file experiment/run.hpp
/// One run of an experiment as a plain value (RunSpec), its settings by name (so flags, JSON
/// files and grids all set them the same way), and the closed lists of environments, agents
/// and memories it can name. A run is dispatched to concrete types once, then trains with
/// tabrl::train / tabrl::train_online: nothing is looked up per step.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../agents/double_q_learning.hpp"
#include "../agents/dyna_q.hpp"
#include "../agents/eligibility_traces.hpp"
#include "../agents/expected_sarsa.hpp"
#include "../agents/prioritized_sweeping.hpp"
#include "../agents/q_lambda.hpp"
#include "../agents/q_learning.hpp"
#include "../agents/r_learning.hpp"
#include "../agents/retrace.hpp"
#include "../agents/sarsa.hpp"
#include "../agents/sarsa_lambda.hpp"
#include "../agents/tree_backup.hpp"
#include "../agents/true_online_sarsa.hpp"
#include "../envs/cliff_walking.hpp"
#include "../envs/frozen_lake.hpp"
#include "../envs/maze.hpp"
#include "../envs/taxi.hpp"
#include "../envs/time_limit.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../replay/n_step.hpp"
#include "../replay/prioritized_replay.hpp"
#include "../replay/replay_memory.hpp"
#include "../training/evaluate.hpp"
#include "../training/train.hpp"
#include "../training/train_online.hpp"
#include "text.hpp"

namespace tabrl::experiment {

/// Everything that defines one run. Set fields directly, or by name with set_field() (the
/// names are the `name` column of run_fields()). Defaults: online Q-learning on CliffWalking,
/// 100 episodes, gamma 1, alpha 0.5, epsilon 0.1, one greedy evaluation episode.
struct RunSpec {
  std::string env = "cliff";     ///< a name in EnvKinds: cliff, frozen-lake, frozen-lake-8x8, taxi
  std::optional<bool> slippery;  ///< unset: the environment's default (cliff no, frozen lake yes)
  std::int64_t time_limit = 0;   ///< steps per episode; 0: Gymnasium's (cliff: none)
  std::string agent = "q";       ///< a name in AgentKinds: q, sarsa, expected-sarsa, double-q, ...
  double gamma = 1.0;            ///< discount, in [0, 1]
  double alpha = 0.5;            ///< learning rate, in (0, 1]
  double epsilon = 0.1;          ///< exploration rate, in [0, 1]
  DuplicateRule duplicates = DuplicateRule::last;  ///< minibatch rule for repeated (s, a)
  double lambda = 0.9;                             ///< trace agents: trace decay, in [0, 1]
  TraceKind trace = TraceKind::accumulating;       ///< trace agents: how the visited pair is marked
  double trace_threshold = TraceOptions::default_threshold;  ///< trace agents: drop below it
  double target_epsilon = 0.0;  ///< tree-backup, retrace: the target policy's epsilon
  int planning_steps = 5;       ///< dyna-q, dyna-q-plus, prioritized-sweeping: updates per step
  ModelKind model = ModelKind::deterministic;  ///< dyna-q, dyna-q-plus, prioritized-sweeping
  double kappa = 1e-3;                         ///< dyna-q-plus: exploration bonus weight
  double theta = 1e-4;                         ///< prioritized-sweeping: queue threshold
  double beta = 0.01;                          ///< r-learning: step size of the average reward
  std::string replay = "online";  ///< a name in ReplayKinds: online, uniform, prioritized
  std::size_t memory = 2000;      ///< replay capacity
  std::size_t batch = 32;         ///< minibatch size
  int updates_per_step = 1;       ///< minibatch updates per env step (online: must be 1)
  int n_step = 1;                 ///< n-step returns in front of the memory (replay only)
  Sampling sampling = Sampling::without_replacement;  ///< uniform replay's sampling
  double per_alpha = 0.6;                             ///< prioritized replay: priority exponent
  double per_beta = 0.4;            ///< prioritized replay: initial importance exponent
  std::int64_t per_beta_steps = 0;  ///< samples until beta is 1; 0: 20 per episode
  int episodes = 100;               ///< training episodes
  int eval_episodes = 1;            ///< greedy evaluation episodes after training (0: none)
  std::int64_t eval_max_steps = 0;  ///< step cap of an evaluation episode; 0: time limit or 100
  std::uint64_t seed = 0;           ///< the run's seed (a grid sets it from the run index)

  /// Field by field.
  friend bool operator==(const RunSpec&, const RunSpec&) = default;
};

/// One setting that can be read and written by name.
struct RunField {
  std::string_view name;  ///< snake_case; flags spell it with dashes (--time-limit)
  std::string help;       ///< one line for --help
  void (*set)(RunSpec&, std::string_view);  ///< parses and range-checks the text, then sets it
  std::string (*get)(const RunSpec&);       ///< the value as text (shortest round-trip numbers)
};

namespace detail {
inline constexpr std::string_view run_who = "RunSpec";

[[nodiscard]] inline double unit_interval(std::string_view field, std::string_view text,
                                          bool open_low) {
  const double x = parse_double(run_who, field, text);
  if (open_low ? !(x > 0.0 && x <= 1.0) : !(x >= 0.0 && x <= 1.0)) {
    tabrl::detail::throw_invalid(
        run_who, tabrl::detail::concat(field, " must be in ", open_low ? "(0, 1]" : "[0, 1]"),
        text);
  }
  return x;
}
[[nodiscard]] inline bool parse_bool(std::string_view field, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  tabrl::detail::throw_invalid(run_who, tabrl::detail::concat(field, " must be true or false"),
                               tabrl::detail::concat("'", text, "'"));
}
template <class T>
[[nodiscard]] std::string text_of(T x) {
  return number_text(x);
}
[[nodiscard]] inline std::string duplicates_text(DuplicateRule r) {
  return r == DuplicateRule::mean ? "mean" : r == DuplicateRule::sequential ? "sequential" : "last";
}
}  // namespace detail

/// A list of kinds (environments, agents or memories), each a struct with a static `name`.
/// visit(name, f) calls f(Kind{}) for the kind of that name: the one place a name becomes a type.
template <class... Kinds>
struct KindList {
  /// The names, in list order.
  static constexpr std::array<std::string_view, sizeof...(Kinds)> names{Kinds::name...};

  /// True when `name` is in the list.
  [[nodiscard]] static constexpr bool contains(std::string_view name) noexcept {
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  /// The names joined with ", " (for messages and --help).
  [[nodiscard]] static std::string joined() {
    std::string out;
    for (const auto n : names) {
      if (!out.empty()) out += ", ";
      out += n;
    }
    return out;
  }

  /// Calls f(Kind{}) for the kind named `name`; throws InvalidArgument when there is none.
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(std::string_view name, F&& f) {
    return visit_from<F, Kinds...>(name, f);
  }

 private:
  template <class F, class K, class... Rest>
  static decltype(auto) visit_from(std::string_view name, F& f) {
    if (name == K::name) return f(K{});
    if constexpr (sizeof...(Rest) > 0) {
      return visit_from<F, Rest...>(name, f);
    } else {
      tabrl::detail::throw_invalid("KindList::visit", "name must be one of " + joined(),
                                   tabrl::detail::concat("'", name, "'"));
    }
  }
};

// ---- environments --------------------------------------------------------------------------

/// CliffWalking (Gymnasium CliffWalking-v0; slippery: v1's option). No time limit unless set.
struct CliffKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "cliff";
  /// Whether the environment has a slippery option.
  static constexpr bool has_slippery = true;
  /// Slippery when the spec leaves it unset.
  static constexpr bool default_slippery = false;
  /// Steps per episode when the spec says 0 (0 here: no limit).
  static constexpr std::int64_t default_time_limit = 0;
  /// Calls f(env) with the environment the spec describes.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    CliffWalking env({.is_slippery = s.slippery.value_or(default_slippery)});
    if (s.time_limit > 0) {
      TimeLimit<CliffWalking> limited(env, s.time_limit);
      return f(limited);
    }
    return f(env);
  }
  /// A greedy episode succeeds when it reaches the goal.
  [[nodiscard]] static bool success(const Rollout& r) noexcept { return r.terminated; }
};

/// FrozenLake-v1 on the 4x4 map (time limit 100) or, with Big, FrozenLake8x8-v1 (200);
/// slippery by default.
template <bool Big>
struct BasicFrozenLakeKind {
  /// Whether the environment has a slippery option.
  static constexpr bool has_slippery = true;
  /// Slippery when the spec leaves it unset.
  static constexpr bool default_slippery = true;
  /// Steps per episode when the spec says 0 (0 here: no limit).
  static constexpr std::int64_t default_time_limit = Big ? 200 : 100;
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    TimeLimit<FrozenLake> env(FrozenLake(Big ? FrozenLake::map_8x8() : FrozenLake::map_4x4(),
                                         {.is_slippery = s.slippery.value_or(default_slippery)}),
                              s.time_limit > 0 ? s.time_limit : default_time_limit);
    return f(env);
  }
  /// Success is reaching the goal (reward 1); holes terminate with 0.
  [[nodiscard]] static bool success(const Rollout& r) noexcept {
    return r.terminated && r.total_return > 0.0;
  }
};
/// FrozenLake-v1 (4x4).
struct FrozenLakeKind : BasicFrozenLakeKind<false> {
  /// The name settings and files use.
  static constexpr std::string_view name = "frozen-lake";
};
/// FrozenLake8x8-v1.
struct FrozenLake8x8Kind : BasicFrozenLakeKind<true> {
  /// The name settings and files use.
  static constexpr std::string_view name = "frozen-lake-8x8";
};

/// Taxi-v3 (time limit 200; no slippery option).
struct TaxiKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "taxi";
  /// Whether the environment has a slippery option.
  static constexpr bool has_slippery = false;
  /// Slippery when the spec leaves it unset.
  static constexpr bool default_slippery = false;
  /// Steps per episode when the spec says 0 (0 here: no limit).
  static constexpr std::int64_t default_time_limit = 200;
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    TimeLimit<Taxi> env(Taxi(), s.time_limit > 0 ? s.time_limit : default_time_limit);
    return f(env);
  }
  /// Success is a delivery (the only way Taxi terminates).
  [[nodiscard]] static bool success(const Rollout& r) noexcept { return r.terminated; }
};

/// A maze of Sutton & Barto's chapter 8 (GridMaze), built by `Make` (no slippery option, no
/// time limit unless set; success is reaching the goal).
template <GridMaze (*Make)()>
struct BasicMazeKind {
  /// Whether the environment has a slippery option.
  static constexpr bool has_slippery = false;
  /// Slippery when the spec leaves it unset.
  static constexpr bool default_slippery = false;
  /// Steps per episode when the spec says 0 (0 here: no limit).
  static constexpr std::int64_t default_time_limit = 0;
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    GridMaze env = Make();
    if (s.time_limit > 0) {
      TimeLimit<GridMaze> limited(env, s.time_limit);
      return f(limited);
    }
    return f(env);
  }
  /// A greedy episode succeeds when it reaches the goal.
  [[nodiscard]] static bool success(const Rollout& r) noexcept { return r.terminated; }
};
namespace detail {
[[nodiscard]] inline GridMaze make_blocking_maze() {
  return GridMaze::blocking_maze();
}
[[nodiscard]] inline GridMaze make_shortcut_maze() {
  return GridMaze::shortcut_maze();
}
}  // namespace detail
/// Sutton & Barto's Dyna maze (Example 8.1, GridMaze::dyna_maze).
struct DynaMazeKind : BasicMazeKind<&GridMaze::dyna_maze> {
  /// The name settings and files use.
  static constexpr std::string_view name = "dyna-maze";
};
/// The blocking maze (Example 8.2): its wall moves after 1000 steps of the run.
struct BlockingMazeKind : BasicMazeKind<&detail::make_blocking_maze> {
  /// The name settings and files use.
  static constexpr std::string_view name = "blocking-maze";
};
/// The shortcut maze (Example 8.3): a shorter path opens after 3000 steps of the run.
struct ShortcutMazeKind : BasicMazeKind<&detail::make_shortcut_maze> {
  /// The name settings and files use.
  static constexpr std::string_view name = "shortcut-maze";
};

/// The environments a RunSpec can name. Adding one: a struct like CliffKind, listed here.
using EnvKinds = KindList<CliffKind, FrozenLakeKind, FrozenLake8x8Kind, TaxiKind, DynaMazeKind,
                          BlockingMazeKind, ShortcutMazeKind>;

// ---- agents --------------------------------------------------------------------------------

/// The TD settings of a spec.
[[nodiscard]] inline TDOptions td_options(const RunSpec& s) noexcept {
  return {.gamma = s.gamma, .alpha = s.alpha, .epsilon = s.epsilon, .duplicates = s.duplicates};
}

/// An agent kind whose agent is built from the spec's TD settings alone.
template <class AgentT>
struct TDAgentKind {
  /// The agent class.
  using type = AgentT;
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    return type(states, actions, td_options(s));
  }
};
/// Q-learning (QLearningAgent).
struct QLearningKind : TDAgentKind<QLearningAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "q";
};
/// SARSA (SarsaAgent): online only.
struct SarsaKind : TDAgentKind<SarsaAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "sarsa";
};
/// Expected SARSA (ExpectedSarsaAgent).
struct ExpectedSarsaKind : TDAgentKind<ExpectedSarsaAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "expected-sarsa";
};
/// Double Q-learning (DoubleQLearningAgent); its coin is seeded with coin_seed(run seed).
struct DoubleQKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "double-q";
  /// The agent class.
  using type = DoubleQLearningAgent<>;
  /// The coin's seed: derive_seed(run seed, 0xD0B1E), as the example trainer has always used.
  [[nodiscard]] static constexpr std::uint64_t coin_seed(std::uint64_t seed) noexcept {
    return derive_seed(seed, 0xD0B1E);
  }
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    return type(states, actions, td_options(s), coin_seed(s.seed));
  }
};

/// The trace settings of a spec.
[[nodiscard]] inline TraceOptions trace_options(const RunSpec& s) noexcept {
  return {.lambda = s.lambda, .kind = s.trace, .threshold = s.trace_threshold};
}
/// An agent kind built from the spec's TD and trace settings (and, with TargetPolicy, its
/// target_epsilon).
template <class AgentT, bool TargetPolicy = false>
struct TraceAgentKind {
  /// The agent class.
  using type = AgentT;
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    if constexpr (TargetPolicy) {
      return type(states, actions, td_options(s), trace_options(s), s.target_epsilon);
    } else {
      return type(states, actions, td_options(s), trace_options(s));
    }
  }
};
/// SARSA(lambda) (SarsaLambdaAgent): online only; trace accumulating, replacing or dutch.
struct SarsaLambdaKind : TraceAgentKind<SarsaLambdaAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "sarsa-lambda";
};
/// True online SARSA(lambda) (TrueOnlineSarsaAgent): online only; its trace is dutch.
struct TrueOnlineSarsaKind : TraceAgentKind<TrueOnlineSarsaAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "true-online-sarsa";
};
/// Watkins's Q(lambda) (QLambdaAgent): online only.
struct QLambdaKind : TraceAgentKind<QLambdaAgent<>> {
  /// The name settings and files use.
  static constexpr std::string_view name = "q-lambda";
};
/// Tree-backup(lambda) (TreeBackupAgent) with target_epsilon: online only.
struct TreeBackupKind : TraceAgentKind<TreeBackupAgent<>, true> {
  /// The name settings and files use.
  static constexpr std::string_view name = "tree-backup";
};
/// Retrace(lambda) (RetraceAgent) with target_epsilon: online only.
struct RetraceKind : TraceAgentKind<RetraceAgent<>, true> {
  /// The name settings and files use.
  static constexpr std::string_view name = "retrace";
};
/// Dyna-Q (DynaQAgent, kappa 0) or, with Plus, Dyna-Q+ (the spec's kappa); the planning
/// generator is seeded with planning_seed(run seed).
template <bool Plus>
struct BasicDynaKind {
  /// The agent class.
  using type = DynaQAgent<>;
  /// The planning generator's seed: derive_seed(run seed, 0xD7A).
  [[nodiscard]] static constexpr std::uint64_t planning_seed(std::uint64_t seed) noexcept {
    return derive_seed(seed, 0xD7A);
  }
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    return type(
        states, actions, td_options(s),
        {.planning_steps = s.planning_steps, .model = s.model, .kappa = Plus ? s.kappa : 0.0},
        planning_seed(s.seed));
  }
};
/// Dyna-Q: planning_steps updates per real step from the model (model: deterministic or sample).
struct DynaQKind : BasicDynaKind<false> {
  /// The name settings and files use.
  static constexpr std::string_view name = "dyna-q";
};
/// Dyna-Q+: Dyna-Q with the kappa * sqrt(tau) exploration bonus.
struct DynaQPlusKind : BasicDynaKind<true> {
  /// The name settings and files use.
  static constexpr std::string_view name = "dyna-q-plus";
};
/// Prioritized sweeping (PrioritizedSweepingAgent): planning_steps queue updates per step
/// (>= 1), threshold theta.
struct PrioritizedSweepingKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "prioritized-sweeping";
  /// The agent class.
  using type = PrioritizedSweepingAgent<>;
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    return type(states, actions, td_options(s),
                {.planning_steps = s.planning_steps, .theta = s.theta, .model = s.model});
  }
};
/// R-learning (RLearningAgent): average reward, gamma 1, step size beta for rho.
struct RLearningKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "r-learning";
  /// The agent class.
  using type = RLearningAgent<>;
  /// Builds the agent for a table of `states` x `actions` from the spec.
  [[nodiscard]] static type make(const RunSpec& s, int states, int actions) {
    return type(states, actions, td_options(s), s.beta);
  }
};

/// The agents a RunSpec can name. Adding one: a struct with `name`, `type` and `make` (e.g.
/// `struct MyKind : TDAgentKind<MyAgent<>> { static constexpr std::string_view name = "my"; };`),
/// listed here; an agent without a minibatch update is accepted with replay "online" only.
using AgentKinds =
    KindList<QLearningKind, SarsaKind, ExpectedSarsaKind, DoubleQKind, SarsaLambdaKind,
             TrueOnlineSarsaKind, QLambdaKind, TreeBackupKind, RetraceKind, DynaQKind,
             DynaQPlusKind, PrioritizedSweepingKind, RLearningKind>;

/// True when agent kind `name` learns from a replay memory (has a minibatch update); the
/// others accept replay "online" only. Throws on an unknown name.
[[nodiscard]] inline bool learns_from_replay(std::string_view name) {
  return AgentKinds::visit(
      name, []<class K>(K) { return MinibatchAgent<typename K::type, ReplayMemory<>>; });
}

// ---- memories ------------------------------------------------------------------------------

/// Stands for "no memory": the run trains with train_online.
struct OnlineMemory {};

/// Online learning: one update per env step, no memory.
struct OnlineKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "online";
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec&, F&& f) {
    OnlineMemory none;
    return f(none);
  }
};
/// Uniform replay (ReplayMemory), behind NStepReplay when n_step > 1.
struct UniformKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "uniform";
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    ReplayMemory<> memory(s.memory, s.sampling);
    if (s.n_step > 1) {
      NStepReplay<> nstep(std::move(memory), s.n_step, s.gamma);
      return f(nstep);
    }
    return f(memory);
  }
};
/// Proportional prioritized replay (PrioritizedReplay), behind NStepReplay when n_step > 1.
struct PrioritizedKind {
  /// The name settings and files use.
  static constexpr std::string_view name = "prioritized";
  /// Calls f with what the spec describes, built on the stack for this one run.
  template <class F>
  static decltype(auto) visit(const RunSpec& s, F&& f) {
    const std::int64_t beta_steps = s.per_beta_steps > 0
                                        ? s.per_beta_steps
                                        : std::max<std::int64_t>(1, std::int64_t{20} * s.episodes);
    PrioritizedReplay<> memory(
        s.memory, {.alpha = s.per_alpha, .beta = s.per_beta, .beta_steps = beta_steps});
    if (s.n_step > 1) {
      NStepReplay<PrioritizedReplay<>> nstep(std::move(memory), s.n_step, s.gamma);
      return f(nstep);
    }
    return f(memory);
  }
};

/// The memories a RunSpec can name. Adding one: a struct with `name` and `visit`, listed here.
using ReplayKinds = KindList<OnlineKind, UniformKind, PrioritizedKind>;

// ---- settings by name ----------------------------------------------------------------------

namespace detail {
/// `v` if it names a kind of List, else InvalidArgument naming `field` and the choices.
template <class List>
[[nodiscard]] std::string kind_name(std::string_view field, std::string_view v) {
  if (!List::contains(v)) {
    tabrl::detail::throw_invalid(run_who,
                                 tabrl::detail::concat(field, " must be one of ", List::joined()),
                                 tabrl::detail::concat("'", v, "'"));
  }
  return std::string(v);
}
}  // namespace detail

/// Every setting of a RunSpec, in the order grids enumerate them and files list them.
[[nodiscard]] inline const std::vector<RunField>& run_fields() {
  using detail::run_who;
  using detail::text_of;
  using tabrl::detail::concat;
  using tabrl::detail::throw_invalid;
  static const std::vector<RunField> fields{
      {"env", "environment: one of " + EnvKinds::joined(),
       [](RunSpec& s, std::string_view v) { s.env = detail::kind_name<EnvKinds>("env", v); },
       [](const RunSpec& s) { return s.env; }},
      {"slippery", "slippery moves (cliff, frozen lakes): true, false or default",
       [](RunSpec& s, std::string_view v) {
         s.slippery =
             v == "default" ? std::nullopt : std::optional<bool>(detail::parse_bool("slippery", v));
       },
       [](const RunSpec& s) -> std::string {
         return s.slippery ? (*s.slippery ? "true" : "false") : "default";
       }},
      {"time_limit", "steps per episode (0: Gymnasium's limit; cliff has none)",
       [](RunSpec& s, std::string_view v) {
         s.time_limit = parse_integer<std::int64_t>(run_who, "time_limit", v, 0, 1'000'000'000);
       },
       [](const RunSpec& s) { return text_of(s.time_limit); }},
      {"agent",
       "agent: one of " + AgentKinds::joined() +
           " (sarsa and other agents without a minibatch update learn online only)",
       [](RunSpec& s, std::string_view v) { s.agent = detail::kind_name<AgentKinds>("agent", v); },
       [](const RunSpec& s) { return s.agent; }},
      {"gamma", "discount factor in [0, 1]",
       [](RunSpec& s, std::string_view v) { s.gamma = detail::unit_interval("gamma", v, false); },
       [](const RunSpec& s) { return text_of(s.gamma); }},
      {"alpha", "learning rate in (0, 1]",
       [](RunSpec& s, std::string_view v) { s.alpha = detail::unit_interval("alpha", v, true); },
       [](const RunSpec& s) { return text_of(s.alpha); }},
      {"epsilon", "exploration rate in [0, 1]",
       [](RunSpec& s, std::string_view v) {
         s.epsilon = detail::unit_interval("epsilon", v, false);
       },
       [](const RunSpec& s) { return text_of(s.epsilon); }},
      {"duplicates", "minibatch rule for repeated (state, action): last, mean or sequential",
       [](RunSpec& s, std::string_view v) {
         if (v == "last")
           s.duplicates = DuplicateRule::last;
         else if (v == "mean")
           s.duplicates = DuplicateRule::mean;
         else if (v == "sequential")
           s.duplicates = DuplicateRule::sequential;
         else
           throw_invalid(run_who, "duplicates must be one of last, mean, sequential",
                         concat("'", v, "'"));
       },
       [](const RunSpec& s) { return detail::duplicates_text(s.duplicates); }},
      {"lambda", "trace agents: trace decay lambda in [0, 1]",
       [](RunSpec& s, std::string_view v) { s.lambda = detail::unit_interval("lambda", v, false); },
       [](const RunSpec& s) { return text_of(s.lambda); }},
      {"trace",
       "trace agents: how the visited pair is marked: accumulating, replacing or dutch (dutch: "
       "sarsa-lambda only; true-online-sarsa is always dutch)",
       [](RunSpec& s, std::string_view v) {
         if (v == "accumulating")
           s.trace = TraceKind::accumulating;
         else if (v == "replacing")
           s.trace = TraceKind::replacing;
         else if (v == "dutch")
           s.trace = TraceKind::dutch;
         else
           throw_invalid(run_who, "trace must be one of accumulating, replacing, dutch",
                         concat("'", v, "'"));
       },
       [](const RunSpec& s) -> std::string { return to_string(s.trace); }},
      {"trace_threshold", "trace agents: traces below it are dropped, in [0, 1)",
       [](RunSpec& s, std::string_view v) {
         const double x = parse_double(run_who, "trace_threshold", v);
         if (!(x >= 0.0 && x < 1.0)) throw_invalid(run_who, "trace_threshold must be in [0, 1)", v);
         s.trace_threshold = x;
       },
       [](const RunSpec& s) { return text_of(s.trace_threshold); }},
      {"target_epsilon", "tree-backup, retrace: the target policy's epsilon in [0, 1] (0: greedy)",
       [](RunSpec& s, std::string_view v) {
         s.target_epsilon = detail::unit_interval("target_epsilon", v, false);
       },
       [](const RunSpec& s) { return text_of(s.target_epsilon); }},
      {"planning_steps",
       "dyna-q, dyna-q-plus, prioritized-sweeping: planning updates per env step in [0, 100000] "
       "(prioritized-sweeping: >= 1)",
       [](RunSpec& s, std::string_view v) {
         s.planning_steps =
             parse_integer<int>(run_who, "planning_steps", v, 0, DynaOptions::max_planning_steps);
       },
       [](const RunSpec& s) { return text_of(s.planning_steps); }},
      {"model", "dyna-q, dyna-q-plus, prioritized-sweeping: deterministic or sample model",
       [](RunSpec& s, std::string_view v) {
         if (v == "deterministic")
           s.model = ModelKind::deterministic;
         else if (v == "sample")
           s.model = ModelKind::sample;
         else
           throw_invalid(run_who, "model must be one of deterministic, sample",
                         concat("'", v, "'"));
       },
       [](const RunSpec& s) -> std::string { return to_string(s.model); }},
      {"kappa", "dyna-q-plus: exploration bonus weight in [0, 1e6]",
       [](RunSpec& s, std::string_view v) {
         const double x = parse_double(run_who, "kappa", v);
         if (!(x >= 0.0 && x <= 1e6)) throw_invalid(run_who, "kappa must be in [0, 1e6]", v);
         s.kappa = x;
       },
       [](const RunSpec& s) { return text_of(s.kappa); }},
      {"theta", "prioritized-sweeping: a pair is queued when its priority exceeds theta (>= 0)",
       [](RunSpec& s, std::string_view v) {
         const double x = parse_double(run_who, "theta", v);
         if (!(x >= 0.0 && x <= 1e300)) throw_invalid(run_who, "theta must be finite and >= 0", v);
         s.theta = x;
       },
       [](const RunSpec& s) { return text_of(s.theta); }},
      {"beta", "r-learning: step size of the average reward in (0, 1]",
       [](RunSpec& s, std::string_view v) { s.beta = detail::unit_interval("beta", v, true); },
       [](const RunSpec& s) { return text_of(s.beta); }},
      {"replay", "memory: one of " + ReplayKinds::joined() + " (online: none)",
       [](RunSpec& s, std::string_view v) {
         s.replay = detail::kind_name<ReplayKinds>("replay", v);
       },
       [](const RunSpec& s) { return s.replay; }},
      {"memory", "replay capacity in [1, 10000000]",
       [](RunSpec& s, std::string_view v) {
         s.memory = parse_integer<std::size_t>(run_who, "memory", v, 1, 10'000'000);
       },
       [](const RunSpec& s) { return text_of(s.memory); }},
      {"batch", "minibatch size in [1, memory]",
       [](RunSpec& s, std::string_view v) {
         s.batch = parse_integer<std::size_t>(run_who, "batch", v, 1, 10'000'000);
       },
       [](const RunSpec& s) { return text_of(s.batch); }},
      {"updates_per_step", "minibatch updates per env step in [0, 1000] (online: 1)",
       [](RunSpec& s, std::string_view v) {
         s.updates_per_step = parse_integer<int>(run_who, "updates_per_step", v, 0, 1000);
       },
       [](const RunSpec& s) { return text_of(s.updates_per_step); }},
      {"n_step", "n-step returns in [1, 1000] (replay only)",
       [](RunSpec& s, std::string_view v) {
         s.n_step = parse_integer<int>(run_who, "n_step", v, 1, 1000);
       },
       [](const RunSpec& s) { return text_of(s.n_step); }},
      {"sampling", "uniform replay sampling: without or with (replacement)",
       [](RunSpec& s, std::string_view v) {
         if (v == "without")
           s.sampling = Sampling::without_replacement;
         else if (v == "with")
           s.sampling = Sampling::with_replacement;
         else
           throw_invalid(run_who, "sampling must be one of without, with", concat("'", v, "'"));
       },
       [](const RunSpec& s) -> std::string {
         return s.sampling == Sampling::with_replacement ? "with" : "without";
       }},
      {"per_alpha", "prioritized replay: priority exponent in [0, 16]",
       [](RunSpec& s, std::string_view v) {
         const double x = parse_double(run_who, "per_alpha", v);
         if (!(x >= 0.0 && x <= 16.0)) throw_invalid(run_who, "per_alpha must be in [0, 16]", v);
         s.per_alpha = x;
       },
       [](const RunSpec& s) { return text_of(s.per_alpha); }},
      {"per_beta", "prioritized replay: initial importance exponent in [0, 1]",
       [](RunSpec& s, std::string_view v) {
         s.per_beta = detail::unit_interval("per_beta", v, false);
       },
       [](const RunSpec& s) { return text_of(s.per_beta); }},
      {"per_beta_steps", "prioritized replay: samples until beta is 1 (0: 20 per episode)",
       [](RunSpec& s, std::string_view v) {
         s.per_beta_steps =
             parse_integer<std::int64_t>(run_who, "per_beta_steps", v, 0, std::int64_t{1} << 50);
       },
       [](const RunSpec& s) { return text_of(s.per_beta_steps); }},
      {"episodes", "training episodes in [1, 1000000000]",
       [](RunSpec& s, std::string_view v) {
         s.episodes = parse_integer<int>(run_who, "episodes", v, 1, 1'000'000'000);
       },
       [](const RunSpec& s) { return text_of(s.episodes); }},
      {"eval_episodes", "greedy evaluation episodes after training in [0, 1000000]",
       [](RunSpec& s, std::string_view v) {
         s.eval_episodes = parse_integer<int>(run_who, "eval_episodes", v, 0, 1'000'000);
       },
       [](const RunSpec& s) { return text_of(s.eval_episodes); }},
      {"eval_max_steps", "step cap of an evaluation episode (0: the time limit, or 100)",
       [](RunSpec& s, std::string_view v) {
         s.eval_max_steps =
             parse_integer<std::int64_t>(run_who, "eval_max_steps", v, 0, 1'000'000'000);
       },
       [](const RunSpec& s) { return text_of(s.eval_max_steps); }},
      {"seed", "the run's seed (in a grid: derived from the grid seed and the run index)",
       [](RunSpec& s, std::string_view v) {
         s.seed = parse_integer<std::uint64_t>(run_who, "seed", v);
       },
       [](const RunSpec& s) { return text_of(s.seed); }},
  };
  return fields;
}

/// `name` with dashes read as underscores ("time-limit" -> "time_limit").
[[nodiscard]] inline std::string field_key(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

/// The field called `name` (dashes or underscores), or nullptr.
[[nodiscard]] inline const RunField* find_run_field(std::string_view name) {
  const std::string key = field_key(name);
  for (const RunField& f : run_fields()) {
    if (f.name == key) return &f;
  }
  return nullptr;
}

/// Sets the setting `name` from its text: `set_field(spec, "alpha", "0.1")`. Throws
/// InvalidArgument naming the field and its bound when the name or the value is bad.
inline void set_field(RunSpec& spec, std::string_view name, std::string_view value) {
  const RunField* f = find_run_field(name);
  if (f == nullptr) {
    tabrl::detail::throw_invalid("RunSpec", "setting must be a run field (see run_fields())",
                                 tabrl::detail::concat("'", name, "'"));
  }
  f->set(spec, value);
}

/// The text of setting `name` as set_field reads it back (numbers in shortest round-trip form).
[[nodiscard]] inline std::string get_field(const RunSpec& spec, std::string_view name) {
  const RunField* f = find_run_field(name);
  if (f == nullptr) {
    tabrl::detail::throw_invalid("RunSpec", "setting must be a run field (see run_fields())",
                                 tabrl::detail::concat("'", name, "'"));
  }
  return f->get(spec);
}

/// The spec with the environment's defaults written in (slippery, time limit) and
/// per_beta_steps resolved, so files show what ran. Throws on an unknown environment.
[[nodiscard]] inline RunSpec resolved(RunSpec s) {
  EnvKinds::visit(s.env, [&s]<class K>(K) {
    if (!s.slippery && K::has_slippery) s.slippery = K::default_slippery;
    if (s.time_limit == 0) s.time_limit = K::default_time_limit;
  });
  if (s.replay == PrioritizedKind::name && s.per_beta_steps == 0)
    s.per_beta_steps = std::max<std::int64_t>(1, std::int64_t{20} * s.episodes);
  return s;
}

/// Checks the settings together (each field's own range is checked when it is set): names,
/// an agent that has no minibatch update with a replay memory, batch > memory, n-step or
/// several updates per step without a memory, slippery on an environment without that
/// option. Throws InvalidArgument naming the field.
inline void validate(const RunSpec& s) {
  using tabrl::detail::concat;
  using tabrl::detail::throw_invalid;
  const bool slippery_ok = EnvKinds::visit(s.env, []<class K>(K) { return K::has_slippery; });
  if (s.slippery && *s.slippery && !slippery_ok)
    throw_invalid("RunSpec", concat("slippery must be false or default for env ", s.env), "true");
  const bool online = s.replay == OnlineKind::name;
  if (!ReplayKinds::contains(s.replay))
    throw_invalid("RunSpec", "replay must be one of " + ReplayKinds::joined(),
                  concat("'", s.replay, "'"));
  if (!AgentKinds::contains(s.agent))
    throw_invalid("RunSpec", "agent must be one of " + AgentKinds::joined(),
                  concat("'", s.agent, "'"));
  const bool replays = learns_from_replay(s.agent);
  if (!online && !replays)
    throw_invalid("RunSpec",
                  concat("replay must be online for agent ", s.agent, " (it learns online only)"),
                  s.replay);
  if (online) {
    if (s.n_step != 1)
      throw_invalid("RunSpec", "n_step must be 1 with replay online (n-step needs a memory)",
                    s.n_step);
    if (s.updates_per_step != 1)
      throw_invalid("RunSpec", "updates_per_step must be 1 with replay online", s.updates_per_step);
  } else if (s.batch > s.memory) {
    throw_invalid("RunSpec", concat("batch must be <= memory (", s.memory, ")"), s.batch);
  }
  if (!(s.gamma >= 0.0 && s.gamma <= 1.0))
    throw_invalid("RunSpec", "gamma must be in [0, 1]", s.gamma);
  if (!(s.alpha > 0.0 && s.alpha <= 1.0))
    throw_invalid("RunSpec", "alpha must be in (0, 1]", s.alpha);
  if (!(s.epsilon >= 0.0 && s.epsilon <= 1.0))
    throw_invalid("RunSpec", "epsilon must be in [0, 1]", s.epsilon);
  if (!(s.lambda >= 0.0 && s.lambda <= 1.0))
    throw_invalid("RunSpec", "lambda must be in [0, 1]", s.lambda);
  if (s.trace == TraceKind::dutch &&
      (s.agent == QLambdaKind::name || s.agent == TreeBackupKind::name ||
       s.agent == RetraceKind::name))
    throw_invalid("RunSpec", concat("trace must be accumulating or replacing for agent ", s.agent),
                  "dutch");
  if (s.agent == PrioritizedSweepingKind::name && s.planning_steps < 1)
    throw_invalid("RunSpec", "planning_steps must be >= 1 for agent prioritized-sweeping",
                  s.planning_steps);
  if (s.agent == RLearningKind::name && s.gamma != 1.0)
    throw_invalid("RunSpec", "gamma must be 1 for agent r-learning (it does not discount)",
                  s.gamma);
  if (s.episodes < 1) throw_invalid("RunSpec", "episodes must be >= 1", s.episodes);
  if (s.eval_episodes < 0) throw_invalid("RunSpec", "eval_episodes must be >= 0", s.eval_episodes);
}

// ---- one run -------------------------------------------------------------------------------

/// The metrics every run reports, in runs.csv column order: mean return over all episodes,
/// mean return over the last tenth of them (at least one), mean episode length, env steps,
/// updates, and the greedy evaluation's mean return, mean length and success rate (NaN when
/// eval_episodes is 0).
inline constexpr std::array<std::string_view, 8> standard_metrics{
    "mean_return", "final_return", "mean_length", "env_steps",
    "updates",     "eval_return",  "eval_length", "eval_success"};

/// What one run produced: scalar metrics (standard_metrics, then any extras a custom run
/// function appends) and the per-episode and per-state series the sweep averages.
struct RunResult {
  std::vector<double> metrics;  ///< one value per metric name
  std::vector<double> returns;  ///< return of each episode
  std::vector<double> lengths;  ///< length of each episode
  std::vector<double> visits;   ///< visits of each state over training
  double seconds = 0.0;         ///< time spent training (a measurement, not a result)
};

/// visit_run for the runs of one environment kind (`spec.env` must name EnvKind): a program
/// can instantiate each kind's runs in its own translation unit, as the example trainer does.
/// Throws when the spec is invalid or names another environment.
template <class EnvKind, class F>
decltype(auto) visit_run_in(const RunSpec& spec, F&& f) {
  validate(spec);
  if (spec.env != EnvKind::name) {
    tabrl::detail::throw_invalid("visit_run_in",
                                 tabrl::detail::concat("env must be ", EnvKind::name),
                                 tabrl::detail::concat("'", spec.env, "'"));
  }
  return EnvKind::visit(spec, [&](auto& env) -> decltype(auto) {
    return AgentKinds::visit(spec.agent, [&]<class A>(A) -> decltype(auto) {
      auto agent = A::make(spec, env.num_states(), env.num_actions());
      const auto with_memory = [&](auto& memory) -> decltype(auto) {
        return f(env, agent, memory);
      };
      if constexpr (MinibatchAgent<typename A::type, ReplayMemory<>>) {
        return ReplayKinds::visit(
            spec.replay, [&]<class M>(M) -> decltype(auto) { return M::visit(spec, with_memory); });
      } else {
        // validate() refused every memory but "online" for this agent: f is instantiated
        // for the combinations that can run, not for every agent times every memory.
        return OnlineKind::visit(spec, with_memory);
      }
    });
  });
}

/// Builds the environment, agent and memory `spec` names and calls
/// f(env, agent, memory) once with the concrete types (memory is an OnlineMemory for online
/// runs). Throws when the spec is invalid. This is the only runtime dispatch of a run.
template <class F>
decltype(auto) visit_run(const RunSpec& spec, F&& f) {
  validate(spec);
  return EnvKinds::visit(spec.env,
                         [&]<class E>(E) -> decltype(auto) { return visit_run_in<E>(spec, f); });
}

/// The TrainOptions of a spec.
[[nodiscard]] inline TrainOptions train_options(const RunSpec& s) noexcept {
  return {.episodes = s.episodes,
          .batch_size = s.batch,
          .updates_per_step = s.updates_per_step,
          .seed = s.seed};
}

/// Trains with tabrl::train_online (OnlineMemory) or tabrl::train and returns the log (an
/// EpisodicAgent hears of every episode's end from the loop, before `observer` does).
/// Throws LogicError for an agent that cannot learn from that memory (validate() rejects
/// such specs first).
template <class Env, class AgentT, class Memory, class Observer = NullObserver>
[[nodiscard]] TrainingLog train_run(const RunSpec& spec, Env& env, AgentT& agent, Memory& memory,
                                    Observer&& observer = {}) {
  if constexpr (std::is_same_v<Memory, OnlineMemory>) {
    return train_online(agent, env, train_options(spec), std::forward<Observer>(observer));
  } else if constexpr (MinibatchAgent<AgentT, Memory>) {
    return train(agent, env, memory, train_options(spec), std::forward<Observer>(observer));
  } else {
    throw LogicError("tabrl::experiment::train_run: agent " + spec.agent +
                     " cannot learn from replay " + spec.replay);
  }
}

/// The step cap of one greedy evaluation episode: eval_max_steps, else the time limit, else 100.
[[nodiscard]] inline std::int64_t eval_step_cap(const RunSpec& s) {
  if (s.eval_max_steps > 0) return s.eval_max_steps;
  const std::int64_t limit =
      s.time_limit > 0 ? s.time_limit
                       : EnvKinds::visit(s.env, []<class K>(K) { return K::default_time_limit; });
  return limit > 0 ? limit : 100;
}

/// The standard metrics of a finished run: the log's, then spec.eval_episodes greedy episodes.
/// Evaluation episode i resets with derive_seed(seed, 1000000 + i); ties are broken by a
/// generator seeded derive_seed(seed, 0xE7A1), so evaluating never shifts training draws.
template <class Env, class AgentT>
[[nodiscard]] RunResult standard_result(const RunSpec& spec, Env& env, const AgentT& agent,
                                        TrainingLog&& log) {
  RunResult out;
  const auto episodes = log.returns.size();
  double total = 0.0, length = 0.0, tail = 0.0;
  const std::size_t tail_n = std::max<std::size_t>(1, episodes / 10);
  for (std::size_t e = 0; e < episodes; ++e) {
    total += log.returns[e];
    length += static_cast<double>(log.lengths[e]);
    if (e + tail_n >= episodes) tail += log.returns[e];
  }
  const double n =
      episodes > 0 ? static_cast<double>(episodes) : std::numeric_limits<double>::quiet_NaN();
  double eval_return = std::numeric_limits<double>::quiet_NaN();
  double eval_length = eval_return, eval_success = eval_return;
  if (spec.eval_episodes > 0) {
    const std::int64_t cap = eval_step_cap(spec);
    Rng rng(derive_seed(spec.seed, 0xE7A1));
    double r_sum = 0.0, l_sum = 0.0, wins = 0.0;
    using SuccessTest = bool (*)(const Rollout&) noexcept;
    const SuccessTest success =
        EnvKinds::visit(spec.env, []<class K>(K) -> SuccessTest { return &K::success; });
    for (int i = 0; i < spec.eval_episodes; ++i) {
      const Rollout r = greedy_rollout(
          agent, env, rng, cap, derive_seed(spec.seed, 1'000'000 + static_cast<std::uint64_t>(i)));
      r_sum += r.total_return;
      l_sum += static_cast<double>(r.length());
      wins += success(r) ? 1.0 : 0.0;
    }
    const auto m = static_cast<double>(spec.eval_episodes);
    eval_return = r_sum / m;
    eval_length = l_sum / m;
    eval_success = wins / m;
  }
  out.metrics = {total / n,
                 tail / static_cast<double>(std::min(tail_n, std::max<std::size_t>(episodes, 1))),
                 length / n,
                 static_cast<double>(log.env_steps),
                 static_cast<double>(log.updates),
                 eval_return,
                 eval_length,
                 eval_success};
  out.returns = std::move(log.returns);
  out.lengths.assign(log.lengths.begin(), log.lengths.end());
  out.visits.assign(log.visit_counts.begin(), log.visit_counts.end());
  out.seconds = log.seconds;
  return out;
}

/// Runs `spec`: builds it, trains, evaluates. Deterministic in the spec (seed included).
[[nodiscard]] inline RunResult run_one(const RunSpec& spec) {
  return visit_run(spec, [&spec](auto& env, auto& agent, auto& memory) {
    return standard_result(spec, env, agent, train_run(spec, env, agent, memory));
  });
}

}  // namespace tabrl::experiment
