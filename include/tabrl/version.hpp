#pragma once
/// \file version.hpp
/// tabrl's version, the single source of truth (CMake parses these three lines).

#define TABRL_VERSION_MAJOR 0
#define TABRL_VERSION_MINOR 1
#define TABRL_VERSION_PATCH 0

/// Version as one comparable integer: major * 10000 + minor * 100 + patch.
#define TABRL_VERSION \
  (TABRL_VERSION_MAJOR * 10000 + TABRL_VERSION_MINOR * 100 + TABRL_VERSION_PATCH)

namespace tabrl {
/// Version as a string, e.g. "0.1.0".
inline constexpr const char* version_string = "0.1.0";
}  // namespace tabrl
