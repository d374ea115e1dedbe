"""Sampling minibatches from Python and updating agents with them (python/src/replay.cpp)."""

import numpy as np
import pytest

import tabrl


def filled_memory(capacity=64, n=50, sampling="without_replacement"):
    memory = tabrl.ReplayMemory(capacity, sampling=sampling)
    for i in range(n):
        memory.push(i % 10, i % 4, float(i % 7) - 3.0, (i * 3) % 10, i % 9 == 0)
    return memory


def test_sample_returns_stored_rows_as_numpy_columns():
    memory = filled_memory()
    batch = memory.sample(16, tabrl.Rng(1))
    assert isinstance(batch, tabrl.Minibatch) and len(batch) == 16
    assert batch.states.dtype == np.int32 and batch.rewards.dtype == np.float64
    assert batch.terminated.dtype == np.bool_ and batch.slots.dtype == np.int32
    assert len(set(batch.slots.tolist())) == 16  # without replacement: distinct slots
    for i, slot in enumerate(batch.slots):
        assert batch[i] == memory[int(slot)]  # not full yet: slot order is push order
        row = (batch.states[i], batch.actions[i], batch.rewards[i], batch.next_states[i], batch.terminated[i])
        assert row == memory[int(slot)]
    assert batch.weights.size == 0 and batch.discounts.size == 0


def test_sampling_is_deterministic_and_can_reuse_a_batch():
    memory = filled_memory()
    a = memory.sample(8, tabrl.Rng(5))
    out = tabrl.Minibatch()
    b = memory.sample(8, tabrl.Rng(5), out=out)
    assert b is out and a.slots.tolist() == b.slots.tolist()
    assert memory.sample(8, tabrl.Rng(6)).slots.tolist() != a.slots.tolist()


def test_sampling_errors():
    with pytest.raises(ValueError, match=r"^tabrl::ReplayMemory::sample: memory must not be empty, got 0$"):
        tabrl.ReplayMemory(4).sample(1, tabrl.Rng())
    with pytest.raises(ValueError, match=r"batch_size must be <= size\(\) = 50 when sampling without replacement, got 51"):
        filled_memory().sample(51, tabrl.Rng())
    with pytest.raises(ValueError, match="batch_size must be >= 1, got -2"):
        filled_memory().sample(-2, tabrl.Rng())


def test_minibatch_update_is_the_notebooks_numpy_update():
    """The notebook's minibatch_step in numpy, duplicates included ('last' rule)."""
    memory = filled_memory(sampling="with_replacement")
    agent = tabrl.QLearningAgent(10, 4, gamma=0.9, alpha=0.7)
    agent.q[:] = np.random.default_rng(0).normal(size=(10, 4))
    rng = tabrl.Rng(2)
    for _ in range(20):
        batch = memory.sample(32, rng)
        o, a, r, d, n = batch.states, batch.actions, batch.rewards, batch.terminated, batch.next_states
        assert len(set(zip(o.tolist(), a.tolist()))) < 32  # duplicates are exercised
        q = agent.q.copy()
        targets = r.copy()
        targets[~d] += 0.9 * np.max(q[n, :], axis=1)[~d]
        q[o, a] += 0.7 * (targets - q[o, a])
        before = agent.q.copy()
        agent.update(batch)
        assert np.array_equal(agent.q, q)
        assert np.array_equal(agent.last_td_errors, targets - before[o, a])


def test_a_bad_row_changes_nothing():
    agent = tabrl.QLearningAgent(4, 2)
    batch = tabrl.Minibatch()
    batch.push(0, 0, 1.0, 1, False)
    batch.push(3, 2, 1.0, 1, False)  # action 2 does not exist
    with pytest.raises(ValueError, match=r"action must be in \[0, 2\), got 2"):
        agent.update(batch)
    assert not agent.q.any()


def test_hand_built_batches_with_weights_and_discounts():
    agent = tabrl.ExpectedSarsaAgent(3, 2, gamma=1.0, alpha=1.0, epsilon=0.0)
    agent.q[1] = [2.0, 4.0]
    batch = tabrl.Minibatch()
    batch.push(0, 0, 1.0, 1, False)
    batch.push(0, 1, 1.0, 1, False)
    batch.set_discounts([0.5, 0.25])
    batch.set_weights([1.0, 0.5])
    agent.update(batch)
    assert agent.q[0].tolist() == [1.0 + 0.5 * 4.0, 0.5 * (1.0 + 0.25 * 4.0)]
    with pytest.raises(ValueError, match=r"one value per row \(2\) is needed, got 3"):
        batch.set_weights([1.0, 1.0, 1.0])


def test_prioritized_sampling_carries_weights_and_learns_priorities():
    memory = tabrl.PrioritizedReplay(32, alpha=1.0, beta=0.5)
    for i in range(20):
        memory.push(i % 5, 0, 0.0, (i + 1) % 5, False)
    memory.set_priority(3, 50.0)
    rng = tabrl.Rng(0)
    batch = memory.sample(200, rng)
    weights = batch.weights
    assert weights.shape == (200,) and weights.max() == 1.0 and (weights > 0).all()
    # Slot 3 holds 50 / (19 + 50) of the priority: about 145 of 200 draws.
    assert 120 < np.count_nonzero(batch.slots == 3) < 170
    agent = tabrl.QLearningAgent(5, 1)
    agent.update(batch)
    memory.update_priorities(batch, np.full(200, 2.0))
    assert memory.max_priority == 50.0
    with pytest.raises(ValueError, match="one TD error per row is needed, got 3"):
        memory.update_priorities(batch, [1.0, 2.0, 3.0])


def test_n_step_batches_carry_discounts():
    memory = tabrl.NStepReplay(tabrl.ReplayMemory(16), 2, 0.5)
    for i in range(6):
        memory.push(i, 0, 1.0, i + 1, i == 5)
    batch = memory.sample(6, tabrl.Rng(3))
    expected = {slot: memory.discount_at(slot) for slot in range(6)}
    assert batch.discounts.tolist() == [expected[int(s)] for s in batch.slots]
    # Five 2-step returns (gamma^2); the terminal step's own start is a 1-step return.
    assert sorted(batch.discounts.tolist()) == [0.25] * 5 + [0.5]
    with pytest.raises(RuntimeError, match="has no priorities"):
        memory.update_priorities(batch, np.zeros(6))
