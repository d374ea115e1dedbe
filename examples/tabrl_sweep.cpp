// tabrl_sweep: run a grid of experiments over seeds and settings, on every core, as one
// shard of a batch job, or on MPI, into tidy files (runs.csv, curves.csv, visits.csv,
// summary.json, timings.json) that are the same bytes whatever ran them.
//
//   tabrl_sweep --env cliff --agent q,sarsa,expected-sarsa --alpha 0.1:1.0:0.1
//               --runs 1000 --episodes 100 --out sweep_out
//   tabrl_sweep --grid grid.json --shard 3/8 --out part3      (one shard of a job array)
//   tabrl_sweep --merge part0 part1 ... part7 --out sweep_out  (join the shards)
//   mpirun -np 64 tabrl_sweep --mpi --grid grid.json --out sweep_out
//   tabrl_sweep ... --resume                                   (after a crash or Ctrl-C)
//   tabrl_sweep --report sweep_out          (report.html again from a finished sweep's files)
//
// Every run setting is a flag taking one value or a list ("a,b,c" or "lo:hi:step"); a JSON
// grid file (--grid) sets the same names (see docs/experiments.md), and flags override it.
// Bad grids print one line naming the setting and exit 2. A finished sweep also gets
// report.html (when built with tabrl::viz): one self-contained page with every cell's metrics
// (sortable), the cells' learning curves and their visit heatmaps, read from the files above.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#ifdef TABRL_SWEEP_HAS_VIZ
#include <tabrl/viz/report.hpp>
#include <tabrl/viz/tiles.hpp>
#endif
#ifdef TABRL_SWEEP_HAS_MPI
#include <tabrl/experiment/mpi.hpp>
#endif

namespace {

namespace ex = tabrl::experiment;
namespace fs = std::filesystem;

/// A bad grid or flag: reported as one line, exit status 2.
struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads a grid file: {"runs": N, "seed": S, "settings": {name: value | [values] | "lo:hi:step"}}.
/// Values may be strings, numbers or booleans; numbers keep their shortest round-trip text.
void load_grid_file(const std::string& path, ex::Grid& grid) {
  std::ifstream in(path);
  if (!in) throw Usage("--grid: cannot read '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Usage("--grid: '" + path + "' is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw Usage("--grid: '" + path + "' must hold a JSON object");
  const auto text = [&path](const nlohmann::json& v, const std::string& key) -> std::string {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    throw Usage("--grid: '" + path + "': " + key + " values must be strings, numbers or booleans, got " + v.dump());
  };
  for (const auto& [key, value] : j.items()) {
    if (key == "runs") {
      if (!value.is_number_integer()) throw Usage("--grid: runs must be an integer, got " + value.dump());
      grid.set_runs(value.get<std::int64_t>());
    } else if (key == "seed") {
      grid.set_seed(ex::parse_integer<std::uint64_t>("tabrl_sweep", "seed", text(value, "seed")));
    } else if (key == "settings") {
      if (!value.is_object()) throw Usage("--grid: settings must be an object of run settings");
      for (const auto& [name, v] : value.items()) {
        if (v.is_array()) {
          std::vector<std::string> values;
          for (const auto& item : v) values.push_back(text(item, name));
          grid.set_values(name, values);
        } else {
          grid.set(name, text(v, name));
        }
      }
    } else {
      throw Usage("--grid: '" + path + "': key must be runs, seed or settings, got '" + key + "'");
    }
  }
}

/// "K/N" with 0 <= K < N.
ex::Shard parse_shard(const std::string& s, int threads) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) throw Usage("--shard must be K/N with 0 <= K < N, got '" + s + "'");
  try {
    const auto k = ex::parse_integer<std::int64_t>("tabrl_sweep", "--shard K", s.substr(0, slash), 0);
    const auto n = ex::parse_integer<std::int64_t>("tabrl_sweep", "--shard N", s.substr(slash + 1), 1, 1'000'000);
    if (k >= n) throw Usage("--shard must be K/N with 0 <= K < N, got " + s);
    return {k, n, threads};
  } catch (const tabrl::InvalidArgument&) {
    throw Usage("--shard must be K/N with 0 <= K < N, got '" + s + "'");
  }
}

/// Draws "[####------] 1234/5000 runs  812 runs/s  ETA 5s" in place on stderr, at most ten
/// times a second; nothing at all when stderr is not a terminal.
class SweepProgress {
 public:
  explicit SweepProgress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}
  void operator()(std::int64_t done, std::int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
    const int width = 24;
    const int filled = total > 0 ? static_cast<int>(static_cast<double>(done) / static_cast<double>(total) * width) : width;
    fmt::print(stderr, "\r[{}{}] {}/{} runs  {:.0f} runs/s  ETA {:.0f}s\x1b[K", std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '-'), done, total, rate, eta);
    if (done >= total) fmt::print(stderr, "\n");
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

/// One line per cell: its varied settings and the headline metrics.
void print_table(const fs::path& out, const ex::Grid& grid) {
  std::ifstream in(out / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  std::string head;
  for (const auto& a : grid.axes()) head += fmt::format("{:<16}", a.field);
  fmt::print("{}{:>24} {:>24} {:>10}\n", head, "mean_return (se)", "final_return (iqm)", "eval_success");
  for (const auto& cell : summary["cells"]) {
    std::string row;
    for (const auto& a : grid.axes()) row += fmt::format("{:<16}", cell["settings"][a.field].get<std::string>());
    const auto num = [](const nlohmann::json& v) { return v.is_null() ? std::string("-") : fmt::format("{:.3f}", v.get<double>()); };
    const auto& m = cell["metrics"];
    fmt::print("{}{:>24} {:>24} {:>10}\n", row,
               num(m["mean_return"]["mean"]) + " (" + num(m["mean_return"]["se"]) + ")",
               num(m["final_return"]["mean"]) + " (" + num(m["final_return"]["iqm"]) + ")",
               num(m["eval_success"]["mean"]));
  }
}

#ifdef TABRL_SWEEP_HAS_VIZ
/// One CSV file as rows of fields (the sweep's files quote nothing: settings have no commas).
std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Usage("--report: cannot read " + path.string());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    rows.push_back(std::move(fields));
  }
  if (rows.empty()) throw Usage("--report: " + path.string() + " is empty");
  return rows;
}

/// Index of `name` in a CSV header.
std::size_t column(const std::vector<std::string>& header, const std::string& name, const fs::path& path) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw Usage("--report: " + path.string() + " has no column " + name);
  return static_cast<std::size_t>(it - header.begin());
}

/// "0.5" for 0.5, "-13" for -13, 3 significant digits otherwise.
std::string short_number(double v) { return fmt::format("{:.4g}", v); }

/// Writes dir/report.html from the sweep's summary.json, curves.csv and visits.csv: the grid,
/// a sortable table of every cell's metrics (mean +- standard error), all cells' learning
/// curves (mean +- standard error, symmetric log axis when returns reach below -200) and each
/// cell's mean visits on the environment's grid (the first 24 cells).
void write_sweep_report(const fs::path& dir) {
  namespace viz = tabrl::viz;
  std::ifstream in(dir / "summary.json");
  if (!in) throw Usage("--report: cannot read " + (dir / "summary.json").string() + " (is the sweep finished?)");
  const auto summary = nlohmann::json::parse(in);
  const auto& settings = summary.at("grid").at("settings");
  const auto runs = summary.at("grid").at("runs").get<std::int64_t>();
  std::vector<std::string> axes;
  viz::ReportTable fixed{"Grid", {}};
  fixed.rows.emplace_back("runs per cell", std::to_string(runs));
  fixed.rows.emplace_back("grid seed", summary.at("grid").at("seed").get<std::string>());
  for (const auto& [name, value] : settings.items()) {
    if (value.is_array()) {
      axes.push_back(name);
      std::string list;
      for (const auto& v : value) list += (list.empty() ? "" : ", ") + v.get<std::string>();
      fixed.rows.emplace_back(name + " (varied)", list);
    }
  }
  for (const auto& [name, value] : settings.items()) {
    if (!value.is_array()) fixed.rows.emplace_back(name, value.get<std::string>());
  }
  const auto& cells = summary.at("cells");
  const std::size_t n = cells.size();
  auto label = [&](std::size_t c) {
    std::string l;
    for (const auto& a : axes) l += (l.empty() ? "" : " ") + a + "=" + cells[c].at("settings").at(a).get<std::string>();
    return l.empty() ? std::string("all runs") : l;
  };

  viz::SweepReportData r;
  r.title = fmt::format("tabrl sweep: {} cells x {} runs", n, runs);
  r.subtitle = "from " + (dir / "summary.json").string();
  r.tables = {fixed};
  r.columns = {"cell"};
  for (const auto& a : axes) r.columns.push_back(a);
  const auto& metrics = summary.at("metrics");
  for (const auto& m : metrics) r.columns.push_back(m.get<std::string>() + " (mean \u00b1 s.e.)");
  r.columns.emplace_back("final_return IQM");
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<std::string> row{std::to_string(c)};
    for (const auto& a : axes) row.push_back(cells[c].at("settings").at(a).get<std::string>());
    for (const auto& m : metrics) {
      const auto& s = cells[c].at("metrics").at(m.get<std::string>());
      row.push_back(s.at("mean").is_null() ? "-"
                                          : short_number(s.at("mean").get<double>()) + " \u00b1 " +
                                                (s.at("se").is_null() ? "-" : short_number(s.at("se").get<double>())));
    }
    const auto& fr = cells[c].at("metrics").at("final_return");
    row.push_back(fr.at("iqm").is_null() ? "-" : short_number(fr.at("iqm").get<double>()));
    r.cells.push_back(std::move(row));
  }

  // Learning curves: one summary series per cell.
  const auto curves = read_csv(dir / "curves.csv");
  const std::size_t cc = column(curves[0], "cell", dir / "curves.csv");
  const std::size_t cm = column(curves[0], "return_mean", dir / "curves.csv");
  const std::size_t cs = column(curves[0], "return_se", dir / "curves.csv");
  std::vector<std::vector<double>> mean(n), se(n);
  for (std::size_t i = 1; i < curves.size(); ++i) {
    const auto c = static_cast<std::size_t>(std::stoul(curves[i].at(cc)));
    if (c >= n) throw Usage("--report: curves.csv names cell " + curves[i].at(cc) + " beyond summary.json's");
    mean[c].push_back(std::stod(curves[i].at(cm)));
    const std::string& e = curves[i].at(cs);
    se[c].push_back(e == "nan" || e.empty() ? 0.0 : std::stod(e));
  }
  static constexpr viz::Rgb palette[] = {{0x1f, 0x4e, 0xc8}, {0xd9, 0x54, 0x1e}, {0x2a, 0x9d, 0x4a}, {0x8e, 0x44, 0xad},
                                         {0xc0, 0x39, 0x2b}, {0x16, 0xa0, 0x85}, {0x7f, 0x8c, 0x8d}, {0xe0, 0xb4, 0x20},
                                         {0x2c, 0x3e, 0x50}, {0xd6, 0x33, 0x6c}};
  std::vector<viz::CurveSeries> series;
  double lowest = 0;
  for (std::size_t c = 0; c < n; ++c) {
    if (mean[c].empty()) continue;
    viz::CurveSeries s{label(c), {}, palette[c % std::size(palette)], mean[c], {}, runs};
    for (const double e : se[c]) s.sd.push_back(e * std::sqrt(static_cast<double>(runs)));
    for (const double v : mean[c]) lowest = std::min(lowest, v);
    series.push_back(std::move(s));
  }
  if (!series.empty()) {
    viz::LearningCurveOptions lc;
    lc.title = fmt::format("return per episode, mean \u00b1 standard error over {} runs", runs);
    lc.band = viz::Band::standard_error;
    lc.y_scale = lowest < -200 ? viz::AxisScale::symlog : viz::AxisScale::linear;
    lc.width = 900;
    lc.height = std::max(420, 300 + 16 * static_cast<int>(series.size()));
    lc.id_prefix = "curve-";
    r.curve.svg = viz::svg_learning_curve(series, lc);
    for (const auto& s : series) {
      const viz::CurveStats st = viz::curve_stats(s, lc.window);
      r.curve.curves.push_back({s.name, st.mean, st.moving_average, st.se});
    }
  }

  // Visit heatmaps on each cell's environment grid, one colour range for all.
  const auto visits = read_csv(dir / "visits.csv");
  const std::size_t vc = column(visits[0], "cell", dir / "visits.csv");
  const std::size_t vm = column(visits[0], "visits_mean", dir / "visits.csv");
  std::vector<std::vector<double>> per_state(n);
  for (std::size_t i = 1; i < visits.size(); ++i) {
    const auto c = static_cast<std::size_t>(std::stoul(visits[i].at(vc)));
    if (c >= n) throw Usage("--report: visits.csv names cell " + visits[i].at(vc) + " beyond summary.json's");
    per_state[c].push_back(std::stod(visits[i].at(vm)));
  }
  constexpr std::size_t max_heatmaps = 24;
  std::vector<std::pair<std::string, viz::ReportGrid>> maps;
  double hi = 0;
  for (std::size_t c = 0; c < n && c < max_heatmaps; ++c) {
    const std::string env = cells[c].at("settings").contains("env") ? cells[c].at("settings").at("env").get<std::string>()
                                                                     : settings.at("env").get<std::string>();
    ex::RunSpec spec;
    spec.env = env;
    ex::EnvKinds::visit(env, [&]<class K>(K) {
      K::visit(spec, [&](auto& e) {
        if constexpr (viz::can_draw_frames<std::remove_cvref_t<decltype(e)>>) {
          if (per_state[c].size() != static_cast<std::size_t>(e.num_states())) return;
          const viz::GridView g = viz::grid_view(e);
          viz::ReportGrid grid;
          grid.rows = g.rows;
          grid.cols = g.cols;
          grid.values = viz::grid_values(e, std::span<const double>(per_state[c]));
          grid.marks = g.marks;
          grid.cell_name = g.cell_name;
          grid.value_name = "mean visits";
          grid.svg = g.marks_note;  // the heatmap is drawn below, once the shared range is known
          for (const double v : grid.values) hi = std::max(hi, v);
          maps.emplace_back(fmt::format("cell {}: {}", c, label(c)), std::move(grid));
        }
      });
    });
  }
  for (std::size_t i = 0; i < maps.size(); ++i) {
    viz::ReportGrid& g = maps[i].second;
    viz::SvgHeatmapOptions h;
    h.title = "mean visits per " + g.cell_name;
    h.colorbar_label = "mean visits (log scale)";
    h.scale = viz::Scale::log;
    h.lo = 0;
    h.hi = hi;
    h.precision = 1;
    h.cell = 36;
    h.marks = g.marks;
    h.marks_note = g.svg;
    h.id_prefix = fmt::format("heat{}-", i);
    g.svg = viz::svg_heatmap(std::span<const double>(g.values), g.rows, g.cols, h);
  }
  r.heatmaps = std::move(maps);
  if (n > max_heatmaps) {
    r.tables.push_back({"Heatmaps", {{"shown", fmt::format("the first {} of {} cells", max_heatmaps, n)}}});
  }
  r.files = {"runs.csv", "curves.csv", "visits.csv", "summary.json", "timings.json"};
  viz::write_text_file((dir / "report.html").string(), viz::html_sweep_report(r));
}
#endif

int run(int argc, char** argv) {
  CLI::App app{"Sweeps of tabrl runs over seeds and settings (threads, shards, MPI), with tidy result files"};
  std::map<std::string, std::string> settings;  // field -> value list, from the flags
  for (const ex::RunField& f : ex::run_fields()) {
    if (f.name == "seed") continue;  // per run: set by the grid's seed rule
    std::string flag = "--" + std::string(f.name);
    std::replace(flag.begin(), flag.end(), '_', '-');
    app.add_option_function<std::string>(flag, [&settings, name = std::string(f.name)](const std::string& v) { settings[name] = v; },
                                         std::string(f.help) + " (a value, a,b,c or lo:hi:step)")
        ->group("Run settings");
  }
  std::optional<std::int64_t> runs;
  std::optional<std::uint64_t> seed;
  std::string grid_file, out = "sweep_out", shard;
  std::vector<std::string> merge;
  int threads = 0, bootstrap = 1000;
  bool resume = false, json = false, quiet = false, mpi = false;
  app.add_option("--runs", runs, "runs per cell (default 1)");
  app.add_option("--seed", seed, "grid seed: run r of every cell has seed derive_seed(seed, r) (default 0)");
  app.add_option("--grid", grid_file, "JSON grid file (flags override its settings)");
  app.add_option("--out", out, "output directory (journal, then the result files)");
  app.add_option("--threads", threads, "threads (0: all cores)");
  app.add_option("--shard", shard, "run only shard K of N (K/N, 0-based): blocks b with b % N == K");
  app.add_option("--merge", merge, "join the journals of these shard directories into --out")->expected(1, -1);
  app.add_flag("--resume", resume, "continue the sweep in --out: run only what its journal lacks");
  app.add_option("--bootstrap", bootstrap, "bootstrap resamples per metric and cell (0: none)");
  app.add_flag("--json", json, "print one JSON line instead of the table");
  app.add_flag("--quiet", quiet, "no progress bar and no table");
  app.add_flag("--mpi", mpi, "run on MPI (start with mpirun); rank 0 writes the files");
  std::string report_dir;
  bool no_report = false;
  app.add_option("--report", report_dir, "write DIR/report.html from a finished sweep's files in DIR, run nothing");
  app.add_flag("--no-report", no_report, "do not write report.html");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw Usage(e.what());
  }
  if (!report_dir.empty()) {
#ifdef TABRL_SWEEP_HAS_VIZ
    write_sweep_report(report_dir);
    if (!quiet) fmt::print("wrote {}/report.html\n", report_dir);
    return 0;
#else
    throw Usage("--report: this tabrl_sweep was built without tabrl::viz (install libfmt-dev and rebuild)");
#endif
  }
  if (threads < 0 || threads > 4096) throw Usage("--threads must be in [0, 4096], got " + std::to_string(threads));
  if (bootstrap < 0 || bootstrap > 1'000'000) throw Usage("--bootstrap must be in [0, 1000000], got " + std::to_string(bootstrap));
  const int modes = (shard.empty() ? 0 : 1) + (merge.empty() ? 0 : 1) + (mpi ? 1 : 0);
  if (modes > 1) throw Usage("--shard, --merge and --mpi must not be combined");

  ex::Grid grid;
  try {
    if (grid_file.empty() && !merge.empty() && settings.empty() && !runs && !seed) {
      grid_file = (fs::path(merge.front()) / "sweep.json").string();  // the shards' own grid
    }
    if (!grid_file.empty()) load_grid_file(grid_file, grid);
    for (const ex::RunField& f : ex::run_fields()) {
      const auto it = settings.find(std::string(f.name));
      if (it != settings.end()) grid.set(it->first, it->second);
    }
    if (runs) grid.set_runs(*runs);
    if (seed) grid.set_seed(*seed);
    grid.check();
  } catch (const tabrl::InvalidArgument& e) {
    throw Usage(e.what());
  }

  ex::SweepOptions options;
  options.bootstrap = bootstrap;
  SweepProgress bar(!quiet && !json);
  options.progress = [&bar](std::int64_t done, std::int64_t total) { bar(done, total); };
  ex::SweepReport report;
  std::string how;
  bool print = true;
  try {
    if (mpi) {
#ifdef TABRL_SWEEP_HAS_MPI
      MPI_Init(&argc, &argv);
      int rank = 0, size = 1;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
      if (rank != 0) options.progress = nullptr;
      try {
        report = ex::run_sweep_mpi(out, grid, options, resume);
      } catch (...) {
        MPI_Finalize();
        if (rank != 0) return 2;  // rank 0 reports it
        throw;
      }
      MPI_Finalize();
      print = rank == 0;
      how = fmt::format("mpi ranks {}", size);
#else
      throw Usage("--mpi: this tabrl_sweep was built without MPI (install libopenmpi-dev and rebuild)");
#endif
    } else if (!merge.empty()) {
      std::vector<fs::path> dirs(merge.begin(), merge.end());
      report = ex::merge_sweep(out, grid, dirs, options, ex::detail::thread_count(threads));
      how = "merge";
    } else if (!shard.empty()) {
      const ex::Shard s = parse_shard(shard, threads);
      report = ex::run_sweep_to(out, grid, s, options, resume);
      how = fmt::format("shard {}/{}", s.index, s.count);
    } else {
      report = ex::run_sweep_to(out, grid, ex::Threads{threads}, options, resume);
      how = fmt::format("threads {}", ex::detail::thread_count(threads));
    }
  } catch (const tabrl::InvalidArgument& e) {
    throw Usage(e.what());
  }
  if (!print) return 0;
  bool wrote_report = false;
#ifdef TABRL_SWEEP_HAS_VIZ
  if (report.complete && !no_report) {
    write_sweep_report(out);
    wrote_report = true;
  }
#endif
  if (json) {
    fmt::print("{{\"out\":{},\"cells\":{},\"runs\":{},\"runs_done\":{},\"runs_resumed\":{},\"complete\":{},\"seconds\":{}}}\n",
               nlohmann::json(out).dump(), grid.cells(), report.runs_total, report.runs_done, report.runs_resumed,
               report.complete, report.seconds);
    return 0;
  }
  if (report.damaged_journals > 0)
    fmt::print(stderr, "tabrl_sweep: {} journal(s) had a torn tail (from a killed run); those blocks ran again\n",
               report.damaged_journals);
  if (!report.complete) {
    if (!quiet)
      fmt::print("{}: ran {} runs in {:.2f} s; journal in {}/journal (join the shards with --merge)\n", how, report.runs_done,
                 report.seconds, out);
    return 0;
  }
  if (!quiet) {
    print_table(out, grid);
    fmt::print("{}: {} runs ({} run now, {} from journals) in {:.2f} s; wrote {}/{{runs.csv,curves.csv,visits.csv,summary.json,timings.json{}}}\n",
               how, report.runs_total, report.runs_done, report.runs_resumed, report.seconds, out,
               wrote_report ? ",report.html" : "");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Usage& e) {
    std::fprintf(stderr, "tabrl_sweep: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tabrl_sweep: %s\n", e.what());
    return 1;
  }
}
