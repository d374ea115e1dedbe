#pragma once
/// \file detail/platform.hpp
/// The few operating-system calls tabrl makes, behind one small interface: POSIX where the
/// system has it, portable fallbacks (with weaker guarantees, documented) elsewhere. Nothing
/// else in tabrl includes a system header.

#include <cstdio>
#include <filesystem>

#if __has_include(<fcntl.h>) && __has_include(<unistd.h>)
#include <fcntl.h>
#include <unistd.h>
#define TABRL_DETAIL_POSIX 1
#endif

namespace tabrl::detail {

/// This process's id (0 where the system has none to offer): names temporary files.
[[nodiscard]] inline long process_id() noexcept {
#ifdef TABRL_DETAIL_POSIX
  return static_cast<long>(::getpid());
#else
  return 0;
#endif
}

/// Forces a written file's contents to the disk (fsync). Returns false on failure. Without
/// POSIX it returns true and the data reaches the disk when the system decides.
[[nodiscard]] inline bool sync_file(const std::filesystem::path& path) noexcept {
#ifdef TABRL_DETAIL_POSIX
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
#else
  (void)path;
  return true;
#endif
}

}  // namespace tabrl::detail
