#pragma once
/// \file envs/taxi.hpp
/// Gymnasium's Taxi: pick a passenger up at one of four stands and drop them at another.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "detail/table_model.hpp"

namespace tabrl {

/// Taxi with Gymnasium's rules on its 5x5 map with walls:
///
///     +---------+
///     |R: | : :G|
///     | : | : : |
///     | : : : : |
///     | | : | : |
///     |Y| : |B: |
///     +---------+
///
/// 500 states: ((taxi_row * 5 + taxi_col) * 5 + passenger) * 4 + destination, where passenger
/// is a stand 0..3 (R, G, Y, B) or 4 (in the taxi) and destination a stand 0..3. Actions:
/// 0 south, 1 north, 2 east, 3 west, 4 pick up, 5 drop off. Every step costs -1; a drop-off
/// at the destination gives +20 and terminates; an illegal pick-up or drop-off costs -10.
/// Episodes start uniformly among the 300 states with the passenger at a stand other than the
/// destination.
class Taxi {
 public:
  static constexpr int south = 0;    ///< action: one row down
  static constexpr int north = 1;    ///< action: one row up
  static constexpr int east = 2;     ///< action: one column right
  static constexpr int west = 3;     ///< action: one column left
  static constexpr int pickup = 4;   ///< action: pick the passenger up
  static constexpr int dropoff = 5;  ///< action: drop the passenger off
  static constexpr int in_taxi = 4;  ///< passenger location: in the taxi

  /// A decoded state.
  struct Decoded {
    int taxi_row;     ///< 0..4
    int taxi_col;     ///< 0..4
    int passenger;    ///< 0..3 a stand, 4 in the taxi
    int destination;  ///< 0..3
    /// Field-by-field equality.
    friend bool operator==(const Decoded&, const Decoded&) = default;
  };

  Taxi() : model_(500, 6, "Taxi") {
    for (int s = 0; s < 500; ++s) {
      const Decoded d = decode(s);
      if (d.passenger < 4 && d.passenger != d.destination) starts_.push_back(s);
      for (int a = 0; a < 6; ++a) model_.add({rule(d, a)});
    }
  }

  /// The map drawn above, row by row.
  [[nodiscard]] static std::array<std::string, 7> map() {
    return {"+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |",
            "| | : | : |", "|Y| : |B: |", "+---------+"};
  }
  /// Grid cell (row, col) of stand i: R (0,0), G (0,4), Y (4,0), B (4,3). Throws for i
  /// outside [0, 4).
  [[nodiscard]] static constexpr std::array<int, 2> stand(int i) {
    if (i < 0 || i >= 4) detail::throw_invalid("Taxi::stand", "stand must be in [0, 4)", i);
    constexpr std::array<std::array<int, 2>, 4> stands{{{0, 0}, {0, 4}, {4, 0}, {4, 3}}};
    return stands[static_cast<std::size_t>(i)];
  }

  /// The state of a taxi at (taxi_row, taxi_col) in [0, 5)^2, a passenger in [0, 5) (4: in the
  /// taxi) and a destination in [0, 4). Throws naming the first value out of its range.
  [[nodiscard]] static constexpr int encode(int taxi_row, int taxi_col, int passenger,
                                            int destination) {
    if (taxi_row < 0 || taxi_row >= 5)
      detail::throw_invalid("Taxi::encode", "taxi_row must be in [0, 5)", taxi_row);
    if (taxi_col < 0 || taxi_col >= 5)
      detail::throw_invalid("Taxi::encode", "taxi_col must be in [0, 5)", taxi_col);
    if (passenger < 0 || passenger >= 5)
      detail::throw_invalid("Taxi::encode", "passenger must be in [0, 5)", passenger);
    if (destination < 0 || destination >= 4)
      detail::throw_invalid("Taxi::encode", "destination must be in [0, 4)", destination);
    return ((taxi_row * 5 + taxi_col) * 5 + passenger) * 4 + destination;
  }
  /// The parts of a state; throws for a state outside [0, 500).
  [[nodiscard]] static Decoded decode(int state) {
    if (state < 0 || state >= 500)
      detail::throw_invalid("Taxi::decode", "state must be in [0, 500)", state);
    const int destination = state % 4;
    state /= 4;
    const int passenger = state % 5;
    state /= 5;
    return {state / 5, state % 5, passenger, destination};
  }

  /// 500.
  [[nodiscard]] static constexpr int num_states() noexcept { return 500; }
  /// 6.
  [[nodiscard]] static constexpr int num_actions() noexcept { return 6; }

  /// Which actions do something other than waste a step or earn -10, as Gymnasium's
  /// action_mask: moves that are not into a wall or the border, a pick-up where the passenger
  /// waits, a drop-off with the passenger aboard at any stand.
  [[nodiscard]] static std::array<std::uint8_t, 6> action_mask(int state) {
    const Decoded d = decode(state);
    std::array<std::uint8_t, 6> mask{};
    auto flag = [](bool b) { return static_cast<std::uint8_t>(b ? 1 : 0); };
    mask[south] = flag(d.taxi_row < 4);
    mask[north] = flag(d.taxi_row > 0);
    mask[east] = flag(d.taxi_col < 4 && open_east(d.taxi_row, d.taxi_col));
    mask[west] = flag(d.taxi_col > 0 && open_east(d.taxi_row, d.taxi_col - 1));
    mask[pickup] = flag(d.passenger < 4 && at_stand(d, d.passenger));
    mask[dropoff] = flag(d.passenger == in_taxi && stand_index(d.taxi_row, d.taxi_col) >= 0);
    return mask;
  }

  /// Starts an episode at a uniformly drawn start state (the seed reseeds the generator;
  /// without one it continues). Returns the state.
  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    cursor_.reseed(seed);
    const int s = starts_[detail::bounded(cursor_.rng, starts_.size())];
    cursor_.start(s);
    return s;
  }

  /// Takes one step. Throws on an action outside 0..5, before reset() or after termination.
  StepResult step(int action) {
    model_.check_action("step", action);
    cursor_.check_can_step("Taxi");
    return cursor_.advance(model_.sample(cursor_.state(), action, cursor_.rng));
  }

  /// The model: the one outcome of `action` in `state` (Gymnasium's P[state][action]).
  [[nodiscard]] std::vector<Outcome> transitions(int state, int action) const {
    return model_.transitions(state, action);
  }
  /// The current state.
  [[nodiscard]] int state() const noexcept { return cursor_.state(); }

  /// "Taxi" (Saveable: the environment's place in its episode).
  [[nodiscard]] static std::string kind() { return "Taxi"; }
  /// Writes the position in the episode (Saveable).
  void save(BinaryWriter& out) const { cursor_.save(out); }
  /// Reads it back (Saveable).
  void load(BinaryReader& in) { cursor_.load(in, num_states()); }

  /// The map with the taxi as 'T' (or 't' with the passenger aboard) and the passenger's
  /// stand letter in lower case, then a line `destination: X` naming the destination stand.
  [[nodiscard]] std::string render_ansi() const {
    auto rows = map();
    const Decoded d = decode(cursor_.state());
    const auto cell = [](int r, int c) {
      return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(r + 1),
                                                 static_cast<std::size_t>(2 * c + 1));
    };
    if (d.passenger < 4) {
      auto [r, c] = cell(stand(d.passenger)[0], stand(d.passenger)[1]);
      rows[r][c] = static_cast<char>(rows[r][c] - 'A' + 'a');
    }
    auto [tr, tc] = cell(d.taxi_row, d.taxi_col);
    rows[tr][tc] = d.passenger == in_taxi ? 't' : 'T';
    std::string out;
    for (const auto& r : rows) out += r + '\n';
    constexpr const char* names = "RGYB";
    out += std::string("destination: ") + names[d.destination] + '\n';
    return out;
  }

 private:
  // Is there no wall between (r, c) and (r, c + 1)? The map's column 2c+2 holds ':' there.
  static bool open_east(int r, int c) {
    return map()[static_cast<std::size_t>(r + 1)][static_cast<std::size_t>(2 * c + 2)] == ':';
  }
  static int stand_index(int r, int c) {
    for (int i = 0; i < 4; ++i) {
      if (stand(i)[0] == r && stand(i)[1] == c) return i;
    }
    return -1;
  }
  static bool at_stand(const Decoded& d, int i) { return stand_index(d.taxi_row, d.taxi_col) == i; }

  static Outcome rule(const Decoded& d, int action) {
    int r = d.taxi_row, c = d.taxi_col, p = d.passenger;
    double reward = -1.0;
    bool terminated = false;
    switch (action) {
      case south:
        r = r < 4 ? r + 1 : r;
        break;
      case north:
        r = r > 0 ? r - 1 : r;
        break;
      case east:
        c = c < 4 && open_east(r, c) ? c + 1 : c;
        break;
      case west:
        c = c > 0 && open_east(r, c - 1) ? c - 1 : c;
        break;
      case pickup:
        if (p < 4 && at_stand(d, p)) {
          p = in_taxi;
        } else {
          reward = -10.0;
        }
        break;
      default:  // dropoff
        if (p == in_taxi && at_stand(d, d.destination)) {
          p = d.destination;
          reward = 20.0;
          terminated = true;
        } else if (p == in_taxi && stand_index(r, c) >= 0) {
          p = stand_index(r, c);  // set down at another stand: legal, but not the goal
        } else {
          reward = -10.0;
        }
        break;
    }
    return {1.0, encode(r, c, p, d.destination), reward, terminated};
  }

  detail::TableModel model_;
  detail::EpisodeCursor cursor_;
  std::vector<int> starts_;
};

}  // namespace tabrl
