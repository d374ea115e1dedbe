#pragma once
/// \file agents/detail/trace_agent.hpp
/// What every eligibility-trace agent shares: the Q table and TD settings (TDAgent), the
/// trace settings, the sparse traces, where the current episode stands, and saving all that.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "../../detail/compiler.hpp"
#include "../../error.hpp"
#include "../../serialization.hpp"
#include "../../types.hpp"
#include "../eligibility_traces.hpp"
#include "../td_agent.hpp"

namespace tabrl::detail {

/// Base of the trace agents. An episode's state is the traces, the state the last transition
/// led to (a transition that starts elsewhere begins a new episode) and one carried value
/// (true online SARSA's Q_old; 0 for the others).
template <class Scalar>
class TraceAgentBase : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// The trace settings.
  [[nodiscard]] const TraceOptions& trace_options() const noexcept { return trace_options_; }
  /// The trace decay lambda.
  [[nodiscard]] double lambda() const noexcept { return trace_options_.lambda; }
  /// The active traces.
  [[nodiscard]] const EligibilityTraces<Scalar>& traces() const noexcept { return traces_; }

  /// Ends the episode: clears the traces (EpisodicAgent). The training loops' seam for
  /// truncated episodes; terminated transitions clear them without it.
  void end_episode() noexcept { reset_episode(); }

  /// Writes the TD settings, the trace settings, the Q table and the episode's state
  /// (traces, last next state, carried value) (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    save_trace_settings(out);
    save_state(out);
  }

  /// Replaces all of it with saved values (Saveable); throws FormatError naming the field,
  /// changing nothing, when a value is out of its domain or the table's shape differs.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    const TraceOptions traces = load_trace_settings(in);
    State state = load_state(in, traces);
    commit(options, traces, std::move(state));
  }

 protected:
  /// Everything an episode carries, as loaded (committed after every check passed).
  struct State {
    QTable<Scalar> q;                  ///< the table
    EligibilityTraces<Scalar> traces;  ///< the traces
    int previous_next = -1;            ///< where the last transition led (-1: a new episode)
    Scalar carry = 0;                  ///< true online SARSA's Q_old
  };

  /// `allow_dutch`: whether TraceKind::dutch is a valid kind for this agent.
  TraceAgentBase(int num_states, int num_actions, const TDOptions& options,
                 const TraceOptions& traces, const char* name, bool allow_dutch)
      : Base(num_states, num_actions, options, name),
        trace_options_(checked(traces, name, allow_dutch)),
        traces_(num_states, num_actions, traces.threshold),
        allow_dutch_(allow_dutch) {}

  /// The checks of an on-policy update: indices in range (next_action only when the
  /// transition did not terminate) and a finite reward.
  template <class R>
  void check_on_policy(const BasicTransition<R>& t, int next_action) const {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    if (!t.terminated) this->check_action("update", next_action);
    this->check_reward("update", static_cast<double>(t.reward));
  }

  /// A transition that does not start where the last one ended starts a new episode.
  void begin_step(int state) noexcept {
    if (previous_next_ >= 0 && state != previous_next_) reset_episode();
  }
  /// After the update: a terminated transition ends the episode.
  void end_step(int next_state, bool terminated) noexcept {
    if (terminated) {
      reset_episode();
    } else {
      previous_next_ = next_state;
    }
  }
  /// Clears the episode's state.
  void reset_episode() noexcept {
    traces_.clear();
    previous_next_ = -1;
    carry_ = Scalar(0);
  }

  /// Throws, before anything changes, when a TD error is not finite: rewards near the scalar
  /// type's limit, or a table that diverged (accumulating traces with a large step size).
  void check_delta(Scalar delta, int state, int action, double reward) const {
    if (!std::isfinite(delta)) [[unlikely]] {
      bad_delta(state, action, reward);
    }
  }

  /// lambda, kind, threshold (f64, u8, f64).
  void save_trace_settings(BinaryWriter& out) const {
    out.value(trace_options_.lambda);
    out.value(static_cast<std::uint8_t>(trace_options_.kind));
    out.value(trace_options_.threshold);
  }
  /// Reads what save_trace_settings wrote, checking each value's domain.
  [[nodiscard]] TraceOptions load_trace_settings(BinaryReader& in) const {
    TraceOptions t;
    t.lambda = in.value<double>();
    const auto kind = in.value<std::uint8_t>();
    t.threshold = in.value<double>();
    if (!(t.lambda >= 0.0 && t.lambda <= 1.0))
      in.fail(FormatProblem::value, concat("lambda must be in [0, 1], got ", t.lambda));
    const auto last =
        static_cast<std::uint8_t>(allow_dutch_ ? TraceKind::dutch : TraceKind::replacing);
    if (kind > last) {
      in.fail(FormatProblem::value, concat("trace kind must be at most ", static_cast<int>(last),
                                           ", got ", static_cast<int>(kind)));
    }
    t.kind = static_cast<TraceKind>(kind);
    if (!(t.threshold >= 0.0 && t.threshold < 1.0))
      in.fail(FormatProblem::value, concat("trace threshold must be in [0, 1), got ", t.threshold));
    return t;
  }
  /// The table, the traces, the last next state (i32) and the carried value.
  void save_state(BinaryWriter& out) const {
    this->save_table(out, this->q_);
    traces_.save(out);
    out.value(static_cast<std::int32_t>(previous_next_));
    out.value(carry_);
  }
  /// Reads what save_state wrote: traces and a carried value only inside an episode (a last
  /// next state in range), everything finite.
  [[nodiscard]] State load_state(BinaryReader& in, const TraceOptions& t) const {
    QTable<Scalar> q = this->load_table(in, "Q table");
    EligibilityTraces<Scalar> traces = traces_.loaded(in, t.threshold);
    const auto previous = in.value<std::int32_t>();
    const auto carry = in.value<Scalar>();
    if (previous < -1 || previous >= this->num_states()) {
      in.fail(FormatProblem::value,
              concat("last next state must be in [-1, ", this->num_states(), "), got ", previous));
    }
    if (!std::isfinite(static_cast<double>(carry)))
      in.fail(FormatProblem::value, concat("carried value must be finite, got ", carry));
    if (previous < 0 && (!traces.empty() || carry != Scalar(0))) {
      in.fail(FormatProblem::value, "traces and a carried value need an episode in progress");
    }
    return {std::move(q), std::move(traces), previous, carry};
  }
  /// Installs loaded settings and state (nothing here can fail after the checks).
  void commit(const TDOptions& options, const TraceOptions& traces, State state) {
    this->set_options(options);
    trace_options_ = traces;
    this->q_ = std::move(state.q);
    traces_ = std::move(state.traces);
    previous_next_ = state.previous_next;
    carry_ = state.carry;
  }

  TraceOptions trace_options_;        ///< see trace_options()
  EligibilityTraces<Scalar> traces_;  ///< see traces()
  int previous_next_ = -1;            ///< where the last transition led; -1: a new episode
  Scalar carry_ = 0;                  ///< true online SARSA's Q_old; 0 for the others

 private:
  static const TraceOptions& checked(const TraceOptions& t, const char* name, bool allow_dutch) {
    t.validate(name);
    if (!allow_dutch && t.kind == TraceKind::dutch) {
      throw_invalid(name, "trace kind must be accumulating or replacing", "dutch");
    }
    return t;
  }
  [[noreturn]] TABRL_DETAIL_COLD void bad_delta(int state, int action, double reward) const {
    throw_invalid(
        std::string(this->name()) + "::update",
        concat("the TD error of state ", state, ", action ", action, " is not finite (reward ",
               reward, ", Q(s, a) ", static_cast<double>(this->q_(state, action)),
               "): the rewards or the table overflowed (a step size too large for "
               "the traces makes the table diverge)"),
        "a non-finite TD error");
  }

  bool allow_dutch_;
};

}  // namespace tabrl::detail
