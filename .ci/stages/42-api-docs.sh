#!/usr/bin/env bash
# The API reference: Doxygen over include/tabrl (detail/ excluded, docs/Doxyfile) with
# warnings as errors, except the not-yet-documented names listed in docs/api_undocumented.txt
# (a list that may only shrink; tests/docs/api_docs.py says how). Writes
# ${1:-build/api}/html/index.html. Also the documented command for building the reference.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash .ci/bootstrap deps doxygen python3
python3 tests/docs/api_docs.py --root . --out "${1:-build/api}"
