#pragma once
/// \file replay/replay_memory.hpp
/// Fixed-capacity ring buffer of transitions, stored as struct-of-arrays columns.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/compiler.hpp"
#include "../detail/platform.hpp"
#include "../error.hpp"
#include "../fwd.hpp"
#include "../minibatch.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"

namespace tabrl {

/// Experience replay memory with O(1) push (overwriting the oldest entry once full) and
/// allocation-free uniform minibatch sampling into a caller-owned, reused Minibatch.
///
/// Template parameters choose the storage width: `Reward` for rewards (double by default,
/// float halves it), `Index` for states, `Action` for actions. With float rewards, 32-bit
/// states and 8-bit actions a transition takes 14 bytes.
template <class Reward, class Index, class Action>
class ReplayMemory {
  static_assert(std::is_floating_point_v<Reward>, "Reward must be a floating-point type");
  static_assert(std::is_integral_v<Index> && std::is_signed_v<Index>,
                "Index must be a signed integer type");
  static_assert(std::is_integral_v<Action>, "Action must be an integer type");

 public:
  using reward_type = Reward;                                    ///< reward column type
  using index_type = Index;                                      ///< state column type
  using action_type = Action;                                    ///< action column type
  using transition_type = BasicTransition<Reward>;               ///< what at_slot() returns
  using minibatch_type = BasicMinibatch<Reward, Index, Action>;  ///< what sampling fills

  /// Bytes of storage per stored transition (the five columns).
  static constexpr std::size_t bytes_per_transition =
      2 * sizeof(Index) + sizeof(Reward) + sizeof(Action) + sizeof(std::uint8_t);

  /// Throws if capacity is 0 or does not fit in Index.
  explicit ReplayMemory(std::size_t capacity, Sampling sampling = Sampling::without_replacement)
      : capacity_(capacity), sampling_(sampling) {
    if (capacity == 0) detail::throw_invalid("ReplayMemory", "capacity must be >= 1", capacity);
    if (capacity > static_cast<std::size_t>(std::numeric_limits<Index>::max())) {
      detail::throw_invalid("ReplayMemory", "capacity must fit in the index type", capacity);
    }
    // Refused before allocating: a capacity that cannot fit would otherwise end in
    // std::bad_alloc, or in the system killing the process, with nothing named.
    const std::uint64_t need = static_cast<std::uint64_t>(capacity) * (bytes_per_transition + 1);
    const std::uint64_t have = detail::physical_memory_bytes();
    if (have != 0 && need > have) {
      detail::throw_invalid(
          "ReplayMemory",
          detail::concat("capacity needs ", need, " bytes (", bytes_per_transition,
                         " per transition and a sampling mark), more than this machine's ", have,
                         " bytes of memory"),
          capacity);
    }
    states_.resize(capacity);
    actions_.resize(capacity);
    rewards_.resize(capacity);
    next_states_.resize(capacity);
    terminated_.resize(capacity);
  }

  /// The most transitions it keeps.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// Transitions stored.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// size() == 0.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// size() == capacity(): the next push overwrites the oldest.
  [[nodiscard]] bool full() const noexcept { return size_ == capacity_; }
  /// Physical slot the next push writes to.
  [[nodiscard]] std::size_t head() const noexcept { return head_; }
  /// With or without replacement.
  [[nodiscard]] Sampling sampling() const noexcept { return sampling_; }
  /// Changes the sampling mode.
  void set_sampling(Sampling sampling) noexcept { sampling_ = sampling; }

  /// Appends a transition, overwriting the oldest one when full. Throws on a negative or
  /// unrepresentable state or action, or a reward that is NaN or infinite.
  template <class R>
  void push(const BasicTransition<R>& t) {
    push(t.state, t.action, static_cast<double>(t.reward), t.next_state, t.terminated);
  }

  /// Appends (state, action, reward, next_state, terminated); see push(transition).
  void push(int state, int action, double reward, int next_state, bool terminated) {
    validate(state, action, reward, next_state);
    const std::size_t slot = head_;
    states_[slot] = static_cast<Index>(state);
    actions_[slot] = static_cast<Action>(action);
    rewards_[slot] = static_cast<Reward>(reward);
    next_states_[slot] = static_cast<Index>(next_state);
    terminated_[slot] = terminated ? 1 : 0;
    // Stored only when a bound grows: an unconditional store here stalled the wider load
    // that copies columns() into the next minibatch (docs/performance.md, "Sampling").
    const std::int64_t largest = std::max(state, next_state);
    if (largest > max_state_) [[unlikely]]
      max_state_ = largest;
    if (action > max_action_) [[unlikely]]
      max_action_ = action;
    head_ = slot + 1 == capacity_ ? 0 : slot + 1;
    if (size_ < capacity_) ++size_;
  }

  /// The i-th oldest stored transition (0 = oldest). Throws if i >= size().
  [[nodiscard]] transition_type operator[](std::size_t i) const {
    if (i >= size_) detail::throw_invalid("ReplayMemory::operator[]", "index must be < size()", i);
    return at_slot(physical(i));
  }

  /// The transition stored in physical slot `slot` (as reported in Minibatch::slots).
  [[nodiscard]] transition_type at_slot(std::size_t slot) const {
    if (slot >= size_)
      detail::throw_invalid("ReplayMemory::at_slot", "slot must be < size()", slot);
    return {static_cast<int>(states_[slot]), static_cast<int>(actions_[slot]), rewards_[slot],
            static_cast<int>(next_states_[slot]), terminated_[slot] != 0};
  }

  /// Fills `out` with `batch_size` uniformly drawn transitions, copied into the batch (they
  /// stay valid after the memory changes). Without replacement (the default) the rows are
  /// distinct slots in uniformly random order, like random.sample. Throws if the memory is
  /// empty, batch_size is 0, or (without replacement) batch_size > size(). Allocates only when
  /// `out` must grow.
  template <BitGenerator64 G>
  void sample(std::size_t batch_size, G& rng, minibatch_type& out) {
    draw_into("ReplayMemory::sample", batch_size, rng, out);
    out.own();
  }

  /// Draws exactly as sample() does (same generator draws, same slots in the same order) but
  /// copies nothing: `out` becomes a view that reads the rows from the memory's columns, valid
  /// until the memory next changes. The training loop uses this. Same errors as sample().
  template <BitGenerator64 G>
  void sample_view(std::size_t batch_size, G& rng, minibatch_type& out) {
    draw_into("ReplayMemory::sample_view", batch_size, rng, out);
  }

  /// Makes `out` a view of the transitions stored in the given physical slots, in that order
  /// (prioritized replay chooses slots its own way). Throws for a slot outside [0, size()).
  void select(std::span<const Index> slots, minibatch_type& out) const {
    for (const Index slot : slots) {
      if (slot < 0 || static_cast<std::size_t>(slot) >= size_) {
        detail::throw_invalid("ReplayMemory::select",
                              detail::concat("slot must be in [0, ", size_, ")"), slot);
      }
    }
    const std::span<Index> to = out.view(columns(), slots.size());
    std::copy(slots.begin(), slots.end(), to.begin());
  }

  /// The memory's columns, indexed by physical slot, and the bounds of what they hold.
  [[nodiscard]] typename minibatch_type::Columns columns() const noexcept {
    typename minibatch_type::Columns c;
    c.states = states_.data();
    c.actions = actions_.data();
    c.rewards = rewards_.data();
    c.next_states = next_states_.data();
    c.terminated = terminated_.data();
    c.max_state = max_state_;
    c.max_action = max_action_;
    return c;
  }

  /// Empties the memory (capacity is kept).
  void clear() noexcept {
    size_ = 0;
    head_ = 0;
    max_state_ = -1;
    max_action_ = -1;
  }

  /// Raw columns in physical slot order (for checkpoints and inspection).
  [[nodiscard]] std::span<const Index> states() const noexcept { return {states_.data(), size_}; }
  /// The actions column, by slot.
  [[nodiscard]] std::span<const Action> actions() const noexcept {
    return {actions_.data(), size_};
  }
  /// The rewards column, by slot.
  [[nodiscard]] std::span<const Reward> rewards() const noexcept {
    return {rewards_.data(), size_};
  }
  /// The next states column, by slot.
  [[nodiscard]] std::span<const Index> next_states() const noexcept {
    return {next_states_.data(), size_};
  }
  /// The terminated column (0 or 1), by slot.
  [[nodiscard]] std::span<const std::uint8_t> terminated() const noexcept {
    return {terminated_.data(), size_};
  }

  /// Restores contents saved from states()... terminated() and head(). All columns must have
  /// the same length <= capacity(), and head must be a valid write position for that length.
  void restore(std::size_t head, std::span<const Index> states, std::span<const Action> actions,
               std::span<const Reward> rewards, std::span<const Index> next_states,
               std::span<const std::uint8_t> terminated) {
    const std::size_t n = states.size();
    if (actions.size() != n || rewards.size() != n || next_states.size() != n ||
        terminated.size() != n) {
      detail::throw_invalid("ReplayMemory::restore", "all columns must have the same length", n);
    }
    if (n > capacity_)
      detail::throw_invalid("ReplayMemory::restore", "size must be <= capacity", n);
    const std::size_t expected_head = n == capacity_ ? head : n;
    if (head >= capacity_ || head != expected_head) {
      detail::throw_invalid("ReplayMemory::restore",
                            "head must equal size when not full, and be < capacity", head);
    }
    std::int64_t max_state = -1;
    std::int64_t max_action = -1;
    for (std::size_t i = 0; i < n; ++i) {
      validate(states[i], actions[i], static_cast<double>(rewards[i]), next_states[i]);
      max_state = std::max({max_state, static_cast<std::int64_t>(states[i]),
                            static_cast<std::int64_t>(next_states[i])});
      max_action = std::max(max_action, static_cast<std::int64_t>(actions[i]));
    }
    std::copy(states.begin(), states.end(), states_.begin());
    std::copy(actions.begin(), actions.end(), actions_.begin());
    std::copy(rewards.begin(), rewards.end(), rewards_.begin());
    std::copy(next_states.begin(), next_states.end(), next_states_.begin());
    std::copy(terminated.begin(), terminated.end(), terminated_.begin());
    size_ = n;
    head_ = head;
    max_state_ = max_state;
    max_action_ = max_action;
  }

  /// "ReplayMemory" (Saveable: the kind recorded in checkpoints).
  [[nodiscard]] static std::string kind() { return "ReplayMemory"; }

  /// Writes the column types, sampling mode, capacity, size, ring position and the stored
  /// transitions (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint8_t>(scalar_code<Reward>()));
    out.value(static_cast<std::uint8_t>(sizeof(Index)));
    out.value(static_cast<std::uint8_t>(sizeof(Action)));
    out.value(static_cast<std::uint8_t>(sampling_));
    out.value(static_cast<std::uint64_t>(capacity_));
    out.value(static_cast<std::uint64_t>(size_));
    out.value(static_cast<std::uint64_t>(head_));
    out.array(states_.data(), size_);
    out.array(actions_.data(), size_);
    out.array(rewards_.data(), size_);
    out.array(next_states_.data(), size_);
    out.array(terminated_.data(), size_);
  }

  /// Replaces the contents with saved ones (Saveable). The capacity and column types must be
  /// this memory's; every stored value must be one push() accepts. Throws FormatError naming
  /// the field, and changes nothing, otherwise.
  void load(BinaryReader& in) {
    if (in.value<std::uint8_t>() != static_cast<std::uint8_t>(scalar_code<Reward>()) ||
        in.value<std::uint8_t>() != sizeof(Index) || in.value<std::uint8_t>() != sizeof(Action)) {
      in.fail(FormatProblem::scalar_type, "replay memory column types differ from the memory's");
    }
    const auto sampling = in.value<std::uint8_t>();
    if (sampling > static_cast<std::uint8_t>(Sampling::with_replacement)) {
      in.fail(FormatProblem::value,
              detail::concat("replay sampling mode must be 0 or 1, got ", +sampling));
    }
    const auto capacity = in.value<std::uint64_t>();
    if (capacity != capacity_) {
      in.fail(FormatProblem::shape,
              detail::concat("replay capacity is ", capacity, ", the memory's is ", capacity_));
    }
    const auto size = in.value<std::uint64_t>();
    const auto head = in.value<std::uint64_t>();
    if (size > capacity) {
      in.fail(FormatProblem::shape,
              detail::concat("replay size must be <= capacity ", capacity, ", got ", size));
    }
    if (head >= capacity || (size < capacity && head != size)) {
      in.fail(FormatProblem::value,
              detail::concat("replay head must be ", size < capacity ? "== size " : "< capacity ",
                             size < capacity ? size : capacity, ", got ", head));
    }
    const auto states = in.array<Index>(size);
    const auto actions = in.array<Action>(size);
    const auto rewards = in.array<Reward>(size);
    const auto next_states = in.array<Index>(size);
    const auto terminated = in.array<std::uint8_t>(size);
    for (std::size_t i = 0; i < size; ++i) {
      if (states[i] < 0 || next_states[i] < 0) {
        in.fail(FormatProblem::value,
                detail::concat("replay ", states[i] < 0 ? "states[" : "next_states[", i,
                               "] must be >= 0, got ", states[i] < 0 ? states[i] : next_states[i]));
      }
      if (detail::is_negative(actions[i])) {
        in.fail(FormatProblem::value,
                detail::concat("replay actions[", i, "] must be >= 0, got ", +actions[i]));
      }
      if (!std::isfinite(static_cast<double>(rewards[i]))) {
        in.fail(FormatProblem::value,
                detail::concat("replay rewards[", i, "] must be finite, got ", rewards[i]));
      }
      if (terminated[i] > 1) {
        in.fail(FormatProblem::value,
                detail::concat("replay terminated[", i, "] must be 0 or 1, got ", +terminated[i]));
      }
    }
    sampling_ = static_cast<Sampling>(sampling);
    restore(static_cast<std::size_t>(head), states, actions, rewards, next_states, terminated);
  }

 private:
  [[nodiscard]] std::size_t physical(std::size_t i) const noexcept {
    const std::size_t oldest = size_ == capacity_ ? head_ : 0;
    const std::size_t p = oldest + i;
    return p >= capacity_ ? p - capacity_ : p;
  }

  template <class S, class A>
  static void validate(S state, A action, double reward, S next_state) {
    constexpr auto max_index = static_cast<long long>(std::numeric_limits<Index>::max());
    constexpr auto max_action = static_cast<long long>(std::numeric_limits<Action>::max());
    if (state < 0 || static_cast<long long>(state) > max_index) {
      detail::throw_invalid("ReplayMemory::push", "state must be >= 0 and fit the index type",
                            state);
    }
    if (next_state < 0 || static_cast<long long>(next_state) > max_index) {
      detail::throw_invalid("ReplayMemory::push", "next_state must be >= 0 and fit the index type",
                            next_state);
    }
    if (action < 0 || static_cast<long long>(action) > max_action) {
      detail::throw_invalid("ReplayMemory::push", "action must be >= 0 and fit the action type",
                            static_cast<long long>(action));
    }
    // A finite double can still overflow a float column: checked as stored.
    if (!std::isfinite(static_cast<Reward>(reward))) [[unlikely]] {
      detail::throw_invalid(
          "ReplayMemory::push",
          detail::concat("reward must be finite and fit the reward type (magnitude <= ",
                         static_cast<double>(std::numeric_limits<Reward>::max()), ")"),
          reward);
    }
  }

  // Validates the request, makes `out` a view of this memory and draws its slots.
  template <class G>
  void draw_into(const char* who, std::size_t batch_size, G& rng, minibatch_type& out) {
    if (size_ == 0) detail::throw_invalid(who, "memory must not be empty", 0);
    if (batch_size == 0) detail::throw_invalid(who, "batch_size must be >= 1", 0);
    if (sampling_ == Sampling::without_replacement && batch_size > size_) {
      detail::throw_invalid(who,
                            detail::concat("batch_size must be <= size() = ", size_,
                                           " when sampling without replacement"),
                            batch_size);
    }
    const std::span<Index> slots = out.view(columns(), batch_size);
    if constexpr (std::is_copy_constructible_v<G> && std::is_copy_assignable_v<G>) {
      draw_from_copy(batch_size, rng, slots.data());
    } else {
      draw(batch_size, rng, slots.data());
    }
  }

  // Draws from a local copy of the generator, every call inlined, so the generator state
  // stays in registers (keep both: see docs/performance.md, "Sampling").
  template <class G>
  TABRL_DETAIL_FLATTEN void draw_from_copy(std::size_t k, G& rng, Index* slots) {
    G local = rng;
    draw(k, local, slots);
    rng = local;
  }

  // Draws k slots into `slots`.
  template <class G>
  void draw(std::size_t k, G& rng, Index* slots) {
    const std::size_t n = size_;
    if (sampling_ == Sampling::with_replacement) {
      for (std::size_t i = 0; i < k; ++i) slots[i] = static_cast<Index>(detail::bounded(rng, n));
      return;
    }
    // Marks of the slots drawn so far: a byte per slot while that is small (a test and a set
    // are then one instruction each), a bit per slot beyond kByteMarksUpTo slots, so a large
    // memory's marks stay an eighth of the size and in cache.
    const bool bytes = capacity_ <= kByteMarksUpTo;
    const std::size_t words = bytes ? (capacity_ + 7) / 8 : (capacity_ + 63) / 64;
    if (marks_.size() < words) {
      marks_.assign(words, 0);
      mark_stamp_ = 0;
    }
    if (bytes) {
      // Each draw marks with its own stamp, so the marks need no clearing after a draw; the
      // bytes are zeroed once every 255 draws, when the stamp would wrap.
      if (mark_stamp_ == std::numeric_limits<std::uint8_t>::max()) clear_marks();
      ++mark_stamp_;
      // Byte access to the words' storage (unsigned char may alias any object).
      draw_distinct(k, rng, slots,
                    ByteMarks{reinterpret_cast<unsigned char*>(marks_.data()), mark_stamp_});
    } else {
      // Bit marks need every bit clear to start: a draw clears its own bits after it.
      if (mark_stamp_ != 0) clear_marks();
      draw_distinct(k, rng, slots, BitMarks{marks_.data()});
    }
  }

  void clear_marks() noexcept {
    std::fill(marks_.begin(), marks_.end(), std::uint64_t{0});
    mark_stamp_ = 0;
  }

  static constexpr std::size_t kByteMarksUpTo = std::size_t{1} << 16U;

  struct ByteMarks {
    unsigned char* marks;
    unsigned char stamp;
    // Marks slot s; true if this draw marked it already.
    bool test_and_set(std::size_t s) const noexcept {
      if (marks[s] == stamp) return true;
      marks[s] = stamp;
      return false;
    }
    static constexpr bool kClearAfterDraw = false;  // a new stamp forgets the old marks
  };

  struct BitMarks {
    std::uint64_t* marks;
    bool test_and_set(std::size_t s) const noexcept {
      const std::uint64_t bit = std::uint64_t{1} << (s & 63U);
      const bool was = (marks[s >> 6U] & bit) != 0;
      marks[s >> 6U] |= bit;
      return was;
    }
    static constexpr bool kClearAfterDraw = true;
    // Clears the whole word: every bit set in it belongs to the batch being drawn.
    void clear(std::size_t s) const noexcept { marks[s >> 6U] = 0; }
  };

  // k distinct slots in uniformly random order: rejection against the marks while the batch
  // is small next to the memory (expected draws ~ k + k^2 / 2n), else Floyd's algorithm
  // (exactly k draws) followed by a Fisher-Yates shuffle of the k picks. Bit marks are left
  // clear.
  template <class G, class Marks>
  void draw_distinct(std::size_t k, G& rng, Index* slots, Marks marks) const {
    const std::size_t n = size_;
    if (4 * k <= n) {
      for (std::size_t i = 0; i < k; ++i) {
        std::size_t s = 0;
        do {
          s = detail::bounded(rng, n);
        } while (marks.test_and_set(s));
        slots[i] = static_cast<Index>(s);
      }
    } else {
      std::size_t i = 0;
      for (std::size_t j = n - k; j < n; ++j) {
        const std::size_t t = detail::bounded(rng, j + 1);
        const std::size_t pick = marks.test_and_set(t) ? j : t;
        if (pick == j) marks.test_and_set(j);
        slots[i++] = static_cast<Index>(pick);
      }
      for (std::size_t m = k - 1; m > 0; --m) {
        const std::size_t r = detail::bounded(rng, m + 1);
        std::swap(slots[m], slots[r]);
      }
    }
    if constexpr (Marks::kClearAfterDraw) {
      TABRL_DETAIL_UNROLL(4)
      for (std::size_t i = 0; i < k; ++i) marks.clear(static_cast<std::size_t>(slots[i]));
    }
  }

  std::size_t capacity_;
  Sampling sampling_;
  std::size_t size_ = 0;
  std::size_t head_ = 0;
  // Largest state (or next state) and action pushed since the last clear() or restore(): an
  // upper bound of what is stored, so an update can check a whole sample in O(1).
  std::int64_t max_state_ = -1;
  std::int64_t max_action_ = -1;
  std::vector<Index> states_;
  std::vector<Action> actions_;
  std::vector<Reward> rewards_;
  std::vector<Index> next_states_;
  std::vector<std::uint8_t> terminated_;
  // Sampling scratch: a mark per slot for drawing without replacement (a byte each up to
  // 65,536 slots, a bit each beyond), and the stamp of the latest byte-marked draw (a byte
  // equal to it marks a slot that draw took; 0 when the marks are all zero).
  std::vector<std::uint64_t> marks_;
  std::uint8_t mark_stamp_ = 0;
};

}  // namespace tabrl
