#!/usr/bin/env bash
# Killed at any moment, a checkpointing trainer loses nothing: 60 times, a trainer that
# checkpoints after every episode is started (resuming the checkpoint from the previous
# kill) and SIGKILLed after a random delay. Each restart must load the checkpoint the kill
# left (a torn or half-written one would stop it with exit 2); once it has started no
# temporary file may be left beside the checkpoint; and the run resumed from the last kill
# to the end must print exactly what an uninterrupted run prints.
set -euo pipefail
bash .ci/bootstrap test-build cliff_walking_replay >/dev/null
bin=./build/ci/examples/cliff_walking_replay
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip_time() { sed 's/"seconds":[0-9.e+-]*,//'; }
args=(--json --quiet --agent double-q --replay prioritized --n-step 2 --episodes 1500 --seed 12)
"${bin[@]}" "${args[@]}" | strip_time > "$work/whole.json"
ckpt="$work/run.ckpt"
kills=0 leftovers_at_kill=0 loaded=0
RANDOM=42
while [ "$kills" -lt 60 ]; do
  if [ -e "$ckpt" ]; then
    "$bin" --json --quiet --resume "$ckpt" --save "$ckpt" --checkpoint-every 1 >/dev/null 2>"$work/err" &
  else
    "$bin" "${args[@]}" --save "$ckpt" --checkpoint-every 1 >/dev/null 2>"$work/err" &
  fi
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400 + 20)))"
  if ! kill -0 "$pid" 2>/dev/null; then
    # It ended before the kill: finished the run, or refused the checkpoint.
    if wait "$pid"; then rm -f "$ckpt"; continue; fi
    echo "the trainer failed on the checkpoint left by kill $kills:"; cat "$work/err"; exit 1
  fi
  if [ -e "$ckpt" ]; then loaded=$((loaded + 1)); fi
  # A running trainer has removed every temporary of a writer that is gone: it does so when
  # it starts and before each checkpoint it writes. One that has just been started may not
  # have got that far (the sleep above can be 20 ms), so a foreign temporary gets half a
  # second, by which time the trainer has started or written a checkpoint, before it counts.
  shopt -s nullglob
  for f in "$ckpt".tmp-*; do
    owner=${f##*.tmp-}
    owner=${owner%%-*}
    if [ "$owner" != "$pid" ]; then
      sleep 0.5
      if [ -e "$f" ]; then echo "stale temporary left while a trainer runs: $f"; exit 1; fi
    fi
  done
  shopt -u nullglob
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))
  shopt -s nullglob
  left=("$ckpt".tmp-*)
  shopt -u nullglob
  if [ ${#left[@]} -gt 0 ]; then leftovers_at_kill=$((leftovers_at_kill + 1)); fi
done
# The last checkpoint, resumed to the end, gives the uninterrupted run's output.
"$bin" --json --quiet --resume "$ckpt" --save "$ckpt" | strip_time > "$work/resumed.json"
shopt -s nullglob
left=("$ckpt".tmp-*)
shopt -u nullglob
if [ ${#left[@]} -gt 0 ]; then echo "temporary files left after the final run: ${left[*]}"; exit 1; fi
cmp "$work/whole.json" "$work/resumed.json"
echo "$kills SIGKILLs ($loaded while a checkpoint existed): every restart loaded its checkpoint;"
echo "a temporary file stood beside it right after $leftovers_at_kill kills and none after the"
echo "next start; the resumed run equals the uninterrupted one"
