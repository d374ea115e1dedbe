#pragma once
/// \file io/binary.hpp
/// Files: reading one whole (bounded), and replacing one atomically. The encoding itself
/// (BinaryWriter, BinaryReader, checksums) is in serialization.hpp.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/platform.hpp"
#include "../error.hpp"
#include "../serialization.hpp"

namespace tabrl {

namespace detail {

/// A tabrl file into memory: refuses what is not a regular file (a device such as /dev/zero
/// would never end), checks the 8-byte `magic` before reading on (a huge file of another kind
/// is refused after 8 bytes), and never reads more than the file's size. Throws IoError if
/// it cannot be read, FormatError for a wrong magic.
[[nodiscard]] inline std::vector<unsigned char> read_file(const std::filesystem::path& path,
                                                          const char* who, std::string_view magic) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status))
    throw IoError(concat("tabrl::", who, ": cannot open ", path.string(), ": no such file"));
  if (!fs::is_regular_file(status)) {
    throw IoError(concat("tabrl::", who, ": ", path.string(), " is not a regular file"));
  }
  const auto size = fs::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw IoError(concat("tabrl::", who, ": cannot open ", path.string()));
  std::vector<unsigned char> data(static_cast<std::size_t>(size));
  const std::size_t head = std::min<std::size_t>(data.size(), magic.size());
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(head));
  {
    BinaryReader r(std::span<const unsigned char>(data.data(), head),
                   concat("tabrl::", who, ": ", path.string()));
    r.magic(magic);
  }
  in.read(reinterpret_cast<char*>(data.data() + head),
          static_cast<std::streamsize>(data.size() - head));
  if (static_cast<std::size_t>(in.gcount()) != data.size() - head) {
    throw IoError(
        concat("tabrl::", who, ": read error on ", path.string(), " (it changed while read?)"));
  }
  return data;
}

}  // namespace detail

namespace detail {

/// The file a write to `path` must replace: `path` itself, or for a symbolic link the file it
/// points to (the link is kept). Throws IoError when that is not a regular file or its
/// directory does not exist.
[[nodiscard]] inline std::filesystem::path write_target(const std::filesystem::path& path,
                                                        const char* who) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = path;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    target = fs::weakly_canonical(path, ec);
    if (ec) {
      throw IoError(
          concat("tabrl::", who, ": cannot follow the link ", path.string(), ": ", ec.message()));
    }
  }
  const auto status = fs::status(target, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    throw IoError(concat("tabrl::", who, ": ", path.string(),
                         " exists and is not a regular file (a device, directory or pipe is "
                         "never replaced)"));
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    throw IoError(concat("tabrl::", who, ": directory ", dir.string(), " does not exist"));
  }
  return target;
}

}  // namespace detail

/// Throws IoError, naming the reason, when atomic_write(path, ...) would refuse `path` (it
/// exists and is not a regular file, or its directory does not exist): for a program to
/// check an output path before it spends time on what it will write there.
inline void check_writable(const std::filesystem::path& path) {
  (void)detail::write_target(path, "check_writable");
}

/// Removes the temporary files atomic_write left for `target` (target.tmp-PID-N) whose writer
/// process is gone: a writer killed in the instant between naming its file and renaming it
/// leaves one behind. atomic_write calls it before every write; a program that owns a file
/// (a trainer's --save) may call it when it starts.
inline void remove_stale_temporaries(const std::filesystem::path& target) noexcept {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp-";
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos) continue;
    long pid = 0;
    bool digits = true;
    for (std::size_t i = 0; i < dash; ++i) {
      if (rest[i] < '0' || rest[i] > '9' || pid > 100000000L) {
        digits = false;
        break;
      }
      pid = pid * 10 + (rest[i] - '0');
    }
    if (!digits || pid == detail::process_id() || detail::process_may_exist(pid)) continue;
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

/// Replaces `path` atomically with what `write` produces: the bytes are built in memory, then
/// written to a new file in the same directory (unnamed where the system has O_TMPFILE),
/// synced to disk and renamed over `path`. If anything fails (the writer throws, the disk is
/// full), `path` keeps its previous contents, nothing is left behind, and IoError naming
/// `path` and the cause (or the writer's exception) is thrown. A `path` that exists and is not
/// a regular file (a device, a directory) is refused; a symbolic link is followed, so the file
/// it points to is replaced and the link stays. Temporary files of writers that were killed
/// are removed.
inline void atomic_write(const std::filesystem::path& path,
                         const std::function<void(std::ostream&)>& write) {
  const std::filesystem::path target = detail::write_target(path, "atomic_write");
  std::ostringstream buffer;
  write(buffer);
  if (!buffer)
    throw IoError(detail::concat("tabrl::atomic_write: encoding ", path.string(), " failed"));
  const std::string bytes = std::move(buffer).str();
  remove_stale_temporaries(target);
  static std::atomic<long> counter{0};
  std::filesystem::path temp = target;
  temp += detail::concat(".tmp-", detail::process_id(), "-", ++counter);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  detail::PendingFile file;
  std::string error;
  if (!file.open(dir, temp, error) || !file.write(bytes, error) || !file.commit(target, error)) {
    file.discard();
    throw IoError(
        detail::concat("tabrl::atomic_write: writing ", path.string(), " failed: ", error));
  }
}

}  // namespace tabrl
