#pragma once
/// \file viz/mp4.hpp
/// MP4 videos of RGB frames through FFmpeg's libraries (optional: define TABRL_HAS_FFMPEG and
/// link libavformat, libavcodec, libswscale and libavutil, which the tabrl::viz CMake target
/// does when pkg-config finds them).
///
/// H.264 (libx264) where libavcodec has that encoder, MPEG-4 Part 2 (FFmpeg's own) otherwise;
/// 4:2:0 colour, BT.601 limited range, so every player shows it. The file is the same bytes
/// for the same frames, options and FFmpeg build: the muxer and encoder run bit-exact
/// (fflags +bitexact: no version strings or creation times) and the encoder on one thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../io/binary.hpp"
#include "image.hpp"

#if defined(TABRL_HAS_FFMPEG)
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}
#endif

namespace tabrl::viz {

/// True when this build can write MP4s (FFmpeg's libraries were found).
#if defined(TABRL_HAS_FFMPEG)
inline constexpr bool mp4_available = true;
#else
inline constexpr bool mp4_available = false;
#endif

/// Which video codec write_mp4 uses.
enum class Mp4Codec : std::uint8_t {
  automatic,  ///< H.264 when libavcodec has libx264, else MPEG-4 Part 2
  h264,       ///< H.264 (libx264); throws when this FFmpeg has no H.264 encoder
  mpeg4,      ///< MPEG-4 Part 2 (FFmpeg's own encoder, present in every build)
};

/// How write_mp4 encodes.
struct Mp4Options {
  int fps = 4;                           ///< frames per second, [1, 120]
  Mp4Codec codec = Mp4Codec::automatic;  ///< see Mp4Codec
  int quality = 18;   ///< H.264 CRF or MPEG-4 qscale*6 scale, [0, 51]: lower is better and larger
  int hold_last = 0;  ///< extra copies of the last frame, so a player pauses on the end, [0, 1000]
};

/// What write_mp4 wrote.
struct Mp4Info {
  std::string codec;        ///< the encoder's name: "libx264" or "mpeg4"
  int width = 0;            ///< video width (frames padded to even sizes for 4:2:0)
  int height = 0;           ///< video height
  std::int64_t frames = 0;  ///< video frames (frames.size() + hold_last)
  std::size_t bytes = 0;    ///< file size
};

#if defined(TABRL_HAS_FFMPEG)
namespace detail {

[[noreturn]] inline void av_fail(const std::string& path, const char* what, int code) {
  char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, reason, sizeof reason);
  throw Error(
      tabrl::detail::concat("tabrl::viz::write_mp4: ", what, " failed for '", path, "': ", reason));
}

// A seekable in-memory output for libavformat: the MP4 muxer seeks back to patch sizes, so a
// plain dynamic buffer will not do. The finished bytes are then written atomically.
struct MemoryOutput {
  std::string bytes;
  std::size_t pos = 0;

  // libavformat 61 (FFmpeg 7) made the buffer const.
#if LIBAVFORMAT_VERSION_MAJOR >= 61
  static int write(void* opaque, const std::uint8_t* buf, int size){
#else
  static int write(void* opaque, std::uint8_t* buf, int size) {
#endif
      auto* self = static_cast<MemoryOutput*>(opaque);
  const auto n = static_cast<std::size_t>(size);
  if (self->pos + n > self->bytes.size()) self->bytes.resize(self->pos + n);
  std::memcpy(self->bytes.data() + self->pos, buf, n);
  self->pos += n;
  return size;
} static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
  auto* self = static_cast<MemoryOutput*>(opaque);
  if ((whence & AVSEEK_SIZE) != 0) return static_cast<std::int64_t>(self->bytes.size());
  std::int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<std::int64_t>(self->pos);
      break;
    case SEEK_END:
      base = static_cast<std::int64_t>(self->bytes.size());
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (base + offset < 0) return AVERROR(EINVAL);
  self->pos = static_cast<std::size_t>(base + offset);
  return base + offset;
}
};  // namespace detail

// Owns everything FFmpeg allocated, freed in reverse on every way out.
struct Mp4Session {
  AVFormatContext* format = nullptr;
  AVIOContext* io = nullptr;
  AVCodecContext* codec = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* sws = nullptr;
  Mp4Session() = default;
  Mp4Session(const Mp4Session&) = delete;
  Mp4Session& operator=(const Mp4Session&) = delete;
  ~Mp4Session() {
    sws_freeContext(sws);
    av_packet_free(&packet);
    av_frame_free(&frame);
    avcodec_free_context(&codec);
    if (io != nullptr) av_freep(&io->buffer);
    avio_context_free(&io);
    avformat_free_context(format);
  }
};

// Sends `f` (null: flush) and muxes every packet the encoder returns.
inline void mp4_encode(Mp4Session& s, AVStream* stream, AVFrame* f, const std::string& path) {
  int err = avcodec_send_frame(s.codec, f);
  if (err < 0) av_fail(path, "sending a frame to the encoder", err);
  for (;;) {
    err = avcodec_receive_packet(s.codec, s.packet);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
    if (err < 0) av_fail(path, "encoding", err);
    av_packet_rescale_ts(s.packet, s.codec->time_base, stream->time_base);
    s.packet->stream_index = stream->index;
    err = av_interleaved_write_frame(s.format, s.packet);
    if (err < 0) av_fail(path, "writing a packet", err);
  }
}

}  // namespace detail
#endif

/// Writes `frames` (all the same size, at least one) as an MP4 video at options.fps. Frames
/// with an odd width or height are padded by one column or row repeating the edge (4:2:0
/// needs even sizes). Throws InvalidArgument on bad frames or options, tabrl::Error when
/// FFmpeg fails or the file cannot be written, and LogicError when the build has no FFmpeg
/// (check mp4_available first). FFmpeg's log level is lowered from its default (info, where
/// libx264 prints its statistics) to errors; a level the program set itself is kept.
inline Mp4Info write_mp4(const std::string& path, std::span<const RgbImage> frames,
                         const Mp4Options& options = {}) {
  constexpr const char* who = "viz::write_mp4";
  if (frames.empty()) tabrl::detail::throw_invalid(who, "frames must not be empty", 0);
  const int w = frames.front().width(), h = frames.front().height();
  if (w < 1 || h < 1) tabrl::detail::throw_invalid(who, "frames must not be empty images", w);
  if (w > 8192 || h > 8192) {
    tabrl::detail::throw_invalid(who, "frames must be at most 8192 x 8192",
                                 tabrl::detail::concat(w, "x", h));
  }
  for (const RgbImage& f : frames) {
    if (f.width() != w || f.height() != h) {
      tabrl::detail::throw_invalid(who, tabrl::detail::concat("every frame must be ", w, "x", h),
                                   tabrl::detail::concat(f.width(), "x", f.height()));
    }
  }
  if (options.fps < 1 || options.fps > 120)
    tabrl::detail::throw_invalid(who, "fps must be in [1, 120]", options.fps);
  if (options.quality < 0 || options.quality > 51)
    tabrl::detail::throw_invalid(who, "quality must be in [0, 51]", options.quality);
  if (options.hold_last < 0 || options.hold_last > 1000)
    tabrl::detail::throw_invalid(who, "hold_last must be in [0, 1000]", options.hold_last);
#if !defined(TABRL_HAS_FFMPEG)
  (void)path;
  throw LogicError(
      "tabrl::viz::write_mp4: this build has no FFmpeg (install libavcodec-dev libavformat-dev "
      "libswscale-dev libavutil-dev and reconfigure)");
#else
  // libx264 prints its settings and statistics at FFmpeg's default level (info); a program
  // that chose its own level keeps it.
  if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);
  const int vw = w + (w % 2), vh = h + (h % 2);
  const AVCodec* encoder = nullptr;
  if (options.codec != Mp4Codec::mpeg4) encoder = avcodec_find_encoder_by_name("libx264");
  if (encoder == nullptr && options.codec == Mp4Codec::h264) {
    throw Error(
        "tabrl::viz::write_mp4: this FFmpeg has no H.264 encoder (libx264); use "
        "Mp4Codec::automatic or Mp4Codec::mpeg4");
  }
  if (encoder == nullptr) encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (encoder == nullptr) throw Error("tabrl::viz::write_mp4: this FFmpeg has no MPEG-4 encoder");
  const bool h264 = encoder->id == AV_CODEC_ID_H264;

  detail::Mp4Session s;
  detail::MemoryOutput out;
  int err = avformat_alloc_output_context2(&s.format, nullptr, "mp4", nullptr);
  if (err < 0 || s.format == nullptr) detail::av_fail(path, "creating the MP4 muxer", err);
  s.format->flags |= AVFMT_FLAG_BITEXACT;  // no encoder version or creation time in the file
  constexpr int io_size = 1 << 16;
  auto* io_buffer = static_cast<unsigned char*>(av_malloc(io_size));
  if (io_buffer == nullptr) throw Error("tabrl::viz::write_mp4: out of memory");
  s.io = avio_alloc_context(io_buffer, io_size, 1, &out, nullptr, &detail::MemoryOutput::write,
                            &detail::MemoryOutput::seek);
  if (s.io == nullptr) {
    av_free(io_buffer);
    throw Error("tabrl::viz::write_mp4: out of memory");
  }
  s.format->pb = s.io;
  s.format->flags |= AVFMT_FLAG_CUSTOM_IO;

  AVStream* stream = avformat_new_stream(s.format, nullptr);
  if (stream == nullptr) throw Error("tabrl::viz::write_mp4: out of memory for the stream");
  s.codec = avcodec_alloc_context3(encoder);
  if (s.codec == nullptr) throw Error("tabrl::viz::write_mp4: out of memory for the encoder");
  s.codec->width = vw;
  s.codec->height = vh;
  s.codec->pix_fmt = AV_PIX_FMT_YUV420P;
  s.codec->time_base = AVRational{1, options.fps};
  s.codec->framerate = AVRational{options.fps, 1};
  s.codec->gop_size = options.fps * 2;
  s.codec->color_range = AVCOL_RANGE_MPEG;
  s.codec->colorspace = AVCOL_SPC_SMPTE170M;  // BT.601, what swscale's default matrix writes
  s.codec->color_primaries = AVCOL_PRI_SMPTE170M;
  s.codec->color_trc = AVCOL_TRC_SMPTE170M;
  s.codec->thread_count = 1;  // the same bytes on every machine, whatever its core count
  s.codec->flags |= AV_CODEC_FLAG_BITEXACT;
  if ((s.format->oformat->flags & AVFMT_GLOBALHEADER) != 0)
    s.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (h264) {
    av_opt_set(s.codec->priv_data, "preset", "medium", 0);
    av_opt_set(s.codec->priv_data, "tune", "animation", 0);
    av_opt_set_double(s.codec->priv_data, "crf", options.quality, 0);
  } else {
    s.codec->flags |= AV_CODEC_FLAG_QSCALE;
    const int q = 2 + options.quality / 6;  // 18 -> qscale 5
    s.codec->global_quality = FF_QP2LAMBDA * q;
  }
  err = avcodec_open2(s.codec, encoder, nullptr);
  if (err < 0) detail::av_fail(path, "opening the encoder", err);
  err = avcodec_parameters_from_context(stream->codecpar, s.codec);
  if (err < 0) detail::av_fail(path, "copying the encoder's parameters", err);
  stream->time_base = s.codec->time_base;
  stream->avg_frame_rate = s.codec->framerate;
  err = avformat_write_header(s.format, nullptr);
  if (err < 0) detail::av_fail(path, "writing the MP4 header", err);

  s.frame = av_frame_alloc();
  s.packet = av_packet_alloc();
  if (s.frame == nullptr || s.packet == nullptr)
    throw Error("tabrl::viz::write_mp4: out of memory");
  s.frame->format = AV_PIX_FMT_YUV420P;
  s.frame->width = vw;
  s.frame->height = vh;
  s.frame->color_range = AVCOL_RANGE_MPEG;
  s.frame->colorspace = AVCOL_SPC_SMPTE170M;
  err = av_frame_get_buffer(s.frame, 0);
  if (err < 0) detail::av_fail(path, "allocating a frame", err);
  // Point sampling: the frames are pixel art and already the video's size.
  s.sws = sws_getContext(vw, vh, AV_PIX_FMT_RGB24, vw, vh, AV_PIX_FMT_YUV420P,
                         SWS_POINT | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr);
  if (s.sws == nullptr) throw Error("tabrl::viz::write_mp4: cannot convert RGB to YUV 4:2:0");

  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(vw) * static_cast<std::size_t>(vh) * 3);
  const auto total = static_cast<std::int64_t>(frames.size()) + options.hold_last;
  for (std::int64_t i = 0; i < total; ++i) {
    const RgbImage& f = frames[static_cast<std::size_t>(
        std::min<std::int64_t>(i, static_cast<std::int64_t>(frames.size()) - 1))];
    const auto& p = f.pixels();
    const auto row = static_cast<std::size_t>(w) * 3, vrow = static_cast<std::size_t>(vw) * 3;
    for (int y = 0; y < vh; ++y) {
      const std::size_t sy = static_cast<std::size_t>(y < h ? y : h - 1);
      std::memcpy(rgb.data() + static_cast<std::size_t>(y) * vrow, p.data() + sy * row, row);
      if (vw != w)
        std::memcpy(rgb.data() + static_cast<std::size_t>(y) * vrow + row,
                    p.data() + sy * row + row - 3, 3);
    }
    err = av_frame_make_writable(s.frame);
    if (err < 0) detail::av_fail(path, "preparing a frame", err);
    const std::uint8_t* src[1] = {rgb.data()};
    const int stride[1] = {vw * 3};
    sws_scale(s.sws, src, stride, 0, vh, s.frame->data, s.frame->linesize);
    s.frame->pts = i;
    detail::mp4_encode(s, stream, s.frame, path);
  }
  detail::mp4_encode(s, stream, nullptr, path);
  err = av_write_trailer(s.format);
  if (err < 0) detail::av_fail(path, "writing the MP4 trailer", err);
  avio_flush(s.io);
  Mp4Info info;
  info.codec = encoder->name;
  info.width = vw;
  info.height = vh;
  info.frames = total;
  info.bytes = out.bytes.size();
  atomic_write(path, [&out](std::ostream& o) {
    o.write(out.bytes.data(), static_cast<std::streamsize>(out.bytes.size()));
  });
  return info;
#endif
}

}  // namespace tabrl::viz
