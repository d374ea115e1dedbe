"""Threads and Ctrl-C: training releases the GIL (Python threads run, and train, meanwhile),
SIGINT stops a long run between two steps with KeyboardInterrupt, and the run can go on.

Each scenario runs in a child interpreter, so a real SIGINT cannot disturb pytest itself and a
hang becomes a timeout with a message instead of a stuck test run.
"""

import json
import subprocess
import sys
import textwrap

from conftest import child_env

TIMEOUT = 120  # seconds; the scenarios take well under one


def run_child(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=TIMEOUT, env=child_env(),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_threads_run_while_training_and_sigint_stops_it():
    report = run_child(
        """
        import json, os, signal, threading
        import numpy as np
        import tabrl

        def notebook_agent():
            return tabrl.QLearningAgent(48, 4, gamma=1.0, alpha=0.9, epsilon=0.1)

        agent, env, memory = notebook_agent(), tabrl.CliffWalking(), tabrl.ReplayMemory(2000)
        state = tabrl.TrainingState(seed=0, num_states=48)
        report = {"seen_busy": False}
        stop = threading.Event()

        def other():
            # Python code in this thread while the main thread trains: it sees the run in
            # progress (the state is leased), trains an agent of its own at the same time,
            # then presses Ctrl-C.
            while not stop.is_set():
                try:
                    state.episode
                    continue
                except RuntimeError:
                    report["seen_busy"] = True
                try:
                    tabrl.train(agent, tabrl.CliffWalking(), tabrl.ReplayMemory(100), episodes=1)
                except RuntimeError as error:
                    report["second_train"] = str(error)
                log = tabrl.train(notebook_agent(), tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=100, seed=0)
                report["parallel_run"] = [log.env_steps, log.updates]
                os.kill(os.getpid(), signal.SIGINT)
                return

        thread = threading.Thread(target=other)
        thread.start()
        try:
            tabrl.run_training(agent, env, memory, state, tabrl.TrainOptions(episodes=2_000_000, seed=0))
            report["interrupted"] = False
        except KeyboardInterrupt:
            report["interrupted"] = True
        stop.set()
        thread.join()
        report["stopped_at"] = state.episode
        # The run goes on from where Ctrl-C stopped it, and equals a run never interrupted.
        target = state.episode + 10
        tabrl.run_training(agent, env, memory, state, tabrl.TrainOptions(episodes=target, seed=0))
        whole_agent = notebook_agent()
        whole = tabrl.train(whole_agent, tabrl.CliffWalking(), tabrl.ReplayMemory(2000), episodes=target, seed=0)
        report["resumed_equals_whole"] = state.log == whole and bool(np.array_equal(agent.q, whole_agent.q))
        print(json.dumps(report))
        """
    )
    assert report["seen_busy"], "the other thread never ran during training: the GIL was held"
    assert report["second_train"] == (
        "tabrl.train: the object is in use by a training run in another thread; wait for it to finish"
    )
    assert report["parallel_run"] == [2299, 2267]  # the C++ trainer's numbers, while both ran
    assert report["interrupted"], "SIGINT did not stop the run"
    assert 0 < report["stopped_at"] < 2_000_000
    assert report["resumed_equals_whole"]


def test_sigint_inside_a_python_environment():
    report = run_child(
        """
        import json, os, signal
        import tabrl

        class Discrete:  # duck-typed space: the adapter needs no Gymnasium import
            def __init__(self, n):
                self.n, self.start = n, 0

        class Loop:
            observation_space, action_space = Discrete(2), Discrete(1)
            steps = 0
            def reset(self, seed=None):
                return 0, {}
            def step(self, action):
                Loop.steps += 1
                if Loop.steps == 1000:
                    os.kill(os.getpid(), signal.SIGINT)
                return 1, -1.0, False, False, {}

        agent = tabrl.QLearningAgent(2, 1, alpha=0.5)
        try:
            tabrl.train_online(agent, tabrl.GymnasiumEnv(Loop()), episodes=1)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        print(json.dumps({"interrupted": interrupted, "steps": Loop.steps, "q": agent.q.tolist()}))
        """
    )
    assert report["interrupted"] and 1000 <= report["steps"] < 1010
    assert report["q"][0][0] < 0  # learned from the steps before


def test_sigint_stops_a_sweep():
    report = run_child(
        """
        import json, os, signal, threading, time
        from tabrl import sweep

        def press_ctrl_c():
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=press_ctrl_c).start()
        try:
            sweep.run({"alpha": "0.1:1.0:0.1", "episodes": 500}, runs=20000, threads=2, bootstrap=0)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        print(json.dumps({"interrupted": interrupted}))
        """
    )
    assert report["interrupted"]
