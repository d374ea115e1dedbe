"""tabrl's environments against the real Gymnasium 0.29.1: the whole model (Gymnasium's P) on
every valid state and action, start distributions and registered time limits."""

import numpy as np
import pytest

import tabrl

CASES = {
    "CliffWalking-v0": ({}, lambda: tabrl.CliffWalking()),
    "FrozenLake-v1 slippery": ({"is_slippery": True}, lambda: tabrl.FrozenLake("4x4", is_slippery=True)),
    "FrozenLake-v1": ({"is_slippery": False}, lambda: tabrl.FrozenLake("4x4", is_slippery=False)),
    "FrozenLake8x8-v1 slippery": ({"is_slippery": True}, lambda: tabrl.FrozenLake("8x8", is_slippery=True)),
    "FrozenLake8x8-v1": ({"is_slippery": False}, lambda: tabrl.FrozenLake("8x8", is_slippery=False)),
    "Taxi-v3": ({}, lambda: tabrl.Taxi()),
}


def reference(gymnasium, case):
    kwargs, _ = CASES[case]
    return gymnasium.make(case.split()[0], **kwargs).unwrapped


@pytest.mark.parametrize("case", CASES)
def test_transition_tables_equal_gymnasiums_P(gymnasium, case):
    theirs = reference(gymnasium, case)
    ours = CASES[case][1]()
    assert (ours.num_states, ours.num_actions) == (theirs.observation_space.n, theirs.action_space.n)
    for s in range(ours.num_states):
        for a in range(ours.num_actions):
            expected = [(p, int(s2), float(r), bool(t)) for p, s2, r, t in theirs.P[s][a]]
            assert ours.transitions(s, a) == expected, (case, s, a)


@pytest.mark.parametrize("case", CASES)
def test_start_distributions_equal_gymnasiums(gymnasium, case):
    distribution = reference(gymnasium, case).initial_state_distrib
    support = set(np.flatnonzero(distribution).tolist())
    env = CASES[case][1]()
    n = 30_000 if len(support) > 1 else 200
    counts = np.bincount([env.reset(seed=seed) for seed in range(n)], minlength=env.num_states)
    assert set(np.flatnonzero(counts).tolist()) == support
    if len(support) > 1:
        # Pearson's chi-square against Gymnasium's (uniform) distribution, 299 degrees of
        # freedom for Taxi: mean 299, sd 24.5; the bound 6 sd above is never crossed by chance.
        expected = n * distribution[distribution > 0]
        chi2 = float(((counts[distribution > 0] - expected) ** 2 / expected).sum())
        df = len(support) - 1
        assert chi2 < df + 6 * (2 * df) ** 0.5, chi2


@pytest.mark.parametrize(
    "gym_id,make",
    [("CliffWalking-v0", tabrl.make_cliff_walking), ("FrozenLake-v1", tabrl.make_frozen_lake),
     ("FrozenLake8x8-v1", tabrl.make_frozen_lake_8x8), ("Taxi-v3", tabrl.make_taxi)],
)
def test_registered_time_limits(gymnasium, gym_id, make):
    env = make()
    limit = env.max_episode_steps if isinstance(env, tabrl.TimeLimit) else None
    assert limit == gymnasium.spec(gym_id).max_episode_steps


def test_stepping_matches_gymnasium_along_random_episodes(gymnasium):
    """step() itself, not only the model: Taxi and non-slippery FrozenLake are deterministic
    once started, so from the same start the same actions give the same steps."""
    rng = np.random.default_rng(3)
    for gym_id, ours in [("Taxi-v3", tabrl.Taxi()), ("FrozenLake8x8-v1", tabrl.FrozenLake("8x8", is_slippery=False))]:
        theirs = gymnasium.make(gym_id, **({"is_slippery": False} if "Lake" in gym_id else {})).unwrapped
        for episode in range(20):
            start = theirs.reset(seed=episode)[0]
            seed = next(s for s in range(100_000) if ours.reset(seed=s) == start)  # Taxi: same start
            for _ in range(50):
                action = int(rng.integers(ours.num_actions))
                expected = theirs.step(action)[:3]
                got = ours.step(action)[:3]
                assert got == (int(expected[0]), float(expected[1]), bool(expected[2])), (gym_id, seed)
                if got[2]:
                    break
