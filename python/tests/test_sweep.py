"""tabrl.sweep: the experiment engine from Python (python/src/sweep.cpp)."""

import csv

import numpy as np
import pytest

import tabrl
from tabrl import sweep

SETTINGS = {"agent": ["q", "expected-sarsa"], "alpha": [0.5, 0.9], "episodes": 20}


def test_results_as_numpy_and_dicts():
    result = sweep.run(SETTINGS, runs=5, seed=3, bootstrap=200)
    assert (result.cells, result.runs) == (4, 5)
    assert result.axes == {"agent": ["q", "expected-sarsa"], "alpha": ["0.5", "0.9"]}
    assert result.settings(1)["agent"] == "q" and result.settings(1)["alpha"] == "0.9"
    assert result.settings(2)["episodes"] == "20"
    assert result.metric_names[:2] == ["mean_return", "final_return"]
    assert result.metrics.shape == (4, 5, len(result.metric_names))
    summary = result.summary("mean_return")
    assert set(summary) == {"n", "mean", "se", "median", "iqm", "ci_low", "ci_high"}
    assert np.allclose(summary["mean"], result.metrics[:, :, 0].mean(axis=1))
    assert (summary["ci_low"] <= summary["mean"]).all() and (summary["mean"] <= summary["ci_high"]).all()
    assert result.returns["mean"].shape == (4, 20) and result.visits["mean"].shape == (4, 48)
    with pytest.raises(ValueError, match="metric must be one of metric_names, got reward"):
        result.summary("reward")


def test_a_run_is_train_online_with_the_grid_seed_rule():
    result = sweep.run({"agent": "q", "alpha": 0.5, "episodes": 20}, runs=3, seed=11, bootstrap=0)
    steps = result.metric_names.index("env_steps")
    for r in range(3):
        log = tabrl.train_online(tabrl.QLearningAgent(48, 4, alpha=0.5), tabrl.CliffWalking(), episodes=20,
                                 seed=tabrl.derive_seed(11, r))
        assert result.metrics[0, r, 0] == np.mean(log.returns)
        assert result.metrics[0, r, steps] == log.env_steps


def test_the_same_bits_on_one_thread_or_two():
    one = sweep.run(SETTINGS, runs=20, threads=1, bootstrap=100)
    two = sweep.run(SETTINGS, runs=20, threads=2, bootstrap=100)
    assert np.array_equal(one.metrics, two.metrics)
    assert np.array_equal(one.returns["mean"], two.returns["mean"])
    assert np.array_equal(one.summary("final_return")["ci_high"], two.summary("final_return")["ci_high"])


def test_bad_grids_name_the_setting():
    with pytest.raises(ValueError, match=r"tabrl::Grid: setting must be a run field \(see run_fields\(\)\), got 'colour'"):
        sweep.run({"colour": "red"})
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\]"):
        sweep.run({"alpha": [0.5, 0.0]})
    with pytest.raises(ValueError, match=r"tabrl::Grid: runs must be in \[1, 100000000\], got 0"):
        sweep.run({}, runs=0)
    with pytest.raises(ValueError, match="agent values must be str, int, float or bool, got NoneType"):
        sweep.run({"agent": None})
    assert "alpha" in sweep.fields() and "episodes" in sweep.fields()


def test_files_and_resume(tmp_path):
    report = sweep.run_to(tmp_path / "out", SETTINGS, runs=3, bootstrap=50)
    assert report["complete"] and (report["runs_total"], report["runs_done"]) == (12, 12)
    with open(tmp_path / "out" / "runs.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12 and {row["agent"] for row in rows} == {"q", "expected-sarsa"}
    first = (tmp_path / "out" / "runs.csv").read_bytes()
    again = sweep.run_to(tmp_path / "out", SETTINGS, runs=3, bootstrap=50, resume=True)
    assert (again["runs_done"], again["runs_resumed"]) == (0, 12)
    assert (tmp_path / "out" / "runs.csv").read_bytes() == first
    part = sweep.run_to(tmp_path / "shard", SETTINGS, runs=3, shard=(0, 2))
    assert not part["complete"] and 0 < part["runs_done"] < 12
