#pragma once
/// \file serialization.hpp
/// How agents, memories and training state save and restore themselves. Each such type is
/// Saveable: `save(BinaryWriter&) const` writes its fields, `load(BinaryReader&)` reads them
/// back, and `kind()` names what was saved, so that a checkpoint (io/checkpoint.hpp) is a list
/// of parts and refuses to restore a part into an object of another kind. Fields are
/// little-endian; readers check every length against what is left, so a corrupt or hostile
/// file cannot make them allocate more than the file holds.

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "error.hpp"

namespace tabrl {

static_assert(std::endian::native == std::endian::little,
              "tabrl's file formats are little-endian; big-endian hosts are not supported yet");

namespace detail {
inline constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

/// FNV-1a 64 of `data`, continuing from `hash`.
[[nodiscard]] inline std::uint64_t fnv1a(std::span<const unsigned char> data,
                                         std::uint64_t hash = fnv_offset) noexcept {
  for (const unsigned char byte : data) hash = (hash ^ byte) * fnv_prime;
  return hash;
}
}  // namespace detail

/// Scalar type codes stored in tabrl files.
enum class ScalarCode : std::uint8_t { float32 = 1, float64 = 2 };

/// The code of float or double.
template <class Scalar>
[[nodiscard]] constexpr ScalarCode scalar_code() noexcept {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "tabrl files store float or double");
  return std::is_same_v<Scalar, float> ? ScalarCode::float32 : ScalarCode::float64;
}

/// Writes little-endian values to a stream and hashes every byte written (FNV-1a 64).
class BinaryWriter {
 public:
  /// Writes to `out`; IoError names `path` (or the stream) when a write fails.
  explicit BinaryWriter(std::ostream& out, std::string path = "stream")
      : out_(out), path_(std::move(path)) {}

  /// Writes n raw bytes.
  void bytes(const void* data, std::size_t n) {
    hash_ = detail::fnv1a({static_cast<const unsigned char*>(data), n}, hash_);
    out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    if (!out_) failed();
  }
  /// Writes one number in its own width.
  template <class T>
  requires std::is_arithmetic_v<T>
  void value(T v) { bytes(&v, sizeof v); }
  /// Writes n numbers (no length: write it first when the reader cannot know it).
  template <class T>
  requires std::is_arithmetic_v<T>
  void array(const T* data, std::size_t n) { bytes(data, n * sizeof(T)); }
  /// Writes a u64 length, then the elements.
  template <class T>
  requires std::is_arithmetic_v<T>
  void vector(std::span<const T> v) {
    value(static_cast<std::uint64_t>(v.size()));
    array(v.data(), v.size());
  }
  /// Writes a u32 length, then the characters.
  void string(std::string_view s) {
    value(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  /// Appends the checksum of everything written so far (not itself hashed) and flushes.
  void checksum() {
    const std::uint64_t h = hash_;
    out_.write(reinterpret_cast<const char*>(&h), sizeof h);
    out_.flush();
    if (!out_) failed();
  }
  /// FNV-1a 64 of everything written so far.
  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }

 private:
  [[noreturn]] void failed() const {
    throw IoError(detail::concat("tabrl: writing ", path_, " failed (disk full or I/O error)"));
  }
  std::ostream& out_;
  std::string path_;
  std::uint64_t hash_ = detail::fnv_offset;
};

/// Reads little-endian values from bytes with bounds checks and a running hash. Every failure
/// throws FormatError whose message starts with `who` (the file and the part being read).
class BinaryReader {
 public:
  /// Reads `data`, which must outlive the reader; `who` prefixes every error message.
  BinaryReader(std::span<const unsigned char> data, std::string who)
      : data_(data), who_(std::move(who)) {}
  /// Refused: the reader keeps a view, and a temporary vector is gone before the first read.
  BinaryReader(std::vector<unsigned char>&& data, std::string who) = delete;

  /// Throws FormatError(p) with "<who>: <problem> (<detail>)".
  [[noreturn]] void fail(FormatProblem p, const std::string& detail) const {
    throw FormatError(p, detail::concat(who_, ": ", to_string(p), detail.empty() ? "" : " (",
                                        detail, detail.empty() ? "" : ")"));
  }
  /// What every message starts with.
  [[nodiscard]] const std::string& who() const noexcept { return who_; }
  /// Bytes not read yet.
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  /// Bytes read so far.
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }

  /// Reads n raw bytes into `out`.
  void bytes(void* out, std::size_t n) {
    if (n > remaining()) {
      fail(FormatProblem::truncated,
           detail::concat("needs ", n, " more bytes at offset ", pos_, ", has ", remaining()));
    }
    std::memcpy(out, data_.data() + pos_, n);
    hash_ = detail::fnv1a(data_.subspan(pos_, n), hash_);
    pos_ += n;
  }
  /// The next n bytes, unread so far, as a span into the data (for a nested reader).
  [[nodiscard]] std::span<const unsigned char> take(std::size_t n) {
    if (n > remaining()) {
      fail(FormatProblem::truncated,
           detail::concat("needs ", n, " more bytes at offset ", pos_, ", has ", remaining()));
    }
    const auto out = data_.subspan(pos_, n);
    hash_ = detail::fnv1a(out, hash_);
    pos_ += n;
    return out;
  }
  /// Reads one number.
  template <class T>
  requires std::is_arithmetic_v<T>
  [[nodiscard]] T value() {
    T v{};
    bytes(&v, sizeof v);
    return v;
  }
  /// Reads n elements after checking that they fit in what is left (no absurd allocation).
  template <class T>
  requires std::is_arithmetic_v<T>
  [[nodiscard]] std::vector<T> array(std::uint64_t n) {
    if (n > remaining() / sizeof(T)) {
      fail(FormatProblem::truncated, detail::concat("announces ", n, " elements of ", sizeof(T),
                                                    " bytes, has ", remaining()));
    }
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) bytes(v.data(), static_cast<std::size_t>(n) * sizeof(T));
    return v;
  }
  /// Reads a u64 length and that many elements (see BinaryWriter::vector).
  template <class T>
  requires std::is_arithmetic_v<T>
  [[nodiscard]] std::vector<T> vector() { return array<T>(value<std::uint64_t>()); }
  /// Reads a u32 length and that many characters, refusing more than `max_length`.
  [[nodiscard]] std::string string(std::size_t max_length = 4096) {
    const auto n = value<std::uint32_t>();
    if (n > max_length || n > remaining()) {
      fail(FormatProblem::truncated,
           detail::concat("announces a string of ", n, " bytes, at most ",
                          std::min<std::size_t>(max_length, remaining()), " possible"));
    }
    std::string s(n, '\0');
    bytes(s.data(), n);
    return s;
  }
  /// Reads the 8-byte magic and compares it with `expected`.
  void magic(std::string_view expected) {
    std::array<char, 8> m{};
    if (remaining() < m.size()) fail(FormatProblem::truncated, "shorter than the header");
    bytes(m.data(), m.size());
    if (std::string_view(m.data(), m.size()) != expected) fail(FormatProblem::magic, "");
  }
  /// Reads the stored checksum, compares it with the hash of everything read before it, then
  /// requires the end of the data.
  void verify_checksum() {
    const std::uint64_t expected = hash_;
    std::uint64_t stored = 0;
    if (remaining() < sizeof stored) fail(FormatProblem::truncated, "missing checksum");
    std::memcpy(&stored, data_.data() + pos_, sizeof stored);
    pos_ += sizeof stored;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzers skip it to reach the checks after
    if (stored != expected) fail(FormatProblem::checksum, "file is corrupt");
#else
    (void)expected;
#endif
    expect_end();
  }
  /// Requires that every byte has been read.
  void expect_end() const {
    if (remaining() != 0)
      fail(FormatProblem::checksum, detail::concat(remaining(), " stray bytes after the data"));
  }

 private:
  std::span<const unsigned char> data_;
  std::string who_;
  std::size_t pos_ = 0;
  std::uint64_t hash_ = detail::fnv_offset;
};

/// A type that saves and restores itself: `kind()` names it in files (a checkpoint refuses to
/// load a part of another kind), `save` writes its fields, and `load` replaces the object's
/// state with saved fields, throwing FormatError (naming the field and the bound) and leaving
/// the object unchanged when they are invalid or do not fit its shape (a table of another
/// size, a memory of another capacity).
template <class T>
concept Saveable = requires(const T& object, T& target, BinaryWriter& out, BinaryReader& in) {
  { T::kind() } -> std::convertible_to<std::string>;
  object.save(out);
  target.load(in);
};

}  // namespace tabrl
