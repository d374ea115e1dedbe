// Observers: hooks that return void or Control, ObserverList / observe() calling several in
// order, a stop from any of them, and what the loops do with it.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "training/observe_clang.hpp"  // first: see the LIBRARY BUG note there

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/observers.hpp>
#include <tabrl/training/train.hpp>
#include <tabrl/training/train_online.hpp>

namespace {
// Logs "<id>s" on every step and "<id>e" on every episode end; asks to stop at the given
// step or episode (counting its own calls from 1).
struct Recorder {
  std::vector<std::string>* log;
  char id;
  int stop_at_step = -1;
  int stop_at_episode = -1;
  int steps = 0, episodes = 0;
  tabrl::Control on_step(const tabrl::StepEvent&) {
    log->push_back(std::string(1, id) + "s");
    return ++steps == stop_at_step ? tabrl::Control::stop : tabrl::Control::proceed;
  }
  tabrl::Control on_episode_end(const tabrl::EpisodeEvent&) {
    log->push_back(std::string(1, id) + "e");
    return ++episodes == stop_at_episode ? tabrl::Control::stop : tabrl::Control::proceed;
  }
};
struct StepsOnly {
  int n = 0;
  void on_step(const tabrl::StepEvent&) { ++n; }
};
struct EpisodesOnly {
  int n = 0;
  void on_episode_end(const tabrl::EpisodeEvent&) { ++n; }
};

template <class O>
concept HasOnStep = requires(O& o, const tabrl::StepEvent& e) { o.on_step(e); };
template <class O>
concept HasOnEpisodeEnd = requires(O& o, const tabrl::EpisodeEvent& e) { o.on_episode_end(e); };

const tabrl::StepResult step_result{1, -1.0, false, false};
const tabrl::StepEvent step_event{0, 1, 0, 0, step_result};
}  // namespace

static_assert(!tabrl::detail::has_on_step<tabrl::NullObserver>);
static_assert(!tabrl::detail::has_on_episode_end<tabrl::NullObserver>);
static_assert(tabrl::detail::has_on_step<StepsOnly>);
static_assert(!tabrl::detail::has_on_episode_end<StepsOnly>);
// A list has a hook when one of its observers has it.
static_assert(HasOnStep<tabrl::ObserverList<StepsOnly, EpisodesOnly>>);
static_assert(HasOnEpisodeEnd<tabrl::ObserverList<StepsOnly, EpisodesOnly>>);
static_assert(!HasOnEpisodeEnd<tabrl::ObserverList<StepsOnly, StepsOnly>>);
static_assert(!HasOnStep<tabrl::ObserverList<EpisodesOnly>>);

TEST_CASE("notify: void hooks never stop, Control hooks stop when they say so", "[training][observers]") {
  StepsOnly quiet;
  REQUIRE_FALSE(tabrl::detail::notify_step(quiet, step_event));
  REQUIRE(quiet.n == 1);
  tabrl::NullObserver none;
  REQUIRE_FALSE(tabrl::detail::notify_step(none, step_event));
  std::vector<std::string> log;
  Recorder r{&log, 'a', 2};
  REQUIRE_FALSE(tabrl::detail::notify_step(r, step_event));
  REQUIRE(tabrl::detail::notify_step(r, step_event));
  REQUIRE_FALSE(tabrl::detail::notify_step(r, step_event));
  REQUIRE(log == std::vector<std::string>{"as", "as", "as"});
}

TEST_CASE("ObserverList calls every observer in order, a stop from any of them stops the list",
          "[training][observers]") {
  tabrl::TrainingLog training_log;
  const tabrl::EpisodeEvent episode_event{0, 3, -5.0, 5, training_log};
  for (int stopper = 0; stopper < 3; ++stopper) {
    CAPTURE(stopper);
    std::vector<std::string> log;
    Recorder a{&log, 'a'}, b{&log, 'b'}, c{&log, 'c'};
    Recorder* which[] = {&a, &b, &c};
    which[stopper]->stop_at_step = 2;
    which[stopper]->stop_at_episode = 1;
    StepsOnly steps;
    EpisodesOnly episodes;
    auto list = tabrl::observe(a, steps, b, episodes, c);
    REQUIRE(list.on_step(step_event) == tabrl::Control::proceed);
    REQUIRE(list.on_step(step_event) == tabrl::Control::stop);
    REQUIRE(list.on_episode_end(episode_event) == tabrl::Control::stop);
    // Every observer saw every event, in the list's order, the stopping one included.
    REQUIRE(log == std::vector<std::string>{"as", "bs", "cs", "as", "bs", "cs", "ae", "be", "ce"});
    REQUIRE(steps.n == 2);  // references to the originals, not copies
    REQUIRE(episodes.n == 1);
  }
  std::vector<std::string> log;
  Recorder a{&log, 'a'}, b{&log, 'b'};
  auto quiet = tabrl::observe(a, b);
  REQUIRE(quiet.on_step(step_event) == tabrl::Control::proceed);
  REQUIRE(quiet.on_episode_end(episode_event) == tabrl::Control::proceed);
}

TEST_CASE("observe(): the loops stop where any listed observer asks, and every observer "
          "saw the same steps", "[training][observers]") {
  tabrl::CliffWalking env;
  std::vector<std::string> log;
  StepsOnly counted;
  Recorder stopper{&log, 's', 10};
  tabrl::QLearningAgent<> agent(48, 4);
  tabrl::ReplayMemory<> memory(100);
  tabrl::TrainingState state(1, 48);
  tabrl::run_training(agent, env, memory, {.episodes = 5, .batch_size = 4, .seed = 1}, state,
                      tabrl::observe(counted, stopper));
  REQUIRE(counted.n == 10);
  REQUIRE(stopper.steps == 10);
  REQUIRE(memory.size() == 10);
  REQUIRE(state.progress.active);
  REQUIRE(state.progress.length == 10);

  StepsOnly online_counted;
  Recorder episode_stopper{&log, 'e', -1, 2};
  tabrl::QLearningAgent<> online(48, 4);
  tabrl::TrainingState online_state(1, 48);
  tabrl::run_online_training(online, env, {.episodes = 5, .seed = 1}, online_state,
                             tabrl::observe(episode_stopper, online_counted));
  REQUIRE(online_state.episode == 2);
  REQUIRE_FALSE(online_state.progress.active);
  REQUIRE(online_counted.n == online_state.log.env_steps);
}
