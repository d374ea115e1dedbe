#pragma once
/// \file random.hpp
/// The seeded generator and the hand-written distributions tabrl uses everywhere.
///
/// The standard `std::*_distribution` classes are implemented differently by libstdc++ and
/// libc++, so the same seed would give different runs on g++ and clang++. Everything here is
/// spelled out bit by bit, so a seed names exactly one run on every compiler and platform.

#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <random>

#include "error.hpp"

namespace tabrl {

namespace detail {
// 128-bit product for Lemire's method; __extension__ keeps -Wpedantic quiet on GCC and Clang.
__extension__ using uint128 = unsigned __int128;
}  // namespace detail

/// SplitMix64 step: advances `state` and returns a well-mixed 64-bit value. Used to expand a
/// single seed into a generator state and to derive independent per-episode seeds.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

/// Derives a seed for stream `index` of a run seeded with `seed` (e.g. one per episode).
[[nodiscard]] constexpr std::uint64_t derive_seed(std::uint64_t seed,
                                                  std::uint64_t index) noexcept {
  std::uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (index + 1));
  return splitmix64(s);
}

/// xoshiro256** (Blackman & Vigna): 256 bits of state, about 1 ns per draw, passes BigCrush.
/// Satisfies std::uniform_random_bit_generator, so it also works with the standard library.
class Rng {
 public:
  using result_type = std::uint64_t;                ///< 64 random bits per call
  using state_type = std::array<std::uint64_t, 4>;  ///< the 256-bit state

  /// Seeds the 256-bit state from one 64-bit seed through SplitMix64 (never all zero).
  constexpr explicit Rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

  /// Restarts from `seed`, as a new generator would.
  constexpr void reseed(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
  }

  /// 0.
  [[nodiscard]] static constexpr result_type min() noexcept { return 0; }
  /// 2^64 - 1.
  [[nodiscard]] static constexpr result_type max() noexcept {
    return std::numeric_limits<result_type>::max();
  }

  /// The next 64 random bits.
  constexpr result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17U;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// The full generator state, for checkpoints.
  [[nodiscard]] constexpr const state_type& state() const noexcept { return s_; }

  /// Restores a state taken with state(). An all-zero state is a fixed point and is rejected.
  constexpr void set_state(const state_type& s) {
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0) {
      throw InvalidArgument("tabrl::Rng: state must not be all zero, got 0 0 0 0");
    }
    s_ = s;
  }

  /// Same state: the same future draws.
  friend constexpr bool operator==(const Rng&, const Rng&) = default;

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  state_type s_{};
};

/// Generators the hand-written distributions accept: full 64-bit output range.
template <class G>
concept BitGenerator64 = std::uniform_random_bit_generator<G> &&(G::min() == 0) &&
                         (G::max() == std::numeric_limits<std::uint64_t>::max());

namespace detail {
/// Lemire's multiply-shift with rejection: uniform in [0, n). Precondition n >= 1, which every
/// caller inside tabrl knows (a non-empty memory, a tie of two or more actions...); an
/// unchecked call costs the sampling loops nothing for a check they cannot fail.
template <class G>
[[nodiscard]] inline std::uint64_t bounded(G& rng, std::uint64_t n) noexcept {
  uint128 m = static_cast<uint128>(rng()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<uint128>(rng()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64U);
}
}  // namespace detail

/// Uniform integer in [0, n) by Lemire's multiply-shift with rejection (exactly uniform).
/// Throws InvalidArgument for n = 0 (an empty range has no element to return).
template <BitGenerator64 G>
[[nodiscard]] inline std::uint64_t uniform_index(G& rng, std::uint64_t n) {
  if (n == 0) throw InvalidArgument("tabrl::uniform_index: n must be >= 1, got 0");
  return detail::bounded(rng, n);
}

/// Uniform integer in [low, high] (both inclusive). Throws if low > high.
template <BitGenerator64 G>
[[nodiscard]] inline std::int64_t uniform_int(G& rng, std::int64_t low, std::int64_t high) {
  if (low > high) detail::throw_invalid("uniform_int", "low must be <= high", low);
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span == std::numeric_limits<std::uint64_t>::max()) return static_cast<std::int64_t>(rng());
  return low + static_cast<std::int64_t>(uniform_index(rng, span + 1));
}

/// Uniform double in [0, 1) with 53 random bits (every value a multiple of 2^-53).
template <BitGenerator64 G>
[[nodiscard]] inline double uniform_real(G& rng) noexcept {
  return static_cast<double>(rng() >> 11U) * 0x1.0p-53;
}

/// True with probability p (p outside [0, 1] behaves as clamped).
template <BitGenerator64 G>
[[nodiscard]] inline bool bernoulli(G& rng, double p) noexcept {
  return uniform_real(rng) < p;
}

}  // namespace tabrl
