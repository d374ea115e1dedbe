"""The agents from Python: settings, errors, the zero-copy Q table, the learning rules."""

import gc
import weakref

import numpy as np
import pytest

import tabrl

AGENTS = [tabrl.QLearningAgent, tabrl.ExpectedSarsaAgent, tabrl.SarsaAgent, tabrl.DoubleQLearningAgent]


@pytest.mark.parametrize("cls", AGENTS)
def test_settings_default_to_the_cpp_defaults(cls):
    agent = cls(5, 3)
    assert (agent.num_states, agent.num_actions) == (5, 3)
    assert (agent.gamma, agent.alpha, agent.epsilon, agent.duplicates) == (1.0, 0.5, 0.1, "last")
    assert repr(agent) == f"{cls.__name__}(5, 3, gamma=1.0, alpha=0.5, epsilon=0.1, duplicates='last')"


@pytest.mark.parametrize("cls", AGENTS)
def test_bad_settings_raise_value_error_with_the_cpp_message(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"^tabrl::{name}: alpha must be in \(0, 1\], got 1.5$"):
        cls(4, 2, alpha=1.5)
    with pytest.raises(ValueError, match=rf"^tabrl::{name}: gamma must be in \[0, 1\], got nan$"):
        cls(4, 2, gamma=float("nan"))
    with pytest.raises(ValueError, match=rf"^tabrl::{name}: num_states must be >= 1, got 0$"):
        cls(0, 2)
    with pytest.raises(ValueError, match=r"duplicates must be 'last', 'mean' or 'sequential', got 'first'"):
        cls(4, 2, duplicates="first")
    agent = cls(4, 2)
    with pytest.raises(ValueError, match=rf"^tabrl::{name}: epsilon must be in \[0, 1\], got -0.5$"):
        agent.epsilon = -0.5
    assert agent.epsilon == 0.1  # unchanged by the refused value


def test_settings_can_be_changed_and_use_names_or_the_enum():
    agent = tabrl.QLearningAgent(4, 2, gamma=0.9, alpha=0.25, epsilon=0.0, duplicates=tabrl.DuplicateRule.mean)
    assert agent.duplicates == "mean"
    agent.duplicates = "sequential"
    agent.alpha = 1.0
    assert (agent.gamma, agent.alpha, agent.epsilon, agent.duplicates) == (0.9, 1.0, 0.0, "sequential")


def test_q_is_a_writable_zero_copy_view():
    agent = tabrl.QLearningAgent(6, 4, alpha=0.5, gamma=1.0, epsilon=0.0)
    q = agent.q
    assert q.shape == (6, 4) and q.dtype == np.float64 and q.flags.c_contiguous and q.flags.writeable
    assert np.shares_memory(q, agent.q)
    q[2, 3] = 7.0  # the agent sees the write
    assert agent.greedy_action(2, tabrl.Rng(0)) == 3
    assert agent.greedy_policy().tolist() == [0, 0, 3, 0, 0, 0]
    agent.q[0, 1] = 2.0
    td_error = agent.update(0, 1, 1.0, 1, True)  # target 1 (terminal), Q = 2 -> 1.5
    assert td_error == -1.0 and q[0, 1] == 1.5  # and numpy sees the agent's write


def test_q_view_keeps_the_agent_alive():
    agent = tabrl.QLearningAgent(3, 2)
    watch = weakref.ref(agent)
    q = agent.q
    assert q.base is agent
    del agent
    gc.collect()
    assert watch() is not None  # held by the view
    q[1, 1] = 4.0
    assert watch().q[1, 1] == 4.0
    del q
    gc.collect()
    assert watch() is None


def test_online_rules():
    q = tabrl.QLearningAgent(3, 2, gamma=0.5, alpha=0.5)
    q.q[:] = [[0, 0], [1, 3], [0, 0]]
    assert q.update(0, 0, 1.0, 1, False) == 1.0 + 0.5 * 3  # r + gamma max Q(s')
    assert q.q[0, 0] == 0.5 * 2.5
    assert q.update(0, 1, 1.0, 1, True) == 1.0  # no bootstrap past a terminal state

    es = tabrl.ExpectedSarsaAgent(3, 2, gamma=1.0, alpha=1.0, epsilon=0.5)
    es.q[1] = [1, 3]
    assert es.expected_value(1) == 0.5 * 2 + 0.5 * 3  # eps * mean + (1 - eps) * max
    assert es.update(0, 0, 0.0, 1, False) == 2.5

    sarsa = tabrl.SarsaAgent(3, 2, gamma=1.0, alpha=1.0)
    sarsa.q[1] = [1, 3]
    assert sarsa.update(0, 0, 0.0, 1, False, 0) == 1.0  # bootstraps from the next action taken
    with pytest.raises(ValueError, match=r"tabrl::SarsaAgent::update: action must be in \[0, 2\), got 2"):
        sarsa.update(0, 0, 0.0, 1, False, 2)
    with pytest.raises(ValueError, match=r"tabrl::QLearningAgent::update: state must be in \[0, 3\), got 3"):
        q.update(3, 0, 0.0, 0, False)
    with pytest.raises(ValueError, match="reward must be finite, got inf"):
        q.update(0, 0, float("inf"), 0, False)


def test_double_q_shows_tables_read_only():
    agent = tabrl.DoubleQLearningAgent(3, 2, alpha=1.0, gamma=1.0, coin_seed=4)
    assert not agent.q.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        agent.q[0, 0] = 1.0
    a = np.arange(6.0).reshape(3, 2)
    agent.set_tables(a, 10 * a)
    assert np.array_equal(agent.q, 11 * a) and np.array_equal(agent.table_b, 10 * a)
    agent.update(0, 0, 1.0, 0, True)  # one of the tables moves to the target 1
    assert np.array_equal(agent.q, agent.table_a + agent.table_b)
    assert (agent.table_a[0, 0], agent.table_b[0, 0]) in [(1.0, 0.0), (0.0, 1.0)]
    with pytest.raises(ValueError, match=r"table must be a 3 x 2 array, got \(2, 2\)"):
        agent.set_tables(np.zeros((2, 2)), np.zeros((3, 2)))


def test_epsilon_greedy_explores_uniformly():
    agent = tabrl.QLearningAgent(1, 4, epsilon=1.0)
    agent.q[0, 2] = 1.0
    rng = tabrl.Rng(7)
    counts = np.bincount([agent.act(0, rng) for _ in range(4000)], minlength=4)
    # Each action has probability 1/4: 1000 expected, standard deviation 27; 150 is 5.5 sd.
    assert np.all(np.abs(counts - 1000) < 150), counts
    agent.epsilon = 0.0
    assert {agent.act(0, rng) for _ in range(50)} == {2}


def test_ties_are_broken_at_random_with_the_given_generator():
    agent = tabrl.QLearningAgent(1, 3, epsilon=0.0)
    first = [agent.greedy_action(0, tabrl.Rng(3)) for _ in range(5)]
    rng = tabrl.Rng(3)
    assert first == [agent.greedy_action(0, tabrl.Rng(3))] * 5
    assert len({agent.greedy_action(0, rng) for _ in range(60)}) == 3


def test_rng_is_seeded_and_restorable():
    a, b = tabrl.Rng(42), tabrl.Rng(42)
    assert [a() for _ in range(3)] == [b() for _ in range(3)]
    saved = a.state
    x = [a.uniform_real() for _ in range(4)]
    b.state = saved
    assert x == [b.uniform_real() for _ in range(4)] and all(0.0 <= v < 1.0 for v in x)
    assert {a.uniform_int(-1, 1) for _ in range(100)} == {-1, 0, 1}
    with pytest.raises(ValueError, match=r"tabrl::uniform_int: low must be <= high, got 2"):
        a.uniform_int(2, 1)
    with pytest.raises(ValueError, match="state must not be all zero"):
        a.state = (0, 0, 0, 0)
