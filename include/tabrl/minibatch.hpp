#pragma once
/// \file minibatch.hpp
/// The rows an agent learns from in one minibatch update, whoever produced them.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"
#include "fwd.hpp"
#include "types.hpp"

namespace tabrl {

/// A minibatch: rows (s, a, r, s', terminated), each with the memory slot it came from, an
/// optional importance weight (prioritized replay) and an optional bootstrap discount gamma^k
/// (n-step returns). Read it through the accessors, whatever filled it:
///  - a memory's `sample_view(n, rng, batch)` makes it a view: the rows are read in place from
///    the memory's columns through the sampled slots, nothing is copied, and they stay valid
///    until the memory next changes (a push). `own()` copies them into the batch.
///  - a memory's `sample(n, rng, batch)` is `sample_view` followed by `own()`.
///  - `push_back` builds one by hand; the batch then owns its rows.
/// The batch is reused across calls: its storage grows when needed and is otherwise kept, so
/// steady-state sampling allocates nothing.
template <class Reward, class Index, class Action>
class BasicMinibatch {
  static_assert(std::is_floating_point_v<Reward>, "Reward must be a floating-point type");
  static_assert(std::is_integral_v<Index> && std::is_signed_v<Index>,
                "Index must be a signed integer type");
  static_assert(std::is_integral_v<Action>, "Action must be an integer type");

 public:
  using reward_type = Reward;                       ///< reward, weight and discount type
  using index_type = Index;                         ///< state (and slot) type
  using action_type = Action;                       ///< action type
  using transition_type = BasicTransition<Reward>;  ///< what row() returns

  /// Where the rows' fields live: one element per stored transition. Row i reads element
  /// slot(i) of a view, element i of a batch that owns its rows. For the update engines and
  /// for memories that produce batches (see view()).
  struct Columns {
    const Index* states = nullptr;             ///< s
    const Action* actions = nullptr;           ///< a
    const Reward* rewards = nullptr;           ///< r
    const Index* next_states = nullptr;        ///< s'
    const std::uint8_t* terminated = nullptr;  ///< 1 where s' is terminal
    const Reward* discounts = nullptr;         ///< gamma^k per element, or null (agent's gamma)
    /// Upper bounds of every state / next state and every action the columns can hold (a
    /// memory tracks them on push), or -1 when unknown. An update whose table holds them
    /// skips its per-row index checks.
    std::int64_t max_state = -1;
    std::int64_t max_action = -1;  ///< see max_state
  };

  /// An empty batch that owns its (zero) rows.
  BasicMinibatch() { point_at_own(); }
  /// Copies the rows (a view stays a view of the same memory).
  BasicMinibatch(const BasicMinibatch& other)
      : columns_(other.columns_),
        owned_(other.owned_),
        slots_(other.slots_),
        weights_(other.weights_),
        states_(other.states_),
        actions_(other.actions_),
        rewards_(other.rewards_),
        next_states_(other.next_states_),
        terminated_(other.terminated_),
        discounts_(other.discounts_) {
    if (owned_) point_at_own();
  }
  /// Moves the rows.
  BasicMinibatch(BasicMinibatch&& other) noexcept
      : columns_(other.columns_),
        owned_(other.owned_),
        slots_(std::move(other.slots_)),
        weights_(std::move(other.weights_)),
        states_(std::move(other.states_)),
        actions_(std::move(other.actions_)),
        rewards_(std::move(other.rewards_)),
        next_states_(std::move(other.next_states_)),
        terminated_(std::move(other.terminated_)),
        discounts_(std::move(other.discounts_)) {
    if (owned_) point_at_own();
    other.clear();
  }
  /// Copies the rows.
  BasicMinibatch& operator=(const BasicMinibatch& other) {
    if (this != &other) {
      BasicMinibatch copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  /// Moves the rows.
  BasicMinibatch& operator=(BasicMinibatch&& other) noexcept {
    if (this != &other) {
      columns_ = other.columns_;
      owned_ = other.owned_;
      slots_ = std::move(other.slots_);
      weights_ = std::move(other.weights_);
      states_ = std::move(other.states_);
      actions_ = std::move(other.actions_);
      rewards_ = std::move(other.rewards_);
      next_states_ = std::move(other.next_states_);
      terminated_ = std::move(other.terminated_);
      discounts_ = std::move(other.discounts_);
      if (owned_) point_at_own();
      other.clear();
    }
    return *this;
  }
  ~BasicMinibatch() = default;

  // ---- Reading ------------------------------------------------------------------------------

  /// Number of rows.
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(slots_.size());
  }
  /// True when there are no rows.
  [[nodiscard]] bool empty() const noexcept { return slots_.empty(); }
  /// True when the rows are read in place from a memory (see the class comment).
  [[nodiscard]] bool is_view() const noexcept { return !owned_; }
  /// The memory slot row i came from (its row index for a batch built by hand).
  [[nodiscard]] Index slot(Eigen::Index i) const { return slots_[row_index(i)]; }
  /// s of row i.
  [[nodiscard]] Index state(Eigen::Index i) const { return columns_.states[element(i)]; }
  /// a of row i.
  [[nodiscard]] Action action(Eigen::Index i) const { return columns_.actions[element(i)]; }
  /// r of row i.
  [[nodiscard]] Reward reward(Eigen::Index i) const { return columns_.rewards[element(i)]; }
  /// s' of row i.
  [[nodiscard]] Index next_state(Eigen::Index i) const { return columns_.next_states[element(i)]; }
  /// Whether row i entered a terminal state (no bootstrap from s').
  [[nodiscard]] bool terminated(Eigen::Index i) const {
    return columns_.terminated[element(i)] != 0;
  }
  /// True when the rows carry importance weights.
  [[nodiscard]] bool weighted() const noexcept { return !weights_.empty(); }
  /// The importance weight of row i (1 when the batch has none).
  [[nodiscard]] Reward weight(Eigen::Index i) const {
    const std::size_t k = row_index(i);
    return weights_.empty() ? Reward(1) : weights_[k];
  }
  /// True when the rows carry their own bootstrap discounts (n-step returns).
  [[nodiscard]] bool discounted() const noexcept { return columns_.discounts != nullptr; }
  /// The bootstrap discount of row i; throws LogicError when the batch has none (the agent's
  /// gamma applies then).
  [[nodiscard]] Reward discount(Eigen::Index i) const {
    if (columns_.discounts == nullptr) {
      throw LogicError(
          "tabrl::Minibatch::discount: this batch has no discounts (the agent's gamma applies)");
    }
    return columns_.discounts[element(i)];
  }
  /// Row i as a transition.
  [[nodiscard]] transition_type row(Eigen::Index i) const {
    const std::size_t k = element(i);
    return {static_cast<int>(columns_.states[k]), static_cast<int>(columns_.actions[k]),
            columns_.rewards[k], static_cast<int>(columns_.next_states[k]),
            columns_.terminated[k] != 0};
  }
  /// Every row's slot.
  [[nodiscard]] std::span<const Index> slots() const noexcept { return slots_; }
  /// Every row's weight (empty when unweighted).
  [[nodiscard]] std::span<const Reward> weights() const noexcept { return weights_; }
  /// Where the rows live (for update engines): see Columns.
  [[nodiscard]] const Columns& columns() const noexcept { return columns_; }

  // ---- Building by hand ---------------------------------------------------------------------

  /// Removes every row (the batch then owns its rows; storage is kept).
  void clear() noexcept {
    slots_.clear();
    weights_.clear();
    states_.clear();
    actions_.clear();
    rewards_.clear();
    next_states_.clear();
    terminated_.clear();
    discounts_.clear();
    owned_ = true;
    point_at_own();
  }

  /// Appends a row. Throws InvalidArgument when a state or action does not fit the batch's
  /// types, or the reward is not finite; LogicError after set_weights/set_discounts (set them
  /// once every row is in). Range checks against a table happen in the agent's update.
  template <class R>
  void push_back(const BasicTransition<R>& t) {
    check_fits("state", t.state, std::numeric_limits<Index>::min(),
               std::numeric_limits<Index>::max());
    check_fits("next_state", t.next_state, std::numeric_limits<Index>::min(),
               std::numeric_limits<Index>::max());
    check_fits("action", t.action, std::numeric_limits<Action>::min(),
               std::numeric_limits<Action>::max());
    push_back(static_cast<Index>(t.state), static_cast<Action>(t.action),
              static_cast<Reward>(t.reward), static_cast<Index>(t.next_state), t.terminated);
  }

  /// Appends a row of the batch's own types (any value: the agent's update checks ranges).
  void push_back(Index state, Action action, Reward reward, Index next_state, bool terminated) {
    if (!std::isfinite(static_cast<double>(reward))) {
      detail::throw_invalid("Minibatch::push_back", "reward must be finite",
                            static_cast<double>(reward));
    }
    if (!weights_.empty() || !discounts_.empty()) {
      throw LogicError(
          "tabrl::Minibatch::push_back: weights or discounts are set; set them after the last row");
    }
    if (!owned_) own();
    slots_.push_back(static_cast<Index>(slots_.size()));
    states_.push_back(state);
    actions_.push_back(action);
    rewards_.push_back(reward);
    next_states_.push_back(next_state);
    terminated_.push_back(terminated ? 1 : 0);
    columns_.max_state = -1;  // unknown again: the agent checks each row
    columns_.max_action = -1;
    point_at_own();
  }

  /// Sets one importance weight per row (finite, >= 0): each row's TD step is scaled by it.
  void set_weights(std::span<const Reward> weights) {
    check_per_row("set_weights", weights.size());
    for (const Reward w : weights) {
      if (!(w >= 0) || !std::isfinite(static_cast<double>(w))) {
        detail::throw_invalid("Minibatch::set_weights", "weights must be finite and >= 0",
                              static_cast<double>(w));
      }
    }
    weights_.assign(weights.begin(), weights.end());
  }

  /// Sets one bootstrap discount per row, in [0, 1] (used instead of the agent's gamma). Only
  /// for a batch that owns its rows (a memory view takes them from the memory).
  void set_discounts(std::span<const Reward> discounts) {
    check_per_row("set_discounts", discounts.size());
    if (!owned_) own();
    for (const Reward d : discounts) {
      if (!(d >= 0 && d <= 1)) {
        detail::throw_invalid("Minibatch::set_discounts", "discounts must be in [0, 1]",
                              static_cast<double>(d));
      }
    }
    discounts_.assign(discounts.begin(), discounts.end());
    point_at_own();
  }

  // ---- Producing (for memories) -------------------------------------------------------------

  /// Makes the batch a view of n rows read from `columns`: returns the n slots to fill (row i
  /// reads element slots[i]). Clears the weights. Allocates only when n grows.
  [[nodiscard]] std::span<Index> view(const Columns& columns, std::size_t n) {
    owned_ = false;
    columns_ = columns;
    if (slots_.size() != n) slots_.resize(n);
    if (!weights_.empty()) weights_.clear();
    return {slots_.data(), n};
  }

  /// The per-row weights of a batch being produced, sized to size(), to fill.
  [[nodiscard]] std::span<Reward> weights_to_fill() {
    weights_.resize(slots_.size());
    return weights_;
  }

  /// Adds a per-element discount column to a view (n-step returns: gamma^k by memory slot).
  void attach_discounts(const Reward* per_element) {
    if (owned_) {
      throw LogicError("tabrl::Minibatch::attach_discounts: only for views (use set_discounts)");
    }
    columns_.discounts = per_element;
  }

  /// Copies a view's rows into the batch, so they outlive changes to the memory; slots,
  /// weights and bounds are kept. Nothing to do for a batch that owns its rows.
  void own() {
    if (owned_) return;
    const std::size_t n = slots_.size();
    if (states_.size() != n) {  // resize is an out-of-line call even when the size is right
      states_.resize(n);
      actions_.resize(n);
      rewards_.resize(n);
      next_states_.resize(n);
      terminated_.resize(n);
    }
    const std::size_t discounts = columns_.discounts != nullptr ? n : 0;
    if (discounts_.size() != discounts) discounts_.resize(discounts);
    // Raw pointers read once: the uint8_t column may alias anything, so stores through it
    // would otherwise reload every vector's data pointer on every row.
    const Columns from = columns_;
    const Index* slots = slots_.data();
    Index* states = states_.data();
    Action* actions = actions_.data();
    Reward* rewards = rewards_.data();
    Index* next_states = next_states_.data();
    std::uint8_t* terminated = terminated_.data();
    for (std::size_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(slots[i]);
      states[i] = from.states[k];
      actions[i] = from.actions[k];
      rewards[i] = from.rewards[k];
      next_states[i] = from.next_states[k];
      terminated[i] = from.terminated[k];
    }
    if (from.discounts != nullptr) {
      for (std::size_t i = 0; i < n; ++i) {
        discounts_[i] = from.discounts[static_cast<std::size_t>(slots[i])];
      }
    }
    owned_ = true;
    point_at_own();
  }

 private:
  void point_at_own() noexcept {
    columns_.states = states_.data();
    columns_.actions = actions_.data();
    columns_.rewards = rewards_.data();
    columns_.next_states = next_states_.data();
    columns_.terminated = terminated_.data();
    columns_.discounts = discounts_.empty() ? nullptr : discounts_.data();
  }
  [[nodiscard]] std::size_t row_index(Eigen::Index i) const {
    if (i < 0 || i >= size()) {
      detail::throw_invalid("Minibatch", detail::concat("row must be in [0, ", size(), ")"), i);
    }
    return static_cast<std::size_t>(i);
  }
  [[nodiscard]] std::size_t element(Eigen::Index i) const {
    const std::size_t k = row_index(i);
    return owned_ ? k : static_cast<std::size_t>(slots_[k]);
  }
  void check_per_row(const char* who, std::size_t n) const {
    if (n != slots_.size()) {
      detail::throw_invalid(std::string("Minibatch::") + who,
                            detail::concat("one value per row (", slots_.size(), ") is needed"), n);
    }
  }
  template <class V, class L>
  static void check_fits(const char* what, V value, L low, L high) {
    if (static_cast<long long>(value) < static_cast<long long>(low) ||
        static_cast<long long>(value) > static_cast<long long>(high)) {
      detail::throw_invalid(
          "Minibatch::push_back",
          detail::concat(what, " must fit the batch's type [", +low, ", ", +high, "]"), value);
    }
  }

  Columns columns_;
  bool owned_ = true;
  std::vector<Index> slots_;
  std::vector<Reward> weights_;
  // A batch's own rows (used when owned_).
  std::vector<Index> states_;
  std::vector<Action> actions_;
  std::vector<Reward> rewards_;
  std::vector<Index> next_states_;
  std::vector<std::uint8_t> terminated_;
  std::vector<Reward> discounts_;
};

}  // namespace tabrl
