// Schedule: constant, linear and exponential values, exact messages for bad settings.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include <tabrl/schedule.hpp>

using Catch::Matchers::WithinAbs;

TEST_CASE("Schedule: constant, linear and exponential values", "[schedule]") {
  const auto c = tabrl::Schedule::constant(0.3);
  REQUIRE(c.kind() == tabrl::Schedule::Kind::constant);
  REQUIRE(c(0) == 0.3);
  REQUIRE(c(1000) == 0.3);
  REQUIRE(c(-5) == 0.3);

  const auto l = tabrl::Schedule::linear(1.0, 0.1, 10);
  REQUIRE(l.kind() == tabrl::Schedule::Kind::linear);
  REQUIRE(l(0) == 1.0);
  REQUIRE_THAT(l(5), WithinAbs(0.55, 1e-15));
  REQUIRE(l(3) == 1.0 + (0.1 - 1.0) * 0.3);  // start + (end - start) * t / duration
  REQUIRE(l(9) == 1.0 + (0.1 - 1.0) * 0.9);
  REQUIRE(l(10) == 0.1);  // exactly `end` from the duration on
  REQUIRE(l(99) == 0.1);
  REQUIRE(l(-4) == 1.0);  // t < 0 is t = 0
  const auto up = tabrl::Schedule::linear(-2.0, 6.0, 4);
  REQUIRE(up(1) == 0.0);
  REQUIRE(up(3) == 4.0);
  REQUIRE(up(4) == 6.0);

  const auto e = tabrl::Schedule::exponential(1.0, 0.05, 0.5);
  REQUIRE(e.kind() == tabrl::Schedule::Kind::exponential);
  REQUIRE(e(0) == 1.0);
  REQUIRE_THAT(e(1), WithinAbs(0.05 + 0.95 * 0.5, 1e-15));
  REQUIRE(e(3) == 0.05 + 0.95 * 0.125);
  REQUIRE_THAT(e(60), WithinAbs(0.05, 1e-15));
  REQUIRE(e(-1) == 1.0);
  REQUIRE(tabrl::Schedule::exponential(2.0, 0.0, 1.0)(50) == 2.0);  // rate 1 stays at start
}

TEST_CASE("Schedule: bad settings throw with exact messages", "[schedule]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(1, 0, 0),
                      "tabrl::Schedule::linear: duration must be >= 1, got 0");
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(1, 0, -3),
                      "tabrl::Schedule::linear: duration must be >= 1, got -3");
  REQUIRE_NOTHROW(tabrl::Schedule::linear(1, 0, 1));
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(nan, 0, 3),
                      "tabrl::Schedule::linear: start must be finite, got nan");
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(0, inf, 3),
                      "tabrl::Schedule::linear: end must be finite, got inf");
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(1, 0, 1.5),
                      "tabrl::Schedule::exponential: rate must be in (0, 1], got 1.5");
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(1, 0, 0.0),
                      "tabrl::Schedule::exponential: rate must be in (0, 1], got 0");
  REQUIRE_THROWS_AS(tabrl::Schedule::exponential(1, 0, nan), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(-inf, 0, 0.5),
                      "tabrl::Schedule::exponential: start must be finite, got -inf");
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(1, nan, 0.5),
                      "tabrl::Schedule::exponential: end must be finite, got nan");
  REQUIRE_THROWS_WITH(tabrl::Schedule::constant(nan),
                      "tabrl::Schedule::constant: value must be finite, got nan");
  // A span that overflows (1e308 to -1e308 would interpolate through -inf) is refused.
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(1e308, -1e308, 3),
                      Catch::StartsWith("tabrl::Schedule::linear: end - start must be finite, got -inf"));
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(-1e308, 1e308, 0.5),
                      Catch::StartsWith("tabrl::Schedule::exponential: start - end must be finite, got -inf"));
  REQUIRE(tabrl::Schedule::linear(1e308, 0.0, 2)(1) == 5e307);
}
