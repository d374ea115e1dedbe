#pragma once
/// \file agents/tabular_model.hpp
/// The learned model of Dyna and prioritized sweeping: what each tried (state, action) led
/// to, which pairs lead into each state, and the draws planning makes from it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "detail/table_cells.hpp"

namespace tabrl {

/// What a TabularModel remembers of a pair's outcomes.
enum class ModelKind : std::uint8_t {
  deterministic,  ///< the last outcome only (Sutton & Barto's Dyna-Q for deterministic worlds)
  sample,         ///< every distinct outcome with its count: a sample model of a stochastic world
};

/// The name of a ModelKind as settings spell it ("deterministic", "sample").
[[nodiscard]] constexpr const char* to_string(ModelKind kind) noexcept {
  return kind == ModelKind::sample ? "sample" : "deterministic";
}

namespace detail {
/// Reads a ModelKind byte; fails through `in` (FormatError) unless it names one.
[[nodiscard]] inline ModelKind read_model_kind(BinaryReader& in) {
  const auto kind = in.value<std::uint8_t>();
  if (kind > static_cast<std::uint8_t>(ModelKind::sample)) {
    in.fail(FormatProblem::value,
            concat("model kind must be 0 or 1, got ", static_cast<int>(kind)));
  }
  return static_cast<ModelKind>(kind);
}
/// Runs options.validate(who) on loaded settings, failing through `in` (FormatError) with its
/// message instead of throwing InvalidArgument.
template <class Options>
void validate_loaded(const BinaryReader& in, const Options& options, const char* who) {
  try {
    options.validate(who);
  } catch (const InvalidArgument& e) {
    in.fail(FormatProblem::value, e.what());
  }
}
}  // namespace detail

/// One remembered outcome of a (state, action) pair.
struct ModelOutcome {
  int next_state = 0;       ///< where the pair led
  double reward = 0.0;      ///< the reward it earned
  bool terminated = false;  ///< next_state was terminal
  std::uint64_t count = 0;  ///< times seen (1 in a deterministic model)

  /// Field-by-field equality.
  friend bool operator==(const ModelOutcome&, const ModelOutcome&) = default;
};

/// A learned tabular model. observe() records a real transition; in a deterministic model it
/// replaces what the pair led to, in a sample model it counts the outcome (outcomes are equal
/// when next state, reward and termination are). The model also lists the states in which an
/// action was taken (in the order first seen), the actions taken in each (in the order first
/// taken), the step at which each pair was last taken, and the predecessors of each state:
/// the pairs with a remembered outcome leading into it, in increasing cell order (cell =
/// state * actions + action).
///
/// With `untried_actions` (Dyna-Q+), the first action taken in a state enters every action
/// of that state into the model, each untried one as "back to the same state, reward 0",
/// last taken at step 0, as Sutton & Barto's Example 8.2 describes; the first real outcome
/// of a pair then replaces that guess.
class TabularModel {
 public:
  /// An empty model of a num_states x num_actions world; throws on sizes < 1 or more than
  /// 2^31 - 1 pairs.
  TabularModel(int num_states, int num_actions, ModelKind kind = ModelKind::deterministic,
               bool untried_actions = false)
      : states_(num_states), actions_(num_actions), kind_(kind), untried_(untried_actions) {
    const std::size_t n = detail::checked_cells("TabularModel", num_states, num_actions);
    if (static_cast<std::uint8_t>(kind) > static_cast<std::uint8_t>(ModelKind::sample)) {
      detail::throw_invalid("TabularModel", "kind must be deterministic or sample",
                            static_cast<int>(kind));
    }
    outcomes_.resize(n);
    tried_.assign(n, 0);
    last_taken_.assign(n, 0);
    action_list_.assign(n, 0);
    action_count_.assign(static_cast<std::size_t>(num_states), 0);
    predecessors_.resize(static_cast<std::size_t>(num_states));
  }

  /// Rows of the world.
  [[nodiscard]] int num_states() const noexcept { return states_; }
  /// Columns of the world.
  [[nodiscard]] int num_actions() const noexcept { return actions_; }
  /// What the model remembers per pair.
  [[nodiscard]] ModelKind model_kind() const noexcept { return kind_; }
  /// Whether untried actions of a visited state are in the model (Dyna-Q+).
  [[nodiscard]] bool untried_actions() const noexcept { return untried_; }

  /// Records that taking `action` in `state` at step `time` (>= 1) gave (reward, next_state,
  /// terminated). Throws on indices out of range, a time < 1 or a non-finite reward, changing
  /// nothing.
  void observe(int state, int action, double reward, int next_state, bool terminated,
               std::int64_t time) {
    check_pair("observe", state, action);
    check_state("observe", next_state);
    if (time < 1) detail::throw_invalid("TabularModel::observe", "time must be >= 1", time);
    if (!std::isfinite(reward))
      detail::throw_invalid("TabularModel::observe", "reward must be finite", reward);
    const std::size_t cell = index(state, action);
    if (action_count_[static_cast<std::size_t>(state)] == 0) {
      observed_states_.push_back(state);
      if (untried_) {
        for (int b = 0; b < actions_; ++b) {
          add_action(state, b);
          outcomes_[index(state, b)] = {{state, 0.0, false, 1}};
          link(state, index(state, b));
        }
      }
    }
    if (outcomes_[cell].empty()) add_action(state, action);
    const ModelOutcome seen{next_state, reward, terminated, 1};
    std::vector<ModelOutcome>& list = outcomes_[cell];
    if (kind_ == ModelKind::deterministic && tried_[cell] != 0 &&
        list.front().next_state == next_state) {
      list.front() = seen;  // the usual case: same successor, so the predecessor lists stand
      last_taken_[cell] = time;
      return;
    }
    if (kind_ == ModelKind::deterministic || tried_[cell] == 0) {
      for (const ModelOutcome& o : list) unlink(o.next_state, cell);
      list.assign(1, seen);
    } else {
      const auto same = std::find_if(list.begin(), list.end(), [&](const ModelOutcome& o) {
        return o.next_state == next_state && o.reward == reward && o.terminated == terminated;
      });
      if (same != list.end()) {
        ++same->count;
      } else {
        list.push_back(seen);
      }
    }
    link(next_state, cell);
    tried_[cell] = 1;
    last_taken_[cell] = time;
  }

  /// True when the model has an outcome for (state, action) (tried, or an untried guess).
  [[nodiscard]] bool known(int state, int action) const {
    check_pair("known", state, action);
    return !outcomes_[index(state, action)].empty();
  }
  /// True when (state, action) was really taken.
  [[nodiscard]] bool tried(int state, int action) const {
    check_pair("tried", state, action);
    return tried_[index(state, action)] != 0;
  }
  /// The remembered outcomes of (state, action), in the order first seen.
  [[nodiscard]] std::span<const ModelOutcome> outcomes(int state, int action) const {
    check_pair("outcomes", state, action);
    return outcomes_[index(state, action)];
  }
  /// The step at which (state, action) was last taken (0: never).
  [[nodiscard]] std::int64_t last_taken(int state, int action) const {
    check_pair("last_taken", state, action);
    return last_taken_[index(state, action)];
  }
  /// The latest step at which any pair was taken (0: none was).
  [[nodiscard]] std::int64_t last_step() const noexcept {
    std::int64_t latest = 0;
    for (const std::int64_t t : last_taken_) latest = t > latest ? t : latest;
    return latest;
  }
  /// The states in which an action was taken, in the order first seen.
  [[nodiscard]] std::span<const int> observed_states() const noexcept { return observed_states_; }
  /// The actions of `state` in the model, in the order they entered it.
  [[nodiscard]] std::span<const int> observed_actions(int state) const {
    check_state("observed_actions", state);
    return {action_list_.data() + index(state, 0),
            static_cast<std::size_t>(action_count_[static_cast<std::size_t>(state)])};
  }
  /// The cells (s * actions + a) with an outcome leading into `state`, increasing.
  [[nodiscard]] std::span<const std::int64_t> predecessors(int state) const {
    check_state("predecessors", state);
    return predecessors_[static_cast<std::size_t>(state)];
  }

  /// A pair to plan from: a state uniformly among observed_states(), then an action uniformly
  /// among its observed_actions() (Sutton & Barto's "random previously observed state, random
  /// action previously taken in it"). Draws from `rng` only where there is a choice. Throws
  /// LogicError on an empty model.
  template <BitGenerator64 G>
  [[nodiscard]] std::pair<int, int> sample_pair(G& rng) const {
    if (observed_states_.empty())
      throw LogicError("tabrl::TabularModel::sample_pair: the model is empty");
    const int s = observed_states_[pick(rng, observed_states_.size())];
    const auto count = static_cast<std::size_t>(action_count_[static_cast<std::size_t>(s)]);
    return {s, action_list_[index(s, 0) + pick(rng, count)]};
  }

  /// One outcome of a known pair, drawn with probability count / total (no draw when the pair
  /// has one outcome). The pair must be known.
  template <BitGenerator64 G>
  [[nodiscard]] const ModelOutcome& sample_outcome(int state, int action, G& rng) const {
    const std::vector<ModelOutcome>& list = outcomes_[index(state, action)];
    if (list.size() == 1) return list.front();
    std::uint64_t total = 0;
    for (const ModelOutcome& o : list) total += o.count;
    std::uint64_t k = detail::bounded(rng, total);
    for (const ModelOutcome& o : list) {
      if (k < o.count) return o;
      k -= o.count;
    }
    return list.back();
  }

  /// "TabularModel" (Saveable).
  [[nodiscard]] static std::string kind() { return "TabularModel"; }

  /// Writes the kind, the untried flag, then per pair that has outcomes: its cell, tried
  /// flag, last step and outcomes; then the observed states and each state's action order.
  /// The predecessor lists follow from the outcomes and are rebuilt on load.
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint8_t>(kind_));
    out.value(static_cast<std::uint8_t>(untried_ ? 1 : 0));
    std::uint64_t pairs = 0;
    for (const auto& list : outcomes_) pairs += list.empty() ? 0 : 1;
    out.value(pairs);
    for (std::size_t cell = 0; cell < outcomes_.size(); ++cell) {
      if (outcomes_[cell].empty()) continue;
      out.value(static_cast<std::uint64_t>(cell));
      out.value(tried_[cell]);
      out.value(static_cast<std::int64_t>(last_taken_[cell]));
      out.value(static_cast<std::uint64_t>(outcomes_[cell].size()));
      for (const ModelOutcome& o : outcomes_[cell]) {
        out.value(static_cast<std::int32_t>(o.next_state));
        out.value(o.reward);
        out.value(static_cast<std::uint8_t>(o.terminated ? 1 : 0));
        out.value(o.count);
      }
    }
    out.value(static_cast<std::uint64_t>(observed_states_.size()));
    for (const int s : observed_states_) {
      out.value(static_cast<std::int32_t>(s));
      for (const int a : observed_actions(s)) out.value(static_cast<std::int32_t>(a));
    }
  }

  /// Reads what save() wrote into a new model of this one's shape, checking every value
  /// (indices in range, finite rewards, counts >= 1 and 1 in a deterministic model, each
  /// state's actions exactly its pairs with outcomes, the guesses an untried model makes):
  /// throws FormatError naming the field, changing nothing.
  [[nodiscard]] TabularModel loaded(BinaryReader& in) const {
    const ModelKind kind = detail::read_model_kind(in);
    const auto untried = in.value<std::uint8_t>();
    if (untried > 1) in.fail(FormatProblem::value, "model's untried flag must be 0 or 1");
    TabularModel m(states_, actions_, kind, untried == 1);
    const auto cells = static_cast<std::uint64_t>(outcomes_.size());
    const auto pairs = in.value<std::uint64_t>();
    if (pairs > cells)
      in.fail(FormatProblem::value,
              detail::concat("model holds ", pairs, " pairs, the world has ", cells));
    std::int64_t previous = -1;
    for (std::uint64_t p = 0; p < pairs; ++p) {
      const auto cell = in.value<std::uint64_t>();
      const auto tried = in.value<std::uint8_t>();
      const auto last = in.value<std::int64_t>();
      const auto n = in.value<std::uint64_t>();
      if (cell >= cells || static_cast<std::int64_t>(cell) <= previous)
        in.fail(FormatProblem::value,
                detail::concat("model cells must increase within [0, ", cells, "), got ", cell));
      previous = static_cast<std::int64_t>(cell);
      if (tried > 1) in.fail(FormatProblem::value, "model's tried flag must be 0 or 1");
      if (last < 0 || (tried == 0 && last != 0))
        in.fail(FormatProblem::value, detail::concat("last step of cell ", cell,
                                                     " must be >= 0 (0 if untried), got ", last));
      if (n > in.remaining() / 21)
        in.fail(FormatProblem::truncated,
                detail::concat("cell ", cell, " announces ", n, " outcomes"));
      if (n == 0 || (m.kind_ == ModelKind::deterministic && n != 1) || (tried == 0 && n != 1)) {
        in.fail(FormatProblem::value, detail::concat("cell ", cell, " has ", n, " outcomes"));
      }
      if (tried == 0 && !m.untried_)
        in.fail(FormatProblem::value,
                detail::concat("cell ", cell, " untried in a model without guesses"));
      auto& list = m.outcomes_[static_cast<std::size_t>(cell)];
      for (std::uint64_t k = 0; k < n; ++k) {
        ModelOutcome o;
        o.next_state = in.value<std::int32_t>();
        o.reward = in.value<double>();
        const auto term = in.value<std::uint8_t>();
        o.count = in.value<std::uint64_t>();
        if (o.next_state < 0 || o.next_state >= states_)
          in.fail(FormatProblem::value,
                  detail::concat("outcome of cell ", cell, ": next state must be in [0, ", states_,
                                 "), got ", o.next_state));
        if (!std::isfinite(o.reward))
          in.fail(FormatProblem::value,
                  detail::concat("outcome of cell ", cell, ": reward must be finite"));
        if (term > 1) in.fail(FormatProblem::value, "outcome's terminated flag must be 0 or 1");
        if (o.count < 1 || (m.kind_ == ModelKind::deterministic && o.count != 1) ||
            o.count > (std::uint64_t{1} << 62))
          in.fail(FormatProblem::value,
                  detail::concat("outcome of cell ", cell,
                                 ": count must be >= 1 (1 if deterministic), got ", o.count));
        o.terminated = term == 1;
        for (const ModelOutcome& other : list) {
          if (other.next_state == o.next_state && other.reward == o.reward &&
              other.terminated == o.terminated)
            in.fail(FormatProblem::value,
                    detail::concat("outcome of cell ", cell, " appears twice"));
        }
        list.push_back(o);
      }
      const auto state = static_cast<int>(cell / static_cast<std::uint64_t>(actions_));
      if (tried == 0 &&
          (list[0].next_state != state || list[0].reward != 0.0 || list[0].terminated))
        in.fail(
            FormatProblem::value,
            detail::concat("untried cell ", cell, " must guess back to its state with reward 0"));
      m.tried_[static_cast<std::size_t>(cell)] = tried;
      m.last_taken_[static_cast<std::size_t>(cell)] = last;
    }
    const auto observed = in.value<std::uint64_t>();
    if (observed > static_cast<std::uint64_t>(states_))
      in.fail(FormatProblem::value,
              detail::concat("model observes ", observed, " states, the world has ", states_));
    for (std::uint64_t k = 0; k < observed; ++k) {
      const auto s = in.value<std::int32_t>();
      if (s < 0 || s >= states_ || m.action_count_[static_cast<std::size_t>(s)] != 0)
        in.fail(FormatProblem::value, detail::concat("observed state must be a new state in [0, ",
                                                     states_, "), got ", s));
      std::int32_t with_outcomes = 0;
      for (int a = 0; a < actions_; ++a)
        with_outcomes += m.outcomes_[m.index(s, a)].empty() ? 0 : 1;
      if (with_outcomes == 0 || (m.untried_ && with_outcomes != actions_))
        in.fail(FormatProblem::value, detail::concat("observed state ", s, " has ", with_outcomes,
                                                     " pairs in the model"));
      m.observed_states_.push_back(s);
      for (std::int32_t i = 0; i < with_outcomes; ++i) {
        const auto a = in.value<std::int32_t>();
        if (a < 0 || a >= actions_ || m.outcomes_[m.index(s, a)].empty() ||
            std::find(m.action_list_.begin() + static_cast<std::ptrdiff_t>(m.index(s, 0)),
                      m.action_list_.begin() + static_cast<std::ptrdiff_t>(m.index(s, 0)) + i, a) !=
                m.action_list_.begin() + static_cast<std::ptrdiff_t>(m.index(s, 0)) + i) {
          in.fail(FormatProblem::value,
                  detail::concat("actions of state ", s,
                                 " must be its pairs in the model, once each, got ", a));
        }
        m.add_action(s, a);
      }
    }
    for (std::size_t cell = 0; cell < m.outcomes_.size(); ++cell) {
      const auto s = static_cast<std::size_t>(cell / static_cast<std::size_t>(actions_));
      if (!m.outcomes_[cell].empty() && m.action_count_[s] == 0)
        in.fail(FormatProblem::value,
                detail::concat("cell ", cell, " has outcomes but its state is not observed"));
      for (const ModelOutcome& o : m.outcomes_[cell]) m.link(o.next_state, cell);
    }
    return m;
  }

  /// Replaces the model with a saved one of the same world size (Saveable); see loaded().
  void load(BinaryReader& in) { *this = loaded(in); }

  /// Same contents (kind, outcomes, steps, orders, predecessors).
  friend bool operator==(const TabularModel&, const TabularModel&) = default;

 private:
  [[nodiscard]] std::size_t index(int state, int action) const noexcept {
    return static_cast<std::size_t>(state) * static_cast<std::size_t>(actions_) +
           static_cast<std::size_t>(action);
  }
  template <class G>
  [[nodiscard]] static std::size_t pick(G& rng, std::size_t n) {
    return n == 1 ? 0 : static_cast<std::size_t>(detail::bounded(rng, n));
  }
  void add_action(int state, int action) {
    auto& count = action_count_[static_cast<std::size_t>(state)];
    action_list_[index(state, 0) + static_cast<std::size_t>(count)] = action;
    ++count;
  }
  // Adds `cell` to the predecessors of `next`, keeping them increasing and unique.
  void link(int next, std::size_t cell) {
    auto& list = predecessors_[static_cast<std::size_t>(next)];
    const auto c = static_cast<std::int64_t>(cell);
    const auto at = std::lower_bound(list.begin(), list.end(), c);
    if (at == list.end() || *at != c) list.insert(at, c);
  }
  void unlink(int next, std::size_t cell) {
    auto& list = predecessors_[static_cast<std::size_t>(next)];
    const auto c = static_cast<std::int64_t>(cell);
    const auto at = std::lower_bound(list.begin(), list.end(), c);
    if (at != list.end() && *at == c) list.erase(at);
  }
  void check_state(const char* where, int state) const {
    if (state < 0 || state >= states_) {
      detail::throw_invalid(std::string("TabularModel::") + where,
                            detail::concat("state must be in [0, ", states_, ")"), state);
    }
  }
  void check_pair(const char* where, int state, int action) const {
    check_state(where, state);
    if (action < 0 || action >= actions_) {
      detail::throw_invalid(std::string("TabularModel::") + where,
                            detail::concat("action must be in [0, ", actions_, ")"), action);
    }
  }

  int states_;
  int actions_;
  ModelKind kind_;
  bool untried_;
  std::vector<std::vector<ModelOutcome>> outcomes_;      // per cell
  std::vector<std::uint8_t> tried_;                      // per cell
  std::vector<std::int64_t> last_taken_;                 // per cell
  std::vector<int> observed_states_;                     // in the order first seen
  std::vector<int> action_list_;                         // per state: its actions, in order
  std::vector<std::int32_t> action_count_;               // per state
  std::vector<std::vector<std::int64_t>> predecessors_;  // per state: cells, increasing
};

}  // namespace tabrl
