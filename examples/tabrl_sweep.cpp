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
//
// Every run setting is a flag taking one value or a list ("a,b,c" or "lo:hi:step"); a JSON
// grid file (--grid) sets the same names (see docs/experiments.md), and flags override it.
// Bad grids print one line naming the setting and exit 2.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw Usage(e.what());
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
    fmt::print("{}: {} runs ({} run now, {} from journals) in {:.2f} s; wrote {}/{{runs.csv,curves.csv,visits.csv,summary.json,timings.json}}\n",
               how, report.runs_total, report.runs_done, report.runs_resumed, report.seconds, out);
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
