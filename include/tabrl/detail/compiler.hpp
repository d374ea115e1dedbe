#pragma once
/// \file detail/compiler.hpp
/// Code-generation hints for the hot loops; each expands to nothing where unsupported. Why
/// each one is where it is: docs/performance.md, "What the code must keep".

// Inlines every call inside the function it marks.
#if defined(__GNUC__) || defined(__clang__)
#define TABRL_DETAIL_FLATTEN [[gnu::flatten]]
#else
#define TABRL_DETAIL_FLATTEN
#endif

// Inlines the function it marks into every caller, whatever the caller's size.
#if defined(__GNUC__) || defined(__clang__)
#define TABRL_DETAIL_INLINE [[gnu::always_inline]] inline
#else
#define TABRL_DETAIL_INLINE inline
#endif

// Unrolls the loop that follows n times.
#define TABRL_DETAIL_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define TABRL_DETAIL_UNROLL(n) TABRL_DETAIL_PRAGMA(clang loop unroll_count(n))
#elif defined(__GNUC__)
#define TABRL_DETAIL_UNROLL(n) TABRL_DETAIL_PRAGMA(GCC unroll n)
#else
#define TABRL_DETAIL_UNROLL(n)
#endif

// Keeps the function it marks out of line and out of the hot code: for the message-building
// half of an argument check, so the check itself stays small enough to inline.
#if defined(__GNUC__) || defined(__clang__)
#define TABRL_DETAIL_COLD [[gnu::cold, gnu::noinline]]
#else
#define TABRL_DETAIL_COLD
#endif
