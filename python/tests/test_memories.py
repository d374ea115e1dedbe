"""The replay memories from Python: storing, sizes, ring order, errors."""

import pytest

import tabrl


def test_replay_memory_is_a_ring_buffer():
    memory = tabrl.ReplayMemory(3)
    assert (memory.capacity, memory.size, len(memory), memory.full) == (3, 0, 0, False)
    for i in range(5):
        memory.push(i, i % 4, -float(i), i + 1, i == 4)
    assert (memory.size, memory.full, memory.head) == (3, True, 2)
    assert [memory[i][0] for i in range(3)] == [2, 3, 4]  # the oldest two were overwritten
    assert memory[-1] == (4, 0, -4.0, 5, True)
    with pytest.raises(IndexError):
        memory[3]
    memory.clear()
    assert (memory.size, memory.capacity) == (0, 3)


def test_replay_memory_rejects_bad_transitions():
    memory = tabrl.ReplayMemory(4)
    with pytest.raises(ValueError, match=r"^tabrl::ReplayMemory::push: reward must be finite.*, got nan$"):
        memory.push(0, 0, float("nan"), 1, False)
    with pytest.raises(ValueError, match="action must be >= 0 and fit the action type, got 256"):
        memory.push(0, 256, 0.0, 1, False)
    with pytest.raises(ValueError, match="state must be >= 0 and fit the index type, got -1"):
        memory.push(-1, 0, 0.0, 1, False)
    assert memory.size == 0
    with pytest.raises(ValueError, match="tabrl::ReplayMemory: capacity must be >= 1, got 0"):
        tabrl.ReplayMemory(0)
    with pytest.raises(ValueError, match="sampling must be 'without_replacement' or 'with_replacement', got 'sometimes'"):
        tabrl.ReplayMemory(4, sampling="sometimes")


def test_sampling_mode_by_name_or_enum():
    memory = tabrl.ReplayMemory(4, sampling=tabrl.Sampling.with_replacement)
    assert memory.sampling == "with_replacement"
    memory.sampling = "without_replacement"
    assert memory.sampling == "without_replacement"


def test_prioritized_replay_settings_and_priorities():
    memory = tabrl.PrioritizedReplay(8, alpha=0.5, beta=0.25, beta_steps=10, epsilon=1e-3)
    assert (memory.capacity, memory.size, memory.beta, memory.max_priority) == (8, 0, 0.25, 1.0)
    for i in range(3):
        memory.push(i, 0, 1.0, i + 1, False)
    memory.set_priority(1, 4.0)
    assert memory.max_priority == 4.0 and len(memory) == 3
    with pytest.raises(ValueError, match=r"tabrl::PrioritizedReplay::set_priority: slot must be < size\(\), got 3"):
        memory.set_priority(3, 1.0)
    with pytest.raises(ValueError, match=r"tabrl::PrioritizedReplay: beta must be in \[0, 1\], got 2"):
        tabrl.PrioritizedReplay(8, beta=2.0)


def test_n_step_replay_stores_discounted_returns():
    memory = tabrl.NStepReplay(tabrl.ReplayMemory(10), 3, 0.5)
    assert (memory.n, memory.capacity, memory.size) == (3, 10, 0)
    memory.push(0, 0, 1.0, 1, False)
    memory.push(1, 0, 2.0, 2, False)
    assert (memory.pending, memory.size) == (2, 0)
    memory.push(2, 0, 4.0, 3, False)  # the first 3-step return is complete: 1 + 0.5*2 + 0.25*4
    assert (memory.pending, memory.size) == (2, 1)
    assert memory.discount_at(0) == 0.125
    memory.end_episode()  # the rest, shortened
    assert (memory.pending, memory.size) == (0, 3)
    assert [memory.discount_at(slot) for slot in range(3)] == [0.125, 0.25, 0.5]
    with pytest.raises(ValueError, match="tabrl::NStepReplay: n must be >= 1, got 0"):
        tabrl.NStepReplay(tabrl.ReplayMemory(4), 0, 0.9)
    with pytest.raises(ValueError, match="memory must be a ReplayMemory or PrioritizedReplay, got CliffWalking"):
        tabrl.NStepReplay(tabrl.CliffWalking(), 2, 0.9)


def test_n_step_replay_takes_a_copy_of_its_memory():
    inner = tabrl.PrioritizedReplay(5)
    memory = tabrl.NStepReplay(inner, 1, 1.0)
    memory.push(0, 0, 1.0, 1, True)
    assert (memory.size, inner.size) == (1, 0)
