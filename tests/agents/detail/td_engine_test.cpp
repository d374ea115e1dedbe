// ReplayMemory::sample_view() and the agents' update(view): the copy-free path the training
// loop takes must draw exactly what sample() draws and update exactly what update(minibatch)
// updates, for every agent, duplicate rule and sampling mode, bit for bit.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/train.hpp>

namespace {

constexpr tabrl::DuplicateRule rules[] = {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean,
                                          tabrl::DuplicateRule::sequential};
constexpr tabrl::Sampling modes[] = {tabrl::Sampling::without_replacement,
                                     tabrl::Sampling::with_replacement};

// A memory of `n` random CliffWalking-shaped transitions (rewards -1 or -100, some
// terminated), so batches hold duplicates of (s, a) and terminated rows.
template <class Memory>
void fill(Memory& memory, int n, std::uint64_t seed) {
  tabrl::Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const auto s = static_cast<int>(tabrl::uniform_index(rng, 6));  // few states: duplicates
    const auto a = static_cast<int>(tabrl::uniform_index(rng, 4));
    const auto next = static_cast<int>(tabrl::uniform_index(rng, 48));
    memory.push(s, a, tabrl::uniform_index(rng, 10) == 0 ? -100.0 : -1.0, next,
                tabrl::uniform_index(rng, 8) == 0);
  }
}

template <class Table>
bool same_bits(const Table& x, const Table& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), sizeof(*x.data()) * static_cast<std::size_t>(x.size())) ==
             0;
}

template <class AgentT>
AgentT make_agent(tabrl::DuplicateRule rule) {
  const tabrl::TDOptions config{.gamma = 0.9, .alpha = 0.3, .epsilon = 0.2, .duplicates = rule};
  AgentT agent(48, 4, config);
  tabrl::Rng rng(5);
  tabrl::QTable<double> start(48, 4);
  for (Eigen::Index i = 0; i < start.size(); ++i) start.data()[i] = tabrl::uniform_real(rng) - 3;
  if constexpr (requires { agent.set_tables(start, start); }) {
    agent.set_tables(start, 0.5 * start);
  } else {
    agent.q_values() = start;
  }
  return agent;
}

// Runs 200 updates of two copies of an agent, one through sample() + update(minibatch), one
// through sample_view() + update(view), and requires identical tables and TD errors.
template <class AgentT>
void check_same_updates(tabrl::DuplicateRule rule, tabrl::Sampling mode) {
  tabrl::ReplayMemory<> memory(300, mode);
  fill(memory, 450, 17);  // wrapped: the ring has overwritten its oldest 150
  AgentT split = make_agent<AgentT>(rule);
  AgentT viewed = make_agent<AgentT>(rule);
  tabrl::Rng rng_split(99), rng_view(99);
  tabrl::Minibatch batch, scratch;
  for (int u = 0; u < 200; ++u) {
    const std::size_t k = u % 2 == 0 ? 32 : 7;
    memory.sample(k, rng_split, batch);
    split.update(batch);
    const auto view = memory.sample_view(k, rng_view, scratch);
    viewed.update(view);
    REQUIRE(view.size() == batch.size());
    REQUIRE(same_bits(split.last_td_errors(), viewed.last_td_errors()));
  }
  REQUIRE(rng_split == rng_view);
  REQUIRE(same_bits(split.q_values(), viewed.q_values()));
  if constexpr (requires { split.table_a(); }) {
    REQUIRE(same_bits(split.table_a(), viewed.table_a()));
    REQUIRE(same_bits(split.table_b(), viewed.table_b()));
  }
}

}  // namespace

TEST_CASE("sample_view: same draws, same slots, same rows as sample()", "[replay][view]") {
  for (const auto mode : modes) {
    tabrl::ReplayMemory<float, std::int32_t, std::uint8_t> memory(100, mode);
    fill(memory, 130, 3);
    tabrl::Rng a(7), b(7);
    tabrl::BasicMinibatch<float> batch, scratch, copied;
    for (const std::size_t k : {1U, 10U, 32U, 100U}) {
      if (mode == tabrl::Sampling::without_replacement && k > memory.size()) continue;
      memory.sample(k, a, batch);
      const auto view = memory.sample_view(k, b, scratch);
      REQUIRE(a == b);
      REQUIRE(view.size() == static_cast<Eigen::Index>(k));
      for (Eigen::Index i = 0; i < view.size(); ++i) {
        REQUIRE(view.slots[i] == batch.slots[i]);
        REQUIRE(view.row(i) == batch.row(i));
        REQUIRE(view.row(i) == memory.at_slot(static_cast<std::size_t>(batch.slots[i])));
      }
      view.copy_to(copied);
      REQUIRE(copied.slots == batch.slots);
      REQUIRE(copied.states == batch.states);
      REQUIRE(copied.actions == batch.actions);
      REQUIRE(copied.rewards == batch.rewards);
      REQUIRE(copied.next_states == batch.next_states);
      REQUIRE(copied.terminated == batch.terminated);
    }
  }
}

static_assert(std::is_same_v<tabrl::ReplayMemory<>::view_type, tabrl::ReplayView>);
static_assert(std::is_same_v<tabrl::ReplayMemory<float, std::int64_t, std::int32_t>::view_type,
                             tabrl::BasicReplayView<float, std::int64_t, std::int32_t>>);

TEST_CASE("sample_view: the same preconditions as sample(), named", "[replay][view]") {
  tabrl::ReplayMemory<> memory(10);
  tabrl::Rng rng(1);
  tabrl::Minibatch scratch;
  using Catch::Matchers::Contains;
  REQUIRE_THROWS_WITH(memory.sample_view(1, rng, scratch),
                      Contains("sample_view") && Contains("must not be empty"));
  fill(memory, 5, 2);
  REQUIRE_THROWS_WITH(memory.sample_view(0, rng, scratch), Contains("batch_size must be >= 1"));
  REQUIRE_THROWS_WITH(memory.sample_view(6, rng, scratch),
                      Contains("batch_size must be <= size()"));
  memory.set_sampling(tabrl::Sampling::with_replacement);
  REQUIRE(memory.sample_view(6, rng, scratch).size() == 6);
}

TEST_CASE("update(view) equals update(minibatch) bit for bit: every agent, rule, mode",
          "[agents][view]") {
  for (const auto rule : rules) {
    for (const auto mode : modes) {
      CAPTURE(static_cast<int>(rule), static_cast<int>(mode));
      check_same_updates<tabrl::QLearningAgent<>>(rule, mode);
      check_same_updates<tabrl::ExpectedSarsaAgent<>>(rule, mode);
      check_same_updates<tabrl::DoubleQLearningAgent<>>(rule, mode);
    }
  }
}

TEST_CASE("update(view) rejects rows outside the table before writing anything", "[agents][view]") {
  tabrl::ReplayMemory<> memory(50);
  memory.push(1, 0, -1.0, 2, false);
  memory.push(30, 1, -1.0, 3, false);  // state 30 is outside a 20-state table
  memory.push(2, 3, -1.0, 25, false);  // next_state 25 too
  tabrl::Minibatch scratch;
  tabrl::Rng rng(4);
  for (const auto rule : rules) {
    tabrl::QLearningAgent<> agent(20, 4, {.alpha = 0.5, .duplicates = rule});
    agent.q_values().setConstant(1.0);
    const auto view = memory.sample_view(3, rng, scratch);
    REQUIRE_THROWS_WITH(agent.update(view),
                        Catch::Matchers::Contains("QLearningAgent::update") &&
                            Catch::Matchers::Contains("state must be in [0, 20)"));
    REQUIRE((agent.q_values().array() == 1.0).all());
  }
}

TEST_CASE("train() (view path) equals the loop written with sample() + update(minibatch)",
          "[training][view]") {
  // The loop train() runs, spelled out with the copying path; seeds and options as the
  // notebook's, with a memory small enough to wrap.
  const tabrl::TrainOptions options{.episodes = 40, .batch_size = 32, .seed = 3};
  const tabrl::TDOptions config{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
  tabrl::CliffWalking env_a, env_b;
  tabrl::QLearningAgent<> trained(48, 4, config), manual(48, 4, config);
  tabrl::ReplayMemory<> memory_a(500), memory_b(500);
  const tabrl::TrainingLog log = tabrl::train(trained, env_a, memory_a, options);

  tabrl::Rng rng(options.seed);
  tabrl::Minibatch batch;
  std::int64_t steps = 0, updates = 0;
  for (int episode = 0; episode < options.episodes; ++episode) {
    int s = env_b.reset(tabrl::derive_seed(options.seed, static_cast<std::uint64_t>(episode)));
    for (;;) {
      const int a = manual.act(s, rng);
      const tabrl::StepResult r = env_b.step(a);
      ++steps;
      memory_b.push(s, a, r.reward, r.next_state, r.terminated);
      if (memory_b.size() > options.batch_size) {
        memory_b.sample(options.batch_size, rng, batch);
        manual.update(batch);
        ++updates;
      }
      s = r.next_state;
      if (r.terminated || r.truncated) break;
    }
  }
  REQUIRE(log.env_steps == steps);
  REQUIRE(log.updates == updates);
  REQUIRE(updates > 1000);
  REQUIRE(same_bits(trained.q_values(), manual.q_values()));
}

TEST_CASE("update(view): the memory's index bounds survive clear() and restore()",
          "[agents][view]") {
  // The view carries the largest state and action the memory holds; an update skips its
  // per-row checks only when the table covers them. A stale bound would let a bad row through.
  tabrl::ReplayMemory<> source(8);
  source.push(30, 1, -1.0, 3, false);  // state 30: outside a 20-state table
  tabrl::ReplayMemory<> memory(8);
  memory.push(1, 0, -1.0, 2, false);
  memory.restore(source.head(), source.states(), source.actions(), source.rewards(),
                 source.next_states(), source.terminated());
  tabrl::Minibatch scratch;
  tabrl::Rng rng(2);
  tabrl::QLearningAgent<> agent(20, 4);
  const auto view = memory.sample_view(1, rng, scratch);
  REQUIRE(view.max_state == 30);
  REQUIRE_THROWS_WITH(agent.update(view), Catch::Matchers::Contains("state must be in [0, 20)"));

  memory.clear();
  memory.push(2, 3, -1.0, 19, true);
  const auto fine = memory.sample_view(1, rng, scratch);
  REQUIRE(fine.max_state == 19);
  REQUIRE(fine.max_action == 3);
  agent.update(fine);  // within the table: the unchecked gather, and the right result
  REQUIRE(agent.q_values()(2, 3) == -0.5);
}

namespace {
// A user's agent with a generic update(batch) that reads the columns row by row. Given a
// ReplayView it would compile and read memory slot i instead of sampled row i, so train()
// must hand it a copied minibatch: it has not declared reads_replay_views.
struct GenericUserAgent {
  tabrl::QLearningAgent<> inner{48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1}};
  int minibatches = 0;
  int other_types = 0;

  [[nodiscard]] int num_states() const { return inner.num_states(); }
  [[nodiscard]] int num_actions() const { return inner.num_actions(); }
  int act(int s, tabrl::Rng& rng) const { return inner.act(s, rng); }
  void update(const tabrl::Transition& t) { inner.update(t); }
  template <class Batch>
  void update(const Batch& batch) {
    if constexpr (std::is_same_v<Batch, tabrl::Minibatch>) {
      ++minibatches;
      tabrl::Minibatch copy;  // read row by row, as generic user code would
      copy.resize(batch.size());
      for (Eigen::Index i = 0; i < batch.size(); ++i) {
        copy.states[i] = batch.states[i];
        copy.actions[i] = batch.actions[i];
        copy.rewards[i] = batch.rewards[i];
        copy.next_states[i] = batch.next_states[i];
        copy.terminated[i] = batch.terminated[i];
      }
      inner.update(copy);
    } else {
      ++other_types;
    }
  }
};
}  // namespace

TEST_CASE("train() hands views only to agents that declare reads_replay_views",
          "[training][view]") {
  STATIC_REQUIRE(tabrl::QLearningAgent<>::reads_replay_views);
  STATIC_REQUIRE(tabrl::ExpectedSarsaAgent<>::reads_replay_views);
  STATIC_REQUIRE(tabrl::DoubleQLearningAgent<>::reads_replay_views);
  const tabrl::TrainOptions options{.episodes = 30, .batch_size = 32, .seed = 5};
  tabrl::CliffWalking env_a, env_b;
  GenericUserAgent user;
  tabrl::QLearningAgent<> reference(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory_a(2000), memory_b(2000);
  const auto log_user = tabrl::train(user, env_a, memory_a, options);
  const auto log_reference = tabrl::train(reference, env_b, memory_b, options);
  REQUIRE(user.other_types == 0);
  REQUIRE(user.minibatches == log_user.updates);
  REQUIRE(log_user == log_reference);
  REQUIRE(same_bits(user.inner.q_values(), reference.q_values()));
}
