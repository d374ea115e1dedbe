// SarsaLambdaAgent: the three trace kinds worked out by hand on a two-state chain, traces
// cut at episode ends (terminated, a jump, end_episode, a time limit through EpisodeEnds),
// lambda = 0 equal to SarsaAgent bit for bit, learning CliffWalking's optimal path, and
// checkpoints that resume in mid-episode bit for bit.

#include <catch2/catch.hpp>

#include <cstring>
#include <limits>

#include <tabrl/agents/sarsa.hpp>
#include <tabrl/agents/sarsa_lambda.hpp>
#include <tabrl/envs/time_limit.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::TraceKind;
using tabrl::Transition;
using tabrl::test::feed;

static_assert(tabrl::OnPolicyAgent<tabrl::SarsaLambdaAgent<>>);
static_assert(tabrl::EpisodicAgent<tabrl::SarsaLambdaAgent<>>);
static_assert(tabrl::Saveable<tabrl::SarsaLambdaAgent<>>);
static_assert(!tabrl::MinibatchAgent<tabrl::SarsaLambdaAgent<>, tabrl::ReplayMemory<>>);

namespace {
// Two states. In 0, action 0 stays (reward 1) and action 1 ends the episode (reward 2).
// gamma 0.5, lambda 1 (traces decay by 0.5), alpha 0.5, threshold 0. The steps: stay, stay,
// leave.
tabrl::SarsaLambdaAgent<> chain_agent(TraceKind kind) {
  return tabrl::SarsaLambdaAgent<>(2, 2, {.gamma = 0.5, .alpha = 0.5},
                                   {.lambda = 1.0, .kind = kind, .threshold = 0.0});
}
}  // namespace

TEST_CASE("SarsaLambdaAgent: accumulating, replacing and dutch traces by hand", "[agents][traces]") {
  REQUIRE(tabrl::SarsaLambdaAgent<>::kind() == "SarsaLambdaAgent");
  // t1 (0,0,r 1,->0), a' 0: delta 1 + 0.5 Q(0,0) - Q(0,0) = 1; z(0,0) = 1 for every kind;
  //    Q(0,0) = 0 + 0.5 * 1 * 1 = 0.5.
  // t2 (0,0,r 1,->0), a' 1: delta 1 + 0.5 Q(0,1) - Q(0,0) = 0.5; z(0,0) decays to 0.5, then
  //    accumulating 1.5, replacing 1, dutch 0.5 * 0.5 + 1 = 1.25; Q(0,0) += 0.25 * z.
  // t3 (0,1,r 2,terminated): delta 2; z(0,0) decays (0.75, 0.5, 0.625), z(0,1) = 1;
  //    Q += 0.5 * 2 * z = z; then every trace is cleared.
  struct Case {
    TraceKind kind;
    double z2, q2, z3, q3;
  };
  for (const Case c : {Case{TraceKind::accumulating, 1.5, 0.875, 0.75, 1.625},
                       Case{TraceKind::replacing, 1.0, 0.75, 0.5, 1.25},
                       Case{TraceKind::dutch, 1.25, 0.8125, 0.625, 1.4375}}) {
    CAPTURE(tabrl::to_string(c.kind));
    auto agent = chain_agent(c.kind);
    REQUIRE(feed(agent, {{{0, 0, 1.0, 0, false}, 0}}) == std::vector<double>{1.0});
    REQUIRE(agent.traces().trace(0, 0) == 1.0);
    REQUIRE(agent.q(0, 0) == 0.5);
    REQUIRE(feed(agent, {{{0, 0, 1.0, 0, false}, 1}}) == std::vector<double>{0.5});
    REQUIRE(agent.traces().trace(0, 0) == c.z2);
    REQUIRE(agent.q(0, 0) == c.q2);
    REQUIRE(feed(agent, {{{0, 1, 2.0, 1, true}, 0}}) == std::vector<double>{2.0});
    REQUIRE(agent.q(0, 0) == c.q3);
    REQUIRE(agent.q(0, 1) == 1.0);
    REQUIRE(agent.traces().empty());  // terminated: the episode's traces are gone
    REQUIRE(agent.q(1, 0) == 0.0);
    REQUIRE(agent.q(1, 1) == 0.0);
  }
}

TEST_CASE("SarsaLambdaAgent: traces end with the episode however it ends", "[agents][traces]") {
  auto agent = chain_agent(TraceKind::accumulating);
  (void)feed(agent, {{{0, 0, 1.0, 0, false}, 0}, {{0, 0, 0.0, 1, false}, 0}});
  REQUIRE(agent.traces().size() == 1);
  // A transition that does not start where the last one ended (state 1) starts over.
  (void)feed(agent, {{{0, 1, 0.0, 0, false}, 0}});
  REQUIRE(agent.traces().size() == 1);
  REQUIRE(agent.traces().trace(0, 1) == 1.0);
  REQUIRE(agent.traces().trace(0, 0) == 0.0);
  // end_episode (what a truncation needs: the next episode may start where this one stopped).
  agent.end_episode();
  REQUIRE(agent.traces().empty());
  (void)feed(agent, {{{0, 0, 0.0, 0, false}, 0}});
  REQUIRE(agent.traces().trace(0, 0) == 1.0);

  // Through the loop: CliffWalking with a time limit of 5 steps. Each episode starts at 36;
  // with EpisodeEnds no trace outlives its episode, so at most 5 cells are ever active.
  struct MaxTraces {
    const tabrl::SarsaLambdaAgent<>& agent;
    std::size_t most = 0;
    void on_step(const tabrl::StepEvent&) { most = std::max(most, agent.traces().size()); }
  };
  tabrl::SarsaLambdaAgent<> walker(48, 4, {.alpha = 0.1, .epsilon = 1.0}, {.lambda = 1.0, .threshold = 0.0});
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 5);
  tabrl::EpisodeEnds ends(walker);
  MaxTraces watch{walker};
  (void)tabrl::train_online(walker, env, {.episodes = 40, .seed = 3}, tabrl::observe(ends, watch));
  REQUIRE(watch.most <= 5);
  REQUIRE(watch.most >= 2);
  REQUIRE(walker.traces().empty());
}

TEST_CASE("SarsaLambdaAgent: the threshold drops small traces", "[agents][traces]") {
  // gamma * lambda = 0.5, threshold 0.2: a trace of 1 lasts 3 steps (1, 0.5, 0.25), then goes.
  tabrl::SarsaLambdaAgent<> agent(8, 1, {.gamma = 1.0, .alpha = 0.5}, {.lambda = 0.5, .threshold = 0.2});
  for (int s = 0; s < 6; ++s) {
    (void)agent.update(Transition{s, 0, 0.0, s + 1, false}, 0);
    REQUIRE(agent.traces().size() == static_cast<std::size_t>(std::min(s + 1, 3)));
  }
  REQUIRE(agent.traces().trace(5, 0) == 1.0);
  REQUIRE(agent.traces().trace(4, 0) == 0.5);
  REQUIRE(agent.traces().trace(3, 0) == 0.25);
  REQUIRE(agent.traces().trace(2, 0) == 0.0);
}

TEST_CASE("SarsaLambdaAgent: lambda 0 is SarsaAgent, bit for bit", "[agents][traces]") {
  for (const TraceKind kind : {TraceKind::accumulating, TraceKind::replacing, TraceKind::dutch}) {
    tabrl::SarsaLambdaAgent<> traced(48, 4, {.gamma = 0.9, .alpha = 0.5}, {.lambda = 0.0, .kind = kind});
    tabrl::SarsaAgent<> plain(48, 4, {.gamma = 0.9, .alpha = 0.5});
    tabrl::CliffWalking e1, e2;
    const auto a = tabrl::train_online(traced, e1, {.episodes = 30, .seed = 5});
    const auto b = tabrl::train_online(plain, e2, {.episodes = 30, .seed = 5});
    CAPTURE(tabrl::to_string(kind));
    REQUIRE(a == b);
    REQUIRE(traced.q_values() == plain.q_values());
  }
}

TEST_CASE("SarsaLambdaAgent: learns the safe path on CliffWalking", "[agents][traces]") {
  // With a constant epsilon SARSA learns the values of its epsilon-greedy policy, and its
  // greedy path keeps away from the cliff edge (Sutton & Barto, Example 6.6): 15 or 17
  // steps (the best 0.1-greedy policy's path takes 15; the values of the two differ by
  // less than the noise of a constant step size). Each kind, three seeds.
  for (const TraceKind kind : {TraceKind::accumulating, TraceKind::replacing, TraceKind::dutch}) {
    for (const std::uint64_t seed : {1, 2, 3}) {
      tabrl::SarsaLambdaAgent<> agent(48, 4, {.alpha = 0.1}, {.lambda = 0.5, .kind = kind});
      const tabrl::Rollout r = tabrl::test::cliff_rollout_after(agent, 3000, seed);
      CAPTURE(tabrl::to_string(kind), seed, r.states);
      REQUIRE(tabrl::test::safe_path(r));
      REQUIRE((r.total_return == -15.0 || r.total_return == -17.0));
    }
  }
}

TEST_CASE("SarsaLambdaAgent: bad settings and inputs are refused, changing nothing", "[agents][traces]") {
  REQUIRE_THROWS_WITH((tabrl::SarsaLambdaAgent<>(2, 2, {}, {.lambda = 1.5})),
                      "tabrl::SarsaLambdaAgent: lambda must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH((tabrl::SarsaLambdaAgent<>(2, 2, {}, {.threshold = 1.0})),
                      "tabrl::SarsaLambdaAgent: trace threshold must be in [0, 1), got 1");
  REQUIRE_THROWS_WITH((tabrl::SarsaLambdaAgent<>(2, 2, {.alpha = 0.0})),
                      "tabrl::SarsaLambdaAgent: alpha must be in (0, 1], got 0");
  auto agent = chain_agent(TraceKind::accumulating);
  (void)feed(agent, {{{0, 0, 1.0, 0, false}, 0}});
  const auto before = tabrl::test::saved(agent);
  REQUIRE_THROWS_WITH(agent.update(Transition{0, 0, 1.0, 0, false}, 2),
                      "tabrl::SarsaLambdaAgent::update: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(agent.update(Transition{0, 0, std::numeric_limits<double>::infinity(), 0, false}, 0),
                      "tabrl::SarsaLambdaAgent::update: reward must be finite, got inf");
  REQUIRE_THROWS_WITH(agent.update(Transition{2, 0, 1.0, 0, false}, 0),
                      "tabrl::SarsaLambdaAgent::update: state must be in [0, 2), got 2");
  agent.q_values()(0, 1) = std::numeric_limits<double>::max();
  const auto with_huge = tabrl::test::saved(agent);
  // r + gamma * Q(0, 1) = max + max / 2 overflows.
  REQUIRE_THROWS_WITH(agent.update(Transition{0, 0, std::numeric_limits<double>::max(), 0, false}, 1),
                      Catch::Contains("SarsaLambdaAgent::update: the TD error of state 0, action 0 is not finite"));
  REQUIRE(tabrl::test::saved(agent) == with_huge);
  agent.q_values()(0, 1) = 0.0;
  REQUIRE(tabrl::test::saved(agent) == before);
  // A terminated transition needs no valid next action.
  REQUIRE_NOTHROW(agent.update(Transition{0, 1, 0.0, 1, true}, -1));
}

TEST_CASE("SarsaLambdaAgent: save and load, in mid-episode, resume bit for bit", "[agents][traces]") {
  const auto bytes = tabrl::test::require_resume_bit_identical(
      [] { return tabrl::SarsaLambdaAgent<>(48, 4, {.alpha = 0.3}, {.lambda = 0.9, .kind = TraceKind::replacing}); },
      [] { return tabrl::CliffWalking{}; }, {.episodes = 20, .seed = 9}, 137);
  auto agent = chain_agent(TraceKind::accumulating);
  REQUIRE_THROWS_AS(tabrl::test::load_from(agent, bytes), tabrl::FormatError);  // another table
}

TEST_CASE("SarsaLambdaAgent: loading refuses bad fields, changing nothing", "[agents][traces]") {
  auto agent = chain_agent(TraceKind::dutch);
  (void)feed(agent, {{{0, 0, 1.0, 0, false}, 0}});
  const auto good = tabrl::test::saved(agent);
  tabrl::test::require_truncations_rejected(agent, good);
  // Settings: gamma f64, alpha f64, epsilon f64, rule u8 (offset 25), then lambda f64,
  // kind u8 (offset 33), threshold f64 (34), the table (u8, u64, u64, 4 doubles: 42..90),
  // the traces (u64 count 1 at 91, cell at 99, trace at 107), last next state i32 (115),
  // carry f64 (119).
  auto with = [&](std::size_t at, auto value) {
    auto b = good;
    std::memcpy(b.data() + at, &value, sizeof value);
    return b;
  };
  using tabrl::FormatProblem;
  tabrl::test::require_rejected(agent, with(25, 2.0), FormatProblem::value, "lambda must be in [0, 1], got 2");
  tabrl::test::require_rejected(agent, with(33, std::uint8_t{3}), FormatProblem::value, "trace kind must be at most 2, got 3");
  tabrl::test::require_rejected(agent, with(34, 1.0), FormatProblem::value, "trace threshold must be in [0, 1), got 1");
  tabrl::test::require_rejected(agent, with(99, std::uint64_t{4}), FormatProblem::value, "trace cell must be in [0, 4), got 4");
  tabrl::test::require_rejected(agent, with(107, std::numeric_limits<double>::quiet_NaN()), FormatProblem::value,
                                "must be finite and non-zero");
  tabrl::test::require_rejected(agent, with(115, std::int32_t{2}), FormatProblem::value,
                                "last next state must be in [-1, 2), got 2");
  tabrl::test::require_rejected(agent, with(115, std::int32_t{-1}), FormatProblem::value,
                                "traces and a carried value need an episode in progress");
  REQUIRE(good.size() == 127);
}
