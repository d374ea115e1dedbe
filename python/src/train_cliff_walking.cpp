/// \file python/src/train_cliff_walking.cpp
/// The training loops instantiated for CliffWalking and TimeLimit<CliffWalking> (one translation
/// unit per environment keeps each compile short).

#include "train_impl.hpp"

namespace tabrl::python {

TABRL_PYTHON_INSTANTIATE(CliffWalking);
TABRL_PYTHON_INSTANTIATE(TimeLimit<CliffWalking>);

}  // namespace tabrl::python
