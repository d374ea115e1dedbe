"""Sweeps: grids of settings x seeds run by tabrl's experiment engine on every core.

    from tabrl import sweep
    result = sweep.run({"agent": ["q", "sarsa", "expected-sarsa"], "alpha": "0.1:1.0:0.1",
                        "episodes": 100}, runs=50)
    result.summary("mean_return")["mean"]      # one value per cell
    result.axes                                # {"agent": [...], "alpha": [...]}, cell order

``fields()`` lists every setting (environment, agent and its settings, memory, episodes,
evaluation...); docs/experiments.md explains them, the cell order and the seed rule. Runs
release the GIL; Ctrl-C stops a sweep between blocks of runs. ``run_to`` writes the engine's
tidy files instead (resumable, and shardable across machines).
"""

from . import _tabrl

_native = _tabrl.sweep

SweepResult = _native.SweepResult
fields = _native.fields
run = _native.run
run_to = _native.run_to

__all__ = ["SweepResult", "fields", "run", "run_to"]
