"""The type stubs and docstrings stay in step with the module: every public name and member
of tabrl._tabrl and tabrl.viz is in the stubs and the other way round, and every one of them
has a docstring."""

import ast
import inspect
from pathlib import Path

import pytest

import tabrl
from tabrl import _tabrl, sweep, viz

PACKAGE = Path(tabrl.__file__).parent
DUNDERS = {"__init__", "__len__", "__getitem__", "__call__", "__eq__", "__copy__", "__deepcopy__"}


def stub_names(path):
    """{name: set of member names} of a stub file (None for non-classes); type aliases
    (plain assignments) are the stub's own and are left out."""
    names = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign):
                    members.add(item.target.id)
            names[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign):
            names[node.target.id] = None
    return names


def runtime_members(cls):
    if isinstance(getattr(cls, "__members__", None), dict):  # pybind11 enum
        return set(cls.__members__)
    members = {name for name in vars(cls) if not name.startswith("_") or name in DUNDERS}
    if type(vars(cls).get("__init__")).__name__ == "wrapper_descriptor":
        members.discard("__init__")  # no constructor bound: Python's slot, which refuses
    return members


def runtime_names(module, names):
    out = {}
    for name in names:
        value = getattr(module, name)
        out[name] = runtime_members(value) if inspect.isclass(value) and value is not tabrl.FormatError else None
    return out


def test_module_and_stub_list_the_same_names():
    public = {n for n in vars(_tabrl) if not n.startswith("_")} | {"__version__"}
    stubs = stub_names(PACKAGE / "_tabrl.pyi")
    assert set(stubs) == public
    runtime = runtime_names(_tabrl, public)
    for name in sorted(public):
        if name == "FormatError":
            continue
        assert stubs[name] == runtime[name], name


@pytest.mark.parametrize("module,cls", [(viz, "CurveSeries"), (sweep, "SweepResult")])
def test_submodules_and_their_stubs_list_the_same_names(module, cls):
    stubs = stub_names(PACKAGE / f"{module.__name__.split('.')[-1]}.pyi")
    assert set(stubs) == set(module.__all__)
    assert stubs[cls] == runtime_members(getattr(module, cls))


def test_package_exports_everything_the_module_has():
    public = {n for n in vars(_tabrl) if not n.startswith("_") and n not in ("viz", "sweep")} | {"__version__"}
    assert set(tabrl.__all__) == public
    assert tabrl.__version__.count(".") == 2


def documented_objects():
    for module in (_tabrl, _tabrl.viz, _tabrl.sweep):
        for name, value in vars(module).items():
            if name.startswith("_") or isinstance(value, (bool, str, type(_tabrl))):
                continue
            yield f"{module.__name__}.{name}", value
            if inspect.isclass(value) and not issubclass(value, BaseException):
                for member, attribute in vars(value).items():
                    # Constructors are documented by their class's docstring.
                    if member.startswith("_") or member in ("name", "value") and hasattr(value, "__members__"):
                        continue
                    if type(attribute).__name__ == type(value).__name__ or "pybind11" in type(attribute).__name__:
                        continue  # enum entries
                    yield f"{module.__name__}.{name}.{member}", attribute


@pytest.mark.parametrize("name,value", list(documented_objects()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_name_has_a_docstring(name, value):
    doc = inspect.getdoc(value) or ""
    # pybind11 starts a function's doc with its signature; the text must say more than that.
    text = [line for line in doc.splitlines() if line.strip() and not line.startswith(name.rsplit(".", 1)[-1] + "(")
            and not line.startswith("Overloaded function")]
    assert text, f"{name} has no docstring"


def test_stubs_and_a_user_program_type_check(tmp_path):
    """mypy --strict accepts the stubs, and a program using the package type-checks (skipped
    without mypy: CI leaves it out, it takes seconds; the name checks above always run)."""
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (Debian: python3-mypy)")
    program = tmp_path / "use.py"
    program.write_text(
        "import numpy as np\n"
        "import numpy.typing as npt\n"
        "import tabrl\n"
        "from tabrl import sweep, viz\n"
        "env = tabrl.make_frozen_lake()\n"
        "agent = tabrl.QLearningAgent(env.num_states, env.num_actions, alpha=0.5)\n"
        "log: tabrl.TrainingLog = tabrl.train(agent, env, tabrl.ReplayMemory(100), episodes=3)\n"
        "q: npt.NDArray[np.float64] = agent.q\n"
        "batch: tabrl.Minibatch = tabrl.ReplayMemory(10).sample(2, tabrl.Rng(0))\n"
        "agent.update(batch)\n"
        "error: float = agent.update(0, 0, 1.0, 1, True)\n"
        "result: sweep.SweepResult = sweep.run({'alpha': [0.5, 0.9]}, runs=2)\n"
        "text: str = viz.heatmap_text(q)\n"
    )
    stubs = [str(PACKAGE / name) for name in ("_tabrl.pyi", "viz.pyi", "sweep.pyi")]
    out, err, status = api.run(["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                                *stubs, str(program)])
    assert status == 0, out + err
