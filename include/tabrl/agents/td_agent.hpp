#pragma once
/// \file agents/td_agent.hpp
/// Common base of the tabular TD agents: the Q table, the hyperparameters and the policies.

#include <cmath>
#include <cstdint>
#include <string>

#include "../detail/compiler.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../types.hpp"

namespace tabrl {

/// Hyperparameters shared by the TD agents. Use designated initializers:
/// `QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});`
struct TDOptions {
  double gamma = 1.0;    ///< discount, in [0, 1]
  double alpha = 0.5;    ///< learning rate, in (0, 1]
  double epsilon = 0.1;  ///< exploration rate of the epsilon-greedy policy, in [0, 1]
  DuplicateRule duplicates = DuplicateRule::last;  ///< minibatch rule for repeated (s, a)
};
/// The settings' name before 0.2 (see docs/changelog.md).
using TDConfig [[deprecated("renamed tabrl::TDOptions")]] = TDOptions;

/// A tabular agent: a row-major Eigen Q table (num_states x num_actions, zero-initialised)
/// with greedy and epsilon-greedy policies. Learning rules live in the derived agents.
template <class Scalar = double>
class TDAgent {
  static_assert(std::is_floating_point_v<Scalar>, "Scalar must be a floating-point type");

 public:
  using scalar_type = Scalar;
  using table_type = QTable<Scalar>;

  /// Throws if a size is < 1 or a hyperparameter is out of its range (naming which).
  TDAgent(int num_states, int num_actions, const TDOptions& config = {},
          const char* name = "TDAgent")
      : name_(name) {
    if (num_states < 1) detail::throw_invalid(name_, "num_states must be >= 1", num_states);
    if (num_actions < 1) detail::throw_invalid(name_, "num_actions must be >= 1", num_actions);
    set_gamma(config.gamma);
    set_alpha(config.alpha);
    set_epsilon(config.epsilon);
    duplicates_ = config.duplicates;
    q_.setZero(num_states, num_actions);
  }

  [[nodiscard]] int num_states() const noexcept { return static_cast<int>(q_.rows()); }
  [[nodiscard]] int num_actions() const noexcept { return static_cast<int>(q_.cols()); }
  [[nodiscard]] double gamma() const noexcept { return gamma_; }
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  [[nodiscard]] double epsilon() const noexcept { return epsilon_; }
  [[nodiscard]] DuplicateRule duplicates() const noexcept { return duplicates_; }
  [[nodiscard]] TDOptions options() const noexcept { return {gamma_, alpha_, epsilon_, duplicates_}; }
  /// The class name used in error messages.
  [[nodiscard]] const char* name() const noexcept { return name_; }

  void set_gamma(double gamma) {
    if (!(gamma >= 0.0 && gamma <= 1.0))
      detail::throw_invalid(name_, "gamma must be in [0, 1]", gamma);
    gamma_ = gamma;
  }
  void set_alpha(double alpha) {
    if (!(alpha > 0.0 && alpha <= 1.0))
      detail::throw_invalid(name_, "alpha must be in (0, 1]", alpha);
    alpha_ = alpha;
  }
  void set_epsilon(double epsilon) {
    if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
      detail::throw_invalid(name_, "epsilon must be in [0, 1]", epsilon);
    }
    epsilon_ = epsilon;
  }
  void set_duplicates(DuplicateRule rule) noexcept { duplicates_ = rule; }

  [[nodiscard]] const table_type& q_values() const noexcept { return q_; }
  /// Mutable access for initialisation and loading; the shape must not change.
  [[nodiscard]] table_type& q_values() noexcept { return q_; }

  /// Q(state, action), range-checked.
  [[nodiscard]] Scalar q(int state, int action) const {
    check_state("q", state);
    check_action("q", action);
    return q_(state, action);
  }

  /// An action of maximal value in `state`, ties broken uniformly at random.
  template <BitGenerator64 G>
  [[nodiscard]] int greedy_action(int state, G& rng) const {
    check_state("greedy_action", state);
    return argmax_random_tie(state, rng);
  }

  /// With probability epsilon a uniformly random action, otherwise greedy_action.
  template <BitGenerator64 G>
  [[nodiscard]] int epsilon_greedy_action(int state, G& rng) const {
    check_state("epsilon_greedy_action", state);
    if (uniform_real(rng) < epsilon_) {
      return static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(q_.cols())));
    }
    return argmax_random_tie(state, rng);
  }

  /// The behaviour policy used by the training loop (epsilon-greedy).
  template <BitGenerator64 G>
  [[nodiscard]] int act(int state, G& rng) const {
    return epsilon_greedy_action(state, rng);
  }

  /// The greedy action of every state (ties to the lowest index), e.g. for drawing a policy.
  [[nodiscard]] Eigen::VectorXi greedy_policy() const {
    Eigen::VectorXi policy(q_.rows());
    for (Eigen::Index s = 0; s < q_.rows(); ++s) {
      Eigen::Index best = 0;
      q_.row(s).maxCoeff(&best);
      policy[s] = static_cast<int>(best);
    }
    return policy;
  }

 protected:
  void check_state(const char* where, int state) const {
    if (state < 0 || state >= q_.rows()) [[unlikely]] {
      bad_index(where, "state", q_.rows(), state);
    }
  }
  void check_action(const char* where, int action) const {
    if (action < 0 || action >= q_.cols()) [[unlikely]] {
      bad_index(where, "action", q_.cols(), action);
    }
  }
  [[noreturn]] TABRL_DETAIL_COLD void bad_index(const char* where, const char* what,
                                                Eigen::Index count, int value) const {
    detail::throw_invalid(std::string(name_) + "::" + where,
                          detail::concat(what, " must be in [0, ", count, ")"), value);
  }
  static void check_reward(const char* who, double reward) {
    if (!std::isfinite(reward)) detail::throw_invalid(who, "reward must be finite", reward);
  }

  /// Uniform choice among the maximal entries of row `state`, with one draw only when there
  /// is a tie (so a table without ties costs no randomness, like numpy's choice of one).
  template <class G>
  [[nodiscard]] int argmax_random_tie(int state, G& rng) const {
    const Scalar* row = q_.data() + static_cast<Eigen::Index>(state) * q_.cols();
    const int n = static_cast<int>(q_.cols());
    Scalar best = row[0];
    int count = 1;
    int choice = 0;
    for (int a = 1; a < n; ++a) {
      if (row[a] > best) {
        best = row[a];
        count = 1;
        choice = a;
      } else if (row[a] == best) {
        ++count;
      }
    }
    if (count == 1) return choice;
    auto k = static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(count)));
    for (int a = choice;; ++a) {
      if (row[a] == best && k-- == 0) return a;
    }
  }

  table_type q_;
  double gamma_ = 1.0;
  double alpha_ = 0.5;
  double epsilon_ = 0.1;
  DuplicateRule duplicates_ = DuplicateRule::last;
  const char* name_;
};

}  // namespace tabrl
