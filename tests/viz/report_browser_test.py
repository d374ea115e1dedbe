#!/usr/bin/env python3
"""report.html in a real browser: headless Chromium (Debian's chromium) opens the report that
report_fixture wrote, with every host name unresolvable, so the page must work without network.
The DOM after the page's script ran is read back (--dump-dom) and compared with the CSV files
beside the report: the heatmap's cells and counts, the status the script wrote, and what its
hover and rollout handlers showed when the page's #selftest played them. A screenshot is saved
for a person to look at.

usage: report_browser_test.py --chromium PATH --dir OUT_DIR [--screenshot PNG] [--env cliff|taxi]
Exit status 0 when every check passes; the last line says "N passed, M failed".
"""

import argparse
import csv
import html.parser
import os
import re
import subprocess
import sys
import tempfile
import time

# The flags Debian's chromium needs here: no sandbox as root, no GPU, and no background
# connections (this machine's network is closed; Chromium would try Google's hosts at start).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    # Any host name the page asked for would fail to resolve: the page must need none.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


class Dom(html.parser.HTMLParser):
    """Collects the elements the checks need: every element's attributes by id, the heatmap's
    and policy's cells, and the text of a few elements."""

    def __init__(self):
        super().__init__()
        self.by_id = {}
        self.cells = {"heatmap": [], "policy": []}
        self.stack = []  # ids of the enclosing divs
        self.urls = []
        self.text = {}
        self._text_id = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.by_id[a["id"]] = a
        for key in ("src", "href"):
            if key in a and a[key] is not None:
                self.urls.append(a[key])
        if tag == "div":
            self.stack.append(a.get("id"))
        if tag == "rect" and a.get("class") == "cell":
            for owner in self.cells:
                if owner in self.stack:
                    self.cells[owner].append(a)
        if a.get("id") in ("status", "rollout-caption"):
            self._text_id = a["id"]
            self.text[self._text_id] = ""

    def handle_endtag(self, tag):
        if tag == "div" and self.stack:
            self.stack.pop()
        if tag in ("p", "span"):
            self._text_id = None

    def handle_data(self, data):
        if self._text_id:
            self.text[self._text_id] += data


def run_chromium(chromium, args, profile, timeout=60):
    cmd = [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--screenshot")
    ap.add_argument("--env", default="cliff")
    opts = ap.parse_args()
    passed, failed = 0, 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAILED: " + what)

    report = os.path.abspath(os.path.join(opts.dir, "report.html"))
    source = open(report, encoding="utf-8").read()
    # Nothing to fetch: no http(s) URL outside the SVG namespace declaration.
    external = [u for u in re.findall(r"https?://[^\"' )]+", source) if u != "http://www.w3.org/2000/svg"]
    check(external == [], "the report names no external URL, found %s" % external[:3])

    visits = {}
    with open(os.path.join(opts.dir, "visit_counts.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if opts.env == "taxi":
                cell = int(row["taxi_row"]) * 5 + int(row["taxi_col"])
                visits[cell] = visits.get(cell, 0) + int(row["visits"])
            else:
                visits[int(row["state"])] = int(row["visits"])
    returns = []
    with open(os.path.join(opts.dir, "returns.csv"), newline="") as f:
        returns = [float(r["return"]) for r in csv.DictReader(f)]

    start = time.monotonic()
    with tempfile.TemporaryDirectory() as profile:
        url = "file://" + report + "#selftest"
        res = run_chromium(opts.chromium, ["--dump-dom", url], profile)
        dom_seconds = time.monotonic() - start
        check(res.returncode == 0, "chromium --dump-dom exit status 0, got %d: %s" % (res.returncode, res.stderr.decode()[-400:]))
        dom = Dom()
        dom.feed(res.stdout.decode("utf-8"))
        status = dom.by_id.get("status", {})
        check(status.get("data-status") == "ok",
              "the script ran without errors: #status data-status=ok, got %r (%r)" % (status.get("data-status"), dom.text.get("status")))
        heat = dom.cells["heatmap"]
        n = 25 if opts.env == "taxi" else 48
        check(len(heat) == n, "the heatmap has %d cells, got %d" % (n, len(heat)))
        shown = {int(c["data-state"]): int(c["data-value"]) for c in heat}
        check(shown == visits, "the heatmap's counts are visit_counts.csv's")
        grids = 1 if opts.env == "taxi" else 2
        check(status.get("data-grids") == str(grids) and status.get("data-cells") == str(n * grids),
              "the script wired %d grids with %d cells, got %s / %s" % (grids, n * grids, status.get("data-grids"), status.get("data-cells")))
        check(status.get("data-selftest") == "done", "the #selftest ran to its end")
        probe = 36 if opts.env != "taxi" else None
        tip = status.get("data-heat-tip", "")
        if probe is not None:
            want = "state 36 (row 3, col 0) [S]: %d visits" % visits[36]
            check(tip == want, "hovering the start cell shows %r, got %r" % (want, tip))
        else:
            check(re.fullmatch(r"taxi cell \d+ \(row \d, col \d\)( \[[RGYB]\])?: \d+ visits", tip) is not None,
                  "hovering a taxi cell shows its row, column and visits, got %r" % tip)
        curve_tip = status.get("data-curve-tip", "")
        first = returns[0]
        want_first = str(int(first)) if first == int(first) else "%.2f" % first
        check(curve_tip.startswith("episode 1\nreturn: " + want_first + ", moving average " + want_first),
              "hovering episode 1 shows its return %s, got %r" % (want_first, curve_tip))
        caption = status.get("data-rollout-caption", "")
        check(re.match(r"step (\d+)/\1 ", caption) is not None, "the player's last step is step L/L, got %r" % caption)
        if opts.env != "taxi":
            check(status.get("data-rollout-marker") == "47" and "done" in caption,
                  "the greedy rollout ends on the goal (cell 47), got %r / %r" % (status.get("data-rollout-marker"), caption))
        check("rollout-gif" in dom.by_id and dom.by_id["rollout-gif"]["src"].startswith("data:image/gif;base64,"),
              "the rollout GIF is embedded as a data URL")
        if opts.screenshot:
            shot = os.path.abspath(opts.screenshot)
            if os.path.exists(shot):
                os.remove(shot)
            res = run_chromium(opts.chromium, ["--screenshot=" + shot, "--window-size=1500,1900", "file://" + report], profile)
            check(res.returncode == 0 and os.path.exists(shot), "chromium --screenshot wrote %s" % shot)
            if os.path.exists(shot):
                with open(shot, "rb") as f:
                    head = f.read(8)
                check(head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(shot) > 20000,
                      "the screenshot is a PNG with content (%d bytes)" % os.path.getsize(shot))
    total = time.monotonic() - start
    print("report: %s (%d bytes); chromium: DOM %.2f s, all %.2f s" % (report, len(source.encode("utf-8")), dom_seconds, total))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
