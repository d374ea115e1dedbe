#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/viz/mp4.hpp>
#include <tabrl/viz/tiles.hpp>

#include "cliff_path.hpp"

using namespace tabrl::viz;
namespace fs = std::filesystem;

namespace {

using tabrl::test::optimal_cliff_path;

std::string temp_path(const char* name) {
  return (fs::temp_directory_path() / (std::string("tabrl_mp4_test_") + name)).string();
}

}  // namespace

#if defined(TABRL_HAS_FFMPEG)
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace {

/// What the test reads back from a file with libavformat / libavcodec.
struct Decoded {
  std::string codec;                 // decoder name
  std::string container;             // demuxer name
  double fps = 0;                    // the stream's average frame rate
  std::vector<RgbImage> frames;      // every frame, converted to RGB
};

Decoded decode_mp4(const std::string& path) {
  Decoded out;
  AVFormatContext* fmt = nullptr;
  REQUIRE(avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) == 0);
  REQUIRE(avformat_find_stream_info(fmt, nullptr) >= 0);
  out.container = fmt->iformat->name;
  const int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  REQUIRE(index >= 0);
  AVStream* stream = fmt->streams[index];
  out.fps = av_q2d(stream->avg_frame_rate);
  const AVCodec* dec = avcodec_find_decoder(stream->codecpar->codec_id);
  REQUIRE(dec != nullptr);
  out.codec = dec->name;
  AVCodecContext* ctx = avcodec_alloc_context3(dec);
  REQUIRE(avcodec_parameters_to_context(ctx, stream->codecpar) >= 0);
  ctx->thread_count = 1;
  REQUIRE(avcodec_open2(ctx, dec, nullptr) == 0);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  SwsContext* sws = nullptr;
  auto drain = [&] {
    while (avcodec_receive_frame(ctx, frame) == 0) {
      sws = sws_getCachedContext(sws, frame->width, frame->height,
                                 static_cast<AVPixelFormat>(frame->format), frame->width,
                                 frame->height, AV_PIX_FMT_RGB24,
                                 SWS_POINT | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr,
                                 nullptr);
      RgbImage img(frame->width, frame->height);
      std::uint8_t* dst[1] = {img.pixels().data()};
      const int stride[1] = {frame->width * 3};
      sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, stride);
      out.frames.push_back(std::move(img));
    }
  };
  while (av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == index) {
      REQUIRE(avcodec_send_packet(ctx, pkt) == 0);
      drain();
    }
    av_packet_unref(pkt);
  }
  avcodec_send_packet(ctx, nullptr);
  drain();
  sws_freeContext(sws);
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  avformat_close_input(&fmt);
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Lossy video: a flat area's colour comes back within this many levels per channel (4:2:0 at
/// CRF 18 / qscale 5 on 48-pixel tiles: measured errors are 0 to 3; 10 leaves room for other
/// FFmpeg builds while still telling the agent's blue (#1f4ec8) from the floor (#f4f1ea).
constexpr int tolerance = 10;

bool near(Rgb a, Rgb b) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
         std::abs(a.b - b.b) <= tolerance;
}

/// A pixel inside the agent's body on the tile of `state`, clear of the trail dot and the
/// floor's specks (design units (10, 11) of a 16-unit tile at scale 3).
std::pair<int, int> body_pixel(int state) {
  const int k = 48;
  return {(state % 12) * k + 10 * 3 + 1, (state / 12) * k + 11 * 3 + 1};
}

}  // namespace

TEST_CASE("write_mp4 writes the rollout's frames: decoded back, same count, size, colours",
          "[viz][mp4]") {
  const tabrl::CliffWalking env;
  const tabrl::Rollout r = optimal_cliff_path();
  const std::vector<RgbImage> frames = rollout_frames(env, r);
  REQUIRE(frames.size() == 14);
  const std::string path = temp_path("cliff.mp4");
  const Mp4Info info = write_mp4(path, frames, {.fps = 4});
  CHECK(info.frames == 14);
  CHECK(info.width == frames[0].width());  // 576: even already
  CHECK(info.height == frames[0].height() + frames[0].height() % 2);
  CHECK(info.bytes == fs::file_size(path));
  const Decoded d = decode_mp4(path);
  CHECK_THAT(d.container, Catch::Contains("mp4"));
  CHECK(d.codec == (info.codec == "libx264" ? "h264" : "mpeg4"));
  CHECK(d.fps == Approx(4.0));
  REQUIRE(d.frames.size() == 14);
  CHECK(d.frames[0].width() == info.width);
  CHECK(d.frames[0].height() == info.height);
  const TilePalette palette;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    const auto [ax, ay] = body_pixel(r.states[i]);
    CHECK(frames[i].at(ax, ay) == palette.agent);  // the source frame, exactly
    CHECK(near(d.frames[i].at(ax, ay), palette.agent));
  }
  // Where the agent was in frame 5 (state 29), frame 0 shows plain floor; the cliff and the
  // goal keep their colours.
  const auto [fx, fy] = body_pixel(29);
  CHECK(near(d.frames[0].at(fx, fy), palette.floor));
  CHECK(near(d.frames[7].at(2 * 48 + 24, 3 * 48 + 30), palette.cliff));
  CHECK(near(d.frames[7].at(11 * 48 + 40, 3 * 48 + 40), palette.goal));
  fs::remove(path);
}

TEST_CASE("write_mp4 is deterministic: the same frames give the same bytes", "[viz][mp4]") {
  const std::vector<RgbImage> frames = rollout_frames(tabrl::CliffWalking{}, optimal_cliff_path());
  const std::string a = temp_path("a.mp4"), b = temp_path("b.mp4");
  (void)write_mp4(a, frames);
  (void)write_mp4(b, frames);
  CHECK(read_bytes(a) == read_bytes(b));
  // No "Lavf..." encoder string: the muxer ran bit-exact.
  CHECK(read_bytes(a).find("Lavf") == std::string::npos);
  fs::remove(a);
  fs::remove(b);
}

TEST_CASE("write_mp4 MPEG-4 Part 2, odd sizes padded, held last frame", "[viz][mp4]") {
  std::vector<RgbImage> frames;
  for (int i = 0; i < 3; ++i) {
    RgbImage f(33, 17, Rgb{0xf4, 0xf1, 0xea});
    f.fill_rect(i * 10, 0, i == 2 ? 13 : 10, 17, Rgb{0x1f, 0x4e, 0xc8});  // the last reaches the edge
    frames.push_back(f);
  }
  const std::string path = temp_path("odd.mp4");
  const Mp4Info info = write_mp4(path, frames, {.fps = 10, .codec = Mp4Codec::mpeg4, .hold_last = 2});
  CHECK(info.codec == "mpeg4");
  CHECK(info.width == 34);
  CHECK(info.height == 18);
  CHECK(info.frames == 5);
  const Decoded d = decode_mp4(path);
  CHECK(d.codec == "mpeg4");
  REQUIRE(d.frames.size() == 5);
  CHECK(d.frames[0].width() == 34);
  CHECK(d.frames[0].height() == 18);
  CHECK(near(d.frames[0].at(4, 8), Rgb{0x1f, 0x4e, 0xc8}));
  CHECK(near(d.frames[0].at(25, 8), Rgb{0xf4, 0xf1, 0xea}));
  CHECK(near(d.frames[4].at(25, 8), Rgb{0x1f, 0x4e, 0xc8}));  // the held last frame
  // The padding column repeats the edge (blue in the last frame).
  INFO("padding pixel " << int(d.frames[4].at(33, 8).r) << "," << int(d.frames[4].at(33, 8).g) << "," << int(d.frames[4].at(33, 8).b) << " 32: " << int(d.frames[4].at(32, 8).r) << " left " << int(d.frames[4].at(31, 8).r) << "," << int(d.frames[4].at(31, 8).g) << "," << int(d.frames[4].at(31, 8).b));
  CHECK(near(d.frames[4].at(33, 8), Rgb{0x1f, 0x4e, 0xc8}));
  fs::remove(path);
}
#endif

TEST_CASE("write_mp4 rejects bad frames and options with the bound", "[viz][mp4]") {
  const std::string path = temp_path("bad.mp4");
  const std::vector<RgbImage> none;
  CHECK_THROWS_WITH(write_mp4(path, none), Catch::Contains("frames must not be empty"));
  const std::vector<RgbImage> mixed{RgbImage(4, 4), RgbImage(4, 6)};
  CHECK_THROWS_WITH(write_mp4(path, mixed), Catch::Contains("every frame must be 4x4, got 4x6"));
  const std::vector<RgbImage> one{RgbImage(4, 4)};
  CHECK_THROWS_WITH(write_mp4(path, one, {.fps = 0}), Catch::Contains("fps must be in [1, 120], got 0"));
  CHECK_THROWS_WITH(write_mp4(path, one, {.fps = 121}), Catch::Contains("fps must be in [1, 120]"));
  CHECK_THROWS_WITH(write_mp4(path, one, {.quality = 52}), Catch::Contains("quality must be in [0, 51]"));
  CHECK_THROWS_WITH(write_mp4(path, one, {.hold_last = -1}), Catch::Contains("hold_last must be in [0, 1000]"));
  const std::vector<RgbImage> huge{RgbImage(8193, 2)};
  CHECK_THROWS_WITH(write_mp4(path, huge), Catch::Contains("at most 8192 x 8192, got 8193x2"));
  CHECK_FALSE(fs::exists(path));
#if !defined(TABRL_HAS_FFMPEG)
  CHECK_THROWS_AS(write_mp4(path, one), tabrl::LogicError);
#else
  // A folder that does not exist: IoError naming the path, nothing written.
  CHECK_THROWS_AS(write_mp4("/nonexistent-dir/x.mp4", one), tabrl::IoError);
#endif
}
