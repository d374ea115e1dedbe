// EligibilityTraces: marking by kind, decay with the drop threshold (exactly at its
// boundary), clearing, the list order after drops, saving and the rejected loads; the
// TraceOptions checks; the EpisodeEnds observer.

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include <tabrl/agents/eligibility_traces.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/agents/sarsa_lambda.hpp>
#include <tabrl/training/train.hpp>

#include "saveable.hpp"

using tabrl::EligibilityTraces;
using tabrl::TraceKind;

static_assert(tabrl::EpisodicAgent<tabrl::SarsaLambdaAgent<>>);
static_assert(!tabrl::EpisodicAgent<tabrl::SarsaAgent<>>);

namespace {
// The traces as (cell, trace) pairs in list order.
std::vector<std::pair<long, double>> listed(const EligibilityTraces<>& z) {
  std::vector<std::pair<long, double>> out;
  for (const auto& e : z.entries()) out.emplace_back(static_cast<long>(e.cell), e.trace);
  return out;
}
using Listed = std::vector<std::pair<long, double>>;
}  // namespace

TEST_CASE("EligibilityTraces: each kind marks the visited cell as the book says", "[agents][traces]") {
  EligibilityTraces<> z(3, 2, 0.0);
  REQUIRE(z.empty());
  z.mark(1, TraceKind::accumulating, 0.5);
  z.mark(1, TraceKind::accumulating, 0.5);
  REQUIRE(z.trace(0, 1) == 2.0);
  z.mark(1, TraceKind::replacing, 0.5);
  REQUIRE(z.trace(0, 1) == 1.0);
  z.mark(4, TraceKind::dutch, 0.25);  // (1 - 0.25) * 0 + 1
  REQUIRE(z.trace(2, 0) == 1.0);
  z.mark(4, TraceKind::dutch, 0.25);  // 0.75 * 1 + 1
  REQUIRE(z.trace(2, 0) == 1.75);
  REQUIRE(z.size() == 2);
  REQUIRE(z.trace(1, 1) == 0.0);  // never marked
  REQUIRE(listed(z) == Listed{{1, 1.0}, {4, 1.75}});
  REQUIRE_THROWS_WITH(z.trace(3, 0), "tabrl::EligibilityTraces::trace: state must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(z.trace(0, -1), "tabrl::EligibilityTraces::trace: action must be in [0, 2), got -1");
}

TEST_CASE("EligibilityTraces: scale drops traces below the threshold, keeps the rest in order",
          "[agents][traces]") {
  EligibilityTraces<> z(4, 1, 0.25);
  z.at(0) = 1.0;
  z.at(1) = 0.5;   // 0.25 after halving: exactly the threshold, kept
  z.at(2) = 0.4;   // 0.2 after halving: dropped
  z.at(3) = -2.0;  // magnitude counts
  z.scale(0.5);
  // Cell 2 was dropped and the last entry (cell 3) took its place.
  REQUIRE(listed(z) == Listed{{0, 0.5}, {1, 0.25}, {3, -1.0}});
  REQUIRE(z.trace(2, 0) == 0.0);
  z.scale(0.5);  // 0.25 kept, 0.125 dropped, -0.5 kept
  REQUIRE(listed(z) == Listed{{0, 0.25}, {3, -0.5}});
  z.mark(1, TraceKind::accumulating, 0.0);  // a dropped cell comes back fresh
  REQUIRE(listed(z) == Listed{{0, 0.25}, {3, -0.5}, {1, 1.0}});
  z.scale(0.0);  // gamma * lambda * c = 0 cuts every trace
  REQUIRE(z.empty());
  REQUIRE(z.trace(0, 0) == 0.0);

  // Threshold 0 keeps every trace that is not exactly 0 (underflow drops it).
  EligibilityTraces<> exact(1, 2, 0.0);
  exact.at(0) = std::numeric_limits<double>::denorm_min();
  exact.at(1) = 1.0;
  exact.scale(0.5);
  REQUIRE(listed(exact) == Listed{{1, 0.5}});

  z.at(2) = 3.0;
  z.clear();
  REQUIRE(z.empty());
  REQUIRE(z.trace(2, 0) == 0.0);
}

TEST_CASE("EligibilityTraces: apply adds alpha * delta * trace to the active cells only",
          "[agents][traces]") {
  EligibilityTraces<> z(2, 2, 0.0);
  z.at(1) = 0.5;
  z.at(2) = 2.0;
  tabrl::QTable<double> q = tabrl::QTable<double>::Ones(2, 2);
  z.apply(q, 0.25);
  REQUIRE(q(0, 0) == 1.0);
  REQUIRE(q(0, 1) == 1.125);
  REQUIRE(q(1, 0) == 1.5);
  REQUIRE(q(1, 1) == 1.0);
}

TEST_CASE("EligibilityTraces: bad sizes and thresholds are refused", "[agents][traces]") {
  REQUIRE_THROWS_WITH(EligibilityTraces<>(0, 2), "tabrl::EligibilityTraces: num_states must be >= 1, got 0");
  REQUIRE_THROWS_WITH(EligibilityTraces<>(2, 0), "tabrl::EligibilityTraces: num_actions must be >= 1, got 0");
  REQUIRE_THROWS_WITH(EligibilityTraces<>(1 << 20, 1 << 12),
                      "tabrl::EligibilityTraces: num_states * num_actions must be < 2^31, got 4294967296");
  REQUIRE_THROWS_WITH(EligibilityTraces<>(2, 2, 1.0), "tabrl::EligibilityTraces: threshold must be in [0, 1), got 1");
  REQUIRE_THROWS_WITH(EligibilityTraces<>(2, 2, -0.1), "tabrl::EligibilityTraces: threshold must be in [0, 1), got -0.10000000000000001");
  const tabrl::TraceOptions nan{.lambda = std::numeric_limits<double>::quiet_NaN()};
  REQUIRE_THROWS_WITH(nan.validate("X"), "tabrl::X: lambda must be in [0, 1], got nan");
  const tabrl::TraceOptions kind{.kind = static_cast<TraceKind>(3)};
  REQUIRE_THROWS_WITH(kind.validate("X"), "tabrl::X: trace kind must be accumulating, replacing or dutch, got 3");
  REQUIRE_NOTHROW(tabrl::TraceOptions{}.validate());
  REQUIRE(std::string(tabrl::to_string(TraceKind::dutch)) == "dutch");
}

TEST_CASE("EligibilityTraces: saved traces load back, bad ones are refused", "[agents][traces]") {
  EligibilityTraces<> z(3, 2, 0.0);
  z.at(5) = 0.5;
  z.at(0) = -1.5;
  const auto bytes = tabrl::test::payload([&](tabrl::BinaryWriter& w) { z.save(w); });
  tabrl::BinaryReader in(bytes, "test");
  const EligibilityTraces<> back = EligibilityTraces<>(3, 2).loaded(in, 0.0);
  REQUIRE(in.remaining() == 0);
  REQUIRE(back == z);
  REQUIRE(listed(back) == Listed{{5, 0.5}, {0, -1.5}});

  const auto reject = [](const tabrl::test::Bytes& b, tabrl::FormatProblem p, const std::string& text) {
    tabrl::BinaryReader r(b, "test");
    try {
      (void)EligibilityTraces<>(3, 2).loaded(r, 0.0);
      FAIL("loaded bad traces: " << text);
    } catch (const tabrl::FormatError& e) {
      REQUIRE(e.problem() == p);
      REQUIRE_THAT(std::string(e.what()), Catch::Contains(text));
    }
  };
  using tabrl::BinaryWriter;
  using tabrl::test::payload;
  reject(payload([](BinaryWriter& w) { w.value(std::uint64_t{1}); w.value(std::uint64_t{6}); w.value(1.0); }),
         tabrl::FormatProblem::value, "trace cell must be in [0, 6), got 6");
  reject(payload([](BinaryWriter& w) { w.value(std::uint64_t{2}); w.value(std::uint64_t{1}); w.value(1.0);
                                       w.value(std::uint64_t{1}); w.value(2.0); }),
         tabrl::FormatProblem::value, "trace cell 1 appears twice");
  reject(payload([](BinaryWriter& w) { w.value(std::uint64_t{1}); w.value(std::uint64_t{1}); w.value(0.0); }),
         tabrl::FormatProblem::value, "trace of cell 1 must be finite and non-zero, got 0");
  reject(payload([](BinaryWriter& w) { w.value(std::uint64_t{1}); w.value(std::uint64_t{1});
                                       w.value(std::numeric_limits<double>::infinity()); }),
         tabrl::FormatProblem::value, "must be finite and non-zero, got inf");
  reject(payload([](BinaryWriter& w) { w.value(std::uint64_t{1} << 40); }), tabrl::FormatProblem::truncated,
         "announces 1099511627776 traces");
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    const tabrl::test::Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    reject(prefix, tabrl::FormatProblem::truncated, "");
  }
}

TEST_CASE("EpisodeEnds: the observer ends the agent's episode after every episode", "[agents][traces]") {
  tabrl::SarsaLambdaAgent<> agent(3, 2, {.alpha = 0.5}, {.lambda = 1.0});
  (void)agent.update(tabrl::Transition{0, 0, 1.0, 1, false}, 1);
  REQUIRE(agent.traces().size() == 1);
  tabrl::EpisodeEnds ends(agent);
  tabrl::TrainingLog log;
  ends.on_episode_end(tabrl::EpisodeEvent{0, 1, 0.0, 1, log});
  REQUIRE(agent.traces().empty());
}
