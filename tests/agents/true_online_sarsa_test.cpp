// TrueOnlineSarsaAgent: the update worked out by hand (dutch trace, the Q - Q_old
// correction, Q_old carried and reset), lambda = 0 equal to SARSA, the forward view (the
// online lambda-return) on a short episode, learning CliffWalking's optimal path, and
// checkpoints in mid-episode.

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <tabrl/agents/sarsa.hpp>
#include <tabrl/agents/true_online_sarsa.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::Transition;
using tabrl::test::feed;

static_assert(tabrl::OnPolicyAgent<tabrl::TrueOnlineSarsaAgent<>>);
static_assert(tabrl::EpisodicAgent<tabrl::TrueOnlineSarsaAgent<>>);
static_assert(tabrl::Saveable<tabrl::TrueOnlineSarsaAgent<>>);

TEST_CASE("TrueOnlineSarsaAgent: the update by hand", "[agents][traces]") {
  REQUIRE(tabrl::TrueOnlineSarsaAgent<>::kind() == "TrueOnlineSarsaAgent");
  // gamma 0.5, lambda 1, alpha 0.5; in state 0 action 0 stays (reward 1), action 1 ends (2).
  tabrl::TrueOnlineSarsaAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 0.5}, {.lambda = 1.0, .threshold = 0.0});
  // t1, a' 0: Q = 0, Q' = 0, delta 1, z(0,0) = 1; Q(0,0) += 0.5 (1 + 0 - 0) - 0.5 (0 - 0) = 0.5;
  //    Q_old = Q' = 0.
  REQUIRE(feed(agent, {{{0, 0, 1.0, 0, false}, 0}}) == std::vector<double>{1.0});
  REQUIRE(agent.q(0, 0) == 0.5);
  REQUIRE(agent.q_old() == 0.0);
  // t2, a' 1: Q = 0.5, Q' = Q(0,1) = 0, delta 0.5; z(0,0) = 0.5 (1 - 0.5) + 1 = 1.25;
  //    Q(0,0) += 0.5 (0.5 + 0.5 - 0) 1.25 = 0.625, then -= 0.5 (0.5 - 0): 0.875.
  REQUIRE(feed(agent, {{{0, 0, 1.0, 0, false}, 1}}) == std::vector<double>{0.5});
  REQUIRE(agent.traces().trace(0, 0) == 1.25);
  REQUIRE(agent.q(0, 0) == 0.875);
  // t3 terminated, reward 2: Q = Q(0,1) = 0, Q' = 0, delta 2; z(0,0) = 0.625, z(0,1) = 1;
  //    correction Q - Q_old = 0; Q += 0.5 * 2 * z: Q(0,0) = 1.5, Q(0,1) = 1.
  REQUIRE(feed(agent, {{{0, 1, 2.0, 1, true}, 0}}) == std::vector<double>{2.0});
  REQUIRE(agent.q(0, 0) == 1.5);
  REQUIRE(agent.q(0, 1) == 1.0);
  REQUIRE(agent.traces().empty());
  REQUIRE(agent.q_old() == 0.0);

  // Q_old is carried between steps: after a step to s' with a' = 0, it is Q(s', a') as read
  // before that step's update.
  tabrl::TrueOnlineSarsaAgent<> carry(2, 2, {.gamma = 0.5, .alpha = 0.5}, {.lambda = 1.0});
  carry.q_values()(1, 0) = 3.0;
  (void)carry.update(Transition{0, 0, 0.0, 1, false}, 0);
  REQUIRE(carry.q_old() == 3.0);
  carry.end_episode();
  REQUIRE(carry.q_old() == 0.0);
  REQUIRE(carry.traces().empty());
}

TEST_CASE("TrueOnlineSarsaAgent: lambda 0 is SARSA", "[agents][traces]") {
  tabrl::TrueOnlineSarsaAgent<> traced(48, 4, {.gamma = 0.9, .alpha = 0.5}, {.lambda = 0.0});
  tabrl::SarsaAgent<> plain(48, 4, {.gamma = 0.9, .alpha = 0.5});
  // The same transitions and next actions: Q(s,a) + alpha (delta + c) - alpha c rounds like
  // Q(s,a) + alpha delta up to an ulp or so.
  tabrl::Rng rng(4);
  for (int i = 0; i < 2000; ++i) {
    const Transition t{static_cast<int>(rng() % 48), static_cast<int>(rng() % 4),
                       -static_cast<double>(rng() % 5), static_cast<int>(rng() % 48), rng() % 10 == 0};
    const int next = static_cast<int>(rng() % 4);
    (void)traced.update(t, next);
    (void)plain.update(t, next);
  }
  REQUIRE((traced.q_values() - plain.q_values()).cwiseAbs().maxCoeff() < 1e-9);
  REQUIRE(plain.q_values().cwiseAbs().maxCoeff() > 1.0);
}

TEST_CASE("TrueOnlineSarsaAgent: equals the online lambda-return algorithm (forward view)",
          "[agents][traces]") {
  // van Seijen & Sutton's equivalence: after each step t of an episode, true online SARSA's
  // table equals the one the online lambda-return algorithm computes by redoing the episode
  // so far with truncated lambda-returns at horizon t. Checked on a random 12-step episode
  // over 3 states x 2 actions (one-hot features, so the equivalence is exact up to rounding).
  const double gamma = 0.9, lambda = 0.8, alpha = 0.3;
  tabrl::Rng rng(12);
  struct S {
    int s, a;
    double r;
  };
  std::vector<S> episode;
  for (int t = 0; t < 13; ++t) {
    episode.push_back({static_cast<int>(rng() % 3), static_cast<int>(rng() % 2), static_cast<double>(rng() % 7) - 3.0});
  }
  const tabrl::QTable<double> q0 = (tabrl::QTable<double>(3, 2) << 0.5, -1, 2, 0, 1, -0.5).finished();
  tabrl::TrueOnlineSarsaAgent<> agent(3, 2, {.gamma = gamma, .alpha = alpha}, {.lambda = lambda, .threshold = 0.0});
  agent.q_values() = q0;
  std::vector<tabrl::QTable<double>> W{q0};  // W[t]: the weights after horizon t
  const int T = 12;  // transitions t = 0..11: (s_t, a_t, r_t, s_{t+1}), a_{t+1}; the last terminates
  for (int h = 1; h <= T; ++h) {
    const S& cur = episode[static_cast<std::size_t>(h - 1)];
    const S& next = episode[static_cast<std::size_t>(h)];
    const bool terminal = h == T;
    (void)agent.update(Transition{cur.s, cur.a, cur.r, next.s, terminal}, next.a);
    // The online lambda-return algorithm at horizon h: w_0 = q0; for k = 0..h-1,
    // w_{k+1} = w_k + alpha (G^lambda_{k:h} - w_k(s_k,a_k)) x_k, where
    // G^lambda_{k:h} = (1-lambda) sum_{n=1}^{h-k-1} lambda^(n-1) G_{k:k+n} + lambda^(h-k-1) G_{k:h}
    // and G_{k:k+n} bootstraps with W_{k+n-1}, the final weights of horizon k+n-1 (the
    // online weights at that time; 0 at a terminal state).
    std::vector<tabrl::QTable<double>> w{q0};
    for (int k = 0; k < h; ++k) {
      const auto nstep = [&](int n) {  // G_{k:k+n}
        double g = 0.0, disc = 1.0;
        for (int i = k; i < k + n; ++i) {
          g += disc * episode[static_cast<std::size_t>(i)].r;
          disc *= gamma;
        }
        const int end = k + n;
        if (!(end == T)) {
          const S& b = episode[static_cast<std::size_t>(end)];
          g += disc * W[static_cast<std::size_t>(end - 1)](b.s, b.a);
        }
        return g;
      };
      double g_lambda = 0.0;
      for (int n = 1; n <= h - k - 1; ++n) g_lambda += (1 - lambda) * std::pow(lambda, n - 1) * nstep(n);
      g_lambda += std::pow(lambda, h - k - 1) * nstep(h - k);
      tabrl::QTable<double> next_w = w.back();
      const S& e = episode[static_cast<std::size_t>(k)];
      next_w(e.s, e.a) += alpha * (g_lambda - next_w(e.s, e.a));
      w.push_back(next_w);
    }
    CAPTURE(h);
    REQUIRE((agent.q_values() - w.back()).cwiseAbs().maxCoeff() < 1e-10);
    W.push_back(w.back());
  }
}

TEST_CASE("TrueOnlineSarsaAgent: learns the safe path on CliffWalking", "[agents][traces]") {
  // As SARSA(lambda): a constant epsilon, so the greedy path keeps away from the cliff edge.
  for (const std::uint64_t seed : {1, 2, 3}) {
    tabrl::TrueOnlineSarsaAgent<> agent(48, 4, {.alpha = 0.1}, {.lambda = 0.5});
    const tabrl::Rollout r = tabrl::test::cliff_rollout_after(agent, 3000, seed);
    CAPTURE(seed, r.states);
    REQUIRE(tabrl::test::safe_path(r));
    REQUIRE((r.total_return == -15.0 || r.total_return == -17.0));
  }
}

TEST_CASE("TrueOnlineSarsaAgent: save and load in mid-episode resume bit for bit", "[agents][traces]") {
  const auto make = [] { return tabrl::TrueOnlineSarsaAgent<>(48, 4, {.alpha = 0.3}, {.lambda = 0.9}); };
  const tabrl::TrainOptions options{.episodes = 15, .seed = 2};
  // Stop in mid-episode where Q_old is not 0 (the first such step after 300), so the resumed
  // run needs the carried value too.
  std::int64_t at = 300;
  for (;; ++at) {
    REQUIRE(at < 3000);  // the 15 episodes take longer than that
    auto probe = make();
    tabrl::CliffWalking env;
    tabrl::TrainingState state(options.seed, 48);
    tabrl::EpisodeEnds ends(probe);
    tabrl::test::StopAfter stop{at};
    tabrl::run_online_training(probe, env, options, state, tabrl::observe(ends, stop));
    if (state.progress.active && probe.q_old() != 0.0) break;
  }
  const auto bytes = tabrl::test::require_resume_bit_identical(make, [] { return tabrl::CliffWalking{}; }, options, at);
  auto fresh = make();
  tabrl::test::require_truncations_rejected(fresh, bytes);
}
