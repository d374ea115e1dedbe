"""tabrl's environments as Gymnasium environments (tabrl.gym)."""

import warnings

import numpy as np
import pytest

import tabrl

IDS = ["tabrl/CliffWalking-v0", "tabrl/FrozenLake-v1", "tabrl/FrozenLake8x8-v1", "tabrl/Taxi-v3"]


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_gymnasiums_env_checker_passes_without_a_warning(tabrl_gym, gymnasium, env_id, render_mode):
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make(env_id, render_mode=render_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any complaint of the checker fails the test
        check_env(env.unwrapped)  # the raw env, as the checker recommends; render modes via its spec
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_registered_like_gymnasiums_own(tabrl_gym, gymnasium, env_id):
    ours, theirs = gymnasium.spec(env_id), gymnasium.spec(env_id.split("/")[1])
    assert ours.max_episode_steps == theirs.max_episode_steps
    assert ours.reward_threshold == theirs.reward_threshold
    env = gymnasium.make(env_id)
    reference = gymnasium.make(env_id.split("/")[1])
    assert env.observation_space == reference.observation_space
    assert env.action_space == reference.action_space


def test_time_limit_truncates_on_a_terminating_step_as_gymnasium_does(tabrl_gym, gymnasium):
    path = [2, 2, 1, 1, 1, 2]  # right, right, down, down, down, right: the goal in 6 steps
    for env in (
        gymnasium.make("tabrl/FrozenLake-v1", is_slippery=False, max_episode_steps=6),
        tabrl_gym.TabrlEnv(tabrl.TimeLimit(tabrl.FrozenLake(is_slippery=False), 6)),
        gymnasium.make("FrozenLake-v1", is_slippery=False, max_episode_steps=6),  # the reference
    ):
        env.reset(seed=0)
        results = [env.step(a)[:4] for a in path]
        assert results[-1] == (15, 1.0, True, True), env
        assert all(r[3] is False for r in results[:-1])
    # tabrl's own TimeLimit says False there (the difference the Gymnasium side hides).
    native = tabrl.TimeLimit(tabrl.FrozenLake(is_slippery=False), 6)
    native.reset()
    assert [native.step(a) for a in path][-1] == (15, 1.0, True, False)


def test_deterministic_dynamics_match_gymnasium_step_for_step(tabrl_gym, gymnasium):
    actions = np.random.default_rng(0).integers(0, 4, size=300).tolist()
    ours, theirs = gymnasium.make("tabrl/CliffWalking-v0"), gymnasium.make("CliffWalking-v0")
    assert ours.reset(seed=1)[0] == theirs.reset(seed=1)[0]
    for action in actions:
        a, b = ours.step(action), theirs.step(action)
        assert a[:4] == b[:4] and a[4]["prob"] == b[4]["prob"]
        if a[2]:
            assert ours.reset()[0] == theirs.reset()[0]


def test_reset_and_info(tabrl_gym, gymnasium):
    env = gymnasium.make("tabrl/Taxi-v3")
    first = env.reset(seed=11)
    assert env.reset(seed=11)[0] == first[0]
    followers = [env.reset()[0] for _ in range(5)]
    twin = gymnasium.make("tabrl/Taxi-v3")
    twin.reset(seed=11)
    assert [twin.reset()[0] for _ in range(5)] == followers  # an unseeded reset continues
    reference = gymnasium.make("Taxi-v3").unwrapped
    for state in (first[0], 0, 499):
        assert np.array_equal(tabrl.Taxi.action_mask(state), reference.action_mask(state))
    state, reward, terminated, truncated, info = env.step(np.int64(0))  # numpy actions work
    assert type(state) is int and type(reward) is float and type(terminated) is bool
    assert set(info) == {"prob", "action_mask"} and info["prob"] == 1.0
    lake = gymnasium.make("tabrl/FrozenLake-v1")
    lake.reset(seed=0)
    assert lake.step(0)[4] == {"prob": 1 / 3}
    with pytest.raises(TypeError):
        lake.step(1.5)  # not an integer


def test_renders(tabrl_gym, gymnasium):
    env = gymnasium.make("tabrl/CliffWalking-v0", render_mode="ansi")
    env.reset(seed=0)
    assert env.render() == env.unwrapped.native.render_ansi()
    frame = gymnasium.make("tabrl/FrozenLake-v1", render_mode="rgb_array")
    frame.reset(seed=0)
    image = frame.render()
    assert image.shape == (129, 129, 3) and image.dtype == np.uint8
    with pytest.raises(ValueError, match="render_mode must be None, 'ansi' or 'rgb_array', got 'human'"):
        tabrl_gym.CliffWalkingEnv(render_mode="human")


def test_frozen_lake_arguments(tabrl_gym):
    assert tabrl_gym.FrozenLakeEnv(desc=["SF", "HG"]).native.map == ["SF", "HG"]
    assert tabrl_gym.FrozenLakeEnv(desc=[b"SF", b"FG"]).native.map == ["SF", "FG"]  # Gymnasium's bytes rows
    assert tabrl_gym.FrozenLakeEnv(map_name="8x8").observation_space.n == 64
    random_map = tabrl_gym.FrozenLakeEnv(map_name=None).native.map
    assert len(random_map) == 8 and random_map[0][0] == "S" and random_map[7][7] == "G"
