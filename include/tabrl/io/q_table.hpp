#pragma once
/// \file io/q_table.hpp
/// Saving and loading Q tables: tabrl's own checksummed binary format, and exports to NumPy's
/// .npy and to CSV.
///
/// Binary format, version 1, little-endian:
///   8 bytes  magic "TABRLQT" + '\0'
///   u32      format version (1)
///   u8       scalar type (1 = float32, 2 = float64), then 3 zero bytes
///   u64      rows (states), u64 cols (actions)
///   rows*cols scalars, row-major
///   u64      FNV-1a 64 checksum of every byte above

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../types.hpp"
#include "binary.hpp"

namespace tabrl {

/// The 8-byte magic at the start of every Q-table file.
inline constexpr std::array<char, 8> q_table_magic{'T', 'A', 'B', 'R', 'L', 'Q', 'T', '\0'};
/// The version save_q_table writes.
inline constexpr std::uint32_t q_table_format_version = 1;

/// The shape a loader must find, if the caller knows it (e.g. the agent's table).
struct Shape {
  std::int64_t rows = 0;  ///< states
  std::int64_t cols = 0;  ///< actions
};

namespace detail {
/// What parse_q_table accepts, checked before writing: no empty table, no non-finite value
/// (naming the first bad cell).
template <class Scalar>
void check_writable_q_table(const char* who, const QTable<Scalar>& q) {
  if (q.rows() < 1 || q.cols() < 1) {
    throw_invalid(who, "the table must have at least one row and one column",
                  concat(q.rows(), " x ", q.cols()));
  }
  for (Eigen::Index s = 0; s < q.rows(); ++s) {
    for (Eigen::Index a = 0; a < q.cols(); ++a) {
      if (!std::isfinite(static_cast<double>(q(s, a)))) {
        throw_invalid(who, concat("Q(", s, ", ", a, ") must be finite"), q(s, a));
      }
    }
  }
}
}  // namespace detail

/// Writes `q` in tabrl's binary format to a stream. Throws InvalidArgument for a table that
/// load would refuse (empty, or a non-finite value) and IoError if the stream fails.
template <class Scalar>
void write_q_table(std::ostream& out, const QTable<Scalar>& q) {
  detail::check_writable_q_table("write_q_table", q);
  BinaryWriter w(out);
  w.bytes(q_table_magic.data(), q_table_magic.size());
  w.value(q_table_format_version);
  const std::uint8_t header[4] = {static_cast<std::uint8_t>(scalar_code<Scalar>()), 0, 0, 0};
  w.bytes(header, 4);
  w.value(static_cast<std::uint64_t>(q.rows()));
  w.value(static_cast<std::uint64_t>(q.cols()));
  w.array(q.data(), static_cast<std::size_t>(q.size()));
  w.checksum();
}

/// Saves `q` to `path` atomically (see atomic_write): an existing file is replaced only once
/// the new one is completely on disk.
template <class Scalar>
void save_q_table(const std::filesystem::path& path, const QTable<Scalar>& q) {
  detail::check_writable_q_table("save_q_table", q);
  atomic_write(path, [&q](std::ostream& out) { write_q_table(out, q); });
}

/// Parses a Q table from the bytes of a file. Checks, in order: size (truncated), magic,
/// version, scalar type, shape (non-empty, fits the file, equals `expected` if given),
/// checksum, and that every value is finite (naming the first cell that is not). Throws FormatError
/// naming the failed check; `who` prefixes the message.
template <class Scalar>
[[nodiscard]] QTable<Scalar> parse_q_table(const std::vector<unsigned char>& bytes,
                                           const std::string& who,
                                           std::optional<Shape> expected = std::nullopt) {
  BinaryReader r(bytes, who);
  r.magic(std::string_view(q_table_magic.data(), q_table_magic.size()));
  const auto version = r.value<std::uint32_t>();
  if (version != q_table_format_version) {
    r.fail(FormatProblem::version, detail::concat("file has version ", version,
                                                  ", this build reads ", q_table_format_version));
  }
  std::uint8_t header[4] = {};
  r.bytes(header, 4);
  if (header[0] != static_cast<std::uint8_t>(scalar_code<Scalar>())) {
    r.fail(FormatProblem::scalar_type,
           detail::concat("file stores type code ", static_cast<int>(header[0]), ", expected ",
                          static_cast<int>(scalar_code<Scalar>())));
  }
  const auto rows = r.value<std::uint64_t>();
  const auto cols = r.value<std::uint64_t>();
  constexpr auto max_dim = static_cast<std::uint64_t>(std::numeric_limits<int>::max());
  if (rows == 0 || cols == 0 || rows > max_dim || cols > max_dim) {
    r.fail(FormatProblem::shape, detail::concat("impossible shape ", rows, " x ", cols));
  }
  if (expected && (static_cast<std::int64_t>(rows) != expected->rows ||
                   static_cast<std::int64_t>(cols) != expected->cols)) {
    r.fail(FormatProblem::shape, detail::concat("file has ", rows, " x ", cols, ", expected ",
                                                expected->rows, " x ", expected->cols));
  }
  if (cols > std::numeric_limits<std::uint64_t>::max() / rows) {
    r.fail(FormatProblem::shape, "element count overflows");
  }
  const std::vector<Scalar> payload = r.array<Scalar>(rows * cols);
  r.verify_checksum();
  for (std::size_t k = 0; k < payload.size(); ++k) {
    if (!std::isfinite(static_cast<double>(payload[k]))) {
      r.fail(FormatProblem::value,
             detail::concat("Q(", k / cols, ", ", k % cols, ") must be finite, got ", payload[k]));
    }
  }
  QTable<Scalar> q(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  std::copy(payload.begin(), payload.end(), q.data());
  return q;
}

/// Loads a Q table saved with save_q_table. Throws IoError if the file cannot be read and
/// FormatError (with problem()) if it is not a valid Q table of this scalar type and shape.
template <class Scalar = double>
[[nodiscard]] QTable<Scalar> load_q_table(const std::filesystem::path& path,
                                          std::optional<Shape> expected = std::nullopt) {
  return parse_q_table<Scalar>(
      detail::read_file(path, "load_q_table",
                        std::string_view(q_table_magic.data(), q_table_magic.size())),
      "tabrl::load_q_table: " + path.string(), expected);
}

/// Writes `q` as a NumPy .npy file (format 1.0, little-endian, C order) that numpy.load reads.
template <class Scalar>
void write_npy(std::ostream& out, const QTable<Scalar>& q) {
  std::string header =
      detail::concat("{'descr': '<f", sizeof(Scalar), "', 'fortran_order': False, 'shape': (",
                     q.rows(), ", ", q.cols(), "), }");
  // Pad with spaces so that magic (6) + version (2) + length (2) + header ends on 64 bytes.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  out.write("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  out.write(reinterpret_cast<const char*>(&len), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(q.data()),
            static_cast<std::streamsize>(static_cast<std::size_t>(q.size()) * sizeof(Scalar)));
  if (!out) throw IoError("tabrl::write_npy: write failed");
}

/// Saves `q` as .npy at `path`, atomically.
template <class Scalar>
void export_npy(const std::filesystem::path& path, const QTable<Scalar>& q) {
  atomic_write(path, [&q](std::ostream& out) { write_npy(out, q); });
}

/// Saves `q` as CSV: a header `state,a0,a1,...` and one line per state, values printed with
/// 17 significant digits (they read back exactly).
template <class Scalar>
void export_csv(const std::filesystem::path& path, const QTable<Scalar>& q) {
  atomic_write(path, [&q](std::ostream& out) {
    out.precision(std::numeric_limits<Scalar>::max_digits10);
    out << "state";
    for (Eigen::Index a = 0; a < q.cols(); ++a) out << ",a" << a;
    out << '\n';
    for (Eigen::Index s = 0; s < q.rows(); ++s) {
      out << s;
      for (Eigen::Index a = 0; a < q.cols(); ++a) out << ',' << q(s, a);
      out << '\n';
    }
  });
}

}  // namespace tabrl
