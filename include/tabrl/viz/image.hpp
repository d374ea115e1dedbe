#pragma once
/// \file viz/image.hpp
/// A plain RGB raster: what the frame renderer draws into and the GIF/PNG writers read.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../error.hpp"
#include "color.hpp"

namespace tabrl::viz {

/// width x height pixels, 3 bytes each (R, G, B), rows top to bottom, no padding.
class RgbImage {
 public:
  RgbImage() = default;
  /// Throws if a side is < 1.
  RgbImage(int width, int height, Rgb fill = {255, 255, 255}) : width_(width), height_(height) {
    if (width < 1) tabrl::detail::throw_invalid("viz::RgbImage", "width must be >= 1", width);
    if (height < 1) tabrl::detail::throw_invalid("viz::RgbImage", "height must be >= 1", height);
    pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    fill_rect(0, 0, width, height, fill);
  }

  /// Pixels per row.
  [[nodiscard]] int width() const noexcept { return width_; }
  /// Rows.
  [[nodiscard]] int height() const noexcept { return height_; }
  /// The interleaved RGB bytes (row stride 3 * width()).
  [[nodiscard]] const std::vector<std::uint8_t>& pixels() const noexcept { return pixels_; }
  /// The interleaved RGB bytes, writable (keep the size).
  [[nodiscard]] std::vector<std::uint8_t>& pixels() noexcept { return pixels_; }

  /// The pixel at column x, row y. Throws when outside the image.
  [[nodiscard]] Rgb at(int x, int y) const {
    check(x, y);
    const std::size_t i = offset(x, y);
    return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
  }
  /// Sets one pixel. Throws when outside the image.
  void set(int x, int y, Rgb c) {
    check(x, y);
    put(x, y, c);
  }

  /// Fills the rectangle [x, x+w) x [y, y+h), clipped to the image.
  void fill_rect(int x, int y, int w, int h, Rgb c) noexcept {
    const int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    const int x1 = x + w > width_ ? width_ : x + w, y1 = y + h > height_ ? height_ : y + h;
    for (int yy = y0; yy < y1; ++yy) {
      for (int xx = x0; xx < x1; ++xx) put(xx, yy, c);
    }
  }

  /// Fills the disc of radius r around (cx, cy) (pixel centres inside), clipped.
  void fill_circle(double cx, double cy, double r, Rgb c) noexcept {
    for (int yy = 0; yy < height_; ++yy) {
      for (int xx = 0; xx < width_; ++xx) {
        const double dx = xx + 0.5 - cx, dy = yy + 0.5 - cy;
        if (dx * dx + dy * dy <= r * r) put(xx, yy, c);
      }
    }
  }

  /// Same size and pixels.
  friend bool operator==(const RgbImage&, const RgbImage&) = default;

 private:
  [[nodiscard]] std::size_t offset(int x, int y) const noexcept {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
            static_cast<std::size_t>(x)) *
           3;
  }
  void put(int x, int y, Rgb c) noexcept {
    const std::size_t i = offset(x, y);
    pixels_[i] = c.r;
    pixels_[i + 1] = c.g;
    pixels_[i + 2] = c.b;
  }
  void check(int x, int y) const {
    if (x < 0 || x >= width_) {
      tabrl::detail::throw_invalid("viz::RgbImage",
                                   tabrl::detail::concat("x must be in [0, ", width_, ")"), x);
    }
    if (y < 0 || y >= height_) {
      tabrl::detail::throw_invalid("viz::RgbImage",
                                   tabrl::detail::concat("y must be in [0, ", height_, ")"), y);
    }
  }

  int width_ = 0;
  int height_ = 0;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace tabrl::viz
