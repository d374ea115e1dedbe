// cliff_walking_replay: the notebook's experiment as a program, and a trainer for every
// environment, agent and memory tabrl has.
//
// The defaults are the notebook's: Q-learning with a uniform replay memory of 2,000, batch
// 32, gamma 1, alpha 0.9, epsilon 0.1, 100 episodes on CliffWalking. Every setting of a run is
// a flag (tabrl::experiment::RunSpec; see --help): --env taxi --agent double-q --replay
// prioritized --n-step 3 ... It trains, then shows what the agent did and learned: on
// CliffWalking the visits per cell and the greedy path; elsewhere the greedy policy's success
// rate and mean return beside the best possible. --json prints one line instead; --out DIR
// writes CSVs, q.npy and pictures; --save / --resume / --checkpoint-every checkpoint the whole
// run (any agent and memory), so it can be stopped, even killed, and continued to the same end.
//
// The wiring a program of yours copies: a RunSpec from flags (run_flags.hpp), visit_run()
// building the environment, agent and memory once, run_training / run_online_training in
// chunks between checkpoints, and viz::write_run_outputs for the files.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include <tabrl/experiment/run.hpp>
#include <tabrl/experiment/saved_spec.hpp>
#include <tabrl/tabrl.hpp>
#include <tabrl/viz/run_outputs.hpp>
#include <tabrl/viz/viz.hpp>

#include "run_flags.hpp"
#include "trainer_run.hpp"

namespace {

namespace ex = tabrl::experiment;
using trainer::Outputs;

/// Runs the spec with the instantiation of its environment kind.
int run(const ex::RunSpec& spec, const Outputs& o, const std::vector<unsigned char>& resume_bytes) {
  return ex::EnvKinds::visit(
      spec.env, [&]<class K>(K) { return trainer::run_in<K>(spec, o, resume_bytes); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Trains a tabular agent with tabrl (default: the notebook's Q-learning with experience "
      "replay on CliffWalking) and shows what it learned"};
  ex::RunSpec spec = trainer::notebook_run();
  tabrl_examples::RunFlags run_flags(app, spec);
  Outputs o;
  app.add_flag("--json", o.json, "print one JSON object on one line instead of the report");
  app.add_flag("--quiet", o.quiet, "no progress bar while training");
  app.add_flag("--no-color", o.no_color, "plain text even on a terminal (NO_COLOR is honoured too)");
  app.add_option("--out", o.out,
                 "write returns.csv, visit_counts.csv, q.npy, the pictures (learning curve, "
                 "visits, policy, rollout GIF and MP4) and report.html into this folder");
  app.add_option("--save", o.save, "write a checkpoint of the whole run to this file at the end");
  app.add_option("--resume", o.resume,
                 "continue the run saved in this checkpoint (its settings are used; --episodes "
                 "sets the new total)");
  app.add_option("--checkpoint-every", o.checkpoint_every,
                 "also write the --save checkpoint every N episodes (1 .. 1000000000)")
      ->check(CLI::Range(1, 1'000'000'000));
  try {
    app.parse(argc, argv);
    const std::vector<std::string> given = run_flags.given();
    auto was_given = [&given](const char* name) {
      return std::find(given.begin(), given.end(), name) != given.end();
    };
    run_flags.apply(spec);
    if (!was_given("eval_episodes") && spec.env != "cliff") spec.eval_episodes = 1000;
    // An agent that learns online only (SARSA) needs no "--replay online" spelled out.
    if (!was_given("replay") && trainer::learns_online_only(spec.agent)) spec.replay = "online";
    if (o.checkpoint_every > 0 && o.save.empty()) {
      throw tabrl::InvalidArgument("--checkpoint-every needs --save PATH");
    }
    if ((was_given("per_alpha") || was_given("per_beta") || was_given("per_beta_steps")) &&
        spec.replay != "prioritized") {  // silently ignoring them would mislead
      throw tabrl::InvalidArgument("--per-alpha, --per-beta and --per-beta-steps need --replay prioritized");
    }
    std::vector<unsigned char> resume_bytes;
    if (!o.resume.empty()) {
      resume_bytes = tabrl::read_checkpoint_file(o.resume);
      const std::string who = "tabrl: --resume " + o.resume;
      if (tabrl::checkpoint_version(resume_bytes, who) >= 2) {
        // The checkpoint's settings win; a flag that says otherwise is a mistake, not a wish.
        ex::SavedRunSpec saved;
        tabrl::parse_checkpoint_part(resume_bytes, who, 0, saved);
        for (const auto& name : given) {
          if (name == "episodes") continue;
          if (ex::get_field(spec, name) != ex::get_field(saved.spec, name)) {
            throw tabrl::InvalidArgument(fmt::format(
                "--{} {} contradicts the checkpoint's {} {} (a resumed run keeps its settings)",
                name, ex::get_field(spec, name), name, ex::get_field(saved.spec, name)));
          }
        }
        const int episodes = spec.episodes;
        spec = saved.spec;
        if (was_given("episodes")) spec.episodes = episodes;
      }
    }
    if (!o.save.empty()) {
      tabrl::check_writable(o.save);  // before training, not after
      tabrl::remove_stale_temporaries(o.save);
    }
    return run(spec, o, resume_bytes);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "cliff_walking_replay: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cliff_walking_replay: {}\n", e.what());
    return 2;
  }
}
