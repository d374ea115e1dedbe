#pragma once
// Small statistics helpers shared by the tests.

#include <numeric>
#include <vector>

namespace tabrl::test {

/// Pearson's chi-square statistic of observed counts against a uniform expectation.
inline double chi_square_uniform(const std::vector<double>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double expected = total / static_cast<double>(counts.size());
  double chi = 0;
  for (double c : counts) chi += (c - expected) * (c - expected) / expected;
  return chi;
}

/// Pearson's chi-square statistic against given expected probabilities.
inline double chi_square(const std::vector<double>& counts, const std::vector<double>& probs) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double chi = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double e = total * probs[i];
    chi += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi;
}

}  // namespace tabrl::test
