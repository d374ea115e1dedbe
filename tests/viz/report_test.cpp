#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tabrl/envs/make.hpp>
#include <tabrl/envs/maze.hpp>
#include <tabrl/viz/report.hpp>
#include <tabrl/viz/run_outputs.hpp>

#include "cliff_path.hpp"

using namespace tabrl::viz;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// The JSON the page's script reads.
nlohmann::json report_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto a = html.find(open);
  REQUIRE(a != std::string::npos);
  const auto b = html.find("</script>", a);
  return nlohmann::json::parse(html.substr(a + open.size(), b - a - open.size()));
}

// A finished CliffWalking run, made up (no training): 3 episodes, the optimal rollout.
struct CliffRun {
  tabrl::CliffWalking env;
  tabrl::TrainingLog log;
  tabrl::QTable<double> q = tabrl::QTable<double>::Zero(48, 4);
  Eigen::VectorXi greedy = Eigen::VectorXi::Ones(48);
  tabrl::Rollout rollout;
  CliffRun() {
    log.returns = {-2000.5, -120, -13};
    log.lengths = {1500, 120, 13};
    log.visit_counts.assign(48, 0);
    for (int s = 0; s < 48; ++s) log.visit_counts[static_cast<std::size_t>(s)] = s * 3;
    log.env_steps = 1633;
    log.updates = 1600;
    log.seconds = 98765.4321;
    greedy[36] = 0;
    greedy[35] = 2;
    rollout = tabrl::test::optimal_cliff_path();
  }
};

}  // namespace

TEST_CASE("report helpers: base64, JSON strings safe inside <script>", "[viz][report]") {
  using tabrl::viz::detail::base64;
  CHECK(base64("").empty());
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64(std::string("\xff\x00\x80", 3)) == "/wCA");
  std::string j;
  tabrl::viz::detail::append_json_string(j, "a\"b\\c\n</script><!--&\x01");
  CHECK(j == "\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u003c!--\\u0026\\u0001\"");
  CHECK(nlohmann::json::parse(j).get<std::string>() == "a\"b\\c\n</script><!--&\x01");
  j.clear();
  tabrl::viz::detail::append_json_numbers(j, {1.5, -13, NAN, INFINITY});
  CHECK(j == "[1.5,-13,null,null]");
}

TEST_CASE("html_run_report: one page, inline pictures, the data the script reads",
          "[viz][report]") {
  RunReport r;
  r.title = "a <run> & more";
  r.tables = {{"Settings", {{"alpha", "0.9"}, {"note", "<b>"}}}};
  r.heatmap.svg = svg_heatmap(std::span<const double>(std::vector<double>{1, 2, 3, 4}), 2, 2);
  r.heatmap.rows = 2;
  r.heatmap.cols = 2;
  r.heatmap.values = {1, 2, 3, 4};
  r.heatmap.marks = {"S", "", "", "G"};
  r.curve.svg = svg_learning_curve(std::vector<double>{-5, -3});
  r.curve.curves = {{"return", {-5, -3}, {-5, -4}, {}}};
  r.rollout.cells = {0, 1, 3};
  r.rollout.captions = {"step 0/2", "step 1/2", "step 2/2"};
  r.rollout.grid_target = "heatmap";
  r.rollout.gif = "GIF89a";
  r.files = {"returns.csv"};
  const std::string html = html_run_report(r, 3, 2);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html, "<title>a &lt;run&gt; &amp; more</title>") == 1);
  CHECK(count(html, "<td>&lt;b&gt;</td>") == 1);
  CHECK(count(html, "<?xml") == 0);  // SVGs inlined without their declarations
  CHECK(count(html, "class=\"cell\"") == 4);
  CHECK(count(html, "src=\"data:image/gif;base64,R0lGODlh\"") == 1);
  CHECK(count(html, "<a href=\"returns.csv\">") == 1);
  CHECK(count(html, "id=\"status\" data-status=\"no-script\"") == 1);
  CHECK(count(html, "max=\"2\"") == 1);  // the slider's last step
  // Nothing from the network: the only URL is the SVG namespace.
  CHECK(count(html, "http://") == count(html, "http://www.w3.org/2000/svg"));
  CHECK(count(html, "https://") == 0);
  const auto data = report_data(html);
  REQUIRE(data["grids"].size() == 1);
  CHECK(data["grids"][0]["id"] == "heatmap");
  CHECK(data["grids"][0]["probe"] == 3);
  CHECK(data["grids"][0]["grid"]["values"] == nlohmann::json({1, 2, 3, 4}));
  CHECK(data["grids"][0]["grid"]["marks"][3] == "G");
  CHECK(data["charts"][0]["probe"] == 2);
  CHECK(data["charts"][0]["chart"]["curves"][0]["moving_average"] == nlohmann::json({-5, -4}));
  CHECK(data["rollout"]["cells"] == nlohmann::json({0, 1, 3}));
  CHECK(data["rollout"]["grid_target"] == "heatmap");
}

TEST_CASE("write_run_outputs: every file for CliffWalking, the same bytes twice",
          "[viz][report]") {
  const CliffRun run;
  RunCaption caption{"test run", 7};
  caption.settings = {{"agent", "q"}, {"alpha", "0.9"}};
  const fs::path a = fs::temp_directory_path() / "tabrl_run_outputs_a";
  const fs::path b = fs::temp_directory_path() / "tabrl_run_outputs_b";
  fs::remove_all(a);
  fs::remove_all(b);
  const WrittenOutputs wa = write_run_outputs(a, run.env, run.log, run.q, run.greedy, run.rollout, caption);
  const WrittenOutputs wb = write_run_outputs(b, run.env, run.log, run.q, run.greedy, run.rollout, caption);
  std::vector<std::string> want{"returns.csv", "visit_counts.csv", "q.npy", "learning_curve.svg",
                                "visit_counts.svg", "policy.svg"};
  if (gif_available) want.emplace_back("rollout.gif");
  if (mp4_available) want.emplace_back("rollout.mp4");
  want.emplace_back("report.html");
  CHECK(wa.files == want);
  CHECK(wa.skipped.size() == (gif_available ? 0U : 1U) + (mp4_available ? 0U : 1U));
  CHECK(wa.seconds.size() >= 4);
  for (const auto& f : wa.files) {
    INFO(f);
    CHECK(read_text(a / f) == read_text(b / f));  // deterministic, the report included
  }
  const std::string html = read_text(a / "report.html");
  CHECK(count(html, "<td>0.9</td>") == 1);
  CHECK(count(html, "98765") == 0);  // the training time stays out: same bytes every run
  const auto data = report_data(html);
  REQUIRE(data["grids"].size() == 2);
  CHECK(data["grids"][0]["grid"]["values"][47] == 141);
  CHECK(data["grids"][0]["probe"] == 36);
  CHECK(data["rollout"]["grid_target"] == "policy");
  CHECK(data["rollout"]["cells"].size() == 14);
  CHECK(data["rollout"]["captions"][13] == "step 13/13  down  return -13, done");
  const std::string heat = read_text(a / "visit_counts.svg");
  CHECK(count(heat, "class=\"mark\"") == 12);  // S, G and 10 cliff cells
  CHECK(count(heat, "class=\"row-label\"") == 4);
  CHECK(count(heat, "class=\"col-label\"") == 12);
  CHECK(count(heat, "S start, G goal, C cliff") == 1);
  const std::string policy = read_text(a / "policy.svg");
  CHECK(count(policy, "class=\"start-mark\" data-state=\"36\"") == 1);
  const std::string curve = read_text(a / "learning_curve.svg");
  CHECK(count(curve, "y on a symmetric log scale") == 1);
  CHECK(count(curve, ">return per episode<") == 1);
  CHECK(count(curve, ">10-episode moving average<") == 1);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("write_run_outputs: Taxi, a maze and an environment tabrl cannot draw",
          "[viz][report]") {
  const fs::path dir = fs::temp_directory_path() / "tabrl_run_outputs_envs";
  fs::remove_all(dir);
  {
    const auto taxi = tabrl::make_taxi();
    tabrl::TrainingLog log;
    log.returns = {-200, 5};
    log.lengths = {200, 15};
    log.visit_counts.assign(500, 1);
    tabrl::Rollout r;
    r.states = {tabrl::Taxi::encode(2, 2, 0, 1), tabrl::Taxi::encode(1, 2, 0, 1)};
    r.actions = {1};
    r.total_return = -1;
    const auto w = write_run_outputs(dir / "taxi", taxi, log, tabrl::QTable<double>::Zero(500, 6),
                                     Eigen::VectorXi::Zero(500), r, {"taxi", 1});
    CHECK(std::find(w.files.begin(), w.files.end(), "policy.svg") == w.files.end());
    CHECK(std::find(w.files.begin(), w.files.end(), "report.html") != w.files.end());
    const auto data = report_data(read_text(dir / "taxi" / "report.html"));
    CHECK(data["grids"].size() == 1);
    CHECK(data["grids"][0]["grid"]["cell_name"] == "taxi cell");
    CHECK(data["grids"][0]["grid"]["values"][12] == 20);
    CHECK(data["rollout"]["grid_target"] == "heatmap");
    CHECK(data["rollout"]["cells"] == nlohmann::json({12, 7}));
  }
  {
    const auto maze = tabrl::GridMaze::dyna_maze();
    tabrl::TrainingLog log;
    log.returns = {1};
    log.lengths = {14};
    log.visit_counts.assign(54, 2);
    tabrl::Rollout r;
    r.states = {maze.layout().start};
    const auto w = write_run_outputs(dir / "maze", maze, log, tabrl::QTable<double>::Zero(54, 4),
                                     Eigen::VectorXi::Zero(54), r, {"maze", 1});
    CHECK(std::find(w.files.begin(), w.files.end(), "policy.svg") != w.files.end());
    const std::string policy = read_text(dir / "maze" / "policy.svg");
    CHECK(count(policy, ">#</text>") == maze.layout().walls.size());
  }
  {
    // A two-state chain tabrl has no pictures for: CSVs, q.npy, the curve and the report.
    struct Chain {
      int s = 0;
      [[nodiscard]] static int num_states() { return 2; }
      [[nodiscard]] static int num_actions() { return 1; }
    };
    tabrl::TrainingLog log;
    log.returns = {1, 1};
    log.lengths = {1, 1};
    log.visit_counts = {2, 2};
    tabrl::Rollout r;
    r.states = {0, 1};
    r.actions = {0};
    const auto w = write_run_outputs(dir / "chain", Chain{}, log, tabrl::QTable<double>::Zero(2, 1),
                                     Eigen::VectorXi::Zero(2), r, {"chain", 1});
    CHECK(w.files == std::vector<std::string>{"returns.csv", "visit_counts.csv", "q.npy",
                                              "learning_curve.svg", "report.html"});
    REQUIRE(w.skipped.size() == 1);
    CHECK_THAT(w.skipped[0], Catch::Contains("tabrl cannot draw this environment"));
  }
  fs::remove_all(dir);
}
