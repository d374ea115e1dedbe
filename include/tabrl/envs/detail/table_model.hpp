#pragma once
/// \file envs/detail/table_model.hpp
/// A finite MDP stored as a table of equally likely outcomes per (state, action): the engine
/// behind FrozenLake and Taxi (their rules fill the table once; stepping samples from it).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../../detail/compiler.hpp"
#include "../../error.hpp"
#include "../../random.hpp"
#include "../../serialization.hpp"
#include "../../types.hpp"

namespace tabrl::detail {

class TableModel {
 public:
  TableModel() = default;
  TableModel(int num_states, int num_actions, std::string name)
      : num_states_(num_states), num_actions_(num_actions), name_(std::move(name)) {
    offsets_.reserve(static_cast<std::size_t>(num_states) * static_cast<std::size_t>(num_actions) +
                     1);
    offsets_.push_back(0);
  }

  /// Appends the outcomes of the next (state, action) pair, in row-major order. Every outcome
  /// of one pair has the same probability (1 / count).
  void add(const std::vector<Outcome>& outcomes) {
    for (const auto& o : outcomes) outcomes_.push_back(o);
    offsets_.push_back(static_cast<std::uint32_t>(outcomes_.size()));
  }

  [[nodiscard]] int num_states() const noexcept { return num_states_; }
  [[nodiscard]] int num_actions() const noexcept { return num_actions_; }

  [[nodiscard]] std::vector<Outcome> transitions(int state, int action) const {
    check_state("transitions", state);
    check_action("transitions", action);
    const std::size_t k = index(state, action);
    return {outcomes_.begin() + offsets_[k], outcomes_.begin() + offsets_[k + 1]};
  }

  /// Samples one outcome of (state, action); draws only when there is a choice.
  template <class G>
  [[nodiscard]] const Outcome& sample(int state, int action, G& rng) const {
    const std::size_t k = index(state, action);
    const std::uint32_t n = offsets_[k + 1] - offsets_[k];
    const std::uint32_t pick = n == 1 ? 0 : static_cast<std::uint32_t>(detail::bounded(rng, n));
    return outcomes_[offsets_[k] + pick];
  }

  void check_state(const char* where, int state) const {
    if (state < 0 || state >= num_states_) [[unlikely]] {
      bad_value(where, "state", num_states_, state);
    }
  }
  void check_action(const char* where, int action) const {
    if (action < 0 || action >= num_actions_) [[unlikely]] {
      bad_value(where, "action", num_actions_, action);
    }
  }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  [[noreturn]] TABRL_DETAIL_COLD void bad_value(const char* where, const char* what, int count,
                                                int value) const {
    throw_invalid(name_ + "::" + where, concat(what, " must be in [0, ", count, ")"), value);
  }
  [[nodiscard]] std::size_t index(int state, int action) const noexcept {
    return static_cast<std::size_t>(state) * static_cast<std::size_t>(num_actions_) +
           static_cast<std::size_t>(action);
  }

  int num_states_ = 0;
  int num_actions_ = 0;
  std::string name_;
  std::vector<Outcome> outcomes_;
  std::vector<std::uint32_t> offsets_;
};

/// The episode bookkeeping every table-driven environment shares: seeding, the current state,
/// and the errors for stepping before reset or after termination.
class EpisodeCursor {
 public:
  void reseed(std::optional<std::uint64_t> seed) {
    if (seed) rng.reseed(*seed);
  }
  void start(int state) {
    state_ = state;
    done_ = false;
    started_ = true;
  }
  void check_can_step(const char* name) const {
    if (!started_ || done_) [[unlikely]]
      cannot_step(name);
  }
  StepResult advance(const Outcome& o) {
    state_ = o.next_state;
    done_ = o.terminated;
    return {o.next_state, o.reward, o.terminated, false};
  }
  [[nodiscard]] int state() const noexcept { return state_; }

  /// Writes the position in the episode: state, flags, generator.
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::int32_t>(state_));
    out.value(static_cast<std::uint8_t>(done_ ? 1 : 0));
    out.value(static_cast<std::uint8_t>(started_ ? 1 : 0));
    for (const std::uint64_t word : rng.state()) out.value(word);
  }
  /// Reads it back; the state must be in [0, num_states). Changes nothing on error.
  void load(BinaryReader& in, int num_states) {
    const auto state = in.value<std::int32_t>();
    const auto done = in.value<std::uint8_t>();
    const auto started = in.value<std::uint8_t>();
    Rng::state_type words{};
    for (auto& word : words) word = in.value<std::uint64_t>();
    if (state < 0 || state >= num_states) {
      in.fail(FormatProblem::value,
              concat("environment state must be in [0, ", num_states, "), got ", state));
    }
    if (done > 1 || started > 1) in.fail(FormatProblem::value, "episode flags must be 0 or 1");
    if (words == Rng::state_type{}) in.fail(FormatProblem::value, "generator state is all zero");
    rng.set_state(words);
    state_ = state;
    done_ = done == 1;
    started_ = started == 1;
  }

  Rng rng{0};

 private:
  [[noreturn]] TABRL_DETAIL_COLD void cannot_step(const char* name) const {
    if (!started_) throw LogicError(concat("tabrl::", name, "::step: called before reset()"));
    throw LogicError(
        concat("tabrl::", name, "::step: episode has terminated, call reset() before stepping"));
  }

  int state_ = 0;
  bool done_ = false;
  bool started_ = false;
};

}  // namespace tabrl::detail
