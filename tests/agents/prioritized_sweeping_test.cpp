// PrioritizedSweepingAgent and PriorityQueue: the queue's order (priority, then first
// queued) and its "keep the larger priority" rule; a sweep by hand on a chain (the value
// travels back along predecessors within one real step); theta; expected updates with a
// sample model; learning CliffWalking's optimal path; checkpoints.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <tabrl/agents/prioritized_sweeping.hpp>
#include <tabrl/envs/time_limit.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::PrioritizedSweepingAgent;
using tabrl::PriorityQueue;
using tabrl::Transition;

static_assert(tabrl::Agent<PrioritizedSweepingAgent<>>);
static_assert(tabrl::Saveable<PrioritizedSweepingAgent<>>);

namespace {
std::vector<std::pair<long, double>> order(const PriorityQueue& q) {
  std::vector<std::pair<long, double>> out;
  for (const auto& e : q.sorted()) out.emplace_back(static_cast<long>(e.cell), e.priority);
  return out;
}
using Order = std::vector<std::pair<long, double>>;
}  // namespace

TEST_CASE("PriorityQueue: highest priority first, ties in the order queued", "[agents][model]") {
  PriorityQueue q(10);
  q.push(3, 1.0);
  q.push(7, 2.0);
  q.push(1, 1.0);
  q.push(5, 1.0);
  q.push(9, 0.5);
  REQUIRE(q.size() == 5);
  REQUIRE(order(q) == Order{{7, 2.0}, {3, 1.0}, {1, 1.0}, {5, 1.0}, {9, 0.5}});
  q.push(9, 1.5);  // raised: keeps the larger priority
  q.push(7, 0.1);  // lower: ignored
  REQUIRE(order(q) == Order{{7, 2.0}, {9, 1.5}, {3, 1.0}, {1, 1.0}, {5, 1.0}});
  REQUIRE(q.top().cell == 7);
  REQUIRE(q.pop().cell == 7);
  REQUIRE(q.pop().cell == 9);
  REQUIRE(!q.contains(9));
  REQUIRE(q.priority(3) == 1.0);
  REQUIRE(q.priority(9) == 0.0);
  q.push(9, 1.0);  // re-queued: after the others of priority 1
  REQUIRE(order(q) == Order{{3, 1.0}, {1, 1.0}, {5, 1.0}, {9, 1.0}});
  REQUIRE_THROWS_WITH(q.push(10, 1.0), "tabrl::PriorityQueue::push: cell must be in [0, 10), got 10");
  REQUIRE_THROWS_WITH(q.push(2, std::nan("")), "tabrl::PriorityQueue::push: priority must be finite, got nan");
  q.clear();
  REQUIRE(q.empty());
  REQUIRE_THROWS_AS(q.pop(), tabrl::LogicError);
  // A random workload pops in the documented order.
  PriorityQueue r(64);
  tabrl::Rng rng(2);
  std::vector<std::pair<double, int>> expected;  // (priority, queue order)
  for (int i = 0; i < 64; ++i) {
    const double p = static_cast<double>(rng() % 8);
    r.push(i, p);
    expected.emplace_back(-p, i);
  }
  std::sort(expected.begin(), expected.end());
  for (const auto& [p, i] : expected) REQUIRE(r.pop().cell == i);
}

TEST_CASE("PrioritizedSweepingAgent: a sweep by hand on a chain", "[agents][model]") {
  REQUIRE(PrioritizedSweepingAgent<>::kind() == "PrioritizedSweepingAgent");
  // 0 -> 1 -> 2 (terminal, reward 1) by action 1; alpha 1, gamma 0.5, theta 0.01.
  PrioritizedSweepingAgent<> agent(3, 2, {.gamma = 0.5, .alpha = 1.0}, {.planning_steps = 1, .theta = 0.01});
  // t1 (0,1,0,->1): priority |0 + 0.5 max Q(1) - 0| = 0: not queued, Q unchanged.
  REQUIRE(agent.update(Transition{0, 1, 0.0, 1, false}) == 0.0);
  REQUIRE(agent.queue().empty());
  REQUIRE(agent.planning_updates() == 0);
  // t2 (1,1,1,->2 terminated): priority 1: queued, then the one planning step pops it:
  // Q(1,1) = 1; its predecessor (0,1) gets priority |0.5 * 1 - 0| = 0.5 and waits.
  REQUIRE(agent.update(Transition{1, 1, 1.0, 2, true}) == 1.0);
  REQUIRE(agent.q(1, 1) == 1.0);
  REQUIRE(order(agent.queue()) == Order{{1, 0.5}});
  // t3 (0,0,0,->0): priority |0 + 0.5 * 0 - 0| = 0; the step pops (0,1): Q(0,1) = 0.5, and
  // queues the predecessors of 0: (0,0), priority |0.5 * 0.5 - 0| = 0.25.
  REQUIRE(agent.update(Transition{0, 0, 0.0, 0, false}) == 0.0);
  REQUIRE(agent.q(0, 1) == 0.5);
  REQUIRE(order(agent.queue()) == Order{{0, 0.25}});
  REQUIRE(agent.target(0, 0) == 0.25);
  REQUIRE(agent.planning_updates() == 2);
  // With more planning steps the whole chain is swept within the real step.
  PrioritizedSweepingAgent<> fast(3, 2, {.gamma = 0.5, .alpha = 1.0}, {.planning_steps = 10, .theta = 0.01});
  (void)fast.update(Transition{0, 1, 0.0, 1, false});
  (void)fast.update(Transition{0, 0, 0.0, 0, false});
  (void)fast.update(Transition{1, 1, 1.0, 2, true});
  REQUIRE(fast.q(1, 1) == 1.0);
  REQUIRE(fast.q(0, 1) == 0.5);
  // (0,0) -> 0: target 0.5 * 0.5 = 0.25, then 0.5 * 0.5 again: Q(0,0) = 0.25 after one update,
  // and its own priority |0.25 - 0.25| = 0 stops the sweep.
  REQUIRE(fast.q(0, 0) == 0.25);
  REQUIRE(fast.queue().empty());
  REQUIRE(fast.planning_updates() == 3);
  REQUIRE_THROWS_WITH(fast.target(2, 0), "tabrl::PrioritizedSweepingAgent::target: the pair must be in the model, got (2, 0)");
}

TEST_CASE("PrioritizedSweepingAgent: theta keeps small changes out of the queue", "[agents][model]") {
  PrioritizedSweepingAgent<> agent(3, 2, {.gamma = 0.5, .alpha = 1.0}, {.planning_steps = 10, .theta = 0.5});
  (void)agent.update(Transition{0, 1, 0.0, 1, false});
  (void)agent.update(Transition{1, 1, 1.0, 2, true});
  REQUIRE(agent.q(1, 1) == 1.0);
  REQUIRE(agent.q(0, 1) == 0.0);  // its priority 0.5 is not above theta
  REQUIRE_THROWS_WITH((PrioritizedSweepingAgent<>(2, 2, {}, {.planning_steps = 0})),
                      Catch::Contains("planning_steps must be in [1, 100000]"));
  REQUIRE_THROWS_WITH((PrioritizedSweepingAgent<>(2, 2, {}, {.theta = -1.0})),
                      "tabrl::PrioritizedSweepingAgent: theta must be finite and >= 0, got -1");
}

TEST_CASE("PrioritizedSweepingAgent: a sample model gives expected updates", "[agents][model]") {
  PrioritizedSweepingAgent<> agent(3, 1, {.gamma = 1.0, .alpha = 1.0},
                                   {.planning_steps = 5, .theta = 0.0, .model = tabrl::ModelKind::sample});
  (void)agent.update(Transition{0, 0, 4.0, 2, true});
  (void)agent.update(Transition{0, 0, 0.0, 1, false});
  (void)agent.update(Transition{0, 0, 4.0, 2, true});
  (void)agent.update(Transition{0, 0, 4.0, 2, true});
  // target = (3 * 4 + 1 * (0 + Q(1, 0))) / 4 = 3 with Q(1, 0) = 0.
  REQUIRE(agent.target(0, 0) == 3.0);
  REQUIRE(agent.q(0, 0) == 3.0);
}

TEST_CASE("PrioritizedSweepingAgent: learns CliffWalking's optimal path", "[agents][model]") {
  for (const std::uint64_t seed : {1, 2, 3}) {
    PrioritizedSweepingAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = 10});
    CAPTURE(seed);
    REQUIRE(tabrl::test::cliff_rollout_after(agent, 100, seed).total_return == -13.0);
  }
}

TEST_CASE("PrioritizedSweepingAgent: checkpoints in mid-episode resume bit for bit", "[agents][model]") {
  const auto make = [] {
    return PrioritizedSweepingAgent<>(48, 4, {.alpha = 0.5}, {.planning_steps = 3, .theta = 1e-3});
  };
  const auto bytes = tabrl::test::require_resume_bit_identical(make, [] { return tabrl::CliffWalking{}; },
                                                               {.episodes = 20, .seed = 8}, 333);
  auto resumed = make();
  tabrl::test::load_from(resumed, bytes);
  REQUIRE(!resumed.queue().empty());  // the queue was saved in mid-sweep
  tabrl::test::require_truncations_rejected(resumed, bytes, 256);
}

TEST_CASE("PrioritizedSweepingAgent: loading checks the queue against the model and theta", "[agents][model]") {
  PrioritizedSweepingAgent<> agent(3, 2, {.gamma = 0.5, .alpha = 1.0}, {.planning_steps = 1, .theta = 0.01});
  (void)agent.update(Transition{0, 1, 0.0, 1, false});
  (void)agent.update(Transition{1, 1, 1.0, 2, true});
  auto bytes = tabrl::test::saved(agent);
  // The queue is last: stamp counter, count 1, then (cell i64, priority f64, stamp u64).
  const std::size_t entry = bytes.size() - 24;
  PrioritizedSweepingAgent<> target(3, 2, {}, {.theta = 0.01});
  auto bad = bytes;
  const double low = 0.005;
  std::memcpy(bad.data() + entry + 8, &low, sizeof low);
  tabrl::test::require_rejected(target, bad, tabrl::FormatProblem::value, "queued priority must be finite and > 0.01, got 0.005");
  bad = bytes;
  const std::int64_t unknown = 4;  // (2, 0): not in the model
  std::memcpy(bad.data() + entry, &unknown, sizeof unknown);
  tabrl::test::require_rejected(target, bad, tabrl::FormatProblem::value, "queued cell 4 is not in the model");
  bad = bytes;
  const std::uint64_t late = 99;
  std::memcpy(bad.data() + entry + 16, &late, sizeof late);
  tabrl::test::require_rejected(target, bad, tabrl::FormatProblem::value, "queue stamp 99 is not below the counter");
}
