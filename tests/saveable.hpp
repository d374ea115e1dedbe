#pragma once
// Helpers for the Saveable tests: the bytes an object saves, loading from bytes, payloads
// written field by field, and the checks every rejected load must pass (FormatError with
// the problem and the field named, and the object left exactly as it was).

#include <catch2/catch.hpp>

#include <cstddef>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <tabrl/error.hpp>
#include <tabrl/serialization.hpp>

namespace tabrl::test {

using Bytes = std::vector<unsigned char>;

/// The problem of the FormatError `f` throws (the test fails if it throws none).
inline FormatProblem problem_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.problem();
  }
  FAIL("no FormatError thrown");
  return FormatProblem::value;
}

/// The bytes of a field-by-field payload description (a struct with defaults and bytes()),
/// after `change` has modified a default one.
template <class Fields, class Change>
auto changed(Change&& change) {
  Fields f;
  change(f);
  return f.bytes();
}

/// The bytes written by `write(BinaryWriter&)`.
template <class Write>
Bytes payload(Write&& write) {
  std::ostringstream out;
  BinaryWriter w(out);
  write(w);
  const std::string s = std::move(out).str();
  return {s.begin(), s.end()};
}

/// The bytes object.save() writes.
template <class T>
Bytes saved(const T& object) {
  return payload([&object](BinaryWriter& w) { object.save(w); });
}

/// Loads `bytes` into `object`, requiring that the load reads every byte.
template <class T>
void load_from(T& object, const Bytes& bytes) {
  BinaryReader in(bytes, "test");
  object.load(in);
  REQUIRE(in.remaining() == 0);
}

/// Loading `bytes` must throw FormatError(problem) whose message contains `text`, and leave
/// `object` as it was (what it saves is unchanged).
template <class T>
void require_rejected(T& object, const Bytes& bytes, FormatProblem problem,
                      const std::string& text) {
  const Bytes before = saved(object);
  try {
    BinaryReader in(bytes, "test");
    object.load(in);
    FAIL("loaded a payload that should be rejected: " << text);
  } catch (const FormatError& e) {
    CAPTURE(e.what(), text);
    REQUIRE(e.problem() == problem);
    REQUIRE_THAT(std::string(e.what()), Catch::Contains(text));
  }
  REQUIRE(saved(object) == before);
}

/// Every proper prefix of a valid payload is rejected as truncated, changing nothing. Long
/// payloads are cut at every byte of their first `dense` bytes and at a stride after that.
template <class T>
void require_truncations_rejected(T& object, const Bytes& bytes, std::size_t dense = 512) {
  const Bytes before = saved(object);
  const std::size_t stride = bytes.size() > dense ? (bytes.size() - dense) / 64 + 1 : 1;
  for (std::size_t cut = 0; cut < bytes.size(); cut += cut < dense ? 1 : stride) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    CAPTURE(cut, bytes.size());
    try {
      BinaryReader in(prefix, "test");
      object.load(in);
      FAIL("loaded a truncated payload");
    } catch (const FormatError& e) {
      CAPTURE(e.what());
      REQUIRE(e.problem() == FormatProblem::truncated);
    }
  }
  REQUIRE(saved(object) == before);
}

/// `from` saved and loaded into `into` (made with other settings): `into` then saves the same
/// bytes.
template <class T>
void require_round_trip(const T& from, T& into) {
  const Bytes bytes = saved(from);
  REQUIRE(saved(into) != bytes);  // the target really starts out different
  load_from(into, bytes);
  REQUIRE(saved(into) == bytes);
}

}  // namespace tabrl::test
