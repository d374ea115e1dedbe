#pragma once
/// \file viz/png.hpp
/// Single frames as PNG with libpng (optional: define TABRL_HAS_LIBPNG and link libpng, which
/// the tabrl::viz CMake target does when it finds it).

#include <cstring>
#include <string>

#include "../error.hpp"
#include "../io/binary.hpp"
#include "image.hpp"

#if defined(TABRL_HAS_LIBPNG)
#include <png.h>
#endif

namespace tabrl::viz {

/// True when this build can write and read PNGs (libpng was found).
#if defined(TABRL_HAS_LIBPNG)
inline constexpr bool png_available = true;
#else
inline constexpr bool png_available = false;
#endif

/// Writes `image` as an 8-bit RGB PNG. Throws tabrl::Error when the file cannot be written and
/// LogicError when the build has no libpng (check png_available first).
inline void write_png(const std::string& path, const RgbImage& image) {
  if (image.width() < 1)
    tabrl::detail::throw_invalid("viz::write_png", "image must not be empty", image.width());
#if !defined(TABRL_HAS_LIBPNG)
  (void)path;
  throw LogicError(
      "tabrl::viz::write_png: this build has no libpng (install libpng-dev and reconfigure)");
#else
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width());
  png.height = static_cast<png_uint_32>(image.height());
  png.format = PNG_FORMAT_RGB;
  // Encoded in memory first, then written atomically like every tabrl file.
  png_alloc_size_t size = 0;
  if (png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels().data(), 0, nullptr) == 0) {
    const std::string reason = png.message;
    png_image_free(&png);
    throw Error("tabrl::viz::write_png: encoding '" + path + "' failed: " + reason);
  }
  std::string bytes(size, '\0');
  if (png_image_write_to_memory(&png, bytes.data(), &size, 0, image.pixels().data(), 0, nullptr) ==
      0) {
    const std::string reason = png.message;
    png_image_free(&png);
    throw Error("tabrl::viz::write_png: encoding '" + path + "' failed: " + reason);
  }
  bytes.resize(size);
  atomic_write(path, [&bytes](std::ostream& out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
#endif
}

/// Reads an 8-bit RGB(A) PNG into an RgbImage (alpha is dropped, greyscale expanded). Throws
/// tabrl::Error when the file cannot be read and LogicError without libpng.
[[nodiscard]] inline RgbImage read_png(const std::string& path) {
#if !defined(TABRL_HAS_LIBPNG)
  (void)path;
  throw LogicError(
      "tabrl::viz::read_png: this build has no libpng (install libpng-dev and reconfigure)");
#else
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&png, path.c_str()) == 0) {
    throw Error("tabrl::viz::read_png: reading '" + path + "' failed: " + std::string(png.message));
  }
  png.format = PNG_FORMAT_RGB;
  RgbImage out(static_cast<int>(png.width), static_cast<int>(png.height));
  if (png_image_finish_read(&png, nullptr, out.pixels().data(), 0, nullptr) == 0) {
    const std::string reason = png.message;
    png_image_free(&png);
    throw Error("tabrl::viz::read_png: decoding '" + path + "' failed: " + reason);
  }
  return out;
#endif
}

}  // namespace tabrl::viz
