#!/usr/bin/env bash
# The whole unit-test suite built with clang++ under AddressSanitizer + UndefinedBehaviorSanitizer
# (CMakePresets.json: asan-ubsan). Any report aborts the test that triggered it.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build clang libclang-rt-14-dev libeigen3-dev libfmt-dev catch2 libgif-dev libpng-dev python3 python3-numpy
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cmake --workflow --preset asan-ubsan
