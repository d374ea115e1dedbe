#pragma once
/// \file io/checkpoint.hpp
/// Checkpoints of a whole training run: the agent (hyperparameters and Q table), the replay
/// memory (contents and ring position), the training state (generator, episode counter, log)
/// and the options. Resuming from one taken at an episode boundary continues the run
/// bit-identically.
///
/// Format, version 1, little-endian, FNV-1a 64 checksum over everything at the end:
///   magic "TABRLCK\0", u32 version
///   options:  i32 episodes, u64 batch_size, i32 updates_per_step, u64 seed
///   agent:    f64 gamma, f64 alpha, f64 epsilon, u8 duplicate rule, u8 scalar code,
///             u64 rows, u64 cols, rows*cols scalars
///   memory:   u8 reward code, u8 sizeof(Index), u8 sizeof(Action), u8 sampling,
///             u64 capacity, u64 size, u64 head, then the five columns (size entries each)
///   state:    4 x u64 generator state, i32 episode, i64 env_steps, i64 updates, f64 seconds,
///             u64 n + n f64 returns, u64 n + n i64 lengths, u64 n + n i64 visit counts

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "../agents/td_agent.hpp"
#include "../replay/replay_memory.hpp"
#include "../training/train.hpp"
#include "binary.hpp"

namespace tabrl {

/// The 8-byte magic at the start of every checkpoint file.
inline constexpr std::array<char, 8> checkpoint_magic{'T', 'A', 'B', 'R', 'L', 'C', 'K', '\0'};
inline constexpr std::uint32_t checkpoint_format_version = 1;

/// Writes a checkpoint to a stream. Throws IoError if the stream fails.
template <class Scalar, class R, class I, class A>
void write_checkpoint(std::ostream& out, const TDAgent<Scalar>& agent,
                      const ReplayMemory<R, I, A>& memory, const TrainingState& state,
                      const TrainOptions& options) {
  detail::BinaryWriter w(out);
  w.bytes(checkpoint_magic.data(), checkpoint_magic.size());
  w.value(checkpoint_format_version);
  w.value(static_cast<std::int32_t>(options.episodes));
  w.value(static_cast<std::uint64_t>(options.batch_size));
  w.value(static_cast<std::int32_t>(options.updates_per_step));
  w.value(options.seed);

  w.value(agent.gamma());
  w.value(agent.alpha());
  w.value(agent.epsilon());
  w.value(static_cast<std::uint8_t>(agent.duplicates()));
  w.value(static_cast<std::uint8_t>(scalar_code<Scalar>()));
  w.value(static_cast<std::uint64_t>(agent.q_values().rows()));
  w.value(static_cast<std::uint64_t>(agent.q_values().cols()));
  w.array(agent.q_values().data(), static_cast<std::size_t>(agent.q_values().size()));

  w.value(static_cast<std::uint8_t>(scalar_code<R>()));
  w.value(static_cast<std::uint8_t>(sizeof(I)));
  w.value(static_cast<std::uint8_t>(sizeof(A)));
  w.value(static_cast<std::uint8_t>(memory.sampling()));
  w.value(static_cast<std::uint64_t>(memory.capacity()));
  w.value(static_cast<std::uint64_t>(memory.size()));
  w.value(static_cast<std::uint64_t>(memory.head()));
  w.array(memory.states().data(), memory.size());
  w.array(memory.actions().data(), memory.size());
  w.array(memory.rewards().data(), memory.size());
  w.array(memory.next_states().data(), memory.size());
  w.array(memory.terminated().data(), memory.size());

  for (std::uint64_t word : state.rng.state()) w.value(word);
  w.value(static_cast<std::int32_t>(state.episode));
  w.value(static_cast<std::int64_t>(state.log.env_steps));
  w.value(static_cast<std::int64_t>(state.log.updates));
  w.value(state.log.seconds);
  w.value(static_cast<std::uint64_t>(state.log.returns.size()));
  w.array(state.log.returns.data(), state.log.returns.size());
  w.value(static_cast<std::uint64_t>(state.log.lengths.size()));
  w.array(state.log.lengths.data(), state.log.lengths.size());
  w.value(static_cast<std::uint64_t>(state.log.visit_counts.size()));
  w.array(state.log.visit_counts.data(), state.log.visit_counts.size());
  w.checksum();
}

/// Saves a checkpoint atomically: the previous file at `path` survives any failure.
template <class Scalar, class R, class I, class A>
void save_checkpoint(const std::filesystem::path& path, const TDAgent<Scalar>& agent,
                     const ReplayMemory<R, I, A>& memory, const TrainingState& state,
                     const TrainOptions& options) {
  atomic_write(path,
               [&](std::ostream& out) { write_checkpoint(out, agent, memory, state, options); });
}

/// Restores a checkpoint from its bytes into `agent`, `memory`, `state` and `options`. The
/// agent and memory must have the checkpoint's table shape, scalar types and capacity.
/// Everything is parsed and validated first; on any error (FormatError naming the check, or
/// InvalidArgument for out-of-range contents) nothing is modified.
template <class Scalar, class R, class I, class A>
void parse_checkpoint(const std::vector<unsigned char>& bytes, const std::string& who,
                      TDAgent<Scalar>& agent, ReplayMemory<R, I, A>& memory, TrainingState& state,
                      TrainOptions& options) {
  detail::BinaryReader r(bytes, who);
  r.magic(std::string_view(checkpoint_magic.data(), checkpoint_magic.size()));
  const auto version = r.value<std::uint32_t>();
  if (version != checkpoint_format_version) {
    r.fail(FormatProblem::version,
           detail::concat("file has version ", version, ", this build reads ",
                          checkpoint_format_version));
  }
  TrainOptions opts;
  opts.episodes = r.value<std::int32_t>();
  opts.batch_size = static_cast<std::size_t>(r.value<std::uint64_t>());
  opts.updates_per_step = r.value<std::int32_t>();
  opts.seed = r.value<std::uint64_t>();

  TDOptions config;
  config.gamma = r.value<double>();
  config.alpha = r.value<double>();
  config.epsilon = r.value<double>();
  const auto rule = r.value<std::uint8_t>();
  if (rule > static_cast<std::uint8_t>(DuplicateRule::sequential)) {
    r.fail(FormatProblem::version,
           detail::concat("unknown duplicate rule ", static_cast<int>(rule)));
  }
  config.duplicates = static_cast<DuplicateRule>(rule);
  if (r.value<std::uint8_t>() != static_cast<std::uint8_t>(scalar_code<Scalar>())) {
    r.fail(FormatProblem::scalar_type, "Q table scalar differs from the agent's");
  }
  const auto rows = r.value<std::uint64_t>();
  const auto cols = r.value<std::uint64_t>();
  if (rows != static_cast<std::uint64_t>(agent.q_values().rows()) ||
      cols != static_cast<std::uint64_t>(agent.q_values().cols())) {
    r.fail(FormatProblem::shape,
           detail::concat("Q table is ", rows, " x ", cols, ", the agent's is ",
                          agent.q_values().rows(), " x ", agent.q_values().cols()));
  }
  const std::vector<Scalar> q = r.array<Scalar>(rows * cols);

  if (r.value<std::uint8_t>() != static_cast<std::uint8_t>(scalar_code<R>()) ||
      r.value<std::uint8_t>() != sizeof(I) || r.value<std::uint8_t>() != sizeof(A)) {
    r.fail(FormatProblem::scalar_type, "replay memory column types differ from the memory's");
  }
  const auto sampling = r.value<std::uint8_t>();
  if (sampling > static_cast<std::uint8_t>(Sampling::with_replacement)) {
    r.fail(FormatProblem::version,
           detail::concat("unknown sampling mode ", static_cast<int>(sampling)));
  }
  const auto capacity = r.value<std::uint64_t>();
  if (capacity != memory.capacity()) {
    r.fail(FormatProblem::shape, detail::concat("replay capacity is ", capacity,
                                                ", the memory's is ", memory.capacity()));
  }
  const auto size = r.value<std::uint64_t>();
  const auto head = r.value<std::uint64_t>();
  if (size > capacity)
    r.fail(FormatProblem::shape, detail::concat("replay size ", size, " > capacity"));
  const auto m_states = r.array<I>(size);
  const auto m_actions = r.array<A>(size);
  const auto m_rewards = r.array<R>(size);
  const auto m_next = r.array<I>(size);
  const auto m_terminated = r.array<std::uint8_t>(size);

  Rng::state_type rng_state{};
  for (auto& word : rng_state) word = r.value<std::uint64_t>();
  const auto episode = r.value<std::int32_t>();
  TrainingLog log;
  log.env_steps = r.value<std::int64_t>();
  log.updates = r.value<std::int64_t>();
  log.seconds = r.value<double>();
  log.returns = r.array<double>(r.value<std::uint64_t>());
  log.lengths = r.array<std::int64_t>(r.value<std::uint64_t>());
  log.visit_counts = r.array<std::int64_t>(r.value<std::uint64_t>());
  r.verify_checksum();

  // Contents are intact; now check they make sense before touching anything.
  if (log.visit_counts.size() != rows || episode < 0 ||
      log.returns.size() != static_cast<std::size_t>(episode) ||
      log.lengths.size() != log.returns.size()) {
    r.fail(FormatProblem::shape, "training log does not match the episode counter and table");
  }
  // The counters must add up (so continuing cannot overflow them): every length and count
  // non-negative and below 2^53, the lengths summing to env_steps, the visits to
  // env_steps + episodes.
  constexpr std::int64_t limit = std::int64_t{1} << 53;
  auto in_range = [](std::int64_t v) { return v >= 0 && v < limit; };
  std::int64_t steps = 0, visits = 0;
  bool ok = in_range(log.env_steps) && in_range(log.updates) && std::isfinite(log.seconds) &&
            log.seconds >= 0;
  for (auto l : log.lengths) ok = ok && in_range(l) && in_range(steps += l);
  for (auto v : log.visit_counts) ok = ok && in_range(v) && in_range(visits += v);
  for (double x : log.returns) ok = ok && std::isfinite(x);
  if (!ok || steps != log.env_steps || visits != log.env_steps + episode) {
    r.fail(FormatProblem::shape, "training log counters are inconsistent");
  }
  TDAgent<Scalar> staged(static_cast<int>(rows), static_cast<int>(cols), config, agent.name());
  ReplayMemory<R, I, A> staged_memory(memory.capacity(), static_cast<Sampling>(sampling));
  staged_memory.restore(static_cast<std::size_t>(head), m_states, m_actions, m_rewards, m_next,
                        m_terminated);
  for (I s : m_states) {
    if (static_cast<std::uint64_t>(s) >= rows)
      detail::throw_invalid(who, "stored state out of range", s);
  }
  for (I s : m_next) {
    if (static_cast<std::uint64_t>(s) >= rows)
      detail::throw_invalid(who, "stored next_state out of range", s);
  }
  for (A a : m_actions) {
    if (static_cast<std::uint64_t>(a) >= cols)
      detail::throw_invalid(who, "stored action out of range", +a);
  }
  Rng rng;
  rng.set_state(rng_state);
  detail::validate(opts);

  // Commit (nothing below throws).
  agent.set_gamma(config.gamma);
  agent.set_alpha(config.alpha);
  agent.set_epsilon(config.epsilon);
  agent.set_duplicates(config.duplicates);
  std::copy(q.begin(), q.end(), agent.q_values().data());
  memory = std::move(staged_memory);
  state.rng = rng;
  state.episode = episode;
  state.log = std::move(log);
  options = opts;
}

template <class Scalar>
class DoubleQLearningAgent;

/// Double Q-learning keeps two tables (and a coin) that a checkpoint does not hold yet: these
/// deleted overloads turn a silent loss of both tables into a compile error.
template <class Scalar, class R, class I, class A>
void write_checkpoint(std::ostream&, const DoubleQLearningAgent<Scalar>&,
                      const ReplayMemory<R, I, A>&, const TrainingState&,
                      const TrainOptions&) = delete;
template <class Scalar, class R, class I, class A>
void save_checkpoint(const std::filesystem::path&, const DoubleQLearningAgent<Scalar>&,
                     const ReplayMemory<R, I, A>&, const TrainingState&,
                     const TrainOptions&) = delete;
template <class Scalar, class R, class I, class A>
void parse_checkpoint(const std::vector<unsigned char>&, const std::string&,
                      DoubleQLearningAgent<Scalar>&, ReplayMemory<R, I, A>&, TrainingState&,
                      TrainOptions&) = delete;
template <class Scalar, class R, class I, class A>
void load_checkpoint(const std::filesystem::path&, DoubleQLearningAgent<Scalar>&,
                     ReplayMemory<R, I, A>&, TrainingState&, TrainOptions&) = delete;

/// Loads a checkpoint written by save_checkpoint (see parse_checkpoint).
template <class Scalar, class R, class I, class A>
void load_checkpoint(const std::filesystem::path& path, TDAgent<Scalar>& agent,
                     ReplayMemory<R, I, A>& memory, TrainingState& state, TrainOptions& options) {
  parse_checkpoint(detail::read_file(path, "load_checkpoint"),
                   "tabrl::load_checkpoint: " + path.string(), agent, memory, state, options);
}

}  // namespace tabrl
