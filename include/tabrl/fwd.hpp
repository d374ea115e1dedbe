#pragma once
/// \file fwd.hpp
/// Forward declarations of tabrl's class templates and classes with their default arguments,
/// for headers that only name them (declare a function taking a QLearningAgent<>& without
/// including Eigen).

#include <cstdint>

namespace tabrl {

class Rng;
class Schedule;
class SumTree;
class BinaryWriter;
class BinaryReader;
class CliffWalking;
class FrozenLake;
class Taxi;
class GridMaze;
class TabularModel;
class PriorityQueue;
struct StepResult;
struct Outcome;
struct TDOptions;
struct TraceOptions;
struct DynaOptions;
struct SweepingOptions;
struct MazeLayout;
struct PrioritizedOptions;
struct TrainOptions;
struct TrainingLog;
struct TrainingState;
struct EpisodeProgress;
struct Rollout;

template <class Reward = double>
struct BasicTransition;
/// The default transition (double rewards).
using Transition = BasicTransition<>;

template <class Reward = double, class Index = std::int32_t, class Action = std::uint8_t>
class BasicMinibatch;
/// The default minibatch.
using Minibatch = BasicMinibatch<>;

template <class Reward = double, class Index = std::int32_t, class Action = std::uint8_t>
class ReplayMemory;
template <class Reward = double, class Index = std::int32_t, class Action = std::uint8_t>
class PrioritizedReplay;
/// n-step returns in front of a memory (a uniform ReplayMemory<> by default).
template <class Memory = ReplayMemory<>>
class NStepReplay;

template <class Scalar = double>
class TDAgent;
template <class Scalar = double>
class QLearningAgent;
template <class Scalar = double>
class ExpectedSarsaAgent;
template <class Scalar = double>
class SarsaAgent;
template <class Scalar = double>
class DoubleQLearningAgent;
template <class Scalar = double>
class EligibilityTraces;
template <class Scalar = double>
class SarsaLambdaAgent;
template <class Scalar = double>
class TrueOnlineSarsaAgent;
template <class Scalar = double>
class QLambdaAgent;
template <class Scalar = double>
class TreeBackupAgent;
template <class Scalar = double>
class RetraceAgent;
template <class Scalar = double>
class DynaQAgent;
template <class Scalar = double>
class PrioritizedSweepingAgent;
template <class Scalar = double>
class RLearningAgent;

}  // namespace tabrl
