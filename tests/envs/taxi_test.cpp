// Taxi against Gymnasium's rules, restated here, for all 500 states and 6 actions.

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include <tabrl/concepts.hpp>
#include <tabrl/envs/taxi.hpp>

#include "saveable.hpp"

static_assert(tabrl::DiscreteEnvironment<tabrl::Taxi>);

namespace {
// Walls, written out as the pairs of cells they separate (west cell of each pair):
// row 0: between cols 1|2; row 1: 1|2; row 3: 0|1 and 2|3; row 4: 0|1 and 2|3.
bool wall_east_of(int r, int c) {
  return (r <= 1 && c == 1) || (r >= 3 && (c == 0 || c == 2));
}
const int stand_rc[4][2] = {{0, 0}, {0, 4}, {4, 0}, {4, 3}};
int stand_at(int r, int c) {
  for (int i = 0; i < 4; ++i) {
    if (stand_rc[i][0] == r && stand_rc[i][1] == c) return i;
  }
  return -1;
}
}  // namespace

TEST_CASE("Taxi: encode and decode are inverse, as Gymnasium numbers states", "[envs][taxi]") {
  std::set<int> seen;
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 5; ++c) {
      for (int p = 0; p < 5; ++p) {
        for (int d = 0; d < 4; ++d) {
          const int s = tabrl::Taxi::encode(r, c, p, d);
          REQUIRE(s == ((r * 5 + c) * 5 + p) * 4 + d);
          REQUIRE(tabrl::Taxi::decode(s) == tabrl::Taxi::Decoded{r, c, p, d});
          seen.insert(s);
        }
      }
    }
  }
  REQUIRE(seen.size() == 500);
  REQUIRE_THROWS_AS(tabrl::Taxi::decode(500), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(tabrl::Taxi::decode(-1), "tabrl::Taxi::decode: state must be in [0, 500), got -1");
  REQUIRE_THROWS_WITH(tabrl::Taxi::encode(5, 0, 0, 0), "tabrl::Taxi::encode: taxi_row must be in [0, 5), got 5");
  REQUIRE_THROWS_WITH(tabrl::Taxi::encode(0, -1, 0, 0), "tabrl::Taxi::encode: taxi_col must be in [0, 5), got -1");
  REQUIRE_THROWS_WITH(tabrl::Taxi::encode(0, 0, 5, 0), "tabrl::Taxi::encode: passenger must be in [0, 5), got 5");
  REQUIRE_THROWS_WITH(tabrl::Taxi::encode(0, 0, 0, 4), "tabrl::Taxi::encode: destination must be in [0, 4), got 4");
  REQUIRE(tabrl::Taxi::encode(4, 4, 4, 3) == 499);
  REQUIRE(tabrl::Taxi::stand(3) == std::array<int, 2>{4, 3});
  REQUIRE(tabrl::Taxi::stand(0) == std::array<int, 2>{0, 0});
  REQUIRE_THROWS_WITH(tabrl::Taxi::stand(4), "tabrl::Taxi::stand: stand must be in [0, 4), got 4");
  REQUIRE_THROWS_AS(tabrl::Taxi::stand(-1), tabrl::InvalidArgument);
}

TEST_CASE("Taxi: the full 500 x 6 transition table", "[envs][taxi]") {
  tabrl::Taxi env;
  for (int s = 0; s < 500; ++s) {
    const auto d = tabrl::Taxi::decode(s);
    for (int a = 0; a < 6; ++a) {
      int r = d.taxi_row, c = d.taxi_col, p = d.passenger;
      double reward = -1;
      bool done = false;
      if (a == 0 && r < 4) ++r;
      if (a == 1 && r > 0) --r;
      if (a == 2 && c < 4 && !wall_east_of(r, c)) ++c;
      if (a == 3 && c > 0 && !wall_east_of(r, c - 1)) --c;
      if (a == 4) {
        if (p < 4 && stand_at(r, c) == p) p = 4;
        else reward = -10;
      }
      if (a == 5) {
        if (p == 4 && stand_at(r, c) == d.destination) {
          p = d.destination;
          reward = 20;
          done = true;
        } else if (p == 4 && stand_at(r, c) >= 0) {
          p = stand_at(r, c);
        } else {
          reward = -10;
        }
      }
      CAPTURE(s, a);
      const auto got = env.transitions(s, a);
      REQUIRE(got.size() == 1);
      REQUIRE(got[0] == tabrl::Outcome{1.0, tabrl::Taxi::encode(r, c, p, d.destination), reward, done});
    }
  }
}

TEST_CASE("Taxi: the action mask marks exactly the useful actions", "[envs][taxi]") {
  tabrl::Taxi env;
  for (int s = 0; s < 500; ++s) {
    const auto mask = tabrl::Taxi::action_mask(s);
    const auto d = tabrl::Taxi::decode(s);
    for (int a = 0; a < 4; ++a) {  // a move is allowed iff it changes the cell
      const auto o = env.transitions(s, a)[0];
      REQUIRE((mask[static_cast<std::size_t>(a)] == 1) == (o.next_state != s));
    }
    REQUIRE((mask[4] == 1) == (d.passenger < 4 && stand_at(d.taxi_row, d.taxi_col) == d.passenger));
    REQUIRE((mask[5] == 1) == (d.passenger == 4 && stand_at(d.taxi_row, d.taxi_col) >= 0));
    REQUIRE((mask[4] == 1) == (env.transitions(s, 4)[0].reward == -1));
  }
}

TEST_CASE("Taxi: resets are uniform over the 300 valid starts, a whole episode by hand", "[envs][taxi]") {
  tabrl::Taxi env;
  std::set<int> starts;
  env.reset(3);
  for (int i = 0; i < 20000; ++i) {
    const int s = env.reset();
    const auto d = tabrl::Taxi::decode(s);
    REQUIRE(d.passenger < 4);
    REQUIRE(d.passenger != d.destination);
    starts.insert(s);
  }
  REQUIRE(starts.size() == 300);
  REQUIRE(tabrl::Taxi().reset(9) == tabrl::Taxi().reset(9));

  // Taxi at (4,4)... pick the passenger at Y (4,0) and bring them to R (0,0).
  tabrl::Taxi t;
  for (std::uint64_t seed = 0;; ++seed) {
    if (t.reset(seed) == tabrl::Taxi::encode(4, 0, 2, 0)) break;
    REQUIRE(seed < 100000);
  }
  REQUIRE(t.step(tabrl::Taxi::dropoff).reward == -10);  // nobody aboard
  REQUIRE(t.step(tabrl::Taxi::pickup).reward == -1);
  REQUIRE(t.step(tabrl::Taxi::east).next_state == tabrl::Taxi::encode(4, 0, 4, 0));  // wall
  for (int i = 0; i < 4; ++i) t.step(tabrl::Taxi::north);
  const auto last = t.step(tabrl::Taxi::dropoff);
  REQUIRE(last == tabrl::StepResult{tabrl::Taxi::encode(0, 0, 0, 0), 20.0, true, false});
  REQUIRE_THROWS_AS(t.step(0), tabrl::LogicError);
  REQUIRE_THROWS_AS(t.step(6), tabrl::InvalidArgument);
}

static_assert(tabrl::Saveable<tabrl::Taxi>);

TEST_CASE("Taxi save/load: the place in the episode comes back", "[envs][taxi][saveable]") {
  REQUIRE(tabrl::Taxi::kind() == "Taxi");
  tabrl::Taxi env;
  const int start = env.reset(17);
  (void)env.step(tabrl::Taxi::north);
  const auto bytes = tabrl::test::saved(env);
  tabrl::Taxi copy = env;
  std::vector<tabrl::StepResult> expected;
  for (int i = 0; i < 12; ++i) expected.push_back(copy.step(i % 6));
  tabrl::Taxi other;
  (void)other.reset(5);
  tabrl::test::load_from(other, bytes);
  for (int i = 0; i < 12; ++i) REQUIRE(other.step(i % 6) == expected[static_cast<std::size_t>(i)]);
  // Resets after a load draw what the saved generator would have drawn.
  tabrl::Taxi again;
  tabrl::test::load_from(again, bytes);
  tabrl::Taxi reference = env;
  REQUIRE(again.reset() == reference.reset());
  (void)start;

  using tabrl::FormatProblem;
  auto cursor = [](std::int32_t state, std::uint8_t done, std::uint8_t started) {
    return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
      w.value(state);
      w.value(done);
      w.value(started);
      for (std::uint64_t i = 1; i <= 4; ++i) w.value(i);
    });
  };
  tabrl::Taxi target;
  (void)target.reset(2);
  tabrl::test::require_truncations_rejected(target, bytes);
  tabrl::test::require_rejected(target, cursor(500, 0, 1), FormatProblem::value,
                                "environment state must be in [0, 500), got 500");
  tabrl::test::require_rejected(target, cursor(3, 1, 2), FormatProblem::value, "episode flags must be 0 or 1");
  tabrl::test::load_from(target, cursor(tabrl::Taxi::encode(0, 0, 4, 0), 0, 1));
  REQUIRE(target.step(tabrl::Taxi::dropoff) == tabrl::StepResult{tabrl::Taxi::encode(0, 0, 0, 0), 20.0, true, false});
}
