// The trainer's runs on CliffWalking and Taxi (every agent and memory): see trainer_run.hpp.
#include "trainer_run.hpp"

namespace trainer {
template TABRL_TRAINER_RUN(ex::CliffKind);
template TABRL_TRAINER_RUN(ex::TaxiKind);
}  // namespace trainer
