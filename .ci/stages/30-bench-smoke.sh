#!/usr/bin/env bash
# Benchmarks are not tests: CI only checks that they build (Release), that every case runs one
# short iteration, that the notebook comparison script runs end to end, and that the results
# fingerprint tool runs.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build g++ libeigen3-dev libfmt-dev libcli11-dev libbenchmark-dev python3 python3-numpy
cmake --preset release -DTABRL_BUILD_TESTS=OFF -DTABRL_BUILD_BENCHMARKS=ON >/dev/null
cmake --build --preset release --target tabrl_bench tabrl_fingerprint -j "$(nproc)"
bash .ci/bootstrap test-build cliff_walking_replay >/dev/null
# Google Benchmark 1.7.1 takes --benchmark_min_time in seconds: 0 runs one iteration per case.
./build/release/benchmarks/tabrl_bench --benchmark_min_time=0 >/dev/null
./build/release/benchmarks/tabrl_fingerprint >/dev/null
/usr/bin/python3 benchmarks/compare_notebook --trainer build/ci/examples/cliff_walking_replay --reps 1 --episodes 10
