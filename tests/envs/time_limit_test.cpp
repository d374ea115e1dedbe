// TimeLimit: truncation after N steps (not when the step terminated), and save/load.

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/time_limit.hpp>

#include "saveable.hpp"

static_assert(tabrl::Saveable<tabrl::TimeLimit<tabrl::CliffWalking>>);

TEST_CASE("TimeLimit truncates exactly at N steps unless the step terminated", "[envs][time_limit]") {
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 3);
  REQUIRE(env.max_episode_steps() == 3);
  env.reset(0);
  REQUIRE_FALSE(env.step(0).truncated);
  REQUIRE_FALSE(env.step(0).truncated);
  const auto third = env.step(0);
  REQUIRE(third.truncated);
  REQUIRE_FALSE(third.terminated);
  REQUIRE_THROWS_AS(env.step(0), tabrl::LogicError);
  env.reset();
  REQUIRE(env.elapsed_steps() == 0);
  REQUIRE_FALSE(env.step(0).truncated);

  // The optimal path takes 13 steps; a 13-step limit must report termination, not truncation.
  tabrl::TimeLimit<tabrl::CliffWalking> tight(tabrl::CliffWalking{}, 13);
  tight.reset();
  tabrl::StepResult r;
  r = tight.step(0);
  for (int i = 0; i < 11; ++i) r = tight.step(1);
  r = tight.step(2);
  REQUIRE(r.terminated);
  REQUIRE_FALSE(r.truncated);

  REQUIRE_THROWS_WITH((tabrl::TimeLimit<tabrl::CliffWalking>(tabrl::CliffWalking{}, 0)),
                      "tabrl::TimeLimit: max_episode_steps must be >= 1, got 0");
  // The count restarts with every reset, also after a truncation.
  env.reset();
  for (int i = 0; i < 2; ++i) REQUIRE_FALSE(env.step(0).truncated);
  REQUIRE(env.elapsed_steps() == 2);
  REQUIRE(env.step(0).truncated);
}

TEST_CASE("TimeLimit save/load: the step count and the wrapped environment come back",
          "[envs][time_limit][saveable]") {
  using Limited = tabrl::TimeLimit<tabrl::FrozenLake>;
  REQUIRE(Limited::kind() == "TimeLimit<FrozenLake>");
  Limited env(tabrl::FrozenLake{}, 30);
  env.reset(4);
  std::int64_t taken = 0;
  while (taken < 3) {
    const auto r = env.step(2);
    ++taken;
    if (r.terminated) {
      env.reset();
      taken = 0;
    }
  }
  const auto bytes = tabrl::test::saved(env);
  Limited copy = env;
  std::vector<tabrl::StepResult> expected;
  for (;;) {
    const auto r = copy.step(1);
    expected.push_back(r);
    if (r.terminated || r.truncated) break;
  }
  Limited other(tabrl::FrozenLake{}, 30);
  tabrl::test::load_from(other, bytes);
  REQUIRE(other.elapsed_steps() == env.elapsed_steps());
  for (const auto& r : expected) REQUIRE(other.step(1) == r);

  using tabrl::FormatProblem;
  auto fields = [&bytes](std::int64_t limit, std::int64_t elapsed) {
    return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
      w.value(limit);
      w.value(elapsed);
      w.bytes(bytes.data() + 16, bytes.size() - 16);  // the wrapped lake's payload
    });
  };
  REQUIRE(fields(30, env.elapsed_steps()) == bytes);
  Limited target(tabrl::FrozenLake{}, 30);
  target.reset(1);
  tabrl::test::require_truncations_rejected(target, bytes);
  tabrl::test::require_rejected(target, fields(31, 2), FormatProblem::shape, "time limit is 31, this wrapper's is 30");
  tabrl::test::require_rejected(target, fields(30, 31), FormatProblem::value, "elapsed steps must be in [0, 30], got 31");
  tabrl::test::require_rejected(target, fields(30, -1), FormatProblem::value, "elapsed steps must be in [0, 30], got -1");
  tabrl::FrozenLake other_map(tabrl::FrozenLake::map_8x8());
  tabrl::test::require_rejected(target, tabrl::test::payload([&](tabrl::BinaryWriter& w) {
    w.value(std::int64_t{30});
    w.value(std::int64_t{0});
    other_map.save(w);
  }), FormatProblem::shape, "the saved lake has another map");
  REQUIRE(target.elapsed_steps() == 0);
}
