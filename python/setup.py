"""Builds tabrl's extension module with the repository's CMake build (cmake/TabrlPython.cmake)
for the interpreter that runs this script, and packages it with the pure-Python files.

Settings from the environment: TABRL_CMAKE_ARGS (extra -D... arguments, split on spaces),
CMAKE_BUILD_PARALLEL_LEVEL (compile jobs; default: the number of CPUs).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the repository: CMakeLists.txt and include/ live there


def version():
    text = (ROOT / "include" / "tabrl" / "version.hpp").read_text()
    parts = [re.search(rf"#define TABRL_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if shutil.which("cmake") is None:
            raise RuntimeError("tabrl: building the Python module needs cmake (Debian: cmake)")
        output = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build = Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DTABRL_BUILD_PYTHON=ON",
            "-DTABRL_BUILD_TESTS=OFF",
            "-DTABRL_BUILD_EXAMPLES=OFF",
            "-DTABRL_BUILD_BENCHMARKS=OFF",
            "-DTABRL_INSTALL=OFF",
            f"-DTABRL_PYTHON_OUTPUT_DIR={output}",
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        configure += os.environ.get("TABRL_CMAKE_ARGS", "").split()
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build), "--target", "_tabrl", "-j", jobs], check=True)
        if not Path(self.get_ext_fullpath(ext.name)).exists():
            raise RuntimeError(
                "tabrl: CMake did not build the Python module; its configure output above says "
                "what is missing (pybind11: pybind11-dev python3-pybind11; headers: python3-dev)"
            )


setup(
    version=version(),
    ext_modules=[CMakeExtension("tabrl._tabrl")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
