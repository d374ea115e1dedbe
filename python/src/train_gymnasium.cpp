/// \file python/src/train_gymnasium.cpp
/// The training loops instantiated for GymnasiumEnv and TimeLimit<GymnasiumEnv> (one translation
/// unit per environment keeps each compile short).

#include "train_impl.hpp"

namespace tabrl::python {

TABRL_PYTHON_INSTANTIATE(GymnasiumEnv);
TABRL_PYTHON_INSTANTIATE(TimeLimit<GymnasiumEnv>);

}  // namespace tabrl::python
