#pragma once
/// \file training/train.hpp
/// The training loop: act, step, store, sample, update, as the notebook does, for any
/// environment, agent and memory that satisfy tabrl's concepts.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "observers.hpp"

namespace tabrl {

/// What train() runs.
struct TrainOptions {
  int episodes = 100;  ///< episodes to run (>= 0)
  std::size_t batch_size =
      32;  ///< minibatch size (1 .. max_batch_size); updates start once size() > batch_size
  int updates_per_step = 1;  ///< minibatch updates after each env step (0 .. max_updates_per_step)
  std::uint64_t seed = 0;    ///< seeds the agent/sampling generator and every episode's reset

  /// The largest batch_size accepted (about 2^20 rows; a larger one is almost certainly a typo
  /// and would take gigabytes per update).
  static constexpr std::size_t max_batch_size = std::size_t{1} << 20U;
  /// The largest updates_per_step accepted: more would make one env step take seconds.
  static constexpr int max_updates_per_step = 1024;

  /// Throws InvalidArgument naming the first setting out of its range; `who` starts the
  /// message ("tabrl::<who>: ...").
  void validate(const char* who = "TrainOptions") const {
    if (episodes < 0) detail::throw_invalid(who, "episodes must be >= 0", episodes);
    if (batch_size == 0) detail::throw_invalid(who, "batch_size must be >= 1", batch_size);
    if (batch_size > max_batch_size) {
      detail::throw_invalid(who, detail::concat("batch_size must be <= ", max_batch_size),
                            batch_size);
    }
    if (updates_per_step < 0) {
      detail::throw_invalid(who, "updates_per_step must be >= 0", updates_per_step);
    }
    if (updates_per_step > max_updates_per_step) {
      detail::throw_invalid(who,
                            detail::concat("updates_per_step must be <= ", max_updates_per_step),
                            updates_per_step);
    }
  }

  /// "TrainOptions" (Saveable).
  [[nodiscard]] static std::string kind() { return "TrainOptions"; }
  /// Writes the four settings (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::int32_t>(episodes));
    out.value(static_cast<std::uint64_t>(batch_size));
    out.value(static_cast<std::int32_t>(updates_per_step));
    out.value(seed);
  }
  /// Reads them back, validated (Saveable).
  void load(BinaryReader& in) {
    TrainOptions o;
    o.episodes = in.value<std::int32_t>();
    o.batch_size = static_cast<std::size_t>(in.value<std::uint64_t>());
    o.updates_per_step = in.value<std::int32_t>();
    o.seed = in.value<std::uint64_t>();
    try {
      o.validate();
    } catch (const InvalidArgument& e) {
      in.fail(FormatProblem::value, e.what());
    }
    *this = o;
  }

  /// Field-by-field equality.
  friend bool operator==(const TrainOptions&, const TrainOptions&) = default;
};

/// Everything the training loops record.
struct TrainingLog {
  std::vector<double> returns;             ///< undiscounted return of each episode
  std::vector<std::int64_t> lengths;       ///< env steps of each episode
  std::vector<std::int64_t> visit_counts;  ///< visits per state (start states included)
  std::int64_t env_steps = 0;              ///< env steps over all finished episodes
  std::int64_t updates = 0;                ///< updates performed (minibatch or online)
  double seconds = 0.0;                    ///< wall-clock time spent inside the loop

  /// Mean return of the last n episodes (of all of them when fewer; 0 when there are none).
  [[nodiscard]] double mean_return_last(std::size_t n) const {
    if (returns.empty() || n == 0) return 0.0;
    const std::size_t k = n < returns.size() ? n : returns.size();
    return std::accumulate(returns.end() - static_cast<std::ptrdiff_t>(k), returns.end(), 0.0) /
           static_cast<double>(k);
  }

  /// Same results (seconds, a measurement, is not compared).
  friend bool operator==(const TrainingLog& a, const TrainingLog& b) {
    // seconds is a measurement, not a result: two identical runs differ in it.
    return a.returns == b.returns && a.lengths == b.lengths && a.visit_counts == b.visit_counts &&
           a.env_steps == b.env_steps && a.updates == b.updates;
  }
};

/// An episode a loop stopped inside (see Control::stop): where it was, so the next call
/// continues it instead of resetting the environment.
struct EpisodeProgress {
  bool active = false;        ///< true while an episode is unfinished
  int state = 0;              ///< the agent's current state
  int action = -1;            ///< on-policy loops: the action already chosen for it; else -1
  double episode_return = 0;  ///< return so far
  std::int64_t length = 0;    ///< steps so far

  /// Field-by-field equality.
  friend bool operator==(const EpisodeProgress&, const EpisodeProgress&) = default;
};

/// The loops' resumable state: the generator, the next episode index, an unfinished episode
/// and the log so far. A run split into several run_training() calls (at episode ends, or
/// anywhere with Control::stop and the same environment object) is bit-identical to one
/// uninterrupted run.
struct TrainingState {
  Rng rng;                   ///< the agent's and the memory's generator
  int episode = 0;           ///< the next (or unfinished) episode
  EpisodeProgress progress;  ///< the unfinished episode, if any
  TrainingLog log;           ///< what has been recorded

  /// A fresh state for an environment of `num_states` states.
  TrainingState(std::uint64_t seed, int num_states) : rng(seed) {
    if (num_states < 1)
      detail::throw_invalid("TrainingState", "num_states must be >= 1", num_states);
    log.visit_counts.assign(static_cast<std::size_t>(num_states), 0);
  }

  /// "TrainingState" (Saveable).
  [[nodiscard]] static std::string kind() { return "TrainingState"; }

  /// Writes the generator, counters, unfinished episode and log (Saveable). Throws
  /// InvalidArgument, writing nothing, for a state load() would refuse.
  void save(BinaryWriter& out) const {
    const std::string problem = inconsistency(episode, log, progress);
    if (!problem.empty())
      detail::throw_invalid("TrainingState::save", problem, "an inconsistent state");
    for (const std::uint64_t word : rng.state()) out.value(word);
    out.value(static_cast<std::int32_t>(episode));
    out.value(static_cast<std::int64_t>(log.env_steps));
    out.value(static_cast<std::int64_t>(log.updates));
    out.value(log.seconds);
    out.vector<double>(log.returns);
    out.vector<std::int64_t>(log.lengths);
    out.vector<std::int64_t>(log.visit_counts);
    out.value(static_cast<std::uint8_t>(progress.active ? 1 : 0));
    out.value(static_cast<std::int32_t>(progress.state));
    out.value(static_cast<std::int32_t>(progress.action));
    out.value(progress.episode_return);
    out.value(static_cast<std::int64_t>(progress.length));
  }

  /// Reads them back (Saveable); the log must be for this state's number of states and add
  /// up (lengths summing to env_steps, visits to steps + episodes, all below 2^53, returns
  /// finite). Throws FormatError naming what does not, changing nothing.
  void load(BinaryReader& in) {
    Rng::state_type words{};
    for (auto& word : words) word = in.value<std::uint64_t>();
    if (words == Rng::state_type{}) in.fail(FormatProblem::value, "generator state is all zero");
    const auto ep = in.value<std::int32_t>();
    TrainingLog l;
    l.env_steps = in.value<std::int64_t>();
    l.updates = in.value<std::int64_t>();
    l.seconds = in.value<double>();
    l.returns = in.vector<double>();
    l.lengths = in.vector<std::int64_t>();
    l.visit_counts = in.vector<std::int64_t>();
    EpisodeProgress p;
    const auto active = in.value<std::uint8_t>();
    p.state = in.value<std::int32_t>();
    p.action = in.value<std::int32_t>();
    p.episode_return = in.value<double>();
    p.length = in.value<std::int64_t>();
    if (active > 1) in.fail(FormatProblem::value, "episode-in-progress flag must be 0 or 1");
    p.active = active == 1;
    if (!p.active) p = EpisodeProgress{};
    check_consistent(in, ep, l, p);
    rng.set_state(words);
    episode = ep;
    progress = p;
    log = std::move(l);
  }

  /// The checks load() makes (and save() makes before writing), for a log read by another
  /// format too (version-1 checkpoints): throws FormatError through `in` naming what is wrong.
  void check_consistent(const BinaryReader& in, int ep, const TrainingLog& l,
                        const EpisodeProgress& p) const {
    const std::string problem = inconsistency(ep, l, p);
    if (!problem.empty()) in.fail(FormatProblem::value, problem);
  }

  /// What is inconsistent in (ep, l, p) for this state's number of states, or "" if nothing.
  [[nodiscard]] std::string inconsistency(int ep, const TrainingLog& l,
                                          const EpisodeProgress& p) const {
    const std::size_t states = log.visit_counts.size();
    if (l.visit_counts.size() != states) {
      return detail::concat("training log counts visits of ", l.visit_counts.size(),
                            " states, expected ", states);
    }
    if (ep < 0 || l.returns.size() != static_cast<std::size_t>(ep) ||
        l.lengths.size() != l.returns.size()) {
      return detail::concat("training log holds ", l.returns.size(), " returns and ",
                            l.lengths.size(), " lengths for episode counter ", ep);
    }
    if (p.active && (p.state < 0 || static_cast<std::size_t>(p.state) >= states || p.action < -1 ||
                     p.length < 1 || !std::isfinite(p.episode_return))) {
      return detail::concat("unfinished episode must have a state in [0, ", states,
                            "), an action >= -1, a length >= 1 and a finite return");
    }
    // The counters must add up, so continuing cannot overflow them.
    constexpr std::int64_t limit = std::int64_t{1} << 53;
    auto in_range = [](std::int64_t v) { return v >= 0 && v < limit; };
    std::int64_t steps = 0;
    std::int64_t visits = 0;
    bool ok = in_range(l.env_steps) && in_range(l.updates) && std::isfinite(l.seconds) &&
              l.seconds >= 0 && in_range(p.length);
    for (const auto n : l.lengths) ok = ok && in_range(n) && in_range(steps += n);
    for (const auto v : l.visit_counts) ok = ok && in_range(v) && in_range(visits += v);
    for (const double x : l.returns) ok = ok && std::isfinite(x);
    const std::int64_t open_visits = p.active ? 1 + p.length : 0;
    if (!ok || steps != l.env_steps || visits != l.env_steps + ep + open_visits) {
      return detail::concat("training log counters are inconsistent (lengths sum to ", steps,
                            ", env_steps ", l.env_steps, ", visits sum to ", visits, ", expected ",
                            l.env_steps + ep + open_visits, ")");
    }
    return {};
  }
};

namespace detail {
/// Checks that agent, environment and training state agree on their sizes; `who` names the
/// loop in the message. Shared by every training loop.
template <class AgentT, class Env>
void check_sizes(const char* who, const AgentT& agent, const Env& env, const TrainingState& state) {
  if (agent.num_states() != env.num_states() || agent.num_actions() != env.num_actions()) {
    throw_invalid(who,
                  concat("agent table must match the environment (", env.num_states(), " x ",
                         env.num_actions(), ")"),
                  concat(agent.num_states(), " x ", agent.num_actions()));
  }
  if (state.log.visit_counts.size() != static_cast<std::size_t>(env.num_states())) {
    throw_invalid(who, "TrainingState must be made for the environment's state count",
                  state.log.visit_counts.size());
  }
}

/// Asks the cache for the agent's row of `state`, which the loop reads next (to act and to
/// bootstrap); with a table of millions of states that read is a cache miss the replay work
/// in between can hide (docs/performance.md, "Large tables"). No effect on results.
template <class AgentT>
void prefetch_row(const AgentT& agent, int state) noexcept {
  if constexpr (requires {
                  agent.q_values().data();
                  agent.q_values().cols();
                }) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(agent.q_values().data() +
                       static_cast<std::ptrdiff_t>(state) * agent.q_values().cols());
#else
    (void)agent;
    (void)state;
#endif
  }
}

/// The sampling call the loop makes: the copy-free view when the memory offers one.
template <class Memory, class G>
void sample_rows(Memory& memory, std::size_t n, G& rng, typename Memory::minibatch_type& batch) {
  if constexpr (requires { memory.sample_view(n, rng, batch); }) {
    memory.sample_view(n, rng, batch);
  } else {
    memory.sample(n, rng, batch);
  }
}
}  // namespace detail

/// Runs episodes state.episode .. options.episodes - 1, continuing `state` (and its unfinished
/// episode, if a previous call stopped inside one: pass the same environment object). Each
/// episode resets the environment with derive_seed(options.seed, episode), so the
/// environment's own randomness needs no saving at episode ends. After every update from a
/// PrioritizedMemory the rows' priorities follow the agent's TD errors; after every episode an
/// EpisodicMemory and an EpisodicAgent hear end_episode(). Returns early when an
/// observer returns Control::stop. Throws if batch_size exceeds the memory capacity or the
/// environment and agent disagree on sizes.
template <DiscreteEnvironment Env, ExperienceMemory Memory, MinibatchAgent<Memory> AgentT,
          class Observer = NullObserver>
void run_training(AgentT& agent, Env& env, Memory& replay, const TrainOptions& options,
                  TrainingState& state, Observer&& observer = {}) {
  static_assert(!PrioritizedMemory<Memory> || ReportsTDErrors<AgentT>,
                "a prioritized memory needs an agent with last_td_errors() (see concepts.hpp)");
  options.validate("train");
  if (options.batch_size > replay.capacity()) {
    detail::throw_invalid(
        "train", detail::concat("batch_size must be <= memory capacity ", replay.capacity()),
        options.batch_size);
  }
  detail::check_sizes("train", agent, env, state);
  typename Memory::minibatch_type batch;
  TrainingLog& log = state.log;
  const auto started = std::chrono::steady_clock::now();
  bool stop = false;
  for (; state.episode < options.episodes && !stop; ++state.episode) {
    int s = 0;
    double episode_return = 0.0;
    std::int64_t length = 0;
    if (state.progress.active) {
      s = state.progress.state;
      episode_return = state.progress.episode_return;
      length = state.progress.length;
      state.progress = EpisodeProgress{};
    } else {
      s = env.reset(derive_seed(options.seed, static_cast<std::uint64_t>(state.episode)));
      ++log.visit_counts[static_cast<std::size_t>(s)];
    }
    for (;;) {
      const int a = agent.act(s, state.rng);
      const StepResult r = env.step(a);
      detail::prefetch_row(agent, r.next_state);
      ++length;
      episode_return += r.reward;
      // Only `terminated` is stored: a truncated transition still bootstraps.
      replay.push(Transition{s, a, r.reward, r.next_state, r.terminated});
      if (replay.size() > options.batch_size) {
        for (int u = 0; u < options.updates_per_step; ++u) {
          detail::sample_rows(replay, options.batch_size, state.rng, batch);
          agent.update(batch);
          if constexpr (PrioritizedMemory<Memory>) {
            replay.update_priorities(batch, agent.last_td_errors());
          }
          ++log.updates;
        }
      }
      if constexpr (detail::has_on_step<std::remove_cvref_t<Observer>>) {
        stop = detail::notify_step(observer, StepEvent{state.episode, length, s, a, r});
      }
      s = r.next_state;
      ++log.visit_counts[static_cast<std::size_t>(s)];
      if (r.terminated || r.truncated) break;
      if (stop) {
        state.progress = {true, s, -1, episode_return, length};
        log.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return;
      }
    }
    if constexpr (EpisodicMemory<Memory>) replay.end_episode();  // n-step flush
    if constexpr (EpisodicAgent<AgentT>) agent.end_episode();    // e.g. clear traces
    log.env_steps += length;
    log.returns.push_back(episode_return);
    log.lengths.push_back(length);
    if constexpr (detail::has_on_episode_end<std::remove_cvref_t<Observer>>) {
      const bool ends = detail::notify_episode_end(
          observer, EpisodeEvent{state.episode, options.episodes, episode_return, length, log});
      stop = stop || ends;
    }
  }
  log.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

/// Trains `agent` on `env` with experience replay from `replay` for options.episodes episodes
/// and returns the log. Deterministic: the same seed gives the same log and Q table.
template <DiscreteEnvironment Env, ExperienceMemory Memory, MinibatchAgent<Memory> AgentT,
          class Observer = NullObserver>
[[nodiscard]] TrainingLog train(AgentT& agent, Env& env, Memory& replay,
                                const TrainOptions& options, Observer&& observer = {}) {
  TrainingState state(options.seed, env.num_states());
  run_training(agent, env, replay, options, state, std::forward<Observer>(observer));
  return std::move(state.log);
}

}  // namespace tabrl
