#!/usr/bin/env bash
# Every way of consuming tabrl, tested as a user would: install + find_package,
# add_subdirectory, FetchContent, pkg-config, and a plain compiler command line.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build g++ pkg-config libeigen3-dev
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S . -B "$work/tabrl" -G Ninja -DCMAKE_INSTALL_PREFIX="$work/prefix" \
  -DTABRL_BUILD_TESTS=OFF -DTABRL_BUILD_EXAMPLES=OFF -DTABRL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --install "$work/tabrl" >/dev/null

for kind in find_package add_subdirectory fetchcontent; do
  echo "-- consumer: $kind"
  cmake -S tests/consumers/$kind -B "$work/$kind" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DTABRL_SOURCE_DIR="$root" >/dev/null
  cmake --build "$work/$kind" >/dev/null
  "$work/$kind/consumer"
done

echo "-- consumer: pkg-config"
PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --exists --print-errors 'tabrl >= 0.2'
# shellcheck disable=SC2046
g++ -O2 tests/consumers/consumer.cpp -o "$work/pc_consumer" \
  $(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --cflags tabrl)
"$work/pc_consumer"

echo "-- consumer: plain g++ -I include -I /usr/include/eigen3 (umbrella header)"
g++ -std=c++20 -O2 -I include -I /usr/include/eigen3 tests/consumers/consumer.cpp -o "$work/plain"
"$work/plain"
