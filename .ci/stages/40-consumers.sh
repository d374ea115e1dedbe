#!/usr/bin/env bash
# Every way of consuming tabrl, tested as a user would: install + find_package,
# add_subdirectory, FetchContent, pkg-config (core and viz, from a --prefix install that is
# then moved), and a plain compiler command line. The install uses the README's commands.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build g++ pkg-config libeigen3-dev libfmt-dev libgif-dev libpng-dev python3
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The README's install commands, with the build directory in $work.
cmake --preset install -B "$work/tabrl" >/dev/null
cmake --install "$work/tabrl" --prefix "$work/prefix" >/dev/null

for kind in find_package add_subdirectory fetchcontent; do
  echo "-- consumer: $kind"
  cmake -S tests/consumers/$kind -B "$work/$kind" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DTABRL_SOURCE_DIR="$root" >/dev/null
  cmake --build "$work/$kind" >/dev/null
  "$work/$kind/consumer"
done

# pkg-config: the .pc files find their prefix from their own place, so the install is moved
# first; a stale absolute prefix would point at the old place, which no longer exists.
mv "$work/prefix" "$work/moved"
export PKG_CONFIG_PATH="$work/moved/share/pkgconfig"
echo "-- consumer: pkg-config tabrl (--prefix install, moved)"
pkg-config --exists --print-errors 'tabrl >= 0.2'
case "$(pkg-config --cflags tabrl)" in
  *"$work/moved/"*) ;;
  *) echo "tabrl.pc does not point into the moved prefix: $(pkg-config --cflags tabrl)"; exit 1 ;;
esac
# shellcheck disable=SC2046
g++ -O2 tests/consumers/consumer.cpp -o "$work/pc_consumer" $(pkg-config --cflags tabrl)
"$work/pc_consumer"

echo "-- consumer: pkg-config tabrl-viz (the docs' viz programs, warnings as errors)"
pkg-config --exists --print-errors 'tabrl-viz >= 0.2'
python3 tests/docs/doc_blocks.py extract --root . --out "$work/blocks" >/dev/null
viz_programs=$(grep -l '#include <tabrl/viz/' "$work"/blocks/*.cpp || true)
[ -n "$viz_programs" ] || { echo "no viz program in README.md or docs/"; exit 1; }
for program in $viz_programs; do
  name=$(basename "$program" .cpp)
  # shellcheck disable=SC2046
  g++ -O1 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror \
    "$program" -o "$work/$name" $(pkg-config --cflags --libs tabrl-viz)
  (mkdir -p "$work/run_$name" && cd "$work/run_$name" && "$work/$name" >/dev/null)
  echo "$name: built with pkg-config tabrl-viz, ran"
done

echo "-- consumer: plain g++ -I include -I /usr/include/eigen3 (umbrella header)"
g++ -std=c++20 -O2 -I include -I /usr/include/eigen3 tests/consumers/consumer.cpp -o "$work/plain"
"$work/plain"
