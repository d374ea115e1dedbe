#pragma once
/// \file tabrl.hpp
/// Umbrella header: the whole core (Eigen only). Optional-dependency headers (viz/, io/) are
/// included separately.

#include "version.hpp"
#include "error.hpp"
#include "random.hpp"
#include "types.hpp"
#include "concepts.hpp"
#include "agents/td_agent.hpp"
#include "agents/q_learning.hpp"
#include "agents/sarsa.hpp"
#include "agents/expected_sarsa.hpp"
#include "agents/double_q_learning.hpp"
#include "replay/replay_memory.hpp"
#include "envs/cliff_walking.hpp"
#include "envs/time_limit.hpp"
#include "envs/frozen_lake.hpp"
#include "envs/taxi.hpp"
#include "envs/episode_statistics.hpp"
#include "envs/make.hpp"
#include "planning/value_iteration.hpp"
#include "training/train.hpp"
#include "training/evaluate.hpp"
#include "io/binary.hpp"
#include "io/q_table.hpp"
#include "io/checkpoint.hpp"
#include "training/train_online.hpp"
