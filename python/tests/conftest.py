"""Shared fixtures of tabrl's Python tests.

The tests import the built package (PYTHONPATH=<build>/python, as ctest sets it). Tests that
need Gymnasium use Gymnasium 0.29.1's source from ../shared/thirdparty/gymnasium-0.29.1 next to
the repository (or TABRL_GYMNASIUM_DIR), else an installed gymnasium, else they skip and say
why.
"""

import importlib
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GYMNASIUM_DIR = Path(
    os.environ.get("TABRL_GYMNASIUM_DIR", REPO.parent / "shared" / "thirdparty" / "gymnasium-0.29.1")
)


def _load_gymnasium():
    if (GYMNASIUM_DIR / "gymnasium" / "__init__.py").is_file():
        if str(GYMNASIUM_DIR) not in sys.path:
            sys.path.insert(0, str(GYMNASIUM_DIR))
    try:
        return importlib.import_module("gymnasium"), None
    except ImportError as error:
        return None, (
            f"Gymnasium is not available: {GYMNASIUM_DIR} does not hold Gymnasium 0.29.1's "
            f"source and no gymnasium is installed ({error})"
        )


@pytest.fixture(scope="session")
def gymnasium():
    """The gymnasium module, or a skip naming what is missing."""
    module, reason = _load_gymnasium()
    if module is None:
        pytest.skip(reason)
    return module


@pytest.fixture(scope="session")
def tabrl_gym(gymnasium):
    """tabrl.gym (registers tabrl's environments with Gymnasium)."""
    import tabrl.gym

    return tabrl.gym


def child_env():
    """The environment for a child interpreter: this tabrl (and this Gymnasium, if any) first on
    its path, whatever its working directory."""
    import tabrl

    paths = [str(Path(tabrl.__file__).resolve().parents[1])]
    if (GYMNASIUM_DIR / "gymnasium").is_dir():
        paths.append(str(GYMNASIUM_DIR))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    return env
