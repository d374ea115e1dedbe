#pragma once
/// \file agents/eligibility_traces.hpp
/// Sparse eligibility traces over (state, action) cells, their settings, and the episode-end
/// seam the trace agents need.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../fwd.hpp"
#include "../serialization.hpp"
#include "../training/observers.hpp"
#include "detail/table_cells.hpp"

namespace tabrl {

/// How a trace agent marks the pair it has just visited (Sutton & Barto 12.5 and 12.7):
/// accumulating adds 1 to its trace, replacing sets it to 1, dutch sets it to
/// (1 - alpha) * trace + 1 (the trace true online TD derives; for SARSA(lambda) only).
enum class TraceKind : std::uint8_t {
  accumulating,  ///< z(s,a) += 1
  replacing,     ///< z(s,a) = 1
  dutch,         ///< z(s,a) = (1 - alpha) z(s,a) + 1
};

/// The name of a TraceKind as settings spell it ("accumulating", "replacing", "dutch").
[[nodiscard]] constexpr const char* to_string(TraceKind kind) noexcept {
  switch (kind) {
    case TraceKind::accumulating:
      return "accumulating";
    case TraceKind::replacing:
      return "replacing";
    case TraceKind::dutch:
      return "dutch";
  }
  return "unknown";
}

/// Settings shared by the eligibility-trace agents. Use designated initializers:
/// `SarsaLambdaAgent<> agent(48, 4, {.alpha = 0.5}, {.lambda = 0.9, .kind =
/// TraceKind::replacing});`
struct TraceOptions {
  double lambda = 0.9;                       ///< trace decay, in [0, 1]
  TraceKind kind = TraceKind::accumulating;  ///< how the visited pair is marked
  double threshold = default_threshold;      ///< traces below it are dropped, in [0, 1)
  /// Traces whose magnitude falls below 1e-4 are dropped (docs/planning_and_traces.md: what
  /// a dropped trace could still have changed, and how many traces stay active).
  static constexpr double default_threshold = 1e-4;

  /// Throws InvalidArgument naming the first setting out of its range ("tabrl::<who>: ...").
  void validate(const char* who = "TraceOptions") const {
    if (!(lambda >= 0.0 && lambda <= 1.0))
      detail::throw_invalid(who, "lambda must be in [0, 1]", lambda);
    if (static_cast<std::uint8_t>(kind) > static_cast<std::uint8_t>(TraceKind::dutch)) {
      detail::throw_invalid(who, "trace kind must be accumulating, replacing or dutch",
                            static_cast<int>(kind));
    }
    if (!(threshold >= 0.0 && threshold < 1.0)) {
      detail::throw_invalid(who, "trace threshold must be in [0, 1)", threshold);
    }
  }

  /// Field-by-field equality.
  friend bool operator==(const TraceOptions&, const TraceOptions&) = default;
};

/// Eligibility traces kept sparse: a list of the active cells (cell = state * actions +
/// action) with their traces, and a dense index from cell to list position, so a step costs
/// O(active traces) and never O(states x actions). scale() drops every trace whose magnitude
/// falls below the threshold (scale(0) clears them all). The list's order is deterministic
/// (insertion order, a dropped entry replaced by the last one), so saved traces restore the
/// same run bit for bit.
template <class Scalar>
class EligibilityTraces {
  static_assert(std::is_floating_point_v<Scalar>, "Scalar must be a floating-point type");

 public:
  /// One active trace.
  struct Entry {
    Eigen::Index cell;  ///< state * actions + action
    Scalar trace;       ///< its eligibility
  };

  /// No active trace over a num_states x num_actions table; throws on sizes < 1, a table
  /// larger than 2^31 - 1 cells, or a threshold outside [0, 1).
  EligibilityTraces(int num_states, int num_actions,
                    double threshold = TraceOptions::default_threshold)
      : actions_(num_actions), threshold_(static_cast<Scalar>(threshold)) {
    const std::size_t cells = detail::checked_cells("EligibilityTraces", num_states, num_actions);
    if (!(threshold >= 0.0 && threshold < 1.0)) {
      detail::throw_invalid("EligibilityTraces", "threshold must be in [0, 1)", threshold);
    }
    position_.assign(cells, -1);
  }

  /// Number of active traces.
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  /// True when no trace is active.
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  /// The active traces, in list order.
  [[nodiscard]] std::span<const Entry> entries() const noexcept { return entries_; }
  /// The drop threshold.
  [[nodiscard]] Scalar threshold() const noexcept { return threshold_; }
  /// Columns of the table the cells index.
  [[nodiscard]] int num_actions() const noexcept { return actions_; }
  /// Rows of that table.
  [[nodiscard]] int num_states() const noexcept {
    return static_cast<int>(position_.size() / static_cast<std::size_t>(actions_));
  }

  /// The trace of (state, action): 0 when it is not active. Throws on indices out of range.
  [[nodiscard]] Scalar trace(int state, int action) const {
    if (state < 0 || state >= num_states()) {
      detail::throw_invalid("EligibilityTraces::trace",
                            detail::concat("state must be in [0, ", num_states(), ")"), state);
    }
    if (action < 0 || action >= actions_) {
      detail::throw_invalid("EligibilityTraces::trace",
                            detail::concat("action must be in [0, ", actions_, ")"), action);
    }
    const std::int32_t p =
        position_[static_cast<std::size_t>(state) * static_cast<std::size_t>(actions_) +
                  static_cast<std::size_t>(action)];
    return p < 0 ? Scalar(0) : entries_[static_cast<std::size_t>(p)].trace;
  }

  /// The trace of `cell`, made active with trace 0 if it was not (the caller checked the cell).
  [[nodiscard]] Scalar& at(Eigen::Index cell) {
    std::int32_t& p = position_[static_cast<std::size_t>(cell)];
    if (p < 0) {
      p = static_cast<std::int32_t>(entries_.size());
      entries_.push_back({cell, Scalar(0)});
    }
    return entries_[static_cast<std::size_t>(p)].trace;
  }

  /// Marks `cell` as `kind` says (dutch uses `alpha`).
  void mark(Eigen::Index cell, TraceKind kind, Scalar alpha) {
    Scalar& z = at(cell);
    switch (kind) {
      case TraceKind::accumulating:
        z += Scalar(1);
        break;
      case TraceKind::replacing:
        z = Scalar(1);
        break;
      case TraceKind::dutch:
        z = (Scalar(1) - alpha) * z + Scalar(1);
        break;
    }
  }

  /// Multiplies every trace by `factor` and drops those whose magnitude is then below the
  /// threshold (with threshold 0: those that are exactly 0). factor 0 clears every trace.
  void scale(Scalar factor) {
    if (factor == Scalar(0)) {
      clear();
      return;
    }
    std::size_t i = 0;
    while (i < entries_.size()) {
      Entry& e = entries_[i];
      e.trace *= factor;
      if (std::abs(e.trace) < threshold_ || e.trace == Scalar(0)) {
        drop(i);  // the last entry moves here: look at position i again
      } else {
        ++i;
      }
    }
  }

  /// Drops every trace (at an episode's end).
  void clear() noexcept {
    for (const Entry& e : entries_) position_[static_cast<std::size_t>(e.cell)] = -1;
    entries_.clear();
  }

  /// Writes the active traces: u64 count, then (u64 cell, trace) pairs in list order. The
  /// table shape and threshold belong to the owner's settings.
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint64_t>(entries_.size()));
    for (const Entry& e : entries_) {
      out.value(static_cast<std::uint64_t>(e.cell));
      out.value(e.trace);
    }
  }

  /// Reads what save() wrote into a copy of these traces (for the owner's strong guarantee):
  /// cells must index the table and appear once, traces must be finite and non-zero.
  [[nodiscard]] EligibilityTraces loaded(BinaryReader& in, double threshold) const {
    EligibilityTraces out(num_states(), actions_, threshold);
    const auto count = in.value<std::uint64_t>();
    if (count > position_.size() ||
        count > in.remaining() / (sizeof(std::uint64_t) + sizeof(Scalar))) {
      in.fail(FormatProblem::truncated, detail::concat("announces ", count, " traces"));
    }
    for (std::uint64_t k = 0; k < count; ++k) {
      const auto cell = in.value<std::uint64_t>();
      const auto z = in.value<Scalar>();
      if (cell >= position_.size()) {
        in.fail(FormatProblem::value,
                detail::concat("trace cell must be in [0, ", position_.size(), "), got ", cell));
      }
      if (!std::isfinite(static_cast<double>(z)) || z == Scalar(0)) {
        in.fail(FormatProblem::value,
                detail::concat("trace of cell ", cell, " must be finite and non-zero, got ", z));
      }
      if (out.position_[static_cast<std::size_t>(cell)] >= 0) {
        in.fail(FormatProblem::value, detail::concat("trace cell ", cell, " appears twice"));
      }
      out.at(static_cast<Eigen::Index>(cell)) = z;
    }
    return out;
  }

  /// Adds alpha_delta * trace to every active cell of `table` (row-major, same shape).
  template <class Table>
  void apply(Table& table, Scalar alpha_delta) const noexcept {
    Scalar* q = table.data();
    for (const Entry& e : entries_) q[e.cell] += alpha_delta * e.trace;
  }

  /// Same active cells with the same traces (the threshold is a setting, compared too).
  friend bool operator==(const EligibilityTraces& a, const EligibilityTraces& b) {
    if (a.threshold_ != b.threshold_ || a.actions_ != b.actions_ ||
        a.position_.size() != b.position_.size() || a.entries_.size() != b.entries_.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.entries_.size(); ++i) {
      if (a.entries_[i].cell != b.entries_[i].cell || a.entries_[i].trace != b.entries_[i].trace)
        return false;
    }
    return true;
  }

 private:
  void drop(std::size_t i) noexcept {
    position_[static_cast<std::size_t>(entries_[i].cell)] = -1;
    if (i + 1 != entries_.size()) {
      entries_[i] = entries_.back();
      position_[static_cast<std::size_t>(entries_[i].cell)] = static_cast<std::int32_t>(i);
    }
    entries_.pop_back();
  }

  int actions_;
  Scalar threshold_;
  std::vector<std::int32_t> position_;  // cell -> index in entries_, -1 when inactive
  std::vector<Entry> entries_;
};

// EpisodicAgent (an agent with end_episode()) is in concepts.hpp: the training loops call
// end_episode() after every episode, terminated or truncated. The trace agents also clear their
// traces on a terminated transition and on a transition that does not start where the last
// one ended, but only end_episode() tells them of a truncation that lands where the next
// episode starts.

/// An observer that calls agent.end_episode() after every episode, for a loop of one's own
/// that calls observers: tabrl's loops call end_episode() themselves, before the observers.
template <EpisodicAgent AgentT>
class EpisodeEnds {
 public:
  /// Keeps a reference: the agent must outlive the observer.
  explicit EpisodeEnds(AgentT& agent) noexcept : agent_(&agent) {}
  /// Tells the agent its episode ended.
  void on_episode_end(const EpisodeEvent& /*event*/) { agent_->end_episode(); }

 private:
  AgentT* agent_;
};

}  // namespace tabrl
