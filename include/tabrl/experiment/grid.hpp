#pragma once
/// \file experiment/grid.hpp
/// A grid of runs: lists of values for any RunSpec settings, their cartesian product (the
/// cells), times a number of runs per cell, each run seeded by a fixed rule.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "run.hpp"
#include "text.hpp"

namespace tabrl::experiment {

/// One varied setting: a run field and its values (as set_field reads them).
struct GridAxis {
  std::string field;                ///< a name from run_fields()
  std::vector<std::string> values;  ///< two or more distinct values, canonical text
};

/// The cartesian product of setting lists times `runs` runs per cell.
///
/// Cells are numbered in row-major order over the axes, which follow run_fields() order (the
/// last varied field changes fastest). Run r of every cell (0-based) has the seed
/// run_seed(grid seed, r) = derive_seed(grid seed, r): paired runs across cells see the same
/// seeds (common random numbers), and adding a value to a list leaves every existing run's
/// seed as it was. Runs are grouped in blocks of block_runs consecutive runs of one cell,
/// numbered cell-major: the unit of work, of journaling and of the statistics' merge order.
class Grid {
 public:
  static constexpr std::int64_t max_cells = 1'000'000;     ///< product of list lengths
  static constexpr std::int64_t max_runs = 100'000'000;    ///< cells x runs
  static constexpr double max_episodes = 1e12;             ///< cells x runs x episodes
  static constexpr double max_curve_entries = 50'000'000;  ///< cells x (episodes + 500)
  static constexpr std::int64_t max_list = 1'000'000;      ///< values in one list
  static constexpr std::int64_t block_runs = 16;           ///< runs per block

  /// The seed of run r in every cell of a grid seeded `grid_seed`.
  [[nodiscard]] static constexpr std::uint64_t run_seed(std::uint64_t grid_seed,
                                                        std::int64_t r) noexcept {
    return derive_seed(grid_seed, static_cast<std::uint64_t>(r));
  }

  /// Settings shared by every cell (fields without a list).
  [[nodiscard]] const RunSpec& base() const noexcept { return base_; }
  /// The shared settings, to set directly (values are checked by check()).
  [[nodiscard]] RunSpec& base() noexcept { return base_; }
  /// The varied settings, in run_fields() order.
  [[nodiscard]] const std::vector<GridAxis>& axes() const noexcept { return axes_; }
  /// Runs per cell.
  [[nodiscard]] std::int64_t runs() const noexcept { return runs_; }
  /// The grid seed, from which every run's seed is derived.
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  /// Runs per cell, in [1, max_runs].
  void set_runs(std::int64_t runs) {
    if (runs < 1 || runs > max_runs)
      tabrl::detail::throw_invalid(
          "Grid", tabrl::detail::concat("runs must be in [1, ", max_runs, "]"), runs);
    runs_ = runs;
  }
  /// Sets the grid seed (any value).
  void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

  /// Sets `field` from a value list: "a", "a,b,c" or a numeric range "lo:hi:step" (lo, lo +
  /// step, ... up to hi within 1e-9 steps, each printed with 12 significant digits so
  /// 0.1:1:0.1 gives 0.1, 0.2, ..., 1). One value sets the base; several make an axis.
  /// Throws InvalidArgument naming the field: empty list or value, bad value, repeated value.
  void set(std::string_view field, std::string_view list) {
    std::vector<std::string> values;
    if (list.find(':') != std::string_view::npos) {
      values = expand_range(field, list);
    } else {
      std::size_t start = 0;
      for (;;) {
        const std::size_t comma = list.find(',', start);
        values.emplace_back(list.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    }
    set_values(field, values);
  }

  /// Sets `field` to one value or a list of values (each as set_field reads it).
  void set_values(std::string_view field, const std::vector<std::string>& values) {
    const RunField* f = find_run_field(field);
    if (f == nullptr) {
      tabrl::detail::throw_invalid("Grid", "setting must be a run field (see run_fields())",
                                   tabrl::detail::concat("'", field, "'"));
    }
    if (values.empty())
      tabrl::detail::throw_invalid(
          "Grid", tabrl::detail::concat(f->name, " must list at least one value"), "an empty list");
    if (static_cast<std::int64_t>(values.size()) > max_list)
      tabrl::detail::throw_invalid(
          "Grid", tabrl::detail::concat(f->name, " must list at most ", max_list, " values"),
          values.size());
    std::vector<std::string> canonical;
    RunSpec scratch = base_;
    for (const std::string& v : values) {
      if (v.empty())
        tabrl::detail::throw_invalid(
            "Grid", tabrl::detail::concat(f->name, " values must not be empty"), "''");
      f->set(scratch, v);
      std::string c = f->get(scratch);
      for (const std::string& seen : canonical) {
        if (seen == c)
          tabrl::detail::throw_invalid(
              "Grid", tabrl::detail::concat(f->name, " must not list a value twice"), c);
      }
      canonical.push_back(std::move(c));
    }
    std::erase_if(axes_, [f](const GridAxis& a) { return a.field == f->name; });
    if (canonical.size() == 1) {
      f->set(base_, canonical.front());
      return;
    }
    // Keep axes in run_fields() order, whatever order they were set in.
    GridAxis axis{std::string(f->name), std::move(canonical)};
    const auto order = [](std::string_view name) {
      const auto& fs = run_fields();
      for (std::size_t i = 0; i < fs.size(); ++i) {
        if (fs[i].name == name) return i;
      }
      return fs.size();
    };
    auto at = axes_.begin();
    while (at != axes_.end() && order(at->field) < order(axis.field)) ++at;
    axes_.insert(at, std::move(axis));
  }

  /// Number of cells (1 without axes).
  [[nodiscard]] std::int64_t cells() const noexcept {
    std::int64_t n = 1;
    for (const auto& a : axes_) n *= static_cast<std::int64_t>(a.values.size());
    return n;
  }
  /// Total runs: cells() x runs().
  [[nodiscard]] std::int64_t total_runs() const noexcept { return cells() * runs_; }
  /// Blocks of one cell: runs() / block_runs, rounded up.
  [[nodiscard]] std::int64_t blocks_per_cell() const noexcept {
    return (runs_ + block_runs - 1) / block_runs;
  }
  /// Blocks of the whole grid: cells() x blocks_per_cell().
  [[nodiscard]] std::int64_t blocks() const noexcept { return cells() * blocks_per_cell(); }

  /// Index of the value of each axis in cell `c`.
  [[nodiscard]] std::vector<std::size_t> cell_coordinates(std::int64_t c) const {
    std::vector<std::size_t> at(axes_.size());
    for (std::size_t i = axes_.size(); i-- > 0;) {
      const auto n = static_cast<std::int64_t>(axes_[i].values.size());
      at[i] = static_cast<std::size_t>(c % n);
      c /= n;
    }
    return at;
  }

  /// The settings of cell `c`, resolved (environment defaults written in), seed still the base's.
  [[nodiscard]] RunSpec cell(std::int64_t c) const {
    if (c < 0 || c >= cells())
      tabrl::detail::throw_invalid("Grid::cell",
                                   tabrl::detail::concat("cell must be in [0, ", cells(), ")"), c);
    RunSpec s = base_;
    const auto at = cell_coordinates(c);
    for (std::size_t i = 0; i < axes_.size(); ++i)
      set_field(s, axes_[i].field, axes_[i].values[at[i]]);
    return resolved(s);
  }

  /// Run r of cell c: cell(c) with seed run_seed(seed(), r).
  [[nodiscard]] RunSpec run(std::int64_t c, std::int64_t r) const {
    RunSpec s = cell(c);
    s.seed = run_seed(seed_, r);
    return s;
  }

  /// Checks the size limits and validates every cell; throws InvalidArgument naming the
  /// setting or the limit. run_sweep calls it; call it early to fail before any work.
  void check() const {
    using tabrl::detail::concat;
    using tabrl::detail::throw_invalid;
    double cells_d = 1.0;
    for (const auto& a : axes_) cells_d *= static_cast<double>(a.values.size());
    if (cells_d > static_cast<double>(max_cells))
      throw_invalid("Grid",
                    concat("cells (the product of the list lengths) must be <= ", max_cells),
                    cells_d);
    const double runs_d = cells_d * static_cast<double>(runs_);
    if (runs_d > static_cast<double>(max_runs))
      throw_invalid("Grid", concat("total runs (cells x runs) must be <= ", max_runs), runs_d);
    double episodes = 0.0, curve = 0.0;
    for (std::int64_t c = 0; c < cells(); ++c) {
      const RunSpec s = cell(c);
      try {
        validate(s);
      } catch (const InvalidArgument& e) {
        std::string where;
        const auto at = cell_coordinates(c);
        for (std::size_t i = 0; i < axes_.size(); ++i)
          where += concat(i > 0 ? ", " : "", axes_[i].field, " ", axes_[i].values[at[i]]);
        throw InvalidArgument(where.empty()
                                  ? std::string(e.what())
                                  : std::string(e.what()) + " (in the cell with " + where + ")");
      }
      episodes += static_cast<double>(s.episodes) * static_cast<double>(runs_);
      curve += static_cast<double>(s.episodes) + 500.0;
    }
    if (episodes > max_episodes)
      throw_invalid(
          "Grid",
          concat("total episodes (runs x episodes over all cells) must be <= ", max_episodes),
          episodes);
    if (curve > max_curve_entries)
      throw_invalid(
          "Grid",
          concat("cells x episodes must be <= ", max_curve_entries, " (curves are kept in memory)"),
          curve);
  }

  /// The grid as a JSON object that tabrl_sweep --grid reads back: {"runs", "seed",
  /// "settings": {every field: value, or [values] for an axis}}. Equal grids give equal text.
  [[nodiscard]] std::string to_json() const {
    std::string out = "{\"runs\":";
    append_number(out, runs_);
    out += ",\"seed\":";
    append_json_string(out,
                       number_text(seed_));  // a string: JSON readers may round 64-bit integers
    out += ",\"settings\":{";
    bool first = true;
    for (const RunField& f : run_fields()) {
      if (f.name == "seed") continue;  // set per run
      if (!first) out += ',';
      first = false;
      append_json_string(out, f.name);
      out += ':';
      const GridAxis* axis = nullptr;
      for (const auto& a : axes_) {
        if (a.field == f.name) axis = &a;
      }
      if (axis == nullptr) {
        append_json_string(out, f.get(base_));
        continue;
      }
      out += '[';
      for (std::size_t i = 0; i < axis->values.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, axis->values[i]);
      }
      out += ']';
    }
    out += "}}";
    return out;
  }

  /// A 64-bit FNV-1a hash of to_json() and the block size: journals carry it so results of
  /// different grids are never merged.
  [[nodiscard]] std::uint64_t fingerprint() const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const std::string text = to_json() + "/block_runs=" + number_text(block_runs);
    for (const char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    return h;
  }

 private:
  static std::vector<std::string> expand_range(std::string_view field, std::string_view text) {
    using tabrl::detail::concat;
    const std::size_t c1 = text.find(':');
    const std::size_t c2 = text.find(':', c1 + 1);
    if (c2 == std::string_view::npos || text.find(':', c2 + 1) != std::string_view::npos)
      tabrl::detail::throw_invalid("Grid", concat(field, " range must be lo:hi:step"),
                                   concat("'", text, "'"));
    const double lo = parse_double("Grid", concat(field, " range start"), text.substr(0, c1));
    const double hi =
        parse_double("Grid", concat(field, " range end"), text.substr(c1 + 1, c2 - c1 - 1));
    const double step = parse_double("Grid", concat(field, " range step"), text.substr(c2 + 1));
    if (!(step > 0.0))
      tabrl::detail::throw_invalid("Grid", concat(field, " range step must be > 0"), step);
    if (!(hi >= lo))
      tabrl::detail::throw_invalid("Grid", concat(field, " range end must be >= its start ", lo),
                                   hi);
    const double count = std::floor((hi - lo) / step + 1e-9) + 1.0;
    if (count > static_cast<double>(max_list))
      tabrl::detail::throw_invalid(
          "Grid", concat(field, " range must have at most ", max_list, " values"), count);
    std::vector<std::string> values;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.12g", lo + static_cast<double>(i) * step);
      values.emplace_back(buf);
    }
    return values;
  }

  RunSpec base_;
  std::vector<GridAxis> axes_;
  std::int64_t runs_ = 1;
  std::uint64_t seed_ = 0;
};

}  // namespace tabrl::experiment
