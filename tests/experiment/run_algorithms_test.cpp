// The experiment engine's kinds for issue 19: the trace, model-based and average-reward
// agents, the chapter-8 mazes and their settings (lambda, trace, trace_threshold,
// target_epsilon, planning_steps, model, kappa, theta, beta): each runs, each is exactly the
// bare training call it dispatches to, settings read back and bad ones are refused.

#include <catch2/catch.hpp>

#include <string>

#include <tabrl/experiment/run.hpp>

using namespace tabrl::experiment;
using Catch::Contains;

TEST_CASE("the new agent kinds run online on every environment and refuse replay", "[experiment]") {
  const std::vector<std::string> online_only{"sarsa-lambda", "true-online-sarsa", "q-lambda", "tree-backup",
                                             "retrace",      "dyna-q",            "dyna-q-plus", "prioritized-sweeping",
                                             "r-learning"};
  for (const auto& agent : online_only) {
    REQUIRE(AgentKinds::contains(agent));
    REQUIRE(!learns_from_replay(agent));
    for (const auto env : EnvKinds::names) {
      RunSpec s;
      s.env = std::string(env);
      s.agent = agent;
      s.episodes = 3;
      s.time_limit = 200;
      CAPTURE(agent, s.env);
      const RunResult r = run_one(s);
      REQUIRE(r.returns.size() == 3);
      s.replay = "uniform";
      REQUIRE_THROWS_WITH(run_one(s), Contains("replay must be online for agent " + agent + " (it learns online only)"));
    }
  }
  REQUIRE(learns_from_replay("q"));
  REQUIRE(!learns_from_replay("sarsa"));
  REQUIRE_THROWS_AS(learns_from_replay("dqn"), tabrl::InvalidArgument);
}

TEST_CASE("a trace run is the bare call with the episode-end hook", "[experiment]") {
  RunSpec s;
  set_field(s, "agent", "sarsa-lambda");
  set_field(s, "lambda", "0.8");
  set_field(s, "trace", "replacing");
  set_field(s, "time-limit", "30");  // truncations: end_episode must clear the traces
  s.episodes = 25;
  s.seed = 5;
  const RunResult r = run_one(s);
  tabrl::SarsaLambdaAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1},
                                  {.lambda = 0.8, .kind = tabrl::TraceKind::replacing});
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 30);
  const auto log = tabrl::train_online(agent, env, {.episodes = 25, .seed = 5}, tabrl::EpisodeEnds(agent));
  REQUIRE(r.returns == log.returns);
}

TEST_CASE("model-based kinds: Dyna-Q's planning seed, Dyna-Q+'s kappa, prioritized sweeping", "[experiment]") {
  RunSpec s;
  s.env = "dyna-maze";
  s.agent = "dyna-q-plus";
  s.gamma = 0.95;
  s.alpha = 0.1;
  s.planning_steps = 5;
  s.kappa = 0.01;
  s.model = tabrl::ModelKind::sample;
  s.episodes = 5;
  s.seed = 12;
  const RunResult r = run_one(s);
  tabrl::DynaQAgent<> agent(54, 4, {.gamma = 0.95, .alpha = 0.1, .epsilon = 0.1},
                            {.planning_steps = 5, .model = tabrl::ModelKind::sample, .kappa = 0.01},
                            tabrl::derive_seed(12, 0xD7A));
  REQUIRE(DynaQKind::planning_seed(12) == tabrl::derive_seed(12, 0xD7A));
  tabrl::GridMaze maze = tabrl::GridMaze::dyna_maze();
  const auto log = tabrl::train_online(agent, maze, {.episodes = 5, .seed = 12});
  REQUIRE(r.returns == log.returns);
  REQUIRE(r.lengths == std::vector<double>(log.lengths.begin(), log.lengths.end()));
  // dyna-q ignores kappa.
  s.agent = "dyna-q";
  tabrl::DynaQAgent<> plain(54, 4, {.gamma = 0.95, .alpha = 0.1, .epsilon = 0.1},
                            {.planning_steps = 5, .model = tabrl::ModelKind::sample}, tabrl::derive_seed(12, 0xD7A));
  tabrl::GridMaze maze2 = tabrl::GridMaze::dyna_maze();
  REQUIRE(run_one(s).returns == tabrl::train_online(plain, maze2, {.episodes = 5, .seed = 12}).returns);
  // The maze kinds' greedy evaluation succeeds at the goal.
  s.agent = "prioritized-sweeping";
  s.alpha = 1.0;
  s.planning_steps = 20;
  s.model = tabrl::ModelKind::deterministic;
  s.episodes = 30;
  s.eval_episodes = 1;
  const RunResult ps = run_one(s);
  REQUIRE(ps.metrics[7] == 1.0);  // eval_success
  REQUIRE(ps.metrics[6] == 14.0);  // the shortest path
}

TEST_CASE("the new settings read back and refuse bad values", "[experiment]") {
  RunSpec s;
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"lambda", "0.25"}, {"trace", "dutch"}, {"trace_threshold", "0.001"}, {"target_epsilon", "0.05"},
           {"planning_steps", "50"}, {"model", "sample"}, {"kappa", "0.001"}, {"theta", "0"}, {"beta", "0.5"}}) {
    set_field(s, field, value);
    REQUIRE(get_field(s, field) == value);
  }
  REQUIRE(s.trace == tabrl::TraceKind::dutch);
  REQUIRE(s.model == tabrl::ModelKind::sample);
  for (const RunField& f : run_fields()) {
    RunSpec t;
    f.set(t, f.get(s));
    REQUIRE(f.get(t) == f.get(s));
  }
  CHECK_THROWS_WITH(set_field(s, "lambda", "1.5"), "tabrl::RunSpec: lambda must be in [0, 1], got 1.5");
  CHECK_THROWS_WITH(set_field(s, "trace", "eligible"), "tabrl::RunSpec: trace must be one of accumulating, replacing, dutch, got 'eligible'");
  CHECK_THROWS_WITH(set_field(s, "trace-threshold", "1"), "tabrl::RunSpec: trace_threshold must be in [0, 1), got 1");
  CHECK_THROWS_WITH(set_field(s, "planning-steps", "100001"), Contains("planning_steps must be an integer in [0, 100000]"));
  CHECK_THROWS_WITH(set_field(s, "model", "learned"), "tabrl::RunSpec: model must be one of deterministic, sample, got 'learned'");
  CHECK_THROWS_WITH(set_field(s, "kappa", "-1"), "tabrl::RunSpec: kappa must be in [0, 1e6], got -1");
  CHECK_THROWS_WITH(set_field(s, "theta", "inf"), Contains("theta must be a finite number"));
  CHECK_THROWS_WITH(set_field(s, "beta", "0"), "tabrl::RunSpec: beta must be in (0, 1], got 0");
  CHECK_THROWS_WITH(set_field(s, "env", "maze"), Contains("env must be one of cliff, frozen-lake, frozen-lake-8x8, taxi, dyna-maze, blocking-maze, shortcut-maze"));
}

TEST_CASE("validate refuses settings the new agents cannot use", "[experiment]") {
  RunSpec s;
  s.agent = "q-lambda";
  s.trace = tabrl::TraceKind::dutch;
  CHECK_THROWS_WITH(validate(s), "tabrl::RunSpec: trace must be accumulating or replacing for agent q-lambda, got dutch");
  s.agent = "sarsa-lambda";
  CHECK_NOTHROW(validate(s));
  s = RunSpec{};
  s.agent = "prioritized-sweeping";
  s.planning_steps = 0;
  CHECK_THROWS_WITH(validate(s), "tabrl::RunSpec: planning_steps must be >= 1 for agent prioritized-sweeping, got 0");
  s = RunSpec{};
  s.agent = "r-learning";
  s.gamma = 0.9;
  CHECK_THROWS_WITH(validate(s), Contains("gamma must be 1 for agent r-learning"));
  s.agent = "nope";
  CHECK_THROWS_WITH(validate(s), Contains("agent must be one of q, sarsa, expected-sarsa, double-q, sarsa-lambda"));
}
