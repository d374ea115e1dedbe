#!/usr/bin/env bash
# include/ must be clang-format clean and clang-tidy clean (.clang-format, .clang-tidy).
set -euo pipefail
bash .ci/bootstrap deps clang-format clang-tidy libeigen3-dev libfmt-dev libgif-dev libpng-dev
mapfile -t headers < <(git ls-files 'include/*.hpp')
clang-format --dry-run --Werror "${headers[@]}"
echo "clang-format: ${#headers[@]} headers clean"

# One translation unit per public header, so every header is analysed in its own context.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for h in "${headers[@]}"; do
  rel=${h#include/}
  printf '#include <%s>\n' "$rel" > "$work/${rel//\//_}.cpp"
done
export TIDY_INCLUDE="$PWD/include"
status=0
printf '%s\n' "$work"/*.cpp | xargs -P "$(nproc)" -I{} sh -c \
  'clang-tidy --config-file=.clang-tidy --quiet "$1" -- -std=c++20 -I "$TIDY_INCLUDE" \
     -isystem /usr/include/eigen3 -DTABRL_HAS_GIFLIB=1 -DTABRL_HAS_LIBPNG=1 2>/dev/null' _ {} \
  > "$work/tidy.log" || status=$?
if [ "$status" -ne 0 ]; then
  grep -E 'warning:|error:' "$work/tidy.log" | sort -u
  echo "clang-tidy: findings in include/ (see above)"
  exit 1
fi
echo "clang-tidy: ${#headers[@]} headers clean"
