#pragma once
/// \file agents/detail/td_engine.hpp
/// The TD update every tabular agent shares. An agent says how it values a next state (the
/// max, the expectation under its policy, the other table's value of its own argmax, the
/// value of the action taken next); the engine turns that into the online rule for one
/// transition and the minibatch rule: a read pass ("gather") that computes each row's TD
/// error from the table before the update, then a write pass ("scatter") that follows the
/// DuplicateRule. Results are bit-identical to the original fancy-indexed numpy form.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../../detail/compiler.hpp"
#include "../../error.hpp"
#include "../../minibatch.hpp"
#include "../../types.hpp"

namespace tabrl::detail {

/// A next-state valuation: `value.template operator()<N>(row, offset) -> Scalar`, where `row`
/// points at s''s row of the table being updated, `offset` is that row's position in the
/// table's data (s' * actions, to read another table of the same shape) and N is the action
/// count when it is known at compile time (4), else Eigen::Dynamic.
template <class Scalar>
class TDEngine {
 public:
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;  ///< per-row values

  /// The online rule: Q(s,a) += alpha * scale * (r + gamma * value(s') - Q(s,a)), with no
  /// bootstrap when `terminated`. Indices must be in range (agents check them). Returns the
  /// TD error. Throws InvalidArgument naming `who`, and writes nothing, when the new Q(s,a)
  /// would not be finite (the TD error or the step overflowed the scalar type). (Leaves
  /// td_errors() and written() alone: they describe minibatch updates.)
  template <class Value>
  static Scalar update_one(const char* who, QTable<Scalar>& table, Eigen::Index s, Eigen::Index a,
                           Scalar r, Eigen::Index next, bool terminated, Scalar gamma, Scalar alpha,
                           Scalar scale, const Value& value) {
    Scalar* q = table.data();
    const Eigen::Index width = table.cols();
    Scalar target = r;
    if (!terminated) {
      const auto offset = static_cast<std::uint64_t>(next * width);
      // A fixed-size row for the common 4-action table: the reductions unroll.
      target +=
          gamma * (width == 4 ? value.template operator()<4>(q + offset, offset)
                              : value.template operator()<Eigen::Dynamic>(q + offset, offset));
    }
    Scalar& q_sa = q[s * width + a];
    const Scalar delta = target - q_sa;
    // Not finite when delta is not (alpha * scale * inf is inf or NaN) or the step overflowed.
    const Scalar updated = q_sa + alpha * (scale * delta);
    if (!std::isfinite(updated)) [[unlikely]] {
      overflow(who, s, a, static_cast<double>(r), static_cast<double>(q_sa));
    }
    q_sa = updated;
    return delta;
  }

  /// One minibatch update of `table` (see the file comment). Rows with an out-of-range index
  /// throw InvalidArgument naming `who` before any write; so do rows whose weight or discount
  /// is out of its domain. An update that would leave a non-finite value in the table, or
  /// whose TD errors are not finite (they overflowed the scalar type), throws InvalidArgument
  /// with the table as it was (the sequential rule keeps the rows before the failing one).
  /// td_errors() then holds each row's TD error against the table before the update,
  /// written() the cell each row wrote.
  template <class R, class I, class A, class Value>
  void update(const char* who, QTable<Scalar>& table, const BasicMinibatch<R, I, A>& batch,
              DuplicateRule rule, double gamma, double alpha, const Value& value) {
    if (batch.is_view()) {
      run<Rows<R, I, A, true>>(who, table, batch, rule, gamma, alpha, value);
    } else {
      run<Rows<R, I, A, false>>(who, table, batch, rule, gamma, alpha, value);
    }
  }

  /// Each row's TD error in the last minibatch update, against the table before it.
  [[nodiscard]] const Column& td_errors() const noexcept { return td_errors_; }

  /// The cells (row-major positions s * actions + a) the last update wrote, one per row (a
  /// cell repeats when rows repeat a pair). Double Q-learning keeps its acting table in step
  /// with them.
  [[nodiscard]] std::span<const Eigen::Index> written() const noexcept {
    return {written_.data(), static_cast<std::size_t>(written_.size())};
  }

 private:
  // The rows of an update, read from a batch's columns: row i is element slots[i] of a view
  // (Indirect), element i of a batch that owns its rows.
  template <class R, class I, class A, bool Indirect>
  struct Rows {
    using RewardColumn = Eigen::Matrix<R, Eigen::Dynamic, 1>;
    using index_type = I;
    using action_type = A;
    static constexpr bool indirect = Indirect;

    const I* slots;
    const I* states;
    const A* actions;
    const R* rewards;
    const I* next_states;
    const std::uint8_t* terminated;
    const R* weights;    // per row, or null: all 1
    const R* discounts;  // per element, or null: the agent's gamma
    Eigen::Index n;
    std::int64_t max_state;
    std::int64_t max_action;

    explicit Rows(const BasicMinibatch<R, I, A>& b) noexcept
        : slots(b.slots().data()),
          states(b.columns().states),
          actions(b.columns().actions),
          rewards(b.columns().rewards),
          next_states(b.columns().next_states),
          terminated(b.columns().terminated),
          weights(b.weighted() ? b.weights().data() : nullptr),
          discounts(b.columns().discounts),
          n(b.size()),
          max_state(b.columns().max_state),
          max_action(b.columns().max_action) {}

    [[nodiscard]] std::size_t at(Eigen::Index i) const noexcept {
      if constexpr (Indirect) {
        return static_cast<std::size_t>(slots[i]);
      } else {
        return static_cast<std::size_t>(i);
      }
    }
  };

  template <class RowsT, class Batch, class Value>
  void run(const char* who, QTable<Scalar>& table, const Batch& batch, DuplicateRule rule,
           double gamma, double alpha, const Value& value) {
    const RowsT rows(batch);
    const Eigen::Index n = rows.n;
    if (written_.size() != n) {  // Eigen's resize is an out-of-line call even when a no-op
      written_.resize(n);
      current_.resize(n);
      td_errors_.resize(n);
    }
    check_scales(who, rows);
    const bool weighted = rows.weights != nullptr;
    if (rule == DuplicateRule::sequential) {
      validate(who, table, rows);
      for (Eigen::Index i = 0; i < n; ++i) {
        const std::size_t k = rows.at(i);
        const auto s = static_cast<Eigen::Index>(rows.states[k]);
        const auto act = static_cast<Eigen::Index>(rows.actions[k]);
        written_[i] = s * table.cols() + act;
        td_errors_[i] =
            update_one(who, table, s, act, static_cast<Scalar>(rows.rewards[k]),
                       static_cast<Eigen::Index>(rows.next_states[k]), rows.terminated[k] != 0,
                       rows.discounts != nullptr ? static_cast<Scalar>(rows.discounts[k])
                                                 : static_cast<Scalar>(gamma),
                       static_cast<Scalar>(alpha),
                       weighted ? static_cast<Scalar>(rows.weights[i]) : Scalar(1), value);
      }
      return;
    }
    const auto g = static_cast<Scalar>(gamma);
    const auto a = static_cast<Scalar>(alpha);
    // 1. Gather Q(s, a) and the TD error (r + gamma * value(s')) - Q(s, a), value 0 on
    //    terminated rows, from the table before the update, in one scalar pass.
    gather_dispatch(who, table, rows, value, g);
    // 2. Scatter Q(s, a) + alpha * error in row order: with DuplicateRule::last the last
    //    duplicate's write survives. Importance weights scale each row's step.
    bool finite = false;
    if (rule == DuplicateRule::mean || weighted) {
      mean_errors_ = td_errors_;
      if (weighted) {
        mean_errors_.array() *= Eigen::Map<const typename RowsT::RewardColumn>(rows.weights, n)
                                    .template cast<Scalar>()
                                    .array();
      }
      if (rule == DuplicateRule::mean) average_duplicates(mean_errors_);
      finite = scatter(table, mean_errors_, a);
    } else {
      finite = scatter(table, td_errors_, a);
    }
    // 3. A TD error that overflowed (rewards near the scalar type's limit) makes the sum of
    //    the written values non-finite: look closer, and undo the writes if it was real.
    if (!finite) [[unlikely]]
      undo_if_overflowed(who, table, rows);
  }

  // Weights must be finite and >= 0, discounts in [0, 1]: a batch filled by hand or by a
  // user's memory could otherwise turn the table into NaN.
  template <class RowsT>
  static void check_scales(const char* who, const RowsT& rows) {
    if (rows.weights != nullptr) {
      for (Eigen::Index i = 0; i < rows.n; ++i) {
        const auto w = static_cast<double>(rows.weights[i]);
        if (!(w >= 0.0 && w <= std::numeric_limits<double>::max())) [[unlikely]] {
          throw_invalid(std::string(who) + "::update", "weights must be finite and >= 0", w);
        }
      }
    }
    if (rows.discounts != nullptr) {
      for (Eigen::Index i = 0; i < rows.n; ++i) {
        const auto d = static_cast<double>(rows.discounts[rows.at(i)]);
        if (!(d >= 0.0 && d <= 1.0)) [[unlikely]] {
          throw_invalid(std::string(who) + "::update", "discounts must be in [0, 1]", d);
        }
      }
    }
  }

  [[noreturn]] TABRL_DETAIL_COLD static void overflow(const char* who, Eigen::Index s,
                                                      Eigen::Index a, double r, double q) {
    throw_invalid(std::string(who) + "::update",
                  concat("the update of state ", s, ", action ", a,
                         " overflows the table's scalar type (reward ", r, ", Q(s, a) ", q,
                         "): rewards must stay far below its largest value"),
                  "a non-finite TD error or Q value");
  }

  // After a scatter whose written values summed to a non-finite number: when a TD error or a
  // written cell is not finite, puts back every cell the rows wrote (each row read its cell
  // before any write, so current_ holds the values from before the update) and throws for
  // the first such row. Otherwise finite values only summed past the largest finite one:
  // the update stands.
  template <class RowsT>
  TABRL_DETAIL_COLD void undo_if_overflowed(const char* who, QTable<Scalar>& table,
                                            const RowsT& rows) {
    Scalar* q = table.data();
    const Eigen::Index n = written_.size();
    Eigen::Index bad = 0;
    while (bad < n && std::isfinite(td_errors_[bad]) && std::isfinite(q[written_[bad]])) ++bad;
    if (bad == n) return;
    for (Eigen::Index i = n; i-- > 0;) q[written_[i]] = current_[i];
    const std::size_t k = rows.at(bad);
    overflow(who, static_cast<Eigen::Index>(rows.states[k]),
             static_cast<Eigen::Index>(rows.actions[k]), static_cast<double>(rows.rewards[k]),
             static_cast<double>(current_[bad]));
  }

  template <class RowsT>
  static void validate(const char* who, const QTable<Scalar>& table, const RowsT& rows) {
    for (Eigen::Index i = 0; i < rows.n; ++i) {
      const std::size_t k = rows.at(i);
      check_row(who, table, static_cast<std::int64_t>(rows.states[k]),
                static_cast<std::int64_t>(rows.actions[k]),
                static_cast<std::int64_t>(rows.next_states[k]));
    }
  }

  static void check_row(const char* who, const QTable<Scalar>& table, std::int64_t s,
                        std::int64_t a, std::int64_t next) {
    const auto ns = static_cast<std::uint64_t>(table.rows());
    const auto na = static_cast<std::uint64_t>(table.cols());
    if (static_cast<std::uint64_t>(s) < ns && static_cast<std::uint64_t>(a) < na &&
        static_cast<std::uint64_t>(next) < ns) [[likely]] {
      return;
    }
    bad_row(who, ns, na, s, a, next);
  }

  [[noreturn]] TABRL_DETAIL_COLD static void bad_row(const char* who, std::uint64_t ns,
                                                     std::uint64_t na, std::int64_t s,
                                                     std::int64_t a, std::int64_t next) {
    const std::string where = std::string(who) + "::update";
    if (static_cast<std::uint64_t>(s) >= ns)
      throw_invalid(where, concat("state must be in [0, ", ns, ")"), s);
    if (static_cast<std::uint64_t>(a) >= na)
      throw_invalid(where, concat("action must be in [0, ", na, ")"), a);
    throw_invalid(where, concat("state must be in [0, ", ns, ")"), next);
  }

  // Picks the gather: fixed-size rows for the common 4-action case (the reductions over a row
  // unroll), no per-row discount test without discounts, and no per-row range checks when
  // the rows' bounds (from the memory) or a scan of a batch's own columns prove every row in
  // range. Keep the 4-action test repeated, and this function and the scatter inlined into
  // run(): see docs/performance.md, "The minibatch update".
  template <class RowsT, class Value>
  TABRL_DETAIL_INLINE void gather_dispatch(const char* who, const QTable<Scalar>& table,
                                           const RowsT& rows, const Value& value, Scalar gamma) {
    const bool discounted = rows.discounts != nullptr;
    bool in_range = false;
    if (rows.max_state >= 0) {
      in_range =
          rows.max_state < table.rows() && rows.max_action >= 0 && rows.max_action < table.cols();
    } else if constexpr (!RowsT::indirect) {
      in_range = table.cols() == 4 && !discounted && columns_in_range(table, rows);
    }
    if (table.cols() == 4 && !discounted && in_range) {
      gather<4, false, false>(who, table, rows, value, gamma);
    } else if (table.cols() == 4) {
      if (discounted) {
        gather<4, true, true>(who, table, rows, value, gamma);
      } else {
        gather<4, false, true>(who, table, rows, value, gamma);
      }
    } else if (discounted) {
      gather<Eigen::Dynamic, true, true>(who, table, rows, value, gamma);
    } else {
      gather<Eigen::Dynamic, false, true>(who, table, rows, value, gamma);
    }
  }

  // True when every row of a batch's own columns indexes the table: one branch-free pass (an
  // OR of out-of-range flags in the columns' own unsigned types, where a negative index is a
  // huge one) that the compiler vectorizes. False sends the rows to the checked gather, which
  // throws for the first bad row.
  template <class RowsT>
  [[nodiscard]] static bool columns_in_range(const QTable<Scalar>& table,
                                             const RowsT& rows) noexcept {
    using US = std::make_unsigned_t<typename RowsT::index_type>;
    using UA = std::make_unsigned_t<typename RowsT::action_type>;
    const auto ns = static_cast<std::uint64_t>(table.rows());
    const auto na = static_cast<std::uint64_t>(table.cols());
    if (ns > std::numeric_limits<US>::max() || na > std::numeric_limits<UA>::max()) {
      return false;  // a table larger than the index types can address: check every row
    }
    const auto state_bound = static_cast<US>(ns);
    const auto action_bound = static_cast<UA>(na);
    US bad = 0;
    for (Eigen::Index i = 0; i < rows.n; ++i) {
      bad |= static_cast<US>(static_cast<US>(rows.states[i]) >= state_bound) |
             static_cast<US>(static_cast<UA>(rows.actions[i]) >= action_bound) |
             static_cast<US>(static_cast<US>(rows.next_states[i]) >= state_bound);
    }
    return bad == 0;
  }

  // +0 when `zero`, else v, without a branch (terminated rows come at random, a branch would
  // mispredict); masking keeps v's exact bits.
  [[nodiscard]] static Scalar zero_if(bool zero, Scalar v) noexcept {
    using Bits = std::conditional_t<sizeof(Scalar) == 8, std::uint64_t, std::uint32_t>;
    static_assert(sizeof(Bits) == sizeof(Scalar), "Scalar must be a 32- or 64-bit float");
    const Bits keep = Bits{0} - static_cast<Bits>(!zero);
    return std::bit_cast<Scalar>(static_cast<Bits>(std::bit_cast<Bits>(v) & keep));
  }

  // The read pass. Local copies of the rows and the valuation, and raw output pointers, are
  // read once: stores into the outputs could otherwise alias them and force reloads on every
  // row (see docs/performance.md).
  template <int Actions, bool Discounted, bool Checked, class RowsT, class Value>
  TABRL_DETAIL_FLATTEN void gather(const char* who, const QTable<Scalar>& table, const RowsT& rows,
                                   const Value& value, Scalar gamma) {
    [[maybe_unused]] const auto ns = static_cast<std::uint64_t>(table.rows());
    const auto na = static_cast<std::uint64_t>(table.cols());
    // With Actions fixed the row offset is a shift, not a multiply by a runtime width.
    const std::uint64_t width =
        Actions == Eigen::Dynamic ? na : static_cast<std::uint64_t>(Actions);
    const Eigen::Index n = rows.n;
    const RowsT src = rows;
    const Value value_of = value;
    const Scalar* q = table.data();
    Eigen::Index* flat = written_.data();
    Scalar* current = current_.data();
    Scalar* errors = td_errors_.data();
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::size_t k = src.at(i);
      const auto s_raw = static_cast<std::int64_t>(src.states[k]);
      const auto a_raw = static_cast<std::int64_t>(src.actions[k]);
      const auto next_raw = static_cast<std::int64_t>(src.next_states[k]);
      const auto s = static_cast<std::uint64_t>(s_raw);
      const auto act = static_cast<std::uint64_t>(a_raw);
      const auto next = static_cast<std::uint64_t>(next_raw);
      if constexpr (Checked) {
        if (s >= ns || act >= na || next >= ns) [[unlikely]] {
          check_row(who, table, s_raw, a_raw, next_raw);
        }
      }
      const auto lin = static_cast<Eigen::Index>(s * na + act);
      const Scalar q_sa = q[lin];
      flat[i] = lin;
      current[i] = q_sa;
      // The row pointer is formed here from `q`, so the loop holds one table pointer.
      const std::uint64_t offset = next * width;
      const Scalar v = zero_if(src.terminated[k] != 0,
                               value_of.template operator()<Actions>(q + offset, offset));
      Scalar discount = gamma;
      if constexpr (Discounted) discount = static_cast<Scalar>(src.discounts[k]);
      errors[i] = (static_cast<Scalar>(src.rewards[k]) + discount * v) - q_sa;
    }
  }

  // Q(s_i, a_i) = current_i + alpha * step_i, in row order (a plain loop: Eigen's assignment
  // to an IndexedView went through a heap temporary). Returns false when the sum of the
  // written values is not finite: always so when one of them is not, sometimes when finite
  // values sum past the largest one. Independent partial sums keep the addition off the
  // loop's critical path; SSE2 computes two rows per instruction (docs/performance.md).
  [[nodiscard]] TABRL_DETAIL_INLINE bool scatter(QTable<Scalar>& table, const Column& step,
                                                 Scalar alpha) noexcept {
    Scalar* q = table.data();
    const Eigen::Index* flat = written_.data();
    const Scalar* current = current_.data();
    const Scalar* steps = step.data();
    const Eigen::Index n = written_.size();
    Eigen::Index i = 0;
    Scalar sum = 0;
#if defined(__SSE2__)
    if constexpr (std::is_same_v<Scalar, double>) {
      const __m128d a2 = _mm_set1_pd(alpha);
      __m128d sum01 = _mm_setzero_pd();
      __m128d sum23 = _mm_setzero_pd();
      for (; i + 4 <= n; i += 4) {
        const __m128d v01 =
            _mm_add_pd(_mm_loadu_pd(current + i), _mm_mul_pd(a2, _mm_loadu_pd(steps + i)));
        const __m128d v23 =
            _mm_add_pd(_mm_loadu_pd(current + i + 2), _mm_mul_pd(a2, _mm_loadu_pd(steps + i + 2)));
        _mm_storel_pd(q + flat[i], v01);  // row order: a later duplicate's write wins
        _mm_storeh_pd(q + flat[i + 1], v01);
        _mm_storel_pd(q + flat[i + 2], v23);
        _mm_storeh_pd(q + flat[i + 3], v23);
        sum01 = _mm_add_pd(sum01, v01);
        sum23 = _mm_add_pd(sum23, v23);
      }
      const __m128d both = _mm_add_pd(sum01, sum23);
      sum = _mm_cvtsd_f64(both) + _mm_cvtsd_f64(_mm_unpackhi_pd(both, both));
    }
#endif
    Scalar sum1 = 0;
    for (; i + 2 <= n; i += 2) {
      const Scalar v0 = current[i] + alpha * steps[i];
      q[flat[i]] = v0;
      const Scalar v1 = current[i + 1] + alpha * steps[i + 1];
      q[flat[i + 1]] = v1;
      sum += v0;
      sum1 += v1;
    }
    if (i < n) {
      const Scalar v = current[i] + alpha * steps[i];
      q[flat[i]] = v;
      sum += v;
    }
    return std::isfinite(sum + sum1);
  }

  // Replaces each row's TD error by the mean TD error of all rows with the same (s, a).
  void average_duplicates(Column& errors) {
    const Eigen::Index n = written_.size();
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), Eigen::Index{0});
    std::sort(order_.begin(), order_.end(), [this](Eigen::Index x, Eigen::Index y) {
      return written_[x] < written_[y] || (written_[x] == written_[y] && x < y);
    });
    for (std::size_t begin = 0; begin < order_.size();) {
      std::size_t end = begin + 1;
      Scalar sum = errors[order_[begin]];
      while (end < order_.size() && written_[order_[end]] == written_[order_[begin]]) {
        sum += errors[order_[end]];
        ++end;
      }
      const Scalar mean = sum / static_cast<Scalar>(end - begin);
      for (std::size_t k = begin; k < end; ++k) errors[order_[k]] = mean;
      begin = end;
    }
  }

  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> written_;
  Column current_;
  Column td_errors_;
  Column mean_errors_;
  std::vector<Eigen::Index> order_;
};

}  // namespace tabrl::detail
