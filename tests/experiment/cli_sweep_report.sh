#!/usr/bin/env bash
# report.html of a finished sweep: written beside the result files, one row per cell with the
# cell's settings and its final-return mean as in summary.json, one curve and one heatmap per
# cell; --report DIR redraws the same bytes from the files alone; --no-report writes none; a
# folder without a finished sweep is refused with one line naming the missing file.
# Usage: cli_sweep_report.sh TABRL_SWEEP WORKDIR
set -eu
sweep=$(realpath "$1") work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$sweep" --agent q,expected-sarsa --alpha 0.5,1 --episodes 20 --runs 6 --seed 3 --quiet --out s
[ -s s/report.html ] || { echo "no report.html"; exit 1; }
cp s/report.html first.html
"$sweep" --report s --quiet
cmp first.html s/report.html
# Four cells: each one's settings and final_return mean (4 significant digits) are in the page.
python3 - <<'PY'
import json, re
page = open("s/report.html", encoding="utf-8").read()
summary = json.load(open("s/summary.json"))
assert len(summary["cells"]) == 4, summary["cells"]
for cell in summary["cells"]:
    mean = cell["metrics"]["final_return"]["mean"]
    text = format(mean, ".4g")
    assert text in page, (text, "not in report.html")
    for name in ("agent", "alpha"):
        assert cell["settings"][name] in page
assert page.count('id="heat') >= 4 or page.count("heat0-") >= 1, "no heatmaps"
assert not re.search(r'(src|href)="https?://', page), "the page loads something from the network"
print("report.html lists", len(summary["cells"]), "cells")
PY
"$sweep" --agent q --episodes 5 --runs 2 --quiet --no-report --out quiet
[ ! -e quiet/report.html ] || { echo "--no-report wrote report.html"; exit 1; }
mkdir -p empty
if "$sweep" --report empty 2>err.txt; then echo "--report on an empty folder succeeded"; exit 1; fi
grep -q "summary.json" err.txt || { echo "unclear error:"; cat err.txt; exit 1; }
[ "$(wc -l <err.txt)" -eq 1 ] || { echo "more than one line:"; cat err.txt; exit 1; }
echo "report.html: written, redrawn to the same bytes, refused without a finished sweep"
