"""The picture writers (tabrl.viz)."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tabrl
from tabrl import viz

SVG = "{http://www.w3.org/2000/svg}"


def test_text_heatmap_and_policy():
    assert viz.heatmap_text(np.arange(6).reshape(2, 3)) == "0 1 2\n3 4 5\n"
    assert viz.heatmap_text([1.25, 2.0], 1, 2) == "1.2 2.0\n"  # 1 decimal for non-integers
    assert viz.policy_text([0, 1, 2, 3], 2, 2) == "^ >\nv <\n"
    marks = viz.cliff_walking_marks()
    assert len(marks) == 48 and marks[47] == "G" and marks[40] == "C" and marks[0] == ""
    with pytest.raises(ValueError, match=r"tabrl::viz::heatmap_text: values must have rows \* cols = 6 entries, got 5"):
        viz.heatmap_text(np.zeros(5), 2, 3)
    with pytest.raises(ValueError, match="rows and cols are needed for 1-D values"):
        viz.heatmap_text(np.zeros(5))
    assert viz.side_by_side("a\nb\n", "c\n", gap=2) == "a  c\nb\n"


def test_svg_heatmap_carries_its_values():
    counts = np.arange(48).reshape(4, 12)
    root = ET.fromstring(viz.svg_heatmap(counts, title="visits"))
    cells = root.findall(f".//{SVG}rect[@class='cell']")
    assert [int(c.get("data-value")) for c in cells] == list(range(48))


def test_svg_learning_curve_and_policy_parse():
    curve = ET.fromstring(viz.svg_learning_curve(np.linspace(-100, -13, 50), title="returns"))
    assert curve.findall(f".//{SVG}polyline[@class='moving-average']")
    series = [viz.CurveSeries("replay", [[-5.0, -3.0], [-7.0, -1.0]]), viz.CurveSeries("online", [[-9.0, -8.0]], color=(200, 0, 0))]
    two = ET.fromstring(viz.svg_learning_curve(series))
    assert len(two.findall(f".//{SVG}polygon[@class='band']")) == 1  # only the series with 2 runs
    policy = ET.fromstring(viz.svg_policy(np.ones(48, dtype=int), 4, 12, marks=viz.cliff_walking_marks(), path=[36, 24]))
    assert len(policy.findall(f".//{SVG}path[@class='arrow']")) == 37  # 48 cells - 10 cliff - goal
    with pytest.raises(ValueError, match=r"colour channels must be in \[0, 255\], got 300"):
        viz.CurveSeries("x", [[1.0]], color=(300, 0, 0))


def test_frames_are_uint8_images():
    frame = viz.render_cliff_walking(36, [24, 25], cell=16)
    assert frame.shape == (4 * 16 + 1, 12 * 16 + 1, 3) and frame.dtype == np.uint8
    agent_pixel = frame[3 * 16 + 8, 0 * 16 + 8]
    assert tuple(agent_pixel) == (0x1F, 0x4E, 0xC8)  # the agent's disc colour at its cell centre
    lake = viz.render_frozen_lake(tabrl.FrozenLake(), 5)
    assert lake.shape == (4 * 32 + 1, 4 * 32 + 1, 3)
    assert viz.render_taxi(328).shape == (5 * 32 + 1, 5 * 32 + 1, 3)
    agent = tabrl.QLearningAgent(48, 4)
    rollout = tabrl.greedy_rollout(agent, tabrl.CliffWalking(), max_steps=4)
    frames = viz.render_rollout(rollout)
    assert len(frames) == len(rollout.states)
    with pytest.raises(ValueError, match=r"state must be in \[0, 48\), got 48"):
        viz.render_cliff_walking(48)
    assert viz.max_q(np.array([[1.0, 3.0], [-2.0, -1.0]])).tolist() == [3.0, -1.0]


@pytest.mark.skipif(not viz.png_available, reason="this build has no libpng")
def test_png_round_trip(tmp_path):
    frame = viz.render_cliff_walking(40)
    viz.write_png(tmp_path / "f.png", frame)
    assert np.array_equal(viz.read_png(tmp_path / "f.png"), frame)
    with pytest.raises(OSError, match="missing"):  # the message names what could not be written
        viz.write_png(tmp_path / "missing" / "f.png", frame)


@pytest.mark.skipif(not viz.gif_available, reason="this build has no giflib")
def test_gif_is_written(tmp_path):
    rollout = tabrl.greedy_rollout(tabrl.QLearningAgent(48, 4), tabrl.CliffWalking(), max_steps=3)
    viz.write_gif(tmp_path / "r.gif", viz.render_rollout(rollout), delay_centiseconds=10)
    assert (tmp_path / "r.gif").read_bytes()[:6] == b"GIF89a"
    with pytest.raises(ValueError, match=r"frames must be uint8 arrays of shape \(height, width, 3\), got \(4, 4\)"):
        viz.write_gif(tmp_path / "x.gif", [np.zeros((4, 4), dtype=np.uint8)])
    with pytest.raises(OSError, match="missing"):
        viz.write_gif(tmp_path / "missing" / "r.gif", viz.render_rollout(rollout))
