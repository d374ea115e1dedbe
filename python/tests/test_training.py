"""train / train_online / run_training / greedy_rollout from Python."""

import itertools

import numpy as np
import pytest

import tabrl

# What the C++ trainer prints for the notebook's settings and seed 0
# (examples/cliff_walking_replay --json --seed 0): the binding runs the same loop, bit for bit.
CPP_SEED0_VISITS = [
    11, 14, 10, 8, 16, 27, 18, 16, 24, 21, 11, 5, 19, 20, 18, 17, 13, 19, 19, 18, 18, 17, 20, 34,
    188, 173, 163, 152, 141, 139, 131, 126, 123, 121, 115, 118, 196, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100,
]


def notebook_agent():
    return tabrl.QLearningAgent(48, 4, gamma=1.0, alpha=0.9, epsilon=0.1)


def test_train_reproduces_the_cpp_trainer():
    agent = notebook_agent()
    log = tabrl.train(agent, tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=100, batch_size=32, seed=0)
    assert (log.episodes, log.env_steps, log.updates) == (100, 2299, 2267)
    assert log.visit_counts.tolist() == CPP_SEED0_VISITS
    assert log.mean_return_last(10) == pytest.approx(-87.9, abs=1e-12)
    rollout = tabrl.greedy_rollout(agent, tabrl.CliffWalking())
    assert (rollout.total_return, rollout.length, rollout.terminated) == (-13.0, 13, True)
    assert rollout.states.tolist() == [36, 24] + list(range(25, 36)) + [47]


def test_log_arrays_are_read_only_numpy_views():
    log = tabrl.train(notebook_agent(), tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=20, seed=1)
    assert log.returns.dtype == np.float64 and log.lengths.dtype == np.int64
    assert log.visit_counts.dtype == np.int64 and log.visit_counts.shape == (48,)
    assert len(log.returns) == len(log.lengths) == log.episodes == 20
    assert log.lengths.sum() == log.env_steps
    assert log.visit_counts.sum() == log.env_steps + log.episodes  # every state entered, starts too
    with pytest.raises(ValueError, match="read-only"):
        log.returns[0] = 0.0
    returns = log.returns
    del log
    assert returns.sum() < 0  # the view keeps the log alive


def test_training_is_deterministic_per_seed():
    def run(seed):
        agent = tabrl.QLearningAgent(16, 4, gamma=0.99, alpha=0.5, epsilon=0.2)
        log = tabrl.train(agent, tabrl.make_frozen_lake(), tabrl.ReplayMemory(500), episodes=200, seed=seed)
        return log, agent.q.copy()

    (log_a, q_a), (log_b, q_b), (log_c, _) = run(3), run(3), run(4)
    assert log_a == log_b and np.array_equal(q_a, q_b)
    assert log_a != log_c


ENVS = {
    "cliff": lambda: tabrl.TimeLimit(tabrl.CliffWalking(), 200),
    "cliff-unlimited": tabrl.CliffWalking,
    "lake": tabrl.make_frozen_lake,
    "lake-unlimited": lambda: tabrl.FrozenLake(is_slippery=False),
    "taxi": tabrl.make_taxi,
    "taxi-unlimited": tabrl.Taxi,
}
REPLAY_AGENTS = [tabrl.QLearningAgent, tabrl.ExpectedSarsaAgent, tabrl.DoubleQLearningAgent]
MEMORIES = {
    "uniform": lambda: tabrl.ReplayMemory(300),
    "prioritized": lambda: tabrl.PrioritizedReplay(300),
    "n-step": lambda: tabrl.NStepReplay(tabrl.ReplayMemory(300), 3, 0.99),
    "n-step-prioritized": lambda: tabrl.NStepReplay(tabrl.PrioritizedReplay(300), 3, 0.99),
}


@pytest.mark.parametrize("env_name,agent_cls,memory_name", itertools.product(ENVS, REPLAY_AGENTS, MEMORIES))
def test_every_combination_trains_and_keeps_its_books(env_name, agent_cls, memory_name):
    env = ENVS[env_name]()
    agent = agent_cls(env.num_states, env.num_actions, gamma=0.99, alpha=0.5, epsilon=0.2)
    log = tabrl.train(agent, env, MEMORIES[memory_name](), episodes=4, batch_size=8, seed=2)
    assert log.episodes == 4 and log.lengths.sum() == log.env_steps
    assert log.visit_counts.sum() == log.env_steps + 4
    assert log.updates == max(0, log.env_steps - 8) or memory_name.startswith("n-step")
    assert np.isfinite(agent.q).all()
    if not env_name.startswith("lake"):  # FrozenLake pays only at the goal: Q may stay 0
        assert np.any(agent.q != 0)


@pytest.mark.parametrize("agent_cls", REPLAY_AGENTS + [tabrl.SarsaAgent])
def test_train_online_updates_once_per_step(agent_cls):
    env = tabrl.make_taxi()
    agent = agent_cls(500, 6, gamma=0.9, alpha=0.5, epsilon=0.1)
    log = tabrl.train_online(agent, env, episodes=30, seed=5)
    assert log.updates == log.env_steps and log.episodes == 30
    assert log == tabrl.train_online(agent_cls(500, 6, gamma=0.9, alpha=0.5, epsilon=0.1), env, episodes=30, seed=5)


def test_a_run_split_in_pieces_equals_the_whole_run():
    whole_agent = notebook_agent()
    whole = tabrl.train(whole_agent, tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=60, seed=9)
    agent, memory, env = notebook_agent(), tabrl.ReplayMemory(2000), tabrl.CliffWalking()
    state = tabrl.TrainingState(seed=9, num_states=48)
    for episodes in (10, 35, 60):
        tabrl.run_training(agent, env, memory, state, tabrl.TrainOptions(episodes=episodes, seed=9))
        assert state.episode == episodes
    assert state.log == whole and np.array_equal(agent.q, whole_agent.q)

    online_state = tabrl.TrainingState(seed=1, num_states=48)
    online_agent = tabrl.SarsaAgent(48, 4, alpha=0.5)
    tabrl.run_online_training(online_agent, env, online_state, tabrl.TrainOptions(episodes=5, seed=1))
    tabrl.run_online_training(online_agent, env, online_state, tabrl.TrainOptions(episodes=8, seed=1))
    assert online_state.log == tabrl.train_online(tabrl.SarsaAgent(48, 4, alpha=0.5), env, episodes=8, seed=1)


def test_training_errors_name_the_problem():
    env, memory = tabrl.CliffWalking(), tabrl.ReplayMemory(100)
    with pytest.raises(ValueError, match=r"agent must learn from minibatches \(SarsaAgent learns online only: use train_online\), got SarsaAgent"):
        tabrl.train(tabrl.SarsaAgent(48, 4), env, memory)
    with pytest.raises(ValueError, match=r"tabrl::train: agent table must match the environment \(48 x 4\), got 16 x 4"):
        tabrl.train(tabrl.QLearningAgent(16, 4), env, memory)
    with pytest.raises(ValueError, match="tabrl::train: batch_size must be <= memory capacity 100, got 101"):
        tabrl.train(notebook_agent(), env, memory, batch_size=101)
    with pytest.raises(ValueError, match="tabrl::train: batch_size must be >= 1, got 0"):
        tabrl.train(notebook_agent(), env, memory, batch_size=0)
    with pytest.raises(ValueError, match=r"tabrl::train: episodes must be in \[0, 2147483647\], got -1"):
        tabrl.train(notebook_agent(), env, memory, episodes=-1)
    with pytest.raises(ValueError, match=r"tabrl::train: episodes must be in \[0, 2147483647\], got 10000000000"):
        tabrl.train(notebook_agent(), env, memory, episodes=10**10)
    with pytest.raises(ValueError, match="tabrl.train: env must be a CliffWalking, FrozenLake, Taxi, GymnasiumEnv or TimeLimit, got str"):
        tabrl.train(notebook_agent(), "CliffWalking-v0", memory)
    with pytest.raises(ValueError, match="memory must be a ReplayMemory, PrioritizedReplay or NStepReplay, got list"):
        tabrl.train(notebook_agent(), env, [])
    assert memory.size == 0  # nothing ran


def test_greedy_rollout():
    agent = tabrl.QLearningAgent(48, 4, epsilon=0.0)  # all zeros: ties everywhere, broken at random
    rollout = tabrl.greedy_rollout(agent, tabrl.CliffWalking(), max_steps=7, rng=tabrl.Rng(1))
    assert (rollout.length, rollout.terminated) == (7, False)
    assert rollout.states.dtype == np.int32 and len(rollout.states) == 8 and len(rollout.actions) == 7
    again = tabrl.greedy_rollout(agent, tabrl.CliffWalking(), max_steps=7, rng=tabrl.Rng(1))
    assert rollout.actions.tolist() == again.actions.tolist()
    with pytest.raises(ValueError, match=r"tabrl::greedy_rollout: max_steps must be in \[0, 10000000\], got 10000001"):
        tabrl.greedy_rollout(agent, tabrl.CliffWalking(), max_steps=10_000_001)


def _derive_seed(seed, index):
    mask = 2**64 - 1
    z = ((seed ^ ((0xD1B54A32D192ED03 * (index + 1)) & mask)) + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def test_derive_seed_is_the_documented_rule():
    for seed, index in [(0, 0), (9, 41), (2**64 - 1, 7)]:
        assert tabrl.derive_seed(seed, index) == _derive_seed(seed, index)


def test_train_options():
    options = tabrl.TrainOptions(episodes=7, batch_size=4, updates_per_step=2, seed=3)
    assert repr(options) == "TrainOptions(episodes=7, batch_size=4, updates_per_step=2, seed=3)"
    assert options == tabrl.TrainOptions(episodes=7, batch_size=4, updates_per_step=2, seed=3)
    assert options != tabrl.TrainOptions()
    with pytest.raises(ValueError, match="tabrl::TrainOptions: batch_size must be >= 1, got -4"):
        tabrl.TrainOptions(batch_size=-4)
