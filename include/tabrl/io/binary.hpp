#pragma once
/// \file io/binary.hpp
/// Little-endian binary encoding with a running FNV-1a 64 checksum, the format errors, and
/// atomic file replacement. The building blocks of tabrl's file formats.

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#if __has_include(<fcntl.h>) && __has_include(<unistd.h>)
#include <fcntl.h>
#include <unistd.h>
#define TABRL_HAS_FSYNC 1
#endif

#include "../error.hpp"

namespace tabrl {

/// A file could not be read or written (I/O failure, not a format problem).
class IoError : public Error {
 public:
  using Error::Error;
};

/// What was wrong with a file that failed to load.
enum class FormatProblem : std::uint8_t {
  truncated,    ///< the file ends before the data it announces
  magic,        ///< not a tabrl file of this kind
  version,      ///< a format version this build does not read
  scalar_type,  ///< the stored scalar type differs from the requested one (or is unknown)
  checksum,     ///< contents do not match the stored checksum (corruption)
  shape,        ///< dimensions do not match what the caller expects, or are impossible
};

[[nodiscard]] constexpr std::string_view to_string(FormatProblem p) noexcept {
  switch (p) {
    case FormatProblem::truncated:
      return "truncated";
    case FormatProblem::magic:
      return "wrong magic";
    case FormatProblem::version:
      return "unsupported version";
    case FormatProblem::scalar_type:
      return "wrong scalar type";
    case FormatProblem::checksum:
      return "checksum mismatch";
    case FormatProblem::shape:
      return "shape mismatch";
  }
  return "unknown";
}

/// A file that is not a valid tabrl file of the expected kind. problem() says which check
/// failed; the message names it too.
class FormatError : public Error {
 public:
  FormatError(FormatProblem problem, const std::string& message)
      : Error(message), problem_(problem) {}
  [[nodiscard]] FormatProblem problem() const noexcept { return problem_; }

 private:
  FormatProblem problem_;
};

/// Scalar type codes stored in tabrl files.
enum class ScalarCode : std::uint8_t { float32 = 1, float64 = 2 };

template <class Scalar>
[[nodiscard]] constexpr ScalarCode scalar_code() noexcept {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "tabrl files store float or double");
  return std::is_same_v<Scalar, float> ? ScalarCode::float32 : ScalarCode::float64;
}

namespace detail {

static_assert(std::endian::native == std::endian::little,
              "tabrl's file formats are little-endian; big-endian hosts are not supported yet");

inline constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

/// Writes little-endian values to a stream and hashes every byte written.
class BinaryWriter {
 public:
  explicit BinaryWriter(std::ostream& out) : out_(out) {}

  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) hash_ = (hash_ ^ p[i]) * fnv_prime;
    out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    if (!out_) throw IoError("tabrl: write failed (disk full or stream error)");
  }
  template <class T>
  requires std::is_arithmetic_v<T>
  void value(T v) { bytes(&v, sizeof v); }
  template <class T>
  void array(const T* data, std::size_t n) {
    bytes(data, n * sizeof(T));
  }
  /// Appends the checksum of everything written so far (not itself hashed).
  void checksum() {
    const std::uint64_t h = hash_;
    out_.write(reinterpret_cast<const char*>(&h), sizeof h);
    out_.flush();
    if (!out_) throw IoError("tabrl: write failed (disk full or stream error)");
  }

 private:
  std::ostream& out_;
  std::uint64_t hash_ = fnv_offset;
};

/// Reads little-endian values from a byte buffer with bounds checks and a running hash.
class BinaryReader {
 public:
  BinaryReader(const std::vector<unsigned char>& data, std::string who)
      : data_(data), who_(std::move(who)) {}

  [[noreturn]] void fail(FormatProblem p, const std::string& detail) const {
    throw FormatError(p, concat(who_, ": ", to_string(p), detail.empty() ? "" : " (", detail,
                                detail.empty() ? "" : ")"));
  }
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }

  void bytes(void* out, std::size_t n) {
    if (n > remaining()) {
      fail(FormatProblem::truncated,
           concat("needs ", n, " more bytes at offset ", pos_, ", file has ", remaining()));
    }
    std::memcpy(out, data_.data() + pos_, n);
    for (std::size_t i = 0; i < n; ++i) hash_ = (hash_ ^ data_[pos_ + i]) * fnv_prime;
    pos_ += n;
  }
  template <class T>
  requires std::is_arithmetic_v<T>
  [[nodiscard]] T value() {
    T v{};
    bytes(&v, sizeof v);
    return v;
  }
  /// Reads n elements after checking that they fit in what is left (no absurd allocation).
  template <class T>
  [[nodiscard]] std::vector<T> array(std::uint64_t n) {
    if (n > remaining() / sizeof(T)) {
      fail(FormatProblem::truncated,
           concat("announces ", n, " elements of ", sizeof(T), " bytes, file has ", remaining()));
    }
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) bytes(v.data(), static_cast<std::size_t>(n) * sizeof(T));
    return v;
  }
  /// Reads the stored checksum and compares it with the hash of everything read before it;
  /// then requires the end of the file.
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
    if (remaining() != 0)
      fail(FormatProblem::checksum, concat(remaining(), " stray bytes after the data"));
  }
  void magic(std::string_view expected) {
    std::array<char, 8> m{};
    if (remaining() < m.size()) fail(FormatProblem::truncated, "shorter than the header");
    bytes(m.data(), m.size());
    if (std::string_view(m.data(), m.size()) != expected) fail(FormatProblem::magic, "");
  }

 private:
  const std::vector<unsigned char>& data_;
  std::string who_;
  std::size_t pos_ = 0;
  std::uint64_t hash_ = fnv_offset;
};

/// Whole file into memory. Throws IoError if it cannot be opened or read.
[[nodiscard]] inline std::vector<unsigned char> read_file(const std::filesystem::path& path,
                                                          const char* who) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(concat("tabrl::", who, ": cannot open ", path.string()));
  std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(concat("tabrl::", who, ": read error on ", path.string()));
  return data;
}

}  // namespace detail

/// Replaces `path` atomically with what `write` produces: the bytes go to a temporary file in
/// the same directory, which is flushed, synced to disk and renamed over `path`. If anything
/// fails (the writer throws, the stream fails, the disk is full), the temporary is removed,
/// `path` keeps its previous contents, and IoError (or the writer's exception) is thrown.
inline void atomic_write(const std::filesystem::path& path,
                         const std::function<void(std::ostream&)>& write) {
  namespace fs = std::filesystem;
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) {
    throw IoError(
        detail::concat("tabrl::atomic_write: directory ", dir.string(), " does not exist"));
  }
  static int counter = 0;
  fs::path tmp = path;
  tmp += detail::concat(".tmp-",
                        static_cast<long>(
#ifdef TABRL_HAS_FSYNC
                            ::getpid()
#else
                            0
#endif
                                ),
                        "-", ++counter);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw IoError(detail::concat("tabrl::atomic_write: cannot create ", tmp.string()));
      write(out);
      out.flush();
      if (!out)
        throw IoError(detail::concat("tabrl::atomic_write: writing ", tmp.string(), " failed"));
    }
#ifdef TABRL_HAS_FSYNC
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      throw IoError(detail::concat("tabrl::atomic_write: cannot sync ", tmp.string()));
    }
    ::close(fd);
#endif
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
      throw IoError(detail::concat("tabrl::atomic_write: cannot rename onto ", path.string(), ": ",
                                   ec.message()));
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

}  // namespace tabrl
