"""Q tables to and from files."""

import numpy as np
import pytest

import tabrl


def test_round_trip_of_an_agent_and_of_an_array(tmp_path):
    agent = tabrl.QLearningAgent(5, 3)
    agent.q[:] = np.arange(15.0).reshape(5, 3) / 7
    tabrl.save_q_table(tmp_path / "agent.qt", agent)
    loaded = tabrl.load_q_table(tmp_path / "agent.qt", shape=(5, 3))
    assert loaded.dtype == np.float64 and np.array_equal(loaded, agent.q)
    tabrl.save_q_table(str(tmp_path / "list.qt"), [[1, 2], [3, 4]])  # any 2-D array-like
    assert tabrl.load_q_table(tmp_path / "list.qt").tolist() == [[1.0, 2.0], [3.0, 4.0]]
    other = tabrl.QLearningAgent(5, 3)
    other.q[:] = loaded  # how an agent takes a saved table
    assert np.array_equal(other.q, agent.q)


def test_refusals(tmp_path):
    path = tmp_path / "t.qt"
    tabrl.save_q_table(path, np.ones((4, 2)))
    with pytest.raises(tabrl.FormatError, match=r"file has 4 x 2, expected 4 x 3") as error:
        tabrl.load_q_table(path, shape=(4, 3))
    assert error.value.problem == "shape mismatch"
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(tabrl.FormatError) as error:
        tabrl.load_q_table(path)
    assert error.value.problem == "checksum mismatch"
    with pytest.raises(OSError, match="missing.qt"):
        tabrl.load_q_table(tmp_path / "missing.qt")
    with pytest.raises(ValueError, match=r"table must be an agent or a non-empty 2-D array of numbers, got \(3,\)"):
        tabrl.save_q_table(path, np.zeros(3))
    with pytest.raises(OSError):
        tabrl.save_q_table(tmp_path / "missing" / "t.qt", np.ones((2, 2)))


def test_exports_read_back(tmp_path):
    q = np.array([[0.1, -2.5], [1e-300, 3.0]])
    tabrl.export_npy(tmp_path / "q.npy", q)
    assert np.array_equal(np.load(tmp_path / "q.npy"), q)
    tabrl.export_csv(tmp_path / "q.csv", q)
    lines = (tmp_path / "q.csv").read_text().splitlines()
    assert lines[0] == "state,a0,a1"
    assert np.array_equal(np.loadtxt(tmp_path / "q.csv", delimiter=",", skiprows=1)[:, 1:], q)
