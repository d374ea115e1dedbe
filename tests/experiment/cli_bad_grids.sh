#!/usr/bin/env bash
# Every bad grid: tabrl_sweep exits 2 and prints exactly one line on stderr that names the
# setting (or limit) at fault, and writes nothing. Usage: cli_bad_grids.sh TABRL_SWEEP WORKDIR
set -u
sweep=$(realpath "$1") work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail=0
# expect "<text the line must contain>" args...
expect() {
  local want=$1
  shift
  "$sweep" --out "$work/out" --quiet "$@" >stdout.txt 2>stderr.txt
  local rc=$? lines
  lines=$(wc -l <stderr.txt)
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$want" stderr.txt || [ -s stdout.txt ]; then
    echo "FAIL: $* -> exit $rc, $lines line(s) on stderr, expected exit 2 and one line with '$want':"
    cat stderr.txt stdout.txt
    fail=1
  fi
  if [ -e "$work/out" ]; then
    echo "FAIL: $* wrote $work/out"
    fail=1
  fi
}
expect "agent must be one of q, sarsa, expected-sarsa, double-q, sarsa-lambda, true-online-sarsa, q-lambda, tree-backup, retrace, dyna-q, dyna-q-plus, prioritized-sweeping, r-learning, got 'dqn'" --agent q,dqn
expect "alpha must be in (0, 1], got 0" --alpha 0
expect "alpha values must not be empty" --alpha ""
expect "epsilon values must not be empty" --epsilon 0.1,,0.2
expect "runs must be in [1, 100000000], got 0" --runs 0
expect "--shard must be K/N with 0 <= K < N, got 3/2" --shard 3/2
expect "--shard must be K/N" --shard x
expect "total runs (cells x runs) must be <= 100000000, got 1000000000000" --alpha 0.1:1:0.1 --gamma 0.001:1:0.001 --epsilon 0.01:1:0.01 --runs 1000000
expect "episodes must be an integer in [1, 1000000000]" --episodes 1e12
expect "total episodes" --episodes 1000000000 --runs 10000
expect "replay must be online for agent sarsa" --agent q,sarsa --replay uniform
expect "batch must be <= memory (16), got 32" --replay uniform --memory 16
expect "gamma must be a finite number" --gamma nan
expect "--threads must be in [0, 4096], got -1" --threads -1
expect "--shard, --merge and --mpi must not be combined" --shard 0/2 --merge a
echo '{"runs": 2, "settings": {"agent": []}}' >empty.json
expect "agent must list at least one value" --grid empty.json
echo '{"runs": 2, "setings": {}}' >typo.json
expect "key must be runs, seed or settings, got 'setings'" --grid typo.json
echo '{"runs": 2, "settings": {"alfa": 0.1}}' >field.json
expect "setting must be a run field (see run_fields()), got 'alfa'" --grid field.json
echo '{"runs": 2, "settings": {' >broken.json
expect "is not valid JSON" --grid broken.json
expect "cannot read" --grid missing.json
[ "$fail" -eq 0 ] && echo "all bad grids rejected with exit 2 and one line"
exit "$fail"
