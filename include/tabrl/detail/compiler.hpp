#pragma once
/// \file detail/compiler.hpp
/// Code-generation hints for the hot loops; each expands to nothing where unsupported.

// Inlines every call inside the function it marks. Eigen marks its reductions plain `inline`
// on GCC and Clang, and in a large translation unit GCC then called the 4-wide max of a Q row
// out of line once per minibatch row (10% of a training step in tabrl_bench).
#if defined(__GNUC__) || defined(__clang__)
#define TABRL_DETAIL_FLATTEN [[gnu::flatten]]
#else
#define TABRL_DETAIL_FLATTEN
#endif

// Unrolls the loop that follows n times. For short loops whose body is one load and one
// store (the scatter of new Q values, the reset of sampling marks) the loop's own increment,
// compare and branch are a third of the work; GCC does not unroll at -O2/-O3 by itself.
#define TABRL_DETAIL_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define TABRL_DETAIL_UNROLL(n) TABRL_DETAIL_PRAGMA(clang loop unroll_count(n))
#elif defined(__GNUC__)
#define TABRL_DETAIL_UNROLL(n) TABRL_DETAIL_PRAGMA(GCC unroll n)
#else
#define TABRL_DETAIL_UNROLL(n)
#endif

// Keeps the function it marks out of line and out of the hot code: for the message-building
// half of an argument check, so the check itself (a compare and a branch) stays small enough
// to inline. With the std::string work inline, GCC called whole range checks, and with them
// CliffWalking::step, out of line once per env step in the example trainer.
#if defined(__GNUC__) || defined(__clang__)
#define TABRL_DETAIL_COLD [[gnu::cold, gnu::noinline]]
#else
#define TABRL_DETAIL_COLD
#endif
