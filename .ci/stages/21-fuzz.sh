#!/usr/bin/env bash
# libFuzzer (clang, ASan + UBSan) on every loader, for a bounded time each; any crash, leak
# or sanitizer report fails the stage. FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION skips the
# checksum comparison so the fuzzer reaches the checks behind it.
set -euo pipefail
bash .ci/bootstrap deps clang libclang-rt-14-dev libeigen3-dev
seconds=${TABRL_FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in q_table checkpoint; do
  clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -I include -isystem /usr/include/eigen3 \
    "tests/fuzz/fuzz_$target.cpp" -o "$work/fuzz_$target"
  mkdir -p "$work/corpus_$target"
  cp "tests/fuzz/corpus/$target"/* "$work/corpus_$target/"
  "$work/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$work/" \
    "$work/corpus_$target" 2>"$work/$target.log" || { tail -40 "$work/$target.log"; mkdir -p fuzz-artifacts; cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* fuzz-artifacts/ 2>/dev/null || true; exit 1; }
  runs=$(grep -E '^stat::number_of_executed_units' "$work/$target.log" | awk '{print $2}')
  echo "fuzz_$target: $runs executions in ${seconds} s, no crash"
done
