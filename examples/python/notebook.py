#!/usr/bin/python3
"""notebook.py: the seed notebook's whole experiment with tabrl, from Python.

Tabular Q-learning with experience replay on CliffWalking (memory 2000, minibatch 32,
gamma 1, alpha 0.9, epsilon 0.1, 100 episodes), then where the agent went during training
(visit counts) and the greedy path it learned (return -13 when it is the optimal one).
Writes visit_counts.svg, policy.svg and rollout.gif into --out.

    python3 examples/python/notebook.py --out pictures          # tabrl's own CliffWalking
    python3 examples/python/notebook.py --gymnasium             # Gymnasium's CliffWalking-v0
"""

import argparse
from pathlib import Path

import tabrl
from tabrl import viz

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path("."), help="directory for the pictures")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--gymnasium", action="store_true", help="train on gymnasium.make('CliffWalking-v0')")
parser.add_argument("--check", action="store_true", help="exit 1 unless the greedy return is -13")
args = parser.parse_args()

# ---- the experiment -------------------------------------------------------------------------
if args.gymnasium:
    import gymnasium

    env = tabrl.GymnasiumEnv(gymnasium.make("CliffWalking-v0"))
else:
    env = tabrl.CliffWalking()
agent = tabrl.QLearningAgent(env.num_states, env.num_actions, gamma=1.0, alpha=0.9, epsilon=0.1)
memory = tabrl.ReplayMemory(2000)
log = tabrl.train(agent, env, memory, episodes=100, batch_size=32, seed=args.seed)

visits = log.visit_counts.reshape(4, 12)
print(f"{log.env_steps} steps in {log.episodes} episodes; visits per cell:")
print(viz.heatmap_text(visits))
rollout = tabrl.greedy_rollout(agent, env, max_steps=100)
print(f"greedy path: return {rollout.total_return:g} in {rollout.length} steps")
print(viz.policy_text(agent.greedy_policy(), 4, 12, marks=viz.cliff_walking_marks()))

# ---- the pictures -----------------------------------------------------------------------------
args.out.mkdir(parents=True, exist_ok=True)
(args.out / "visit_counts.svg").write_text(viz.svg_heatmap(visits, title="Visits during training", scale="log"))
(args.out / "policy.svg").write_text(
    viz.svg_policy(agent.greedy_policy(), 4, 12, marks=viz.cliff_walking_marks(), path=rollout.states)
)
written = ["visit_counts.svg", "policy.svg"]
if viz.gif_available:
    viz.write_gif(args.out / "rollout.gif", viz.render_rollout(rollout), delay_centiseconds=20)
    written.append("rollout.gif")
print("wrote", ", ".join(str(args.out / name) for name in written))

if args.check and rollout.total_return != -13:
    raise SystemExit(f"expected the optimal greedy return -13, got {rollout.total_return:g}")
