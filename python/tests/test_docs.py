"""docs/python.md's `python program` blocks run as written (each in a fresh interpreter)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import child_env

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"
BLOCK = re.compile(r"^```python program\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks():
    text = DOC.read_text()
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in BLOCK.finditer(text)]


def test_the_doc_has_program_blocks():
    assert len(blocks()) >= 3


@pytest.mark.parametrize("line,code", blocks(), ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_program_block_runs(line, code, tmp_path):
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env=child_env(), timeout=120)
    assert result.returncode == 0, f"docs/python.md line {line}:\n{result.stderr}"
