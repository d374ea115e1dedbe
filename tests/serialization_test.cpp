// serialization.hpp: the little-endian writer and the bounds-checked reader every Saveable
// uses, FNV-1a checksums, scalar codes, and which types are Saveable.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/replay/sum_tree.hpp>
#include <tabrl/serialization.hpp>
#include <tabrl/training/train.hpp>

#include "io/io_test_util.hpp"
#include "saveable.hpp"

using tabrl::FormatProblem;
using Bytes = std::vector<unsigned char>;

static_assert(tabrl::Saveable<tabrl::QLearningAgent<>>);
static_assert(tabrl::Saveable<tabrl::DoubleQLearningAgent<float>>);
static_assert(tabrl::Saveable<tabrl::ReplayMemory<float, std::int64_t, std::int32_t>>);
static_assert(tabrl::Saveable<tabrl::PrioritizedReplay<>>);
static_assert(tabrl::Saveable<tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(tabrl::Saveable<tabrl::TrainingState>);
static_assert(tabrl::Saveable<tabrl::TrainOptions>);
static_assert(!tabrl::Saveable<tabrl::SumTree>);
static_assert(!tabrl::Saveable<tabrl::Rng>);
static_assert(!tabrl::Saveable<tabrl::Minibatch>);

static_assert(tabrl::scalar_code<float>() == tabrl::ScalarCode::float32);
static_assert(tabrl::scalar_code<double>() == tabrl::ScalarCode::float64);
static_assert(static_cast<int>(tabrl::ScalarCode::float32) == 1);
static_assert(static_cast<int>(tabrl::ScalarCode::float64) == 2);

namespace {
std::uint64_t fnv(const std::string& s) {
  return tabrl::detail::fnv1a({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}
using tabrl::test::problem_of;
}  // namespace

TEST_CASE("FNV-1a 64: the published test vectors", "[serialization]") {
  REQUIRE(fnv("") == 0xcbf29ce484222325ULL);
  REQUIRE(fnv("a") == 0xaf63dc4c8601ec8cULL);
  REQUIRE(fnv("foobar") == 0x85944171f73967e8ULL);
  // Continuing from a hash equals hashing the concatenation.
  const std::string bar = "bar";
  REQUIRE(tabrl::detail::fnv1a({reinterpret_cast<const unsigned char*>(bar.data()), 3}, fnv("foo")) ==
          fnv("foobar"));
}

TEST_CASE("BinaryWriter: little-endian fields, lengths first, a running hash", "[serialization]") {
  const Bytes bytes = tabrl::test::payload([](tabrl::BinaryWriter& w) {
    w.value(std::uint8_t{0xAB});
    w.value(std::int32_t{-2});
    w.value(std::uint64_t{0x0102030405060708ULL});
    w.value(1.5);
    const std::int16_t pair[2] = {1, -1};
    w.array(pair, 2);
    w.vector<std::uint8_t>(std::vector<std::uint8_t>{7, 8, 9});
    w.string("hi");
  });
  const Bytes expected{0xAB,                                            // u8
                       0xFE, 0xFF, 0xFF, 0xFF,                          // i32 -2
                       0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // u64
                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F,  // 1.5
                       0x01, 0x00, 0xFF, 0xFF,                          // two i16, no length
                       0x03, 0, 0, 0, 0, 0, 0, 0, 7, 8, 9,              // u64 length, elements
                       0x02, 0, 0, 0, 'h', 'i'};                        // u32 length, chars
  REQUIRE(bytes == expected);

  std::ostringstream out;
  tabrl::BinaryWriter w(out, "x.bin");
  REQUIRE(w.hash() == 0xcbf29ce484222325ULL);
  w.string("hi");
  const std::uint64_t h = w.hash();
  REQUIRE(h == tabrl::detail::fnv1a({expected.data() + expected.size() - 6, 6}));
  w.checksum();  // appends the hash of everything before, not hashing itself
  const std::string s = out.str();
  REQUIRE(s.size() == 14);
  std::uint64_t stored = 0;
  std::memcpy(&stored, s.data() + 6, 8);
  REQUIRE(stored == h);
  REQUIRE(w.hash() == h);

  tabrl::test::FailingBuffer full(3);
  std::ostream failing(&full);
  tabrl::BinaryWriter broken(failing, "full.bin");
  REQUIRE_THROWS_WITH(broken.value(std::uint64_t{1}),
                      "tabrl: writing full.bin failed (disk full or I/O error)");
}

TEST_CASE("BinaryReader: reads what the writer wrote, and refuses to read past the end",
          "[serialization]") {
  const Bytes bytes = tabrl::test::payload([](tabrl::BinaryWriter& w) {
    w.value(std::int32_t{-7});
    w.vector<double>(std::vector<double>{0.5, -2.0});
    w.string("kind");
    w.value(std::uint16_t{513});
  });
  tabrl::BinaryReader r(bytes, "file.ckpt");
  REQUIRE(r.who() == "file.ckpt");
  REQUIRE(r.remaining() == bytes.size());
  REQUIRE(r.value<std::int32_t>() == -7);
  REQUIRE(r.position() == 4);
  REQUIRE(r.vector<double>() == std::vector<double>{0.5, -2.0});
  REQUIRE(r.string() == "kind");
  const auto rest = r.take(2);
  REQUIRE(rest.size() == 2);
  REQUIRE(rest[0] == 1);
  REQUIRE(rest[1] == 2);
  REQUIRE(r.remaining() == 0);
  r.expect_end();
  try {
    (void)r.value<std::uint8_t>();
    FAIL("read past the end");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == FormatProblem::truncated);
    REQUIRE(std::string(e.what()) == "file.ckpt: truncated (needs 1 more bytes at offset " +
                                         std::to_string(bytes.size()) + ", has 0)");
  }

  // Lengths are checked against what is left before anything is allocated.
  const Bytes huge = tabrl::test::payload([](tabrl::BinaryWriter& w) {
    w.value(std::numeric_limits<std::uint64_t>::max() / 2);
    w.value(1.0);
  });
  tabrl::BinaryReader h(huge, "h");
  REQUIRE_THROWS_WITH(h.vector<double>(), Catch::Contains("h: truncated (announces 9223372036854775807 elements of 8 bytes, has 8)"));
  const Bytes short_vector = tabrl::test::payload([](tabrl::BinaryWriter& w) {
    w.value(std::uint64_t{2});  // two doubles announced, one present
    w.value(1.0);
  });
  tabrl::BinaryReader sv(short_vector, "v");
  REQUIRE_THROWS_WITH(sv.vector<double>(), "v: truncated (announces 2 elements of 8 bytes, has 8)");
  const Bytes long_string = tabrl::test::payload([](tabrl::BinaryWriter& w) { w.string(std::string(300, 'x')); });
  tabrl::BinaryReader ls(long_string, "s");
  REQUIRE(problem_of([&] { (void)ls.string(256); }) == FormatProblem::truncated);
  tabrl::BinaryReader ls2(long_string, "s");
  REQUIRE(ls2.string(300) == std::string(300, 'x'));
  tabrl::BinaryReader t(long_string, "t");
  REQUIRE(problem_of([&] { (void)t.take(long_string.size() + 1); }) == FormatProblem::truncated);
  REQUIRE(t.position() == 0);  // a refused read consumes nothing
  REQUIRE_THROWS_WITH(t.fail(FormatProblem::kind, ""), "t: wrong kind");
  REQUIRE_THROWS_WITH(t.fail(FormatProblem::shape, "3 x 4"), "t: shape mismatch (3 x 4)");
}

TEST_CASE("BinaryReader: magic, checksum and stray bytes", "[serialization]") {
  std::ostringstream out;
  tabrl::BinaryWriter w(out);
  w.bytes("TESTMAG", 8);
  w.value(std::uint32_t{42});
  w.checksum();
  const std::string s = out.str();
  const Bytes good(s.begin(), s.end());
  {
    tabrl::BinaryReader r(good, "f");
    r.magic(std::string_view("TESTMAG\0", 8));
    REQUIRE(r.value<std::uint32_t>() == 42);
    r.verify_checksum();
  }
  {
    tabrl::BinaryReader r(good, "f");
    REQUIRE(problem_of([&] { r.magic(std::string_view("OTHERMG\0", 8)); }) == FormatProblem::magic);
  }
  {
    const Bytes five(good.begin(), good.begin() + 5);
    tabrl::BinaryReader r(five, "f");
    REQUIRE(problem_of([&] { r.magic(std::string_view("TESTMAG\0", 8)); }) == FormatProblem::truncated);
  }
  for (std::size_t i = 0; i < good.size(); ++i) {  // any flipped bit is caught
    Bytes bad = good;
    bad[i] ^= 0x04;
    tabrl::BinaryReader r(bad, "f");
    CAPTURE(i);
    REQUIRE(problem_of([&] {
              (void)r.take(12);
              r.verify_checksum();
            }) == FormatProblem::checksum);
  }
  Bytes longer = good;
  longer.push_back(0);
  tabrl::BinaryReader r(longer, "f");
  (void)r.take(12);
  REQUIRE_THROWS_WITH(r.verify_checksum(), "f: checksum mismatch (1 stray bytes after the data)");
  const Bytes short_bytes(good.begin(), good.end() - 1);
  tabrl::BinaryReader shorter(short_bytes, "f");
  (void)shorter.take(12);
  REQUIRE_THROWS_WITH(shorter.verify_checksum(), "f: truncated (missing checksum)");
}
