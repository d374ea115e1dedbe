"""tabrl: tabular reinforcement learning with experience replay, in C++ at native speed.

Environments (CliffWalking, FrozenLake, Taxi, TimeLimit, and any Gymnasium environment with
Discrete spaces through GymnasiumEnv), agents (Q-learning, SARSA, Expected SARSA, Double
Q-learning), replay memories (uniform, prioritized, n-step) and training loops that run
entirely in C++ with the GIL released. Q tables are numpy arrays; errors are ValueError
(invalid arguments), RuntimeError (calls out of order), OSError (files) and FormatError (a
ValueError: damaged or foreign files).

    import tabrl
    env = tabrl.CliffWalking()
    agent = tabrl.QLearningAgent(env.num_states, env.num_actions, gamma=1.0, alpha=0.9, epsilon=0.1)
    log = tabrl.train(agent, env, tabrl.ReplayMemory(2000), episodes=100, batch_size=32, seed=0)
    print(tabrl.greedy_rollout(agent, env).total_return, agent.q.shape)

tabrl.gym registers tabrl's environments with Gymnasium ("tabrl/CliffWalking-v0", ...);
tabrl.viz draws heatmaps, learning curves, policies and frames; tabrl.sweep runs grids of
settings x seeds on every core (docs/python.md).
"""

from ._tabrl import (
    CliffWalking,
    DoubleQLearningAgent,
    DuplicateRule,
    ExpectedSarsaAgent,
    FormatError,
    FrozenLake,
    GymnasiumEnv,
    Minibatch,
    NStepReplay,
    PrioritizedReplay,
    QLearningAgent,
    ReplayMemory,
    Rng,
    Rollout,
    Sampling,
    SarsaAgent,
    Taxi,
    TDAgent,
    TimeLimit,
    TrainingLog,
    TrainingState,
    TrainOptions,
    __version__,
    derive_seed,
    export_csv,
    export_npy,
    greedy_rollout,
    load_checkpoint,
    load_q_table,
    make_cliff_walking,
    make_frozen_lake,
    make_frozen_lake_8x8,
    make_taxi,
    run_online_training,
    run_training,
    save_checkpoint,
    save_q_table,
    train,
    train_online,
)

__all__ = [
    "CliffWalking",
    "DoubleQLearningAgent",
    "DuplicateRule",
    "ExpectedSarsaAgent",
    "FormatError",
    "FrozenLake",
    "GymnasiumEnv",
    "Minibatch",
    "NStepReplay",
    "PrioritizedReplay",
    "QLearningAgent",
    "ReplayMemory",
    "Rng",
    "Rollout",
    "Sampling",
    "SarsaAgent",
    "Taxi",
    "TDAgent",
    "TimeLimit",
    "TrainingLog",
    "TrainingState",
    "TrainOptions",
    "__version__",
    "derive_seed",
    "export_csv",
    "export_npy",
    "greedy_rollout",
    "load_checkpoint",
    "load_q_table",
    "make_cliff_walking",
    "make_frozen_lake",
    "make_frozen_lake_8x8",
    "make_taxi",
    "run_online_training",
    "run_training",
    "save_checkpoint",
    "save_q_table",
    "train",
    "train_online",
]
