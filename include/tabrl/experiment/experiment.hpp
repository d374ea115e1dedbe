#pragma once
/// \file experiment/experiment.hpp
/// The experiment engine (Eigen and the standard library only): run descriptions, grids,
/// statistics and sweeps. The MPI executor is in experiment/mpi.hpp (component tabrl::mpi).

#include "grid.hpp"
#include "run.hpp"
#include "statistics.hpp"
#include "sweep.hpp"
#include "text.hpp"
