// LearningCurveOptions::bands switches the mean +- std bands off.

#include <catch2/catch.hpp>

#include <string>

#include <tabrl/viz/svg.hpp>

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("svg_learning_curve draws bands only when asked", "[viz]") {
  const std::vector<tabrl::viz::CurveSeries> series = {
      {"a", {{1, 2, 3}, {2, 3, 4}}, tabrl::viz::Rgb{1, 2, 3}},
      {"b", {{0, 0, 1}, {1, 1, 1}}, tabrl::viz::Rgb{4, 5, 6}}};
  tabrl::viz::LearningCurveOptions with;
  const auto a = tabrl::viz::svg_learning_curve(series, with);
  REQUIRE(count(a, "class=\"band\"") == 2);
  REQUIRE(count(a, "mean \u00b1 std of 2 runs") == 2);
  tabrl::viz::LearningCurveOptions without;
  without.bands = false;
  const auto b = tabrl::viz::svg_learning_curve(series, without);
  REQUIRE(count(b, "class=\"band\"") == 0);
  REQUIRE(count(b, "(mean of 2 runs)") == 2);
  REQUIRE(count(b, "class=\"mean\"") == 2);
}
