#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <tabrl/viz/frame.hpp>
#include <tabrl/viz/terminal.hpp>

using namespace tabrl::viz;

TEST_CASE("use_color: only on a terminal, without NO_COLOR and without --no-color", "[viz][terminal]") {
  CHECK(use_color(true, nullptr, false));
  CHECK(use_color(true, "", false));  // NO_COLOR set but empty does not count (no-color.org)
  CHECK_FALSE(use_color(true, "1", false));
  CHECK_FALSE(use_color(true, nullptr, true));
  CHECK_FALSE(use_color(false, nullptr, false));
  CHECK_FALSE(use_color(false, "", false));
}

TEST_CASE("stdout under ctest is not a terminal, so no colour is chosen", "[viz][terminal]") {
  // ctest captures output through a pipe.
  if (!is_terminal(stdout)) CHECK_FALSE(stdout_use_color());
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  CHECK_FALSE(is_terminal(f));
  std::fclose(f);
}

TEST_CASE("plain heatmap_text has aligned values and no escape codes", "[viz][terminal]") {
  const std::vector<std::int64_t> counts{1, 20, 300, 4, 5, 6};
  const std::string text = heatmap_text(std::span<const std::int64_t>(counts), 2, 3);
  CHECK(text == "  1  20 300\n  4   5   6\n");
  CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("heatmap_text picks decimals and honours marks", "[viz][terminal]") {
  const std::vector<double> v{-1.25, 0.5, 2.0, 3.0};
  CHECK(heatmap_text(std::span<const double>(v), 2, 2) == "-1.2  0.5\n 2.0  3.0\n");
  TextHeatmapOptions o;
  o.precision = 2;
  o.marks = {"", "", "G", ""};
  CHECK(heatmap_text(std::span<const double>(v), 2, 2, o) == "-1.25  0.50\n    G  3.00\n");
}

TEST_CASE("coloured heatmap_text uses 24-bit colour-map backgrounds", "[viz][terminal]") {
  const std::vector<double> v{0.0, 10.0};
  TextHeatmapOptions o;
  o.color = true;
  const std::string text = heatmap_text(std::span<const double>(v), 1, 2, o);
  // Low end #440154 = (68, 1, 84) with white text, high end #fde725 = (253, 231, 37) with black.
  CHECK(text == "\x1b[48;2;68;1;84m\x1b[38;2;255;255;255m  0 \x1b[0m"
                "\x1b[48;2;253;231;37m\x1b[38;2;0;0;0m 10 \x1b[0m\n");
}

TEST_CASE("heatmap_text rejects a grid of the wrong size", "[viz][terminal]") {
  const std::vector<double> v(5, 0.0);
  CHECK_THROWS_WITH(heatmap_text(std::span<const double>(v), 2, 3),
                    "tabrl::viz::heatmap_text: values must have rows * cols = 6 entries, got 5");
}

TEST_CASE("policy_text draws ASCII arrows and CliffWalking marks", "[viz][terminal]") {
  std::vector<int> actions(48, 1);
  actions[36] = 0;
  const auto marks = cliff_walking_marks();
  const std::string text = policy_text(actions, 4, 12, marks);
  CHECK(text ==
        "> > > > > > > > > > > >\n"
        "> > > > > > > > > > > >\n"
        "> > > > > > > > > > > >\n"
        "^ C C C C C C C C C C G\n");
  CHECK(text.find('\x1b') == std::string::npos);
  const std::string fancy = policy_text(actions, 4, 12, marks, true);
  CHECK(fancy.find("\u2192") != std::string::npos);
  CHECK(fancy.find("\x1b[48;2;") != std::string::npos);
}

TEST_CASE("side_by_side pads by visible width, ignoring escape codes", "[viz][terminal]") {
  CHECK(side_by_side("ab\nc\n", "X\nY\nZ\n", 2) == "ab  X\nc   Y\n    Z\n");
  CHECK(side_by_side("\x1b[1mab\x1b[0m\n", "X\n", 1) == "\x1b[1mab\x1b[0m X\n");
}

TEST_CASE("max_q takes the row maxima of a Q table", "[viz][terminal]") {
  tabrl::QTable<> q(2, 3);
  q << 1, -2, 5, -7, -3, -4;
  CHECK(max_q(q) == std::vector<double>{5, -3});
}
