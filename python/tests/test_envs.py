"""The native environments from Python: rules, seeding, errors, TimeLimit, copies."""

import copy

import numpy as np
import pytest

import tabrl


def test_cliff_walking_rules_and_shape():
    env = tabrl.CliffWalking()
    assert (env.num_states, env.num_actions) == (48, 4)
    assert (tabrl.CliffWalking.rows, tabrl.CliffWalking.cols) == (4, 12)
    assert env.reset() == 36 and env.state == 36
    assert env.step(0) == (24, -1.0, False, False)  # up
    assert env.step(2) == (36, -1.0, False, False)  # back down to the start
    assert env.step(1) == (36, -100.0, False, False)  # into the cliff: back to the start
    for action in [0] + [1] * 11:
        state, reward, terminated, truncated = env.step(action)
    assert env.step(2) == (47, -1.0, True, False)  # the goal
    assert [tabrl.CliffWalking.is_cliff(s) for s in (36, 37, 46, 47)] == [False, True, True, False]


def test_cliff_walking_text_marks_the_agent():
    env = tabrl.CliffWalking()
    env.reset()
    lines = env.render_ansi().splitlines()
    assert len(lines) == 4
    assert lines[3].split() == ["x"] + ["C"] * 10 + ["T"]


def test_step_errors_carry_the_cpp_message():
    env = tabrl.CliffWalking()
    with pytest.raises(RuntimeError, match=r"^tabrl::CliffWalking::step: called before reset\(\)$"):
        env.step(0)
    env.reset()
    with pytest.raises(ValueError, match=r"^tabrl::CliffWalking::step: action must be in \[0, 4\), got 4$"):
        env.step(4)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got -1"):
        env.reset(seed=-1)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got 18446744073709551616"):
        env.reset(seed=2**64)


def test_stepping_after_termination_is_refused():
    env = tabrl.FrozenLake(is_slippery=False)
    env.reset()
    for action in (2, 2, 1, 1, 1, 2):  # right, right, down, down, down, right: the goal
        result = env.step(action)
    assert result == (15, 1.0, True, False)
    with pytest.raises(RuntimeError, match="episode has terminated, call reset"):
        env.step(0)


def test_slippery_environments_follow_their_seed():
    def trajectory(seed):
        env = tabrl.FrozenLake("8x8", is_slippery=True)
        states = [env.reset(seed=seed)]
        for _ in range(30):
            state, _, terminated, _ = env.step(2)
            states.append(state)
            if terminated:
                break
        return states

    assert trajectory(5) == trajectory(5)
    assert len({tuple(trajectory(s)) for s in range(10)}) > 1


def test_frozen_lake_maps():
    assert tabrl.FrozenLake().map == ["SFFF", "FHFH", "FFFH", "HFFG"]
    lake = tabrl.FrozenLake("8x8")
    assert (lake.rows, lake.cols, lake.num_states, lake.start_state) == (8, 8, 64, 0)
    assert lake.letter(63) == "G" and lake.letter(19) == "H"
    custom = tabrl.FrozenLake(["FS", "HG"], is_slippery=False)
    assert custom.reset() == 1 and custom.step(1) == (3, 1.0, True, False)
    assert tabrl.FrozenLake.random_map(6, 0.8, 3) == tabrl.FrozenLake.random_map(6, 0.8, 3)
    with pytest.raises(ValueError, match=r"map must be '4x4', '8x8' or a list of rows, got 5x5"):
        tabrl.FrozenLake("5x5")
    with pytest.raises(ValueError, match="tabrl::FrozenLake: map must be rectangular"):
        tabrl.FrozenLake(["SF", "HFG"])


def test_taxi_encoding_and_mask():
    assert tabrl.Taxi.encode(3, 1, 2, 0) == 328
    assert tabrl.Taxi.decode(328) == (3, 1, 2, 0)
    mask = tabrl.Taxi.action_mask(tabrl.Taxi.encode(0, 0, 0, 1))  # at R with the passenger
    assert mask.dtype == np.int8 and mask.tolist() == [1, 0, 1, 0, 1, 0]
    with pytest.raises(ValueError, match=r"tabrl::Taxi::decode: state must be in \[0, 500\), got 500"):
        tabrl.Taxi.decode(500)
    with pytest.raises(ValueError, match=r"passenger must be in \[0, 5\), got 5"):
        tabrl.Taxi.encode(0, 0, 5, 0)
    taxi = tabrl.Taxi()
    starts = {taxi.reset(seed=s) for s in range(200)}
    assert all(tabrl.Taxi.decode(s)[2] < 4 and tabrl.Taxi.decode(s)[2] != tabrl.Taxi.decode(s)[3] for s in starts)


def test_transitions_list_the_model():
    lake = tabrl.FrozenLake()
    # Right from 14: down (stays), right (the goal), up (10), in Gymnasium's order.
    assert lake.transitions(14, 2) == [(1 / 3, 14, 0.0, False), (1 / 3, 15, 1.0, True), (1 / 3, 10, 0.0, False)]
    assert tabrl.CliffWalking().transitions(36, 1) == [(1.0, 36, -100.0, False)]
    with pytest.raises(ValueError, match=r"tabrl::FrozenLake::transitions: state must be in \[0, 16\), got 16"):
        lake.transitions(16, 0)


def test_time_limit_truncates_unless_terminal():
    env = tabrl.TimeLimit(tabrl.CliffWalking(), 3)
    assert (env.max_episode_steps, env.num_states, env.num_actions) == (3, 48, 4)
    env.reset()
    assert env.step(0)[3] is False and env.step(0)[3] is False
    assert env.step(0) == (0, -1.0, False, True)
    assert env.elapsed_steps == 3
    with pytest.raises(RuntimeError, match="tabrl::TimeLimit::step: episode was truncated"):
        env.step(0)
    # tabrl's own TimeLimit: a step that terminates at the limit is not truncated.
    lake = tabrl.TimeLimit(tabrl.FrozenLake(is_slippery=False), 6)
    lake.reset()
    results = [lake.step(a) for a in (2, 2, 1, 1, 1, 2)]
    assert results[-1] == (15, 1.0, True, False)


def test_time_limit_wraps_a_copy_and_shows_it():
    inner = tabrl.CliffWalking()
    limited = tabrl.TimeLimit(inner, 10)
    limited.reset()
    limited.step(0)
    assert limited.unwrapped.state == 24 and inner.state == 36
    assert repr(limited) == "TimeLimit(CliffWalking(is_slippery=False), max_episode_steps=10)"
    with pytest.raises(ValueError, match="tabrl::TimeLimit: max_episode_steps must be >= 1, got 0"):
        tabrl.TimeLimit(inner, 0)
    with pytest.raises(ValueError, match="env must be a CliffWalking, FrozenLake, Taxi or GymnasiumEnv, got TimeLimit"):
        tabrl.TimeLimit(limited, 5)


def test_factories_use_gymnasiums_limits():
    assert isinstance(tabrl.make_cliff_walking(), tabrl.CliffWalking)
    assert tabrl.make_frozen_lake().max_episode_steps == 100
    assert tabrl.make_frozen_lake_8x8().max_episode_steps == 200
    assert tabrl.make_taxi().max_episode_steps == 200
    assert tabrl.make_frozen_lake(is_slippery=False).unwrapped.is_slippery is False


def test_copies_are_exact_and_independent():
    env = tabrl.FrozenLake("8x8")
    env.reset(seed=11)
    twin = copy.deepcopy(env)
    # Left from column 0 slips up, down or nowhere: never into a hole, never terminal.
    assert [env.step(0) for _ in range(12)] == [twin.step(0) for _ in range(12)]
    walker = tabrl.CliffWalking()
    walker.reset()
    clone = copy.copy(walker)
    walker.step(0)
    assert (walker.state, clone.state) == (24, 36)
