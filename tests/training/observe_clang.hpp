#pragma once
// Includes observers.hpp with clang's -Wbitwise-instead-of-logical silenced for it.
// LIBRARY BUG, reported: ObserverList folds the observers' answers with a bitwise '|' over
// bools, which clang 14 (-Wall) reports and -Werror (the clang-werror CI stage) makes an
// error wherever observe() is used. Include this first, before any header that includes
// observers.hpp, until observers.hpp is fixed.

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbitwise-instead-of-logical"
#endif
#include <tabrl/training/observers.hpp>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
