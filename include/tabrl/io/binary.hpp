#pragma once
/// \file io/binary.hpp
/// Files: reading one whole (bounded), and replacing one atomically. The encoding itself
/// (BinaryWriter, BinaryReader, checksums) is in serialization.hpp.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "../detail/platform.hpp"
#include "../error.hpp"
#include "../serialization.hpp"

namespace tabrl {

namespace detail {

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
  tmp += detail::concat(".tmp-", detail::process_id(), "-", ++counter);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw IoError(detail::concat("tabrl::atomic_write: cannot create ", tmp.string()));
      write(out);
      out.flush();
      if (!out)
        throw IoError(detail::concat("tabrl::atomic_write: writing ", tmp.string(), " failed"));
    }
    if (!detail::sync_file(tmp)) {
      throw IoError(detail::concat("tabrl::atomic_write: cannot sync ", tmp.string()));
    }
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
