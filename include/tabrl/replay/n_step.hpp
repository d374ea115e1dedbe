#pragma once
/// \file replay/n_step.hpp
/// n-step returns in front of a replay memory.

#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../types.hpp"
#include "replay_memory.hpp"

namespace tabrl {

/// Turns consecutive transitions into n-step ones before storing them:
///   (s_t, a_t, G = r_t + gamma r_t+1 + ... + gamma^(k-1) r_t+k-1, s_t+k, terminated, gamma^k)
/// with k = n, or fewer where the episode ends first: a terminated episode flushes every
/// pending start with its shortened return and no bootstrap; end_episode() (train() calls it
/// after every episode, so also after a truncation) flushes the rest, bootstrapping from the
/// last state with gamma^k. Sampled minibatches carry gamma^k in `discounts`, which the
/// agents use instead of gamma. With n = 1 this is the plain memory, bit for bit.
///
/// `Memory` is a ReplayMemory or a PrioritizedReplay (anything with head(), push(transition)
/// and sample(n, rng, batch) filling `slots`); update_priorities() is forwarded when the
/// memory has it, so train() keeps prioritizing n-step rows by their TD errors. The agent's
/// gamma must equal the one given here: the stored returns and gamma^k were computed with it.
///
/// For n > 1 the stored return follows the actions the behaviour policy of that time took
/// after a_t (exploration included), so replaying it is off-policy in the same way as a
/// replayed SARSA a', without a correction (as in Rainbow). The bias grows with n, epsilon
/// and alpha: keep n small, or lower alpha (measured in the README's algorithms section).
template <class Memory = ReplayMemory<>>
class NStepReplay {
 public:
  using minibatch_type = typename Memory::minibatch_type;
  using reward_type = typename Memory::reward_type;

  /// Throws if n < 1 or gamma is outside [0, 1].
  NStepReplay(Memory memory, int n, double gamma)
      : memory_(std::move(memory)), n_(n), gamma_(gamma) {
    if (n < 1) detail::throw_invalid("NStepReplay", "n must be >= 1", n);
    if (!(gamma >= 0.0 && gamma <= 1.0))
      detail::throw_invalid("NStepReplay", "gamma must be in [0, 1]", gamma);
    discounts_.assign(memory_.capacity(), reward_type(0));
  }

  [[nodiscard]] std::size_t size() const noexcept { return memory_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return memory_.capacity(); }
  [[nodiscard]] int n() const noexcept { return n_; }
  [[nodiscard]] const Memory& memory() const noexcept { return memory_; }
  /// gamma^k stored with the transition in physical slot `slot`.
  [[nodiscard]] reward_type discount_at(std::size_t slot) const { return discounts_.at(slot); }
  /// Transitions waiting for their n-step return.
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

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

  template <BitGenerator64 G>
  void sample(std::size_t batch_size, G& rng, minibatch_type& out) {
    memory_.sample(batch_size, rng, out);
    out.discounts.resize(out.size());
    for (Eigen::Index i = 0; i < out.size(); ++i)
      out.discounts[i] = discounts_[static_cast<std::size_t>(out.slots[i])];
  }

  /// Forwards to the memory's update_priorities (prioritized replay); absent otherwise.
  template <class Errors>
  requires requires(Memory& m, const minibatch_type& b, const Errors& e) {
    m.update_priorities(b, e);
  }
  void update_priorities(const minibatch_type& batch, const Errors& td_errors) {
    memory_.update_priorities(batch, td_errors);
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
