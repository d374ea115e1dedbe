/// \file python/src/q_table.cpp
/// Q tables to and from files: tabrl's checksummed binary format, .npy and CSV exports.

#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// The table to write: an agent's Q table, or any 2-D array-like of numbers (converted to a
// C-ordered float64 copy).
QTable<double> table_of(const py::handle table, const char* who) {
  if (const auto* agent = as<TDAgent<>>(table)) return agent->q_values();
  const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(table);
  if (!array || array.ndim() != 2 || array.shape(0) < 1 || array.shape(1) < 1) {
    PyErr_Clear();
    detail::throw_invalid(who, "table must be an agent or a non-empty 2-D array of numbers",
                          py::repr(py::getattr(table, "shape", table)).cast<std::string>());
  }
  QTable<double> out(array.shape(0), array.shape(1));
  std::copy(array.data(), array.data() + array.size(), out.data());
  return out;
}

py::array_t<double> to_array(const QTable<double>& q) {
  py::array_t<double> out({static_cast<py::ssize_t>(q.rows()), static_cast<py::ssize_t>(q.cols())});
  std::copy(q.data(), q.data() + q.size(), out.mutable_data());
  return out;
}

}  // namespace

void init_q_table(py::module_& m) {
  m.def(
      "save_q_table",
      [](const std::filesystem::path& path, const py::handle table) {
        save_q_table(path, table_of(table, "save_q_table"));
      },
      py::arg("path"), py::arg("table"), R"doc(
Saves a Q table (an agent, or a 2-D array) in tabrl's binary format (magic, version, shape,
float64 values, FNV-1a checksum), atomically: an existing file is replaced only once the new
one is complete. Raises OSError when the file cannot be written.)doc");

  m.def(
      "load_q_table",
      [](const std::filesystem::path& path, const py::object& shape) {
        std::optional<Shape> expected;
        if (!shape.is_none()) {
          const auto dims = shape.cast<std::pair<std::int64_t, std::int64_t>>();
          expected = Shape{dims.first, dims.second};
        }
        return to_array(load_q_table<double>(path, expected));
      },
      py::arg("path"), py::kw_only(), py::arg("shape") = py::none(), R"doc(
Loads a Q table saved with save_q_table as a float64 array. With `shape` (rows, cols) a file of
another shape is rejected. Raises OSError when the file cannot be read and tabrl.FormatError (a
ValueError; .problem names the failed check) when it is not a valid float64 Q table.)doc");

  m.def(
      "export_npy",
      [](const std::filesystem::path& path, const py::handle table) {
        export_npy(path, table_of(table, "export_npy"));
      },
      py::arg("path"), py::arg("table"), "Saves a Q table as a NumPy .npy file, atomically.");

  m.def(
      "export_csv",
      [](const std::filesystem::path& path, const py::handle table) {
        export_csv(path, table_of(table, "export_csv"));
      },
      py::arg("path"), py::arg("table"),
      "Saves a Q table as CSV (a header state,a0,a1,... and one line per state, values with 17 "
      "significant digits), atomically.");
}

}  // namespace tabrl::python
