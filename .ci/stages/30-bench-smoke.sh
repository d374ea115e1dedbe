#!/usr/bin/env bash
# Benchmarks are not tests: CI only checks that they build (Release) and that every case runs
# one short iteration, and that the notebook comparison script runs end to end.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build g++ libeigen3-dev libfmt-dev libcli11-dev libbenchmark-dev python3 python3-numpy
cmake --preset release -DTABRL_BUILD_TESTS=OFF -DTABRL_BUILD_BENCHMARKS=ON >/dev/null
cmake --build --preset release --target tabrl_bench cliff_walking_replay -j "$(nproc)"
./build/release/benchmarks/tabrl_bench --benchmark_min_time=0.001 >/dev/null
/usr/bin/python3 benchmarks/compare_notebook --trainer build/release/examples/cliff_walking_replay --reps 1 --episodes 10
