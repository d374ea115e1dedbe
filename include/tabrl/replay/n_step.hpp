#pragma once
/// \file replay/n_step.hpp
/// n-step returns in front of a replay memory.

#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../fwd.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "replay_memory.hpp"

namespace tabrl {

/// Turns consecutive transitions into n-step ones before storing them:
///   (s_t, a_t, G = r_t + gamma r_t+1 + ... + gamma^(k-1) r_t+k-1, s_t+k, terminated, gamma^k)
/// with k = n, or fewer where the episode ends first: a terminated episode flushes every
/// pending start with its shortened return and no bootstrap; end_episode() (train() calls it
/// after every episode, so also after a truncation) flushes the rest, bootstrapping from the
/// last state with gamma^k. Sampled rows carry gamma^k as their discount(), which the agents
/// use instead of gamma. With n = 1 this is the plain memory, bit for bit.
///
/// `Memory` is a ReplayMemory or a PrioritizedReplay (anything with head(), push(transition)
/// and sample_view(n, rng, batch)); update_priorities() is forwarded when the memory has it,
/// so train() keeps prioritizing n-step rows by their TD errors. The agent's
/// gamma must equal the one given here: the stored returns and gamma^k were computed with it.
///
/// For n > 1 the stored return follows the actions the behaviour policy of that time took
/// after a_t (exploration included), so replaying it is off-policy in the same way as a
/// replayed SARSA a', without a correction (as in Rainbow). The bias grows with n, epsilon
/// and alpha: keep n small, or lower alpha (measured in the README's algorithms section).
template <class Memory>
class NStepReplay {
 public:
  using minibatch_type = typename Memory::minibatch_type;  ///< the memory's
  using reward_type = typename Memory::reward_type;        ///< the memory's

  /// The largest n accepted: every push sums the window, so a larger one costs more than it
  /// can be worth (episodes that long are Monte Carlo returns anyway).
  static constexpr int max_n = 1024;

  /// Throws if n is outside [1, max_n] or gamma outside [0, 1].
  NStepReplay(Memory memory, int n, double gamma)
      : memory_(std::move(memory)), n_(n), gamma_(gamma) {
    if (n < 1) detail::throw_invalid("NStepReplay", "n must be >= 1", n);
    if (n > max_n) detail::throw_invalid("NStepReplay", detail::concat("n must be <= ", max_n), n);
    if (!(gamma >= 0.0 && gamma <= 1.0))
      detail::throw_invalid("NStepReplay", "gamma must be in [0, 1]", gamma);
    discounts_.assign(memory_.capacity(), reward_type(0));
  }

  /// Transitions stored (not counting the pending window).
  [[nodiscard]] std::size_t size() const noexcept { return memory_.size(); }
  /// The memory's capacity.
  [[nodiscard]] std::size_t capacity() const noexcept { return memory_.capacity(); }
  /// The number of steps per return.
  [[nodiscard]] int n() const noexcept { return n_; }
  /// The memory behind the adapter.
  [[nodiscard]] const Memory& memory() const noexcept { return memory_; }
  /// The memory's columns (see ReplayMemory::columns); the discounts come with sample_view.
  [[nodiscard]] typename minibatch_type::Columns columns() const noexcept {
    return memory_.columns();
  }
  /// gamma^k stored with the transition in physical slot `slot`.
  [[nodiscard]] reward_type discount_at(std::size_t slot) const { return discounts_.at(slot); }
  /// Transitions waiting for their n-step return.
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

  /// Adds a transition to the window; stores the n-step transitions it completes. Throws on a
  /// non-finite reward.
  template <class R>
  void push(const BasicTransition<R>& t) {
    if (!std::isfinite(static_cast<double>(t.reward))) {
      detail::throw_invalid("NStepReplay::push", "reward must be finite",
                            static_cast<double>(t.reward));
    }
    pending_.push_back(
        {t.state, t.action, static_cast<double>(t.reward), t.next_state, t.terminated});
    if (t.terminated) {
      flush();
    } else if (static_cast<int>(pending_.size()) == n_) {
      emit_front();
    }
  }

  /// Ends the episode: every pending start is stored with the return it has so far.
  void end_episode() { flush(); }

  /// Samples as the memory does and copies the rows, with their discounts, into `out`.
  template <BitGenerator64 G>
  void sample(std::size_t batch_size, G& rng, minibatch_type& out) {
    sample_view(batch_size, rng, out);
    out.own();
  }

  /// Samples as the memory's sample_view does; the rows read their discounts gamma^k from this
  /// adapter (valid until either changes).
  template <BitGenerator64 G>
  void sample_view(std::size_t batch_size, G& rng, minibatch_type& out) {
    memory_.sample_view(batch_size, rng, out);
    out.attach_discounts(discounts_.data());
  }

  /// Forwards to the memory's update_priorities (prioritized replay); absent otherwise.
  template <class Errors>
  requires requires(Memory& m, const minibatch_type& b, const Errors& e) {
    m.update_priorities(b, e);
  }
  void update_priorities(const minibatch_type& batch, const Errors& td_errors) {
    memory_.update_priorities(batch, td_errors);
  }

  /// "NStepReplay<" + the memory's kind + ">" (Saveable).
  [[nodiscard]] static std::string kind() { return "NStepReplay<" + Memory::kind() + ">"; }

  /// Writes n, gamma, the pending window, the memory and the stored discounts (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::int32_t>(n_));
    out.value(gamma_);
    out.value(static_cast<std::uint64_t>(pending_.size()));
    for (const Transition& t : pending_) {
      out.value(static_cast<std::int32_t>(t.state));
      out.value(static_cast<std::int32_t>(t.action));
      out.value(t.reward);
      out.value(static_cast<std::int32_t>(t.next_state));
      out.value(static_cast<std::uint8_t>(t.terminated ? 1 : 0));
    }
    memory_.save(out);
    out.array(discounts_.data(), memory_.size());
  }

  /// Replaces everything with saved state (Saveable). n and gamma must be this adapter's (the
  /// stored returns were computed with them). Throws FormatError, changing nothing, otherwise.
  void load(BinaryReader& in) {
    const auto n = in.value<std::int32_t>();
    const auto gamma = in.value<double>();
    if (n != n_ || gamma != gamma_) {
      in.fail(FormatProblem::shape,
              detail::concat("n-step returns with n = ", n, ", gamma = ", gamma,
                             "; this memory has n = ", n_, ", gamma = ", gamma_));
    }
    const auto count = in.value<std::uint64_t>();
    if (count >= static_cast<std::uint64_t>(n_)) {
      in.fail(FormatProblem::value, detail::concat("n-step pending window must hold < n = ", n_,
                                                   " transitions, got ", count));
    }
    std::deque<Transition> pending;
    for (std::uint64_t i = 0; i < count; ++i) {
      Transition t;
      t.state = in.value<std::int32_t>();
      t.action = in.value<std::int32_t>();
      t.reward = in.value<double>();
      t.next_state = in.value<std::int32_t>();
      const auto terminated = in.value<std::uint8_t>();
      if (t.state < 0 || t.action < 0 || t.next_state < 0 || !std::isfinite(t.reward) ||
          terminated != 0) {
        in.fail(FormatProblem::value,
                detail::concat("n-step pending transition ", i,
                               " must have states and action >= 0, a finite reward and not be "
                               "terminal (a terminal one is flushed at once)"));
      }
      pending.push_back(t);
    }
    Memory memory = memory_;
    memory.load(in);
    auto discounts = in.array<reward_type>(memory.size());
    for (std::size_t i = 0; i < discounts.size(); ++i) {
      if (!(discounts[i] >= 0 && discounts[i] <= 1)) {
        in.fail(FormatProblem::value,
                detail::concat("n-step discounts[", i, "] must be in [0, 1], got ", discounts[i]));
      }
    }
    discounts.resize(memory.capacity(), reward_type(0));
    memory_ = std::move(memory);
    pending_ = std::move(pending);
    discounts_ = std::move(discounts);
  }

 private:
  void flush() {
    while (!pending_.empty()) emit_front();
  }
  void emit_front() {
    double g = 0.0;
    double discount = 1.0;
    for (const auto& t : pending_) {
      g += discount * t.reward;
      discount *= gamma_;
    }
    const auto& first = pending_.front();
    const auto& last = pending_.back();
    const std::size_t slot = memory_.head();
    // Through push(transition), which every memory has; the plain memory's own push(t)
    // forwards the same double reward, so n = 1 stays bit-identical to it.
    memory_.push(
        BasicTransition<double>{first.state, first.action, g, last.next_state, last.terminated});
    discounts_[slot] = static_cast<reward_type>(discount);
    pending_.pop_front();
  }

  Memory memory_;
  int n_;
  double gamma_;
  std::deque<Transition> pending_;
  std::vector<reward_type> discounts_;
};

}  // namespace tabrl
