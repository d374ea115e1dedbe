/// \file python/src/train_frozen_lake.cpp
/// The training loops instantiated for FrozenLake and TimeLimit<FrozenLake> (one translation unit
/// per environment keeps each compile short).

#include "train_impl.hpp"

namespace tabrl::python {

TABRL_PYTHON_INSTANTIATE(FrozenLake);
TABRL_PYTHON_INSTANTIATE(TimeLimit<FrozenLake>);

}  // namespace tabrl::python
