/// \file python/src/sweep.cpp
/// The experiment engine (include/tabrl/experiment/) as the submodule tabrl.sweep: grids of
/// settings x seeds run on every core with the GIL released, results as numpy arrays and
/// dicts, or as the engine's tidy files in a directory (resumable, shardable).

#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <tabrl/experiment/experiment.hpp>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

namespace ex = tabrl::experiment;

// One value of a setting as the engine reads it: strings as they are, booleans as
// true/false, numbers in their shortest form.
std::string setting_text(const py::handle value, const std::string& field) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(value)) return py::str(value).cast<std::string>();
  if (py::isinstance<py::float_>(value)) return shortest(value.cast<double>());
  detail::throw_invalid("sweep", detail::concat(field, " values must be str, int, float or bool"),
                        type_name(value));
}

// A Grid from {field: value or list of values}, runs and seed. A string value may itself be a
// list ("q,sarsa") or a range ("0.1:1.0:0.1"), as on tabrl_sweep's command line.
ex::Grid make_grid(const py::dict& settings, std::int64_t runs, const py::handle seed) {
  ex::Grid grid;
  grid.set_runs(runs);
  grid.set_seed(to_seed(seed, "tabrl.sweep"));
  for (const auto& [key, value] : settings) {
    const auto field = py::str(key).cast<std::string>();
    if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      std::vector<std::string> values;
      for (const py::handle v : value) values.push_back(setting_text(v, field));
      grid.set_values(field, values);
    } else {
      grid.set(field, setting_text(value, field));
    }
  }
  grid.check();
  return grid;
}

// Thrown from the progress callback when Ctrl-C is pending; carries the KeyboardInterrupt.
struct Interrupted {
  py::error_already_set error;
};

// SweepOptions whose progress callback lets Ctrl-C stop the sweep: the engine calls it after
// every finished block (never concurrently); on the Python main thread it takes the GIL and
// looks for a pending signal. The engine then stops its other threads and rethrows.
ex::SweepOptions interruptible(int bootstrap) {
  ex::SweepOptions options;
  options.bootstrap = bootstrap;
  const py::module_ threading = py::module_::import("threading");
  if (threading.attr("current_thread")().is(threading.attr("main_thread")())) {
    options.progress = [main = std::this_thread::get_id()](std::int64_t, std::int64_t) {
      if (std::this_thread::get_id() != main) return;
      const py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) throw Interrupted{py::error_already_set()};
    };
  }
  return options;
}

// Runs f() without the GIL; a Ctrl-C caught by interruptible() is raised once it is back.
template <class F>
auto without_gil(F&& f) {
  std::optional<Interrupted> interrupted;
  {
    const py::gil_scoped_release release;
    try {
      return f();
    } catch (Interrupted& i) {
      interrupted.emplace(std::move(i));
    }
  }
  throw py::error_already_set(std::move(interrupted->error));
}

ex::Executor executor(int threads, const py::object& shard) {
  if (shard.is_none()) return ex::Threads{threads};
  const auto [index, count] = shard.cast<std::pair<std::int64_t, std::int64_t>>();
  return ex::Shard{index, count, threads};
}

// The numbers a finished sweep holds, for Python.
struct PySweepResult {
  ex::Grid grid;
  ex::SweepResult result;
  std::vector<std::vector<ex::MetricSummary>> summaries;
};

py::dict settings_of(const ex::RunSpec& spec) {
  py::dict out;
  for (const ex::RunField& f : ex::run_fields()) out[py::str(std::string(f.name))] = f.get(spec);
  return out;
}

// rows x cols of value(row, col) as a float64 array.
template <class F>
py::array_t<double> table(std::size_t rows, std::size_t cols, F value) {
  py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  auto view = out.mutable_unchecked<2>();
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c)
      view(static_cast<py::ssize_t>(r), static_cast<py::ssize_t>(c)) = value(r, c);
  }
  return out;
}

// Mean and standard error per cell of one of the curves (returns, lengths, visits).
py::dict curve(const PySweepResult& s, ex::WelfordCurve ex::CellStats::*member) {
  const auto& cells = s.result.cells;
  const std::size_t n = cells.empty() ? 0 : (cells.front().*member).size();
  py::dict out;
  out["mean"] = table(cells.size(), n,
                      [&](std::size_t c, std::size_t i) { return (cells[c].*member).mean()[i]; });
  out["se"] = table(cells.size(), n,
                    [&](std::size_t c, std::size_t i) { return (cells[c].*member).se(i); });
  return out;
}

}  // namespace

void init_sweep(py::module_& parent) {
  py::module_ m = parent.def_submodule(
      "sweep",
      "The experiment engine: grids of settings x seeds, run on every core, summarised per "
      "cell (mean, standard error, median, interquartile mean, bootstrap interval). "
      "docs/experiments.md describes the settings and the seed rule.");

  m.def(
      "fields",
      [] {
        py::dict out;
        for (const ex::RunField& f : ex::run_fields()) out[py::str(std::string(f.name))] = f.help;
        return out;
      },
      "Every setting a grid may set, with its one-line help.");

  py::class_<PySweepResult>(m, "SweepResult", "A finished sweep held in memory.")
      .def_property_readonly(
          "cells", [](const PySweepResult& s) { return s.grid.cells(); }, "Number of cells.")
      .def_property_readonly(
          "runs", [](const PySweepResult& s) { return s.grid.runs(); }, "Runs per cell.")
      .def_property_readonly(
          "axes",
          [](const PySweepResult& s) {
            py::dict out;
            for (const ex::GridAxis& a : s.grid.axes()) out[py::str(a.field)] = a.values;
            return out;
          },
          "The varied settings and their values, in cell order (the last changes fastest).")
      .def(
          "settings",
          [](const PySweepResult& s, std::int64_t c) { return settings_of(s.grid.cell(c)); },
          py::arg("cell"), "Every setting of cell `cell` (the run seed aside), as text.")
      .def_property_readonly(
          "metric_names", [](const PySweepResult& s) { return s.result.metric_names; },
          "The names of the per-run metrics.")
      .def_property_readonly(
          "metrics",
          [](const PySweepResult& s) {
            const auto& cells = s.result.cells;
            const std::size_t metrics = s.result.metric_names.size();
            const auto runs = static_cast<std::size_t>(s.grid.runs());
            py::array_t<double> out({static_cast<py::ssize_t>(cells.size()),
                                     static_cast<py::ssize_t>(runs),
                                     static_cast<py::ssize_t>(metrics)});
            auto view = out.mutable_unchecked<3>();
            for (std::size_t c = 0; c < cells.size(); ++c) {
              for (std::size_t r = 0; r < runs; ++r) {
                for (std::size_t k = 0; k < metrics; ++k) {
                  view(static_cast<py::ssize_t>(c), static_cast<py::ssize_t>(r),
                       static_cast<py::ssize_t>(k)) = cells[c].metrics[k][r];
                }
              }
            }
            return out;
          },
          "Every run's metrics as a float64 array [cell, run, metric] (run r of every cell "
          "has the same seed).")
      .def(
          "summary",
          [](const PySweepResult& s, const std::string& metric) {
            const auto& names = s.result.metric_names;
            const auto it = std::find(names.begin(), names.end(), metric);
            if (it == names.end()) {
              detail::throw_invalid("SweepResult::summary", "metric must be one of metric_names",
                                    metric);
            }
            const auto k = static_cast<std::size_t>(it - names.begin());
            const std::size_t n = s.summaries.size();
            const auto column = [&](auto field) {
              return table(n, 1,
                           [&](std::size_t c, std::size_t) {
                             return static_cast<double>(s.summaries[c][k].*field);
                           })
                  .attr("reshape")(n);
            };
            py::dict out;
            out["n"] = column(&ex::MetricSummary::n);
            out["mean"] = column(&ex::MetricSummary::mean);
            out["se"] = column(&ex::MetricSummary::se);
            out["median"] = column(&ex::MetricSummary::median);
            out["iqm"] = column(&ex::MetricSummary::iqm);
            out["ci_low"] = column(&ex::MetricSummary::ci_low);
            out["ci_high"] = column(&ex::MetricSummary::ci_high);
            return out;
          },
          py::arg("metric"),
          "One metric per cell: n, mean, se, median, iqm (interquartile mean) and the seeded "
          "bootstrap 95% interval of the mean (ci_low, ci_high), each an array over cells.")
      .def_property_readonly(
          "returns", [](const PySweepResult& s) { return curve(s, &ex::CellStats::returns); },
          "Per-episode return over each cell's runs: {'mean', 'se'} arrays [cell, episode].")
      .def_property_readonly(
          "lengths", [](const PySweepResult& s) { return curve(s, &ex::CellStats::lengths); },
          "Per-episode length: {'mean', 'se'} arrays [cell, episode].")
      .def_property_readonly(
          "visits", [](const PySweepResult& s) { return curve(s, &ex::CellStats::visits); },
          "Visits per state over training: {'mean', 'se'} arrays [cell, state].");

  m.def(
      "run",
      [](const py::dict& settings, std::int64_t runs, const py::object& seed, int threads,
         int bootstrap) {
        PySweepResult out{make_grid(settings, runs, seed), {}, {}};
        const ex::SweepOptions options = interruptible(bootstrap);
        without_gil([&] {
          out.result = ex::run_sweep(out.grid, ex::Threads{threads}, options);
          out.summaries = ex::summarize_cells(out.grid, out.result, bootstrap,
                                              ex::detail::thread_count(threads));
          return 0;
        });
        return out;
      },
      py::arg("settings"), py::kw_only(), py::arg("runs") = 1, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("bootstrap") = 1000, R"doc(
Runs a grid in memory and returns a SweepResult. `settings` maps setting names (fields()) to
one value or a list of values; a string may also be "a,b,c" or a range "lo:hi:step". Every
combination of the lists is a cell, run `runs` times; run r of every cell has the seed
derive_seed(seed, r). threads: 0 for every core. The results are the same bits for any
thread count. Ctrl-C stops it between blocks of runs (KeyboardInterrupt).)doc");

  m.def(
      "run_to",
      [](const std::filesystem::path& out, const py::dict& settings, std::int64_t runs,
         const py::object& seed, int threads, const py::object& shard, bool resume, int bootstrap) {
        const ex::Grid grid = make_grid(settings, runs, seed);
        const ex::Executor how = executor(threads, shard);
        const ex::SweepOptions options = interruptible(bootstrap);
        const ex::SweepReport report =
            without_gil([&] { return ex::run_sweep_to(out, grid, how, options, resume); });
        py::dict r;
        r["complete"] = report.complete;
        r["runs_total"] = report.runs_total;
        r["runs_done"] = report.runs_done;
        r["runs_resumed"] = report.runs_resumed;
        r["damaged_journals"] = report.damaged_journals;
        r["seconds"] = report.seconds;
        return r;
      },
      py::arg("out"), py::arg("settings"), py::kw_only(), py::arg("runs") = 1, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("shard") = py::none(), py::arg("resume") = false,
      py::arg("bootstrap") = 1000, R"doc(
Runs a grid into the directory `out`, as tabrl_sweep --out does: runs.csv, curves.csv,
visits.csv, summary.json, timings.json, every finished block journaled first. resume=True
runs only what a killed sweep left (the files equal an uninterrupted sweep's); shard=(k, n)
runs the k-th of n static parts (merge them with tabrl_sweep --merge). Returns what it did:
complete, runs_total, runs_done, runs_resumed, damaged_journals, seconds.)doc");
}

}  // namespace tabrl::python
