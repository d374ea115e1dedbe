#pragma once
/// \file experiment/saved_spec.hpp
/// A RunSpec as a checkpoint part, so a checkpoint says which run it belongs to and a
/// trainer resumes it from the file alone.

#include <cstdint>
#include <string>

#include "../error.hpp"
#include "../serialization.hpp"
#include "run.hpp"

namespace tabrl::experiment {

/// Saveable wrapper of a RunSpec: every field of run_fields() as a (name, text) pair, read
/// back through set_field, so a file names its settings and each is checked as a flag is.
struct SavedRunSpec {
  RunSpec spec;  ///< the run

  /// "RunSpec" (Saveable).
  [[nodiscard]] static std::string kind() { return "RunSpec"; }

  /// Writes the number of fields, then each name and value as text (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint32_t>(run_fields().size()));
    for (const RunField& f : run_fields()) {
      out.string(f.name);
      out.string(f.get(spec));
    }
  }

  /// Reads the fields back (Saveable). Fields the file lacks keep their defaults (files of an
  /// older tabrl); an unknown field or a value out of its range throws FormatError naming it,
  /// changing nothing.
  void load(BinaryReader& in) {
    const auto count = in.value<std::uint32_t>();
    if (count > 4096) {
      in.fail(FormatProblem::value,
              tabrl::detail::concat("a run holds at most 4096 settings, got ", count));
    }
    RunSpec loaded;
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::string name = in.string(256);
      const std::string value = in.string(4096);
      try {
        set_field(loaded, name, value);
      } catch (const InvalidArgument& e) {
        in.fail(FormatProblem::value, e.what());
      }
    }
    try {
      validate(loaded);
    } catch (const InvalidArgument& e) {
      in.fail(FormatProblem::value, e.what());
    }
    spec = std::move(loaded);
  }
};

}  // namespace tabrl::experiment
