#!/usr/bin/env python3
"""Checks that README.md and docs/*.md cannot go stale (run by ctest, see CMakeLists.txt here).

Conventions for writers of README.md and docs/*.md (the info string is the text after the
opening ``` of a fenced block; renderers show only its first word):

  ```cpp program     A whole C++ program. Extracted at configure time, compiled with the
                     warnings of tabrl's own targets (-Werror in CI), linked with tabrl::viz
                     when it includes <tabrl/viz/...>, fmt when it includes <fmt/...>, and
                     run by ctest (docs.program.<file>_<n>) in a directory of its own; it
                     must exit 0. Compiler messages point at the Markdown line.
  ```sh test         Shell commands that finish in seconds. `docs.commands` runs each block
                     with bash (-e -o pipefail) in an empty scratch directory, with
                     `build/release/` (also `./build/release/`) replaced by the build
                     directory under test; it must exit 0. A block whose program was not
                     built there (an optional part missing) is reported as skipped.
  ```text            When the next fenced block after a `sh test` or `cpp program` block is
                     a `text` block, it is the expected standard output, compared line by
                     line (trailing
                     spaces and leading or trailing blank lines ignored). `...` inside a line matches any text; a line that is
                     only `...` matches any number of lines. Use it for what is not
                     deterministic (times, paths).

Every relative link and image ([text](path), ![alt](path), reference definitions, HTML
src/href) outside code must name an existing file; `file.md#anchor` and `#anchor` must name
a heading of that file (GitHub's anchor rule). `docs.links` checks it.

Subcommands:
  extract  --root ROOT --out DIR           write DIR/<name>.cpp (and <name>.expected) and
                                           DIR/blocks.cmake
  run      --exe PROGRAM [--expected FILE]  run an extracted program, check its output
  links    --root ROOT
  commands --root ROOT --build BUILD_DIR
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SKIP = 77  # ctest's SKIP_RETURN_CODE for docs.commands when nothing could run


@dataclass
class Block:
    path: Path          # the Markdown file
    line: int           # 1-based line of the first content line
    info: list[str]     # the info string's words
    text: str           # the content, indentation of the fence removed


@dataclass
class Doc:
    path: Path
    blocks: list[Block] = field(default_factory=list)
    prose: list[tuple[int, str]] = field(default_factory=list)  # (line, text) outside fences


FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


def parse(path: Path) -> Doc:
    doc = Doc(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            doc.prose.append((i + 1, lines[i]))
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            c = FENCE.match(lines[j])
            if c and c.group(2)[0] == fence[0] and len(c.group(2)) >= len(fence) and not c.group(3).strip():
                break
            line = lines[j]
            strip = len(line) - len(line.lstrip(" "))
            body.append(line[min(indent, strip):])
            j += 1
        doc.blocks.append(Block(path, i + 2, info.split(), "\n".join(body) + "\n"))
        i = j + 1
    return doc


def documents(root: Path) -> list[Path]:
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


def stem(root: Path, path: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return re.sub(r"[^A-Za-z0-9]+", "_", rel[:-3] if rel.endswith(".md") else rel).strip("_").lower()


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# --- extract ---------------------------------------------------------------------------------

def needs_of(code: str) -> list[str]:
    needs = []
    for need, pattern in (("viz", r"#\s*include\s*<tabrl/viz/"),
                          ("fmt", r"#\s*include\s*<fmt/"),
                          ("mpi", r"#\s*include\s*<tabrl/experiment/mpi\.hpp>"),
                          ("json", r"#\s*include\s*<nlohmann/")):
        if re.search(pattern, code):
            needs.append(need)
    return needs


def cmd_extract(root: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    manifest = ["# Generated by tests/docs/doc_blocks.py from the `cpp program` blocks; do not edit.\n"]
    names = []
    for path in documents(root):
        count = 0
        blocks = parse(path).blocks
        for k, block in enumerate(blocks):
            if block.info[:2] != ["cpp", "program"]:
                continue
            count += 1
            name = f"{stem(root, path)}_{count}"
            names.append(name)
            origin = f"{path.relative_to(root).as_posix()}:{block.line}"
            source = f'#line {block.line} "{path.as_posix()}"\n{block.text}'
            write_if_changed(out / f"{name}.cpp", source)
            expected = expected_after(blocks, k)
            if expected is not None:
                write_if_changed(out / f"{name}.expected", f"{origin}\n{expected}")
            elif (out / f"{name}.expected").exists():
                (out / f"{name}.expected").unlink()
            manifest.append(f'list(APPEND TABRL_DOC_BLOCKS "{name}")\n')
            manifest.append(f'set(TABRL_DOC_BLOCK_{name}_ORIGIN "{origin}")\n')
            manifest.append(f'set(TABRL_DOC_BLOCK_{name}_NEEDS "{";".join(needs_of(block.text))}")\n')
    for old in out.glob("*.cpp"):
        if old.stem not in names:
            old.unlink()
    write_if_changed(out / "blocks.cmake", "".join(manifest))
    return 0


def expected_after(blocks: list[Block], k: int) -> str | None:
    """The expected output of blocks[k]: the next block, when it is a plain `text` block."""
    if k + 1 < len(blocks) and blocks[k + 1].info == ["text"]:
        return blocks[k + 1].text
    return None


# --- links -----------------------------------------------------------------------------------

INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ATTR = re.compile(r"\b(?:src|href)\s*=\s*\"([^\"]+)\"")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(doc: Doc) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, line in doc.prose:
        m = re.match(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def cmd_links(root: Path) -> int:
    docs = {p: parse(p) for p in documents(root)}
    cache: dict[Path, set[str]] = {}
    errors = []
    checked = 0
    for path, doc in docs.items():
        in_comment = False
        for number, line in doc.prose:
            # HTML comments are not rendered: links in them are not checked.
            if in_comment:
                if "-->" in line:
                    in_comment = False
                    line = line.split("-->", 1)[1]
                else:
                    continue
            line = re.sub(r"<!--.*?-->", "", line)
            if "<!--" in line:
                line, in_comment = line.split("<!--", 1)[0], True
            line = CODE_SPAN.sub("", line)
            targets = INLINE_LINK.findall(line) + HTML_ATTR.findall(line)
            m = REF_DEF.match(line)
            if m:
                targets.append(m.group(1))
            for target in targets:
                if SCHEME.match(target) or target.startswith("//"):
                    continue
                checked += 1
                file_part, _, anchor = target.partition("#")
                dest = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(root)}:{number}"
                if not dest.exists():
                    errors.append(f"{where}: link target {target} does not exist")
                    continue
                if anchor and dest.suffix == ".md":
                    if dest not in cache:
                        cache[dest] = anchors(docs.get(dest) or parse(dest))
                    if anchor not in cache[dest]:
                        errors.append(f"{where}: {target}: no heading with anchor #{anchor} in "
                                      f"{os.path.relpath(dest, root)}")
    for e in errors:
        print(e)
    print(f"docs.links: {checked} relative links and images checked in {len(docs)} files, "
          f"{len(errors)} broken")
    return 1 if errors else 0


# --- commands --------------------------------------------------------------------------------

def expected_regex(expected: str) -> re.Pattern[str]:
    parts = []
    for line in expected.rstrip("\n").split("\n"):
        line = line.rstrip()
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(p) for p in line.split("...")) + r"[ \t]*\n")
    return re.compile("".join(parts))


def normalize(output: str) -> str:
    lines = [l.rstrip() for l in output.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n" if lines else ""


def compare(expected: str, stdout: str) -> str | None:
    """None when `stdout` matches the expected text, else a message with the difference."""
    actual = normalize(stdout)
    if expected_regex(expected).fullmatch(actual):
        return None
    diff = "".join(difflib.unified_diff(normalize(expected).splitlines(True),
                                        actual.splitlines(True),
                                        "expected (the text block)", "actual stdout"))
    return f"output differs from the `text` block after it (`...` matches anything)\n{diff}"


def cmd_run(exe: Path, expected_file: Path | None) -> int:
    done = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        print(f"FAILED: {exe.name} exited with status {done.returncode}")
        return 1
    if expected_file is not None:
        origin, _, expected = expected_file.read_text(encoding="utf-8").partition("\n")
        mismatch = compare(expected, done.stdout)
        if mismatch:
            print(f"FAILED {origin}: {mismatch}")
            return 1
    return 0


def cmd_commands(root: Path, build: Path) -> int:
    ran = skipped = 0
    failures = []
    for path in documents(root):
        blocks = parse(path).blocks
        for k, block in enumerate(blocks):
            if block.info[:2] != ["sh", "test"]:
                continue
            where = f"{path.relative_to(root)}:{block.line}"
            expected = expected_after(blocks, k)
            script = re.sub(r"(?<![\w/.-])(?:\./)?build/release/", str(build) + "/", block.text)
            missing = [p for p in re.findall(re.escape(str(build) + "/") + r"[\w/.+-]+", script)
                       if "/examples/" in p or "/benchmarks/" in p or "/python/" in p]
            missing = [p for p in missing if not Path(p).exists()]
            if missing:
                print(f"skipped {where}: not built here: {', '.join(missing)}")
                skipped += 1
                continue
            with tempfile.TemporaryDirectory(prefix="tabrl-docs-") as scratch:
                env = dict(os.environ, NO_COLOR="1", TABRL_SOURCE_DIR=str(root))
                try:
                    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=scratch,
                                          env=env, capture_output=True, text=True, timeout=120)
                except subprocess.TimeoutExpired:
                    failures.append(f"{where}: did not finish in 120 s (only quick commands may be "
                                    f"marked `sh test`)")
                    continue
            ran += 1
            if done.returncode != 0:
                failures.append(f"{where}: exit status {done.returncode}\n--- script:\n{script}"
                                f"--- stdout:\n{done.stdout}--- stderr:\n{done.stderr}")
                continue
            if expected is not None:
                mismatch = compare(expected, done.stdout)
                if mismatch:
                    failures.append(f"{where}: {mismatch}")
                    continue
            print(f"ok {where}" + (" (output checked)" if expected is not None else ""))
    for f in failures:
        print(f"FAILED {f}")
    print(f"docs.commands: {ran} blocks ran, {len(failures)} failed, {skipped} skipped")
    if failures:
        return 1
    return SKIP if ran == 0 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["extract", "run", "links", "commands"])
    parser.add_argument("--root", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--build", type=Path)
    parser.add_argument("--exe", type=Path)
    parser.add_argument("--expected", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        if args.exe is None:
            parser.error("run needs --exe")
        return cmd_run(args.exe.resolve(), args.expected)
    if args.root is None:
        parser.error(f"{args.command} needs --root")
    root = args.root.resolve()
    if args.command == "extract":
        if args.out is None:
            parser.error("extract needs --out")
        return cmd_extract(root, args.out)
    if args.command == "links":
        return cmd_links(root)
    if args.build is None:
        parser.error("commands needs --build")
    return cmd_commands(root, args.build.resolve())


if __name__ == "__main__":
    sys.exit(main())
