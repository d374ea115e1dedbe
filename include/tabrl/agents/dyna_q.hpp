#pragma once
/// \file agents/dyna_q.hpp
/// Dyna-Q and Dyna-Q+: Q-learning plus planning updates from a learned model.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "../error.hpp"
#include "../fwd.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "detail/td_engine.hpp"
#include "q_learning.hpp"
#include "tabular_model.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// The planning settings of DynaQAgent. Use designated initializers:
/// `DynaQAgent<> agent(54, 4, {.gamma = 0.95, .alpha = 0.1}, {.planning_steps = 50});`
struct DynaOptions {
  int planning_steps = 5;  ///< planning updates per real step, in [0, max_planning_steps]
  ModelKind model = ModelKind::deterministic;  ///< last outcome, or a sample model with counts
  double kappa = 0.0;  ///< Dyna-Q+'s exploration bonus weight, >= 0 (0: plain Dyna-Q)

  /// The most planning updates per step accepted: more would make one step take seconds.
  static constexpr int max_planning_steps = 100000;

  /// Throws InvalidArgument naming the first setting out of its range ("tabrl::<who>: ...").
  void validate(const char* who = "DynaOptions") const {
    if (planning_steps < 0 || planning_steps > max_planning_steps) {
      detail::throw_invalid(
          who, detail::concat("planning_steps must be in [0, ", max_planning_steps, "]"),
          planning_steps);
    }
    if (static_cast<std::uint8_t>(model) > static_cast<std::uint8_t>(ModelKind::sample)) {
      detail::throw_invalid(who, "model must be deterministic or sample", static_cast<int>(model));
    }
    if (!(kappa >= 0.0 && kappa <= 1e300))
      detail::throw_invalid(who, "kappa must be finite and >= 0", kappa);
  }

  /// Field-by-field equality.
  friend bool operator==(const DynaOptions&, const DynaOptions&) = default;
};

/// Tabular Dyna-Q (Sutton 1990; Sutton & Barto 8.2) and, with kappa > 0, Dyna-Q+ (8.3). Each
/// real transition (s, a, r, s'):
///   1. Q(s, a) += alpha * (r + gamma * max_b Q(s', b) - Q(s, a))   (QLearningAgent's rule)
///   2. the model records it (TabularModel: deterministic, or a sample model with counts)
///   3. planning_steps times: a state uniformly among the states visited, an action
///      uniformly among those taken there, an outcome of it from the model (by counts), and
///      the same Q-learning update on that simulated transition.
/// Dyna-Q+ adds kappa * sqrt(tau) to each simulated reward, tau the real steps since the pair
/// was last taken, and puts the untried actions of visited states in the model ("back to the
/// same state, reward 0", last taken at step 0). The planning draws come from the agent's own
/// generator (seeded by `planning_seed`, saved with it), never from the loop's: a seed names
/// one run, and a checkpoint resumes it bit for bit. Learns online (update(transition));
/// with planning_steps 0 it is QLearningAgent, bit for bit.
template <class Scalar>
class DynaQAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// A table of zeros, an empty model and a planning generator seeded with `planning_seed`;
  /// throws on sizes < 1 or settings out of range.
  DynaQAgent(int num_states, int num_actions, const TDOptions& options = {},
             const DynaOptions& dyna = {}, std::uint64_t planning_seed = 0)
      : Base(num_states, num_actions, options, "DynaQAgent"),
        dyna_(checked(dyna)),
        model_(num_states, num_actions, dyna.model, dyna.kappa > 0.0),
        rng_(planning_seed) {}

  /// "DynaQAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "DynaQAgent"; }

  /// The planning settings.
  [[nodiscard]] const DynaOptions& dyna_options() const noexcept { return dyna_; }
  /// The learned model.
  [[nodiscard]] const TabularModel& model() const noexcept { return model_; }
  /// The planning generator (its state is part of the agent's).
  [[nodiscard]] const Rng& planning_rng() const noexcept { return rng_; }
  /// Real steps learned from (the model's clock).
  [[nodiscard]] std::int64_t steps() const noexcept { return steps_; }
  /// Planning updates made so far.
  [[nodiscard]] std::int64_t planning_updates() const noexcept { return planning_updates_; }

  /// One real step: the Q-learning update, the model, then dyna_options().planning_steps
  /// planning updates. Returns the real update's TD error. Throws on bad indices or a
  /// non-finite reward, changing nothing.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    const Scalar delta =
        learn(static_cast<Scalar>(t.reward), t.state, t.action, t.next_state, t.terminated);
    ++steps_;
    model_.observe(t.state, t.action, static_cast<double>(t.reward), t.next_state, t.terminated,
                   steps_);
    plan(dyna_.planning_steps);
    return delta;
  }

  /// `n` planning updates from the model (see the class comment). Throws LogicError when the
  /// model is empty and n > 0.
  void plan(int n) {
    for (int k = 0; k < n; ++k) {
      const auto [s, a] = model_.sample_pair(rng_);
      const ModelOutcome& o = model_.sample_outcome(s, a, rng_);
      double r = o.reward;
      if (dyna_.kappa > 0.0) {
        r += dyna_.kappa * std::sqrt(static_cast<double>(steps_ - model_.last_taken(s, a)));
      }
      (void)learn(static_cast<Scalar>(r), s, a, o.next_state, o.terminated);
      ++planning_updates_;
    }
  }

  /// Writes the TD settings, the planning settings, the table, the step and planning
  /// counters, the generator and the model (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    out.value(static_cast<std::int32_t>(dyna_.planning_steps));
    out.value(static_cast<std::uint8_t>(dyna_.model));
    out.value(dyna_.kappa);
    this->save_table(out, this->q_);
    out.value(static_cast<std::int64_t>(steps_));
    out.value(static_cast<std::int64_t>(planning_updates_));
    for (const std::uint64_t word : rng_.state()) out.value(word);
    model_.save(out);
  }

  /// Replaces all of it with saved values (Saveable). The model must match the settings
  /// (its kind, guesses exactly when kappa > 0) and the clock (no pair taken after it);
  /// throws FormatError naming the field, changing nothing, otherwise.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    DynaOptions dyna;
    dyna.planning_steps = in.value<std::int32_t>();
    dyna.model = detail::read_model_kind(in);
    dyna.kappa = in.value<double>();
    detail::validate_loaded(in, dyna, "DynaQAgent");
    QTable<Scalar> q = this->load_table(in, "Q table");
    const auto steps = in.value<std::int64_t>();
    const auto planned = in.value<std::int64_t>();
    Rng::state_type words{};
    for (auto& word : words) word = in.value<std::uint64_t>();
    TabularModel model = model_.loaded(in);
    if (steps < 0 || planned < 0) in.fail(FormatProblem::value, "step counters must be >= 0");
    if (words == Rng::state_type{})
      in.fail(FormatProblem::value, "planning generator state is all zero");
    if (model.model_kind() != dyna.model || model.untried_actions() != (dyna.kappa > 0.0))
      in.fail(FormatProblem::value,
              "the model's kind or guesses differ from the planning settings");
    if (model.last_step() > steps) {
      in.fail(FormatProblem::value, detail::concat("a pair was taken at step ", model.last_step(),
                                                   ", after the clock ", steps));
    }
    this->set_options(options);
    dyna_ = dyna;
    this->q_ = std::move(q);
    steps_ = steps;
    planning_updates_ = planned;
    rng_.set_state(words);
    model_ = std::move(model);
  }

 private:
  static const DynaOptions& checked(const DynaOptions& d) {
    d.validate("DynaQAgent");
    return d;
  }
  Scalar learn(Scalar reward, int s, int a, int next, bool terminated) {
    return detail::TDEngine<Scalar>::update_one(
        "DynaQAgent", this->q_, s, a, reward, next, terminated, static_cast<Scalar>(this->gamma_),
        static_cast<Scalar>(this->alpha_), Scalar(1),
        typename QLearningAgent<Scalar>::NextValue{this->q_.cols()});
  }

  DynaOptions dyna_;
  TabularModel model_;
  Rng rng_;
  std::int64_t steps_ = 0;
  std::int64_t planning_updates_ = 0;
};

}  // namespace tabrl
