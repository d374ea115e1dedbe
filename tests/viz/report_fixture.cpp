// report_fixture DIR [--env cliff|taxi]: trains the notebook's run (Q-learning with a replay
// memory of 2000, batch 32, gamma 1, alpha 0.9, epsilon 0.1, 100 episodes, seed 7) and writes
// its --out folder with viz::write_run_outputs, for the browser test (report_browser_test.py)
// to open report.html and compare what the page shows with the CSV files beside it.

#include <cstdio>
#include <exception>
#include <string>

#include <tabrl/tabrl.hpp>
#include <tabrl/viz/run_outputs.hpp>

namespace {

template <class Env>
int write(const std::string& dir, Env& env, int states, int actions, int episodes) {
  const tabrl::TDOptions notebook{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
  tabrl::QLearningAgent<> agent(states, actions, notebook);
  tabrl::ReplayMemory<> memory(2000);
  const tabrl::TrainOptions options{.episodes = episodes, .batch_size = 32, .seed = 7};
  const tabrl::TrainingLog log = tabrl::train(agent, env, memory, options);
  tabrl::Rng rng(tabrl::derive_seed(options.seed, 0xE7A1));
  const tabrl::Rollout rollout = tabrl::greedy_rollout(agent, env, rng, 100);
  tabrl::viz::RunCaption caption{"q-learning + uniform replay (report fixture)", options.seed};
  caption.settings = {{"agent", "q"}, {"replay", "uniform"}, {"episodes", std::to_string(episodes)}};
  const auto written = tabrl::viz::write_run_outputs(dir, env, log, agent.q_values().cast<double>(),
                                                     agent.greedy_policy(), rollout, caption);
  for (const auto& f : written.files) std::printf("%s\n", f.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_fixture DIR [--env cliff|taxi]\n");
    return 2;
  }
  try {
    const std::string env = argc >= 4 ? argv[3] : "cliff";
    if (env == "taxi") {
      auto taxi = tabrl::make_taxi();
      return write(argv[1], taxi, tabrl::Taxi::num_states(), tabrl::Taxi::num_actions(), 300);
    }
    tabrl::CliffWalking cliff;
    return write(argv[1], cliff, tabrl::CliffWalking::num_states(), 4, 100);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "report_fixture: %s\n", e.what());
    return 1;
  }
}
