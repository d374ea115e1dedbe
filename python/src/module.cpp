/// \file python/src/module.cpp
/// The module tabrl._tabrl: exception mapping, the helpers every area shares, and the calls
/// that register each area.

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace tabrl::python {

namespace {

// Objects a training run is using. Only touched with the GIL held, so the GIL is its lock;
// a handful of entries at most (one run per thread).
std::vector<const void*>& leased() {
  static std::vector<const void*> objects;
  return objects;
}

// tabrl.FormatError's type object. Created once and never released: a static py::object
// would be destroyed after the interpreter is gone.
PyObject* format_error_type = nullptr;

}  // namespace

std::string type_name(py::handle h) {
  return py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>();
}

void bad_type(const char* who, const char* what, py::handle h) {
  detail::throw_invalid(who, what, type_name(h));
}

Lease::Lease(std::initializer_list<const void*> objects, const char* who) {
  for (const void* object : objects) check_idle(object, who);
  for (const void* object : objects) {
    if (count_ == objects_.size()) throw LogicError("tabrl::python::Lease: too many objects");
    objects_[count_++] = object;
    leased().push_back(object);
  }
}

Lease::~Lease() {
  auto& all = leased();
  for (std::size_t i = 0; i < count_; ++i) {
    const auto it = std::find(all.begin(), all.end(), objects_[i]);
    if (it != all.end()) all.erase(it);
  }
}

void check_idle(const void* object, const char* who) {
  const auto& all = leased();
  if (!all.empty() && std::find(all.begin(), all.end(), object) != all.end()) {
    throw LogicError(std::string(who) +
                     ": the object is in use by a training run in another thread; wait for it "
                     "to finish");
  }
}

std::uint64_t to_seed(py::handle value, const char* who) {
  const py::int_ seed = py::reinterpret_steal<py::int_>(PyNumber_Index(value.ptr()));
  if (!seed) {
    PyErr_Clear();
    detail::throw_invalid(who, "seed must be an integer in [0, 2**64)",
                          py::repr(value).cast<std::string>());
  }
  const unsigned long long v = PyLong_AsUnsignedLongLong(seed.ptr());
  if (PyErr_Occurred() != nullptr) {
    PyErr_Clear();
    detail::throw_invalid(who, "seed must be an integer in [0, 2**64)",
                          py::repr(value).cast<std::string>());
  }
  return v;
}

std::string shortest(double value) {
  std::array<char, 32> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  std::string text(buffer.data(), end);
  // Python writes integral floats as "1.0"; keep that so the reprs read as Python values.
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

DuplicateRule to_duplicate_rule(py::handle value) {
  if (py::isinstance<DuplicateRule>(value)) return value.cast<DuplicateRule>();
  if (py::isinstance<py::str>(value)) {
    const auto name = value.cast<std::string>();
    if (name == "last") return DuplicateRule::last;
    if (name == "mean") return DuplicateRule::mean;
    if (name == "sequential") return DuplicateRule::sequential;
  }
  detail::throw_invalid("duplicates", "duplicates must be 'last', 'mean' or 'sequential'",
                        py::repr(value).cast<std::string>());
}

Sampling to_sampling(py::handle value) {
  if (py::isinstance<Sampling>(value)) return value.cast<Sampling>();
  if (py::isinstance<py::str>(value)) {
    const auto name = value.cast<std::string>();
    if (name == "without_replacement") return Sampling::without_replacement;
    if (name == "with_replacement") return Sampling::with_replacement;
  }
  detail::throw_invalid("sampling", "sampling must be 'without_replacement' or 'with_replacement'",
                        py::repr(value).cast<std::string>());
}

void init_errors(py::module_& m) {
  format_error_type = PyErr_NewExceptionWithDoc(
      "tabrl.FormatError",
      "A file that is not a valid tabrl file of the expected kind (truncated, wrong magic, "
      "unsupported version, wrong scalar type, checksum mismatch or shape mismatch). A "
      "ValueError; its `problem` attribute names the failed check.",
      PyExc_ValueError, nullptr);
  if (format_error_type == nullptr) throw py::error_already_set();
  m.attr("FormatError") = py::handle(format_error_type);

  // The C++ message is kept as it is: it already names the class, the bound and the value.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FormatError& e) {
      py::object error = py::reinterpret_borrow<py::object>(format_error_type)(e.what());
      error.attr("problem") = std::string(to_string(e.problem()));
      PyErr_SetObject(format_error_type, error.ptr());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const LogicError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

}  // namespace tabrl::python

PYBIND11_MODULE(_tabrl, m) {
  using namespace tabrl::python;
  m.doc() =
      "tabrl's native core: environments, agents, replay memories and training loops in C++. "
      "Import the package `tabrl`, not this module.";
  m.attr("__version__") = TABRL_PYTHON_VERSION;
  init_errors(m);
  init_envs(m);
  init_agents(m);
  init_memories(m);
  init_training(m);
  init_q_table(m);
  init_replay(m);
  init_checkpoint(m);
  init_sweep(m);
#if defined(TABRL_PYTHON_HAS_VIZ)
  init_viz(m);
#endif
}
