#!/usr/bin/env bash
# The trainer's checkpoints: 100 episodes in one go must print exactly what 40 episodes,
# a checkpoint, and a resumed run to 100 print (the measured seconds aside); so must a run
# that checkpoints every 7 episodes. Also: bad flags exit non-zero with a one-line error.
set -euo pipefail
bash .ci/bootstrap deps cmake ninja-build g++ libeigen3-dev libfmt-dev libcli11-dev libgif-dev libpng-dev
cmake --preset release -DTABRL_BUILD_TESTS=OFF -DTABRL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset release --target cliff_walking_replay -j "$(nproc)" >/dev/null
bin=./build/release/examples/cliff_walking_replay
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip_time() { sed 's/"seconds":[0-9.e+-]*,//'; }
for seed in 0 3; do
  "$bin" --json --seed "$seed" | strip_time > "$work/whole.json"
  "$bin" --json --seed "$seed" --episodes 40 --save "$work/run.ckpt" >/dev/null
  "$bin" --json --resume "$work/run.ckpt" --episodes 100 | strip_time > "$work/resumed.json"
  "$bin" --json --seed "$seed" --checkpoint-every 7 --save "$work/every.ckpt" | strip_time > "$work/every.json"
  cmp "$work/whole.json" "$work/resumed.json"
  cmp "$work/whole.json" "$work/every.json"
  echo "seed $seed: resumed and periodically checkpointed runs are identical to the whole run"
done
for bad in "--alpha 0" "--batch 3000" "--bogus" "--sampling sometimes" "--checkpoint-every 5" "--resume $work/missing"; do
  # shellcheck disable=SC2086
  if "$bin" $bad >"$work/out" 2>"$work/err"; then
    echo "trainer accepted bad flags: $bad"; exit 1
  fi
  [ "$(wc -l < "$work/err")" -eq 1 ] || { echo "error for '$bad' is not one line:"; cat "$work/err"; exit 1; }
  echo "rejected '$bad': $(cat "$work/err")"
done
