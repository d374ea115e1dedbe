# tabrl's Python extension module (python/): pybind11 bindings of the environments, agents,
# memories, training loops, files and pictures, plus the pure-Python package around them.
#
# Off by default: it is the heaviest compile in the tree and must match one Python
# interpreter. The `ci` preset turns it on; `pip install ./python` (python/setup.py) turns it on
# for the interpreter that runs pip. Without pybind11 or Python's development files the rest
# still builds, as without giflib (a status line says what is missing).
#
# Pass -DPython_EXECUTABLE=/usr/bin/python3 on Debian when another python3 comes first on PATH
# (pyenv's does on the build machines and lacks Debian's numpy).
#
# The asan-ubsan preset leaves it off: an extension built with -fsanitize=address cannot be
# loaded by an uninstrumented python3 unless libasan is preloaded into the interpreter, and
# then CPython's own allocations flood the leak report.
option(TABRL_BUILD_PYTHON "Build the Python extension module (needs pybind11 and Python 3 headers)" OFF)
if(NOT TABRL_BUILD_PYTHON)
  return()
endif()

find_package(Python 3.8 COMPONENTS Interpreter Development.Module QUIET)
if(NOT Python_FOUND)
  message(STATUS "tabrl: Python 3 interpreter or development files not found (Debian: python3-dev), the Python module is not built")
  return()
endif()
if(NOT DEFINED pybind11_DIR)
  # Debian's python3-pybind11 knows where its CMake files are, also inside a virtualenv.
  execute_process(COMMAND "${Python_EXECUTABLE}" -c "import pybind11; print(pybind11.get_cmake_dir())"
                  OUTPUT_VARIABLE _tabrl_pybind11_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _tabrl_pybind11_found ERROR_QUIET)
  if(_tabrl_pybind11_found EQUAL 0 AND IS_DIRECTORY "${_tabrl_pybind11_dir}")
    set(pybind11_DIR "${_tabrl_pybind11_dir}" CACHE PATH "pybind11's CMake package directory")
  endif()
endif()
find_package(pybind11 2.6 CONFIG QUIET)
if(NOT pybind11_FOUND)
  message(STATUS "tabrl: pybind11 not found (Debian: pybind11-dev python3-pybind11), the Python module is not built")
  return()
endif()
message(STATUS "tabrl: Python module for ${Python_EXECUTABLE} (Python ${Python_VERSION}, pybind11 ${pybind11_VERSION})")

add_subdirectory(python)
