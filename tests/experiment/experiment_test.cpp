// The experiment engine: run descriptions by name, grids and their seed rule, statistics
// against hand-computed values, and byte-identical files whatever the executor.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/train.hpp>
#include <tabrl/training/train_online.hpp>

namespace fs = std::filesystem;
using namespace tabrl::experiment;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh scratch directory under the build tree's temp area.
fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("tabrl_experiment_test_" + name);
  fs::remove_all(p);
  return p;
}

/// A small grid that still has two axes, several blocks per cell and a partial last block.
Grid small_grid() {
  Grid g;
  g.set("agent", "q,expected-sarsa");
  g.set("alpha", "0.5,1");
  g.set("episodes", "20");
  g.set_runs(Grid::block_runs + 5);
  g.set_seed(7);
  return g;
}

const char* const result_files[] = {"runs.csv", "curves.csv", "visits.csv", "summary.json"};

}  // namespace

TEST_CASE("settings are set and read back by name, with errors naming the field", "[experiment]") {
  RunSpec s;
  set_field(s, "alpha", "0.25");
  set_field(s, "time-limit", "50");
  set_field(s, "agent", "double-q");
  set_field(s, "replay", "prioritized");
  set_field(s, "slippery", "true");
  CHECK(s.alpha == 0.25);
  CHECK(s.time_limit == 50);
  CHECK(get_field(s, "alpha") == "0.25");
  CHECK(get_field(s, "slippery") == "true");
  CHECK(get_field(s, "gamma") == "1");
  // Every field reads back what it wrote.
  for (const RunField& f : run_fields()) {
    RunSpec t;
    f.set(t, f.get(s));
    CHECK(f.get(t) == f.get(s));
  }
  CHECK_THROWS_WITH(set_field(s, "alpha", "0"), "tabrl::RunSpec: alpha must be in (0, 1], got 0");
  CHECK_THROWS_WITH(set_field(s, "alpha", "nan"), Contains("alpha must be a finite number"));
  CHECK_THROWS_WITH(set_field(s, "episodes", "0"), Contains("episodes must be an integer in [1, 1000000000]"));
  CHECK_THROWS_WITH(set_field(s, "episodes", "12x"), Contains("episodes must be an integer"));
  CHECK_THROWS_WITH(set_field(s, "agent", "dqn"), Contains("agent must be one of q, sarsa, expected-sarsa, double-q"));
  CHECK_THROWS_WITH(set_field(s, "colour", "red"), Contains("'colour'"));
  CHECK_THROWS_WITH(set_field(s, "memory", "100000000000"), Contains("memory must be an integer in [1, 10000000]"));
}

TEST_CASE("validate rejects settings that do not go together", "[experiment]") {
  RunSpec s;
  s.agent = "sarsa";
  s.replay = "uniform";
  CHECK_THROWS_WITH(validate(s), Contains("replay must be online for agent sarsa"));
  s.agent = "q";
  s.batch = 64;
  s.memory = 32;
  CHECK_THROWS_WITH(validate(s), Contains("batch must be <= memory (32), got 64"));
  s = RunSpec{};
  s.n_step = 3;
  CHECK_THROWS_WITH(validate(s), Contains("n_step must be 1 with replay online"));
  s = RunSpec{};
  s.env = "taxi";
  s.slippery = true;
  CHECK_THROWS_WITH(validate(s), Contains("slippery must be false or default for env taxi"));
}

TEST_CASE("a run is exactly the bare training call it dispatches to", "[experiment]") {
  RunSpec s;
  s.agent = "double-q";
  s.alpha = 0.5;
  s.episodes = 30;
  s.seed = 11;
  const RunResult r = run_one(s);
  tabrl::CliffWalking env;
  tabrl::DoubleQLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1},
                                      tabrl::derive_seed(11, 0xD0B1E));
  const auto log = tabrl::train_online(agent, env, {.episodes = 30, .seed = 11});
  CHECK(r.returns == log.returns);
  CHECK(r.metrics[3] == static_cast<double>(log.env_steps));

  s.agent = "q";
  s.replay = "uniform";
  s.memory = 200;
  s.batch = 8;
  const RunResult rr = run_one(s);
  tabrl::QLearningAgent<> q(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(200);
  const auto replay_log = tabrl::train(q, env, memory, {.episodes = 30, .batch_size = 8, .seed = 11});
  CHECK(rr.returns == replay_log.returns);
  CHECK(rr.metrics[4] == static_cast<double>(replay_log.updates));
  // The greedy evaluation: one episode on CliffWalking, capped at 100 steps.
  tabrl::Rng eval_rng(tabrl::derive_seed(11, 0xE7A1));
  const auto rollout = tabrl::greedy_rollout(q, env, eval_rng, 100, tabrl::derive_seed(11, 1'000'000));
  CHECK(rr.metrics[5] == rollout.total_return);
  CHECK(rr.metrics[7] == (rollout.terminated ? 1.0 : 0.0));
}

TEST_CASE("every environment, agent and memory kind runs", "[experiment]") {
  for (const auto env : EnvKinds::names) {
    for (const auto agent : AgentKinds::names) {
      for (const auto replay : ReplayKinds::names) {
        RunSpec s;
        s.env = std::string(env);
        s.agent = std::string(agent);
        s.replay = std::string(replay);
        s.episodes = 3;
        s.memory = 64;
        s.batch = 4;
        if (!tabrl::experiment::learns_from_replay(agent) && replay != "online") {
          CHECK_THROWS_AS(run_one(s), tabrl::InvalidArgument);
          continue;
        }
        const RunResult r = run_one(s);
        CHECK(r.returns.size() == 3);
        CHECK(r.metrics.size() == standard_metrics.size());
        if (replay != "online") {
          s.n_step = 3;
          CHECK(run_one(s).returns.size() == 3);
        }
      }
    }
  }
}

TEST_CASE("the seed rule: run r of every cell has derive_seed(grid seed, r)", "[experiment]") {
  // Values computed independently (SplitMix64 in Python) from the documented rule.
  CHECK(Grid::run_seed(0, 0) == 3246858695411730098ULL);
  CHECK(Grid::run_seed(0, 1) == 4349182596431645316ULL);
  CHECK(Grid::run_seed(7, 5) == 7102399001823186105ULL);
  CHECK(Grid::run_seed(12345, 99) == 8782181920947876175ULL);
  Grid g;
  g.set("alpha", "0.1,0.2");
  g.set_runs(3);
  g.set_seed(7);
  CHECK(g.run(1, 2).seed == Grid::run_seed(7, 2));
  CHECK(g.run(0, 2).seed == g.run(1, 2).seed);
  // Adding a value keeps every existing run's seed and settings.
  Grid h = g;
  h.set("alpha", "0.1,0.2,0.3");
  for (int r = 0; r < 3; ++r) {
    CHECK(h.run(1, r) == g.run(1, r));
    CHECK(h.run(0, r) == g.run(0, r));
  }
}

TEST_CASE("grids: lists, ranges, cell order and every bad grid", "[experiment]") {
  Grid g;
  g.set("alpha", "0.1:1.0:0.1");
  REQUIRE(g.axes().size() == 1);
  CHECK(g.axes()[0].values ==
        std::vector<std::string>{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"});
  g.set("agent", "q,sarsa");  // set second, enumerated first: axes follow run_fields() order
  CHECK(g.axes()[0].field == "agent");
  CHECK(g.cells() == 20);
  CHECK(g.cell(0).agent == "q");
  CHECK(g.cell(1).alpha == 0.2);
  CHECK(g.cell(10).agent == "sarsa");
  CHECK(g.cell(19).alpha == 1.0);
  g.set("agent", "q");  // one value: back to the base
  CHECK(g.cells() == 10);
  CHECK(Grid(g).to_json() == g.to_json());

  Grid bad;
  CHECK_THROWS_WITH(bad.set("agent", "q,dqn"), Contains("agent must be one of"));
  CHECK_THROWS_WITH(bad.set("alpha", "0,0.5"), Contains("alpha must be in (0, 1], got 0"));
  CHECK_THROWS_WITH(bad.set("alpha", ""), Contains("alpha values must not be empty"));
  CHECK_THROWS_WITH(bad.set("alpha", "0.1,,0.2"), Contains("alpha values must not be empty"));
  CHECK_THROWS_WITH(bad.set_values("alpha", {}), Contains("alpha must list at least one value"));
  CHECK_THROWS_WITH(bad.set("alpha", "0.1,0.10"), Contains("alpha must not list a value twice"));
  CHECK_THROWS_WITH(bad.set("alpha", "0.1:1:0"), Contains("alpha range step must be > 0"));
  CHECK_THROWS_WITH(bad.set("alpha", "1:0.1:0.1"), Contains("alpha range end must be >= its start"));
  CHECK_THROWS_WITH(bad.set("episodes", "1:1e9:1"), Contains("episodes range must have at most 1000000 values"));
  CHECK_THROWS_WITH(bad.set_runs(0), Contains("runs must be in [1, 100000000], got 0"));
  Grid huge;
  huge.set_runs(Grid::max_runs);
  huge.set("alpha", "0.1:1.0:0.1");
  CHECK_THROWS_WITH(huge.check(), Contains("total runs (cells x runs) must be <= 100000000, got 1000000000"));
  Grid mixed;
  mixed.set("agent", "q,sarsa");
  mixed.set("replay", "uniform");
  CHECK_THROWS_WITH(mixed.check(), Contains("replay must be online for agent sarsa") && Contains("in the cell with agent sarsa"));
  CHECK_THROWS_AS(run_sweep(mixed, Sequential{}), tabrl::InvalidArgument);
}

TEST_CASE("Welford curves equal two-pass statistics, merging blocks equals adding runs", "[experiment]") {
  const std::vector<std::vector<double>> runs{{1, -3}, {2, 5}, {4, 0.5}, {8, 2}, {16, -1}};
  WelfordCurve all(2), first(2), second(2);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    all.add(runs[i]);
    (i < 2 ? first : second).add(runs[i]);
  }
  first.merge(second);
  CHECK(all.count() == 5);
  CHECK_THAT(all.mean()[0], WithinRel(6.2, 1e-15));
  // Sample sd of 1, 2, 4, 8, 16: sqrt(sum (x - 6.2)^2 / 4) = sqrt(148.8 / 4).
  CHECK_THAT(all.sd(0), WithinRel(std::sqrt(148.8 / 4.0), 1e-14));
  CHECK_THAT(all.se(0), WithinRel(std::sqrt(148.8 / 4.0) / std::sqrt(5.0), 1e-14));
  CHECK_THAT(first.mean()[1], WithinRel(all.mean()[1], 1e-14));
  CHECK_THAT(first.m2()[1], WithinRel(all.m2()[1], 1e-14));
  WelfordCurve one(1);
  one.add(std::vector<double>{3.0});
  CHECK(std::isnan(one.se(0)));
  CHECK_THROWS_AS(one.add(std::vector<double>{1.0, 2.0}), tabrl::InvalidArgument);
}

TEST_CASE("summaries: mean, se, median, IQM and the bootstrap interval by hand", "[experiment]") {
  const std::vector<double> x{4, 1, 100, 3, 2};
  const MetricSummary s = summarize(x, 2000, 1);
  CHECK(s.n == 5);
  CHECK(s.mean == 22.0);
  // sd^2 = ((4-22)^2 + (1-22)^2 + (100-22)^2 + (3-22)^2 + (2-22)^2) / 4 = 7610 / 4
  CHECK_THAT(s.se, WithinRel(std::sqrt(7610.0 / 4.0) / std::sqrt(5.0), 1e-14));
  CHECK(s.median == 3.0);
  CHECK(s.iqm == 3.0);  // floor(5 / 4) = 1 dropped at each end: mean of 2, 3, 4
  // The bootstrap interval of the mean lies within the data's range, brackets the mean's
  // centre of mass, is seeded (same seed, same bits) and depends on the seed.
  CHECK(s.ci_low >= 1.0);
  CHECK(s.ci_high <= 100.0);
  CHECK(s.ci_low < 22.0);
  CHECK(s.ci_high > 22.0);
  const MetricSummary again = summarize(x, 2000, 1);
  CHECK(again.ci_low == s.ci_low);
  CHECK(again.ci_high == s.ci_high);
  // With many distinct values the interval's end points are (almost surely) seed-specific.
  std::vector<double> wide;
  for (int i = 0; i < 40; ++i) wide.push_back(0.37 * i * i);
  const MetricSummary w1 = summarize(wide, 500, 1), w2 = summarize(wide, 500, 2);
  CHECK(w1.ci_low != w2.ci_low);
  CHECK(w1.ci_high != w2.ci_high);
  CHECK(w1.ci_low < w1.mean);
  CHECK(w1.ci_high > w1.mean);
  const std::vector<double> even{5, 1, 7, 3, 9, 11, 2, 4};  // sorted 1 2 3 4 5 7 9 11
  const MetricSummary e = summarize(even, 0, 0);
  CHECK(e.median == 4.5);
  CHECK(e.iqm == (3.0 + 4.0 + 5.0 + 7.0) / 4.0);
  CHECK(std::isnan(e.ci_low));
  const std::vector<double> none{NAN, NAN};
  CHECK(summarize(none, 10, 0).n == 0);
  CHECK(std::isnan(summarize(none, 10, 0).mean));
  CHECK(quantile_sorted(std::vector<double>{1, 2, 3, 4}, 0.25) == 1.75);
}

TEST_CASE("aggregates of a tiny grid equal the same runs computed one by one", "[experiment]") {
  Grid g;
  g.set("alpha", "0.5,0.9");
  g.set("episodes", "8");
  g.set_runs(3);
  const SweepResult r = run_sweep(g, Threads{2});
  REQUIRE(r.cells.size() == 2);
  for (std::int64_t c = 0; c < 2; ++c) {
    std::vector<RunResult> runs;
    for (std::int64_t k = 0; k < 3; ++k) runs.push_back(run_one(g.run(c, k)));
    const CellStats& cs = r.cells[static_cast<std::size_t>(c)];
    for (std::size_t m = 0; m < standard_metrics.size(); ++m) {
      for (std::size_t k = 0; k < 3; ++k) CHECK(cs.metrics[m][k] == runs[k].metrics[m]);
    }
    for (std::size_t e = 0; e < 8; ++e) {
      const double mean = (runs[0].returns[e] + runs[1].returns[e] + runs[2].returns[e]) / 3.0;
      double sq = 0.0;
      for (const auto& run : runs) sq += (run.returns[e] - mean) * (run.returns[e] - mean);
      CHECK_THAT(cs.returns.mean()[e], WithinRel(mean, 1e-12));
      CHECK_THAT(cs.returns.se(e), WithinRel(std::sqrt(sq / 2.0) / std::sqrt(3.0), 1e-9));
    }
    const auto sums = summarize_cells(g, r, 0);
    const double mean_return = (runs[0].metrics[0] + runs[1].metrics[0] + runs[2].metrics[0]) / 3.0;
    CHECK(sums[static_cast<std::size_t>(c)][0].mean == mean_return);
  }
}

TEST_CASE("the same files, byte for byte, from every executor, shards merged and a resume", "[experiment]") {
  const Grid g = small_grid();
  const fs::path seq = scratch("seq"), thr = scratch("threads"), sh0 = scratch("shard0"), sh1 = scratch("shard1"),
                 merged = scratch("merged"), resumed = scratch("resumed");
  SweepOptions o;
  o.bootstrap = 200;
  CHECK(run_sweep_to(seq, g, Sequential{}, o).complete);
  CHECK(run_sweep_to(thr, g, Threads{3}, o).complete);
  CHECK_FALSE(run_sweep_to(sh0, g, Shard{0, 2, 1}, o).complete);
  CHECK_THROWS_WITH(merge_sweep(merged, g, {sh0}, o), Contains("blocks must all be present, got 4 of 8"));
  CHECK_FALSE(run_sweep_to(sh1, g, Shard{1, 2, 2}, o).complete);
  CHECK(merge_sweep(merged, g, {sh0, sh1}, o).complete);
  // Resume: one shard's journal plus a torn copy of the other's, then --resume with threads.
  fs::create_directories(resumed / "journal");
  fs::copy_file(sh0 / "journal" / "shard-0-of-2.bin", resumed / "journal" / "local.bin");
  {
    const std::string other = slurp(sh1 / "journal" / "shard-1-of-2.bin");
    std::ofstream torn(resumed / "journal" / "other.bin", std::ios::binary);
    torn.write(other.data(), static_cast<std::streamsize>(other.size() * 2 / 3));
  }
  fs::copy_file(seq / "sweep.json", resumed / "sweep.json");
  CHECK_THROWS_WITH(run_sweep_to(resumed, g, Threads{2}, o), Contains("already holds a sweep journal"));
  const SweepReport rep = run_sweep_to(resumed, g, Threads{2}, o, true);
  CHECK(rep.complete);
  CHECK(rep.runs_resumed > g.total_runs() / 2);
  CHECK(rep.runs_done > 0);
  CHECK(rep.damaged_journals == 1);
  for (const char* f : result_files) {
    INFO(f);
    const std::string want = slurp(seq / f);
    CHECK(!want.empty());
    CHECK(slurp(thr / f) == want);
    CHECK(slurp(merged / f) == want);
    CHECK(slurp(resumed / f) == want);
  }
  // The in-memory sweep holds the same statistics as the files.
  const SweepResult mem = run_sweep(g, Threads{2}, o);
  CHECK(slurp(seq / "curves.csv").find(number_text(mem.cells[1].returns.mean()[0])) != std::string::npos);

  // Another grid's journals are refused, so results of different grids never mix.
  Grid other = g;
  other.set_seed(8);
  CHECK_THROWS_WITH(merge_sweep(scratch("mix"), other, {sh0, sh1}, o), Contains("written for another grid"));
  CHECK_THROWS_WITH(run_sweep_to(seq, other, Sequential{}, o, true), Contains("holds a sweep of another grid"));
  CHECK_THROWS_WITH(run_sweep_to(scratch("bad_shard"), g, Shard{3, 2, 1}, o), Contains("shard index must be in [0, 2), got 3"));
  CHECK_THROWS_AS(run_sweep(g, Shard{0, 2, 1}), tabrl::InvalidArgument);
  for (const fs::path& p : {seq, thr, sh0, sh1, merged, resumed}) fs::remove_all(p);
}

TEST_CASE("journal records round-trip bit for bit and corrupt ones are refused", "[experiment]") {
  const Grid g = small_grid();
  const BlockResult b = compute_block(g, 3, {}, standard_metrics.size());
  const std::string rec = encode_block(b);
  const std::string_view payload(rec.data() + 16, rec.size() - 24);
  const BlockResult back = decode_block(payload, g, standard_metrics.size());
  CHECK(back.block == 3);
  CHECK(back.metrics == b.metrics);
  CHECK(back.returns.mean() == b.returns.mean());
  CHECK(back.visits.m2() == b.visits.m2());
  CHECK_THROWS_WITH(decode_block(payload.substr(0, payload.size() - 8), g, standard_metrics.size()),
                    Contains("payload size does not match"));
  CHECK_THROWS_WITH(decode_block(payload, g, standard_metrics.size() + 1), Contains("metric count differs"));
  Grid smaller = g;
  smaller.set("agent", "q");
  smaller.set("alpha", "0.5");  // one cell of two blocks
  CHECK_THROWS_WITH(decode_block(payload, smaller, standard_metrics.size()), Contains("block index out of range"));
}

TEST_CASE("custom run functions add metrics and must report all of them", "[experiment]") {
  Grid g;
  g.set("episodes", "5");
  g.set_runs(2);
  SweepOptions o;
  o.extra_metrics = {"first_return"};
  o.run = [](const RunSpec& s) {
    RunResult r = run_one(s);
    r.metrics.push_back(r.returns.front());
    return r;
  };
  const SweepResult r = run_sweep(g, Sequential{}, o);
  CHECK(r.metric_names.back() == "first_return");
  CHECK(r.cells[0].metrics.back()[1] == r.cells[0].returns.mean()[0] * 2 - r.cells[0].metrics.back()[0]);
  o.extra_metrics.push_back("missing");
  CHECK_THROWS_WITH(run_sweep(g, Threads{2}, o), Contains("a run must report 10 metrics, got 9"));
}
