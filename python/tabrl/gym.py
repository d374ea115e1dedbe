"""tabrl's environments as Gymnasium environments.

Importing this module registers them with Gymnasium under the ``tabrl`` namespace, with the
time limits Gymnasium registers for its own toy-text environments::

    import gymnasium
    import tabrl.gym

    env = gymnasium.make("tabrl/CliffWalking-v0", render_mode="ansi")
    observation, info = env.reset(seed=0)

==========================  ===========================  =================
id                          Gymnasium's counterpart      max_episode_steps
==========================  ===========================  =================
tabrl/CliffWalking-v0       CliffWalking-v0              none
tabrl/FrozenLake-v1         FrozenLake-v1 (4x4)          100
tabrl/FrozenLake8x8-v1      FrozenLake8x8-v1             200
tabrl/Taxi-v3               Taxi-v3                      200
==========================  ===========================  =================

Each is a plain ``gymnasium.Env`` (Discrete spaces, ``reset(seed=...)``, the five-tuple
``step``, ``render_mode`` "ansi" or "rgb_array") whose dynamics run in C++. ``TabrlEnv``
wraps any native tabrl environment, a ``tabrl.TimeLimit`` included; it then reports
``truncated=True`` on the step that reaches the limit even when that step also terminates,
as Gymnasium's TimeLimit does (tabrl's own TimeLimit reports False there).
"""

from __future__ import annotations

import operator
from typing import Any, Optional, Sequence, SupportsInt, Union

import numpy as np

try:
    import gymnasium
    from gymnasium import spaces
except ImportError as error:  # pragma: no cover - depends on the machine
    raise ImportError(
        "tabrl.gym needs Gymnasium: install it (pip install gymnasium) or put its source "
        "folder on PYTHONPATH"
    ) from error

from . import _tabrl

__all__ = ["TabrlEnv", "CliffWalkingEnv", "FrozenLakeEnv", "TaxiEnv", "ENV_IDS"]

NativeEnv = Union[_tabrl.CliffWalking, _tabrl.FrozenLake, _tabrl.Taxi, _tabrl.TimeLimit]

_SEED_LIMIT = 2**64


def _native_seed(seed: int) -> int:
    """A 64-bit seed for the native generator from any non-negative Python int."""
    if 0 <= seed < _SEED_LIMIT:
        return seed
    # Larger seeds (Gymnasium accepts any non-negative int) are hashed down, as numpy does.
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])


class TabrlEnv(gymnasium.Env):
    """A native tabrl environment (CliffWalking, FrozenLake, Taxi, or a TimeLimit over one of
    them) as a Gymnasium environment.

    ``reset(seed=s)`` reseeds the native generator with ``s``; ``reset()`` without a seed
    continues it, and the first one seeds it from Gymnasium's ``np_random`` (fresh entropy
    unless a seed was given), as Gymnasium's own environments do. ``step`` returns
    ``(state, reward, terminated, truncated, {"prob": p})`` (Taxi adds ``action_mask``);
    stepping after termination raises RuntimeError.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, env: NativeEnv, render_mode: Optional[str] = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"tabrl.gym.TabrlEnv: render_mode must be None, 'ansi' or 'rgb_array', "
                f"got {render_mode!r}"
            )
        base = env.unwrapped if isinstance(env, _tabrl.TimeLimit) else env
        if not isinstance(base, (_tabrl.CliffWalking, _tabrl.FrozenLake, _tabrl.Taxi)):
            raise ValueError(
                "tabrl.gym.TabrlEnv: env must be a CliffWalking, FrozenLake, Taxi or a "
                f"TimeLimit over one of them, got {type(env).__name__}"
            )
        self.native = env
        self._base = base
        self._limited = isinstance(env, _tabrl.TimeLimit)
        self._prob = 1.0 / 3.0 if getattr(base, "is_slippery", False) else 1.0
        self._seeded = False
        self.observation_space = spaces.Discrete(env.num_states)
        self.action_space = spaces.Discrete(env.num_actions)
        self.render_mode = render_mode

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None
    ) -> tuple[int, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            native_seed: Optional[int] = _native_seed(seed)
        elif not self._seeded:
            native_seed = int(self.np_random.integers(0, _SEED_LIMIT, dtype=np.uint64))
        else:
            native_seed = None
        self._seeded = True
        state = self.native.reset(native_seed)
        info: dict[str, Any] = {"prob": 1.0}
        self._add_mask(info, state)
        return state, info

    def step(self, action: SupportsInt) -> tuple[int, float, bool, bool, dict[str, Any]]:
        state, reward, terminated, truncated = self.native.step(operator.index(action))
        if self._limited and self.native.elapsed_steps >= self.native.max_episode_steps:
            truncated = True  # Gymnasium's TimeLimit: at the limit, even on a terminal step
        info: dict[str, Any] = {"prob": self._prob}
        self._add_mask(info, state)
        return state, reward, terminated, truncated, info

    def render(self) -> Union[str, np.ndarray, None]:
        if self.render_mode is None:
            gymnasium.logger.warn(
                "tabrl.gym: render() called without a render_mode; pass render_mode='ansi' or "
                "'rgb_array' when making the environment"
            )
            return None
        if self.render_mode == "ansi":
            return self._base.render_ansi()
        from . import viz  # the frames need the viz component

        state = self._base.state
        if isinstance(self._base, _tabrl.CliffWalking):
            return viz.render_cliff_walking(state)
        if isinstance(self._base, _tabrl.FrozenLake):
            return viz.render_frozen_lake(self._base, state)
        return viz.render_taxi(state)

    def _add_mask(self, info: dict[str, Any], state: int) -> None:
        if isinstance(self._base, _tabrl.Taxi):
            info["action_mask"] = _tabrl.Taxi.action_mask(state)


class CliffWalkingEnv(TabrlEnv):
    """CliffWalking (4 x 12) with Gymnasium's rules; ``is_slippery`` is Gymnasium 1.0's
    option (v0 is not slippery)."""

    def __init__(self, render_mode: Optional[str] = None, is_slippery: bool = False) -> None:
        super().__init__(_tabrl.CliffWalking(is_slippery=is_slippery), render_mode)


class FrozenLakeEnv(TabrlEnv):
    """FrozenLake with Gymnasium's arguments: ``desc`` (a list of rows) or ``map_name``
    ("4x4" or "8x8"); with neither, a random 8 x 8 map whose goal is reachable (each cell
    frozen with probability 0.8), as Gymnasium does."""

    def __init__(
        self,
        render_mode: Optional[str] = None,
        desc: Optional[Sequence[str]] = None,
        map_name: Optional[str] = "4x4",
        is_slippery: bool = True,
    ) -> None:
        if desc is not None:
            rows: Any = [row if isinstance(row, str) else bytes(row).decode() for row in desc]
        elif map_name is not None:
            rows = map_name
        else:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
            rows = _tabrl.FrozenLake.random_map(8, 0.8, seed)
        super().__init__(_tabrl.FrozenLake(rows, is_slippery=is_slippery), render_mode)


class TaxiEnv(TabrlEnv):
    """Taxi with Gymnasium's rules; ``info["action_mask"]`` as in Gymnasium."""

    def __init__(self, render_mode: Optional[str] = None) -> None:
        super().__init__(_tabrl.Taxi(), render_mode)


#: The registered ids, each with its entry point, step limit and Gymnasium's reward threshold.
ENV_IDS: dict[str, dict[str, Any]] = {
    "tabrl/CliffWalking-v0": {"entry_point": "tabrl.gym:CliffWalkingEnv"},
    "tabrl/FrozenLake-v1": {
        "entry_point": "tabrl.gym:FrozenLakeEnv",
        "kwargs": {"map_name": "4x4"},
        "max_episode_steps": 100,
        "reward_threshold": 0.70,
    },
    "tabrl/FrozenLake8x8-v1": {
        "entry_point": "tabrl.gym:FrozenLakeEnv",
        "kwargs": {"map_name": "8x8"},
        "max_episode_steps": 200,
        "reward_threshold": 0.85,
    },
    "tabrl/Taxi-v3": {
        "entry_point": "tabrl.gym:TaxiEnv",
        "max_episode_steps": 200,
        "reward_threshold": 8,
    },
}

for _id, _spec in ENV_IDS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(id=_id, **_spec)
