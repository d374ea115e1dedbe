#pragma once
/// \file viz/run_outputs.hpp
/// What a trainer writes for one run into a folder (the example trainer's --out): tidy CSVs
/// and the Q table for a notebook, and pictures of where the agent went, how it learned, what
/// it learned and one greedy episode, for every environment tabrl draws.

#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "../envs/cliff_walking.hpp"
#include "../envs/frozen_lake.hpp"
#include "../envs/taxi.hpp"
#include "../io/q_table.hpp"
#include "../training/evaluate.hpp"
#include "../training/train.hpp"
#include "env_frames.hpp"
#include "frame.hpp"
#include "gif.hpp"
#include "svg.hpp"

namespace tabrl::viz {

/// The files write_run_outputs wrote (names inside the folder) and the ones it skipped, each
/// with the reason.
struct WrittenOutputs {
  std::vector<std::string> files;    ///< written, in order
  std::vector<std::string> skipped;  ///< "name: why"
};

/// A run's words for titles.
struct RunCaption {
  std::string what;        ///< e.g. "Q-learning + uniform replay on cliff"
  std::uint64_t seed = 0;  ///< the run's seed
};

namespace detail {

// The environment under any wrappers (TimeLimit...).
template <class Env>
[[nodiscard]] const auto& base_env(const Env& env) {
  if constexpr (requires { env.unwrapped(); }) {
    return base_env(env.unwrapped());
  } else {
    return env;
  }
}

// Taxi's visits per taxi cell (5 x 5), summed over passenger and destination.
[[nodiscard]] inline std::vector<std::int64_t> taxi_cell_visits(
    const std::vector<std::int64_t>& v) {
  std::vector<std::int64_t> cells(25, 0);
  for (int s = 0; s < Taxi::num_states() && static_cast<std::size_t>(s) < v.size(); ++s) {
    const Taxi::Decoded d = Taxi::decode(s);
    cells[static_cast<std::size_t>(d.taxi_row * 5 + d.taxi_col)] += v[static_cast<std::size_t>(s)];
  }
  return cells;
}

// Rows and columns of a grid environment's cells.
template <class Env>
[[nodiscard]] int grid_rows(const Env& env) {
  if constexpr (std::is_same_v<Env, CliffWalking>) {
    (void)env;
    return CliffWalking::rows;
  } else {
    return env.rows();
  }
}
template <class Env>
[[nodiscard]] int grid_cols(const Env& env) {
  if constexpr (std::is_same_v<Env, CliffWalking>) {
    (void)env;
    return CliffWalking::cols;
  } else {
    return env.cols();
  }
}

inline void put_file(const std::filesystem::path& dir, const char* name, std::string_view text,
                     WrittenOutputs& out) {
  write_text_file((dir / name).string(), text);
  out.files.emplace_back(name);
}

}  // namespace detail

/// Writes into `dir` (created when missing), atomically each:
///  - returns.csv (episode, return, length), visit_counts.csv (state, its grid cell where the
///    environment has one, visits), q.npy (the Q table, numpy.load reads it);
///  - learning_curve.svg (return per episode and its moving average);
///  - visit_counts.svg (a heatmap on the grid: CliffWalking, FrozenLake; Taxi's 5 x 5 taxi
///    cells), policy.svg (greedy arrows, the rollout highlighted: CliffWalking, FrozenLake),
///    rollout.gif (the greedy episode, when the build has giflib).
/// An environment tabrl cannot draw gets the CSVs, q.npy and the learning curve. Returns what
/// was written and what was skipped (and why). Throws IoError naming a file it cannot write.
template <class Env>
WrittenOutputs write_run_outputs(const std::filesystem::path& dir, const Env& env,
                                 const TrainingLog& log, const QTable<double>& q,
                                 const Eigen::VectorXi& greedy, const Rollout& rollout,
                                 const RunCaption& caption) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw IoError("tabrl::viz::write_run_outputs: cannot create " + dir.string() + ": " +
                  ec.message());
  WrittenOutputs out;
  const auto& base = detail::base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  constexpr bool cliff = std::is_same_v<Base, CliffWalking>;
  constexpr bool lake = std::is_same_v<Base, FrozenLake>;
  constexpr bool taxi = std::is_same_v<Base, Taxi>;

  std::string csv = "episode,return,length\n";
  for (std::size_t e = 0; e < log.returns.size(); ++e) {
    csv += fmt::format("{},{},{}\n", e + 1, log.returns[e], log.lengths[e]);
  }
  detail::put_file(dir, "returns.csv", csv, out);
  if constexpr (taxi) {
    csv = "state,taxi_row,taxi_col,passenger,destination,visits\n";
    for (std::size_t s = 0; s < log.visit_counts.size(); ++s) {
      const Taxi::Decoded d = Taxi::decode(static_cast<int>(s));
      csv += fmt::format("{},{},{},{},{},{}\n", s, d.taxi_row, d.taxi_col, d.passenger,
                         d.destination, log.visit_counts[s]);
    }
  } else if constexpr (cliff || lake) {
    const int cols = detail::grid_cols(base);
    csv = "state,row,col,visits\n";
    for (std::size_t s = 0; s < log.visit_counts.size(); ++s) {
      csv += fmt::format("{},{},{},{}\n", s, static_cast<int>(s) / cols, static_cast<int>(s) % cols,
                         log.visit_counts[s]);
    }
  } else {
    csv = "state,visits\n";
    for (std::size_t s = 0; s < log.visit_counts.size(); ++s) {
      csv += fmt::format("{},{}\n", s, log.visit_counts[s]);
    }
  }
  detail::put_file(dir, "visit_counts.csv", csv, out);
  export_npy(dir / "q.npy", q);
  out.files.emplace_back("q.npy");

  LearningCurveOptions curve;
  curve.title = fmt::format("return per episode: {} (seed {})", caption.what, caption.seed);
  if constexpr (cliff) {
    curve.y_max = 0;
    curve.y_min = -300;  // early episodes can cost thousands; the chart says when it clips
  }
  detail::put_file(dir, "learning_curve.svg", svg_learning_curve(log.returns, curve), out);

  SvgHeatmapOptions heat;
  heat.title =
      fmt::format("visits per state ({} episodes, seed {})", log.returns.size(), caption.seed);
  heat.colorbar_label = "visits (log scale)";
  heat.scale = Scale::log;
  heat.lo = 0;
  if constexpr (cliff || lake) {
    const int rows = detail::grid_rows(base);
    const int cols = detail::grid_cols(base);
    detail::put_file(dir, "visit_counts.svg",
                     svg_heatmap(std::span<const std::int64_t>(log.visit_counts), rows, cols, heat),
                     out);
    SvgPolicyOptions pol;
    pol.title =
        fmt::format("greedy policy; highlighted: greedy rollout (return {})", rollout.total_return);
    std::vector<int> arrows(greedy.data(), greedy.data() + greedy.size());
    if constexpr (cliff) {
      pol.marks = cliff_walking_marks();
      pol.fills = cliff_walking_fills();
    } else {
      // FrozenLake's actions are left, down, right, up; the arrows are drawn for up, right,
      // down, left.
      for (int& a : arrows) a = 3 - a;
      pol.marks.assign(static_cast<std::size_t>(base.num_states()), "");
      for (int s = 0; s < base.num_states(); ++s) {
        const char l = base.letter(s);
        if (l == 'H' || l == 'G') pol.marks[static_cast<std::size_t>(s)] = std::string(1, l);
      }
    }
    pol.path.assign(rollout.states.begin(), rollout.states.end());
    detail::put_file(dir, "policy.svg", svg_policy(std::span<const int>(arrows), rows, cols, pol),
                     out);
  } else if constexpr (taxi) {
    heat.title = fmt::format("visits per taxi cell ({} episodes, seed {})", log.returns.size(),
                             caption.seed);
    const auto cells = detail::taxi_cell_visits(log.visit_counts);
    detail::put_file(dir, "visit_counts.svg",
                     svg_heatmap(std::span<const std::int64_t>(cells), 5, 5, heat), out);
    out.skipped.emplace_back(
        "policy.svg: Taxi's greedy action depends on the passenger and the destination too, "
        "so one arrow per cell cannot show it");
  } else {
    out.skipped.emplace_back(
        "visit_counts.svg, policy.svg: tabrl has no grid for this environment");
  }

  if constexpr (cliff || lake || taxi) {
    if constexpr (gif_available) {
      std::vector<RgbImage> frames;
      for (std::size_t i = 0; i < rollout.states.size(); ++i) {
        const std::span<const int> trail(rollout.states.data(), i);
        if constexpr (cliff) {
          frames.push_back(render_cliff_walking(rollout.states[i], trail));
        } else if constexpr (lake) {
          frames.push_back(render_frozen_lake(base, rollout.states[i], trail));
        } else {
          frames.push_back(render_taxi(rollout.states[i]));
        }
      }
      write_gif((dir / "rollout.gif").string(), frames);
      out.files.emplace_back("rollout.gif");
    } else {
      out.skipped.emplace_back("rollout.gif: this build has no giflib (install libgif-dev)");
    }
  } else {
    out.skipped.emplace_back("rollout.gif: tabrl cannot draw this environment");
  }
  return out;
}

}  // namespace tabrl::viz
