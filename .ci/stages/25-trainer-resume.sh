#!/usr/bin/env bash
# The trainer's checkpoints, for every kind of agent and memory it accepts: a run must print
# exactly the same (the measured seconds aside) whether it ran in one go, stopped at episode
# 40 and resumed from the checkpoint, or checkpointed every 7 episodes. (Prioritized runs fix
# --per-beta-steps: by default beta anneals over 20 samples per episode of the run it was
# created for, so a run created for 40 episodes is another run.) Also: bad flags exit 2
# with a one-line error that names the flag and its bound.
set -euo pipefail
bash .ci/bootstrap test-build cliff_walking_replay >/dev/null
bin=./build/ci/examples/cliff_walking_replay
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip_time() { sed 's/"seconds":[0-9.e+-]*,//'; }
runs=(
  "--seed 0"
  "--seed 3"
  "--agent expected-sarsa --replay prioritized --per-beta-steps 2000 --n-step 2 --seed 1"
  "--agent double-q --n-step 3 --seed 2"
  "--agent double-q --replay prioritized --per-beta-steps 2000 --duplicates mean --seed 4"
  "--agent sarsa --seed 5"
  "--agent q --replay online --seed 6"
  "--env frozen-lake --eval-episodes 100 --seed 7"
  "--env taxi --agent double-q --replay prioritized --per-beta-steps 2000 --eval-episodes 50 --seed 8"
)
for args in "${runs[@]}"; do
  # shellcheck disable=SC2086
  "$bin" --json $args | strip_time > "$work/whole.json"
  # shellcheck disable=SC2086
  "$bin" --json $args --episodes 40 --save "$work/run.ckpt" >/dev/null
  "$bin" --json --resume "$work/run.ckpt" --episodes 100 | strip_time > "$work/resumed.json"
  # shellcheck disable=SC2086
  "$bin" --json $args --checkpoint-every 7 --save "$work/every.ckpt" | strip_time > "$work/every.json"
  cmp "$work/whole.json" "$work/resumed.json"
  cmp "$work/whole.json" "$work/every.json"
  echo "$args: resumed and periodically checkpointed runs are identical to the whole run"
done
"$bin" --json --seed 3 --episodes 10 --save "$work/ten.ckpt" >/dev/null
mkdir "$work/dir"
bad=(
  "--alpha 0" "--alpha ''" "--gamma 1.5" "--seed -1" "--episodes 0x10" "--episodes --quiet"
  "--batch 3000" "--bogus" "--sampling sometimes" "--checkpoint-every 5" "--memory 2000000000"
  "--updates-per-step 1000000" "--n-step 1000000" "--eval-episodes 2147483647"
  "--per-alpha 0.5" "--replay prioritized --per-beta nan" "--agent sarsa --replay uniform"
  "--resume $work/missing" "--resume $work/dir" "--resume /dev/zero" "--save /dev/full"
  "--resume $work/ten.ckpt --episodes 5" "--resume $work/ten.ckpt --agent expected-sarsa"
)
for args in "${bad[@]}"; do
  set +e
  eval "\"$bin\" $args" >"$work/out" 2>"$work/err"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "trainer exited $rc for bad flags: $args"; cat "$work/err"; exit 1; fi
  [ "$(wc -l < "$work/err")" -eq 1 ] || { echo "error for '$args' is not one line:"; cat "$work/err"; exit 1; }
  echo "rejected '$args': $(cat "$work/err")"
done
