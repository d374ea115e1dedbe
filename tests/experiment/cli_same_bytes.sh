#!/usr/bin/env bash
# The result files are the same bytes from 1 thread, 2 threads and 3 shards merged (two of
# them run with 2 threads), on a small grid with several blocks per cell and a partial last
# block. Usage: cli_same_bytes.sh TABRL_SWEEP WORKDIR
set -eu
sweep=$(realpath "$1") work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
grid=(--agent q,expected-sarsa,double-q --alpha 0.5,1 --episodes 30 --runs 37 --seed 5 --bootstrap 300 --quiet)
"$sweep" "${grid[@]}" --threads 1 --out one
"$sweep" "${grid[@]}" --threads 2 --out two
for k in 0 1 2; do "$sweep" "${grid[@]}" --threads 2 --shard "$k/3" --out "part$k"; done
"$sweep" --merge part0 part1 part2 --bootstrap 300 --quiet --out merged  # grid read from part0/sweep.json
for f in runs.csv curves.csv visits.csv summary.json; do
  cmp "one/$f" "two/$f"
  cmp "one/$f" "merged/$f"
done
[ "$(wc -l <one/runs.csv)" -eq $((6 * 37 + 1)) ]
echo "same bytes from 1 thread, 2 threads and 3 merged shards"
