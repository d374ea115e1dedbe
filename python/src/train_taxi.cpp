/// \file python/src/train_taxi.cpp
/// The training loops instantiated for Taxi and TimeLimit<Taxi> (one translation unit per
/// environment keeps each compile short).

#include "train_impl.hpp"

namespace tabrl::python {

TABRL_PYTHON_INSTANTIATE(Taxi);
TABRL_PYTHON_INSTANTIATE(TimeLimit<Taxi>);

}  // namespace tabrl::python
