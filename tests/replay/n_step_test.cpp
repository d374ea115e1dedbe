// n-step returns: by hand, cut at episode ends (terminated and truncated), over either memory,
// n = 1 equal to the plain memory, priorities forwarded, and save/load with a pending window.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/training/train.hpp>

#include "replay/memory_fields.hpp"
#include "saveable.hpp"

using Catch::Matchers::WithinAbs;

namespace {
template <class M>
concept HasUpdatePriorities = requires(M& m, const tabrl::Minibatch& b, const Eigen::VectorXd& e) {
  m.update_priorities(b, e);
};

std::vector<tabrl::Transition> stored(const tabrl::NStepReplay<>& m) {
  std::vector<tabrl::Transition> out;
  for (std::size_t i = 0; i < m.memory().size(); ++i) out.push_back(m.memory()[i]);
  return out;
}
}  // namespace

static_assert(HasUpdatePriorities<tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(!HasUpdatePriorities<tabrl::NStepReplay<>>);  // train() then skips the call
static_assert(tabrl::EpisodicMemory<tabrl::NStepReplay<>>);
static_assert(!tabrl::EpisodicMemory<tabrl::ReplayMemory<>>);
static_assert(tabrl::PrioritizedMemory<tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(tabrl::Saveable<tabrl::NStepReplay<>>);

TEST_CASE("NStepReplay: n-step returns by hand, cut at episode ends", "[replay][nstep]") {
  tabrl::NStepReplay<> m(tabrl::ReplayMemory<>(100), 3, 0.5);
  REQUIRE(m.n() == 3);
  REQUIRE(m.capacity() == 100);
  // Episode 1: rewards 1, 2, 4, 8, terminated at the 4th step.
  m.push(tabrl::Transition{0, 0, 1.0, 1, false});
  m.push(tabrl::Transition{1, 1, 2.0, 2, false});
  REQUIRE(m.size() == 0);  // waiting for 3 steps
  REQUIRE(m.pending() == 2);
  m.push(tabrl::Transition{2, 2, 4.0, 3, false});
  REQUIRE(m.size() == 1);
  REQUIRE(m.pending() == 2);
  m.push(tabrl::Transition{3, 3, 8.0, 4, true});
  REQUIRE(m.pending() == 0);  // a terminal step flushes the window at once
  // Stored: from 0: 1 + .5*2 + .25*4 = 3, s'=3, gamma^3; from 1: 2 + 2 + 2 = 6, s'=4 terminated;
  // from 2: 4 + 4 = 8, s'=4 terminated (k=2); from 3: 8, s'=4 terminated (k=1).
  const auto t = stored(m);
  REQUIRE(t.size() == 4);
  REQUIRE(t[0] == tabrl::Transition{0, 0, 3.0, 3, false});
  REQUIRE(t[1] == tabrl::Transition{1, 1, 6.0, 4, true});
  REQUIRE(t[2] == tabrl::Transition{2, 2, 8.0, 4, true});
  REQUIRE(t[3] == tabrl::Transition{3, 3, 8.0, 4, true});
  REQUIRE(m.discount_at(0) == 0.125);
  REQUIRE(m.discount_at(1) == 0.125);
  REQUIRE(m.discount_at(2) == 0.25);
  REQUIRE(m.discount_at(3) == 0.5);
  m.end_episode();  // nothing pending
  REQUIRE(m.size() == 4);

  // Episode 2, shorter than n and truncated: 2 steps, then end_episode().
  m.push(tabrl::Transition{5, 0, 1.0, 6, false});
  m.push(tabrl::Transition{6, 0, 1.0, 7, false});
  REQUIRE(m.pending() == 2);
  m.end_episode();
  REQUIRE(m.pending() == 0);
  const auto u = stored(m);
  REQUIRE(u[4] == tabrl::Transition{5, 0, 1.5, 7, false});  // bootstraps from 7 with gamma^2
  REQUIRE(u[5] == tabrl::Transition{6, 0, 1.0, 7, false});
  REQUIRE(m.discount_at(4) == 0.25);
  REQUIRE(m.discount_at(5) == 0.5);
  REQUIRE_THROWS_AS(m.discount_at(100), std::out_of_range);
  // Sampled rows carry their discounts, copied or viewed.
  tabrl::Minibatch batch, view;
  tabrl::Rng rng(3), rng_view(3);
  m.sample(6, rng, batch);
  m.sample_view(6, rng_view, view);
  REQUIRE(rng == rng_view);
  REQUIRE_FALSE(batch.is_view());
  REQUIRE(view.is_view());
  REQUIRE(batch.discounted());
  REQUIRE(view.discounted());
  for (Eigen::Index i = 0; i < 6; ++i) {
    REQUIRE(batch.discount(i) == m.discount_at(static_cast<std::size_t>(batch.slot(i))));
    REQUIRE(view.discount(i) == batch.discount(i));
    REQUIRE(view.row(i) == batch.row(i));
  }
  REQUIRE_THROWS_WITH(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 0, 0.9),
                      "tabrl::NStepReplay: n must be >= 1, got 0");
  REQUIRE(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), tabrl::NStepReplay<>::max_n, 0.9).n() == 1024);
  REQUIRE_THROWS_WITH(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 1025, 0.9),
                      "tabrl::NStepReplay: n must be <= 1024, got 1025");
  REQUIRE_THROWS_WITH(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 2, 1.5),
                      "tabrl::NStepReplay: gamma must be in [0, 1], got 1.5");
  REQUIRE_THROWS_AS(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 2, std::nan("")), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(m.push(tabrl::Transition{0, 0, std::nan(""), 1, false}),
                      "tabrl::NStepReplay::push: reward must be finite, got nan");
  REQUIRE(m.pending() == 0);
}

TEST_CASE("NStepReplay over PrioritizedReplay: discounts, weights and priority updates",
          "[replay][nstep][per]") {
  using PER = tabrl::PrioritizedReplay<>;
  tabrl::NStepReplay<PER> m(PER(16, {.alpha = 1.0, .beta = 0.5, .beta_steps = 10}), 2, 0.5);
  REQUIRE(tabrl::NStepReplay<PER>::kind() == "NStepReplay<PrioritizedReplay>");
  REQUIRE(tabrl::NStepReplay<>::kind() == "NStepReplay<ReplayMemory>");
  m.push(tabrl::Transition{0, 0, 1.0, 1, false});
  m.push(tabrl::Transition{1, 1, 2.0, 2, false});  // emits (0, 0, 1 + 0.5*2 = 2, s'=2, 0.25)
  m.push(tabrl::Transition{2, 2, 4.0, 3, true});   // emits (1, 1, 2 + 2 = 4, 3, T), (2, 2, 4, 3, T)
  REQUIRE(m.size() == 3);
  REQUIRE(m.memory().memory()[0] == tabrl::Transition{0, 0, 2.0, 2, false});
  REQUIRE(m.memory().memory()[1] == tabrl::Transition{1, 1, 4.0, 3, true});
  REQUIRE(m.memory().memory()[2] == tabrl::Transition{2, 2, 4.0, 3, true});
  REQUIRE(m.discount_at(0) == 0.25);
  REQUIRE(m.discount_at(1) == 0.25);
  REQUIRE(m.discount_at(2) == 0.5);
  REQUIRE(m.memory().tree().total() == 3.0);  // each entered at the initial max priority 1
  tabrl::Minibatch batch;
  tabrl::Rng rng(4);
  m.sample(3, rng, batch);
  REQUIRE(batch.discounted());
  REQUIRE(batch.weighted());
  REQUIRE(batch.weights().size() == 3);
  REQUIRE(*std::max_element(batch.weights().begin(), batch.weights().end()) == 1.0);
  for (Eigen::Index i = 0; i < 3; ++i) {
    REQUIRE(batch.discount(i) == m.discount_at(static_cast<std::size_t>(batch.slot(i))));
  }
  Eigen::VectorXd errors = Eigen::VectorXd::Constant(3, 2.5);
  m.update_priorities(batch, errors);  // forwarded: p = 2.5 + epsilon for the sampled slots
  for (Eigen::Index i = 0; i < 3; ++i) {
    REQUIRE_THAT(m.memory().tree().get(static_cast<std::size_t>(batch.slot(i))),
                 WithinAbs(2.5 + 1e-6, 1e-15));
  }
}

TEST_CASE("n = 1 over either memory trains exactly like that memory", "[replay][nstep]") {
  SECTION("gamma 1, uniform sampling without replacement") {
    tabrl::CliffWalking env;
    const tabrl::TDOptions cfg{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
    tabrl::QLearningAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
    tabrl::ReplayMemory<> memory(2000);
    tabrl::NStepReplay<> one(tabrl::ReplayMemory<>(2000), 1, 1.0);
    const auto a = tabrl::train(plain, env, memory, {.episodes = 60, .batch_size = 32, .seed = 5});
    const auto b = tabrl::train(nstep, env, one, {.episodes = 60, .batch_size = 32, .seed = 5});
    REQUIRE(a == b);
    REQUIRE(plain.q_values() == nstep.q_values());
  }
  SECTION("gamma 0.9 under a time limit: with replacement, and prioritized") {
    tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 100);
    const tabrl::TDOptions cfg{.gamma = 0.9, .alpha = 0.7, .epsilon = 0.2};
    const tabrl::TrainOptions options{.episodes = 40, .batch_size = 16, .seed = 13};
    {
      tabrl::QLearningAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
      tabrl::ReplayMemory<> memory(1000, tabrl::Sampling::with_replacement);
      tabrl::NStepReplay<> one(tabrl::ReplayMemory<>(1000, tabrl::Sampling::with_replacement), 1,
                               0.9);
      REQUIRE(tabrl::train(plain, env, memory, options) == tabrl::train(nstep, env, one, options));
      REQUIRE(plain.q_values() == nstep.q_values());
    }
    {
      using PER = tabrl::PrioritizedReplay<>;
      tabrl::ExpectedSarsaAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
      PER memory(1000, {.beta_steps = 500});
      tabrl::NStepReplay<PER> one(PER(1000, {.beta_steps = 500}), 1, 0.9);
      REQUIRE(tabrl::train(plain, env, memory, options) == tabrl::train(nstep, env, one, options));
      REQUIRE(plain.q_values() == nstep.q_values());
      REQUIRE(memory.tree().total() == one.memory().tree().total());
    }
  }
}

namespace {
// Every env step train() takes, with its episode.
struct StepLog {
  std::vector<int> episode;
  std::vector<tabrl::Transition> steps;
  std::vector<bool> truncated;
  void on_step(const tabrl::StepEvent& e) {
    episode.push_back(e.episode);
    steps.push_back({e.state, e.action, e.result.reward, e.result.next_state, e.result.terminated});
    truncated.push_back(e.result.truncated);
  }
};

struct Row {
  tabrl::Transition t;
  double discount;
};

// The rows an n-step memory must hold after train(), restated: for every start i of an
// episode of L steps, the window i .. min(i + n, L) - 1 of that episode only, its discounted
// return, the last step's next state and terminated flag, and gamma^k; in start order.
std::vector<Row> expected_rows(const StepLog& log, int n, double gamma) {
  std::vector<Row> out;
  std::size_t begin = 0;
  while (begin < log.steps.size()) {
    std::size_t end = begin;
    while (end < log.steps.size() && log.episode[end] == log.episode[begin]) ++end;
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t last = std::min(i + static_cast<std::size_t>(n), end) - 1;
      double g = 0.0, discount = 1.0;
      for (std::size_t j = i; j <= last; ++j) {
        g += discount * log.steps[j].reward;
        discount *= gamma;
      }
      out.push_back({{log.steps[i].state, log.steps[i].action, g, log.steps[last].next_state,
                      log.steps[last].terminated},
                     discount});
    }
    begin = end;
  }
  return out;
}
}  // namespace

TEST_CASE("NStepReplay under train(): truncated episodes are flushed and no row spans two episodes",
          "[replay][nstep][training]") {
  // FrozenLake without slipping, every episode cut after 6 steps: random walks end in holes
  // (terminated), at the goal, or at the limit (truncated, flushed by train's end_episode()).
  tabrl::TimeLimit<tabrl::FrozenLake> env(
      tabrl::FrozenLake(tabrl::FrozenLake::map_4x4(), {.is_slippery = false}), 6);
  for (const int n : {2, 3, 5}) {
    CAPTURE(n);
    tabrl::QLearningAgent<> agent(16, 4, {.gamma = 0.8, .alpha = 0.5, .epsilon = 1.0});
    tabrl::NStepReplay<> memory(tabrl::ReplayMemory<>(2000), n, 0.8);
    StepLog log;
    const auto train_log =
        tabrl::train(agent, env, memory, {.episodes = 60, .batch_size = 4, .seed = 3}, log);
    int truncated_episodes = 0, terminated_episodes = 0;
    for (std::size_t i = 0; i < log.steps.size(); ++i) {
      const bool last = i + 1 == log.steps.size() || log.episode[i + 1] != log.episode[i];
      if (last && log.truncated[i]) ++truncated_episodes;
      if (last && log.steps[i].terminated) ++terminated_episodes;
    }
    REQUIRE(truncated_episodes >= 5);  // both kinds of episode end really occur
    REQUIRE(terminated_episodes >= 5);
    REQUIRE(memory.pending() == 0);
    const auto expected = expected_rows(log, n, 0.8);
    REQUIRE(static_cast<std::int64_t>(expected.size()) == train_log.env_steps);
    REQUIRE(memory.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CAPTURE(i);
      const auto row = memory.memory()[i];
      REQUIRE(row.state == expected[i].t.state);
      REQUIRE(row.action == expected[i].t.action);
      REQUIRE(row.next_state == expected[i].t.next_state);
      REQUIRE(row.terminated == expected[i].t.terminated);
      REQUIRE_THAT(row.reward, WithinAbs(expected[i].t.reward, 1e-12));
      REQUIRE_THAT(memory.discount_at(i), WithinAbs(expected[i].discount, 1e-12));
    }
  }
}

namespace {
// NStepReplay's payload written field by field: n, gamma, the pending window, the memory's
// payload, and one discount per stored row.
struct NStepFields {
  std::int32_t n = 3;
  double gamma = 0.5;
  std::vector<tabrl::Transition> pending{{4, 1, 2.0, 5, false}, {5, 2, -1.0, 6, false}};
  std::vector<std::uint8_t> pending_terminated{0, 0};
  std::vector<double> discounts{0.125, 0.25};
  std::uint64_t capacity = 8;
  // the memory: two rows, head 2
  [[nodiscard]] tabrl::test::Bytes memory() const {
    tabrl::test::MemoryFields m;
    m.capacity = capacity;
    m.size = m.head = 2;
    m.states = {0, 1};
    m.actions = {0, 1};
    m.rewards = {1.5, 3.0};
    m.next_states = {3, 4};
    m.terminated = {0, 1};
    return m.bytes();
  }
  [[nodiscard]] tabrl::test::Bytes bytes() const {
    return tabrl::test::payload([this](tabrl::BinaryWriter& w) {
      w.value(n);
      w.value(gamma);
      w.value(static_cast<std::uint64_t>(pending.size()));
      for (std::size_t i = 0; i < pending.size(); ++i) {
        w.value(static_cast<std::int32_t>(pending[i].state));
        w.value(static_cast<std::int32_t>(pending[i].action));
        w.value(pending[i].reward);
        w.value(static_cast<std::int32_t>(pending[i].next_state));
        w.value(pending_terminated[i]);
      }
      const auto m = memory();
      w.bytes(m.data(), m.size());
      w.array(discounts.data(), discounts.size());
    });
  }
};
}  // namespace

TEST_CASE("NStepReplay save/load: the pending window and the discounts come back",
          "[replay][nstep][saveable]") {
  tabrl::NStepReplay<> loaded(tabrl::ReplayMemory<>(8), 3, 0.5);
  loaded.push(tabrl::Transition{7, 0, 1.0, 7, false});
  tabrl::test::load_from(loaded, NStepFields{}.bytes());
  REQUIRE(loaded.pending() == 2);
  REQUIRE(loaded.size() == 2);
  REQUIRE(loaded.memory()[1] == tabrl::Transition{1, 1, 3.0, 4, true});
  REQUIRE(loaded.discount_at(0) == 0.125);
  REQUIRE(loaded.discount_at(1) == 0.25);
  REQUIRE(loaded.discount_at(2) == 0.0);  // slots beyond the stored rows hold 0
  REQUIRE(tabrl::test::saved(loaded) == NStepFields{}.bytes());
  // The window continues: the next step completes the return of the first pending start.
  loaded.push(tabrl::Transition{6, 3, 4.0, 7, false});
  REQUIRE(loaded.memory()[2] == tabrl::Transition{4, 1, 2.0 - 0.5 + 1.0, 7, false});
  REQUIRE(loaded.discount_at(2) == 0.125);

  // A memory in the middle of an episode round-trips and continues identically.
  using PER = tabrl::PrioritizedReplay<>;
  tabrl::NStepReplay<PER> a(PER(16, {.alpha = 0.5}), 4, 0.9);
  for (int i = 0; i < 22; ++i) {
    a.push(tabrl::Transition{i % 5, i % 3, 0.5 * i, (i + 1) % 5, i == 9});
  }
  REQUIRE(a.pending() == 3);
  tabrl::NStepReplay<PER> b(PER(16), 4, 0.9);
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.pending() == 3);
  for (int i = 22; i < 30; ++i) {
    const tabrl::Transition t{i % 5, i % 3, 0.5 * i, (i + 1) % 5, i == 27};
    a.push(t);
    b.push(t);
  }
  a.end_episode();
  b.end_episode();
  REQUIRE(tabrl::test::saved(a) == tabrl::test::saved(b));
  for (std::size_t s = 0; s < 16; ++s) REQUIRE(a.discount_at(s) == b.discount_at(s));
}

TEST_CASE("NStepReplay load: every field out of its domain is refused, naming it",
          "[replay][nstep][saveable]") {
  using tabrl::FormatProblem;
  tabrl::NStepReplay<> m(tabrl::ReplayMemory<>(8), 3, 0.5);
  m.push(tabrl::Transition{1, 1, 1.0, 2, false});
  m.push(tabrl::Transition{2, 1, 1.0, 3, true});
  m.push(tabrl::Transition{3, 0, 1.0, 4, false});
  tabrl::test::require_truncations_rejected(m, NStepFields{}.bytes());
  auto with = [](auto change) { return tabrl::test::changed<NStepFields>(change); };
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.n = 2; }), FormatProblem::shape,
                                "n-step returns with n = 2, gamma = 0.5; this memory has n = 3, gamma = 0.5");
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.gamma = 0.25; }), FormatProblem::shape,
                                "n-step returns with n = 3, gamma = 0.25; this memory has n = 3, gamma = 0.5");
  tabrl::test::require_rejected(m, with([](NStepFields& f) {
    f.pending.push_back({6, 0, 0.0, 7, false});
    f.pending_terminated.push_back(0);
  }), FormatProblem::value, "n-step pending window must hold < n = 3 transitions, got 3");
  const std::string bad_pending = "must have states and action >= 0, a finite reward and not be terminal";
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.pending[1].state = -1; }), FormatProblem::value,
                                "n-step pending transition 1 " + bad_pending);
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.pending[0].action = -2; }), FormatProblem::value,
                                "n-step pending transition 0 " + bad_pending);
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.pending[0].next_state = -2; }),
                                FormatProblem::value, "n-step pending transition 0 " + bad_pending);
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.pending[1].reward = std::numeric_limits<double>::infinity(); }),
                                FormatProblem::value, "n-step pending transition 1 " + bad_pending);
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.pending_terminated[0] = 1; }),
                                FormatProblem::value, "n-step pending transition 0 " + bad_pending);
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.discounts[1] = 1.5; }), FormatProblem::value,
                                "n-step discounts[1] must be in [0, 1], got 1.5");
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.discounts[0] = -0.5; }), FormatProblem::value,
                                "n-step discounts[0] must be in [0, 1], got -0.5");
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.discounts[0] = std::nan(""); }),
                                FormatProblem::value, "n-step discounts[0] must be in [0, 1], got nan");
  tabrl::test::require_rejected(m, with([](NStepFields& f) { f.capacity = 9; }), FormatProblem::shape,
                                "replay capacity is 9, the memory's is 8");
  REQUIRE(m.pending() == 1);  // its own window is kept
}
