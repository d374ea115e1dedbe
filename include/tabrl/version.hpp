#pragma once
/// \file version.hpp
/// tabrl's version, the single source of truth (CMake parses these three lines).

/// Major version: incompatible API changes.
#define TABRL_VERSION_MAJOR 0
/// Minor version: in 0.x, also incompatible API changes (see docs/changelog.md).
#define TABRL_VERSION_MINOR 2
/// Patch version: fixes only.
#define TABRL_VERSION_PATCH 0

/// Version as one comparable integer: major * 10000 + minor * 100 + patch.
#define TABRL_VERSION \
  (TABRL_VERSION_MAJOR * 10000 + TABRL_VERSION_MINOR * 100 + TABRL_VERSION_PATCH)

namespace tabrl {
/// Version as a string, e.g. "0.2.0".
inline constexpr const char* version_string = "0.2.0";
}  // namespace tabrl
