// policy_iteration: a three-state chain worked out by hand, agreement with value iteration
// on CliffWalking, FrozenLake and the Dyna maze, gamma = 1 from a terminating policy, and
// the errors (bad settings, a policy that never terminates with gamma = 1).

#include <catch2/catch.hpp>

#include <vector>

#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/maze.hpp>
#include <tabrl/planning/policy_iteration.hpp>
#include <tabrl/planning/value_iteration.hpp>

namespace {
// 0 <-> 1 -> 2 (terminal). Action 0 goes left (reward 0, 0 stays at 0), action 1 goes right
// (reward 0, except 1 -> 2 pays 1 and terminates).
struct Chain {
  [[nodiscard]] int num_states() const { return 3; }
  [[nodiscard]] int num_actions() const { return 2; }
  [[nodiscard]] std::vector<tabrl::Outcome> transitions(int s, int a) const {
    if (s == 2) return {{1.0, 2, 0.0, true}};
    if (a == 0) return {{1.0, 0, 0.0, false}};
    return {{1.0, s + 1, s == 1 ? 1.0 : 0.0, s == 1}};
  }
};
static_assert(tabrl::ModelEnvironment<Chain>);
}  // namespace

TEST_CASE("policy_iteration: a chain by hand", "[planning]") {
  // gamma 0.5 from "always left": V = 0 everywhere (left never pays). Improvement: in 1,
  // right pays 1 > 0; in 0, right reaches 1 worth 0 then: no change yet. Second evaluation:
  // V(1) = 1, V(0) = 0.5 V(0) = 0. Improvement: in 0, right gives 0.5 V(1) = 0.5 > 0: change.
  // Third evaluation: V(0) = 0.5, stable. Q(0, left) = 0.5 * 0.5 = 0.25, Q(1, left) = 0.25.
  const auto r = tabrl::policy_iteration(Chain{}, 0.5);
  REQUIRE(r.iterations == 3);
  REQUIRE(r.policy == (Eigen::VectorXi(3) << 1, 1, 0).finished());
  REQUIRE(r.v[0] == Approx(0.5).margin(1e-9));
  REQUIRE(r.v[1] == Approx(1.0).margin(1e-9));
  REQUIRE(r.v[2] == 0.0);
  REQUIRE(r.q(0, 0) == Approx(0.25).margin(1e-9));
  REQUIRE(r.q(1, 0) == Approx(0.25).margin(1e-9));
  REQUIRE(r.evaluation_sweeps >= 3);
}

TEST_CASE("policy_iteration agrees with value_iteration", "[planning]") {
  const auto agree = [](const auto& env, double gamma) {
    const auto pi = tabrl::policy_iteration(env, gamma);
    const auto vi = tabrl::value_iteration(env, gamma);
    REQUIRE((pi.v - vi.v).cwiseAbs().maxCoeff() < 1e-7);
    REQUIRE((pi.q - vi.q).cwiseAbs().maxCoeff() < 1e-7);
    // The policy is greedy for Q*.
    for (int s = 0; s < env.num_states(); ++s) REQUIRE(vi.q(s, pi.policy[s]) >= vi.q.row(s).maxCoeff() - 1e-7);
  };
  agree(tabrl::CliffWalking{}, 0.9);
  agree(tabrl::FrozenLake{}, 0.99);
  agree(tabrl::FrozenLake(tabrl::FrozenLake::map_8x8()), 0.95);
  agree(tabrl::GridMaze::dyna_maze(), 0.95);
}

TEST_CASE("policy_iteration: gamma 1 needs a policy that terminates", "[planning]") {
  tabrl::CliffWalking env;
  // From 36 going up and then right along row 0 and down the last column terminates from
  // every cell: up in column 0, right elsewhere, down in column 11.
  Eigen::VectorXi proper(48);
  for (int s = 0; s < 48; ++s) {
    const int col = s % 12;
    proper[s] = col == 11 ? tabrl::CliffWalking::down : (col == 0 && s >= 12 ? tabrl::CliffWalking::up : tabrl::CliffWalking::right);
  }
  const auto r = tabrl::policy_iteration(env, 1.0, proper);
  const auto vi = tabrl::value_iteration(env, 1.0);
  REQUIRE((r.v - vi.v).cwiseAbs().maxCoeff() < 1e-7);
  REQUIRE(r.v[36] == Approx(-13.0));
  // "Up everywhere" never terminates: its evaluation cannot converge.
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(env, 1.0, 1e-10, 100, 2000),
                      Catch::Contains("policy evaluation did not converge in 2000 sweeps"));
}

TEST_CASE("policy_iteration: bad settings are refused", "[planning]") {
  const Chain c;
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 1.5), "tabrl::policy_iteration: gamma must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 0.5, 0.0), "tabrl::policy_iteration: tolerance must be finite and > 0, got 0");
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 0.5, 1e-9, 0), "tabrl::policy_iteration: max_iterations must be >= 1, got 0");
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 0.5, Eigen::VectorXi::Zero(2)),
                      "tabrl::policy_iteration: initial policy must have 3 entries, got 2");
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 0.5, (Eigen::VectorXi(3) << 0, 2, 0).finished()),
                      "tabrl::policy_iteration: initial policy actions must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(tabrl::policy_iteration(c, 0.5, 1e-9, 1),
                      "tabrl::policy_iteration: the policy still changed after 1 improvements");
}
