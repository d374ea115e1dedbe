#pragma once
/// \file io/checkpoint.hpp
/// Checkpoints: a file that holds a list of parts, each a Saveable object (an agent, a
/// memory, the TrainingState, the TrainOptions...) recorded with its kind. Saving a training
/// run and loading it into fresh objects continues the run bit-identically; loading refuses
/// a file whose parts are of other kinds than the objects given (a Q-learning checkpoint
/// into an Expected SARSA agent, a prioritized memory into a uniform one).
///
/// Format version 2, little-endian (docs/reliability.md has the details):
///   magic "TABRLCK\0", u32 version = 2, u64 body length
///   body: u32 part count, then per part: u32 length + kind, u64 length + payload
///   u64 FNV-1a 64 of every byte before it
/// Version 1 (tabrl 0.1: options, Q table, uniform memory, training state, for Q-learning
/// and Expected SARSA) still loads into a single-table agent and a ReplayMemory.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../replay/replay_memory.hpp"
#include "../serialization.hpp"
#include "../training/train.hpp"
#include "binary.hpp"

namespace tabrl {

/// The 8-byte magic at the start of every checkpoint file.
inline constexpr std::array<char, 8> checkpoint_magic{'T', 'A', 'B', 'R', 'L', 'C', 'K', '\0'};
/// The version save_checkpoint writes.
inline constexpr std::uint32_t checkpoint_format_version = 2;

namespace detail {

inline constexpr std::size_t checkpoint_header_bytes = 8 + 4 + 8;

// Agents and memories must agree with each other and with the training state: the memory's
// states and actions index the agent's table, the log counts the table's states.
template <class... Parts>
void check_parts_agree(const std::string& who, const Parts&... parts) {
  std::int64_t states = -1;
  std::int64_t actions = -1;
  auto table = [&](const auto& part) {
    if constexpr (requires {
                    part.num_states();
                    part.num_actions();
                  }) {
      states = part.num_states();
      actions = part.num_actions();
    }
  };
  (table(parts), ...);
  if (states < 0) return;
  auto fail = [&who](const std::string& what) {
    throw FormatError(FormatProblem::shape,
                      concat(who, ": ", to_string(FormatProblem::shape), " (", what, ")"));
  };
  auto check = [&](const auto& part) {
    if constexpr (requires { part.columns().max_state; }) {
      const auto c = part.columns();
      if (c.max_state >= states || c.max_action >= actions) {
        fail(concat("the memory holds states up to ", c.max_state, " and actions up to ",
                    c.max_action, ", the agent's table is ", states, " x ", actions));
      }
    }
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(part)>, TrainingState>) {
      const int episode = part.episode;
      auto episodes_agree = [&](const auto& other) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(other)>, TrainOptions>) {
          if (other.episodes < episode) {
            fail(concat("the options ask for ", other.episodes,
                        " episodes, the state is at episode ", episode));
          }
        }
      };
      (episodes_agree(parts), ...);
      if (static_cast<std::int64_t>(part.log.visit_counts.size()) != states) {
        fail(concat("the training log counts ", part.log.visit_counts.size(),
                    " states, the agent's table has ", states));
      }
      if (part.progress.active && part.progress.action >= actions) {
        fail(concat("the unfinished episode's action ", part.progress.action,
                    " is outside the agent's ", actions, " actions"));
      }
    }
  };
  (check(parts), ...);
}

// Version 1: options, agent (settings + one table), memory, state without progress.
template <class... Parts>
void parse_checkpoint_v1(BinaryReader& r, Parts&... parts) {
  constexpr bool layout = sizeof...(Parts) == 4;
  if constexpr (!layout) {
    r.fail(FormatProblem::version,
           "a version-1 file holds an agent, a memory, a training state and options");
  } else {
    auto& agent = std::get<0>(std::tie(parts...));
    auto& memory = std::get<1>(std::tie(parts...));
    auto& state = std::get<2>(std::tie(parts...));
    auto& options = std::get<3>(std::tie(parts...));
    using AgentT = std::remove_cvref_t<decltype(agent)>;
    using MemoryT = std::remove_cvref_t<decltype(memory)>;
    if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(state)>, TrainingState> ||
                  !std::is_same_v<std::remove_cvref_t<decltype(options)>, TrainOptions> ||
                  !requires { MemoryT::kind(); }) {
      r.fail(FormatProblem::version,
             "a version-1 file holds an agent, a memory, a training state and options");
    } else {
      if (AgentT::kind() != "QLearningAgent" && AgentT::kind() != "ExpectedSarsaAgent") {
        r.fail(FormatProblem::kind, concat("a version-1 file holds a Q-learning or Expected "
                                           "SARSA table, not a ",
                                           AgentT::kind()));
      }
      if (MemoryT::kind() != "ReplayMemory") {
        r.fail(FormatProblem::kind,
               concat("a version-1 file holds a ReplayMemory, not a ", MemoryT::kind()));
      }
      TrainOptions staged_options = options;
      AgentT staged_agent = agent;
      MemoryT staged_memory = memory;
      TrainingState staged_state = state;
      staged_options.load(r);
      staged_agent.load(r);
      staged_memory.load(r);
      Rng::state_type words{};
      for (auto& word : words) word = r.template value<std::uint64_t>();
      const auto episode = r.template value<std::int32_t>();
      TrainingLog log;
      log.env_steps = r.template value<std::int64_t>();
      log.updates = r.template value<std::int64_t>();
      log.seconds = r.template value<double>();
      log.returns = r.template vector<double>();
      log.lengths = r.template vector<std::int64_t>();
      log.visit_counts = r.template vector<std::int64_t>();
      r.verify_checksum();
      if (words == Rng::state_type{}) r.fail(FormatProblem::value, "generator state is all zero");
      staged_state.check_consistent(r, episode, log, EpisodeProgress{});
      staged_state.rng.set_state(words);
      staged_state.episode = episode;
      staged_state.progress = EpisodeProgress{};
      staged_state.log = std::move(log);
      check_parts_agree(r.who(), staged_agent, staged_memory, staged_state);
      agent = std::move(staged_agent);
      memory = std::move(staged_memory);
      state = std::move(staged_state);
      options = staged_options;
    }
  }
}

}  // namespace detail

/// Writes a checkpoint of `parts` (in this order) to a stream. Throws IoError if it fails.
template <Saveable... Parts>
void write_checkpoint(std::ostream& out, const Parts&... parts) {
  // What load would refuse is never written.
  try {
    detail::check_parts_agree("tabrl::write_checkpoint", parts...);
  } catch (const FormatError& e) {
    throw InvalidArgument(e.what());
  }
  std::vector<std::string> payloads;
  payloads.reserve(sizeof...(Parts));
  auto encode = [&payloads](const auto& part) {
    std::ostringstream buffer;
    BinaryWriter w(buffer);
    part.save(w);
    payloads.push_back(std::move(buffer).str());
  };
  (encode(parts), ...);
  const std::vector<std::string> kinds{std::string(Parts::kind())...};
  std::uint64_t body = 4;
  for (std::size_t i = 0; i < payloads.size(); ++i)
    body += 4 + kinds[i].size() + 8 + payloads[i].size();
  BinaryWriter w(out);
  w.bytes(checkpoint_magic.data(), checkpoint_magic.size());
  w.value(checkpoint_format_version);
  w.value(body);
  w.value(static_cast<std::uint32_t>(sizeof...(Parts)));
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    w.string(kinds[i]);
    w.value(static_cast<std::uint64_t>(payloads[i].size()));
    w.bytes(payloads[i].data(), payloads[i].size());
  }
  w.checksum();
}

/// Saves a checkpoint atomically (see atomic_write): the previous file at `path` survives
/// any failure.
template <Saveable... Parts>
void save_checkpoint(const std::filesystem::path& path, const Parts&... parts) {
  atomic_write(path, [&](std::ostream& out) { write_checkpoint(out, parts...); });
}

/// Restores a checkpoint from its bytes into `parts`, which must be of the kinds saved, in
/// the same order, and of the saved shapes (table size, memory capacity, state count).
/// Everything is parsed and validated first; on any error (FormatError naming the check
/// and the field) nothing is modified. `who` starts every message.
template <Saveable... Parts>
void parse_checkpoint(const std::vector<unsigned char>& bytes, const std::string& who,
                      Parts&... parts) {
  BinaryReader r(bytes, who);
  r.magic(std::string_view(checkpoint_magic.data(), checkpoint_magic.size()));
  const auto version = r.value<std::uint32_t>();
  if (version == 1) {
    detail::parse_checkpoint_v1(r, parts...);
    return;
  }
  if (version != checkpoint_format_version) {
    r.fail(FormatProblem::version,
           detail::concat("file has version ", version, ", this build reads 1 and ",
                          checkpoint_format_version));
  }
  const auto body = r.value<std::uint64_t>();
  const std::size_t rest = r.remaining();
  if (rest < 8 || body > rest - 8) {
    r.fail(FormatProblem::truncated, detail::concat("header announces ", body,
                                                    " bytes of parts and a checksum, the file has ",
                                                    rest, " bytes after the header"));
  }
  if (body < rest - 8) {
    r.fail(FormatProblem::checksum,
           detail::concat(rest - 8 - body, " stray bytes after the announced ", body));
  }
  // The checksum covers the whole file: check it before reading any part.
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, sizeof stored);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzers skip it to reach the checks after
  if (stored != detail::fnv1a({bytes.data(), bytes.size() - 8})) {
    r.fail(FormatProblem::checksum, "file is corrupt");
  }
#endif
  BinaryReader b(std::span<const unsigned char>(bytes).subspan(r.position(), body), who);
  const auto count = b.value<std::uint32_t>();
  if (count != sizeof...(Parts)) {
    b.fail(FormatProblem::kind,
           detail::concat("file holds ", count, " parts, expected ", sizeof...(Parts)));
  }
  std::tuple<Parts...> staged(parts...);
  std::size_t index = 0;
  auto load_one = [&](auto& part) {
    using Part = std::remove_cvref_t<decltype(part)>;
    const std::string kind = b.string(256);
    if (kind != Part::kind()) {
      b.fail(FormatProblem::kind,
             detail::concat("part ", index, " holds a ", kind, ", this run has a ", Part::kind()));
    }
    const auto length = b.value<std::uint64_t>();
    if (length > b.remaining()) {
      b.fail(FormatProblem::truncated,
             detail::concat("part ", index, " (", kind, ") announces ", length, " bytes, ",
                            b.remaining(), " are left"));
    }
    BinaryReader in(b.take(static_cast<std::size_t>(length)), detail::concat(who, ": ", kind));
    part.load(in);
    if (in.remaining() != 0) {
      in.fail(FormatProblem::value, detail::concat(in.remaining(), " bytes left unread"));
    }
    ++index;
  };
  std::apply([&](auto&... s) { (load_one(s), ...); }, staged);
  if (b.remaining() != 0) {
    b.fail(FormatProblem::value, detail::concat(b.remaining(), " bytes after the last part"));
  }
  std::apply([&who](const auto&... s) { detail::check_parts_agree(who, s...); }, staged);
  // Commit: nothing below throws.
  std::apply([&](auto&... s) { ((parts = std::move(s)), ...); }, staged);
}

/// The format version of a checkpoint's bytes (1 or 2). Throws FormatError for bytes that
/// are not a tabrl checkpoint.
[[nodiscard]] inline std::uint32_t checkpoint_version(const std::vector<unsigned char>& bytes,
                                                      const std::string& who) {
  BinaryReader r(bytes, who);
  r.magic(std::string_view(checkpoint_magic.data(), checkpoint_magic.size()));
  return r.value<std::uint32_t>();
}

/// Reads part `index` of a format-2 checkpoint's bytes into `part` (its kind must match), for
/// a program that must learn from the file what to build before loading the rest (a
/// checkpoint that starts with the run's description). Checks the header and the checksum
/// as parse_checkpoint does; `part` is unchanged on error.
template <Saveable Part>
void parse_checkpoint_part(const std::vector<unsigned char>& bytes, const std::string& who,
                           std::size_t index, Part& part) {
  BinaryReader r(bytes, who);
  r.magic(std::string_view(checkpoint_magic.data(), checkpoint_magic.size()));
  const auto version = r.value<std::uint32_t>();
  if (version != checkpoint_format_version) {
    r.fail(FormatProblem::version,
           detail::concat("file has version ", version, ", parts are read from version ",
                          checkpoint_format_version));
  }
  const auto body = r.value<std::uint64_t>();
  const std::size_t rest = r.remaining();
  if (rest < 8 || body != rest - 8) {
    r.fail(FormatProblem::truncated,
           detail::concat("header announces ", body, " bytes of parts, the file has ",
                          rest >= 8 ? rest - 8 : 0));
  }
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, sizeof stored);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  if (stored != detail::fnv1a({bytes.data(), bytes.size() - 8})) {
    r.fail(FormatProblem::checksum, "file is corrupt");
  }
#endif
  BinaryReader b(std::span<const unsigned char>(bytes).subspan(r.position(), body), who);
  const auto count = b.value<std::uint32_t>();
  if (index >= count) {
    b.fail(FormatProblem::kind, detail::concat("file holds ", count, " parts, no part ", index));
  }
  for (std::size_t i = 0;; ++i) {
    const std::string kind = b.string(256);
    const auto length = b.value<std::uint64_t>();
    const auto payload = b.take(static_cast<std::size_t>(length));
    if (i < index) continue;
    if (kind != Part::kind()) {
      b.fail(FormatProblem::kind,
             detail::concat("part ", index, " holds a ", kind, ", not a ", Part::kind()));
    }
    Part staged = part;
    BinaryReader in(payload, detail::concat(who, ": ", kind));
    staged.load(in);
    if (in.remaining() != 0) {
      in.fail(FormatProblem::value, detail::concat(in.remaining(), " bytes left unread"));
    }
    part = std::move(staged);
    return;
  }
}

/// Reads a checkpoint file's bytes (see load_checkpoint: regular files only, magic first).
[[nodiscard]] inline std::vector<unsigned char> read_checkpoint_file(
    const std::filesystem::path& path) {
  return detail::read_file(path, "load_checkpoint",
                           std::string_view(checkpoint_magic.data(), checkpoint_magic.size()));
}

/// Loads a checkpoint written by save_checkpoint (see parse_checkpoint). Throws IoError if
/// the file cannot be read (or is not a regular file) and FormatError if it is not a valid
/// checkpoint of these parts.
template <Saveable... Parts>
void load_checkpoint(const std::filesystem::path& path, Parts&... parts) {
  parse_checkpoint(read_checkpoint_file(path), "tabrl::load_checkpoint: " + path.string(),
                   parts...);
}

}  // namespace tabrl
