#pragma once
/// \file agents/td_agent.hpp
/// Common base of the tabular TD agents: the Q table, the hyperparameters and the policies.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../detail/compiler.hpp"
#include "../error.hpp"
#include "../fwd.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
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
template <class Scalar>
class TDAgent {
  static_assert(std::is_floating_point_v<Scalar>, "Scalar must be a floating-point type");

 public:
  using scalar_type = Scalar;         ///< the Q table's scalar type
  using table_type = QTable<Scalar>;  ///< the Q table's type (row-major)

  /// Throws if a size is < 1 or a hyperparameter is out of its range (naming which).
  TDAgent(int num_states, int num_actions, const TDOptions& options = {},
          const char* name = "TDAgent")
      : name_(name) {
    if (num_states < 1) detail::throw_invalid(name_, "num_states must be >= 1", num_states);
    if (num_actions < 1) detail::throw_invalid(name_, "num_actions must be >= 1", num_actions);
    set_gamma(options.gamma);
    set_alpha(options.alpha);
    set_epsilon(options.epsilon);
    set_duplicates(options.duplicates);
    q_.setZero(num_states, num_actions);
  }

  /// Rows of the table.
  [[nodiscard]] int num_states() const noexcept { return static_cast<int>(q_.rows()); }
  /// Columns of the table.
  [[nodiscard]] int num_actions() const noexcept { return static_cast<int>(q_.cols()); }
  /// The discount.
  [[nodiscard]] double gamma() const noexcept { return gamma_; }
  /// The learning rate.
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  /// The exploration rate of act().
  [[nodiscard]] double epsilon() const noexcept { return epsilon_; }
  /// The minibatch rule for repeated (s, a) rows.
  [[nodiscard]] DuplicateRule duplicates() const noexcept { return duplicates_; }
  /// All four settings.
  [[nodiscard]] TDOptions options() const noexcept {
    return {gamma_, alpha_, epsilon_, duplicates_};
  }
  /// The class name used in error messages.
  [[nodiscard]] const char* name() const noexcept { return name_; }

  /// Sets gamma; throws unless it is in [0, 1].
  void set_gamma(double gamma) {
    if (!(gamma >= 0.0 && gamma <= 1.0))
      detail::throw_invalid(name_, "gamma must be in [0, 1]", gamma);
    gamma_ = gamma;
  }
  /// Sets alpha; throws unless it is in (0, 1].
  void set_alpha(double alpha) {
    if (!(alpha > 0.0 && alpha <= 1.0))
      detail::throw_invalid(name_, "alpha must be in (0, 1]", alpha);
    alpha_ = alpha;
  }
  /// Sets epsilon; throws unless it is in [0, 1].
  void set_epsilon(double epsilon) {
    if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
      detail::throw_invalid(name_, "epsilon must be in [0, 1]", epsilon);
    }
    epsilon_ = epsilon;
  }
  /// Sets the duplicate rule; throws for a value outside the enumeration.
  void set_duplicates(DuplicateRule rule) {
    if (static_cast<std::uint8_t>(rule) > static_cast<std::uint8_t>(DuplicateRule::sequential)) {
      detail::throw_invalid(name_, "duplicates must be last, mean or sequential",
                            static_cast<int>(rule));
    }
    duplicates_ = rule;
  }

  /// The Q table (row s: state s's action values).
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
  [[nodiscard]] TABRL_DETAIL_INLINE int epsilon_greedy_action(int state, G& rng) const {
    check_state("epsilon_greedy_action", state);
    if (uniform_real(rng) < epsilon_) {
      return static_cast<int>(detail::bounded(rng, static_cast<std::uint64_t>(q_.cols())));
    }
    return argmax_random_tie(state, rng);
  }

  /// The behaviour policy used by the training loop (epsilon-greedy).
  template <BitGenerator64 G>
  [[nodiscard]] TABRL_DETAIL_INLINE int act(int state, G& rng) const {
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

  /// Writes the settings and the Q table (Saveable, with the derived agent's kind()).
  void save(BinaryWriter& out) const {
    save_settings(out);
    save_table(out, q_);
  }

  /// Replaces settings and Q table with saved ones (Saveable). The table must have this
  /// agent's shape and finite values. Throws FormatError naming the field, changing nothing,
  /// otherwise.
  void load(BinaryReader& in) {
    const TDOptions options = load_settings(in);
    table_type q = load_table(in, "Q table");
    set_options(options);
    q_ = std::move(q);
  }

 protected:
  /// Sets every hyperparameter (validated).
  void set_options(const TDOptions& options) {
    set_gamma(options.gamma);
    set_alpha(options.alpha);
    set_epsilon(options.epsilon);
    set_duplicates(options.duplicates);
  }

  /// gamma, alpha, epsilon, duplicate rule (f64, f64, f64, u8).
  void save_settings(BinaryWriter& out) const {
    out.value(gamma_);
    out.value(alpha_);
    out.value(epsilon_);
    out.value(static_cast<std::uint8_t>(duplicates_));
  }
  /// Reads what save_settings wrote, checking each value's domain.
  [[nodiscard]] TDOptions load_settings(BinaryReader& in) const {
    TDOptions o;
    o.gamma = in.value<double>();
    o.alpha = in.value<double>();
    o.epsilon = in.value<double>();
    const auto rule = in.value<std::uint8_t>();
    if (!(o.gamma >= 0.0 && o.gamma <= 1.0))
      in.fail(FormatProblem::value, detail::concat("gamma must be in [0, 1], got ", o.gamma));
    if (!(o.alpha > 0.0 && o.alpha <= 1.0))
      in.fail(FormatProblem::value, detail::concat("alpha must be in (0, 1], got ", o.alpha));
    if (!(o.epsilon >= 0.0 && o.epsilon <= 1.0))
      in.fail(FormatProblem::value, detail::concat("epsilon must be in [0, 1], got ", o.epsilon));
    if (rule > static_cast<std::uint8_t>(DuplicateRule::sequential)) {
      in.fail(FormatProblem::value,
              detail::concat("duplicate rule must be 0, 1 or 2, got ", static_cast<int>(rule)));
    }
    o.duplicates = static_cast<DuplicateRule>(rule);
    return o;
  }
  /// u8 scalar code, u64 rows, u64 cols, then the values row by row.
  static void save_table(BinaryWriter& out, const table_type& table) {
    out.value(static_cast<std::uint8_t>(scalar_code<Scalar>()));
    out.value(static_cast<std::uint64_t>(table.rows()));
    out.value(static_cast<std::uint64_t>(table.cols()));
    out.array(table.data(), static_cast<std::size_t>(table.size()));
  }
  /// Reads what save_table wrote; the shape must be this agent's and every value finite.
  [[nodiscard]] table_type load_table(BinaryReader& in, const char* what) const {
    if (in.value<std::uint8_t>() != static_cast<std::uint8_t>(scalar_code<Scalar>())) {
      in.fail(FormatProblem::scalar_type, detail::concat(what, " scalar differs from the agent's"));
    }
    const auto rows = in.value<std::uint64_t>();
    const auto cols = in.value<std::uint64_t>();
    if (rows != static_cast<std::uint64_t>(q_.rows()) ||
        cols != static_cast<std::uint64_t>(q_.cols())) {
      in.fail(FormatProblem::shape,
              detail::concat(what, " is ", rows, " x ", cols, ", the agent's is ", q_.rows(), " x ",
                             q_.cols()));
    }
    const std::vector<Scalar> values = in.array<Scalar>(rows * cols);
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (!std::isfinite(static_cast<double>(values[k]))) {
        in.fail(FormatProblem::value, detail::concat(what, " (", k / cols, ", ", k % cols,
                                                     ") must be finite, got ", values[k]));
      }
    }
    table_type table(q_.rows(), q_.cols());
    std::copy(values.begin(), values.end(), table.data());
    return table;
  }

  /// Checks a transition's indices against the table and its reward (finite); `where` names
  /// the method in messages.
  template <class R>
  void check_transition(const char* where, const BasicTransition<R>& t) const {
    check_state(where, t.state);
    check_action(where, t.action);
    check_state(where, t.next_state);
    check_reward(where, static_cast<double>(t.reward));
  }
  /// Throws unless `reward` is finite.
  void check_reward(const char* where, double reward) const {
    if (!std::isfinite(reward)) [[unlikely]] {
      bad_reward(where, reward);
    }
  }

  /// Throws unless `state` indexes the table; `where` names the method in the message.
  void check_state(const char* where, int state) const {
    if (state < 0 || state >= q_.rows()) [[unlikely]] {
      bad_index(where, "state", q_.rows(), state);
    }
  }
  /// Throws unless `action` indexes the table.
  void check_action(const char* where, int action) const {
    if (action < 0 || action >= q_.cols()) [[unlikely]] {
      bad_index(where, "action", q_.cols(), action);
    }
  }

 private:
  [[noreturn]] TABRL_DETAIL_COLD void bad_index(const char* where, const char* what,
                                                Eigen::Index count, int value) const {
    detail::throw_invalid(std::string(name_) + "::" + where,
                          detail::concat(what, " must be in [0, ", count, ")"), value);
  }
  [[noreturn]] TABRL_DETAIL_COLD void bad_reward(const char* where, double reward) const {
    detail::throw_invalid(std::string(name_) + "::" + where, "reward must be finite", reward);
  }

  /// Uniform choice among the maximal entries of row `state`, with one draw only when there
  /// is a tie (so a table without ties costs no randomness, like numpy's choice of one).
  template <class G>
  [[nodiscard]] TABRL_DETAIL_INLINE int argmax_random_tie(int state, G& rng) const {
    const Scalar* row = q_.data() + static_cast<Eigen::Index>(state) * q_.cols();
    if (q_.cols() == 4) return argmax_random_tie4(row, rng);
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
    auto k = static_cast<int>(detail::bounded(rng, static_cast<std::uint64_t>(count)));
    for (int a = choice;; ++a) {
      if (row[a] == best && k-- == 0) return a;
    }
  }

  // Bit a set where row[a] equals the row's maximum (none when a NaN hides it).
  [[nodiscard]] static unsigned max_mask4(const Scalar* row) noexcept {
#if defined(__SSE2__)
    if constexpr (std::is_same_v<Scalar, double>) {
      // Two packed compares instead of four scalar compare-and-set sequences.
      const __m128d lo = _mm_loadu_pd(row);
      const __m128d hi = _mm_loadu_pd(row + 2);
      __m128d best = _mm_max_pd(lo, hi);
      best = _mm_max_pd(best, _mm_shuffle_pd(best, best, 1));
      return static_cast<unsigned>(_mm_movemask_pd(_mm_cmpeq_pd(lo, best))) |
             static_cast<unsigned>(_mm_movemask_pd(_mm_cmpeq_pd(hi, best))) << 2U;
    }
#endif
    const Scalar a0 = row[0], a1 = row[1], a2 = row[2], a3 = row[3];
    const Scalar best = std::max(std::max(a0, a1), std::max(a2, a3));
    return static_cast<unsigned>(a0 == best) | static_cast<unsigned>(a1 == best) << 1U |
           static_cast<unsigned>(a2 == best) << 2U | static_cast<unsigned>(a3 == best) << 3U;
  }

  // The same choice for a 4-action row without data-dependent branches: which entry is
  // largest is random while learning, and the compare-and-branch scan mispredicted about
  // 1.5 times per online step (docs/performance.md, "The online step").
  template <class G>
  [[nodiscard]] TABRL_DETAIL_INLINE static int argmax_random_tie4(const Scalar* row, G& rng) {
    const unsigned ties = max_mask4(row);
    if ((ties & (ties - 1U)) == 0U) [[likely]] {
      if (ties == 0U) [[unlikely]]
        return 0;  // NaN entries: nothing compares equal
      return std::countr_zero(ties);
    }
    // The k-th tied action in increasing order, as the scan finds it.
    auto k = detail::bounded(rng, static_cast<std::uint64_t>(std::popcount(ties)));
    unsigned rest = ties;
    for (; k > 0; --k) rest &= rest - 1U;
    return std::countr_zero(rest);
  }

 protected:
  table_type q_;                                    ///< the Q table
  double gamma_ = 1.0;                              ///< see gamma()
  double alpha_ = 0.5;                              ///< see alpha()
  double epsilon_ = 0.1;                            ///< see epsilon()
  DuplicateRule duplicates_ = DuplicateRule::last;  ///< see duplicates()

 private:
  const char* name_;
};

}  // namespace tabrl
