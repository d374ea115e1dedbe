"""Gymnasium environments in tabrl: GymnasiumEnv adapts any Gymnasium-API environment with
Discrete spaces to tabrl's agents, memories and training loops."""

import numpy as np
import pytest

import tabrl


def notebook_agent():
    return tabrl.QLearningAgent(48, 4, gamma=1.0, alpha=0.9, epsilon=0.1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_notebooks_experiment_on_gymnasiums_cliff_walking(gymnasium, seed):
    """CliffWalking-v0 itself through the adapter: the optimal greedy path, and exactly the
    run tabrl's own CliffWalking gives (both are deterministic with the same rules)."""
    env = tabrl.GymnasiumEnv(gymnasium.make("CliffWalking-v0"))
    assert (env.num_states, env.num_actions) == (48, 4)
    agent = notebook_agent()
    log = tabrl.train(agent, env, tabrl.ReplayMemory(2000), episodes=100, batch_size=32, seed=seed)
    rollout = tabrl.greedy_rollout(agent, env)
    assert (rollout.total_return, rollout.length, rollout.terminated) == (-13.0, 13, True)
    native_agent = notebook_agent()
    native = tabrl.train(native_agent, tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=100, seed=seed)
    assert log == native and np.array_equal(agent.q, native_agent.q)


def make_env_class(gymnasium, transitions, observation_space=None, action_space=None):
    """A small Gymnasium environment: transitions[action] -> (obs, reward, terminated,
    truncated); records the seeds and actions it is given."""
    spaces = gymnasium.spaces

    class Recorder(gymnasium.Env):
        def __init__(self):
            self.observation_space = observation_space or spaces.Discrete(2)
            self.action_space = action_space or spaces.Discrete(len(transitions))
            self.seeds, self.actions = [], []

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.seeds.append(seed)
            return int(self.observation_space.start), {}

        def step(self, action):
            self.actions.append(action)
            return (*transitions[action], {})

    return Recorder


def test_episodes_are_reset_with_tabrls_seed_rule(gymnasium):
    recorder = make_env_class(gymnasium, [(1, 0.0, True, False)])()
    tabrl.train_online(tabrl.QLearningAgent(2, 1), tabrl.GymnasiumEnv(recorder), episodes=4, seed=7)
    assert recorder.seeds == [tabrl.derive_seed(7, e) for e in range(4)]


def test_terminated_and_truncated_stay_apart(gymnasium):
    def learn(terminated, truncated):
        env = tabrl.GymnasiumEnv(make_env_class(gymnasium, [(1, 0.0, terminated, truncated)])())
        agent = tabrl.QLearningAgent(2, 1, gamma=1.0, alpha=1.0, epsilon=0.0)
        agent.q[1, 0] = 10.0
        log = tabrl.train_online(agent, env, episodes=1)
        return agent.q[0, 0], log.lengths.tolist()

    assert learn(terminated=False, truncated=True) == (10.0, [1])  # truncated: bootstraps from s'
    assert learn(terminated=True, truncated=False) == (0.0, [1])  # terminal: no bootstrap


def test_spaces_with_a_start_are_renumbered(gymnasium):
    spaces = gymnasium.spaces
    recorder = make_env_class(
        gymnasium, {-1: (6, 1.0, False, False), 0: (7, 2.0, True, False)},
        observation_space=spaces.Discrete(3, start=5), action_space=spaces.Discrete(2, start=-1),
    )()
    env = tabrl.GymnasiumEnv(recorder)
    assert (env.num_states, env.num_actions) == (3, 2)
    assert env.reset(seed=3) == 0
    assert env.step(0) == (1, 1.0, False, False) and env.step(1) == (2, 2.0, True, False)
    assert recorder.actions == [-1, 0] and recorder.seeds == [3]


def test_non_discrete_spaces_are_refused(gymnasium):
    spaces = gymnasium.spaces

    class Continuous(gymnasium.Env):
        observation_space = spaces.Box(0.0, 1.0, (3,))
        action_space = spaces.Discrete(2)

    with pytest.raises(ValueError, match=r"^tabrl::GymnasiumEnv: observation_space must be a gymnasium.spaces.Discrete \(tabrl's agents are tabular\), got Box"):
        tabrl.GymnasiumEnv(Continuous())
    class Multi(gymnasium.Env):
        observation_space = spaces.Discrete(2)
        action_space = spaces.MultiDiscrete([2, 2])

    with pytest.raises(ValueError, match="action_space must be a gymnasium.spaces.Discrete .*got MultiDiscrete"):
        tabrl.GymnasiumEnv(Multi())
    with pytest.raises(ValueError, match=r"env must have an observation_space \(a Gymnasium environment\), got object"):
        tabrl.GymnasiumEnv(object())


def test_bad_results_and_python_errors(gymnasium):
    old_api = make_env_class(gymnasium, [(1, 0.0, True, {})])()  # gym's four-tuple
    old_api.step = lambda action: (1, 0.0, True, {})
    env = tabrl.GymnasiumEnv(old_api)
    env.reset()
    with pytest.raises(ValueError, match=r"tabrl::GymnasiumEnv::step: env.step must return \(observation, reward, terminated, truncated, info\), got \(1, 0.0, True, \{\}\)"):
        env.step(0)
    escaped = tabrl.GymnasiumEnv(make_env_class(gymnasium, [(2, 0.0, True, False)])())
    with pytest.raises(ValueError, match=r"tabrl::GymnasiumEnv::step: observation must be in \[0, 2\), got 2"):
        tabrl.train_online(tabrl.QLearningAgent(2, 1), escaped, episodes=1)
    with pytest.raises(ValueError, match=r"action must be in \[0, 1\), got 1"):
        escaped.step(1)

    broken = make_env_class(gymnasium, [(1, 0.0, False, False)])()
    calls = []

    def step(action):
        calls.append(action)
        if len(calls) == 5:
            raise ZeroDivisionError("the environment's own bug")
        return 1, -1.0, False, False, {}

    broken.step = step
    agent = tabrl.QLearningAgent(2, 1, alpha=0.5)
    with pytest.raises(ZeroDivisionError, match="the environment's own bug"):
        tabrl.train(agent, tabrl.GymnasiumEnv(broken), tabrl.ReplayMemory(10), batch_size=2, episodes=1)
    assert np.isfinite(agent.q).all() and agent.q[0, 0] < 0  # learned from the steps before
    agent.update(0, 0, 1.0, 1, True)  # and is still usable


def test_time_limit_over_a_gymnasium_env(gymnasium):
    env = tabrl.TimeLimit(tabrl.GymnasiumEnv(gymnasium.make("CliffWalking-v0")), 5)
    log = tabrl.train_online(tabrl.QLearningAgent(48, 4, epsilon=1.0), env, episodes=3, seed=1)
    assert log.lengths.tolist() == [5, 5, 5]
    assert isinstance(env.unwrapped, tabrl.GymnasiumEnv)
