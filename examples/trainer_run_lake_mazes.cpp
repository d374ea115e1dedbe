// The trainer's runs on FrozenLake and the chapter-8 mazes (every agent and memory): see
// trainer_run.hpp.
#include "trainer_run.hpp"

namespace trainer {
template TABRL_TRAINER_RUN(ex::FrozenLakeKind);
template TABRL_TRAINER_RUN(ex::FrozenLake8x8Kind);
template TABRL_TRAINER_RUN(ex::DynaMazeKind);
template TABRL_TRAINER_RUN(ex::BlockingMazeKind);
template TABRL_TRAINER_RUN(ex::ShortcutMazeKind);
}  // namespace trainer
