#pragma once
/// \file experiment/text.hpp
/// The text rules of the sweep files: numbers printed in their shortest round-trip form
/// (so two files with the same results compare equal with `cmp`), strict parsing of settings,
/// CSV and JSON quoting, and atomic file replacement.

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>

#include "../error.hpp"
#include "../io/binary.hpp"

namespace tabrl::experiment {

/// Appends `x` in the shortest form that reads back to the same double ("0.1", "-13",
/// "1e+100"); NaN is written "nan" and infinities "inf" / "-inf".
inline void append_number(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

/// Appends a signed or unsigned integer in decimal.
template <class Int>
requires std::integral<Int>
inline void append_number(std::string& out, Int x) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

/// `x` as append_number writes it.
template <class T>
[[nodiscard]] std::string number_text(T x) {
  std::string s;
  append_number(s, x);
  return s;
}

/// Appends `x` as a JSON value: like append_number, but NaN and infinities (which JSON cannot
/// hold) become null.
inline void append_json_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  append_number(out, x);
}

/// Appends `s` as a JSON string literal (quotes, backslashes and control characters escaped).
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

/// Appends `s` as one CSV field, quoted (RFC 4180) only when it holds a comma, quote or
/// line break.
inline void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

/// Parses all of `text` as a finite double. Throws InvalidArgument naming `who` and `field`.
[[nodiscard]] inline double parse_double(std::string_view who, std::string_view field,
                                         std::string_view text) {
  double x = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, x);
  if (text.empty() || r.ec != std::errc() || r.ptr != end || !std::isfinite(x)) {
    detail::throw_invalid(who, detail::concat(field, " must be a finite number"),
                          detail::concat("'", text, "'"));
  }
  return x;
}

/// Parses all of `text` as an integer in [lo, hi]. Throws InvalidArgument naming `who`,
/// `field` and the bounds.
template <class Int = std::int64_t>
[[nodiscard]] Int parse_integer(std::string_view who, std::string_view field, std::string_view text,
                                Int lo = std::numeric_limits<Int>::min(),
                                Int hi = std::numeric_limits<Int>::max()) {
  Int x = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, x);
  if (text.empty() || r.ec != std::errc() || r.ptr != end || x < lo || x > hi) {
    detail::throw_invalid(who, detail::concat(field, " must be an integer in [", lo, ", ", hi, "]"),
                          detail::concat("'", text, "'"));
  }
  return x;
}

/// Writes `content` to `path` with tabrl::atomic_write (a unique temporary in the same
/// directory, synced, renamed over `path`; the old file survives any failure and no
/// temporary is left behind). Throws IoError naming the file on failure.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  atomic_write(path, [content](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

}  // namespace tabrl::experiment
