#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include <tabrl/tabrl.hpp>
#include <tabrl/viz/progress.hpp>

using tabrl::viz::ProgressBar;
using tabrl::viz::progress_line;

namespace {
std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

tabrl::TrainingLog train_with(ProgressBar& bar, int episodes) {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(2000);
  return tabrl::train(agent, env, memory, {.episodes = episodes, .batch_size = 32, .seed = 3}, bar);
}
}  // namespace

TEST_CASE("progress_line shows episodes, rate and recent mean return", "[viz][progress]") {
  CHECK(progress_line(25, 100, 12345.0, -25.34, 10, 8) ==
        "[##------]  25/100 episodes   12.3k steps/s  mean return (last 10)    -25.3");
  CHECK(progress_line(3, 3, 2.5e6, -13, 5, 4) == "[####] 3/3 episodes    2.5M steps/s  mean return (last 5)    -13.0");
  CHECK(progress_line(0, 7, 950, 0, 10, 2) == "[--] 0/7 episodes     950 steps/s  mean return (last 10)      0.0");
}

TEST_CASE("a disabled progress bar writes nothing", "[viz][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  ProgressBar bar(false, f);
  const auto log = train_with(bar, 5);
  CHECK(log.returns.size() == 5);
  CHECK(bar.redraws() == 0);
  CHECK(read_all(f).empty());
  std::fclose(f);
}

TEST_CASE("for_stdout is off in json mode and when stdout is not a terminal", "[viz][progress]") {
  CHECK_FALSE(ProgressBar::for_stdout(true).enabled());
  if (!tabrl::viz::is_terminal(stdout)) CHECK_FALSE(ProgressBar::for_stdout(false).enabled());
}

TEST_CASE("an enabled progress bar redraws in place and ends its line", "[viz][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  ProgressBar bar(true, f, 10, 0.0);  // no rate limit: one redraw per episode
  const auto log = train_with(bar, 4);
  CHECK(bar.redraws() == 4);
  const std::string out = read_all(f);
  CHECK(std::count(out.begin(), out.end(), '\r') == 4);
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(out.back() == '\n');
  CHECK(out.find("4/4 episodes") != std::string::npos);
  CHECK(out.find(fmt::format("{:.1f}", log.mean_return_last(10))) != std::string::npos);
  std::fclose(f);
}

TEST_CASE("a rate-limited progress bar still draws the last episode", "[viz][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  ProgressBar bar(true, f, 10, 3600.0);
  (void)train_with(bar, 6);
  CHECK(bar.redraws() == 2);  // the first episode and the last
  CHECK(read_all(f).find("6/6 episodes") != std::string::npos);
  std::fclose(f);
}
