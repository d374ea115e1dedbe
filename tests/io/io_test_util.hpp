#pragma once
// Helpers for the io tests: a scratch directory and a stream that fails after N bytes.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <streambuf>
#include <string>
#include <vector>

#include <unistd.h>

namespace tabrl::test {

/// A fresh directory under the system temp dir, removed when the object dies.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name) {
    path = std::filesystem::temp_directory_path() / ("tabrl-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& f) const { return path / f; }
};

/// A stream buffer that accepts `limit` bytes and then fails, like a full disk.
class FailingBuffer : public std::streambuf {
 public:
  explicit FailingBuffer(std::size_t limit) : limit_(limit) {}
  std::size_t written = 0;

 protected:
  int_type overflow(int_type ch) override {
    if (written >= limit_) return traits_type::eof();
    ++written;
    return ch;
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    const auto room = static_cast<std::streamsize>(limit_ - written);
    const std::streamsize k = n < room ? n : room;
    written += static_cast<std::size_t>(k);
    return k;
  }

 private:
  std::size_t limit_;
};

inline std::vector<unsigned char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
inline void write_bytes(const std::filesystem::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace tabrl::test
