#!/usr/bin/env bash
# Everything (library headers through tests, examples and benchmarks) builds with clang++ and
# -Wall -Wextra -Wpedantic -Werror. The README's test command already does the same with g++.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build clang libeigen3-dev libfmt-dev libcli11-dev catch2 libbenchmark-dev libgif-dev libpng-dev
cmake --preset clang-werror >/dev/null
cmake --build --preset clang-werror -j "$(nproc)"
cmake --build --preset clang-werror --target all_verify_interface_header_sets -j "$(nproc)"
echo "clang++ -Werror: everything builds, every public header compiles on its own"
