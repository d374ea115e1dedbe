#pragma once
/// \file experiment/statistics.hpp
/// Per-cell statistics of a sweep: Welford's running mean and variance for curves (so a
/// sweep never keeps every run's curve), and the summary of a metric over runs: mean,
/// standard error, median, interquartile mean and a seeded percentile-bootstrap 95% interval
/// of the mean, as "Deep RL at the Edge of the Statistical Precipice" (Agarwal et al. 2021)
/// recommends reporting next to the mean.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"

namespace tabrl::experiment {

/// Running mean and sum of squared deviations of equally long vectors (one per run), entry by
/// entry (Welford 1962; merged with Chan et al. 1979). The floating-point result depends on
/// the order of add() and merge() calls, so the sweep always makes them in run-index order.
class WelfordCurve {
 public:
  WelfordCurve() = default;
  /// An empty accumulator of vectors of `size` entries.
  explicit WelfordCurve(std::size_t size) : mean_(size, 0.0), m2_(size, 0.0) {}
  /// Restores an accumulator from its parts (e.g. read from a journal).
  WelfordCurve(std::int64_t count, std::vector<double> mean, std::vector<double> m2)
      : n_(count), mean_(std::move(mean)), m2_(std::move(m2)) {
    if (count < 0 || mean_.size() != m2_.size())
      tabrl::detail::throw_invalid("WelfordCurve", "count must be >= 0 and mean, m2 equally long",
                                   count);
  }

  /// Adds one run's vector. Throws if its length differs.
  void add(std::span<const double> x) {
    if (x.size() != mean_.size())
      tabrl::detail::throw_invalid("WelfordCurve::add",
                                   tabrl::detail::concat("size must be ", mean_.size()), x.size());
    ++n_;
    const auto n = static_cast<double>(n_);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = x[i] - mean_[i];
      mean_[i] += d / n;
      m2_[i] += d * (x[i] - mean_[i]);
    }
  }

  /// Adds everything `other` accumulated (Chan et al.'s pairwise update).
  void merge(const WelfordCurve& other) {
    if (other.n_ == 0) return;
    if (n_ == 0) {
      *this = other;
      return;
    }
    if (other.mean_.size() != mean_.size())
      tabrl::detail::throw_invalid("WelfordCurve::merge",
                                   tabrl::detail::concat("size must be ", mean_.size()),
                                   other.mean_.size());
    const auto na = static_cast<double>(n_), nb = static_cast<double>(other.n_);
    const double n = na + nb;
    for (std::size_t i = 0; i < mean_.size(); ++i) {
      const double d = other.mean_[i] - mean_[i];
      mean_[i] += d * nb / n;
      m2_[i] += other.m2_[i] + d * d * na * nb / n;
    }
    n_ += other.n_;
  }

  /// Runs added so far.
  [[nodiscard]] std::int64_t count() const noexcept { return n_; }
  /// Length of the vectors.
  [[nodiscard]] std::size_t size() const noexcept { return mean_.size(); }
  /// Mean of each entry over the runs.
  [[nodiscard]] const std::vector<double>& mean() const noexcept { return mean_; }
  /// Sums of squared deviations (variance times count - 1).
  [[nodiscard]] const std::vector<double>& m2() const noexcept { return m2_; }
  /// Sample standard deviation of entry i (NaN with fewer than two runs).
  [[nodiscard]] double sd(std::size_t i) const {
    return n_ > 1 ? std::sqrt(m2_.at(i) / static_cast<double>(n_ - 1))
                  : std::numeric_limits<double>::quiet_NaN();
  }
  /// Standard error of the mean of entry i (NaN with fewer than two runs).
  [[nodiscard]] double se(std::size_t i) const {
    return sd(i) / std::sqrt(static_cast<double>(n_));
  }

 private:
  std::int64_t n_ = 0;
  std::vector<double> mean_, m2_;
};

/// A metric summarised over the runs of one cell. Every field is NaN when n is 0; se and
/// the interval are NaN when n is 1.
struct MetricSummary {
  std::int64_t n = 0;  ///< runs with a finite value (NaN values are left out)
  double mean = std::numeric_limits<double>::quiet_NaN();     ///< arithmetic mean
  double se = std::numeric_limits<double>::quiet_NaN();       ///< sample sd / sqrt(n)
  double median = std::numeric_limits<double>::quiet_NaN();   ///< middle value (mean of two)
  double iqm = std::numeric_limits<double>::quiet_NaN();      ///< mean of the middle half
  double ci_low = std::numeric_limits<double>::quiet_NaN();   ///< bootstrap 2.5% of the mean
  double ci_high = std::numeric_limits<double>::quiet_NaN();  ///< bootstrap 97.5% of the mean
};

/// The q-quantile of sorted values by linear interpolation between order statistics
/// (Hyndman & Fan type 7, numpy's default). Precondition: not empty, q in [0, 1].
[[nodiscard]] inline double quantile_sorted(std::span<const double> sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

/// Summarises `values` (in the given order: sums run in that order). IQM drops floor(n / 4)
/// values at each end of the sorted list and averages the rest (scipy's trim_mean(0.25), as
/// rliable computes it). The interval is the 2.5% and 97.5% quantiles of the means of
/// `bootstrap` resamples with replacement drawn from Rng(seed); bootstrap 0 skips it.
[[nodiscard]] inline MetricSummary summarize(std::span<const double> values, int bootstrap,
                                             std::uint64_t seed) {
  std::vector<double> x;
  x.reserve(values.size());
  for (const double v : values) {
    if (!std::isnan(v)) x.push_back(v);
  }
  MetricSummary s;
  s.n = static_cast<std::int64_t>(x.size());
  if (x.empty()) return s;
  const auto n = static_cast<double>(x.size());
  double sum = 0.0;
  for (const double v : x) sum += v;
  s.mean = sum / n;
  if (x.size() > 1) {
    double sq = 0.0;
    for (const double v : x) sq += (v - s.mean) * (v - s.mean);
    s.se = std::sqrt(sq / (n - 1.0)) / std::sqrt(n);
  }
  if (bootstrap > 0 && x.size() > 1) {
    Rng rng(seed);
    std::vector<double> means(static_cast<std::size_t>(bootstrap));
    for (double& m : means) {
      double t = 0.0;
      for (std::size_t i = 0; i < x.size(); ++i) t += x[uniform_index(rng, x.size())];
      m = t / n;
    }
    std::sort(means.begin(), means.end());
    s.ci_low = quantile_sorted(means, 0.025);
    s.ci_high = quantile_sorted(means, 0.975);
  }
  std::sort(x.begin(), x.end());
  s.median = quantile_sorted(x, 0.5);
  const std::size_t cut = x.size() / 4;
  double mid = 0.0;
  for (std::size_t i = cut; i < x.size() - cut; ++i) mid += x[i];
  s.iqm = mid / static_cast<double>(x.size() - 2 * cut);
  return s;
}

}  // namespace tabrl::experiment
