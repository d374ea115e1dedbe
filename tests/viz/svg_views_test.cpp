// The picture fixes of issue 18: legends off the data, a symmetric-log axis and standard-error
// bands that show replay's first episodes, marked and labelled heatmaps, the policy's start.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <tabrl/viz/svg.hpp>

#include "viz/mini_xml.hpp"

using namespace tabrl::viz;

namespace {
double num(const mini_xml::Node* n, const char* key) { return std::stod(n->attr(key)); }
}  // namespace

TEST_CASE("learning curve: the legend sits above the plot and names both lines", "[viz][svg]") {
  std::vector<double> r(50);
  for (std::size_t e = 0; e < r.size(); ++e) r[e] = -13.0 - 1000.0 / static_cast<double>(e + 1);
  const auto root = mini_xml::parse(svg_learning_curve(r));
  const auto frame = root->find("rect", "frame");
  REQUIRE(frame.size() == 1);
  const double plot_top = num(frame[0], "y");
  const auto entries = root->find("text", "legend-entry");
  const auto keys = root->find("text", "legend-key");
  REQUIRE(entries.size() == 1);
  REQUIRE(keys.size() == 1);
  CHECK(entries[0]->text == "return per episode");  // the thin line
  CHECK(keys[0]->text == "10-episode moving average");  // the thick one
  for (const auto* t : {entries[0], keys[0]}) CHECK(num(t, "y") < plot_top);
  CHECK(root->find("rect", "legend").empty());  // no box over the data
}

TEST_CASE("learning curve: symmetric log axis and standard-error bands from summaries",
          "[viz][svg]") {
  CHECK(detail::symlog(0) == 0.0);
  CHECK(detail::symlog(-9) == Approx(-1.0));
  CHECK(detail::symlog(99) == Approx(2.0));
  CHECK(detail::symlog_ticks(-5000, -13) ==
        std::vector<double>{-3000, -1000, -300, -100, -30});
  CHECK(detail::symlog_ticks(-1, 1) == std::vector<double>{-1, 0, 1});
  CHECK(detail::symlog_ticks(-1e9, 1e9) ==
        std::vector<double>{-1e9, -1e6, -1e3, -1, 0, 1, 1e3, 1e6, 1e9});  // every third power
  CHECK(detail::symlog_ticks(-5e4, 0) == std::vector<double>{-1e4, -1e3, -100, -10, -1, 0});

  // Two summaries (a sweep's mean, sd and count): se = sd / sqrt(count).
  CurveSeries online{"online", {}, Rgb{0xd9, 0x54, 0x1e}, {-2000, -500, -100, -30}, {900, 400, 90, 20}, 25};
  CurveSeries replay{"replay", {}, Rgb{0x1f, 0x4e, 0xc8}, {-2000, -60, -13, -13}, {900, 50, 0, 0}, 25};
  const CurveStats st = curve_stats(online, 2);
  CHECK(st.runs == 25);
  CHECK(st.se[1] == Approx(80.0));
  CHECK(st.moving_average[1] == Approx(-1250.0));
  LearningCurveOptions o;
  o.window = 2;
  o.band = Band::standard_error;
  o.y_scale = AxisScale::symlog;
  const std::vector<CurveSeries> both{online, replay};
  const auto root = mini_xml::parse(svg_learning_curve(both, o));
  const auto bands = root->find("polygon", "band");
  REQUIRE(bands.size() == 2);  // replay's sd is 0 after episode 1, but it still has a band
  CHECK(root->find("polyline", "band-edge").size() == 4);
  const auto entries = root->find("text", "legend-entry");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]->text == "online (mean \u00b1 s.e. of 25 runs)");
  CHECK(root->find("text", "note")[0]->text == "y on a symmetric log scale");
  std::vector<std::string> ticks;
  for (const auto* t : root->find("text", "tick")) ticks.push_back(t->text);
  CHECK(std::find(ticks.begin(), ticks.end(), "-1000") != ticks.end());
  CHECK(std::find(ticks.begin(), ticks.end(), "-30") != ticks.end());
  // Replay's episode 3 (-13) is drawn above online's (-100): higher return, higher on the page.
  const auto means = root->find("polyline", "mean");
  auto y_of = [](const mini_xml::Node* line, int e) {
    std::istringstream in(line->attr("points"));
    std::string p;
    for (int i = 0; i <= e; ++i) in >> p;
    return std::stod(p.substr(p.find(',') + 1));
  };
  CHECK(y_of(means[1], 2) < y_of(means[0], 2) - 40);
  CurveSeries bad{"x", {}, Rgb{}, {1, 2}, {1}, 3};
  CHECK_THROWS_WITH(curve_stats(bad, 1), Catch::Contains("sd must be empty or have 2 episodes, got 1"));
  bad.sd.clear();
  bad.count = 0;
  CHECK_THROWS_WITH(curve_stats(bad, 1), Catch::Contains("count must be >= 1, got 0"));
}

TEST_CASE("heatmap: corner marks, row and column numbers, the marks' note, policy start",
          "[viz][svg]") {
  const std::vector<double> v{0, 1, 2, 3, 4, 5};
  SvgHeatmapOptions h;
  h.marks = {"S", "", "", "", "", "G"};
  h.marks_note = "S start, G goal";
  h.id_prefix = "a-";
  const std::string svg = svg_heatmap(std::span<const double>(v), 2, 3, h);
  const auto root = mini_xml::parse(svg);
  const auto marks = root->find("text", "mark");
  REQUIRE(marks.size() == 2);
  CHECK(marks[0]->attr("data-state") == "0");
  CHECK(marks[1]->text == "G");
  CHECK(root->find("text", "row-label").size() == 2);
  CHECK(root->find("text", "col-label").size() == 3);
  CHECK(root->find("text", "marks-note")[0]->text == "S start, G goal");
  CHECK(svg.find("id=\"a-colorbar\"") != std::string::npos);
  CHECK(svg.find("url(#a-colorbar)") != std::string::npos);
  h.marks = {"S"};
  CHECK_THROWS_WITH(svg_heatmap(std::span<const double>(v), 2, 3, h),
                    Catch::Contains("marks must be empty or have one entry per state, got 1"));
  h.marks.clear();
  h.axis_labels = false;
  CHECK(mini_xml::parse(svg_heatmap(std::span<const double>(v), 2, 3, h))->find("text", "row-label").empty());

  std::vector<int> actions(6, 1);
  SvgPolicyOptions p;
  p.start = 3;
  const auto pol = mini_xml::parse(svg_policy(actions, 2, 3, p));
  const auto start = pol->find("text", "start-mark");
  REQUIRE(start.size() == 1);
  CHECK(start[0]->attr("data-state") == "3");
  CHECK(pol->find("path", "arrow").size() == 6);  // the start keeps its arrow
  p.start = 6;
  CHECK_THROWS_WITH(svg_policy(actions, 2, 3, p), Catch::Contains("start must be -1 or in [0, 6), got 6"));
}
