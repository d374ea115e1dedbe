#pragma once
/// \file viz/gif.hpp
/// Animated GIFs of RGB frames with giflib (optional: define TABRL_HAS_GIFLIB and link giflib,
/// which the tabrl::viz CMake target does when it finds it).
///
/// The writer is lossless for frames with at most 256 distinct colours (tabrl's frames use a few
/// dozen): one global palette holds them exactly, so decoding gives back the same pixels. After
/// the first frame only the rectangle that changed is stored.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../io/binary.hpp"
#include "color.hpp"
#include "image.hpp"

#if defined(TABRL_HAS_GIFLIB)
#include <gif_lib.h>
#endif

namespace tabrl::viz {

#if defined(TABRL_HAS_GIFLIB)
namespace detail {
[[noreturn]] inline void gif_fail(const std::string& path, const char* what, int code) {
  const char* reason = GifErrorString(code);
  throw Error(tabrl::detail::concat("tabrl::viz::write_gif: ", what, " failed for '", path,
                                    "': ", reason != nullptr ? reason : "unknown giflib error"));
}

// giflib's output callback: appends to the std::string the GIF is encoded into.
inline int gif_write(GifFileType* gif, const GifByteType* bytes, int n) {
  static_cast<std::string*>(gif->UserData)
      ->append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
  return n;
}
}  // namespace detail
#endif

/// True when this build can write GIFs (giflib was found).
#if defined(TABRL_HAS_GIFLIB)
inline constexpr bool gif_available = true;
#else
inline constexpr bool gif_available = false;
#endif

/// How a GIF animation plays.
struct GifOptions {
  int delay_centiseconds = 25;  ///< time each frame shows, in 1/100 s (0..65535)
  bool loop = true;             ///< repeat forever (NETSCAPE2.0 extension) or play once
};

/// The distinct colours of `frames` in first-seen order. Throws if there are more than 256
/// (a GIF palette cannot hold them and tabrl does not quantise).
[[nodiscard]] inline std::vector<Rgb> gif_palette(std::span<const RgbImage> frames) {
  std::vector<std::uint32_t> keys;  // sorted, for lookup
  std::vector<Rgb> palette;
  for (const RgbImage& f : frames) {
    const auto& p = f.pixels();
    for (std::size_t i = 0; i < p.size(); i += 3) {
      const std::uint32_t key =
          (std::uint32_t{p[i]} << 16U) | (std::uint32_t{p[i + 1]} << 8U) | p[i + 2];
      auto it = std::lower_bound(keys.begin(), keys.end(), key);
      if (it != keys.end() && *it == key) continue;
      keys.insert(it, key);
      palette.push_back({p[i], p[i + 1], p[i + 2]});
      if (palette.size() > 256) {
        tabrl::detail::throw_invalid("viz::write_gif", "frames must use at most 256 colours",
                                     palette.size());
      }
    }
  }
  return palette;
}

/// The bytes of an animated GIF of `frames` (all the same size, at least one), for embedding
/// (a data URL) or writing. `path` only names the file in error messages. Throws
/// InvalidArgument on bad frames, tabrl::Error when giflib fails, and LogicError when the
/// build has no giflib (check gif_available first).
[[nodiscard]] inline std::string gif_bytes(std::span<const RgbImage> frames,
                                           const GifOptions& options = {},
                                           const std::string& path = "(memory)") {
  if (frames.empty()) tabrl::detail::throw_invalid("viz::write_gif", "frames must not be empty", 0);
  const int w = frames.front().width(), h = frames.front().height();
  if (w < 1 || h < 1)
    tabrl::detail::throw_invalid("viz::write_gif", "frames must not be empty images", w);
  for (const RgbImage& f : frames) {
    if (f.width() != w || f.height() != h) {
      tabrl::detail::throw_invalid("viz::write_gif",
                                   tabrl::detail::concat("every frame must be ", w, "x", h),
                                   tabrl::detail::concat(f.width(), "x", f.height()));
    }
  }
  if (options.delay_centiseconds < 0 || options.delay_centiseconds > 65535) {
    tabrl::detail::throw_invalid("viz::write_gif", "delay_centiseconds must be in [0, 65535]",
                                 options.delay_centiseconds);
  }
  const std::vector<Rgb> palette = gif_palette(frames);
#if !defined(TABRL_HAS_GIFLIB)
  (void)path;
  throw LogicError(
      "tabrl::viz::write_gif: this build has no giflib (install libgif-dev and reconfigure)");
#else
  int bits = 1;
  while ((1 << bits) < static_cast<int>(palette.size())) ++bits;
  std::vector<GifColorType> colors(static_cast<std::size_t>(1) << bits, GifColorType{0, 0, 0});
  for (std::size_t i = 0; i < palette.size(); ++i)
    colors[i] = {palette[i].r, palette[i].g, palette[i].b};
  auto fail = [&path](const char* what, int code) { detail::gif_fail(path, what, code); };
  // Encoded into memory, then written atomically like every tabrl file.
  std::string bytes;
  int err = 0;
  GifFileType* gif = EGifOpen(&bytes, &detail::gif_write, &err);
  // Closes the GIF on every path out, including exceptions.
  struct Closer {
    GifFileType*& g;
    ~Closer() {
      if (g != nullptr) {
        int e = 0;
        EGifCloseFile(g, &e);
      }
    }
  } closer{gif};
  if (gif == nullptr) detail::gif_fail(path, "opening", err);
  EGifSetGifVersion(gif, true);  // GIF89a: needed for delays and looping
  ColorMapObject* map = GifMakeMapObject(static_cast<int>(colors.size()), colors.data());
  if (map == nullptr) throw Error("tabrl::viz::write_gif: out of memory for the palette");
  const int put = EGifPutScreenDesc(gif, w, h, bits, 0, map);
  GifFreeMapObject(map);
  if (put == GIF_ERROR) fail("writing the screen descriptor", gif->Error);
  if (options.loop) {
    static constexpr char app[] = "NETSCAPE2.0";
    const unsigned char forever[3] = {1, 0, 0};  // sub-block 1, loop count 0 = forever
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 11, app) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 3, forever) == GIF_ERROR ||
        EGifPutExtensionTrailer(gif) == GIF_ERROR) {
      fail("writing the loop extension", gif->Error);
    }
  }
  auto index_of = [&palette](std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    for (std::size_t i = 0; i < palette.size(); ++i) {
      if (palette[i].r == r && palette[i].g == g && palette[i].b == b)
        return static_cast<GifPixelType>(i);
    }
    return GifPixelType{0};  // unreachable: the palette holds every colour of every frame
  };
  std::vector<GifPixelType> line(static_cast<std::size_t>(w));
  const RgbImage* previous = nullptr;
  for (const RgbImage& f : frames) {
    // After the first frame only the rectangle that changed is stored (the frames are drawn
    // over each other: DISPOSE_DO_NOT), which is what keeps a rollout small: the agent's
    // cell and the status bar change, the grid does not.
    int x0 = 0, y0 = 0, x1 = w, y1 = h;  // [x0, x1) x [y0, y1)
    if (previous != nullptr) {
      x0 = w;
      y0 = h;
      x1 = 0;
      y1 = 0;
      const auto& a = previous->pixels();
      const auto& b = f.pixels();
      for (int y = 0; y < h; ++y) {
        const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) * 3;
        for (int x = 0; x < w; ++x) {
          const std::size_t i = row + static_cast<std::size_t>(x) * 3;
          if (a[i] != b[i] || a[i + 1] != b[i + 1] || a[i + 2] != b[i + 2]) {
            x0 = std::min(x0, x);
            x1 = std::max(x1, x + 1);
            y0 = std::min(y0, y);
            y1 = std::max(y1, y + 1);
          }
        }
      }
      if (x1 == 0) {  // the same picture again: one unchanged pixel carries the delay
        x0 = 0;
        y0 = 0;
        x1 = 1;
        y1 = 1;
      }
    }
    previous = &f;
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = options.delay_centiseconds;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const std::size_t n = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext) == GIF_ERROR) {
      fail("writing a frame delay", gif->Error);
    }
    if (EGifPutImageDesc(gif, x0, y0, x1 - x0, y1 - y0, false, nullptr) == GIF_ERROR)
      fail("writing a frame header", gif->Error);
    const auto& p = f.pixels();
    for (int y = y0; y < y1; ++y) {
      // Runs of one colour are the rule in these frames: reuse the last lookup.
      std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) +
                       static_cast<std::size_t>(x0)) *
                      3;
      GifPixelType last = index_of(p[i], p[i + 1], p[i + 2]);
      for (int x = x0; x < x1; ++x, i += 3) {
        const Rgb& pal = palette[last];
        if (pal.r != p[i] || pal.g != p[i + 1] || pal.b != p[i + 2])
          last = index_of(p[i], p[i + 1], p[i + 2]);
        line[static_cast<std::size_t>(x - x0)] = last;
      }
      if (EGifPutLine(gif, line.data(), x1 - x0) == GIF_ERROR) fail("writing pixels", gif->Error);
    }
  }
  GifFileType* done = gif;
  gif = nullptr;  // the closer must not close it twice
  if (EGifCloseFile(done, &err) == GIF_ERROR) fail("closing", err);
  return bytes;
#endif
}

/// Writes `frames` (all the same size, at least one) as an animated GIF, atomically. Throws
/// InvalidArgument on bad frames, tabrl::Error when the file cannot be written, and LogicError
/// when the build has no giflib (check gif_available first).
inline void write_gif(const std::string& path, std::span<const RgbImage> frames,
                      const GifOptions& options = {}) {
  const std::string bytes = gif_bytes(frames, options, path);
  atomic_write(path, [&bytes](std::ostream& out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace tabrl::viz
