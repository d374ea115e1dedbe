"""Checkpoints from Python (python/src/checkpoint.cpp): resume bit for bit, damaged files
refused with the failed check named, files shared with the C++ trainer."""

import os
import subprocess

import numpy as np
import pytest

import tabrl


def fresh(agent_cls, memory_factory):
    env = tabrl.CliffWalking()
    agent = agent_cls(48, 4, gamma=1.0, alpha=0.5, epsilon=0.1)
    memory = memory_factory() if memory_factory else None
    return agent, env, memory, tabrl.TrainingState(seed=5, num_states=48)


def run(agent, env, memory, state, episodes):
    options = tabrl.TrainOptions(episodes=episodes, batch_size=16, seed=5)
    if memory is None:
        tabrl.run_online_training(agent, env, state, options)
    else:
        tabrl.run_training(agent, env, memory, state, options)
    return options


CASES = {
    "q-uniform": (tabrl.QLearningAgent, lambda: tabrl.ReplayMemory(500)),
    "expected-sarsa-prioritized": (tabrl.ExpectedSarsaAgent, lambda: tabrl.PrioritizedReplay(500)),
    "double-q-n-step": (tabrl.DoubleQLearningAgent, lambda: tabrl.NStepReplay(tabrl.PrioritizedReplay(500), 3, 1.0)),
    "sarsa-online": (tabrl.SarsaAgent, None),
}


@pytest.mark.parametrize("case", CASES)
def test_resuming_from_a_checkpoint_equals_the_whole_run(case, tmp_path):
    agent_cls, memory_factory = CASES[case]
    whole = fresh(agent_cls, memory_factory)
    run(*whole, 30)

    first = fresh(agent_cls, memory_factory)
    options = run(*first, 12)
    path = tmp_path / "run.ckpt"
    tabrl.save_checkpoint(path, first[0], first[2], first[3], options)

    agent, env, memory, state = fresh(agent_cls, memory_factory)
    loaded = tabrl.load_checkpoint(str(path), agent, memory, state)
    assert loaded == options and state.episode == 12 and state.log == first[3].log
    run(agent, env, memory, state, 30)
    assert state.log == whole[3].log
    assert np.array_equal(agent.q, whole[0].q)


def saved_run(tmp_path):
    agent, env, memory, state = fresh(tabrl.QLearningAgent, lambda: tabrl.ReplayMemory(500))
    options = run(agent, env, memory, state, 5)
    path = tmp_path / "run.ckpt"
    tabrl.save_checkpoint(path, agent, memory, state, options)
    return path


def assert_refused(path, problem, agent=None, memory=None):
    agent = tabrl.QLearningAgent(48, 4) if agent is None else agent
    memory = tabrl.ReplayMemory(500) if memory is None else memory
    state = tabrl.TrainingState(seed=0, num_states=48)
    with pytest.raises(tabrl.FormatError) as error:
        tabrl.load_checkpoint(path, agent, memory, state)
    assert error.value.problem == problem
    assert isinstance(error.value, ValueError)
    assert str(error.value).startswith(f"tabrl::load_checkpoint: {path}")
    assert not agent.q.any() and memory.size == 0 and state.episode == 0  # nothing changed


def test_damaged_and_foreign_files_are_refused_and_change_nothing(tmp_path):
    path = saved_run(tmp_path)
    data = path.read_bytes()
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    assert_refused(damaged, "checksum mismatch")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(data[: len(data) // 2])
    assert_refused(truncated, "truncated")
    foreign = tmp_path / "foreign.ckpt"
    foreign.write_bytes(b"PK\x03\x04" + data[4:])
    assert_refused(foreign, "wrong magic")
    assert_refused(path, "wrong kind", agent=tabrl.ExpectedSarsaAgent(48, 4))
    assert_refused(path, "shape mismatch", memory=tabrl.ReplayMemory(400))


def test_file_system_errors_are_os_errors(tmp_path):
    state = tabrl.TrainingState(seed=0, num_states=48)
    with pytest.raises(OSError, match="tabrl::load_checkpoint: cannot open .*missing.ckpt"):
        tabrl.load_checkpoint(tmp_path / "missing.ckpt", tabrl.QLearningAgent(48, 4), None, state)
    with pytest.raises(OSError):
        tabrl.save_checkpoint(tmp_path / "no" / "such" / "dir.ckpt", tabrl.QLearningAgent(48, 4), None, state, tabrl.TrainOptions())
    with pytest.raises(ValueError, match="memory must be a ReplayMemory, PrioritizedReplay, NStepReplay or None, got int"):
        tabrl.save_checkpoint(tmp_path / "x.ckpt", tabrl.QLearningAgent(48, 4), 3, state, tabrl.TrainOptions())


TRAINER = os.environ.get("TABRL_TRAINER")


@pytest.mark.skipif(not TRAINER, reason="TABRL_TRAINER (the C++ cliff_walking_replay) is not set; ctest sets it")
def test_a_cpp_trainer_checkpoint_continues_in_python(tmp_path):
    path = tmp_path / "cpp.ckpt"
    subprocess.run([TRAINER, "--json", "--seed", "0", "--episodes", "40", "--save", str(path)], check=True, capture_output=True)
    agent = tabrl.QLearningAgent(48, 4)
    memory = tabrl.ReplayMemory(2000)
    state = tabrl.TrainingState(seed=0, num_states=48)
    env = tabrl.CliffWalking()
    with pytest.raises(ValueError, match="written by the C\\+\\+ trainer and holds the environment: pass env="):
        tabrl.load_checkpoint(path, agent, memory, state)
    options = tabrl.load_checkpoint(path, agent, memory, state, env=env)
    assert (options.episodes, options.batch_size, options.seed, state.episode) == (40, 32, 0, 40)
    assert (agent.gamma, agent.alpha, agent.epsilon) == (1.0, 0.9, 0.1)
    tabrl.run_training(agent, env, memory, state, tabrl.TrainOptions(episodes=100, seed=0))
    # The whole 100-episode run of the C++ trainer (see test_training.py).
    assert (state.log.env_steps, state.log.updates) == (2299, 2267)
