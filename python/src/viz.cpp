/// \file python/src/viz.cpp
/// The picture writers as the submodule tabrl.viz: text and SVG heatmaps, learning curves and
/// policies (returned as strings), RGB frames of the environments as numpy arrays, GIF and PNG
/// files.

#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <tabrl/viz/viz.hpp>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

using viz::Rgb;
using viz::RgbImage;

// Values and grid shape: a 2-D array gives both; a 1-D one needs rows and cols.
struct Grid {
  std::vector<double> values;
  int rows = 0;
  int cols = 0;
};

Grid grid_of(const py::handle values, const py::object& rows, const py::object& cols,
             const char* who) {
  const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array || array.ndim() < 1 || array.ndim() > 2) {
    PyErr_Clear();
    detail::throw_invalid(who, "values must be a 1-D or 2-D array of numbers",
                          py::repr(values).cast<std::string>());
  }
  Grid g;
  g.values.assign(array.data(), array.data() + array.size());
  if (rows.is_none() != cols.is_none()) {
    detail::throw_invalid(who, "rows and cols must be given together",
                          rows.is_none() ? "cols only" : "rows only");
  }
  if (!rows.is_none()) {
    g.rows = rows.cast<int>();
    g.cols = cols.cast<int>();
  } else if (array.ndim() == 2) {
    g.rows = static_cast<int>(array.shape(0));
    g.cols = static_cast<int>(array.shape(1));
  } else {
    detail::throw_invalid(who, "rows and cols are needed for 1-D values", array.shape(0));
  }
  return g;
}

std::vector<int> ints_of(const py::handle values, const char* who) {
  const auto array = py::array_t<int, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array) {
    PyErr_Clear();
    detail::throw_invalid(who, "expected an array of integers",
                          py::repr(values).cast<std::string>());
  }
  return {array.data(), array.data() + array.size()};
}

viz::Scale scale_of(const std::string& name) {
  if (name == "linear") return viz::Scale::linear;
  if (name == "log") return viz::Scale::log;
  detail::throw_invalid("viz", "scale must be 'linear' or 'log'", name);
}

Rgb rgb_of(const py::handle color) {
  const auto c = color.cast<std::tuple<int, int, int>>();
  for (int v : {std::get<0>(c), std::get<1>(c), std::get<2>(c)}) {
    if (v < 0 || v > 255) detail::throw_invalid("viz", "colour channels must be in [0, 255]", v);
  }
  return {static_cast<std::uint8_t>(std::get<0>(c)), static_cast<std::uint8_t>(std::get<1>(c)),
          static_cast<std::uint8_t>(std::get<2>(c))};
}

std::vector<std::string> marks_of(const py::object& marks) {
  return marks.is_none() ? std::vector<std::string>{} : marks.cast<std::vector<std::string>>();
}

py::array_t<std::uint8_t> to_array(const RgbImage& image) {
  py::array_t<std::uint8_t> out({static_cast<py::ssize_t>(image.height()),
                                 static_cast<py::ssize_t>(image.width()), py::ssize_t{3}});
  std::copy(image.pixels().begin(), image.pixels().end(), out.mutable_data());
  return out;
}

RgbImage to_image(const py::handle frame, const char* who) {
  const auto array =
      py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(frame);
  if (!array || array.ndim() != 3 || array.shape(2) != 3 || array.shape(0) < 1 ||
      array.shape(1) < 1) {
    PyErr_Clear();
    detail::throw_invalid(who, "frames must be uint8 arrays of shape (height, width, 3)",
                          py::repr(py::getattr(frame, "shape", frame)).cast<std::string>());
  }
  RgbImage image(static_cast<int>(array.shape(1)), static_cast<int>(array.shape(0)));
  std::copy(array.data(), array.data() + array.size(), image.pixels().begin());
  return image;
}

viz::FrameStyle style_of(int cell) {
  viz::FrameStyle style;
  style.cell = cell;
  return style;
}

// The viz writers report a failed file operation as a plain tabrl::Error: Python users get the
// OSError they expect for it (argument errors keep their own types).
template <class F>
auto file_operation(F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    if (typeid(e) == typeid(Error)) throw IoError(e.what());
    throw;
  }
}

}  // namespace

void init_viz(py::module_& parent) {
  py::module_ m = parent.def_submodule(
      "viz",
      "Pictures: text and SVG heatmaps, learning curves and policies, RGB frames of the "
      "environments, GIF and PNG files.");
  m.attr("gif_available") = viz::gif_available;
  m.attr("png_available") = viz::png_available;

  m.def(
      "heatmap_text",
      [](const py::handle values, const py::object& rows, const py::object& cols, bool color,
         int precision, const std::string& scale, double lo, double hi, const py::object& marks) {
        const Grid g = grid_of(values, rows, cols, "viz::heatmap_text");
        viz::TextHeatmapOptions o;
        o.color = color;
        o.precision = precision;
        o.scale = scale_of(scale);
        o.lo = lo;
        o.hi = hi;
        o.marks = marks_of(marks);
        return viz::heatmap_text(std::span<const double>(g.values), g.rows, g.cols, o);
      },
      py::arg("values"), py::arg("rows") = py::none(), py::arg("cols") = py::none(), py::kw_only(),
      py::arg("color") = false, py::arg("precision") = -1, py::arg("scale") = "linear",
      py::arg("lo") = NAN, py::arg("hi") = NAN, py::arg("marks") = py::none(), R"doc(
A grid of values as text, one line per row (state = row * cols + col). A 2-D array gives the
shape; 1-D values need rows and cols. color: 24-bit background colours; precision: decimals
(-1: none for integers, else 1); scale 'linear' or 'log'; lo/hi: the colour range (NaN: the
data's); marks: per state, text shown instead of the value.)doc");

  m.def(
      "policy_text",
      [](const py::handle actions, int rows, int cols, const py::object& marks, bool color) {
        const std::vector<int> a = ints_of(actions, "viz::policy_text");
        const std::vector<std::string> k = marks_of(marks);
        return viz::policy_text(std::span<const int>(a), rows, cols,
                                std::span<const std::string>(k), color);
      },
      py::arg("actions"), py::arg("rows"), py::arg("cols"), py::kw_only(),
      py::arg("marks") = py::none(), py::arg("color") = false,
      "A policy as arrows (actions 0 up, 1 right, 2 down, 3 left) on a rows x cols grid; a "
      "non-empty mark replaces a cell's arrow.");

  m.def("side_by_side", &viz::side_by_side, py::arg("left"), py::arg("right"), py::kw_only(),
        py::arg("gap") = 4, "Two multi-line blocks side by side.");

  m.def(
      "svg_heatmap",
      [](const py::handle values, const py::object& rows, const py::object& cols,
         const std::string& title, const std::string& colorbar_label, int cell, int precision,
         const std::string& scale, double lo, double hi) {
        const Grid g = grid_of(values, rows, cols, "viz::svg_heatmap");
        viz::SvgHeatmapOptions o;
        o.title = title;
        o.colorbar_label = colorbar_label;
        o.cell = cell;
        o.precision = precision;
        o.scale = scale_of(scale);
        o.lo = lo;
        o.hi = hi;
        return viz::svg_heatmap(std::span<const double>(g.values), g.rows, g.cols, o);
      },
      py::arg("values"), py::arg("rows") = py::none(), py::arg("cols") = py::none(), py::kw_only(),
      py::arg("title") = "", py::arg("colorbar_label") = "", py::arg("cell") = 48,
      py::arg("precision") = -1, py::arg("scale") = "linear", py::arg("lo") = NAN,
      py::arg("hi") = NAN,
      "A heatmap as an SVG document (a string) with a colour bar and the values in the cells.");

  py::class_<viz::CurveSeries>(m, "CurveSeries", "One curve of svg_learning_curve.")
      .def(py::init(
               [](std::string name, std::vector<std::vector<double>> runs, const py::handle color) {
                 return viz::CurveSeries{std::move(name), std::move(runs), rgb_of(color)};
               }),
           py::arg("name"), py::arg("runs"), py::kw_only(),
           py::arg("color") = py::make_tuple(0x1f, 0x4e, 0xc8),
           "runs[i][e]: the return of episode e in run i (all runs the same length); several "
           "runs are drawn as their mean with a mean +- std band.")
      .def_readonly("name", &viz::CurveSeries::name, "The legend text.")
      .def_readonly("runs", &viz::CurveSeries::runs,
                    "runs[i][e]: the return of episode e in run i.");

  m.def(
      "svg_learning_curve",
      [](const py::handle series, const std::string& title, const std::string& x_label,
         const std::string& y_label, int window, double y_min, double y_max, int width, int height,
         bool bands) {
        viz::LearningCurveOptions o;
        o.title = title;
        o.x_label = x_label;
        o.y_label = y_label;
        o.window = window;
        o.y_min = y_min;
        o.y_max = y_max;
        o.width = width;
        o.height = height;
        o.bands = bands;
        std::vector<viz::CurveSeries> list;
        if (py::isinstance<py::list>(series) || py::isinstance<py::tuple>(series)) {
          for (const py::handle s : series) list.push_back(s.cast<viz::CurveSeries>());
        } else {
          const Grid g =
              grid_of(series, py::int_(1), py::int_(py::len(series)), "viz::svg_learning_curve");
          list.push_back({"return per episode", {g.values}, Rgb{0x1f, 0x4e, 0xc8}});
        }
        return viz::svg_learning_curve(std::span<const viz::CurveSeries>(list), o);
      },
      py::arg("series"), py::kw_only(), py::arg("title") = "", py::arg("x_label") = "episode",
      py::arg("y_label") = "return", py::arg("window") = 10, py::arg("y_min") = NAN,
      py::arg("y_max") = NAN, py::arg("width") = 760, py::arg("height") = 420,
      py::arg("bands") = true, R"doc(
A learning curve as an SVG document: `series` is one run's returns (a 1-D array) or a list of
CurveSeries. Each curve shows the per-episode return and its moving average over `window`
episodes; y_min/y_max clip the axis (NaN: from the data).)doc");

  m.def(
      "svg_policy",
      [](const py::handle actions, int rows, int cols, const std::string& title, int cell,
         const py::object& marks, const py::object& fills, const py::object& path) {
        viz::SvgPolicyOptions o;
        o.title = title;
        o.cell = cell;
        o.marks = marks_of(marks);
        if (!fills.is_none()) {
          for (const py::handle f : fills) o.fills.push_back(rgb_of(f));
        }
        if (!path.is_none()) o.path = ints_of(path, "viz::svg_policy");
        const std::vector<int> a = ints_of(actions, "viz::svg_policy");
        return viz::svg_policy(std::span<const int>(a), rows, cols, o);
      },
      py::arg("actions"), py::arg("rows"), py::arg("cols"), py::kw_only(), py::arg("title") = "",
      py::arg("cell") = 48, py::arg("marks") = py::none(), py::arg("fills") = py::none(),
      py::arg("path") = py::none(),
      "A policy as arrows on a grid as an SVG document; `path` highlights states (e.g. a "
      "rollout's), `fills` colours cells ((r, g, b) per state).");

  m.def("cliff_walking_marks", &viz::cliff_walking_marks,
        "CliffWalking's marks for policy_text / svg_policy: 'C' on the cliff, 'G' on the goal.");
  m.def(
      "max_q",
      [](const py::handle table) {
        const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(
            as<TDAgent<>>(table) != nullptr ? table.attr("q")
                                            : py::reinterpret_borrow<py::object>(table));
        if (!array || array.ndim() != 2 || array.shape(1) < 1) {
          PyErr_Clear();
          detail::throw_invalid("viz::max_q", "table must be an agent or a 2-D array",
                                py::repr(table).cast<std::string>());
        }
        const auto q =
            Eigen::Map<const QTable<double>>(array.data(), array.shape(0), array.shape(1));
        return to_numpy(viz::max_q(q));
      },
      py::arg("table"), "max over actions of each state's row (a Q table or an agent).");

  m.def(
      "render_cliff_walking",
      [](int agent_state, const py::object& trail, int cell) {
        const std::vector<int> t =
            trail.is_none() ? std::vector<int>{} : ints_of(trail, "viz::render_cliff_walking");
        return to_array(
            viz::render_cliff_walking(agent_state, std::span<const int>(t), style_of(cell)));
      },
      py::arg("agent_state"), py::arg("trail") = py::none(), py::kw_only(), py::arg("cell") = 32,
      "A CliffWalking frame as a (height, width, 3) uint8 array: the agent as a disc, the "
      "trail's cells as dots.");
  m.def(
      "render_frozen_lake",
      [](const FrozenLake& lake, int agent_state, const py::object& trail, int cell) {
        const std::vector<int> t =
            trail.is_none() ? std::vector<int>{} : ints_of(trail, "viz::render_frozen_lake");
        return to_array(
            viz::render_frozen_lake(lake, agent_state, std::span<const int>(t), style_of(cell)));
      },
      py::arg("lake"), py::arg("agent_state"), py::arg("trail") = py::none(), py::kw_only(),
      py::arg("cell") = 32, "A FrozenLake frame as a (height, width, 3) uint8 array.");
  m.def(
      "render_taxi",
      [](int state, int cell) {
        viz::TaxiStyle style;
        style.frame.cell = cell;
        return to_array(viz::render_taxi(state, style));
      },
      py::arg("state"), py::kw_only(), py::arg("cell") = 32,
      "A Taxi frame as a (height, width, 3) uint8 array.");
  m.def(
      "render_rollout",
      [](const Rollout& rollout, int cell) {
        py::list frames;
        for (const RgbImage& f : viz::render_rollout(rollout, style_of(cell)))
          frames.append(to_array(f));
        return frames;
      },
      py::arg("rollout"), py::kw_only(), py::arg("cell") = 32,
      "One CliffWalking frame per state of a rollout (the agent and its trail so far).");

  m.def(
      "write_gif",
      [](const std::filesystem::path& path, const py::handle frames, int delay_centiseconds,
         bool loop) {
        std::vector<RgbImage> images;
        for (const py::handle f : frames) images.push_back(to_image(f, "viz::write_gif"));
        file_operation([&] {
          viz::write_gif(path.string(), std::span<const RgbImage>(images),
                         {delay_centiseconds, loop});
        });
      },
      py::arg("path"), py::arg("frames"), py::kw_only(), py::arg("delay_centiseconds") = 25,
      py::arg("loop") = true, R"doc(
Writes (height, width, 3) uint8 frames, all the same size and 256 colours at most, as an
animated GIF. Raises RuntimeError when this build has no giflib (see gif_available), OSError
when the file cannot be written.)doc");
  m.def(
      "write_png",
      [](const std::filesystem::path& path, const py::handle image) {
        const RgbImage img = to_image(image, "viz::write_png");
        file_operation([&] { viz::write_png(path.string(), img); });
      },
      py::arg("path"), py::arg("image"),
      "Writes a (height, width, 3) uint8 image as a PNG (RuntimeError without libpng, OSError "
      "when the file cannot be written).");
  m.def(
      "read_png",
      [](const std::filesystem::path& path) {
        return to_array(file_operation([&] { return viz::read_png(path.string()); }));
      },
      py::arg("path"), "Reads a PNG as a (height, width, 3) uint8 array.");
}

}  // namespace tabrl::python
