#!/usr/bin/env bash
# A sweep killed with SIGKILL mid-run and continued with --resume writes the same files as an
# uninterrupted one. The kill comes once the journal holds some blocks but the sweep is far
# from done (the grid takes a few seconds on one thread); if the machine is so fast that the
# sweep finishes first, the test still checks resume-on-a-finished-journal.
# Usage: cli_resume_after_kill.sh TABRL_SWEEP WORKDIR
set -eu
sweep=$(realpath "$1") work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
grid=(--agent q,sarsa --alpha 0.2,0.6 --episodes 200 --runs 600 --seed 3 --bootstrap 100 --quiet)
"$sweep" "${grid[@]}" --threads 2 --out whole
"$sweep" "${grid[@]}" --threads 1 --out killed &
pid=$!
# Wait until at least one flushed record is past the 16-byte header, then kill.
for _ in $(seq 1 400); do
  size=$(stat -c %s killed/journal/local.bin 2>/dev/null || echo 0)
  [ "$size" -gt 4096 ] && break
  sleep 0.01
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -e killed/runs.csv ]; then
  echo "note: the sweep finished before the kill; checking resume of a finished journal"
else
  echo "killed after $(stat -c %s killed/journal/local.bin) journal bytes"
  # Resuming without --resume is refused: nothing is overwritten.
  if "$sweep" "${grid[@]}" --out killed 2>/dev/null; then echo "FAIL: a second sweep into a journaled directory was accepted"; exit 1; fi
fi
"$sweep" "${grid[@]}" --threads 2 --out killed --resume --json >resume.json
cat resume.json
grep -q '"complete":true' resume.json
for f in runs.csv curves.csv visits.csv summary.json; do cmp "whole/$f" "killed/$f"; done
echo "resumed sweep equals the uninterrupted one"
