#pragma once
/// \file agents/prioritized_sweeping.hpp
/// Prioritized sweeping: planning updates ordered by how much they would change, working
/// backwards from the pairs whose values just changed.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../fwd.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "tabular_model.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// A max-priority queue of (state, action) cells (cell = state * actions + action), each at
/// most once. Pushing a queued cell keeps the higher of its two priorities. Equal priorities
/// leave in the order their cells entered the queue, so the order of updates is a function
/// of the pushes alone (not of the heap's layout), and a saved queue restores it.
class PriorityQueue {
 public:
  /// One queued cell.
  struct Entry {
    std::int64_t cell;    ///< state * actions + action
    double priority;      ///< how much its update would change Q
    std::uint64_t stamp;  ///< when the cell entered the queue (orders equal priorities)
  };

  /// An empty queue over `cells` cells (>= 1, < 2^31).
  explicit PriorityQueue(std::int64_t cells) {
    if (cells < 1 || cells > std::numeric_limits<std::int32_t>::max())
      detail::throw_invalid("PriorityQueue", "cells must be in [1, 2^31)", cells);
    position_.assign(static_cast<std::size_t>(cells), -1);
  }

  /// Number of queued cells.
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  /// True when nothing is queued.
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  /// True when `cell` is queued.
  [[nodiscard]] bool contains(std::int64_t cell) const noexcept {
    return cell >= 0 && static_cast<std::size_t>(cell) < position_.size() &&
           position_[static_cast<std::size_t>(cell)] >= 0;
  }
  /// The priority of a queued cell (0 when it is not queued).
  [[nodiscard]] double priority(std::int64_t cell) const noexcept {
    return contains(cell)
               ? heap_[static_cast<std::size_t>(position_[static_cast<std::size_t>(cell)])].priority
               : 0.0;
  }
  /// The entry that pop() returns next. Throws LogicError when empty.
  [[nodiscard]] const Entry& top() const {
    if (heap_.empty()) throw LogicError("tabrl::PriorityQueue::top: the queue is empty");
    return heap_.front();
  }
  /// The queued entries in the order pop() would return them (for inspection).
  [[nodiscard]] std::vector<Entry> sorted() const {
    PriorityQueue copy = *this;
    std::vector<Entry> out;
    out.reserve(heap_.size());
    while (!copy.empty()) out.push_back(copy.pop());
    return out;
  }

  /// Queues `cell` with `priority` (finite), or raises a queued cell's priority to it.
  void push(std::int64_t cell, double priority) {
    if (!contains(cell) && (cell < 0 || static_cast<std::size_t>(cell) >= position_.size()))
      detail::throw_invalid("PriorityQueue::push",
                            detail::concat("cell must be in [0, ", position_.size(), ")"), cell);
    if (!std::isfinite(priority))
      detail::throw_invalid("PriorityQueue::push", "priority must be finite", priority);
    std::int32_t& p = position_[static_cast<std::size_t>(cell)];
    if (p >= 0) {
      Entry& e = heap_[static_cast<std::size_t>(p)];
      if (priority > e.priority) {
        e.priority = priority;
        up(static_cast<std::size_t>(p));
      }
      return;
    }
    p = static_cast<std::int32_t>(heap_.size());
    heap_.push_back({cell, priority, next_stamp_++});
    up(heap_.size() - 1);
  }

  /// Removes and returns the entry of highest priority (the earliest among equals). Throws
  /// LogicError when empty.
  Entry pop() {
    if (heap_.empty()) throw LogicError("tabrl::PriorityQueue::pop: the queue is empty");
    const Entry out = heap_.front();
    position_[static_cast<std::size_t>(out.cell)] = -1;
    if (heap_.size() > 1) {
      heap_.front() = heap_.back();
      position_[static_cast<std::size_t>(heap_.front().cell)] = 0;
      heap_.pop_back();
      down(0);
    } else {
      heap_.pop_back();
    }
    return out;
  }

  /// Drops every entry (the stamp counter keeps counting).
  void clear() noexcept {
    for (const Entry& e : heap_) position_[static_cast<std::size_t>(e.cell)] = -1;
    heap_.clear();
  }

  /// Writes the stamp counter, then the entries in pop order (cell, priority, stamp).
  void save(BinaryWriter& out) const {
    out.value(next_stamp_);
    const std::vector<Entry> entries = sorted();
    out.value(static_cast<std::uint64_t>(entries.size()));
    for (const Entry& e : entries) {
      out.value(e.cell);
      out.value(e.priority);
      out.value(e.stamp);
    }
  }
  /// Reads what save() wrote into a queue of this one's size: cells in range and once each,
  /// priorities finite and > min_priority, stamps distinct and below the counter. Throws
  /// FormatError naming the field.
  [[nodiscard]] PriorityQueue loaded(BinaryReader& in, double min_priority) const {
    PriorityQueue q(static_cast<std::int64_t>(position_.size()));
    q.next_stamp_ = in.value<std::uint64_t>();
    const auto n = in.value<std::uint64_t>();
    if (n > position_.size() || n > in.remaining() / 24)
      in.fail(FormatProblem::truncated, detail::concat("queue announces ", n, " entries"));
    std::vector<std::uint64_t> stamps;
    for (std::uint64_t k = 0; k < n; ++k) {
      Entry e{};
      e.cell = in.value<std::int64_t>();
      e.priority = in.value<double>();
      e.stamp = in.value<std::uint64_t>();
      if (e.cell < 0 || static_cast<std::size_t>(e.cell) >= position_.size() || q.contains(e.cell))
        in.fail(FormatProblem::value,
                detail::concat("queued cell must be in [0, ", position_.size(),
                               ") and queued once, got ", e.cell));
      if (!std::isfinite(e.priority) || !(e.priority > min_priority))
        in.fail(FormatProblem::value, detail::concat("queued priority must be finite and > ",
                                                     min_priority, ", got ", e.priority));
      if (e.stamp >= q.next_stamp_)
        in.fail(FormatProblem::value, detail::concat("queue stamp ", e.stamp,
                                                     " is not below the counter ", q.next_stamp_));
      stamps.push_back(e.stamp);
      q.position_[static_cast<std::size_t>(e.cell)] = static_cast<std::int32_t>(q.heap_.size());
      q.heap_.push_back(e);
      q.up(q.heap_.size() - 1);
    }
    std::sort(stamps.begin(), stamps.end());
    if (std::adjacent_find(stamps.begin(), stamps.end()) != stamps.end())
      in.fail(FormatProblem::value, "queue stamps must be distinct");
    return q;
  }

  /// Same entries in the same order, same counter.
  friend bool operator==(const PriorityQueue& a, const PriorityQueue& b) {
    if (a.next_stamp_ != b.next_stamp_ || a.position_.size() != b.position_.size()) return false;
    const auto x = a.sorted(), y = b.sorted();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].cell != y[i].cell || x[i].priority != y[i].priority || x[i].stamp != y[i].stamp)
        return false;
    }
    return true;
  }

 private:
  [[nodiscard]] static bool before(const Entry& a, const Entry& b) noexcept {
    return a.priority > b.priority || (a.priority == b.priority && a.stamp < b.stamp);
  }
  void place(std::size_t i) noexcept {
    position_[static_cast<std::size_t>(heap_[i].cell)] = static_cast<std::int32_t>(i);
  }
  void up(std::size_t i) noexcept {
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(heap_[i], heap_[parent])) break;
      std::swap(heap_[i], heap_[parent]);
      place(i);
      place(parent);
      i = parent;
    }
  }
  void down(std::size_t i) noexcept {
    for (;;) {
      const std::size_t l = 2 * i + 1, r = l + 1;
      std::size_t best = i;
      if (l < heap_.size() && before(heap_[l], heap_[best])) best = l;
      if (r < heap_.size() && before(heap_[r], heap_[best])) best = r;
      if (best == i) return;
      std::swap(heap_[i], heap_[best]);
      place(i);
      place(best);
      i = best;
    }
  }

  std::vector<Entry> heap_;
  std::vector<std::int32_t> position_;  // cell -> index in heap_, -1 when not queued
  std::uint64_t next_stamp_ = 0;
};

/// The settings of PrioritizedSweepingAgent. Use designated initializers:
/// `PrioritizedSweepingAgent<> agent(54, 4, {.gamma = 0.95, .alpha = 1.0}, {.planning_steps = 5,
/// .theta = 1e-4});`
struct SweepingOptions {
  int planning_steps = 5;  ///< queue updates per real step, in [1, max_planning_steps]
  double theta = 1e-4;     ///< a pair is queued when its priority exceeds theta (finite, >= 0)
  ModelKind model = ModelKind::deterministic;  ///< deterministic (the book's) or a sample model

  /// The most queue updates per step accepted.
  static constexpr int max_planning_steps = 100000;

  /// Throws InvalidArgument naming the first setting out of its range ("tabrl::<who>: ...").
  void validate(const char* who = "SweepingOptions") const {
    if (planning_steps < 1 || planning_steps > max_planning_steps) {
      detail::throw_invalid(
          who,
          detail::concat("planning_steps must be in [1, ", max_planning_steps,
                         "] (prioritized sweeping learns only through its queue)"),
          planning_steps);
    }
    if (!(theta >= 0.0 && theta <= 1e300))
      detail::throw_invalid(who, "theta must be finite and >= 0", theta);
    if (static_cast<std::uint8_t>(model) > static_cast<std::uint8_t>(ModelKind::sample)) {
      detail::throw_invalid(who, "model must be deterministic or sample", static_cast<int>(model));
    }
  }

  /// Field-by-field equality.
  friend bool operator==(const SweepingOptions&, const SweepingOptions&) = default;
};

/// Prioritized sweeping (Moore & Atkeson 1993; Peng & Williams 1993; Sutton & Barto 8.4) for
/// a deterministic world, with expected updates when the model is a sample model. For each
/// real transition (s, a, r, s'):
///   1. the model records it;
///   2. P = |target(s, a) - Q(s, a)|, target(s, a) = sum_o p_o (r_o + gamma * max_b Q(s'_o, b))
///      over the model's outcomes (one outcome in a deterministic model: r + gamma max Q(s'));
///      if P > theta, (s, a) enters the queue with priority P (a queued pair keeps the larger);
///   3. planning_steps times, while the queue is not empty: pop the first pair,
///      Q(s, a) += alpha * (target(s, a) - Q(s, a)), and queue every predecessor (s~, a~) of s
///      whose priority |target(s~, a~) - Q(s~, a~)| exceeds theta (predecessors in increasing
///      cell order; equal priorities leave in the order they were queued).
/// As in the book the real transition changes Q only through the queue (usually first), so
/// planning_steps must be >= 1. Nothing is random: no generator. Learns online
/// (update(transition)).
template <class Scalar>
class PrioritizedSweepingAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// A table of zeros, an empty model and queue; throws on sizes < 1 or settings out of range.
  PrioritizedSweepingAgent(int num_states, int num_actions, const TDOptions& options = {},
                           const SweepingOptions& sweeping = {})
      : Base(num_states, num_actions, options, "PrioritizedSweepingAgent"),
        sweeping_(checked(sweeping)),
        model_(num_states, num_actions, sweeping.model),
        queue_(static_cast<std::int64_t>(num_states) * num_actions) {}

  /// "PrioritizedSweepingAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "PrioritizedSweepingAgent"; }

  /// The settings.
  [[nodiscard]] const SweepingOptions& sweeping_options() const noexcept { return sweeping_; }
  /// The learned model.
  [[nodiscard]] const TabularModel& model() const noexcept { return model_; }
  /// The priority queue.
  [[nodiscard]] const PriorityQueue& queue() const noexcept { return queue_; }
  /// Real steps learned from.
  [[nodiscard]] std::int64_t steps() const noexcept { return steps_; }
  /// Queue updates made so far.
  [[nodiscard]] std::int64_t planning_updates() const noexcept { return planning_updates_; }

  /// The model's expected target of a known pair: sum_o p_o (r_o + gamma max_b Q(s'_o, b)).
  [[nodiscard]] Scalar target(int state, int action) const {
    const auto outcomes = model_.outcomes(state, action);
    if (outcomes.empty()) {
      detail::throw_invalid("PrioritizedSweepingAgent::target", "the pair must be in the model",
                            detail::concat("(", state, ", ", action, ")"));
    }
    return expected_target(state, action);
  }

  /// One real step (see the class comment). Returns the pair's priority (the magnitude of
  /// its TD error against the model). Throws on bad indices or a non-finite reward, changing
  /// nothing, and on a priority that overflowed.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    ++steps_;
    model_.observe(t.state, t.action, static_cast<double>(t.reward), t.next_state, t.terminated,
                   steps_);
    const Scalar priority =
        std::abs(expected_target(t.state, t.action) - this->q_(t.state, t.action));
    consider(t.state, t.action, priority);
    sweep(sweeping_.planning_steps);
    return priority;
  }

  /// Up to `n` queue updates (stops early when the queue empties).
  void sweep(int n) {
    const Eigen::Index width = this->q_.cols();
    for (int k = 0; k < n && !queue_.empty(); ++k) {
      const PriorityQueue::Entry e = queue_.pop();
      const auto s = static_cast<int>(e.cell / width);
      const auto a = static_cast<int>(e.cell % width);
      Scalar& q = this->q_(s, a);
      q += static_cast<Scalar>(this->alpha_) * (expected_target(s, a) - q);
      ++planning_updates_;
      for (const std::int64_t p : model_.predecessors(s)) {
        const auto ps = static_cast<int>(p / width);
        const auto pa = static_cast<int>(p % width);
        consider(ps, pa, std::abs(expected_target(ps, pa) - this->q_(ps, pa)));
      }
    }
  }

  /// Writes the TD settings, the sweeping settings, the table, the counters, the model and
  /// the queue (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    out.value(static_cast<std::int32_t>(sweeping_.planning_steps));
    out.value(sweeping_.theta);
    out.value(static_cast<std::uint8_t>(sweeping_.model));
    this->save_table(out, this->q_);
    out.value(static_cast<std::int64_t>(steps_));
    out.value(static_cast<std::int64_t>(planning_updates_));
    model_.save(out);
    queue_.save(out);
  }

  /// Replaces all of it with saved values (Saveable): the model must be of the settings'
  /// kind, taken no later than the clock, and every queued pair in it with a priority above
  /// theta. Throws FormatError naming the field, changing nothing, otherwise.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    SweepingOptions sweeping;
    sweeping.planning_steps = in.value<std::int32_t>();
    sweeping.theta = in.value<double>();
    sweeping.model = detail::read_model_kind(in);
    detail::validate_loaded(in, sweeping, "PrioritizedSweepingAgent");
    QTable<Scalar> q = this->load_table(in, "Q table");
    const auto steps = in.value<std::int64_t>();
    const auto planned = in.value<std::int64_t>();
    TabularModel model = model_.loaded(in);
    PriorityQueue queue = queue_.loaded(in, sweeping.theta);
    if (steps < 0 || planned < 0) in.fail(FormatProblem::value, "step counters must be >= 0");
    if (model.model_kind() != sweeping.model || model.untried_actions())
      in.fail(FormatProblem::value, "the model's kind differs from the settings");
    const Eigen::Index width = this->q_.cols();
    for (const auto& e : queue.sorted()) {
      if (model.outcomes(static_cast<int>(e.cell / width), static_cast<int>(e.cell % width))
              .empty())
        in.fail(FormatProblem::value,
                detail::concat("queued cell ", e.cell, " is not in the model"));
    }
    if (model.last_step() > steps) {
      in.fail(FormatProblem::value, detail::concat("a pair was taken at step ", model.last_step(),
                                                   ", after the clock ", steps));
    }
    this->set_options(options);
    sweeping_ = sweeping;
    this->q_ = std::move(q);
    steps_ = steps;
    planning_updates_ = planned;
    model_ = std::move(model);
    queue_ = std::move(queue);
  }

 private:
  static const SweepingOptions& checked(const SweepingOptions& s) {
    s.validate("PrioritizedSweepingAgent");
    return s;
  }
  // The expected target of a pair the model knows. One outcome: r + gamma * max, exactly.
  [[nodiscard]] Scalar expected_target(int state, int action) const {
    const auto outcomes = model_.outcomes(state, action);
    const auto gamma = static_cast<Scalar>(this->gamma_);
    const auto value = [&](const ModelOutcome& o) {
      Scalar v = static_cast<Scalar>(o.reward);
      if (!o.terminated) v += gamma * this->q_.row(o.next_state).maxCoeff();
      return v;
    };
    if (outcomes.size() == 1) return value(outcomes.front());
    Scalar sum = 0;
    std::uint64_t total = 0;
    for (const ModelOutcome& o : outcomes) {
      sum += static_cast<Scalar>(o.count) * value(o);
      total += o.count;
    }
    return sum / static_cast<Scalar>(total);
  }
  void consider(int state, int action, Scalar priority) {
    if (!std::isfinite(priority)) {
      detail::throw_invalid("PrioritizedSweepingAgent::update",
                            detail::concat("the priority of state ", state, ", action ", action,
                                           " is not finite: the rewards or the table overflowed"),
                            priority);
    }
    if (static_cast<double>(priority) > sweeping_.theta) {
      queue_.push(static_cast<std::int64_t>(state) * this->q_.cols() + action,
                  static_cast<double>(priority));
    }
  }

  SweepingOptions sweeping_;
  TabularModel model_;
  PriorityQueue queue_;
  std::int64_t steps_ = 0;
  std::int64_t planning_updates_ = 0;
};

}  // namespace tabrl
