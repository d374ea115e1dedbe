// Q table files: round trips, exports, every kind of bad file, atomic replacement.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <tabrl/io/q_table.hpp>

#include "io/io_test_util.hpp"
#include "saveable.hpp"

namespace fs = std::filesystem;
using tabrl::FormatProblem;

namespace {
tabrl::QTable<double> sample_table() {
  tabrl::QTable<double> q(48, 4);
  for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = -0.1 * static_cast<double>(i) + 1.0 / 3.0;
  return q;
}
using tabrl::test::problem_of;
}  // namespace

TEST_CASE("q table: binary round trip is exact, for double and float", "[io]") {
  tabrl::test::ScratchDir dir("qt");
  const auto q = sample_table();
  tabrl::save_q_table(dir / "q.bin", q);
  REQUIRE(tabrl::load_q_table<double>(dir / "q.bin") == q);
  REQUIRE(tabrl::load_q_table<double>(dir / "q.bin", tabrl::Shape{48, 4}) == q);
  const tabrl::QTable<float> qf = q.cast<float>();
  tabrl::save_q_table(dir / "qf.bin", qf);
  REQUIRE(tabrl::load_q_table<float>(dir / "qf.bin") == qf);
  // header 8 + 4 + 4 + 16, payload 48*4*8, checksum 8
  REQUIRE(fs::file_size(dir / "q.bin") == 32 + 48 * 4 * 8 + 8);
}

TEST_CASE("q table: each corrupt file is rejected with the check that failed", "[io]") {
  std::ostringstream out;
  tabrl::write_q_table(out, sample_table());
  const std::string good_str = out.str();
  const std::vector<unsigned char> good(good_str.begin(), good_str.end());
  auto parse = [](const std::vector<unsigned char>& b) { (void)tabrl::parse_q_table<double>(b, "test"); };

  auto truncated = good;
  truncated.resize(100);
  REQUIRE(problem_of([&] { parse(truncated); }) == FormatProblem::truncated);
  REQUIRE(problem_of([&] { parse({}); }) == FormatProblem::truncated);
  auto no_checksum = good;
  no_checksum.resize(good.size() - 8);
  REQUIRE(problem_of([&] { parse(no_checksum); }) == FormatProblem::truncated);

  auto magic = good;
  magic[0] = 'X';
  REQUIRE(problem_of([&] { parse(magic); }) == FormatProblem::magic);
  auto version = good;
  version[8] = 2;
  REQUIRE(problem_of([&] { parse(version); }) == FormatProblem::version);
  auto scalar = good;
  scalar[12] = 1;  // claims float32
  REQUIRE(problem_of([&] { parse(scalar); }) == FormatProblem::scalar_type);
  REQUIRE(problem_of([&] { (void)tabrl::parse_q_table<float>(good, "test"); }) == FormatProblem::scalar_type);
  auto flipped = good;
  flipped[200] ^= 0x01;  // one bit of the payload
  REQUIRE(problem_of([&] { parse(flipped); }) == FormatProblem::checksum);
  auto extra = good;
  extra.push_back(0);
  REQUIRE(problem_of([&] { parse(extra); }) == FormatProblem::checksum);
  REQUIRE(problem_of([&] { (void)tabrl::parse_q_table<double>(good, "test", tabrl::Shape{16, 4}); }) ==
          FormatProblem::shape);
  auto huge = good;  // rows = 2^40: must fail on size, not try to allocate 2^40 * 32 bytes
  huge[16 + 5] = 1;
  REQUIRE(problem_of([&] { parse(huge); }) == FormatProblem::shape);
  auto big = good;  // rows 48 -> 4800: plausible shape, but the file is too short for it
  big[16] = 0xC0;
  big[17] = 0x12;
  REQUIRE(problem_of([&] { parse(big); }) == FormatProblem::truncated);

  try {
    parse(flipped);
  } catch (const tabrl::FormatError& e) {
    REQUIRE(std::string(e.what()) == "test: checksum mismatch (file is corrupt)");
  }
}

namespace {
// A Q-table file written field by field (the layout io/q_table.hpp documents), with any shape
// and values, and a correct checksum.
std::vector<unsigned char> q_file(std::uint64_t rows, std::uint64_t cols, const std::vector<double>& values) {
  std::ostringstream out;
  tabrl::BinaryWriter w(out);
  w.bytes("TABRLQT", 8);
  w.value(std::uint32_t{1});
  const std::uint8_t header[4] = {2, 0, 0, 0};
  w.bytes(header, 4);
  w.value(rows);
  w.value(cols);
  w.array(values.data(), values.size());
  w.checksum();
  const std::string s = out.str();
  return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("q table: the documented layout, shapes with a zero dimension and non-finite values "
          "are refused on both sides", "[io]") {
  std::ostringstream out;
  tabrl::QTable<double> small(2, 3);
  small << 1, 2, 3, 4, 5, 6;
  tabrl::write_q_table(out, small);
  const std::string written = out.str();
  const auto by_hand = q_file(2, 3, {1, 2, 3, 4, 5, 6});
  REQUIRE(std::vector<unsigned char>(written.begin(), written.end()) == by_hand);
  REQUIRE(tabrl::parse_q_table<double>(by_hand, "test") == small);

  auto parse = [](const std::vector<unsigned char>& b) { (void)tabrl::parse_q_table<double>(b, "test"); };
  REQUIRE(problem_of([&] { parse(q_file(0, 4, {})); }) == FormatProblem::shape);
  REQUIRE(problem_of([&] { parse(q_file(48, 0, {})); }) == FormatProblem::shape);
  REQUIRE(problem_of([&] { parse(q_file(0, 0, {})); }) == FormatProblem::shape);
  REQUIRE_THROWS_WITH(parse(q_file(0, 4, {})), "test: shape mismatch (impossible shape 0 x 4)");
  REQUIRE_THROWS_WITH(parse(q_file(3, 0, {})), "test: shape mismatch (impossible shape 3 x 0)");
  REQUIRE_THROWS_WITH(parse(q_file(1, 2, {1.0, std::nan("")})), "test: bad value (Q(0, 1) must be finite, got nan)");
  REQUIRE(problem_of([&] { parse(q_file(2, 1, {-std::numeric_limits<double>::infinity(), 0.0})); }) ==
          FormatProblem::value);
  REQUIRE(tabrl::parse_q_table<double>(q_file(1, 1, {-0.0}), "test")(0, 0) == 0.0);  // 1 x 1 is fine

  std::ostringstream sink;
  REQUIRE_THROWS_AS(tabrl::write_q_table(sink, tabrl::QTable<double>(0, 4)), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::write_q_table(sink, tabrl::QTable<double>(4, 0)), tabrl::InvalidArgument);
  tabrl::QTable<double> bad = small;
  bad(1, 2) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(tabrl::write_q_table(sink, bad), Catch::Contains("Q(1, 2) must be finite"));
  REQUIRE(sink.str().empty());  // nothing written
  tabrl::test::ScratchDir dir("qt-refuse");
  REQUIRE_THROWS_AS(tabrl::save_q_table(dir / "q.bin", bad), tabrl::InvalidArgument);
  REQUIRE_FALSE(fs::exists(dir / "q.bin"));
}

TEST_CASE("q table: the checked-in corpus of bad files", "[io]") {
  const fs::path data = TABRL_TEST_DATA_DIR;
  const std::vector<std::pair<std::string, FormatProblem>> corpus = {
      {"q_truncated.bin", FormatProblem::truncated},   {"q_bad_magic.bin", FormatProblem::magic},
      {"q_bad_version.bin", FormatProblem::version},   {"q_float32.bin", FormatProblem::scalar_type},
      {"q_bad_checksum.bin", FormatProblem::checksum}, {"q_16x4.bin", FormatProblem::shape},
      {"q_empty.bin", FormatProblem::truncated},
  };
  for (const auto& entry : corpus) {
    const fs::path file = data / entry.first;  // (clang 14 cannot capture structured bindings)
    CAPTURE(file);
    REQUIRE(fs::exists(file));
    const auto p = problem_of([&] { (void)tabrl::load_q_table<double>(file, tabrl::Shape{48, 4}); });
    REQUIRE(p == entry.second);
  }
  REQUIRE(tabrl::load_q_table<double>(data / "q_good.bin", tabrl::Shape{48, 4}) == sample_table());
  REQUIRE_THROWS_AS(tabrl::load_q_table<double>(data / "does_not_exist.bin"), tabrl::IoError);
}

TEST_CASE("q table: a failing write keeps the previous file and reports the error", "[io]") {
  tabrl::test::ScratchDir dir("qt-fail");
  const auto q = sample_table();
  tabrl::save_q_table(dir / "q.bin", q);
  const auto before = tabrl::test::read_bytes(dir / "q.bin");

  // A full disk: the stream accepts 100 bytes, then fails.
  tabrl::test::FailingBuffer buffer(100);
  std::ostream failing(&buffer);
  REQUIRE_THROWS_AS(tabrl::write_q_table(failing, q), tabrl::IoError);

  // The same failure inside an atomic replacement leaves the old file untouched and no temp.
  tabrl::QTable<double> other = q * 2.0;
  REQUIRE_THROWS_AS(tabrl::atomic_write(dir / "q.bin",
                                        [&](std::ostream& out) {
                                          out.write("partial", 7);
                                          tabrl::write_q_table(failing, other);
                                        }),
                    tabrl::IoError);
  REQUIRE(tabrl::test::read_bytes(dir / "q.bin") == before);
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  REQUIRE(files == 1);

  // A directory that does not exist.
  REQUIRE_THROWS_WITH(tabrl::save_q_table(dir / "missing" / "q.bin", q), Catch::Contains("does not exist"));
  // A successful save replaces the file.
  tabrl::save_q_table(dir / "q.bin", other);
  REQUIRE(tabrl::load_q_table<double>(dir / "q.bin") == other);
}

TEST_CASE("q table: .npy export is read back exactly by numpy", "[io]") {
  tabrl::test::ScratchDir dir("npy");
  const auto q = sample_table();
  tabrl::export_npy(dir / "q.npy", q);
  const auto bytes = tabrl::test::read_bytes(dir / "q.npy");
  REQUIRE(bytes.size() % 16 == 0);
  REQUIRE((bytes.size() - 48 * 4 * 8) % 64 == 0);  // header padded to 64 bytes
  REQUIRE(bytes[0] == 0x93);
  tabrl::export_csv(dir / "q.csv", q);
  // numpy must load both and find the same values as the C++ table (bit-exact via repr).
  const std::string script = dir.path.string() + "/check.py";
  {
    std::ofstream py(script);
    py << "import numpy as np, sys\n"
          "a = np.load(sys.argv[1])\n"
          "b = np.loadtxt(sys.argv[2], delimiter=',', skiprows=1)[:, 1:]\n"
          "assert a.shape == (48, 4) and a.dtype == np.float64, (a.shape, a.dtype)\n"
          "expected = np.arange(192).reshape(48, 4) * -0.1 + 1.0 / 3.0\n"
          "assert (a == expected).all() and (b == expected).all()\n"
          "print('numpy ok')\n";
  }
  const std::string cmd = "/usr/bin/python3 " + script + " " + (dir / "q.npy").string() + " " +
                          (dir / "q.csv").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
}
