#pragma once
/// \file detail/platform.hpp
/// The few operating-system calls tabrl makes, behind one small interface: POSIX (and
/// Linux's O_TMPFILE) where the system has them, portable fallbacks with weaker guarantees
/// elsewhere (documented in docs/reliability.md). Nothing else in tabrl includes a system
/// header.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#if __has_include(<fcntl.h>) && __has_include(<unistd.h>) && __has_include(<signal.h>)
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

/// True unless the process `pid` certainly does not exist (so its temporary files are stale).
[[nodiscard]] inline bool process_may_exist(long pid) noexcept {
#ifdef TABRL_DETAIL_POSIX
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
#else
  (void)pid;
  return true;
#endif
}

/// The machine's physical memory in bytes, or 0 when the system does not say.
[[nodiscard]] inline std::uint64_t physical_memory_bytes() noexcept {
#if defined(TABRL_DETAIL_POSIX) && defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
#else
  return 0;
#endif
}

/// The width in columns of the terminal `file` is, or 0 when it is not one (or the system
/// does not say).
[[nodiscard]] inline int terminal_columns(std::FILE* file) noexcept {
#if defined(TABRL_DETAIL_POSIX) && defined(TIOCGWINSZ)
  struct winsize size {};
  if (file != nullptr && ::ioctl(::fileno(file), TIOCGWINSZ, &size) == 0) return size.ws_col;
#else
  (void)file;
#endif
  return 0;
}

/// The text of the last system error (errno).
[[nodiscard]] inline std::string system_error_text() {
  return std::strerror(errno);
}

/// A file being written before it is moved into place. With O_TMPFILE the data goes to an
/// unnamed inode, which a killed writer cannot leave behind; it gets a name only for the
/// instant before the rename.
class PendingFile {
 public:
  PendingFile() = default;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  PendingFile(PendingFile&&) = delete;
  PendingFile& operator=(PendingFile&&) = delete;
  ~PendingFile() { discard(); }

  /// Starts a file in `dir` whose eventual temporary name is `temp_name`. Returns false with
  /// `error` set when it cannot.
  bool open(const std::filesystem::path& dir, const std::filesystem::path& temp_name,
            std::string& error) {
    temp_ = temp_name;
#ifdef TABRL_DETAIL_POSIX
#ifdef O_TMPFILE
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      anonymous_ = true;
      return true;
    }
#endif
    (void)dir;
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error = system_error_text();
      return false;
    }
    named_ = true;
    return true;
#else
    (void)dir;
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    named_ = static_cast<bool>(out_);
    if (!named_) error = "cannot create the file";
    return named_;
#endif
  }

  /// Writes all of `data`; false with `error` set when the system refuses (disk full...).
  bool write(std::string_view data, std::string& error) {
#ifdef TABRL_DETAIL_POSIX
    while (!data.empty()) {
      const ::ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        error = system_error_text();
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
#else
    out_.write(data.data(), static_cast<std::streamsize>(data.size()));
    out_.flush();
    if (!out_) error = "write failed";
    return static_cast<bool>(out_);
#endif
  }

  /// Forces the data to the disk and replaces `target` with the file (atomically where the
  /// system renames atomically, as POSIX does). False with `error` set on failure.
  bool commit(const std::filesystem::path& target, std::string& error) {
#ifdef TABRL_DETAIL_POSIX
    if (::fsync(fd_) != 0) {
      error = system_error_text();
      return false;
    }
    if (anonymous_) {
      const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
        error = system_error_text();
        return false;
      }
      named_ = true;
    }
    ::close(fd_);
    fd_ = -1;
#else
    out_.close();
#endif
    std::error_code ec;
    std::filesystem::rename(temp_, target, ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    named_ = false;
#ifdef TABRL_DETAIL_POSIX
    // The rename itself must reach the disk too: sync the directory.
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
#endif
    return true;
  }

  /// Removes whatever was written (idempotent).
  void discard() noexcept {
#ifdef TABRL_DETAIL_POSIX
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
#else
    if (out_.is_open()) out_.close();
#endif
    if (named_) {
      std::error_code ignored;
      std::filesystem::remove(temp_, ignored);
      named_ = false;
    }
  }

 private:
  std::filesystem::path temp_;
  bool named_ = false;
#ifdef TABRL_DETAIL_POSIX
  int fd_ = -1;
  bool anonymous_ = false;
#else
  std::ofstream out_;
#endif
};

}  // namespace tabrl::detail
