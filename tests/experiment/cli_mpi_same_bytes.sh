#!/usr/bin/env bash
# MPI with 2 ranks writes the same bytes as a threaded sweep. As root, OpenMPI's mpirun needs
# --allow-run-as-root; --oversubscribe lets 2 ranks run on a machine with fewer free slots.
# Usage: cli_mpi_same_bytes.sh TABRL_SWEEP WORKDIR MPIEXEC
set -eu
sweep=$(realpath "$1") work=$2 mpiexec=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
grid=(--agent q,expected-sarsa --alpha 0.5,1 --episodes 30 --runs 37 --seed 5 --bootstrap 300 --quiet)
"$sweep" "${grid[@]}" --threads 2 --out threads
flags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
# OpenMPI inside containers: shared-memory transport only, no network interfaces probed.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
"$mpiexec" "${flags[@]}" -np 2 "$sweep" --mpi "${grid[@]}" --out mpi
for f in runs.csv curves.csv visits.csv summary.json; do cmp "threads/$f" "mpi/$f"; done
echo "same bytes from MPI (2 ranks) and threads"
