// Regenerates the corpus of Q table files used by tests/io (good and deliberately broken).
// Build and run from the repository root:
//   g++ -std=c++20 -I include -I /usr/include/eigen3 tests/data/make_corpus.cpp -o /tmp/mc && /tmp/mc tests/data

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tabrl/io/q_table.hpp>

namespace {
void put(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}
std::string table_bytes(const tabrl::QTable<double>& q) {
  std::ostringstream out;
  tabrl::write_q_table(out, q);
  return out.str();
}
}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "tests/data";
  tabrl::QTable<double> q(48, 4);
  for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = -0.1 * static_cast<double>(i) + 1.0 / 3.0;
  const std::string good = table_bytes(q);
  put(dir, "q_good.bin", good);
  put(dir, "q_truncated.bin", good.substr(0, 777));
  put(dir, "q_empty.bin", "");
  std::string s = good;
  s[0] = 'P';
  put(dir, "q_bad_magic.bin", s);
  s = good;
  s[8] = 9;
  put(dir, "q_bad_version.bin", s);
  s = good;
  s[500] = static_cast<char>(s[500] ^ 0x40);
  put(dir, "q_bad_checksum.bin", s);
  std::ostringstream f;
  tabrl::write_q_table(f, tabrl::QTable<float>(q.cast<float>()));
  put(dir, "q_float32.bin", f.str());
  put(dir, "q_16x4.bin", table_bytes(q.topRows(16)));
  return 0;
}
