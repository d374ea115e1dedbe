#!/usr/bin/env python3
"""Builds tabrl's API reference with Doxygen (docs/Doxyfile) and fails on any warning that
docs/api_undocumented.txt does not list, and on any listed warning that no longer occurs.

The list holds the public names still lacking a doc comment (and doc comments Doxygen cannot
parse), one warning per line as `path: text` without the line number, so it only changes
when the headers do. It can only shrink: document a name, remove its line. An empty list
means the plain `doxygen docs/Doxyfile` passes with warnings as errors.

  api_docs.py --root ROOT --out DIR [--doxygen PATH] [--print-list]

--print-list prints the current warnings in the list's format, with their line numbers as a
comment, instead of checking (for reviewing a new list).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): warning: (?:error: )?(?P<text>.*)$")


def run_doxygen(root: Path, out: Path, doxygen: str) -> list[tuple[str, int, str]]:
    out.mkdir(parents=True, exist_ok=True)
    log = out / "warnings.txt"
    config = (f"@INCLUDE = {root / 'docs' / 'Doxyfile'}\n"
              f"OUTPUT_DIRECTORY = {out}\n"
              f"WARN_LOGFILE = {log}\n")
    done = subprocess.run([doxygen, "-"], input=config, text=True, cwd=root,
                          capture_output=True)
    if not log.exists():
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"api_docs: doxygen wrote no warning log (exit status {done.returncode})")
    found = []
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = WARNING.match(raw)
        if not m:
            if raw.strip():
                found.append(("", 0, raw.strip()))
            continue
        path = Path(m.group("path"))
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            rel = m.group("path")
        found.append((rel, int(m.group("line")), m.group("text").strip()))
    if done.returncode != 0 and not found:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"api_docs: doxygen failed (exit status {done.returncode})")
    return found


def read_list(path: Path) -> list[str]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line)
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--doxygen", default=shutil.which("doxygen") or "doxygen")
    parser.add_argument("--print-list", action="store_true")
    args = parser.parse_args()
    root = args.root.resolve()
    warnings = run_doxygen(root, args.out.resolve(), args.doxygen)
    keys = {}
    for path, line, text in warnings:
        keys.setdefault(f"{path}: {text}" if path else text, line)
    if args.print_list:
        for key, line in sorted(keys.items()):
            print(f"# line {line}\n{key}")
        return 0
    listed = read_list(root / "docs" / "api_undocumented.txt")
    new = sorted(k for k in keys if k not in set(listed))
    stale = sorted(k for k in listed if k not in keys)
    for key in new:
        print(f"api_docs: NEW {key} (line {keys[key]}): document it (a /// comment), do not list it")
    for key in stale:
        print(f"api_docs: FIXED {key}: remove it from docs/api_undocumented.txt")
    index = args.out.resolve() / "html" / "index.html"
    print(f"api_docs: {index} written; {len(keys)} warnings, all listed in "
          f"docs/api_undocumented.txt" if not new and not stale else
          f"api_docs: {len(new)} new warnings, {len(stale)} listed warnings gone")
    return 1 if new or stale else 0


if __name__ == "__main__":
    sys.exit(main())
