#pragma once
/// \file viz/run_outputs.hpp
/// What a trainer writes for one run into a folder (the example trainer's --out): tidy CSVs
/// and the Q table for a notebook, pictures of where the agent went, how it learned, what it
/// learned and one greedy episode (GIF and MP4), and report.html that holds them all, for
/// every environment tabrl draws.

#include <chrono>
#include <filesystem>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../envs/cliff_walking.hpp"
#include "../envs/frozen_lake.hpp"
#include "../envs/maze.hpp"
#include "../envs/taxi.hpp"
#include "../io/q_table.hpp"
#include "../training/evaluate.hpp"
#include "../training/train.hpp"
#include "frame.hpp"
#include "gif.hpp"
#include "mp4.hpp"
#include "report.hpp"
#include "svg.hpp"
#include "tiles.hpp"

namespace tabrl::viz {

/// The files write_run_outputs wrote (names inside the folder) and the ones it skipped, each
/// with the reason.
struct WrittenOutputs {
  std::vector<std::string> files;    ///< written, in order
  std::vector<std::string> skipped;  ///< "name: why"
  /// Wall-clock seconds spent making and writing each picture ("rollout.gif", ...): a
  /// measurement, never written into the files, so they stay the same bytes run after run.
  std::vector<std::pair<std::string, double>> seconds{};
};

/// A run's words for titles and the report.
struct RunCaption {
  std::string what;        ///< e.g. "Q-learning + uniform replay on cliff"
  std::uint64_t seed = 0;  ///< the run's seed
  /// The run's settings (name, value), shown in report.html.
  std::vector<std::pair<std::string, std::string>> settings{};
};

/// How write_run_outputs draws.
struct RunOutputOptions {
  TileOptions tiles{};   ///< rollout frames: scale, trail, status bar, colours
  GifOptions gif{};      ///< rollout.gif's timing
  Mp4Options mp4{};      ///< rollout.mp4's codec and frame rate
  bool gif_file = true;  ///< write rollout.gif (when the build has giflib)
  bool mp4_file = true;  ///< write rollout.mp4 (when the build has FFmpeg)
  bool report = true;    ///< write report.html
};

namespace detail {

inline void put_file(const std::filesystem::path& dir, const char* name, std::string_view text,
                     WrittenOutputs& out) {
  write_text_file((dir / name).string(), text);
  out.files.emplace_back(name);
}

// Times f() and records it under `name`.
template <class F>
void timed(WrittenOutputs& out, const char* name, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  const std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
  out.seconds.emplace_back(name, d.count());
}

}  // namespace detail

/// Writes into `dir` (created when missing), atomically each:
///  - returns.csv (episode, return, length), visit_counts.csv (state, its grid cell where the
///    environment has one, visits), q.npy (the Q table, numpy.load reads it);
///  - learning_curve.svg (return per episode and its moving average; CliffWalking's on a
///    symmetric log axis, so the early episodes costing thousands stay in view);
///  - visit_counts.svg (a heatmap on the grid with row / column numbers and the start, goal,
///    cliff, holes, walls or stands marked; Taxi's 5 x 5 taxi cells), policy.svg (greedy
///    arrows, the start marked, the rollout highlighted: CliffWalking, FrozenLake, mazes);
///  - rollout.gif and rollout.mp4 (the greedy episode as tiles with a step / action / return
///    bar; when the build has giflib / FFmpeg);
///  - report.html (all of it in one self-contained page: hover read-outs, a rollout player,
///    the settings and figures).
/// An environment tabrl cannot draw gets the CSVs, q.npy, the learning curve and the report.
/// Returns what was written and what was skipped (and why). Every file is the same bytes for
/// the same run (the training time is left out on purpose). Throws IoError naming a file it
/// cannot write.
template <class Env>
WrittenOutputs write_run_outputs(const std::filesystem::path& dir, const Env& env,
                                 const TrainingLog& log, const QTable<double>& q,
                                 const Eigen::VectorXi& greedy, const Rollout& rollout,
                                 const RunCaption& caption, const RunOutputOptions& options = {}) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw IoError("tabrl::viz::write_run_outputs: cannot create " + dir.string() + ": " +
                  ec.message());
  }
  WrittenOutputs out;
  const auto& base = detail::base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  constexpr bool cliff = std::is_same_v<Base, CliffWalking>;
  constexpr bool lake = std::is_same_v<Base, FrozenLake>;
  constexpr bool taxi = std::is_same_v<Base, Taxi>;
  constexpr bool maze = std::is_same_v<Base, GridMaze>;
  constexpr bool drawable = can_draw_frames<Env>;
  RunReport report;
  report.title = caption.what.empty() ? "tabrl run" : caption.what;
  report.subtitle = fmt::format("seed {}, {} episodes", caption.seed, log.returns.size());

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
  } else if constexpr (drawable) {
    const int cols = grid_view(env).cols;
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
  curve.id_prefix = "curve-";
  if constexpr (cliff) {
    // Early episodes can cost thousands, the optimum is -13: a log axis shows both.
    curve.y_scale = AxisScale::symlog;
  }
  detail::timed(out, "learning_curve.svg", [&] {
    report.curve.svg = svg_learning_curve(log.returns, curve);
    detail::put_file(dir, "learning_curve.svg", report.curve.svg, out);
  });
  {
    const CurveStats st = curve_stats({"return", {log.returns}}, curve.window);
    report.curve.curves.push_back({"return", st.mean, st.moving_average, {}});
  }

  if constexpr (drawable) {
    const GridView grid = grid_view(env);
    const std::vector<double> cells =
        grid_values(env, std::span<const std::int64_t>(log.visit_counts));
    SvgHeatmapOptions heat;
    heat.title = fmt::format("visits per {} ({} episodes, seed {})", grid.cell_name,
                             log.returns.size(), caption.seed);
    heat.colorbar_label = "visits (log scale)";
    heat.scale = Scale::log;
    heat.lo = 0;
    heat.marks = grid.marks;
    heat.marks_note = grid.marks_note;
    heat.id_prefix = "heat-";
    detail::timed(out, "visit_counts.svg", [&] {
      report.heatmap.svg = svg_heatmap(std::span<const double>(cells), grid.rows, grid.cols, heat);
      detail::put_file(dir, "visit_counts.svg", report.heatmap.svg, out);
    });
    report.heatmap.rows = grid.rows;
    report.heatmap.cols = grid.cols;
    report.heatmap.values = cells;
    report.heatmap.marks = grid.marks;
    report.heatmap.cell_name = grid.cell_name;

    if constexpr (cliff || lake || maze) {
      SvgPolicyOptions pol;
      pol.title = fmt::format("greedy policy; highlighted: greedy rollout (return {})",
                              rollout.total_return);
      std::vector<int> arrows(greedy.data(), greedy.data() + greedy.size());
      pol.marks.assign(static_cast<std::size_t>(base.num_states()), "");
      if constexpr (cliff) {
        pol.marks = cliff_walking_marks();
        pol.fills = cliff_walking_fills();
        pol.start = CliffWalking::start_state;
      } else if constexpr (lake) {
        // FrozenLake's actions are left, down, right, up; the arrows are drawn for up, right,
        // down, left.
        for (int& a : arrows) a = 3 - a;
        for (int s = 0; s < base.num_states(); ++s) {
          const char l = base.letter(s);
          if (l == 'H' || l == 'G') pol.marks[static_cast<std::size_t>(s)] = std::string(1, l);
        }
        pol.start = base.start_state();
      } else {
        for (int s = 0; s < base.num_states(); ++s) {
          if (base.is_wall(s)) pol.marks[static_cast<std::size_t>(s)] = "#";
        }
        pol.marks[static_cast<std::size_t>(base.layout().goal)] = "G";
        pol.start = base.layout().start;
      }
      pol.path.assign(rollout.states.begin(), rollout.states.end());
      detail::timed(out, "policy.svg", [&] {
        report.policy.svg = svg_policy(std::span<const int>(arrows), grid.rows, grid.cols, pol);
        detail::put_file(dir, "policy.svg", report.policy.svg, out);
      });
      report.policy.rows = grid.rows;
      report.policy.cols = grid.cols;
      report.policy.marks = grid.marks;
    } else {
      out.skipped.emplace_back(
          "policy.svg: Taxi's greedy action depends on the passenger and the destination too, "
          "so one arrow per cell cannot show it");
    }

    const std::vector<RgbImage> frames = rollout_frames(env, rollout, options.tiles);
    const std::vector<FrameCaption> captions = rollout_captions(env, rollout);
    for (std::size_t i = 0; i < rollout.states.size(); ++i) {
      report.rollout.cells.push_back(grid_cell(env, rollout.states[i]));
      report.rollout.captions.push_back(captions[i].line1 + "  " + captions[i].line2);
    }
    report.rollout.grid_target = report.policy.svg.empty() ? "heatmap" : "policy";
    if (!options.gif_file) {
      out.skipped.emplace_back("rollout.gif: not asked for");
    } else if constexpr (gif_available) {
      detail::timed(out, "rollout.gif", [&] {
        report.rollout.gif = gif_bytes(frames, options.gif, (dir / "rollout.gif").string());
        write_text_file((dir / "rollout.gif").string(), report.rollout.gif);
      });
      out.files.emplace_back("rollout.gif");
    } else {
      out.skipped.emplace_back("rollout.gif: this build has no giflib (install libgif-dev)");
    }
    if (!options.mp4_file) {
      out.skipped.emplace_back("rollout.mp4: not asked for");
    } else if constexpr (mp4_available) {
      detail::timed(out, "rollout.mp4",
                    [&] { (void)write_mp4((dir / "rollout.mp4").string(), frames, options.mp4); });
      out.files.emplace_back("rollout.mp4");
    } else {
      out.skipped.emplace_back(
          "rollout.mp4: this build has no FFmpeg (install libavcodec-dev libavformat-dev "
          "libswscale-dev libavutil-dev)");
    }
  } else {
    out.skipped.emplace_back(
        "visit_counts.svg, policy.svg, rollout.gif, rollout.mp4: tabrl cannot draw this "
        "environment");
  }

  if (options.report) {
    ReportTable settings{"Settings", caption.settings};
    if (settings.rows.empty()) settings.rows.emplace_back("seed", std::to_string(caption.seed));
    ReportTable figures{"Figures", {}};
    figures.rows.emplace_back("episodes", std::to_string(log.returns.size()));
    figures.rows.emplace_back("environment steps", std::to_string(log.env_steps));
    figures.rows.emplace_back("updates", std::to_string(log.updates));
    figures.rows.emplace_back("mean return, last 10 episodes",
                              fmt::format("{:.2f}", log.mean_return_last(10)));
    figures.rows.emplace_back(
        "greedy rollout",
        fmt::format("return {}, {} steps, {}", rollout.total_return, rollout.length(),
                    rollout.terminated ? "terminated" : "cut off"));
    report.tables = {settings, figures};
    report.files = out.files;
    int probe = 0;
    if constexpr (drawable) {
      if (!rollout.states.empty()) probe = grid_cell(env, rollout.states.front());
    }
    detail::timed(out, "report.html", [&] {
      detail::put_file(dir, "report.html", html_run_report(report, probe, 1), out);
    });
  }
  return out;
}

}  // namespace tabrl::viz
