#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tabrl/viz/frame.hpp>
#include <tabrl/viz/svg.hpp>

#include "viz/mini_xml.hpp"

using namespace tabrl::viz;

TEST_CASE("the XML checker rejects malformed documents", "[viz][svg]") {
  const auto good = mini_xml::parse("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; u<!-- c --></a>\n");
  CHECK(good->name == "a");
  CHECK(good->attr("x") == "1");
  CHECK(good->text == "t & u");  // the entity decoded, the comment dropped
  REQUIRE(good->children.size() == 1);
  CHECK(good->children[0]->name == "b");
  CHECK_THROWS(mini_xml::parse("<a><b></a>"));
  CHECK_THROWS(mini_xml::parse("<a x=1/>"));
  CHECK_THROWS(mini_xml::parse("<a x=\"1\"y=\"2\"/>"));
  CHECK_THROWS(mini_xml::parse("<a>1 < 2</a>"));
  CHECK_THROWS(mini_xml::parse("<a>&nbsp;</a>"));
  CHECK_THROWS(mini_xml::parse("<a/><b/>"));
  CHECK_THROWS(mini_xml::parse("<a>"));
  CHECK_THROWS(mini_xml::parse("<a x=\"1\" x=\"2\"/>"));
}

TEST_CASE("svg_heatmap: well-formed, one cell per state with its value and colour", "[viz][svg]") {
  std::vector<std::int64_t> counts(48);
  for (int s = 0; s < 48; ++s) counts[static_cast<std::size_t>(s)] = s * 10;
  SvgHeatmapOptions o;
  o.title = "visits <&> \"quoted\"";
  o.colorbar_label = "visits";
  const std::string svg = svg_heatmap(std::span<const std::int64_t>(counts), 4, 12, o);
  const auto root = mini_xml::parse(svg);
  CHECK(root->name == "svg");
  const auto cells = root->find("rect", "cell");
  REQUIRE(cells.size() == 48);
  const auto labels = root->find("text", "value");
  REQUIRE(labels.size() == 48);
  for (int s = 0; s < 48; ++s) {
    const auto& cell = *cells[static_cast<std::size_t>(s)];
    CHECK(cell.attr("data-state") == std::to_string(s));
    CHECK(cell.attr("data-value") == std::to_string(s * 10));
    CHECK(labels[static_cast<std::size_t>(s)]->text == std::to_string(s * 10));
    CHECK(cell.attr("fill") == to_hex(colormap(s / 47.0)));
  }
  CHECK(cells.front()->attr("fill") == "#440154");
  CHECK(cells.back()->attr("fill") == "#fde725");
  // Cells tile the grid row by row.
  CHECK(cells[13]->attr("x") == cells[1]->attr("x"));
  CHECK(cells[13]->attr("y") == cells[12]->attr("y"));
  CHECK(root->find("text", "title").front()->text == "visits <&> \"quoted\"");
  CHECK(root->find("rect", "colorbar").size() == 1);
  CHECK(root->find("stop").size() == 17);
  const auto ticks = root->find("text", "tick");
  REQUIRE(ticks.size() >= 3);
  CHECK(ticks.front()->text == "0");
  CHECK(ticks.back()->text == "400");
}

TEST_CASE("svg_heatmap: explicit range and decimals", "[viz][svg]") {
  const std::vector<double> v{-13.0, -1.5, 0.0, 2.25};
  SvgHeatmapOptions o;
  o.lo = -13;
  o.hi = 0;
  o.precision = 1;
  const auto root = mini_xml::parse(svg_heatmap(std::span<const double>(v), 2, 2, o));
  const auto cells = root->find("rect", "cell");
  REQUIRE(cells.size() == 4);
  CHECK(cells[0]->attr("data-value") == "-13.0");
  CHECK(cells[1]->attr("data-value") == "-1.5");
  CHECK(cells[3]->attr("data-value") == "2.2");  // 2.25 rounds to even
  CHECK(cells[0]->attr("fill") == "#440154");
  CHECK(cells[2]->attr("fill") == "#fde725");
  CHECK(cells[3]->attr("fill") == "#fde725");  // above hi: clamped
}

TEST_CASE("curve_stats: mean, sample std and trailing moving average", "[viz][svg]") {
  CurveSeries s{"x", {{0, 2, 4, 6}, {2, 2, 8, 10}}, {}};
  const CurveStats st = curve_stats(s, 2);
  CHECK(st.mean == std::vector<double>{1, 2, 6, 8});
  REQUIRE_THAT(st.std[0], Catch::Matchers::WithinAbs(std::sqrt(2.0), 1e-12));
  CHECK(st.std[1] == 0.0);
  REQUIRE_THAT(st.std[3], Catch::Matchers::WithinAbs(std::sqrt(8.0), 1e-12));
  CHECK(st.moving_average == std::vector<double>{1, 1.5, 4, 7});
  CHECK_THROWS_WITH(curve_stats(CurveSeries{"y", {{1, 2}, {1}}, {}}, 2),
                    "tabrl::viz::curve_stats: every run must have 2 episodes, got 1");
}

TEST_CASE("svg_learning_curve: bands only for multi-run series, one point per episode", "[viz][svg]") {
  std::vector<CurveSeries> series{{"online", {{-100, -50, -20, -13}, {-80, -40, -13, -13}}, Rgb{200, 80, 30}},
                                  {"replay", {{-60, -13, -13, -13}}, Rgb{30, 80, 200}}};
  LearningCurveOptions o;
  o.title = "returns";
  o.window = 2;
  const auto root = mini_xml::parse(svg_learning_curve(series, o));
  CHECK(root->find("polygon", "band").size() == 1);
  const auto means = root->find("polyline", "mean");
  const auto mas = root->find("polyline", "moving-average");
  REQUIRE(means.size() == 2);
  REQUIRE(mas.size() == 2);
  auto count_points = [](const std::string& pts) {
    std::istringstream in(pts);
    std::string p;
    int n = 0;
    while (in >> p) ++n;
    return n;
  };
  CHECK(count_points(means[0]->attr("points")) == 4);
  CHECK(count_points(mas[1]->attr("points")) == 4);
  CHECK(count_points(root->find("polygon", "band")[0]->attr("points")) == 8);
  CHECK(means[0]->attr("stroke") == "#c8501e");
  const auto legend = root->find("text", "legend-entry");
  REQUIRE(legend.size() == 2);
  CHECK(legend[0]->text == "online (mean \u00b1 std of 2 runs)");
  CHECK(legend[1]->text == "replay");
}

TEST_CASE("svg_learning_curve: the clipped axis is announced", "[viz][svg]") {
  LearningCurveOptions o;
  o.y_min = -200;
  const std::vector<double> r{-5000, -300, -20, -13};
  const auto root = mini_xml::parse(svg_learning_curve(r, o));
  CHECK(root->find("text", "note")[0]->text.find("clipped") != std::string::npos);
  o.y_min = -6000;
  const auto unclipped = mini_xml::parse(svg_learning_curve(r, o));
  CHECK(unclipped->find("text", "note")[0]->text.find("clipped") == std::string::npos);
}

TEST_CASE("svg_policy: an arrow per unmarked cell with its action, marks elsewhere", "[viz][svg]") {
  std::vector<int> actions(48, 1);
  for (int s = 0; s < 48; s += 5) actions[static_cast<std::size_t>(s)] = s % 4;
  SvgPolicyOptions o;
  o.marks = cliff_walking_marks();
  o.fills = cliff_walking_fills();
  o.path = {36, 24, 25, 47};  // the goal is marked: it keeps its fill, no highlight
  const auto root = mini_xml::parse(svg_policy(actions, 4, 12, o));
  CHECK(root->find("rect", "cell").size() == 48);
  const auto arrows = root->find("path", "arrow");
  REQUIRE(arrows.size() == 48 - 11);  // 10 cliff cells and the goal carry marks
  for (const auto* a : arrows) {
    const int s = std::stoi(a->attr("data-state"));
    CHECK(a->attr("data-action") == std::to_string(actions[static_cast<std::size_t>(s)]));
    CHECK_FALSE(tabrl::CliffWalking::is_cliff(s));
  }
  const auto marks = root->find("text", "mark");
  REQUIRE(marks.size() == 11);
  CHECK(marks.back()->text == "G");
  CHECK(root->find("rect", "path").size() == 3);
  CHECK(root->find("rect", "cell")[40]->attr("fill") == to_hex(FrameStyle{}.cliff));
}

TEST_CASE("write_text_file writes exactly the text and reports failure", "[viz][svg]") {
  const std::string path = "tabrl_viz_write_text_test.svg";
  write_text_file(path, "<svg/>\n");
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  CHECK(buf.str() == "<svg/>\n");
  std::remove(path.c_str());
  CHECK_THROWS_AS(write_text_file("/nonexistent-dir/x.svg", "x"), tabrl::Error);
}
