#!/usr/bin/env bash
# include/ must be clang-format clean and clang-tidy clean (.clang-format, .clang-tidy).
set -euo pipefail
bash .ci/bootstrap deps clang-format clang-tidy libeigen3-dev libfmt-dev libgif-dev libpng-dev
mapfile -t headers < <(git ls-files 'include/*.hpp')
clang-format --dry-run --Werror "${headers[@]}"
echo "clang-format: ${#headers[@]} headers clean"

# One translation unit that includes every public header (each header compiling on its own
# is checked by the build's all_verify_interface_header_sets): Eigen is parsed once.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for h in "${headers[@]}"; do printf '#include <%s>\n' "${h#include/}"; done > "$work/all_headers.cpp"
if ! clang-tidy --config-file=.clang-tidy --quiet "$work/all_headers.cpp" -- -std=c++20 \
     -I "$PWD/include" -isystem /usr/include/eigen3 -DTABRL_HAS_GIFLIB=1 -DTABRL_HAS_LIBPNG=1 \
     > "$work/tidy.log" 2>&1; then
  grep -E 'warning:|error:' "$work/tidy.log" | sort -u
  echo "clang-tidy: findings in include/ (see above)"
  exit 1
fi
echo "clang-tidy: ${#headers[@]} headers clean"
